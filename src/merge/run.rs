//! A merge run: start it, step through the plan, stop on a conflict or a failed gate,
//! and continue, skip or abort after a stop (or after the process was killed).

use super::checkpoint::{self, Made};
use super::integration_worktree as worktree;
use super::plan::{self, Plan};
use super::state::{self, RunOptions, State, Status, Step, StepConflict, StepResult};
use super::step::{self, Engine, Merged};
use super::{InProgress, gate};
use crate::error::Failure;
use crate::git;
use crate::lifecycle;
use crate::merge::notes::{Left, Resolution, Violation};
use crate::progress::Progress;
use crate::repo::{History, Repo};
use crate::store;
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// What `git track merge` asks for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Exactly these tracks, in this order; empty: every ready track in dependency order.
    pub names: Vec<String>,
    pub into: Option<String>,
    pub onto: Option<String>,
    pub checkpoint: bool,
    pub keep_active: bool,
    pub exec: Vec<String>,
    /// Merge tracks with scope violations (recorded in the notes) instead of refusing them.
    pub allow_violations: bool,
}

/// Options `--continue` and `--skip` may add to those the run started with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Also {
    pub checkpoint: bool,
    pub keep_active: bool,
}

impl Also {
    fn apply(self, st: &mut State) {
        st.options.checkpoint |= self.checkpoint;
        st.options.keep_active |= self.keep_active;
    }
}

/// Called with the (1-based) number of each step once it is done and saved.
pub type StepHook<'a> = &'a mut dyn FnMut(usize);

/// One step as a finished run reports it.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub step: usize,
    pub track: String,
    pub tip: String,
    /// `merged`, `already-merged` or `skipped`.
    pub result: Option<StepResult>,
    pub commit: Option<String>,
    pub conflict: Option<StepConflict>,
    pub reason: Option<String>,
    /// Scope violations merged with `--allow-violations`.
    pub violations: Vec<Violation>,
}

/// A run that went through every step.
#[derive(Debug, Clone, Serialize)]
pub struct Finished {
    /// Always `merged`.
    pub state: &'static str,
    pub branch: String,
    /// This run created the integration branch.
    pub created: bool,
    /// The integration tip before the run (`null` when created).
    pub from: Option<String>,
    pub tip: String,
    pub steps: Vec<StepReport>,
    /// Tracks with work not merged, and why.
    pub pending: Vec<Left>,
    pub checkpoint: Option<Made>,
    /// With `--push`: the branch shared through the remote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pushed: Option<crate::remote::integration::Shared>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// A run stopped at a step; `--json` prints `{state, track, step, worktree, paths}`.
#[derive(Debug, Clone, Serialize)]
pub struct Stopped {
    #[serde(flatten)]
    pub at: InProgress,
    #[serde(skip)]
    pub total: usize,
    #[serde(skip)]
    pub branch: String,
    #[serde(skip)]
    pub gate: Option<String>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Finished(Box<Finished>),
    Stopped(Stopped),
}

/// What `--abort` did.
#[derive(Debug, Clone, Serialize)]
pub struct Aborted {
    /// Always `aborted`.
    pub state: &'static str,
    pub branch: String,
    /// The tip the branch is back at; `null` when the run had created it (it is deleted).
    pub restored: Option<String>,
    /// Refs under refs/tracks-backup/ holding what the abort would otherwise have dropped.
    pub saved: Vec<String>,
    /// The integration worktree this run had added, now removed.
    pub removed_worktree: Option<String>,
    /// The branch the run created is kept, checked out in this worktree: a branch
    /// checked out anywhere is never deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_checked_out_at: Option<String>,
}

/// One step as `--dry-run` predicts it.
#[derive(Debug, Clone, Serialize)]
pub struct Predicted {
    pub step: usize,
    pub track: String,
    pub tip: String,
    /// `clean`, `conflict` or `already-merged`.
    pub prediction: &'static str,
    pub paths: Vec<String>,
    /// Scope violations (listed when `--allow-violations` lets the track through).
    pub violations: Vec<Violation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirstConflict {
    pub step: usize,
    pub track: String,
    pub paths: Vec<String>,
}

/// What `--dry-run` predicts; nothing moves.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    /// Always `dry-run`.
    pub state: &'static str,
    pub branch: String,
    /// The integration tip the plan starts from.
    pub tip: String,
    /// The integration branch does not exist yet and would be created at `tip`.
    pub create: bool,
    pub steps: Vec<Predicted>,
    pub first_conflict: Option<FirstConflict>,
    pub pending: Vec<Left>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Where a run starts: the integration branch and its tip.
struct Start {
    branch: String,
    full: String,
    /// The branch's tip, `None` when it does not exist yet.
    current: Option<ObjectId>,
    tip: ObjectId,
    warnings: Vec<String>,
}

fn start_point(repo: &Repo, req: &Request) -> Result<Start> {
    let branch = req
        .into
        .clone()
        .unwrap_or_else(|| repo.settings.integration.clone());
    let full = format!("refs/heads/{branch}");
    if gix::validate::reference::name_partial(full.as_str().into()).is_err()
        || branch.starts_with('-')
    {
        usage!("'{branch}' is not a valid branch name");
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
            repo.try_resolve_commit(&onto).ok_or_else(|| {
                Failure::usage(format!(
                    "the integration branch '{branch}' does not exist, and '{onto}', where it would start, does not resolve to a commit"
                ))
                .hint("pass --onto <rev>, or set track.base with 'git track init --base <rev>'")
            })?
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
fn make_plan(
    repo: &Repo,
    history: &mut History<'_>,
    req: &Request,
    tip: ObjectId,
) -> Result<(Plan, Vec<String>)> {
    let listing = store::list(repo)?;
    let explicit = !req.names.is_empty();
    let mut plan = if explicit {
        plan::explicit(repo, history, &listing, &req.names, Some(tip))?
    } else {
        plan::ready(repo, history, &listing, Some(tip))?
    };
    let warnings = plan::gate_scope(
        repo,
        history,
        &listing,
        &mut plan,
        tip,
        req.allow_violations,
        explicit,
    )?;
    Ok((plan, warnings))
}

/// The error for starting a run while one is in progress.
fn busy(st: &State) -> anyhow::Error {
    let at = InProgress::of(st);
    let what = match at.state.as_str() {
        "running" => format!("a git track merge is running (process {})", st.pid),
        "interrupted" => "a git track merge was interrupted (its process is gone)".to_owned(),
        "gate-failed" => "a git track merge is stopped on a failed --exec gate".to_owned(),
        _ => "a git track merge is stopped at a conflict".to_owned(),
    };
    let mut f = Failure::usage(format!(
        "{what}, at step {} ({})",
        at.step,
        at.track.as_deref().unwrap_or("-")
    ));
    if at.state != "running" {
        f = f.hint(
            "finish it with 'git track merge --continue', or undo it with 'git track merge --abort'",
        );
    }
    f.into()
}

/// Starts a run: plans, saves a backup of the integration branch and the plan, then
/// merges step by step.
pub fn start(
    repo: &Repo,
    req: &Request,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    if let Some(st) = state::load(repo)? {
        return Err(busy(&st));
    }
    let mut start = start_point(repo, req)?;
    // One revision graph for planning and merging: each commit is read once.
    let engine = Engine::new(repo, false)?;
    let mut session = engine.session()?;
    let (plan, warnings) = make_plan(repo, session.history(), req, start.tip)?;
    start.warnings.extend(warnings);

    let existing_worktree = worktree::find(repo, &start.full)?;
    if let Some(wt) = &existing_worktree {
        if worktree::merge_in_progress(wt)?.is_some() {
            return Err(Failure::usage(format!(
                "a merge is in progress in the integration worktree {}",
                wt.display()
            ))
            .hint("finish it ('git commit') or undo it ('git merge --abort') first")
            .into());
        }
        if worktree::has_tracked_changes(wt)? {
            return Err(Failure::usage(format!(
                "the integration worktree {} has uncommitted changes",
                wt.display()
            ))
            .hint(format!(
                "commit or stash them first: the merge moves '{}' and brings that worktree along",
                start.branch
            ))
            .into());
        }
    }

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

    if st.steps.is_empty() {
        // Nothing to merge: no state to save, but the branch is made and a checkpoint
        // can still record merges of earlier runs.
        if start.current.is_none() {
            step::move_branch(
                repo,
                &start.full,
                None,
                start.tip,
                "branch: Created by git track merge",
            )?;
        }
        let mut out = finish(repo, &mut st, start.current.is_none(), false)?;
        if let Outcome::Finished(f) = &mut out {
            f.warnings = start.warnings;
        }
        return Ok(out);
    }

    st.create(repo)?;
    let prepared = (|| -> Result<()> {
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
    })();
    if let Err(e) = prepared {
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

/// A run refused before it moved the integration branch (the integration worktree could
/// not take a step's files) changes nothing: its state and backup go again.
fn undo_unmoved_start(repo: &Repo, st: &State, e: anyhow::Error) -> anyhow::Error {
    let refused = e
        .downcast_ref::<Failure>()
        .is_some_and(|f| f.code == crate::error::EXIT_USAGE);
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

fn record_merged(st: &mut State, k: usize, commit: ObjectId) {
    st.left_as = None;
    let s = &mut st.steps[k];
    s.result = Some(StepResult::Merged);
    s.commit = Some(commit.to_string());
    st.tip = commit.to_string();
    st.current = k + 1;
    st.gate_pending = !st.options.exec.is_empty();
}

/// Steps through the plan from `st.current`, telling `progress` of each step.
fn advance(
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

fn steps(
    repo: &Repo,
    engine: &mut step::Session<'_>,
    st: &mut State,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let full = st.full_ref();
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
        match engine.merge(before, tip, &label)? {
            Merged::Contained => {
                st.steps[k].result = Some(StepResult::AlreadyMerged);
                st.current = k + 1;
            }
            Merged::Clean { tree } => {
                let message = step::message(&track, &st.branch, tip);
                let commit = engine.commit(&message, tree, &[before, tip])?;
                worktree::check_can_take(st, &track, commit).map_err(|e| {
                    match e.downcast::<Failure>() {
                        // Earlier steps moved the branch: the run stays, to go on or undo.
                        Ok(f) if st.tip != st.original.clone().unwrap_or_default() => f
                            .hint(format!(
                                "'git track merge --continue' then goes on from step {}; 'git track merge --abort' undoes the run",
                                k + 1
                            ))
                            .into(),
                        Ok(f) => f.into(),
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
fn merge_in_worktree(
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
        return Err(Failure::fatal(format!(
            "'git merge' of track '{}' failed in {}: {}",
            st.steps[k].track,
            wt.display(),
            m.output.trim().replace('\n', " ")
        ))
        .hint("fix what git reports, then 'git track merge --continue' (or --skip, --abort)")
        .into());
    }
    let mut paths: BTreeSet<String> = m.unmerged.iter().cloned().collect();
    paths.extend(m.rerere_resolved.iter().cloned());
    if paths.is_empty() {
        paths.extend(predicted);
    }
    let paths: Vec<String> = paths.into_iter().collect();
    let by_rerere = !m.rerere_resolved.is_empty()
        && m.unmerged.iter().all(|p| m.rerere_resolved.contains(p))
        && worktree::files_with_markers(&wt, &m.rerere_resolved).is_empty();
    if by_rerere {
        git::stage_paths(&wt, &m.unmerged)?;
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
    st.left_as = Some(worktree::files_tree(repo, &wt)?);
    st.status = Status::Conflict;
    st.save(repo)?;
    Ok(Some(stopped(st)))
}

fn head_of(repo: &Repo, st: &State) -> Result<ObjectId> {
    repo.ref_target(&st.full_ref())?.ok_or_else(|| {
        Failure::fatal(format!(
            "the integration branch '{}' disappeared",
            st.branch
        ))
        .into()
    })
}

/// Runs the `--exec` gates for the step just merged (`st.current - 1`).
fn run_gates(repo: &Repo, st: &mut State) -> Result<Option<Stopped>> {
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
    env.extend(crate::track_env::for_track(repo, &crate::store::list(repo)?, &s.track)?.vars());
    match gate::run(&wt, &st.options.exec, &env, &repo.git_env)? {
        None => {
            st.gate_pending = false;
            st.failed_gate = None;
            st.save(repo)?;
            Ok(None)
        }
        Some(failure) => {
            st.status = Status::GateFailed;
            st.failed_gate = Some(match failure.code {
                Some(code) => format!("'{}' exited with {code}", failure.command),
                None => format!("'{}' was killed by a signal", failure.command),
            });
            st.save(repo)?;
            Ok(Some(stopped(st)))
        }
    }
}

fn stopped(st: &State) -> Stopped {
    Stopped {
        at: InProgress::of(st),
        total: st.steps.len(),
        branch: st.branch.clone(),
        gate: st.failed_gate.clone(),
        warnings: Vec::new(),
    }
}

/// After the last step: the worktree brought along, the checkpoint, the state removed.
fn finish(repo: &Repo, st: &mut State, created: bool, saved: bool) -> Result<Outcome> {
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

/// The saved state, for `--continue`, `--skip` and `--abort`.
fn load_for_resolution(repo: &Repo, what: &str) -> Result<State> {
    let st = state::load(repo)?.ok_or_else(|| {
        Failure::usage(format!("no git track merge in progress; nothing to {what}"))
    })?;
    if st.held_by_live_process() {
        return Err(Failure::usage(format!(
            "a git track merge is running (process {}); wait for it to end",
            st.pid
        ))
        .into());
    }
    Ok(st)
}

/// Makes the state agree with where the integration branch is: adopts the current
/// step's merge when it was committed (by a person in the worktree, or by a run killed
/// before it saved), and fix-up commits made after a failed gate.
fn reconcile(repo: &Repo, st: &mut State) -> Result<()> {
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
        return Err(Failure::fatal(format!(
            "the integration branch '{}' no longer exists",
            st.branch
        ))
        .hint("'git track merge --abort' restores it as it was before the run")
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
    let k = st.current;
    if k < st.steps.len()
        && st.steps[k].result.is_none()
        && !st.gate_pending
        && parents.len() == 2
        && parents[0] == expected
        && parents[1] == state::id(&st.steps[k].tip)?
    {
        let open_conflict = st.steps[k].conflict.is_some();
        if let Some(c) = &st.steps[k].conflict {
            let marked = worktree::committed_with_markers(repo, now, &c.paths)?;
            if !marked.is_empty() {
                return Err(Failure::found(format!(
                    "the merge of track '{}' ({now}) still holds conflict markers in {}",
                    st.steps[k].track,
                    marked.join(", ")
                ))
                .hint("fix them, 'git commit --amend', then 'git track merge --continue'")
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
        return Ok(());
    }
    if k >= st.steps.len()
        && st.options.checkpoint
        && parents == [expected]
        && crate::merge::notes::Record::from_message(
            &repo.gix.find_commit(now)?.message_raw_sloppy().to_string(),
            None,
        )
        .is_some()
    {
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
    Err(Failure::fatal(format!(
        "the integration branch '{}' moved to {now}, which this merge did not make",
        st.branch
    ))
    .hint("'git track merge --abort' restores it as it was before the run (keeping that commit under refs/tracks-backup/)")
    .into())
}

/// `--continue`: takes the resolution of a conflict (staged, or committed), re-runs a
/// failed gate, or resumes a killed run, then goes on with the plan.
pub fn resume(
    repo: &Repo,
    also: Also,
    hook: StepHook<'_>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let mut st = load_for_resolution(repo, "continue")?;
    also.apply(&mut st);
    reconcile(repo, &mut st)?;
    let k = st.current;
    let open_step = k < st.steps.len() && st.steps[k].result.is_none() && !st.gate_pending;
    if open_step
        && let Some(wt) = worktree::current(repo, &st)?
        && let Some(head) = worktree::merge_in_progress(&wt)?
    {
        conclude(repo, &mut st, &wt, head)?;
    } else if st.status == Status::GateFailed
        && let Some(wt) = worktree::current(repo, &st)?
        && worktree::has_tracked_changes(&wt)?
    {
        return Err(Failure::usage(format!(
            "the integration worktree {} has uncommitted changes",
            wt.display()
        ))
        .hint("commit your fix there (or discard it), then 'git track merge --continue' runs the gate again")
        .into());
    }
    st.claim();
    st.failed_gate = None;
    st.save(repo)?;
    let engine = Engine::new(repo, false)?;
    advance(repo, &mut engine.session()?, &mut st, hook, progress)
}

/// Commits the resolution staged in the integration worktree.
fn conclude(repo: &Repo, st: &mut State, wt: &Path, merge_head: ObjectId) -> Result<()> {
    let k = st.current;
    let tip = state::id(&st.steps[k].tip)?;
    let track = st.steps[k].track.clone();
    if merge_head != tip {
        return Err(Failure::fatal(format!(
            "the merge in progress in {} is of {merge_head}, not of track '{track}' ({tip})",
            wt.display()
        ))
        .hint("finish or undo it with git ('git merge --abort'), then 'git track merge --continue'")
        .into());
    }
    let unmerged = git::unmerged_paths(wt)?;
    if !unmerged.is_empty() {
        return Err(Failure::found(format!(
            "cannot continue: unmerged paths remain in {}: {}",
            wt.display(),
            unmerged.join(", ")
        ))
        .hint("resolve them, 'git add' them, then 'git track merge --continue'")
        .hint(format!(
            "or 'git track merge --skip' to leave '{track}' out, 'git track merge --abort' to undo the run"
        ))
        .into());
    }
    let unstaged = git::unstaged_paths(wt)?;
    if !unstaged.is_empty() {
        return Err(Failure::usage(format!(
            "cannot continue: changes in {} are not staged: {}",
            wt.display(),
            unstaged.join(", ")
        ))
        .hint(
            "'git add' them to make them part of the merge, or discard them ('git restore <path>')",
        )
        .into());
    }
    let conflicted = st.steps[k]
        .conflict
        .as_ref()
        .map(|c| c.paths.clone())
        .unwrap_or_default();
    let marked = worktree::staged_with_markers(wt, &conflicted)?;
    if !marked.is_empty() {
        return Err(Failure::found(format!(
            "cannot continue: conflict markers remain in {}",
            marked.join(", ")
        ))
        .hint("edit them out, 'git add' the files, then 'git track merge --continue'")
        .into());
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
    let mut st = load_for_resolution(repo, "skip")?;
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
            usage!(
                "nothing to skip: every step is done; 'git track merge --continue' finishes the run"
            );
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
    let mut st = load_for_resolution(repo, "abort")?;
    // A commit a killed run made but had not saved yet is this run's, not someone
    // else's to back up. A failure here only means the tip is not recognised.
    let _ = reconcile(repo, &mut st);
    if st.checkpointed {
        // Its note and the tracks' new status may be written already: undoing the
        // branch alone would leave half of each.
        return Err(Failure::usage(format!(
            "the run had made its checkpoint on '{}' when its process ended; there is nothing to abort",
            st.branch
        ))
        .hint("'git track merge --continue' finishes it")
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
fn save_changed_worktree(repo: &Repo, st: &State, wt: &Path, what: &str) -> Result<Option<String>> {
    match &st.left_as {
        Some(_) if !crate::linked_worktree::has_changes(wt)? => return Ok(None),
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
    let tree = repo.gix.find_commit(snapshot)?.tree_id()?.to_string();
    if st.left_as.as_deref() == Some(tree.as_str()) {
        return Ok(None);
    }
    Ok(Some(lifecycle::save_backup(
        repo, &st.branch, what, snapshot,
    )?))
}

/// `--dry-run`: predicts every step in memory, folding the tracks one by one (a step
/// predicted to conflict is left out of the fold), and moves nothing.
pub fn dry_run(repo: &Repo, req: &Request) -> Result<Prediction> {
    let mut start = start_point(repo, req)?;
    let engine = Engine::new(repo, true)?;
    let mut engine = engine.session()?;
    let (plan, warnings) = make_plan(repo, engine.history(), req, start.tip)?;
    start.warnings.extend(warnings);
    let mut at = start.tip;
    let mut steps = Vec::new();
    let mut first_conflict = None;
    for (i, p) in plan.steps.iter().enumerate() {
        let (prediction, paths) = match engine.merge(at, p.tip, &p.branch)? {
            Merged::Contained => ("already-merged", Vec::new()),
            Merged::Clean { tree } => {
                let message = step::message(&p.track, &start.branch, p.tip);
                at = engine.commit(&message, tree, &[at, p.tip])?;
                ("clean", Vec::new())
            }
            Merged::Conflict { paths } => {
                first_conflict.get_or_insert_with(|| FirstConflict {
                    step: i + 1,
                    track: p.track.clone(),
                    paths: paths.clone(),
                });
                ("conflict", paths)
            }
        };
        steps.push(Predicted {
            step: i + 1,
            track: p.track.clone(),
            tip: p.tip.to_string(),
            prediction,
            paths,
            violations: p.violations.clone(),
        });
    }
    Ok(Prediction {
        state: "dry-run",
        branch: start.branch,
        tip: start.tip.to_string(),
        create: start.current.is_none(),
        steps,
        first_conflict,
        pending: plan.left_out,
        warnings: start.warnings,
    })
}
