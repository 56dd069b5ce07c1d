//! What a merge run refuses or stops on, in the library's terms: each case with its
//! data (tracks, step numbers, paths, commits). `src/cli/errors/` words them for the
//! user, with the commands to run next, and picks the exit codes.

use super::InProgress;
use super::notes::NotedViolation;
use super::plan::describe_violations;
use crate::refs::NotACommit;
use crate::scope::rules::NoBranch;
use gix::ObjectId;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    // Planning.
    #[error("track '{name}' is listed twice")]
    ListedTwice { name: String },
    /// A listed track's branch does not exist.
    #[error(transparent)]
    BranchMissing(NoBranch),
    /// A listed track's branch points to no commit.
    #[error("track '{track}' cannot be merged: {broken}")]
    BrokenBranch { track: String, broken: NotACommit },
    /// `listed_later`: `dep` is listed, after `track`.
    #[error(
        "track '{track}' depends on '{dep}', which is neither merged into the integration branch nor listed before it"
    )]
    DependencyNotMerged {
        track: String,
        dep: String,
        listed_later: bool,
    },
    /// A listed track changes paths outside its scope, and violations are not allowed.
    #[error(
        "track '{track}' changes paths outside its scope: {}",
        describe_violations(violations)
    )]
    OutOfScope {
        track: String,
        violations: Vec<NotedViolation>,
    },

    // Starting.
    #[error("'{branch}' is not a valid branch name")]
    InvalidBranch { branch: String },
    /// The integration branch would be created at `onto`, which names no commit.
    #[error(
        "the integration branch '{branch}' does not exist, and '{onto}', where it would start, does not resolve to a commit"
    )]
    NoStart { branch: String, onto: String },
    /// A run is in progress already (`pid`: the process that last held it).
    #[error("a merge run is in progress ({}) at step {} ({})", at.state, at.step, at.track.as_deref().unwrap_or("-"))]
    Busy { at: InProgress, pid: u32 },
    /// Another run saved its state between this one's look and its own save.
    #[error("a merge run is already in progress")]
    StartedMeanwhile,
    #[error("a merge is in progress in the integration worktree {}", worktree.display())]
    MergeInWorktree { worktree: PathBuf },
    #[error("the integration worktree {} has uncommitted changes", worktree.display())]
    WorktreeDirty { worktree: PathBuf, when: DirtyWhen },

    // The integration worktree.
    #[error("the integration branch '{branch}' has no worktree and no worktree root is set")]
    NoWorktreeRoot { branch: String },
    #[error("cannot add the integration worktree at '{}': it exists and is not empty", path.display())]
    WorktreePathTaken { path: PathBuf, branch: String },
    /// Its index and files could not be brought to the integration tip.
    #[error("could not bring the integration worktree {} to {tip}: {cause}", worktree.display())]
    WorktreeStuck {
        worktree: PathBuf,
        tip: String,
        cause: String,
    },
    /// The worktree could not take the files of a step's merge, so the branch was not
    /// moved. `stays_at_step`: earlier steps moved the branch, so the run stays in
    /// progress, to go on from this step (from 1) or be undone.
    #[error("{}", cannot_take(track, worktree, in_the_way))]
    CannotTake {
        track: String,
        worktree: PathBuf,
        in_the_way: InTheWay,
        stays_at_step: Option<usize>,
    },
    /// git's own merge of a conflicted step failed rather than stopping at a conflict.
    #[error("'git merge' of track '{track}' failed in {}: {}", worktree.display(), output.trim().replace('\n', " "))]
    GitMergeFailed {
        track: String,
        worktree: PathBuf,
        output: String,
    },
    #[error("the integration branch '{branch}' disappeared")]
    BranchVanished { branch: String },

    // Moving the branch.
    /// The compare-and-swap of `refname` failed: it was not at `expected` but at `found`
    /// (`None`: absent). `cause`: the failed edit.
    #[error(
        "{refname} moved while the merge run was working (expected {}, found {})",
        or_word(expected, "no branch"),
        or_word(found, "nothing")
    )]
    BranchMoved {
        refname: String,
        expected: Option<ObjectId>,
        found: Option<ObjectId>,
        cause: String,
    },
    /// Merging found no merge base in a shallow clone: history is missing, not unrelated.
    #[error(
        "could not merge {theirs} into {ours}: this is a shallow clone and the history joining them is not here ({cause})"
    )]
    ShallowHistory {
        ours: ObjectId,
        theirs: ObjectId,
        cause: String,
    },

    // Continuing, skipping and aborting.
    #[error("no merge run in progress; nothing to {action}")]
    NothingInProgress { action: Resolve },
    #[error("a merge run is going on in process {pid}")]
    RunningElsewhere { pid: u32 },
    #[error("the integration branch '{branch}' no longer exists")]
    BranchGone { branch: String },
    /// The branch is at a commit this run did not make.
    #[error("the integration branch '{branch}' moved to {commit}, which this merge did not make")]
    ForeignCommit { branch: String, commit: ObjectId },
    /// The current step's merge was committed with conflict markers in `paths`.
    #[error(
        "the merge of track '{track}' ({commit}) still holds conflict markers in {}",
        paths.join(", ")
    )]
    MarkersCommitted {
        track: String,
        commit: ObjectId,
        paths: Vec<String>,
    },
    /// The merge in progress in the worktree is of `merging`, not of the step's `tip`.
    #[error(
        "the merge in progress in {} is of {merging}, not of track '{track}' ({tip})",
        worktree.display()
    )]
    OtherMergeInWorktree {
        worktree: PathBuf,
        merging: ObjectId,
        track: String,
        tip: ObjectId,
    },
    #[error("cannot continue: unmerged paths remain in {}: {}", worktree.display(), paths.join(", "))]
    Unmerged {
        worktree: PathBuf,
        paths: Vec<String>,
        track: String,
    },
    #[error("cannot continue: changes in {} are not staged: {}", worktree.display(), paths.join(", "))]
    Unstaged {
        worktree: PathBuf,
        paths: Vec<String>,
    },
    #[error("cannot continue: conflict markers remain in {}", paths.join(", "))]
    MarkersStaged { paths: Vec<String> },
    #[error("nothing to skip: every step is done")]
    NothingToSkip,
    /// The run's process ended after its checkpoint: undoing the branch alone would
    /// leave the note and the tracks' new status.
    #[error(
        "the run had made its checkpoint on '{branch}' when its process ended; there is nothing to abort"
    )]
    AlreadyCheckpointed { branch: String },

    // The saved state.
    #[error("the saved merge state {} is unreadable: {why}", path.display())]
    CorruptState { path: PathBuf, why: String },
    #[error("the saved merge state holds a bad object id '{hex}': {cause}")]
    BadObjectId { hex: String, cause: String },
}

/// When the integration worktree was found with uncommitted changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirtyWhen {
    /// Starting a run, which moves `branch` and brings the worktree along.
    Starting { branch: String },
    /// Continuing after a failed gate, which runs the gate again on what is committed.
    GateFailed,
}

/// What keeps the integration worktree from taking a merge's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InTheWay {
    /// Untracked files the merge would overwrite.
    Untracked(Vec<String>),
    /// Anything else, as git put it.
    Other(String),
}

/// What was asked of a run after a stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    Continue,
    Skip,
    Abort,
}

impl fmt::Display for Resolve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resolve::Continue => "continue",
            Resolve::Skip => "skip",
            Resolve::Abort => "abort",
        })
    }
}

fn cannot_take(track: &str, worktree: &std::path::Path, in_the_way: &InTheWay) -> String {
    match in_the_way {
        InTheWay::Untracked(files) => format!(
            "the merge of track '{track}' would overwrite untracked files in {}:\n{}",
            worktree.display(),
            files
                .iter()
                .map(|f| format!("\t{}", crate::scope::paths::quote(f)))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        InTheWay::Other(complaint) => format!(
            "the worktree {} cannot take the merge of track '{track}': {}",
            worktree.display(),
            complaint.replace('\n', " ")
        ),
    }
}

/// `id`, or `word` for none.
pub fn or_word(id: &Option<ObjectId>, word: &str) -> String {
    id.map_or_else(|| word.to_owned(), |id| id.to_string())
}
