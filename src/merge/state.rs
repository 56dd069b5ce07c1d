//! The saved state of a merge run: `<common dir>/track/merge-state.json`.
//!
//! Written before the first step and after every step (to a temporary file, then renamed),
//! so that a run stopped at a conflict, or killed, can be continued or undone.

use super::MergeError;
use crate::merge::notes::{Left, NotedViolation, Resolution};
use crate::repo::Repo;
use anyhow::{Context, Result};
use gix::ObjectId;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "merge-state.json";
const VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// A process is working on it (or was, until it was killed).
    Running,
    /// Stopped at a conflict left in the integration worktree.
    Conflict,
    /// Stopped because an `--exec` gate failed.
    GateFailed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepResult {
    Merged,
    /// The track's tip was already in the integration branch.
    AlreadyMerged,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepConflict {
    pub paths: Vec<String>,
    /// `None` while the conflict is still open.
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub track: String,
    /// The track's branch, as it was planned.
    pub branch: String,
    /// The commit to merge, fixed when the run started.
    pub tip: String,
    #[serde(default)]
    pub result: Option<StepResult>,
    /// The integration tip this step merged onto.
    #[serde(default)]
    pub before: Option<String>,
    /// The merge commit.
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub conflict: Option<StepConflict>,
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// Scope violations let through with `--allow-violations`.
    #[serde(default)]
    pub violations: Vec<NotedViolation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptions {
    pub checkpoint: bool,
    pub keep_active: bool,
    pub exec: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub pid: u32,
    pub status: RunStatus,
    /// Short name of the integration branch.
    pub branch: String,
    /// Its tip before the run; `None` when this run created it.
    pub original: Option<String>,
    /// `refs/tracks-backup/...` holding `original`.
    pub backup: Option<String>,
    /// The integration tip after the last completed action.
    pub tip: String,
    /// The integration worktree, once known.
    pub worktree: Option<PathBuf>,
    /// This run added that worktree (`--abort` removes it again).
    pub worktree_created: bool,
    /// The commit the integration worktree's index and files hold (its branch moves
    /// without it on clean steps).
    pub worktree_at: Option<String>,
    pub options: RunOptions,
    pub steps: Vec<Step>,
    /// Index of the step being worked on; `steps.len()` when all are done.
    pub current: usize,
    /// The step before `current` was merged and its `--exec` gates have not passed yet.
    pub gate_pending: bool,
    /// Tracks not in the plan, and why.
    pub left_out: Vec<Left>,
    /// The gate command that failed, while stopped on it.
    #[serde(default)]
    pub failed_gate: Option<String>,
    /// The integration worktree as `git merge` left the conflict ([`super::as_left`]):
    /// `--abort` and `--skip` save the files to a backup ref only when they differ.
    #[serde(default)]
    pub left_as: Option<String>,
    pub started: String,
    /// The tip is this run's checkpoint, found by `--continue` after a kill.
    #[serde(skip)]
    pub checkpointed: bool,
}

pub fn path(repo: &Repo) -> PathBuf {
    repo.state_dir().join(FILE_NAME)
}

/// Reads the saved state, if a run left one.
pub fn load(repo: &Repo) -> Result<Option<State>> {
    let path = path(repo);
    let bytes = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::anyhow!("could not read {}: {e}", path.display())),
    };
    let text = String::from_utf8(bytes).map_err(|_| corrupt(&path, "it is not UTF-8"))?;
    let state: State = serde_json::from_str(&text).map_err(|e| corrupt(&path, &e.to_string()))?;
    if state.version != VERSION {
        return Err(corrupt(
            &path,
            &format!("version {} is not {VERSION}", state.version),
        ));
    }
    if let Some(why) = state.inconsistency() {
        return Err(corrupt(&path, &why));
    }
    Ok(Some(state))
}

fn corrupt(path: &Path, why: &str) -> anyhow::Error {
    MergeError::CorruptState {
        path: path.to_owned(),
        why: why.to_owned(),
    }
    .into()
}

impl State {
    pub fn new(branch: String, original: Option<ObjectId>, tip: ObjectId, started: String) -> Self {
        State {
            version: VERSION,
            pid: std::process::id(),
            status: RunStatus::Running,
            branch,
            original: original.map(|o| o.to_string()),
            backup: None,
            tip: tip.to_string(),
            worktree: None,
            worktree_created: false,
            worktree_at: None,
            options: RunOptions::default(),
            steps: Vec::new(),
            current: 0,
            gate_pending: false,
            left_out: Vec::new(),
            failed_gate: None,
            left_as: None,
            started,
            checkpointed: false,
        }
    }

    /// Writes the state of a new run; fails if another run's state exists.
    pub fn create(&self, repo: &Repo) -> Result<()> {
        let path = path(repo);
        crate::fault::point(|| format!("create {}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
        }
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(MergeError::StartedMeanwhile.into());
            }
            Err(e) => return Err(anyhow::anyhow!("could not create {}: {e}", path.display())),
        };
        file.write_all(self.to_json()?.as_bytes())
            .with_context(|| format!("could not write {}", path.display()))?;
        Ok(())
    }

    /// Replaces the saved state (write to a temporary file, then rename).
    pub fn save(&self, repo: &Repo) -> Result<()> {
        crate::fault::write_file(&path(repo), self.to_json()?.as_bytes())
    }

    fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).context("could not serialize the merge state")
    }

    /// What makes this state one no run can have written, if anything: acting on it
    /// (`--continue` finishing at once, say) could drop a merge still in progress.
    fn inconsistency(&self) -> Option<String> {
        if self.steps.is_empty() {
            return Some("it has no steps".to_owned());
        }
        if self.current > self.steps.len() {
            return Some(format!(
                "its current step {} is past its {} steps",
                self.current,
                self.steps.len()
            ));
        }
        if self.gate_pending && self.current == 0 {
            return Some("a gate is pending before any step".to_owned());
        }
        if let Some(i) = self.steps[..self.current]
            .iter()
            .position(|s| s.result.is_none())
        {
            return Some(format!(
                "step {} is before the current one but has no result",
                i + 1
            ));
        }
        if let Some(i) = self.steps[self.current..]
            .iter()
            .position(|s| s.result.is_some())
        {
            return Some(format!(
                "step {} is not done yet but has a result",
                self.current + i + 1
            ));
        }
        for hex in std::iter::once(&self.tip)
            .chain(self.original.iter())
            .chain(self.steps.iter().map(|s| &s.tip))
        {
            if ObjectId::from_hex(hex.as_bytes()).is_err() {
                return Some(format!("'{hex}' is not an object id"));
            }
        }
        None
    }

    /// Claims the state for this process (a `--continue` after a stop or a kill).
    pub fn claim(&mut self) {
        self.pid = std::process::id();
        self.status = RunStatus::Running;
    }

    /// Is another process working on this run right now?
    pub fn held_by_live_process(&self) -> bool {
        self.status == RunStatus::Running
            && self.pid != std::process::id()
            && process_is_git_track(self.pid)
    }

    pub fn tip_id(&self) -> Result<ObjectId> {
        id(&self.tip)
    }

    pub fn original_id(&self) -> Result<Option<ObjectId>> {
        self.original.as_deref().map(id).transpose()
    }

    pub fn full_ref(&self) -> String {
        crate::refs::branch_ref(&self.branch)
    }
}

pub fn remove(repo: &Repo) -> Result<()> {
    crate::fault::remove_file(&path(repo))
}

/// Parses an object id stored in the state.
pub fn id(hex: &str) -> Result<ObjectId> {
    ObjectId::from_hex(hex.as_bytes()).map_err(|e| {
        MergeError::BadObjectId {
            hex: hex.to_owned(),
            cause: e.to_string(),
        }
        .into()
    })
}

/// Is `pid` a running git-track process? Linux answers through /proc; elsewhere a run
/// whose state says "running" is taken as killed, which `--continue` recovers.
pub(crate) fn process_is_git_track(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        let named = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|comm| comm.trim().starts_with("git-track"))
            .unwrap_or(false);
        // A killed process not yet reaped by its parent is a zombie: state `Z`.
        let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                let after = stat.rsplit_once(") ")?.1.to_owned();
                after.chars().next()
            })
            .is_some_and(|s| s == 'Z' || s == 'X');
        named && !zombie
    } else {
        false
    }
}
