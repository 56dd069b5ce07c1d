//! The errors of making, changing and removing tracks as the command line words them:
//! `new`, `remove` and `edit`, the status transitions, and the values a track is given
//! (its name, estimate and ports).

use crate::cli::failure::Failure;
use git_track::edit::EditError;
use git_track::lifecycle::{BACKUP_PREFIX, KeepReason, LifecycleError};
use git_track::track::{InvalidEstimate, InvalidName, NameOf};
use git_track::track_env::{KEY_PORT_BASE, KEY_PORT_STRIDE, PortTooHigh};
use git_track::transition::{NotAllowed, Transition};

use super::repo::store;
use super::{LIST_TRACKS, SET_WORKTREE_ROOT, fatal, usage};

pub(super) fn lifecycle(e: &LifecycleError) -> Failure {
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

fn kept(why: &KeepReason) -> String {
    match why {
        KeepReason::MergeRun => "a git track merge in progress is merging into it".to_owned(),
        _ => why.to_string(),
    }
}

pub(super) fn edit(e: &EditError) -> Failure {
    match e {
        EditError::NothingToChange => {
            usage(e).hint("'git track edit -h' lists what can be changed")
        }
        EditError::NoSuchBranch { .. } => usage(e),
        EditError::WorktreeElsewhere { path, branch, .. } => usage(e).hint(format!(
            "switch that worktree first ('git -C {} switch {branch}'), or remove it ('git worktree remove {}')",
            path.display(),
            path.display()
        )),
    }
}

pub(super) fn not_allowed(e: &NotAllowed) -> Failure {
    usage(e).hint(match e.transition {
        Transition::Reopen => format!(
            "'git track {}' is for finished or blocked tracks",
            e.transition.command()
        ),
        _ => format!("reopen it first with 'git track reopen {}'", e.name),
    })
}

pub(super) fn invalid_name(e: &InvalidName) -> Failure {
    usage(e).hint(match e.what {
        NameOf::Track => {
            "a track name is one ref component: letters, digits, '-', '_' and '.', e.g. 'auth-backend'"
        }
        NameOf::ExperimentGroup => {
            "an experiment group is one ref component, e.g. 'search-engine'"
        }
    })
}

pub(super) fn invalid_estimate(e: &InvalidEstimate) -> Failure {
    usage(e).hint("an estimate is hours or points, e.g. --estimate 3 or --estimate 0.5")
}

pub(super) fn port_too_high(e: &PortTooHigh) -> Failure {
    usage(e).hint(format!("lower {KEY_PORT_BASE} or {KEY_PORT_STRIDE}"))
}
