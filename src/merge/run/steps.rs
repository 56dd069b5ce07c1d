//! Stepping through a run's plan: each merge in memory or in the integration
//! worktree, the gates, a stop, and the end of the run.

use super::{Finished, Outcome, StepHook, StepReport, Stopped};
use crate::git;
use crate::lifecycle;
use crate::merge::checkpoint::{self};
use crate::merge::error::MergeError;
use crate::merge::integration_worktree as worktree;
use crate::merge::notes::Resolution;
use crate::merge::state::{self, RunStatus, State, StepConflict, StepResult};
use crate::merge::step::{self, Merged};
use crate::merge::{InProgress, gate};
use crate::progress::Progress;
use crate::repo::Repo;
use anyhow::Result;
use gix::ObjectId;
use std::collections::BTreeSet;

pub(super) fn record_merged(st: &mut State, k: usize, commit: ObjectId) {
    st.left_as = None;
    let s = &mut st.steps[k];
    s.result = Some(StepResult::Merged);
    s.commit = Some(commit.to_string());
    st.tip = commit.to_string();
    st.current = k + 1;
    st.gate_pending = !st.options.exec.is_empty();
}

/// Steps through the plan from `st.current`, telling `progress` of each step.
pub(super) fn advance(
    repo: &Repo,
    engine: &mut step::Session<'_>,
    st: &mut State,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let total = st.steps.len().saturating_sub(st.current);
    crate::progress::stage(progress, "Merging tracks", total, || {
        steps(repo, engine, st, hook, progress)
    })
}

pub(super) fn steps(
    repo: &Repo,
    engine: &mut step::Session<'_>,
    st: &mut State,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let full = st.full_ref();
    let mut worktree_clean = None;
    loop {
        if st.gate_pending
            && let Some(stop) = run_gates(repo, st)?
        {
            return Ok(Outcome::Stopped(stop));
        }
        let k = st.current;
        if k >= st.steps.len() {
            break;
        }
        let before = st.tip_id()?;
        let tip = state::id(&st.steps[k].tip)?;
        st.steps[k].before = Some(before.to_string());
        let track = st.steps[k].track.clone();
        let label = st.steps[k].branch.clone();
        match engine.merge(before, tip)? {
            Merged::Contained => {
                st.steps[k].result = Some(StepResult::AlreadyMerged);
                st.current = k + 1;
            }
            Merged::Clean { tree } => {
                let message = step::message(&track, &st.branch, tip);
                let commit = engine.commit(&message, tree, &[before, tip])?;
                let moved = st.original.as_deref() != Some(st.tip.as_str());
                worktree::check_can_take(st, &track, commit, &mut worktree_clean).map_err(|e| {
                    match e.downcast::<MergeError>() {
                        Ok(mut refused) => {
                            // Earlier steps moved the branch: the run stays, to go on or undo.
                            if let MergeError::CannotTake { stays_at_step, .. } = &mut refused
                                && moved
                            {
                                *stays_at_step = Some(k + 1);
                            }
                            refused.into()
                        }
                        Err(e) => e,
                    }
                })?;
                step::move_branch(
                    repo,
                    &full,
                    Some(before),
                    commit,
                    &format!("merge {label}: Merge made by git-track"),
                )?;
                record_merged(st, k, commit);
            }
            Merged::Conflict { paths } => {
                let message = step::message(&track, &st.branch, tip);
                if let Some(stop) = merge_in_worktree(repo, st, k, &message, paths)? {
                    return Ok(Outcome::Stopped(stop));
                }
            }
        }
        st.save(repo)?;
        hook(k + 1);
        progress.tick();
    }
    finish(repo, st, st.original.is_none(), true)
}

/// Leaves the conflicted merge of step `k` in the integration worktree (git's own
/// `git merge`, so rerere and merge drivers apply). Returns the stop, or `None` when
/// rerere resolved everything (or git merged cleanly) and the merge was committed.
pub(super) fn merge_in_worktree(
    repo: &Repo,
    st: &mut State,
    k: usize,
    message: &str,
    predicted: Vec<String>,
) -> Result<Option<Stopped>> {
    let wt = worktree::ensure(repo, st)?;
    worktree::sync(st)?;
    st.steps[k].conflict = Some(StepConflict {
        paths: predicted.clone(),
        resolution: None,
    });
    st.save(repo)?;
    let tip = state::id(&st.steps[k].tip)?;
    let branch = st.steps[k].branch.clone();
    let rev = if repo.ref_target(&format!("refs/heads/{branch}"))? == Some(tip) {
        branch
    } else {
        tip.to_string()
    };
    let m = git::merge_into_worktree(&repo.git_env, &wt, &rev, message)?;
    if m.committed {
        let head = head_of(repo, st)?;
        st.steps[k].conflict = None;
        record_merged(st, k, head);
        st.worktree_at = Some(head.to_string());
        return Ok(None);
    }
    if worktree::merge_in_progress(&wt)? != Some(tip) {
        return Err(MergeError::GitMergeFailed {
            track: st.steps[k].track.clone(),
            worktree: wt,
            output: m.output,
        }
        .into());
    }
    // The worktree as git left it, and the paths it left unmerged.
    let (left_as, unmerged) = crate::merge::as_left::record(&wt)?;
    let mut paths: BTreeSet<String> = unmerged.iter().cloned().collect();
    paths.extend(m.rerere_resolved.iter().cloned());
    if paths.is_empty() {
        paths.extend(predicted);
    }
    let paths: Vec<String> = paths.into_iter().collect();
    let by_rerere = !m.rerere_resolved.is_empty()
        && unmerged.iter().all(|p| m.rerere_resolved.contains(p))
        && worktree::files_with_markers(&wt, &m.rerere_resolved).is_empty();
    if by_rerere {
        git::stage_paths(&wt, &unmerged)?;
        let head = state::id(&git::commit_merge(&repo.git_env, &wt, message)?)?;
        st.steps[k].conflict = Some(StepConflict {
            paths,
            resolution: Some(Resolution::Rerere),
        });
        record_merged(st, k, head);
        st.worktree_at = Some(head.to_string());
        return Ok(None);
    }
    st.steps[k].conflict = Some(StepConflict {
        paths,
        resolution: None,
    });
    st.left_as = Some(left_as);
    st.status = RunStatus::Conflict;
    st.save(repo)?;
    Ok(Some(stopped(st)))
}

pub(super) fn head_of(repo: &Repo, st: &State) -> Result<ObjectId> {
    repo.ref_target(&st.full_ref())?.ok_or_else(|| {
        MergeError::BranchVanished {
            branch: st.branch.clone(),
        }
        .into()
    })
}

/// Runs the `--exec` gates for the step just merged (`st.current - 1`).
pub(super) fn run_gates(repo: &Repo, st: &mut State) -> Result<Option<Stopped>> {
    let wt = worktree::ensure(repo, st)?;
    worktree::sync(st)?;
    st.save(repo)?;
    let k = st.current.saturating_sub(1);
    let s = &st.steps[k];
    let mut env = vec![
        ("GIT_TRACK_MERGE_TRACK", s.track.clone()),
        ("GIT_TRACK_MERGE_STEP", (k + 1).to_string()),
        ("GIT_TRACK_MERGE_BRANCH", st.branch.clone()),
        ("GIT_TRACK_MERGE_TIP", s.tip.clone()),
    ];
    // A gate is a command run for the merged track: it sees that track's environment.
    env.extend(crate::track_env::for_track(repo, &s.track)?.vars());
    match gate::run(&wt, &st.options.exec, &env, &repo.git_env)? {
        None => {
            st.gate_pending = false;
            st.failed_gate = None;
            st.save(repo)?;
            Ok(None)
        }
        Some(failure) => {
            st.status = RunStatus::GateFailed;
            st.failed_gate = Some(match failure.code {
                Some(code) => format!("'{}' exited with {code}", failure.command),
                None => format!("'{}' was killed by a signal", failure.command),
            });
            st.save(repo)?;
            Ok(Some(stopped(st)))
        }
    }
}

pub(super) fn stopped(st: &State) -> Stopped {
    Stopped {
        at: InProgress::of(st),
        total: st.steps.len(),
        branch: st.branch.clone(),
        gate: st.failed_gate.clone(),
        warnings: Vec::new(),
    }
}

/// After the last step: the worktree brought along, the checkpoint, the state removed.
pub(super) fn finish(repo: &Repo, st: &mut State, created: bool, saved: bool) -> Result<Outcome> {
    worktree::sync(st)?;
    let mut made = None;
    let adopted = match st.checkpointed {
        true => checkpoint::adopted(repo, st)?,
        false => None,
    };
    if st.options.checkpoint
        && let Some(mut m) = adopted.map_or_else(|| checkpoint::make(repo, st), |m| Ok(Some(m)))?
    {
        st.tip = m.commit.clone();
        worktree::sync(st)?;
        if !st.options.keep_active {
            m.done = checkpoint::mark_done(repo, &m)?;
        }
        made = Some(m);
    }
    if saved {
        if let (Some(backup), Some(original)) = (&st.backup, &st.original)
            && *original == st.tip
        {
            // Nothing moved: the backup would only be clutter.
            let _ = lifecycle::delete_ref(repo, backup, state::id(original)?);
        }
        state::remove(repo)?;
    }
    let steps = st
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepReport {
            step: i + 1,
            track: s.track.clone(),
            tip: s.tip.clone(),
            result: s.result,
            commit: s.commit.clone(),
            conflict: s.conflict.clone(),
            reason: s.skip_reason.clone(),
            violations: s.violations.clone(),
        })
        .collect();
    Ok(Outcome::Finished(Box::new(Finished {
        state: "merged",
        branch: st.branch.clone(),
        created,
        from: st.original.clone(),
        tip: st.tip.clone(),
        steps,
        pending: st.left_out.clone(),
        checkpoint: made,
        pushed: None,
        warnings: Vec::new(),
    })))
}
