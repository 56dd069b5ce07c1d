use super::output::{Output, table};
use crate::cli::failure::EXIT_FOUND;
use git_track::git::SyncMode;
use git_track::refs;
use git_track::repo::Repo;
use git_track::sync::{self, Request, Run, SyncResult};
use std::io::Write;

/// Bring the integration branch into tracks, in their worktrees
///
/// Merges the integration branch (or, while it does not exist, the base) into each
/// track's branch inside the track's worktree with git itself, so hooks, rerere and
/// mergetools work as usual; --rebase rebases the track onto it instead. A track already
/// containing the integration tip is left alone. Worktrees with uncommitted or
/// untracked work are refused before anything starts. A conflict stops the run with the
/// worktree left mid-merge (or mid-rebase): resolve, 'git add', then 'git track sync
/// --continue'; or 'git track sync --abort' to undo that track's sync (tracks synced
/// before it stay synced). Exit codes: 0 synced, 1 stopped at a conflict, 2 bad input.
#[derive(clap::Args)]
pub struct Args {
    /// The tracks to sync, in this order
    #[arg(value_name = "name", required_unless_present_any = ["all", "resume", "abort"], conflicts_with_all = ["all", "resume", "abort"])]
    names: Vec<String>,
    /// Every active or blocked track that has a worktree
    #[arg(long, conflicts_with_all = ["resume", "abort"])]
    all: bool,
    /// Merge the integration branch into the track (the default)
    #[arg(long, conflicts_with_all = ["rebase", "resume", "abort"])]
    merge: bool,
    /// Rebase the track onto the integration branch
    #[arg(long, conflicts_with_all = ["resume", "abort"])]
    rebase: bool,
    /// Take the staged resolution of the stopped track and go on
    #[arg(long = "continue", id = "resume", conflicts_with = "abort")]
    resume: bool,
    /// Undo the stopped track's merge or rebase and end the run
    #[arg(long)]
    abort: bool,
    /// Print one JSON object: {mode, upstream, upstream_tip, done, stopped, queue}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    let result = if a.abort {
        sync::abort(repo)?
    } else if a.resume {
        sync::resume(repo)?
    } else {
        let _ = a.merge; // the default
        sync::start(
            repo,
            &Request {
                names: a.names,
                all: a.all,
                mode: if a.rebase {
                    SyncMode::Rebase
                } else {
                    SyncMode::Merge
                },
            },
        )?
    };
    let code = if result.stopped.is_some() {
        EXIT_FOUND
    } else {
        0
    };
    let mut out = Output::new(result.clone(), write_run).code(code);
    if let Some(stop) = &result.stopped {
        out = out
            .hint(format!(
                "resolve the conflicts in {} ('git status', 'git mergetool'), 'git add' them,",
                stop.worktree
            ))
            .hint("then run 'git track sync --continue'")
            .hint(format!(
                "or 'git track sync --abort' to put '{}' back as it was",
                stop.track
            ));
    }
    Ok(out)
}

fn write_run(r: &Run, w: &mut dyn Write) -> std::io::Result<()> {
    let short = |id: &Option<String>| {
        id.as_deref()
            .map(|s| refs::short_id(s).to_owned())
            .unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = r
        .done
        .iter()
        .map(|s| {
            let what = match s.result {
                SyncResult::Merged | SyncResult::Rebased => format!(
                    "{} {}: {} -> {}",
                    s.result.as_str(),
                    r.upstream,
                    short(&s.from),
                    short(&s.to)
                ),
                SyncResult::UpToDate => format!("up to date with {}", r.upstream),
                SyncResult::Aborted => format!("sync aborted, back at {}", short(&s.from)),
                SyncResult::Skipped => format!("skipped: {}", s.reason.as_deref().unwrap_or("-")),
            };
            vec![s.track.clone(), what]
        })
        .collect();
    table(&rows, w)?;
    if let Some(stop) = &r.stopped {
        let verb = match r.mode {
            SyncMode::Merge => "merging",
            SyncMode::Rebase => "rebasing onto",
        };
        writeln!(
            w,
            "CONFLICT {verb} {} in track '{}', left in {}:",
            r.upstream, stop.track, stop.worktree
        )?;
        for p in &stop.paths {
            writeln!(w, "    {p}")?;
        }
        if !r.queue.is_empty() {
            writeln!(w, "Still to sync: {}", r.queue.join(", "))?;
        }
    }
    Ok(())
}
