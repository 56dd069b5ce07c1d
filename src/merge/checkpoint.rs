//! `--checkpoint`: the Integration Notes commit that closes a run, and its note.

use super::diffstat;
use super::state::{State, StepResult};
use super::step::{self, T_TRACK, T_TRACK_TIP};
use crate::merge::notes::{self, Conflict, Left, MergedTrack, Overlap, Record, Resolution};
use crate::plan::{efficiency, experiments};
use crate::repo::Repo;
use crate::store;
use crate::track::Status;
use anyhow::Result;
use gix::ObjectId;
use std::collections::BTreeMap;

/// A checkpoint that was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Made {
    pub number: u64,
    pub commit: String,
    /// Tracks whose status became `done`.
    pub done: Vec<String>,
    #[serde(skip)]
    pub record: Record,
}

/// A merge commit on the first-parent history since the previous checkpoint.
struct Found {
    commit: ObjectId,
    first_parent: ObjectId,
    track: String,
    tip: String,
}

/// The decisions of experiments a checkpoint records.
type Decisions = Vec<(String, ObjectId, experiments::Decision)>;

/// Writes the checkpoint for the merges since the previous one (this run's and any
/// earlier run's that made none). Returns `None` when there is nothing to record.
pub fn make(repo: &Repo, state: &State) -> Result<Option<Made>> {
    let Some((record, decisions)) = prepare(repo, state)? else {
        return Ok(None);
    };
    let tip = state.tip_id()?;
    let tree = repo.gix.find_commit(tip)?.tree_id()?.detach();
    let commit = crate::stamp::new_commit(&repo.gix, &record.message(), tree, [tip])?;
    step::move_branch(
        repo,
        &state.full_ref(),
        Some(tip),
        commit,
        &format!("git track: checkpoint {}", record.checkpoint),
    )?;
    recorded(repo, commit, record, &decisions)
}

/// The checkpoint at the state's tip, when a run killed after moving the branch to it
/// made it: its note and the experiments' records are written if the kill came first.
pub fn adopted(repo: &Repo, state: &State) -> Result<Option<Made>> {
    let tip = state.tip_id()?;
    let commit = repo.gix.find_commit(tip)?;
    let Some(parent) = commit.parent_ids().next().map(|p| p.detach()) else {
        return Ok(None);
    };
    let before = State {
        tip: parent.to_string(),
        ..state.clone()
    };
    match prepare(repo, &before)? {
        Some((record, decisions)) => recorded(repo, tip, record, &decisions),
        None => Ok(None),
    }
}

/// Writes the note of checkpoint `commit` (unless it has one already: then that is the
/// record) and marks its experiments' decisions recorded.
fn recorded(
    repo: &Repo,
    commit: ObjectId,
    record: Record,
    decisions: &Decisions,
) -> Result<Option<Made>> {
    let noted = notes::list(repo, commit)?
        .into_iter()
        .next()
        .filter(|e| e.commit == commit && e.source == notes::RecordSource::Note);
    let record = match noted {
        Some(entry) => entry.record,
        None => {
            notes::write(repo, commit, &record)?;
            record
        }
    };
    experiments::mark_recorded(
        repo,
        decisions,
        &experiments::Recorded {
            checkpoint: record.checkpoint,
            branch: record.branch.clone(),
            commit: commit.to_string(),
        },
    )?;
    Ok(Some(Made {
        number: record.checkpoint,
        commit: commit.to_string(),
        done: Vec::new(),
        record,
    }))
}

/// The record of the checkpoint for the merges since the previous one, and the
/// experiments' decisions it holds; `None` when there is nothing to record.
fn prepare(repo: &Repo, state: &State) -> Result<Option<(Record, Decisions)>> {
    let tip = state.tip_id()?;
    let (found, previous) = merges_since_checkpoint(repo, state, tip)?;
    let skipped: Vec<&super::state::Step> = state
        .steps
        .iter()
        .filter(|s| s.result == Some(StepResult::Skipped))
        .collect();
    let decisions = experiments::unrecorded(repo)?;
    if found.is_empty() && skipped.is_empty() && decisions.is_empty() {
        return Ok(None);
    }
    let (merged, overlaps) = merged_and_overlaps(repo, &found)?;
    let conflicts: Vec<Conflict> = state
        .steps
        .iter()
        .filter_map(|s| {
            let c = s.conflict.as_ref()?;
            Some(Conflict {
                track: s.track.clone(),
                paths: c.paths.clone(),
                resolution: c.resolution.unwrap_or(Resolution::Unknown),
            })
        })
        .collect();
    let skipped = skipped
        .iter()
        .map(|s| Left {
            track: s.track.clone(),
            reason: s.skip_reason.clone().unwrap_or_else(|| "skipped".into()),
            tip: Some(s.tip.clone()),
        })
        .collect();
    let violations = state
        .steps
        .iter()
        .filter(|s| s.result == Some(StepResult::Merged))
        .flat_map(|s| s.violations.iter().cloned())
        .collect();
    let number = previous.map_or(1, |(_, n)| n + 1);
    let efficiency = efficiency::checkpoint(repo, &merged, &conflicts)?;
    let record = Record {
        version: notes::VERSION,
        checkpoint: number,
        branch: state.branch.clone(),
        created: repo.timestamp(),
        tip: tip.to_string(),
        previous: previous.map(|(id, _)| id.to_string()),
        merged,
        overlaps,
        conflicts,
        skipped,
        pending: state.left_out.clone(),
        violations,
        decisions: decisions.iter().map(|(_, _, d)| d.clone()).collect(),
        efficiency: Some(efficiency),
    };

    Ok(Some((record, decisions)))
}

/// The previous checkpoint: its commit and number.
type Previous = (ObjectId, u64);

/// The merges of tracks on the first-parent history of `tip` since the previous
/// checkpoint, oldest first, and that checkpoint (commit and number) when there is one.
/// A merge is known by the run's state, else by its trailers.
fn merges_since_checkpoint(
    repo: &Repo,
    state: &State,
    tip: ObjectId,
) -> Result<(Vec<Found>, Option<Previous>)> {
    let by_commit: BTreeMap<&str, &super::state::Step> = state
        .steps
        .iter()
        .filter_map(|s| s.commit.as_deref().map(|c| (c, s)))
        .collect();

    // Walk the first parents back to the previous checkpoint, collecting merges of tracks.
    let mut found = Vec::new();
    let mut previous = None;
    let mut next = Some(tip);
    while let Some(id) = next {
        let commit = repo.gix.find_commit(id)?;
        let decoded = commit.decode()?;
        let message = decoded.message.to_string();
        let parents: Vec<ObjectId> = decoded.parents().collect();
        drop(decoded);
        if let Some(r) = Record::from_message(&message, None) {
            previous = Some((id, r.checkpoint));
            break;
        }
        next = parents.first().copied();
        if parents.len() < 2 {
            continue;
        }
        let hex = id.to_string();
        let from_state = by_commit.get(hex.as_str());
        let trailers = notes::trailers(&message);
        let trailer = |key: &str| {
            trailers
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let (track, track_tip) = match (from_state, trailer(T_TRACK), trailer(T_TRACK_TIP)) {
            (Some(s), _, _) => (s.track.clone(), s.tip.clone()),
            (None, Some(t), Some(tt)) => (t, tt),
            _ => continue,
        };
        found.push(Found {
            commit: id,
            first_parent: parents[0],
            track,
            tip: track_tip,
        });
    }
    found.reverse();
    Ok((found, previous))
}

/// What each merge brought (its diffstat), and the files two or more of them changed.
fn merged_and_overlaps(repo: &Repo, found: &[Found]) -> Result<(Vec<MergedTrack>, Vec<Overlap>)> {
    let mut merged = Vec::new();
    let mut touched: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in found {
        let stat = diffstat::between(&repo.gix, f.first_parent, f.commit)?;
        for p in &stat.paths {
            let tracks = touched.entry(p.clone()).or_default();
            if !tracks.contains(&f.track) {
                tracks.push(f.track.clone());
            }
        }
        merged.push(MergedTrack {
            track: f.track.clone(),
            tip: f.tip.clone(),
            commit: f.commit.to_string(),
            files: stat.paths.len() as u64,
            insertions: stat.insertions,
            deletions: stat.deletions,
        });
    }
    let overlaps = touched
        .into_iter()
        .filter(|(_, tracks)| tracks.len() > 1)
        .map(|(path, tracks)| Overlap { path, tracks })
        .collect();
    Ok((merged, overlaps))
}

/// Marks the tracks merged at a checkpoint `done`; returns their names.
pub fn mark_done(repo: &Repo, made: &Made) -> Result<Vec<String>> {
    let mut done = Vec::new();
    for m in &made.record.merged {
        if store::load(repo, &m.track)?.is_none() {
            continue;
        }
        let number = made.number;
        let commit = &m.commit[..m.commit.len().min(12)];
        let (_, changed) = store::update(repo, &m.track, |t| {
            if t.status == Status::Done {
                return Ok(None);
            }
            let summary = format!(
                "status: {} -> done (merged as {commit} at checkpoint {number})",
                t.status
            );
            t.status = Status::Done;
            Ok(Some(summary))
        })?;
        if changed.is_some() {
            done.push(m.track.clone());
        }
    }
    Ok(done)
}
