//! Integration Notes: the record of a checkpoint.
//!
//! A checkpoint is a commit on the integration branch (tree unchanged) whose message a
//! person reads in `git log` and whose last paragraph holds machine-readable trailers.
//! The full record is also stored as TOML in a git note on that commit under
//! [`NOTES_REF`], which `git track checkpoints` parses back (falling back to the
//! trailers when the note was not fetched).
//!
//! `mod.rs` holds the record and its note; `message` writes the commit message (summary
//! and trailers), `parse` reads the trailers back.

mod message;
mod parse;

pub use parse::trailers;

use crate::repo::Repo;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use serde::{Deserialize, Serialize};

pub const NOTES_REF: &str = "refs/notes/tracks";
/// The version of the TOML record written by this build.
pub const VERSION: u32 = 1;

/// Trailer keys of a checkpoint commit.
pub const T_CHECKPOINT: &str = "Checkpoint";
pub const T_BRANCH: &str = "Checkpoint-Branch";
pub const T_MERGED: &str = "Merged";
pub const T_OVERLAP: &str = "Overlap";
pub const T_CONFLICT: &str = "Conflict";
pub const T_SKIPPED: &str = "Skipped";
pub const T_PENDING: &str = "Pending";
pub const T_VIOLATION: &str = "Violation";
pub const T_PICKED: &str = "Experiment-Picked";
pub const T_CANCELLED: &str = "Experiment-Cancelled";

/// Everything one checkpoint records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// 1 for the first checkpoint of the branch, then counting up.
    pub checkpoint: u64,
    /// Short name of the integration branch.
    pub branch: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
    /// The integration tip this checkpoint marks: the checkpoint commit's parent.
    pub tip: String,
    /// The previous checkpoint commit on the branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Tracks merged since the previous checkpoint, in merge order.
    #[serde(default)]
    pub merged: Vec<MergedTrack>,
    /// Files changed by two or more of the merged tracks.
    #[serde(default)]
    pub overlaps: Vec<Overlap>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Tracks that were planned but left out.
    #[serde(default)]
    pub skipped: Vec<Left>,
    /// Tracks still waiting, not in this run's plan.
    #[serde(default)]
    pub pending: Vec<Left>,
    #[serde(default)]
    pub violations: Vec<NotedViolation>,
    /// Experiments decided (`git track pick`) since the previous checkpoint.
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// What parallel work gave (absent in records of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<Efficiency>,
}

pub use crate::plan::efficiency::Checkpoint as Efficiency;
pub use crate::plan::experiments::Decision;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedTrack {
    pub track: String,
    /// The track's commit that was merged.
    pub tip: String,
    /// The merge commit on the integration branch.
    pub commit: String,
    /// What the merge changed on the integration branch (first parent to merge commit).
    pub files: u64,
    pub insertions: u64,
    pub deletions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlap {
    pub path: String,
    pub tracks: Vec<String>,
}

/// How a conflict ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// Resolved in the integration worktree and taken with `--continue`.
    ByHand,
    /// rerere replayed a recorded resolution for every path.
    Rerere,
    /// The track was left out with `--skip`.
    Skipped,
    /// Unknown (a record rebuilt from trailers).
    Unknown,
}

impl Resolution {
    pub fn describe(self) -> &'static str {
        match self {
            Resolution::ByHand => "resolved by hand",
            Resolution::Rerere => "resolved by rerere",
            Resolution::Skipped => "skipped",
            Resolution::Unknown => "resolution not recorded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub track: String,
    pub paths: Vec<String>,
    pub resolution: Resolution,
}

/// A track left out or still waiting, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Left {
    pub track: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
}

impl Left {
    /// The reason of a track refused for changing paths outside its scope.
    pub const VIOLATIONS: &'static str = "scope violations: ";

    /// Was the track left out for scope violations (something found, like `check`)?
    pub fn for_violations(&self) -> bool {
        self.reason.starts_with(Self::VIOLATIONS)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotedViolation {
    pub track: String,
    pub path: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claimed_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_of: Option<String>,
}

impl Record {
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).context("could not serialize the checkpoint record")
    }

    pub fn from_toml(text: &str) -> Result<Record> {
        toml::from_str(text).map_err(|e| anyhow!("malformed checkpoint record: {}", e.message()))
    }
}

/// Attaches `record` as a TOML note to the checkpoint `commit`.
pub fn write(repo: &Repo, commit: ObjectId, record: &Record) -> Result<()> {
    let text = record.to_toml()?;
    crate::fault::point(|| format!("note under {NOTES_REF} on {commit}"));
    let mut notes = repo
        .gix
        .notes()?
        .with_refs([NOTES_REF])?
        .with_commit_message(format!(
            "git track: checkpoint {} of {}",
            record.checkpoint, record.branch
        ));
    notes
        .replace(NOTES_REF, commit, text)
        .with_context(|| format!("could not write the note of {commit} under {NOTES_REF}"))?;
    Ok(())
}

/// Where a checkpoint's record was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordSource {
    /// The note: complete.
    Note,
    /// The commit message's trailers, the note being missing or unreadable: details
    /// are empty.
    Trailers,
}

/// A checkpoint found on the integration branch.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointEntry {
    /// The checkpoint commit.
    pub commit: String,
    #[serde(flatten)]
    pub record: Record,
    pub source: RecordSource,
    /// Why the note could not be used, when it exists but does not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_error: Option<String>,
}

/// The checkpoints on the first-parent history of `tip`, newest first.
pub fn list(repo: &Repo, tip: ObjectId) -> Result<Vec<CheckpointEntry>> {
    let mut notes = repo.gix.notes()?.with_refs([NOTES_REF])?;
    let mut out = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        let commit = repo.gix.find_commit(id)?;
        let decoded = commit.decode()?;
        let message = decoded.message.to_string();
        let parent = decoded.parents().next();
        drop(decoded);
        next = parent;
        let Some(from_trailers) = Record::from_message(&message, parent) else {
            continue;
        };
        let note = notes
            .get(id)?
            .into_iter()
            .next()
            .map(|n| String::from_utf8_lossy(&n.blob.data).into_owned());
        let parsed = note.as_deref().map(Record::from_toml);
        let entry = match parsed {
            Some(Ok(record)) => CheckpointEntry {
                commit: id.to_string(),
                record,
                source: RecordSource::Note,
                note_error: None,
            },
            other => CheckpointEntry {
                commit: id.to_string(),
                record: from_trailers,
                source: RecordSource::Trailers,
                note_error: other.and_then(|r| r.err()).map(|e| format!("{e:#}")),
            },
        };
        out.push(entry);
    }
    Ok(out)
}

/// The newest checkpoint commit on the first-parent history of `tip`, with its number.
pub fn last_checkpoint(repo: &Repo, tip: ObjectId) -> Result<Option<(ObjectId, u64)>> {
    let mut next = Some(tip);
    while let Some(id) = next {
        let commit = repo.gix.find_commit(id)?;
        let decoded = commit.decode()?;
        if let Some(r) = Record::from_message(&decoded.message.to_string(), None) {
            return Ok(Some((id, r.checkpoint)));
        }
        next = decoded.parents().next();
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            version: VERSION,
            checkpoint: 2,
            branch: "integration".into(),
            created: "2026-01-01T12:00:00Z".into(),
            tip: "a".repeat(40),
            previous: Some("b".repeat(40)),
            merged: vec![MergedTrack {
                track: "api".into(),
                tip: "c".repeat(40),
                commit: "d".repeat(40),
                files: 2,
                insertions: 10,
                deletions: 1,
            }],
            overlaps: vec![Overlap {
                path: "src/a file.rs".into(),
                tracks: vec!["api".into(), "ui".into()],
            }],
            conflicts: vec![Conflict {
                track: "api".into(),
                paths: vec!["weird\"name\n.txt".into()],
                resolution: Resolution::ByHand,
            }],
            skipped: vec![Left {
                track: "ui".into(),
                reason: "conflict".into(),
                tip: None,
            }],
            pending: vec![],
            violations: vec![],
            decisions: vec![],
            efficiency: None,
        }
    }

    #[test]
    fn the_toml_record_round_trips() {
        let r = sample();
        assert_eq!(Record::from_toml(&r.to_toml().unwrap()).unwrap(), r);
    }

    #[test]
    fn trailers_parse_back_with_quoted_paths() {
        let r = sample();
        let back = Record::from_message(&r.message(), None).unwrap();
        assert_eq!(back.checkpoint, 2);
        assert_eq!(back.branch, "integration");
        assert_eq!(back.merged[0].track, "api");
        assert_eq!(back.merged[0].tip, "c".repeat(40));
        assert_eq!(back.overlaps[0].path, "src/a file.rs");
        assert_eq!(back.conflicts[0].paths[0], "weird\"name\n.txt");
        assert_eq!(back.skipped[0].track, "ui");
    }

    #[test]
    fn a_message_without_the_checkpoint_trailer_is_no_checkpoint() {
        assert!(Record::from_message("Merge track 'x' into y\n\nTrack: x\n", None).is_none());
    }
}
