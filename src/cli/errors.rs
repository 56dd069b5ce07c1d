//! The library's typed errors as the command line shows them: the `error:` (or
//! `fatal:`) line, the `hint:` lines that name the commands and flags to run, and the
//! exit code. The library says what went wrong; only this file says what to type about
//! it (as jj's `cli/src/command_error.rs` does for jj-lib).
//!
//! `linked_worktree`, not yet moved to typed errors, and the commands' own checks raise
//! a [`Failure`] with its own message and hints; it passes through unchanged. A typed
//! error whose message would name a command (`MergeError::Busy`, say) is worded here
//! from its data rather than from its `Display`.

use git_track::agents::{AgentError, NAMES as AGENTS};
use git_track::config::BadValue;
use git_track::demo::FolderTaken;
use git_track::edit::EditError;
use git_track::error::Failure;
use git_track::hooks::agent::BadPayload;
use git_track::hooks::install::ChainTaken;
use git_track::import::ImportError;
use git_track::lifecycle::{BACKUP_PREFIX, KeepReason, LifecycleError};
use git_track::linked_worktree::WorktreeError;
use git_track::lock::LockError;
use git_track::merge::MergeError;
use git_track::merge::error::{DirtyWhen, or_word};
use git_track::overlap::{NoIntegration, UnknownLevel};
use git_track::plan::experiments::ExperimentError;
use git_track::plan::graph::Cycle;
use git_track::prune::NothingMerged;
use git_track::remote::RemoteError;
use git_track::repo::{RefLocked, RepoError};
use git_track::scope::GlobError;
use git_track::scope::claims::{ClaimsError, Field};
use git_track::scope::rules::NoBranch;
use git_track::scope::shared::SharedError;
use git_track::setup::CouldNotRun;
use git_track::store::{FILE_NAME, StoreError};
use git_track::sync::SyncError;
use git_track::track::{InvalidEstimate, InvalidName, NameOf};
use git_track::track_env::{IndexLocked, KEY_PORT_BASE, KEY_PORT_STRIDE, PortTooHigh};
use git_track::transition::{NotAllowed, Transition};

/// The failure to report for `e`, when it is one the user can act on; `None` for an
/// internal or environment error (reported as `fatal:` with its whole chain).
pub fn describe(e: &anyhow::Error) -> Option<Failure> {
    /// `Some(map(error))` when `e` is a `T`.
    fn as_<T: std::error::Error + Send + Sync + 'static>(
        e: &anyhow::Error,
        map: fn(&T) -> Failure,
    ) -> Option<Failure> {
        e.downcast_ref::<T>().map(map)
    }
    as_(e, Failure::clone)
        .or_else(|| as_(e, repo))
        .or_else(|| as_(e, ref_locked))
        .or_else(|| as_(e, merge))
        .or_else(|| as_(e, lifecycle))
        .or_else(|| as_(e, store))
        .or_else(|| as_(e, experiment))
        .or_else(|| as_(e, sync))
        .or_else(|| as_(e, remote))
        .or_else(|| as_(e, edit))
        .or_else(|| as_(e, not_allowed))
        .or_else(|| as_(e, agent))
        .or_else(|| as_(e, bad_payload))
        .or_else(|| as_(e, bad_value))
        .or_else(|| as_(e, cycle))
        .or_else(|| as_(e, port_too_high))
        .or_else(|| as_(e, nothing_merged))
        .or_else(|| as_(e, glob))
        .or_else(|| as_(e, claims))
        .or_else(|| as_(e, shared))
        .or_else(|| as_(e, lock))
        .or_else(|| as_(e, index_locked))
        .or_else(|| as_(e, chain_taken))
        .or_else(|| as_(e, folder_taken))
        .or_else(|| as_(e, could_not_run))
        .or_else(|| as_(e, invalid_name))
        .or_else(|| as_(e, invalid_estimate))
        .or_else(|| as_(e, import))
        .or_else(|| as_(e, unknown_level))
        .or_else(|| as_(e, no_integration))
        .or_else(|| as_(e, no_branch))
        .or_else(|| as_(e, worktree))
}

const LIST_TRACKS: &str = "'git track list' shows the tracks";
const SET_WORKTREE_ROOT: &str = "set one with 'git track init --worktree-root <dir>'";

fn usage(e: &impl ToString) -> Failure {
    Failure::usage(e.to_string())
}

fn fatal(e: &impl ToString) -> Failure {
    Failure::fatal(e.to_string())
}

fn found(e: &impl ToString) -> Failure {
    Failure::found(e.to_string())
}

fn repo(e: &RepoError) -> Failure {
    match e {
        RepoError::NotARepository { why } | RepoError::Sha256 { why } => fatal(e).hint(why),
        RepoError::NotACommit { .. } => usage(e),
    }
}

fn ref_locked(e: &RefLocked) -> Failure {
    fatal(e).hint(
        "git and git-track hold that file only while they write a ref; if neither is running, a killed process left it and removing it is safe",
    )
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

fn bad_value(e: &BadValue) -> Failure {
    usage(e).hint(format!("set it with 'git config {} {}'", e.key, e.example))
}

fn cycle(e: &Cycle) -> Failure {
    usage(e).hint("break it with 'git track edit <name> --remove-depends-on <track>'")
}

fn port_too_high(e: &PortTooHigh) -> Failure {
    usage(e).hint(format!("lower {KEY_PORT_BASE} or {KEY_PORT_STRIDE}"))
}

fn nothing_merged(e: &NothingMerged) -> Failure {
    usage(e).hint("merge tracks with 'git track merge' first")
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

fn kept(why: &KeepReason) -> String {
    match why {
        KeepReason::MergeRun => "a git track merge in progress is merging into it".to_owned(),
        _ => why.to_string(),
    }
}

fn merge(e: &MergeError) -> Failure {
    use MergeError as E;
    const FINISH_OR_UNDO: &str =
        "finish it with 'git track merge --continue', or undo it with 'git track merge --abort'";
    const RESTORES: &str = "'git track merge --abort' restores it as it was before the run";
    match e {
        E::ListedTwice { .. } | E::InvalidBranch { .. } => usage(e),
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
        E::NoStart { .. } => usage(e)
            .hint("pass --onto <rev>, or set track.base with 'git track init --base <rev>'"),
        E::Busy { at, pid } => {
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
        E::BranchVanished { .. } | E::BadObjectId { .. } => fatal(e),
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
        E::CorruptState { .. } => fatal(e).hint(
            "if no merge is in progress, remove that file; the integration branch's backup is under refs/tracks-backup/",
        ),
    }
}

fn experiment(e: &ExperimentError) -> Failure {
    use ExperimentError as E;
    match e {
        E::NoSuchGroup { groups, .. } if groups.is_empty() => usage(e).hint(
            "no track is in an experiment; start one with 'git track new <name> --experiment <group> --hypothesis <text>'",
        ),
        E::NoSuchGroup { groups, .. } => {
            usage(e).hint(format!("the experiments are: {}", groups.join(", ")))
        }
        E::InvalidMetric { metric, cause } => Failure::usage(format!(
            "invalid --metric regular expression '{metric}': {cause}"
        ))
        .hint("e.g. --metric 'time: ([0-9.]+)'; the first group is the figure"),
        E::NoReason => Failure::usage("a pick needs a reason: --reason <text>"),
        E::NotInGroup { group, members, .. } => usage(e).hint(format!(
            "the tracks of '{group}' are: {}",
            members.join(", ")
        )),
        E::InNoGroup { track } => usage(e).hint(format!(
            "put it in one with 'git track edit {track} --experiment <group> --hypothesis <text>'"
        )),
        E::WinnerFinished { track, .. } => {
            usage(e).hint(format!("reopen it first with 'git track reopen {track}'"))
        }
        E::Decided { file, .. } => usage(e).hint(format!("'git show {file}' shows the decision")),
        E::MalformedDecision { .. } => fatal(e),
        E::DecisionChanged { .. } => usage(e).hint(
            "another git track pick ran at the same time; 'git track show' the tracks and try again",
        ),
    }
}

fn sync(e: &SyncError) -> Failure {
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

fn remote(e: &RemoteError) -> Failure {
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

fn edit(e: &EditError) -> Failure {
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

fn not_allowed(e: &NotAllowed) -> Failure {
    usage(e).hint(match e.transition {
        Transition::Reopen => format!(
            "'git track {}' is for finished or blocked tracks",
            e.transition.command()
        ),
        _ => format!("reopen it first with 'git track reopen {}'", e.name),
    })
}

fn agent(e: &AgentError) -> Failure {
    match e {
        AgentError::Unknown { .. } => {
            usage(e).hint(format!("the agents are: {}", AGENTS.join(", ")))
        }
        AgentError::NotAnObject { command, event, .. } => usage(e).hint(format!(
            "fix it, or add the hook yourself: run '{command}' on the {event} event"
        )),
        AgentError::BadShape { .. } => usage(e),
    }
}

/// How to wire each agent's hook, for a payload that was not its hook's.
fn bad_payload(e: &BadPayload) -> Failure {
    usage(e).hint(match e.protocol {
        "claude-code" => {
            "wire 'git track check --format claude-code' as a PreToolUse hook; it reads the hook's JSON on stdin"
        }
        "codex" => {
            "wire 'git track check --format codex' as a PreToolUse hook in .codex/hooks.json ('git track agent-setup codex' does it)"
        }
        "cursor" => {
            "wire 'git track check --format cursor' as a preToolUse hook in .cursor/hooks.json ('git track agent-setup cursor' does it)"
        }
        "gemini" => {
            "wire 'git track check --format gemini' as a BeforeTool hook in .gemini/settings.json ('git track agent-setup gemini' does it)"
        }
        other => return usage(e).hint(format!("wire 'git track check --format {other}' as its pre-edit hook")),
    })
}

fn glob(e: &GlobError) -> Failure {
    match e {
        GlobError::Pattern { .. } => usage(e).hint(
            "globs match repository-relative paths, e.g. 'src/auth/**', '*.md' or '!src/auth/gen/**'",
        ),
        GlobError::Set { .. } => usage(e),
    }
}

fn claims(e: &ClaimsError) -> Failure {
    match e {
        ClaimsError::Invalid { track, field, .. } => {
            let flag = match field {
                Field::Scope => "--scope",
                Field::Contracts => "--contract",
            };
            usage(e).hint(format!(
                "fix it with 'git track edit {track} {flag} <glob>...'"
            ))
        }
        ClaimsError::Set { .. } => usage(e),
    }
}

fn shared(e: &SharedError) -> Failure {
    match e {
        SharedError::Config(_) => usage(e)
            .hint("fix it with 'git config --unset-all track.sharedPaths' and add valid globs"),
        SharedError::File { .. } => usage(e)
            .hint("each line of .gittracks is one glob, e.g. 'Cargo.lock' or 'docs/changes/**'"),
    }
}

fn lock(e: &LockError) -> Failure {
    fatal(e).hint(match e {
        LockError::Held { .. } => {
            "wait for it to end and try again; the lock is released when that process ends, so removing the file does not help"
        }
        LockError::Unsupported { .. } => {
            "the file system may not support file locks; no git-track holds this lock unless one is running, so removing the file is safe when none is"
        }
    })
}

fn index_locked(e: &IndexLocked) -> Failure {
    fatal(e)
        .hint("another git-track is giving out track indexes; if none is running, remove that file")
}

fn chain_taken(e: &ChainTaken) -> Failure {
    usage(e).hint(format!(
        "merge them into one hook, or move {} away, and install again",
        e.chained.display()
    ))
}

fn folder_taken(e: &FolderTaken) -> Failure {
    usage(e).hint("name a new or empty folder, or leave it out to use a temporary one")
}

fn could_not_run(e: &CouldNotRun) -> Failure {
    fatal(e)
}

fn import(e: &ImportError) -> Failure {
    use ImportError as E;
    match e {
        E::BaseUnresolved { .. } | E::WorktreePathTaken { .. } | E::BadGlob { .. } => usage(e),
        E::SameName { .. } => usage(e)
            .hint("import them apart, or rename one with 'git track new <name> --from <tip>'"),
        E::BranchTaken { .. } => {
            usage(e).hint("narrow the glob to branches that are not tracks yet")
        }
        E::BranchExists { branch } => usage(e).hint(format!(
            "adopt existing branches with --branches, or remove '{branch}' first"
        )),
        E::BranchCheckedOut { .. } => usage(e).hint("import without --worktrees"),
        E::Unwritable { .. } => {
            fatal(e).hint("nothing was created; if another git-track or git is running, try again")
        }
        E::CreatedMeanwhile => usage(e).hint("'git track list' shows them"),
        E::BadRange { .. } => usage(e).hint("give it as <base>..<integration>, e.g. master..seen"),
        E::NoMerges { .. } => {
            found(e).hint("octopus merges and fast-forwards are not topics to import")
        }
        E::IntegrationBranch { .. } => usage(e).hint("narrow the glob"),
        E::NoBranches { .. } => found(e).hint("'git branch --list' shows the branches"),
    }
}

fn unknown_level(e: &UnknownLevel) -> Failure {
    usage(e)
}

fn no_integration(e: &NoIntegration) -> Failure {
    usage(e).hint("set them with 'git track init --integration <branch> --base <rev>'")
}

fn worktree(e: &WorktreeError) -> Failure {
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

fn no_branch(e: &NoBranch) -> Failure {
    usage(e).hint(format!(
        "point the track at a branch with 'git track edit {} --branch <branch>'",
        e.track
    ))
}
