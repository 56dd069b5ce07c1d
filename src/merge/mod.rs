//! Ordered merges of tracks into the integration branch.
//!
//! A run plans the tracks ([`plan`]), saves the plan and a backup of the integration
//! branch, then merges one track per step in memory ([`step`]): one real merge commit
//! per track, the branch moved by compare-and-swap, no worktree touched. A step that
//! conflicts is left in the integration worktree for git's own tools ([`integration_worktree`]);
//! `--continue`, `--skip` and `--abort` pick the run up from its saved [`state`], also
//! after the process was killed. `--checkpoint` closes the run with Integration Notes
//! ([`checkpoint`], [`notes`]). What a run refuses or stops on is a [`MergeError`].

pub mod as_left;
pub mod checkpoint;
pub mod diffstat;
pub mod error;
pub mod gate;
pub mod integration_worktree;
pub mod notes;
pub mod plan;
pub mod prune;
pub mod run;
pub mod state;
pub mod step;
pub mod submodule;
pub mod tools;
pub mod verdict;

pub use error::MergeError;
pub use run::{
    Aborted, Also, Finished, Outcome, Prediction, Request, StepHook, Stopped, abort, dry_run,
    resume, skip, start,
};

use crate::repo::Repo;
use serde::Serialize;
use state::{RunStatus, State};

/// A merge run that has not finished, as every command reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InProgress {
    /// `conflict` (stopped at a conflict), `gate-failed` (an `--exec` gate failed),
    /// `interrupted` (its process was killed) or `running` (another process is at it).
    pub state: String,
    /// The track of the step concerned.
    pub track: Option<String>,
    /// That step's number, from 1.
    pub step: usize,
    /// The integration worktree, once the run needed it.
    pub worktree: Option<String>,
    /// Conflicted paths (for `conflict`).
    pub paths: Vec<String>,
}

impl InProgress {
    pub fn of(st: &State) -> InProgress {
        let state = match st.status {
            RunStatus::Conflict => "conflict",
            RunStatus::GateFailed => "gate-failed",
            RunStatus::Running if st.held_by_live_process() => "running",
            RunStatus::Running => "interrupted",
        };
        // A gate (failed or pending) concerns the step just merged.
        let index = if st.gate_pending {
            st.current.saturating_sub(1)
        } else {
            st.current.min(st.steps.len().saturating_sub(1))
        };
        let step = st.steps.get(index);
        let paths = match st.status {
            RunStatus::Conflict => step
                .and_then(|s| s.conflict.as_ref())
                .map(|c| c.paths.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        InProgress {
            state: state.to_owned(),
            track: step.map(|s| s.track.clone()),
            step: if step.is_some() { index + 1 } else { 0 },
            worktree: st.worktree.as_ref().map(|p| p.display().to_string()),
            paths,
        }
    }

    /// Was the run's process killed (nothing will pick it up on its own)?
    pub fn is_interrupted(&self) -> bool {
        self.state == "interrupted"
    }
}

/// The merge run in progress in this repository, if any.
pub fn in_progress(repo: &Repo) -> anyhow::Result<Option<InProgress>> {
    Ok(state::load(repo)?.as_ref().map(InProgress::of))
}
