//! After a stop (or a killed process): `--continue`, `--skip` and `--abort`, with the
//! state checked against the repository first.

use super::steps::{advance, record_merged};
use super::{Aborted, Also, Outcome, StepHook};
use crate::git;
use crate::lifecycle;
use crate::merge::error::{DirtyWhen, MergeError, Resolve};
use crate::merge::integration_worktree as worktree;
use crate::merge::notes::Resolution;
use crate::merge::state::{self, RunStatus, State, StepConflict, StepResult};
use crate::merge::step::{self, Engine};
use crate::progress::Progress;
use crate::repo::Repo;
use anyhow::Result;
use gix::ObjectId;
use std::collections::BTreeSet;
use std::path::Path;

/// The saved state, for `--continue`, `--skip` and `--abort`.
pub(super) fn load_for_resolution(repo: &Repo, action: Resolve) -> Result<State> {
    let st = state::load(repo)?.ok_or(MergeError::NothingInProgress { action })?;
    if st.held_by_live_process() {
        return Err(MergeError::RunningElsewhere { pid: st.pid }.into());
    }
    Ok(st)
}

/// Makes the state agree with where the integration branch is: adopts the current
/// step's merge when it was committed (by a person in the worktree, or by a run killed
/// before it saved), and fix-up commits made after a failed gate.
pub(super) fn reconcile(repo: &Repo, st: &mut State) -> Result<()> {
    let full = st.full_ref();
    let expected = st.tip_id()?;
    let now = repo.ref_target(&full)?;
    if now.is_none() && st.original.is_none() && st.current == 0 && st.backup.is_none() {
        // Killed between saving the new run's state and creating its branch.
        step::move_branch(
            repo,
            &full,
            None,
            expected,
            "branch: Created by git track merge",
        )?;
        return Ok(());
    }
    let Some(now) = now else {
        return Err(MergeError::BranchGone {
            branch: st.branch.clone(),
        }
        .into());
    };
    if now == expected {
        return Ok(());
    }
    let parents: Vec<ObjectId> = repo
        .gix
        .find_commit(now)?
        .parent_ids()
        .map(|p| p.detach())
        .collect();
    if is_step_merge(st, &parents, expected)? {
        return adopt_step_merge(repo, st, now);
    }
    if is_checkpoint(repo, st, &parents, expected, now)? {
        // The run's checkpoint, made by a process killed before it removed the state.
        st.tip = now.to_string();
        st.checkpointed = true;
        return Ok(());
    }
    if st.gate_pending && repo.is_ancestor(expected, now)? {
        st.tip = now.to_string();
        if st.worktree.is_some() {
            st.worktree_at = Some(now.to_string());
        }
        return Ok(());
    }
    Err(MergeError::ForeignCommit {
        branch: st.branch.clone(),
        commit: now,
    }
    .into())
}

/// Is a commit with these `parents`, on the branch at `expected`, the merge of the
/// current step, which is still open?
fn is_step_merge(st: &State, parents: &[ObjectId], expected: ObjectId) -> Result<bool> {
    let k = st.current;
    Ok(k < st.steps.len()
        && st.steps[k].result.is_none()
        && !st.gate_pending
        && parents.len() == 2
        && parents[0] == expected
        && parents[1] == state::id(&st.steps[k].tip)?)
}

/// Takes `now`, the current step's merge committed outside the run, as that step's;
/// refused when it was committed with conflict markers.
fn adopt_step_merge(repo: &Repo, st: &mut State, now: ObjectId) -> Result<()> {
    let k = st.current;
    let open_conflict = st.steps[k].conflict.is_some();
    if let Some(c) = &st.steps[k].conflict {
        let marked = worktree::committed_with_markers(repo, now, &c.paths)?;
        if !marked.is_empty() {
            return Err(MergeError::MarkersCommitted {
                track: st.steps[k].track.clone(),
                commit: now,
                paths: marked,
            }
            .into());
        }
    }
    if let Some(c) = st.steps[k].conflict.as_mut() {
        c.resolution.get_or_insert(Resolution::ByHand);
    }
    record_merged(st, k, now);
    if open_conflict {
        // Committed in the integration worktree, which therefore holds it.
        st.worktree_at = Some(now.to_string());
    }
    Ok(())
}

/// Is `now`, with these `parents`, the checkpoint of a run whose steps are all done?
fn is_checkpoint(
    repo: &Repo,
    st: &State,
    parents: &[ObjectId],
    expected: ObjectId,
    now: ObjectId,
) -> Result<bool> {
    Ok(st.current >= st.steps.len()
        && st.options.checkpoint
        && parents == [expected]
        && crate::merge::notes::Record::from_message(
            &repo.gix.find_commit(now)?.message_raw_sloppy().to_string(),
            None,
        )
        .is_some())
}

/// `--continue`: takes the resolution of a conflict (staged, or committed), re-runs a
/// failed gate, or resumes a killed run, then goes on with the plan.
pub fn resume(
    repo: &Repo,
    also: Also,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let mut st = load_for_resolution(repo, Resolve::Continue)?;
    also.apply(&mut st);
    reconcile(repo, &mut st)?;
    let k = st.current;
    let open_step = k < st.steps.len() && st.steps[k].result.is_none() && !st.gate_pending;
    if open_step
        && let Some(wt) = worktree::current(repo, &st)?
        && let Some(head) = worktree::merge_in_progress(&wt)?
    {
        conclude(repo, &mut st, &wt, head)?;
    } else if st.status == RunStatus::GateFailed
        && let Some(wt) = worktree::current(repo, &st)?
        && worktree::has_tracked_changes(&wt)?
    {
        return Err(MergeError::WorktreeDirty {
            worktree: wt,
            when: DirtyWhen::GateFailed,
        }
        .into());
    }
    st.claim();
    st.failed_gate = None;
    st.save(repo)?;
    let engine = Engine::new(repo, false)?;
    advance(repo, &mut engine.session()?, &mut st, hook, progress)
}

/// Commits the resolution staged in the integration worktree.
pub(super) fn conclude(repo: &Repo, st: &mut State, wt: &Path, merge_head: ObjectId) -> Result<()> {
    let k = st.current;
    let tip = state::id(&st.steps[k].tip)?;
    let track = st.steps[k].track.clone();
    if merge_head != tip {
        return Err(MergeError::OtherMergeInWorktree {
            worktree: wt.to_owned(),
            merging: merge_head,
            track,
            tip,
        }
        .into());
    }
    let unstaged = git::unstaged(wt)?;
    if !unstaged.unmerged.is_empty() {
        return Err(MergeError::Unmerged {
            worktree: wt.to_owned(),
            paths: unstaged.unmerged,
            track,
        }
        .into());
    }
    if !unstaged.changed.is_empty() {
        return Err(MergeError::Unstaged {
            worktree: wt.to_owned(),
            paths: unstaged.changed,
        }
        .into());
    }
    let conflicted = st.steps[k]
        .conflict
        .as_ref()
        .map(|c| c.paths.clone())
        .unwrap_or_default();
    let marked = worktree::staged_with_markers(wt, &conflicted)?;
    if !marked.is_empty() {
        return Err(MergeError::MarkersStaged { paths: marked }.into());
    }
    let message = step::message(&track, &st.branch, tip);
    let head = state::id(&git::commit_merge(&repo.git_env, wt, &message)?)?;
    match st.steps[k].conflict.as_mut() {
        Some(c) => {
            c.resolution.get_or_insert(Resolution::ByHand);
        }
        None => {
            st.steps[k].conflict = Some(StepConflict {
                paths: Vec::new(),
                resolution: Some(Resolution::ByHand),
            })
        }
    }
    record_merged(st, k, head);
    st.worktree_at = Some(head.to_string());
    Ok(())
}

/// `--skip`: leaves the stopped step's track out (undoing its merge when a gate failed
/// after it) and goes on.
pub fn skip(
    repo: &Repo,
    also: Also,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let mut st = load_for_resolution(repo, Resolve::Skip)?;
    also.apply(&mut st);
    reconcile(repo, &mut st)?;
    let full = st.full_ref();
    let number;
    if st.gate_pending && st.current > 0 {
        let k = st.current - 1;
        number = k + 1;
        let before = state::id(st.steps[k].before.as_deref().unwrap_or_default())?;
        let now = st.tip_id()?;
        if st.steps[k].commit.as_deref() != Some(st.tip.as_str()) {
            // Commits made on top of the merge (fixes for the gate) are kept in a ref.
            lifecycle::save_backup(repo, &st.branch, "skipped", now)?;
        }
        match worktree::current(repo, &st)? {
            Some(wt) => {
                st.worktree = Some(wt.clone());
                worktree::sync(&mut st)?;
                git::reset_keep(&repo.git_env, &wt, &before.to_string())?;
                st.worktree_at = Some(before.to_string());
            }
            None => step::move_branch(repo, &full, Some(now), before, "git track merge --skip")?,
        }
        let reason = st
            .failed_gate
            .clone()
            .map_or_else(|| "skipped".to_owned(), |g| format!("gate {g}"));
        let s = &mut st.steps[k];
        s.result = Some(StepResult::Skipped);
        s.commit = None;
        s.skip_reason = Some(reason);
        st.tip = before.to_string();
        st.gate_pending = false;
    } else {
        let k = st.current;
        if k >= st.steps.len() {
            return Err(MergeError::NothingToSkip.into());
        }
        number = k + 1;
        if let Some(wt) = worktree::current(repo, &st)?
            && worktree::merge_in_progress(&wt)?.is_some()
        {
            // A resolution begun and then skipped is kept in a ref, not lost.
            save_changed_worktree(repo, &st, &wt, "skipped-worktree")?;
            git::abandon_merge(&repo.git_env, &wt)?;
            st.worktree_at = Some(st.tip.clone());
            st.left_as = None;
        }
        let s = &mut st.steps[k];
        s.result = Some(StepResult::Skipped);
        s.skip_reason = Some(match &mut s.conflict {
            Some(c) => {
                c.resolution = Some(Resolution::Skipped);
                format!("conflict in {}", c.paths.join(", "))
            }
            None => "skipped".to_owned(),
        });
        st.current = k + 1;
    }
    st.claim();
    st.failed_gate = None;
    st.save(repo)?;
    hook(number);
    let engine = Engine::new(repo, false)?;
    advance(repo, &mut engine.session()?, &mut st, hook, progress)
}

/// `--abort`: the integration branch, its index and its worktree back as before the run.
pub fn abort(repo: &Repo) -> Result<Aborted> {
    let mut st = load_for_resolution(repo, Resolve::Abort)?;
    // A commit a killed run made but had not saved yet is this run's, not someone
    // else's to back up. A failure here only means the tip is not recognised.
    let _ = reconcile(repo, &mut st);
    if st.checkpointed {
        // Its note and the tracks' new status may be written already: undoing the
        // branch alone would leave half of each.
        return Err(MergeError::AlreadyCheckpointed {
            branch: st.branch.clone(),
        }
        .into());
    }
    let full = st.full_ref();
    let original = st.original_id()?;
    let mut saved = Vec::new();
    let wt = worktree::current(repo, &st)?;
    if let Some(wt) = &wt {
        saved.extend(save_changed_worktree(repo, &st, wt, "aborted-worktree")?);
        if worktree::merge_in_progress(wt)?.is_some() {
            git::abandon_merge(&repo.git_env, wt)?;
        }
    }
    let now = repo.ref_target(&full)?;
    let made: BTreeSet<String> = st
        .steps
        .iter()
        .filter_map(|s| s.commit.clone())
        .chain([st.tip.clone()])
        .chain(st.original.clone())
        .collect();
    if let Some(n) = now
        && !made.contains(&n.to_string())
    {
        saved.push(lifecycle::save_backup(repo, &st.branch, "aborted-tip", n)?);
    }
    let mut removed_worktree = None;
    let mut kept_checked_out_at = None;
    if st.worktree_created
        && let Some(wt) = &wt
    {
        crate::linked_worktree::remove(repo, wt, true)?;
        removed_worktree = Some(wt.display().to_string());
    }
    // A worktree removed by hand midway must not keep the run from ending.
    worktree::prune_missing(repo, &full)?;
    match original {
        Some(orig) => {
            if now != Some(orig) {
                step::move_branch(repo, &full, now, orig, "git track merge --abort")?;
            }
            if !st.worktree_created
                && let Some(wt) = &wt
            {
                git::reset_worktree(wt, &orig.to_string())?;
            }
            if let Some(backup) = &st.backup {
                // The branch is back where the backup points: the backup is no longer needed.
                let _ = lifecycle::delete_ref(repo, backup, orig);
            }
        }
        None => {
            if let Some(w) = worktree::find(repo, &full)? {
                kept_checked_out_at = Some(w.display().to_string());
            } else if let Some(n) = now {
                step::delete_branch(repo, &full, n)?;
            }
        }
    }
    state::remove(repo)?;
    Ok(Aborted {
        state: "aborted",
        branch: st.branch.clone(),
        restored: st.original.clone(),
        saved,
        removed_worktree,
        kept_checked_out_at,
    })
}

/// Saves the files of the integration worktree under refs/tracks-backup/ when they hold
/// changes to tracked files besides what the run left there (a conflict as git wrote it,
/// or a checkout of the commit it brought the worktree to). Untracked files are not
/// touched by `--abort` or `--skip`, so they need no saving. Returns the ref.
pub(super) fn save_changed_worktree(
    repo: &Repo,
    st: &State,
    wt: &Path,
    what: &str,
) -> Result<Option<String>> {
    match &st.left_as {
        Some(_) if !crate::linked_worktree::has_changes(wt)? => return Ok(None),
        Some(left) if crate::merge::as_left::unchanged(wt, left)? => return Ok(None),
        Some(_) => {}
        None => {
            let at = st.worktree_at.as_deref().unwrap_or(st.tip.as_str());
            if !git::differs_from(wt, at)? {
                return Ok(None);
            }
        }
    }
    let snapshot = git::snapshot_worktree(
        &repo.git_env,
        wt,
        &format!("git track merge: uncommitted work in {}", wt.display()),
    )?;
    let snapshot = state::id(&snapshot)?;
    // A run stopped by an older version recorded the tree of the files as left.
    let tree = repo.gix.find_commit(snapshot)?.tree_id()?.to_string();
    if st.left_as.as_deref() == Some(tree.as_str()) {
        return Ok(None);
    }
    Ok(Some(lifecycle::save_backup(
        repo, &st.branch, what, snapshot,
    )?))
}
