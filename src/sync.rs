//! `git track sync`: brings the integration branch into tracks, inside their worktrees.
//!
//! Each track is merged with the integration branch (or rebased onto it) by git itself
//! in the track's own worktree, so hooks, rerere and mergetools work as usual. Dirty
//! worktrees are refused before anything starts. A conflict stops the run with the
//! worktree left mid-merge (or mid-rebase) and the run saved under
//! `<common dir>/track/sync.json`; `--continue` takes the staged resolution and goes on
//! with the remaining tracks, `--abort` undoes the stopped track's merge or rebase
//! (tracks synced before it stay synced).

use crate::git::{self, SyncMode};
use crate::lifecycle;
use crate::refs;
use crate::repo::Repo;
use crate::store::{self, Listing, Stored};
use crate::track::Track;
use anyhow::{Result, anyhow};
use gix::ObjectId;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const STATE_FILE: &str = "sync.json";

/// What starting, continuing or aborting a sync can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{} is corrupt: {cause}", path.display())]
    CorruptState { path: PathBuf, cause: String },
    #[error("a sync is stopped at track '{at}'")]
    Stopped { at: String },
    #[error("track '{name}' has no worktree to sync in")]
    NoWorktree { name: String },
    #[error("the worktree of '{name}' at '{}' does not have its branch '{branch}' checked out", path.display())]
    BranchNotCheckedOut {
        name: String,
        path: PathBuf,
        branch: String,
    },
    #[error("the worktree of '{name}' at '{}' has uncommitted or untracked changes", path.display())]
    DirtyWorktree { name: String, path: PathBuf },
    #[error("no sync is stopped")]
    NothingStopped,
    #[error("the sync state names no stopped track")]
    NoStopRecorded,
}

/// What `git track sync` asks for.
#[derive(Debug, Clone)]
pub struct Request {
    pub names: Vec<String>,
    pub all: bool,
    pub mode: SyncMode,
}

/// What a sync did with one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncResult {
    Merged,
    Rebased,
    UpToDate,
    /// Not synced; the reason says why.
    Skipped,
    Aborted,
}

impl SyncResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncResult::Merged => "merged",
            SyncResult::Rebased => "rebased",
            SyncResult::UpToDate => "up-to-date",
            SyncResult::Skipped => "skipped",
            SyncResult::Aborted => "aborted",
        }
    }
}

/// What happened to one track.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Synced {
    pub track: String,
    pub result: SyncResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The branch tip before and after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// The track a run stopped at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stop {
    pub track: String,
    pub worktree: String,
    /// The branch tip before the sync, for `--abort` to check against.
    pub from: String,
    pub paths: Vec<String>,
}

/// A sync run, as saved while it is stopped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub mode: SyncMode,
    /// What is brought in: the integration branch (or the base while it does not exist).
    pub upstream: String,
    pub upstream_tip: String,
    /// Tracks done so far.
    pub done: Vec<Synced>,
    /// Where it stopped.
    pub stopped: Option<Stop>,
    /// Tracks still to sync after the stopped one.
    pub queue: Vec<String>,
}

fn state_path(repo: &Repo) -> PathBuf {
    repo.state_dir().join(STATE_FILE)
}

fn load(repo: &Repo) -> Result<Option<Run>> {
    let path = state_path(repo);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            SyncError::CorruptState {
                path: path.clone(),
                cause: e.to_string(),
            }
            .into()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!("could not read {}: {e}", path.display())),
    }
}

fn save(repo: &Repo, run: &Run) -> Result<()> {
    crate::fault::write_file(&state_path(repo), &serde_json::to_vec_pretty(run)?)
}

fn remove_state(repo: &Repo) -> Result<()> {
    crate::fault::remove_file(&state_path(repo))
}

/// The sync run stopped in this repository, if any.
pub fn in_progress(repo: &Repo) -> Result<Option<Run>> {
    load(repo)
}

/// Starts a sync run.
pub fn start(repo: &Repo, req: &Request) -> Result<Run> {
    if let Some(run) = load(repo)? {
        let at = run.stopped.as_ref().map_or("-", |s| s.track.as_str());
        return Err(SyncError::Stopped { at: at.to_owned() }.into());
    }
    let listing = store::list(repo)?;
    let mut done = Vec::new();
    let mut queue: Vec<&Stored> = Vec::new();
    for s in chosen(&listing, req)? {
        let t = &s.track;
        let Some(path) = lifecycle::find_worktree(repo, t)?.filter(|p| p.is_dir()) else {
            if req.all {
                done.push(Synced {
                    track: t.name.clone(),
                    result: SyncResult::Skipped,
                    reason: Some("no worktree".into()),
                    from: None,
                    to: None,
                });
                continue;
            }
            return Err(SyncError::NoWorktree {
                name: t.name.clone(),
            }
            .into());
        };
        check_worktree(repo, t, path)?;
        queue.push(s);
    }
    let (integration, upstream_tip) = crate::overlap::integration(repo)?;
    let upstream = if integration.exists {
        integration.branch
    } else {
        repo.settings.base.clone()
    };
    let mut run = Run {
        mode: req.mode,
        upstream,
        upstream_tip: upstream_tip.to_string(),
        done,
        stopped: None,
        queue: queue.iter().map(|s| s.track.name.clone()).collect(),
    };
    go_on(repo, &mut run)?;
    Ok(run)
}

/// The tracks to sync: every pending one with `--all`, else those named, once each.
fn chosen<'l>(listing: &'l Listing, req: &Request) -> Result<Vec<&'l Stored>> {
    if req.all {
        return Ok(listing
            .tracks
            .iter()
            .filter(|s| crate::status::is_pending(s.track.status))
            .collect());
    }
    listing.select(&req.names)
}

/// Refuses a worktree that has another branch checked out, or changes of its own.
fn check_worktree(repo: &Repo, t: &Track, path: PathBuf) -> Result<()> {
    let branch = t.branch_ref();
    let checked_out = repo
        .worktrees()?
        .into_iter()
        .find(|w| w.path == path)
        .and_then(|w| w.branch);
    if checked_out.as_deref() != Some(branch.as_str()) {
        return Err(SyncError::BranchNotCheckedOut {
            name: t.name.clone(),
            path,
            branch: t.branch.clone(),
        }
        .into());
    }
    if crate::linked_worktree::has_changes(&path)? {
        return Err(SyncError::DirtyWorktree {
            name: t.name.clone(),
            path,
        }
        .into());
    }
    Ok(())
}

/// Syncs the queued tracks one by one until all are done or one conflicts.
fn go_on(repo: &Repo, run: &mut Run) -> Result<()> {
    let upstream_tip = ObjectId::from_hex(run.upstream_tip.as_bytes())
        .map_err(|e| anyhow!("bad commit id in the sync state: {e}"))?;
    while !run.queue.is_empty() {
        let name = run.queue.remove(0);
        let Some(stored) = store::load(repo, &name)? else {
            run.done.push(skipped(&name, "its definition is gone"));
            continue;
        };
        let t = &stored.track;
        let Some(path) = lifecycle::find_worktree(repo, t)?.filter(|p| p.is_dir()) else {
            run.done.push(skipped(&name, "its worktree is gone"));
            continue;
        };
        let Some(tip) = repo.ref_target(&t.branch_ref())? else {
            run.done.push(skipped(&name, "its branch is gone"));
            continue;
        };
        if repo.is_ancestor(upstream_tip, tip)? {
            run.done.push(Synced {
                track: name,
                result: SyncResult::UpToDate,
                reason: None,
                from: Some(tip.to_string()),
                to: Some(tip.to_string()),
            });
            continue;
        }
        let message = message(&name, &run.upstream);
        let conflicted =
            git::sync_worktree(&repo.git_env, &path, run.mode, &run.upstream, &message)?;
        if !conflicted.is_empty() {
            run.stopped = Some(Stop {
                track: name,
                worktree: path.display().to_string(),
                from: tip.to_string(),
                paths: conflicted,
            });
            save(repo, run)?;
            return Ok(());
        }
        run.done
            .push(finished(repo, run.mode, &name, &t.branch, tip)?);
    }
    remove_state(repo)
}

fn message(track: &str, upstream: &str) -> String {
    format!("Sync track '{track}' with {upstream}")
}

fn skipped(track: &str, reason: &str) -> Synced {
    Synced {
        track: track.to_owned(),
        result: SyncResult::Skipped,
        reason: Some(reason.to_owned()),
        from: None,
        to: None,
    }
}

fn finished(
    repo: &Repo,
    mode: SyncMode,
    track: &str,
    branch: &str,
    from: ObjectId,
) -> Result<Synced> {
    let to = repo.ref_target(&refs::branch_ref(branch))?;
    Ok(Synced {
        track: track.to_owned(),
        result: match mode {
            SyncMode::Merge => SyncResult::Merged,
            SyncMode::Rebase => SyncResult::Rebased,
        },
        reason: None,
        from: Some(from.to_string()),
        to: to.map(|t| t.to_string()),
    })
}

fn stopped_run(repo: &Repo) -> Result<(Run, Stop)> {
    let run = load(repo)?.ok_or(SyncError::NothingStopped)?;
    let stop = run.stopped.clone().ok_or(SyncError::NoStopRecorded)?;
    Ok((run, stop))
}

/// Takes the resolution of the stopped track (staged, or committed by hand) and goes on.
pub fn resume(repo: &Repo) -> Result<Run> {
    let (mut run, stop) = stopped_run(repo)?;
    let worktree = Path::new(&stop.worktree);
    let left = git::continue_sync(
        &repo.git_env,
        worktree,
        run.mode,
        &message(&stop.track, &run.upstream),
    )?;
    if !left.is_empty() {
        run.stopped = Some(Stop {
            paths: left,
            ..stop
        });
        save(repo, &run)?;
        return Ok(run);
    }
    let branch = store::load(repo, &stop.track)?
        .map(|s| s.track.branch)
        .unwrap_or_else(|| crate::track::Track::default_branch(&stop.track));
    let from =
        ObjectId::from_hex(stop.from.as_bytes()).map_err(|e| anyhow!("bad commit id: {e}"))?;
    run.done
        .push(finished(repo, run.mode, &stop.track, &branch, from)?);
    run.stopped = None;
    go_on(repo, &mut run)?;
    Ok(run)
}

/// Undoes the stopped track's merge or rebase; the tracks after it are not synced.
pub fn abort(repo: &Repo) -> Result<Run> {
    let (mut run, stop) = stopped_run(repo)?;
    git::abort_sync(&repo.git_env, Path::new(&stop.worktree), run.mode)?;
    run.done.push(Synced {
        track: stop.track.clone(),
        result: SyncResult::Aborted,
        reason: None,
        from: Some(stop.from.clone()),
        to: Some(stop.from),
    });
    for name in std::mem::take(&mut run.queue) {
        run.done.push(skipped(&name, "the sync was aborted"));
    }
    run.stopped = None;
    remove_state(repo)?;
    Ok(run)
}
