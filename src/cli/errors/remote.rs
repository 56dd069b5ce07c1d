//! The errors of sharing tracks through a remote (`push`, `fetch`, `attach`, and
//! `merge --push`) as the command line words them.

use crate::cli::failure::Failure;
use git_track::remote::RemoteError;

use super::{fatal, found, usage};

pub(super) fn remote(e: &RemoteError) -> Failure {
    use RemoteError as E;
    match e {
        E::NoDefault { remotes } => usage(e).hint(format!(
            "name one: 'git track push <remote>'; the remotes are: {}",
            if remotes.is_empty() {
                "none (add one with 'git remote add')".to_owned()
            } else {
                remotes.join(", ")
            }
        )),
        E::NoSuchRemote { .. } => usage(e)
            .hint("add it with 'git remote add <name> <url>'; 'git remote -v' lists the remotes"),
        E::UnusableName { .. } | E::InvalidBranch { .. } | E::BranchCheckedOut { .. } => usage(e),
        E::NotFetched { .. } => {
            usage(e).hint("'git track fetch' brings the tracks defined on other machines")
        }
        E::AlreadyAttached { path, .. } => usage(e).hint(format!("cd '{}'", path.display())),
        E::PathTaken { .. } => usage(e).hint("pass --path <dir> to put the worktree elsewhere"),
        E::BranchNowhere { .. } => {
            usage(e).hint("on the machine that has it: 'git track push --with-branches'")
        }
        E::Contended { remote, losses, .. } => fatal(e).hint(format!(
            "nothing was lost; try again with 'git track push {remote}' (last refused: {})",
            losses.join("; ")
        )),
        E::PushFailed {
            nothing_pushed: true,
            ..
        } => fatal(e).hint("nothing was pushed; check the remote and try again"),
        E::PushFailed { .. } => fatal(e),
        E::Diverged {
            branch: _,
            theirs,
            worktree: Some(wt),
        } => usage(e)
            .hint(format!(
                "bring theirs in: 'git -C {} merge {theirs}', then 'git track merge --push' again",
                wt.display()
            ))
            .hint(format!(
                "or start from theirs: 'git -C {} reset --keep {theirs}' (tracks merged there are skipped)",
                wt.display()
            )),
        E::Diverged { branch, theirs, worktree: None } => usage(e)
            .hint(format!(
                "start from theirs: 'git branch -f {branch} {theirs}', then 'git track merge --push' again (tracks merged there are skipped)"
            ))
            .hint(format!(
                "or bring theirs in: 'git merge {theirs}' in a worktree of '{branch}'"
            )),
        E::NoBranchToPush { .. } => usage(e),
        E::MovedMeanwhile { branch, remote, .. } => found(e)
            .hint(format!("your merges are kept in '{branch}' here; nothing was pushed"))
            .hint(format!(
                "fetch theirs and merge it in ('git fetch {remote}' then 'git merge {remote}/{branch}' in a worktree of '{branch}'), then push with 'git track merge --push' again"
            )),
    }
}
