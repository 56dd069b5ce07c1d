//! The errors of `git track sync` (bringing the integration branch into tracks) as the
//! command line words them.

use crate::cli::failure::Failure;
use git_track::sync::SyncError;

use super::{fatal, usage};

pub(super) fn sync(e: &SyncError) -> Failure {
    use SyncError as E;
    match e {
        E::CorruptState { .. } => fatal(e).hint(
            "'git track sync --abort' cannot read it either; remove the file and check the track's worktree with 'git status'",
        ),
        E::Stopped { .. } => usage(e).hint(
            "finish it with 'git track sync --continue', or undo it with 'git track sync --abort'",
        ),
        E::NoWorktree { name } => usage(e).hint(format!(
            "sync its branch by hand, or 'git track reopen {name}' to add a worktree"
        )),
        E::BranchNotCheckedOut { branch, .. } => {
            usage(e).hint(format!("'git switch {branch}' there first"))
        }
        E::DirtyWorktree { .. } => usage(e).hint("commit or stash them, then sync again"),
        E::NothingStopped => usage(e).hint("'git track sync <name>...' starts one"),
        E::NoStopRecorded => fatal(e),
    }
}
