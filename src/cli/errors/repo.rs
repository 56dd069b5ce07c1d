//! The repository's errors as the command line words them: opening it, its refs, the
//! track definitions stored in it, git-track's locks, linked worktrees and git config.

use crate::cli::failure::Failure;
use git_track::config::BadValue;
use git_track::linked_worktree::WorktreeError;
use git_track::lock::LockError;
use git_track::repo::{RefLocked, RepoError};
use git_track::store::{FILE_NAME, StoreError};
use git_track::track_env::IndexLocked;

use super::{LIST_TRACKS, fatal, usage};

pub(super) fn repo(e: &RepoError) -> Failure {
    match e {
        RepoError::NotARepository { why } | RepoError::Sha256 { why } => fatal(e).hint(why),
        RepoError::NotACommit { .. } => usage(e),
    }
}

pub(super) fn ref_locked(e: &RefLocked) -> Failure {
    fatal(e).hint(
        "git and git-track hold that file only while they write a ref; if neither is running, a killed process left it and removing it is safe",
    )
}

pub(super) fn store(e: &StoreError) -> Failure {
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

pub(super) fn lock(e: &LockError) -> Failure {
    fatal(e).hint(match e {
        LockError::Held { .. } => {
            "wait for it to end and try again; the lock is released when that process ends, so removing the file does not help"
        }
        LockError::Unsupported { .. } => {
            "the file system may not support file locks; no git-track holds this lock unless one is running, so removing the file is safe when none is"
        }
    })
}

pub(super) fn index_locked(e: &IndexLocked) -> Failure {
    fatal(e)
        .hint("another git-track is giving out track indexes; if none is running, remove that file")
}

pub(super) fn worktree(e: &WorktreeError) -> Failure {
    match e {
        WorktreeError::MissingAndLocked { path, .. } => usage(e).hint(format!(
            "if it is gone for good, 'git worktree unlock {}' and try again",
            path.display()
        )),
        WorktreeError::RootIsAFile { .. } => {
            usage(e).hint("set another with 'git track init --worktree-root <dir>'")
        }
    }
}

pub(super) fn bad_value(e: &BadValue) -> Failure {
    usage(e).hint(format!("set it with 'git config {} {}'", e.key, e.example))
}
