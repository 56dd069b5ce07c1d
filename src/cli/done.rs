use super::output::Output;
use git_track::repo::Repo;
use git_track::transition::{self, Request, Transition};

/// Mark a track done: its work is finished
///
/// Records the new status (and the reason, if given) as a commit on the definition, so
/// 'git track log <name>' shows it. The track's worktree is removed when it is clean;
/// one with uncommitted or untracked work is refused unless --force, which saves that
/// work under refs/tracks-backup/<name>/ first. The branch is always kept. A track
/// merged by 'git track merge --checkpoint' becomes done by itself.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Ending,
}

/// What done, cancel and archive share.
#[derive(clap::Args)]
pub struct Ending {
    /// The track
    #[arg(value_name = "name")]
    pub name: String,
    /// Why (kept in the definition and its history)
    #[arg(long, value_name = "text")]
    pub reason: Option<String>,
    /// Remove a worktree with uncommitted work, saving that work to a ref first
    #[arg(long, short, conflicts_with = "keep_worktree")]
    pub force: bool,
    /// Leave the worktree where it is
    #[arg(long)]
    pub keep_worktree: bool,
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    end(repo, Transition::Done, a.common)
}

/// Runs done, cancel or archive.
pub fn end(repo: &Repo, to: Transition, a: Ending) -> anyhow::Result<Output> {
    report(transition::apply(
        repo,
        &Request {
            name: a.name,
            to,
            reason: a.reason,
            force: a.force,
            keep_worktree: a.keep_worktree,
        },
    )?)
}

/// The messages of any transition.
pub fn report(c: transition::Changed) -> anyhow::Result<Output> {
    let mut out = Output::none();
    if !c.changed {
        return Ok(out.info(format!(
            "Track '{}' already is {}; nothing changed",
            c.name, c.to
        )));
    }
    for saved in &c.saved {
        out = out.info(format!("Saved uncommitted work of '{}' to {saved}", c.name));
    }
    if let Some(p) = &c.worktree_removed {
        out = out.info(format!("Removed worktree {p}"));
    }
    if let Some(note) = &c.worktree_note {
        out = out.warn(note.clone());
    }
    let reason = c
        .reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    out = out.info(format!(
        "Track '{}': {} -> {}{reason}",
        c.name, c.from, c.to
    ));
    if let Some(p) = &c.worktree_added {
        out = out.info(format!("Added worktree {p}"));
    }
    Ok(out)
}
