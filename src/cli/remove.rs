use super::output::Output;
use git_track::lifecycle::{self, RemoveTrack};
use git_track::repo::Repo;

/// Remove a track: its definition and its worktree; the branch is kept
///
/// A worktree with uncommitted or untracked changes is refused unless --force, and
/// with --force that work is first saved to a ref under refs/tracks-backup/<name>/.
/// --delete-branch also deletes the branch, after saving its tip under
/// refs/tracks-backup/<name>/; one with commits merged nowhere is refused unless --force.
/// A branch checked out in another worktree, the base branch and the integration branch
/// are never deleted. A worktree whose folder was removed by hand is pruned. With
/// --force, a definition ref that cannot be read is saved and removed.
#[derive(clap::Args)]
pub struct Args {
    /// The track to remove
    #[arg(value_name = "name")]
    name: String,
    /// Remove even with uncommitted work or an unmerged branch, saving them first
    #[arg(long, short)]
    force: bool,
    /// Delete the track's branch too
    #[arg(long)]
    delete_branch: bool,
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    let removed = lifecycle::remove(
        repo,
        &RemoveTrack {
            name: a.name,
            force: a.force,
            delete_branch: a.delete_branch,
        },
    )?;
    let mut out = Output::none();
    for saved in &removed.saved {
        out = out.info(format!("Saved work of '{}' to {saved}", removed.name));
    }
    if let Some(p) = &removed.worktree_removed {
        out = out.info(format!("Removed worktree {p}"));
    }
    if let Some(p) = &removed.worktree_pruned {
        out = out.info(format!("Pruned worktree {p} (its folder was already gone)"));
    }
    if let Some(b) = &removed.branch_deleted {
        out = out.info(format!("Deleted branch {b}"));
    }
    if removed.corrupt {
        return Ok(out.info(format!(
            "Removed unreadable definition refs/tracks/{}",
            removed.name
        )));
    }
    Ok(out.info(format!("Removed track '{}'", removed.name)))
}
