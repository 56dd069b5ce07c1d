//! Creating and removing tracks: branch, worktree and definition, all or nothing.
//!
//! - `create`: `git track new` — name and dependency checks (`names`), the branch
//!   (adopted or made), the worktree (made, adopted from another tool, or none), then
//!   the definition; whatever was made is undone when a later piece fails.
//! - `remove`: `git track remove` — what would be lost is refused or saved first
//!   (`backup`), the definition goes last so a killed remove can be rerun.
//! - `worktree`: a track's linked worktree found, checked before removal, saved and
//!   removed; the track the current worktree belongs to.
//! - `backup`: ref creation and deletion by compare-and-swap, and the backup refs under
//!   `refs/tracks-backup/` that keep what a removal, skip or abort would lose.
//!
//! Failures are [`LifecycleError`]s; the command line says what to do about them.

mod backup;
mod create;
mod names;
mod remove;
mod worktree;

pub use backup::{BACKUP_PREFIX, create_ref, delete_ref, new_ref, save_backup};
pub use create::{Created, NewTrack, create, worktree_path};
pub use names::{check_dependencies, check_new_name};
pub use remove::{RemoveTrack, Removed, remove};
pub use worktree::{
    Retiring, current_track, find_worktree, missing_worktree, track_worktree, worktree_on_disk,
    worktree_to_retire,
};

use crate::store::StoreError;
use std::fmt;
use std::path::PathBuf;

/// What creating or removing a track can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("a track named '{name}' already exists")]
    NameTaken { name: String },
    #[error("a track named '{other}' already exists; '{name}' differs from it {how}")]
    NameCollides {
        name: String,
        other: String,
        how: NameCollision,
    },
    #[error("track '{name}' cannot depend on itself")]
    DependsOnItself { name: String },
    #[error("unknown track '{dep}' among the dependencies")]
    UnknownDependency { dep: String },
    #[error("dependency cycle: {}", cycle.join(" -> "))]
    DependencyCycle { cycle: Vec<String> },
    #[error("cannot add a worktree to a bare repository")]
    BareRepository,
    #[error("no worktree root is set")]
    NoWorktreeRoot,
    #[error("no branch named '{branch}'")]
    NoSuchBranch { branch: String },
    /// The branch `new` would make exists; `name` is the track's.
    #[error("a branch named '{branch}' already exists")]
    BranchExists { name: String, branch: String },
    /// `start_given`: a start other than the base was given, so only the base is wrong.
    #[error("the base '{base}' does not resolve to a commit")]
    BaseUnresolved { base: String, start_given: bool },
    #[error("'{}' already exists and is not empty", path.display())]
    WorktreePathTaken { path: PathBuf },
    #[error("branch '{branch}' is already checked out at '{}'", at.display())]
    BranchCheckedOut { branch: String, at: PathBuf },
    #[error("'{}' is not a worktree of this repository", path.display())]
    NotAWorktree { path: PathBuf },
    #[error("'{}' is the main worktree; only a linked worktree can become a track's", path.display())]
    MainWorktree { path: PathBuf },
    #[error("the worktree at '{}' has no branch checked out (detached HEAD)", path.display())]
    DetachedWorktree { path: PathBuf },
    #[error("branch '{branch}' of that worktree already belongs to track '{track}'")]
    BranchOwned { branch: String, track: String },
    #[error("'{name}' already exists")]
    RefExists { name: String },
    #[error("track '{name}' was already removed (by another git-track running at the same time)")]
    AlreadyRemoved { name: String },
    /// `remove` found a definition it cannot read.
    #[error("{store}")]
    UnreadableDefinition { name: String, store: StoreError },
    #[error("refusing to delete branch '{branch}': {why}")]
    BranchKept {
        name: String,
        branch: String,
        why: KeepReason,
    },
    #[error(
        "branch '{branch}' has commits that are merged into neither '{integration}' nor '{base}'"
    )]
    UnmergedBranch {
        branch: String,
        integration: String,
        base: String,
    },
    #[error("{refname} is a symbolic ref")]
    SymbolicDefinition { refname: String },
    #[error("cannot remove the worktree of '{name}' from inside it")]
    RemoveFromInside { name: String },
    #[error("the worktree of '{name}' at '{}' has uncommitted or untracked changes", path.display())]
    DirtyWorktree { name: String, path: PathBuf },
    #[error("the worktree of track '{name}' at '{}' is missing (its folder was removed)", path.display())]
    MissingWorktree {
        name: String,
        path: PathBuf,
        branch: String,
    },
    #[error("this worktree does not belong to a track")]
    NotInTrack,
}

/// How two track names collide on a case-insensitive or normalising filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCollision {
    Normalisation,
    Case,
}

impl fmt::Display for NameCollision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameCollision::Normalisation => "in Unicode normalisation (NFC or NFD) only",
            NameCollision::Case => "only by case",
        })
    }
}

/// Why a track's branch is not deleted with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepReason {
    Integration,
    CheckedOut(PathBuf),
    RepositoryBase,
    TrackBase,
    MergeRun,
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepReason::Integration => {
                f.write_str("it is the integration branch (track.integration)")
            }
            KeepReason::CheckedOut(path) => write!(
                f,
                "it is checked out in the worktree at '{}'",
                path.display()
            ),
            KeepReason::RepositoryBase => f.write_str("it is the base branch (track.base)"),
            KeepReason::TrackBase => f.write_str("it is the track's base"),
            KeepReason::MergeRun => f.write_str("a merge run in progress is merging into it"),
        }
    }
}
