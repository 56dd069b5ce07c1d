//! Starting a run: where it starts, its plan, its state saved and its branch made.

use super::steps::{advance, finish};
use super::{Outcome, Request, StepHook};
use crate::lifecycle;
use crate::linked_worktree::WorktreeError;
use crate::merge::InProgress;
use crate::merge::error::{DirtyWhen, MergeError};
use crate::merge::integration_worktree as worktree;
use crate::merge::plan::{self, Plan};
use crate::merge::state::{self, RunOptions, State, Step, StepResult};
use crate::merge::step::{self, Engine};
use crate::progress::Progress;
use crate::repo::{History, Repo};
use crate::store::{self, Listing};
use anyhow::Result;
use gix::ObjectId;
use std::path::PathBuf;

/// Where a run starts: the integration branch and its tip.
pub(super) struct Start {
    pub(super) branch: String,
    pub(super) full: String,
    /// The branch's tip, `None` when it does not exist yet.
    pub(super) current: Option<ObjectId>,
    pub(super) tip: ObjectId,
    pub(super) warnings: Vec<String>,
}

pub(super) fn start_point(repo: &Repo, req: &Request) -> Result<Start> {
    let branch = req
        .into
        .clone()
        .unwrap_or_else(|| repo.settings.integration.clone());
    let full = format!("refs/heads/{branch}");
    if gix::validate::reference::name_partial(full.as_str().into()).is_err()
        || branch.starts_with('-')
    {
        return Err(MergeError::InvalidBranch { branch }.into());
    }
    let current = repo.ref_target(&full)?;
    let mut warnings = Vec::new();
    let tip = match current {
        Some(t) => {
            if let Some(onto) = &req.onto {
                warnings.push(format!(
                    "'{branch}' exists already; --onto {onto} only applies when it is created"
                ));
            }
            t
        }
        None => {
            let onto = req
                .onto
                .clone()
                .unwrap_or_else(|| repo.settings.base.clone());
            match repo.try_resolve_commit(&onto) {
                Some(tip) => tip,
                None => return Err(MergeError::NoStart { branch, onto }.into()),
            }
        }
    };
    Ok(Start {
        branch,
        full,
        current,
        tip,
        warnings,
    })
}

/// The plan, held to the tracks' scopes; also returns warnings about tracks left out.
/// With named tracks, the others that wait are not in it yet (see [`plan::not_listed`]).
pub(super) fn make_plan(
    repo: &Repo,
    history: &mut History<'_>,
    req: &Request,
    listing: &Listing,
    tip: ObjectId,
) -> Result<(Plan, Vec<String>)> {
    let explicit = !req.names.is_empty();
    let mut plan = if explicit {
        plan::explicit(repo, history, listing, &req.names, Some(tip))?
    } else {
        plan::ready(repo, history, listing, Some(tip))?
    };
    let warnings = plan::gate_scope(
        repo,
        history,
        listing,
        &mut plan,
        tip,
        req.allow_violations,
        explicit,
    )?;
    Ok((plan, warnings))
}

/// Starts a run: plans, saves a backup of the integration branch and the plan, then
/// merges step by step.
pub fn start(
    repo: &Repo,
    req: &Request,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    refuse_if_busy(repo)?;
    let mut start = start_point(repo, req)?;
    // One revision graph for planning and merging: each commit is read once.
    let engine = Engine::new(repo, false)?;
    let mut session = engine.session()?;
    let listing = store::list(repo)?;
    let (mut plan, warnings) = make_plan(repo, session.history(), req, &listing, start.tip)?;
    if !req.names.is_empty() {
        let src = repo.source()?;
        plan.leave_out(plan::not_listed(
            src,
            repo.dag(),
            &listing,
            &req.names,
            start.tip,
        )?);
    }
    start.warnings.extend(warnings);
    // A run started meanwhile may be what the worktree holds: that run is the answer.
    let existing_worktree =
        usable_worktree(repo, &start).map_err(|e| match refuse_if_busy(repo) {
            Err(busy) => busy,
            Ok(()) => e,
        })?;
    let mut st = new_state(repo, req, &start, plan, existing_worktree);
    if st.steps.is_empty() {
        return finish_empty(repo, &mut st, start);
    }

    st.create(repo)?;
    if let Err(e) = prepare_branch(repo, &mut st, &start) {
        let _ = state::remove(repo);
        return Err(e);
    }
    let mut out = match advance(repo, &mut session, &mut st, hook, progress) {
        Ok(out) => out,
        Err(e) => return Err(undo_unmoved_start(repo, &st, e)),
    };
    match &mut out {
        Outcome::Finished(f) => f.warnings.extend(start.warnings),
        Outcome::Stopped(s) => s.warnings.extend(start.warnings),
    }
    Ok(out)
}

/// Refuses to start while a run is in progress.
fn refuse_if_busy(repo: &Repo) -> Result<()> {
    match state::load(repo)? {
        Some(st) => Err(MergeError::Busy {
            at: InProgress::of(&st),
            pid: st.pid,
        }
        .into()),
        None => Ok(()),
    }
}

/// The integration branch's worktree, if it has one: a run starts only when that holds
/// no merge and no changes to tracked files, which the run's steps would meet.
fn usable_worktree(repo: &Repo, start: &Start) -> Result<Option<PathBuf>> {
    let existing = worktree::find(repo, &start.full)?;
    if let Some(wt) = &existing {
        if worktree::merge_in_progress(wt)?.is_some() {
            return Err(MergeError::MergeInWorktree {
                worktree: wt.clone(),
            }
            .into());
        }
        if worktree::has_tracked_changes(wt)? {
            return Err(MergeError::WorktreeDirty {
                worktree: wt.clone(),
                when: DirtyWhen::Starting {
                    branch: start.branch.clone(),
                },
            }
            .into());
        }
    }
    Ok(existing)
}

/// The state of a new run of `plan` (not saved yet): every step still to merge.
fn new_state(
    repo: &Repo,
    req: &Request,
    start: &Start,
    plan: Plan,
    existing_worktree: Option<PathBuf>,
) -> State {
    let mut st = State::new(
        start.branch.clone(),
        start.current,
        start.tip,
        repo.timestamp(),
    );
    st.options = RunOptions {
        checkpoint: req.checkpoint,
        keep_active: req.keep_active,
        exec: req.exec.clone(),
    };
    st.steps = plan
        .steps
        .iter()
        .map(|p| Step {
            track: p.track.clone(),
            branch: p.branch.clone(),
            tip: p.tip.to_string(),
            result: None,
            before: None,
            commit: None,
            conflict: None,
            skip_reason: None,
            violations: p.violations.clone(),
        })
        .collect();
    st.left_out = plan.left_out;
    st.worktree = existing_worktree;
    st.worktree_at = st.worktree.as_ref().map(|_| start.tip.to_string());
    st
}

/// A run with nothing to merge: no state to save, but the branch is made and a
/// checkpoint can still record merges of earlier runs.
fn finish_empty(repo: &Repo, st: &mut State, start: Start) -> Result<Outcome> {
    if start.current.is_none() {
        step::move_branch(
            repo,
            &start.full,
            None,
            start.tip,
            "branch: Created by git track merge",
        )?;
    }
    let mut out = finish(repo, st, start.current.is_none(), false)?;
    if let Outcome::Finished(f) = &mut out {
        f.warnings = start.warnings;
    }
    Ok(out)
}

/// Before the first step (the run's state saved): creates the integration branch, or
/// backs up its tip and saves the backup's name with the state.
fn prepare_branch(repo: &Repo, st: &mut State, start: &Start) -> Result<()> {
    match start.current {
        None => step::move_branch(
            repo,
            &start.full,
            None,
            start.tip,
            "branch: Created by git track merge",
        )?,
        Some(tip) => {
            st.backup = Some(lifecycle::save_backup(
                repo,
                &start.branch,
                "before-merge",
                tip,
            )?);
            st.save(repo)?;
        }
    }
    Ok(())
}

/// A run refused before it moved the integration branch (the integration worktree could
/// not take a step's files) changes nothing: its state and backup go again.
pub(super) fn undo_unmoved_start(repo: &Repo, st: &State, e: anyhow::Error) -> anyhow::Error {
    // Refusals: the worktree cannot take a step, or cannot be added (a worktree root that
    // is a file, a missing worktree that is locked).
    let refused = matches!(
        e.downcast_ref::<MergeError>(),
        Some(MergeError::CannotTake { .. })
    ) || e.downcast_ref::<WorktreeError>().is_some();
    let unmoved = st.original.as_deref() == Some(st.tip.as_str())
        && !st
            .steps
            .iter()
            .any(|s| s.result == Some(StepResult::Merged));
    if refused
        && unmoved
        && let Ok(original) = st.tip_id()
    {
        if let Some(backup) = &st.backup {
            let _ = lifecycle::delete_ref(repo, backup, original);
        }
        let _ = state::remove(repo);
    }
    e
}
