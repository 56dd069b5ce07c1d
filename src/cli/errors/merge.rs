//! The errors of `git track merge` (and of pruning what it merged) as the command line
//! words them, by the sections of [`MergeError`]: planning, starting, the integration
//! worktree, moving the branch, continuing/skipping/aborting, and the saved state.

use crate::cli::failure::Failure;
use git_track::merge::error::{DirtyWhen, or_word};
use git_track::merge::{InProgress, MergeError};
use git_track::prune::NothingMerged;

use super::{fatal, found, usage};

const FINISH_OR_UNDO: &str =
    "finish it with 'git track merge --continue', or undo it with 'git track merge --abort'";

/// Sends each error to the words of its section. This match names every variant, so a
/// new one fails to compile until it has a section; each section's own match then
/// meets only its variants.
pub(super) fn merge(e: &MergeError) -> Failure {
    use MergeError as E;
    match e {
        E::ListedTwice { .. }
        | E::BranchMissing(_)
        | E::BrokenBranch { .. }
        | E::DependencyNotMerged { .. }
        | E::OutOfScope { .. } => planning(e),
        E::InvalidBranch { .. }
        | E::NoStart { .. }
        | E::Busy { .. }
        | E::StartedMeanwhile
        | E::MergeInWorktree { .. }
        | E::WorktreeDirty { .. } => starting(e),
        E::NoWorktreeRoot { .. }
        | E::WorktreePathTaken { .. }
        | E::WorktreeStuck { .. }
        | E::CannotTake { .. }
        | E::GitMergeFailed { .. }
        | E::BranchVanished { .. } => worktree(e),
        E::BranchMoved { .. } | E::ShallowHistory { .. } => moving(e),
        E::NothingInProgress { .. }
        | E::RunningElsewhere { .. }
        | E::BranchGone { .. }
        | E::ForeignCommit { .. }
        | E::MarkersCommitted { .. }
        | E::OtherMergeInWorktree { .. }
        | E::Unmerged { .. }
        | E::Unstaged { .. }
        | E::MarkersStaged { .. }
        | E::NothingToSkip
        | E::AlreadyCheckpointed { .. } => resolving(e),
        E::CorruptState { .. } | E::BadObjectId { .. } => saved_state(e),
    }
}

/// Checking the listed tracks before anything moves.
fn planning(e: &MergeError) -> Failure {
    use MergeError as E;
    match e {
        E::ListedTwice { .. } => usage(e),
        E::BranchMissing(missing) => usage(e).hint(format!(
            "point the track at its branch with 'git track edit {} --branch <branch>'",
            missing.track
        )),
        E::BrokenBranch { track, broken } => usage(e).hint(format!(
            "point it at a commit ('git branch -f {} <commit>'), or merge without '{track}'",
            broken.branch
        )),
        E::DependencyNotMerged {
            track,
            dep,
            listed_later: true,
        } => usage(e).hint(format!("list '{dep}' before '{track}'")),
        E::DependencyNotMerged { track, dep, .. } => usage(e).hint(format!(
            "merge '{dep}' first, or list it before '{track}': git track merge {dep} {track}"
        )),
        E::OutOfScope { track, .. } => found(e)
            .hint(format!("'git track check {track}' explains them"))
            .hint("pass --allow-violations to merge it anyway; the violations go into the notes"),
        _ => unreachable!("merge() sends only planning errors here"),
    }
}

/// Starting a run: the integration branch, and what may already be in progress.
fn starting(e: &MergeError) -> Failure {
    use MergeError as E;
    match e {
        E::InvalidBranch { .. } => usage(e),
        E::NoStart { .. } => usage(e)
            .hint("pass --onto <rev>, or set track.base with 'git track init --base <rev>'"),
        E::Busy { at, pid } => busy(at, *pid),
        E::StartedMeanwhile => {
            Failure::usage("a git track merge is already in progress").hint(FINISH_OR_UNDO)
        }
        E::MergeInWorktree { .. } => {
            usage(e).hint("finish it ('git commit') or undo it ('git merge --abort') first")
        }
        E::WorktreeDirty {
            when: DirtyWhen::Starting { branch },
            ..
        } => usage(e).hint(format!(
            "commit or stash them first: the merge moves '{branch}' and brings that worktree along"
        )),
        E::WorktreeDirty {
            when: DirtyWhen::GateFailed,
            ..
        } => usage(e).hint(
            "commit your fix there (or discard it), then 'git track merge --continue' runs the gate again",
        ),
        _ => unreachable!("merge() sends only starting errors here"),
    }
}

/// A run in progress already, worded from its saved state: a running one is waited
/// for, a stopped one finished or undone.
fn busy(at: &InProgress, pid: u32) -> Failure {
    let what = match at.state.as_str() {
        "running" => format!("a git track merge is running (process {pid})"),
        "interrupted" => "a git track merge was interrupted (its process is gone)".to_owned(),
        "gate-failed" => "a git track merge is stopped on a failed --exec gate".to_owned(),
        _ => "a git track merge is stopped at a conflict".to_owned(),
    };
    let f = Failure::usage(format!(
        "{what}, at step {} ({})",
        at.step,
        at.track.as_deref().unwrap_or("-")
    ));
    match at.state.as_str() {
        "running" => f,
        _ => f.hint(FINISH_OR_UNDO),
    }
}

/// The integration worktree, and git's merges in it.
fn worktree(e: &MergeError) -> Failure {
    use MergeError as E;
    match e {
        E::NoWorktreeRoot { .. } => fatal(e).hint(
            "set one with 'git track init --worktree-root <dir>', then 'git track merge --continue'",
        ),
        E::WorktreePathTaken { branch, .. } => fatal(e).hint(format!(
            "check out '{branch}' in a worktree of your choice ('git worktree add <path> {branch}'), then 'git track merge --continue'"
        )),
        E::WorktreeStuck { .. } => fatal(e)
            .hint("commit or discard the changes there, then 'git track merge --continue'"),
        E::CannotTake { stays_at_step, .. } => {
            let f = usage(e).hint("move or remove them, then merge again");
            match stays_at_step {
                Some(step) => f.hint(format!(
                    "'git track merge --continue' then goes on from step {step}; 'git track merge --abort' undoes the run"
                )),
                None => f,
            }
        }
        E::GitMergeFailed { .. } => fatal(e).hint(
            "fix what git reports, then 'git track merge --continue' (or --skip, --abort)",
        ),
        E::BranchVanished { .. } => fatal(e),
        _ => unreachable!("merge() sends only worktree errors here"),
    }
}

/// Moving the integration branch, and merging in a shallow clone.
fn moving(e: &MergeError) -> Failure {
    use MergeError as E;
    match e {
        E::BranchMoved {
            refname,
            expected,
            found,
            cause,
        } => Failure::fatal(format!(
            "{refname} moved while git track merge was working (expected {}, found {})",
            or_word(expected, "no branch"),
            or_word(found, "nothing")
        ))
        .hint(cause)
        .hint("'git track merge --abort' puts it back as it was before the run"),
        E::ShallowHistory { .. } => fatal(e).hint(
            "fetch the missing history with 'git fetch --unshallow' (or '--deepen=<n>'), then try again",
        ),
        _ => unreachable!("merge() sends only errors of moving the branch here"),
    }
}

/// Continuing, skipping and aborting a stopped run.
fn resolving(e: &MergeError) -> Failure {
    use MergeError as E;
    const RESTORES: &str = "'git track merge --abort' restores it as it was before the run";
    match e {
        E::NothingInProgress { action } => {
            Failure::usage(format!("no git track merge in progress; nothing to {action}"))
        }
        E::RunningElsewhere { pid } => Failure::usage(format!(
            "a git track merge is running (process {pid}); wait for it to end"
        )),
        E::BranchGone { .. } => fatal(e).hint(RESTORES),
        E::ForeignCommit { .. } => fatal(e).hint(format!(
            "{RESTORES} (keeping that commit under refs/tracks-backup/)"
        )),
        E::MarkersCommitted { .. } => {
            found(e).hint("fix them, 'git commit --amend', then 'git track merge --continue'")
        }
        E::OtherMergeInWorktree { .. } => fatal(e).hint(
            "finish or undo it with git ('git merge --abort'), then 'git track merge --continue'",
        ),
        E::Unmerged { track, .. } => found(e)
            .hint("resolve them, 'git add' them, then 'git track merge --continue'")
            .hint(format!(
                "or 'git track merge --skip' to leave '{track}' out, 'git track merge --abort' to undo the run"
            )),
        E::Unstaged { .. } => usage(e).hint(
            "'git add' them to make them part of the merge, or discard them ('git restore <path>')",
        ),
        E::MarkersStaged { .. } => {
            found(e).hint("edit them out, 'git add' the files, then 'git track merge --continue'")
        }
        E::NothingToSkip => Failure::usage(format!(
            "{e}; 'git track merge --continue' finishes the run"
        )),
        E::AlreadyCheckpointed { .. } => {
            usage(e).hint("'git track merge --continue' finishes it")
        }
        _ => unreachable!("merge() sends only continue/skip/abort errors here"),
    }
}

/// The run's saved state, unreadable.
fn saved_state(e: &MergeError) -> Failure {
    use MergeError as E;
    match e {
        E::CorruptState { .. } => fatal(e).hint(
            "if no merge is in progress, remove that file; the integration branch's backup is under refs/tracks-backup/",
        ),
        E::BadObjectId { .. } => fatal(e),
        _ => unreachable!("merge() sends only saved-state errors here"),
    }
}

pub(super) fn nothing_merged(e: &NothingMerged) -> Failure {
    usage(e).hint("merge tracks with 'git track merge' first")
}
