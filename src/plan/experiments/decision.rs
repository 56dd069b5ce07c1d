//! The decision `pick` writes: a commit under `refs/tracks-experiments/<group>/decision`,
//! shared like the definitions, and marked once a checkpoint records it.

use super::{Comparison, DECISION_FILE, ExperimentError, REF_PREFIX};
use crate::refs;
use crate::repo::Repo;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::objs::tree::EntryKind;
use gix::refs::Target;
use gix::refs::transaction::{PreviousValue, RefEdit};
use serde::{Deserialize, Serialize};

/// The record of a pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub group: String,
    pub winner: String,
    /// The winner's branch tip when it was picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner_tip: Option<String>,
    pub reason: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub decided: String,
    #[serde(default)]
    pub losers: Vec<Loser>,
    /// The last `compare` of the group, when one was run in the clone that picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareTable>,
    /// The checkpoint whose notes recorded the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loser {
    pub track: String,
    /// Its branch tip when the winner was picked (none when it had no branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
    /// The ref that keeps that tip reachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "ref")]
    pub refname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub checkpoint: u64,
    pub branch: String,
    pub commit: String,
}

/// A comparison as the notes keep it: one line per track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareTable {
    pub commands: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub rows: Vec<CompareRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareRow {
    pub track: String,
    pub commits: u64,
    pub files: u64,
    pub insertions: u64,
    pub deletions: u64,
    pub violations: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merges_cleanly: Option<bool>,
    /// Exit codes of the commands, in order (-1: killed or not started).
    #[serde(default)]
    pub exits: Vec<i64>,
    #[serde(default)]
    pub seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u64>,
}

impl CompareTable {
    pub fn of(c: &Comparison) -> CompareTable {
        CompareTable {
            commands: c.commands.clone(),
            metric: c.metric.clone(),
            rows: c
                .tracks
                .iter()
                .map(|r| CompareRow {
                    track: r.track.clone(),
                    commits: r.commits as u64,
                    files: r.files.len() as u64,
                    insertions: r.insertions,
                    deletions: r.deletions,
                    violations: r.violations.len() as u64,
                    merges_cleanly: r.merges_cleanly,
                    exits: r
                        .runs
                        .iter()
                        .map(|x| x.exit.map_or(-1, i64::from))
                        .collect(),
                    seconds: r.runs.iter().map(|x| x.seconds).sum(),
                    metric: r.metric,
                    rank: r.rank.map(|r| r as u64),
                })
                .collect(),
        }
    }
}

pub fn decision_ref(group: &str) -> String {
    format!("{REF_PREFIX}{group}/decision")
}

pub(super) fn tip_ref(group: &str, track: &str) -> String {
    format!("{REF_PREFIX}{group}/tips/{track}")
}

pub(super) fn load_decision(repo: &Repo, refname: &str) -> Result<Option<(ObjectId, Decision)>> {
    let Some(commit) = repo.ref_target(refname)? else {
        return Ok(None);
    };
    let text = (|| -> Result<String> {
        let tree = repo.gix.find_commit(commit)?.tree()?;
        let entry = tree
            .lookup_entry_by_path(DECISION_FILE)?
            .ok_or_else(|| anyhow!("no {DECISION_FILE} in its tree"))?;
        Ok(String::from_utf8_lossy(&entry.object()?.detach().data).into_owned())
    })()
    .with_context(|| format!("could not read {refname}"))?;
    let decision: Decision =
        toml::from_str(&text).map_err(|e| ExperimentError::MalformedDecision {
            refname: refname.to_owned(),
            cause: e.message().to_owned(),
        })?;
    Ok(Some((commit, decision)))
}

/// Writes `decision` as a commit on `refname`: a new ref (`parent` none), or the next
/// commit after `parent` with compare-and-swap.
pub(super) fn write_decision(
    repo: &Repo,
    refname: &str,
    decision: &Decision,
    parent: Option<ObjectId>,
) -> Result<ObjectId> {
    let text = toml::to_string(decision).context("could not serialize the decision")?;
    let blob = repo.gix.write_blob(text.as_bytes())?.detach();
    let mut editor = repo.gix.empty_tree().edit()?;
    editor.upsert(DECISION_FILE, EntryKind::Blob, blob)?;
    let tree = editor.write()?.detach();
    let message = match &decision.recorded {
        None => format!(
            "experiment {}: pick {}\n\n{}\n",
            decision.group, decision.winner, decision.reason
        ),
        Some(r) => format!(
            "experiment {}: recorded at checkpoint {} of {}\n",
            decision.group, r.checkpoint, r.branch
        ),
    };
    let commit = crate::stamp::new_commit(&repo.gix, &message, tree, parent)?;
    let expected = match parent {
        None => PreviousValue::MustNotExist,
        Some(p) => PreviousValue::MustExistAndMatch(Target::Object(p)),
    };
    let edit = RefEdit::update_with_log(
        refs::full_name(refname)?,
        commit,
        expected,
        refs::logged(message.lines().next().unwrap_or_default()),
    );
    crate::repo::edit_reference(&repo.gix, edit).map_err(|e| ExperimentError::DecisionChanged {
        refname: refname.to_owned(),
        cause: format!("{e:#}"),
    })?;
    Ok(commit)
}

/// Decisions no checkpoint has recorded yet, by group.
pub fn unrecorded(repo: &Repo) -> Result<Vec<(String, ObjectId, Decision)>> {
    let mut out = Vec::new();
    for reference in crate::store::references_under(repo, REF_PREFIX)? {
        let name = reference.name().as_bstr().to_string();
        if !name.ends_with("/decision") {
            continue;
        }
        if let Some((commit, d)) = load_decision(repo, &name)?
            && d.recorded.is_none()
        {
            out.push((name, commit, d));
        }
    }
    out.sort_by(|a, b| a.2.group.cmp(&b.2.group));
    Ok(out)
}

/// Marks decisions as recorded at a checkpoint. A decision another process changed
/// meanwhile is left as it is.
pub fn mark_recorded(
    repo: &Repo,
    decisions: &[(String, ObjectId, Decision)],
    recorded: &Recorded,
) -> Result<()> {
    for (refname, commit, d) in decisions {
        let mut d = d.clone();
        d.recorded = Some(recorded.clone());
        let _ = write_decision(repo, refname, &d, Some(*commit));
    }
    Ok(())
}
