//! A merge run: start it (`start`), step through the plan (`steps`), stop on a conflict
//! or a failed gate, and continue, skip or abort after a stop or after the process was
//! killed (`resolve`); `predict` is the dry run. This file holds what a run is asked
//! and what it reports.

mod predict;
mod resolve;
mod start;
mod steps;

pub use predict::dry_run;
pub use resolve::{abort, resume, skip};
pub use start::start;

use crate::merge::InProgress;
use crate::merge::checkpoint::Made;
use crate::merge::notes::{Left, NotedViolation};
use crate::merge::state::{State, StepConflict, StepResult};
use serde::Serialize;

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
    pub violations: Vec<NotedViolation>,
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
    pub violations: Vec<NotedViolation>,
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
