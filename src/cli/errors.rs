//! The library's typed errors as the command line shows them: the `error:` (or
//! `fatal:`) line, the `hint:` lines that name the commands and flags to run, and the
//! exit code. The library says what went wrong; only this file says what to type about
//! it (as jj's `cli/src/command_error.rs` does for jj-lib).
//!
//! Modules not yet moved to typed errors still raise a [`Failure`] with its own
//! message and hints; it passes through unchanged.

use git_track::error::Failure;
use git_track::lifecycle::{BACKUP_PREFIX, Kept, LifecycleError};
use git_track::store::{FILE_NAME, StoreError};
use git_track::track::{InvalidEstimate, InvalidName, NameOf};

/// The failure to report for `e`, when it is one the user can act on; `None` for an
/// internal or environment error (reported as `fatal:` with its whole chain).
pub fn describe(e: &anyhow::Error) -> Option<Failure> {
    if let Some(f) = e.downcast_ref::<Failure>() {
        return Some(f.clone());
    }
    if let Some(e) = e.downcast_ref::<LifecycleError>() {
        return Some(lifecycle(e));
    }
    if let Some(e) = e.downcast_ref::<StoreError>() {
        return Some(store(e));
    }
    if let Some(e) = e.downcast_ref::<InvalidName>() {
        return Some(invalid_name(e));
    }
    if let Some(e) = e.downcast_ref::<InvalidEstimate>() {
        return Some(invalid_estimate(e));
    }
    None
}

const LIST_TRACKS: &str = "'git track list' shows the tracks";
const SET_WORKTREE_ROOT: &str = "set one with 'git track init --worktree-root <dir>'";

fn usage(e: &impl ToString) -> Failure {
    Failure::usage(e.to_string())
}

fn fatal(e: &impl ToString) -> Failure {
    Failure::fatal(e.to_string())
}

fn invalid_name(e: &InvalidName) -> Failure {
    usage(e).hint(match e.what {
        NameOf::Track => {
            "a track name is one ref component: letters, digits, '-', '_' and '.', e.g. 'auth-backend'"
        }
        NameOf::ExperimentGroup => {
            "an experiment group is one ref component, e.g. 'search-engine'"
        }
    })
}

fn invalid_estimate(e: &InvalidEstimate) -> Failure {
    usage(e).hint("an estimate is hours or points, e.g. --estimate 3 or --estimate 0.5")
}

fn store(e: &StoreError) -> Failure {
    match e {
        StoreError::NoSuchTrack { .. } => usage(e).hint(LIST_TRACKS),
        StoreError::NoHistory { .. } | StoreError::Exists { .. } => usage(e),
        StoreError::Unreadable { refname, .. } => {
            fatal(e).hint(format!("inspect it with 'git show {refname}:{FILE_NAME}'"))
        }
        StoreError::Unwritable { .. } => fatal(e),
        StoreError::Contended { last_error, .. } => {
            fatal(e).hint(format!("try again; last error: {last_error}"))
        }
        StoreError::ChangedWhileRemoving { cause, .. } => {
            fatal(e).hint(format!("try again; {cause}"))
        }
    }
}

fn lifecycle(e: &LifecycleError) -> Failure {
    use LifecycleError as E;
    match e {
        E::NameTaken { name } => {
            usage(e).hint(format!("'git track show {name}' shows it; pick another name"))
        }
        E::NameCollides { .. } => usage(e).hint(
            "such names collide on case-insensitive or normalising filesystems (macOS, Windows)",
        ),
        E::DependsOnItself { .. }
        | E::DependencyCycle { .. }
        | E::BranchOwned { .. }
        | E::RefExists { .. }
        | E::AlreadyRemoved { .. } => usage(e),
        E::UnknownDependency { dep } => {
            Failure::usage(format!("unknown track '{dep}' in --depends-on")).hint(LIST_TRACKS)
        }
        E::BareRepository => usage(e)
            .hint("pass --no-worktree to create the track's branch and definition only"),
        E::NoWorktreeRoot => usage(e).hint(SET_WORKTREE_ROOT),
        E::NoSuchBranch { .. } => usage(e)
            .hint("--branch adopts an existing branch; use --from <rev> to start a new one"),
        E::BranchExists { name, branch } => usage(e).hint(format!(
            "adopt it with 'git track new {name} --branch {branch}'"
        )),
        E::BaseUnresolved { start_given, .. } => match start_given {
            true => usage(e),
            false => usage(e)
                .hint("make a first commit, pass --from <rev> or --base <rev>, or set track.base"),
        },
        E::WorktreePathTaken { .. } => usage(e)
            .hint("remove it, or set another root with 'git track init --worktree-root <dir>'"),
        E::BranchCheckedOut { .. } => {
            usage(e).hint("pass --no-worktree to adopt it without a worktree of its own")
        }
        E::NotAWorktree { .. } => {
            usage(e).hint("'git worktree list' shows the worktrees this repository has")
        }
        E::MainWorktree { .. } => {
            usage(e).hint("make one with 'git worktree add', or let 'git track new' make it")
        }
        E::DetachedWorktree { .. } => usage(e)
            .hint("check out a branch in it first ('git switch -c <branch>' inside it)"),
        E::UnreadableDefinition { name, store: s } => store(s).hint(format!(
            "'git track remove --force {name}' removes it, saving it under {BACKUP_PREFIX}{name}/ first"
        )),
        E::BranchKept { name, branch, why } => Failure::usage(format!(
            "refusing to delete branch '{branch}': {}",
            kept(why)
        ))
        .hint(format!(
            "'git track remove {name}' without --delete-branch removes the track and keeps the branch"
        )),
        E::UnmergedBranch { .. } => usage(e).hint(
            "merge it first, keep the branch (drop --delete-branch), or pass --force to save its tip under refs/tracks-backup/",
        ),
        E::SymbolicDefinition { refname } => fatal(e).hint(format!(
            "delete it with 'git update-ref --no-deref -d {refname}'"
        )),
        E::RemoveFromInside { .. } => {
            usage(e).hint("run the command from another worktree, e.g. with -C <main worktree>")
        }
        E::DirtyWorktree { .. } => usage(e).hint(
            "commit them, or pass --force to save them under refs/tracks-backup/ and remove the worktree",
        ),
        E::MissingWorktree { path, branch, .. } => fatal(e).hint(format!(
            "recreate it with 'git worktree prune && git worktree add {} {branch}'",
            path.display()
        )),
        E::NotInTrack => {
            usage(e).hint("name a track, or run the command inside a track's worktree")
        }
    }
}

fn kept(why: &Kept) -> String {
    match why {
        Kept::MergeRun => "a git track merge in progress is merging into it".to_owned(),
        _ => why.to_string(),
    }
}
