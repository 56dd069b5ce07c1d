//! Experiments: tracks that try competing approaches to one problem (`--experiment
//! <group> --hypothesis <text>`), compared side by side and decided between.
//!
//! `compare` reports, per track of the group, what it brings (commits, diffstat,
//! files), its scope violations, the tracks outside the group it overlaps with, and
//! whether it merges cleanly into the integration branch; with commands, it runs them in
//! every track's worktree in parallel (a temporary detached worktree for a track without
//! one, always removed afterwards) and ranks the tracks by a figure read from their
//! output. The last comparison of a group is kept locally so that `pick` can record it.
//!
//! `pick` makes one track the winner and cancels the others with the reason; each
//! loser's tip is kept under `refs/tracks-experiments/<group>/tips/<track>`, and the
//! decision is a commit under `refs/tracks-experiments/<group>/decision` (shared by
//! push and fetch like the definitions). The next checkpoint copies every decision not
//! yet recorded into its Integration Notes and marks it recorded.

//!
//! - `compare`: the comparison and its rows, kept locally for `pick`.
//! - `exec`: the commands run in every track's worktree (a temporary one where a track
//!   has none) and the figure read from their output.
//! - `pick`: the winner's checks, the losers' tips kept, the cancellations.
//! - `decision`: the decision commit under `refs/tracks-experiments/<group>/decision`
//!   and its recording by a checkpoint.

mod compare;
mod decision;
mod exec;
mod pick;

pub use compare::{CommandRun, CompareOptions, Comparison, Row, compare, last_comparison};
pub use decision::{
    CompareRow, CompareTable, Decision, Loser, Recorded, decision_ref, mark_recorded, unrecorded,
};
pub use exec::{figure, run_command};
pub use pick::{PickRequest, Picked, pick};

use crate::store::{Listing, Stored};
use crate::track::{self, Status};
use anyhow::Result;
use std::collections::BTreeSet;

pub const REF_PREFIX: &str = "refs/tracks-experiments/";
const DECISION_FILE: &str = "decision.toml";

/// What comparing an experiment or picking its winner can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// `groups`: the experiments there are.
    #[error("no experiment named '{group}'")]
    NoSuchGroup { group: String, groups: Vec<String> },
    #[error("invalid metric regular expression '{metric}': {cause}")]
    InvalidMetric { metric: String, cause: String },
    #[error("a pick needs a reason")]
    NoReason,
    /// `actual`: the experiment the track is in; `members`: the tracks of `group`.
    #[error("track '{track}' is not in experiment '{group}'{}", in_group(actual))]
    NotInGroup {
        track: String,
        group: String,
        actual: Option<String>,
        members: Vec<String>,
    },
    #[error("track '{track}' is in no experiment")]
    InNoGroup { track: String },
    #[error("track '{track}' is {status}; a winner must be unfinished")]
    WinnerFinished { track: String, status: Status },
    /// `file`: the decision, as `<ref>:<file>`.
    #[error("experiment '{group}' was decided already: '{winner}' won ({decided})")]
    Decided {
        group: String,
        winner: String,
        decided: String,
        file: String,
    },
    #[error("{refname}: malformed {DECISION_FILE}: {cause}")]
    MalformedDecision { refname: String, cause: String },
    /// Another pick wrote the decision first.
    #[error("{refname} changed meanwhile: {cause}")]
    DecisionChanged { refname: String, cause: String },
}

fn in_group(actual: &Option<String>) -> String {
    actual
        .as_ref()
        .map(|g| format!(" (it is in '{g}')"))
        .unwrap_or_default()
}

/// Checks that `group` can name an experiment: one ref component, as a track name.
pub fn validate_group(group: &str) -> Result<(), track::InvalidName> {
    track::validate_name(group).map_err(|e| track::InvalidName {
        what: track::NameOf::ExperimentGroup,
        ..e
    })
}

/// The tracks of experiment `group`, by name; refuses a group no track is in.
pub fn members<'a>(listing: &'a Listing, group: &str) -> Result<Vec<&'a Stored>> {
    let found: Vec<&Stored> = listing
        .tracks
        .iter()
        .filter(|s| s.track.experiment.as_deref() == Some(group))
        .collect();
    if found.is_empty() {
        let groups: BTreeSet<&str> = listing
            .tracks
            .iter()
            .filter_map(|s| s.track.experiment.as_deref())
            .collect();
        return Err(ExperimentError::NoSuchGroup {
            group: group.to_owned(),
            groups: groups.into_iter().map(str::to_owned).collect(),
        }
        .into());
    }
    Ok(found)
}
