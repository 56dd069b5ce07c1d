//! Integration Notes: the record of a checkpoint.
//!
//! A checkpoint is a commit on the integration branch (tree unchanged) whose message a
//! person reads in `git log` and whose last paragraph holds machine-readable trailers.
//! The full record is also stored as TOML in a git note on that commit under
//! [`NOTES_REF`], which `git track checkpoints` parses back (falling back to the
//! trailers when the note was not fetched).

use crate::repo::Repo;
use crate::scope::paths;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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
    pub merged: Vec<Merged>,
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
    pub violations: Vec<Violation>,
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
pub struct Merged {
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
pub struct Violation {
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

    /// The checkpoint commit's message: a readable summary, then the trailers.
    pub fn message(&self) -> String {
        let mut m = String::new();
        let n = self.merged.len();
        let _ = writeln!(
            m,
            "Integration checkpoint {} of {}: {n} track{} merged\n",
            self.checkpoint,
            self.branch,
            if n == 1 { "" } else { "s" }
        );
        let conflict_of = |track: &str| self.conflicts.iter().find(|c| c.track == track);
        if !self.merged.is_empty() {
            m.push_str("Merged, in order:\n");
            for (i, t) in self.merged.iter().enumerate() {
                let _ = write!(
                    m,
                    "  {}. {} at {}: {} file{}, +{} -{}",
                    i + 1,
                    t.track,
                    short(&t.tip),
                    t.files,
                    if t.files == 1 { "" } else { "s" },
                    t.insertions,
                    t.deletions
                );
                if let Some(c) = conflict_of(&t.track) {
                    let _ = write!(m, " (conflict, {})", c.resolution.describe());
                }
                m.push('\n');
            }
            m.push('\n');
        }
        let mut section = |title: &str, lines: Vec<String>| {
            if !lines.is_empty() {
                let _ = writeln!(m, "{title}:");
                for l in lines {
                    let _ = writeln!(m, "  {l}");
                }
                m.push('\n');
            }
        };
        section(
            "Overlaps (files changed by two or more of these tracks)",
            self.overlaps
                .iter()
                .map(|o| format!("{}: {}", paths::quote(&o.path), o.tracks.join(", ")))
                .collect(),
        );
        section(
            "Conflicts",
            self.conflicts
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} ({})",
                        c.track,
                        paths::quote_list(&c.paths),
                        c.resolution.describe()
                    )
                })
                .collect(),
        );
        section(
            "Skipped",
            self.skipped
                .iter()
                .map(|s| format!("{}: {}", s.track, s.reason))
                .collect(),
        );
        section(
            "Pending",
            self.pending
                .iter()
                .map(|s| format!("{}: {}", s.track, s.reason))
                .collect(),
        );
        section(
            "Scope violations",
            self.violations
                .iter()
                .map(|v| {
                    let reason = v.reason.replace('_', " ");
                    let path = paths::quote(&v.path);
                    match &v.contract_of {
                        Some(owner) => format!("{}: {path} ({reason} of {owner})", v.track),
                        None => format!("{}: {path} ({reason})", v.track),
                    }
                })
                .collect(),
        );

        section(
            "Experiments decided",
            self.decisions.iter().flat_map(decision_lines).collect(),
        );
        if let Some(e) = &self.efficiency {
            section("Efficiency", efficiency_lines(e));
        }

        let _ = writeln!(m, "{T_CHECKPOINT}: {}", self.checkpoint);
        let _ = writeln!(m, "{T_BRANCH}: {}", self.branch);
        for t in &self.merged {
            let _ = writeln!(m, "{T_MERGED}: {} {}", t.track, t.tip);
        }
        for o in &self.overlaps {
            let _ = writeln!(m, "{T_OVERLAP}: {}", quote(&o.path));
        }
        for c in &self.conflicts {
            for p in &c.paths {
                let _ = writeln!(m, "{T_CONFLICT}: {} {}", c.track, quote(p));
            }
        }
        for s in &self.skipped {
            let _ = writeln!(m, "{T_SKIPPED}: {}", s.track);
        }
        for s in &self.pending {
            let _ = writeln!(m, "{T_PENDING}: {}", s.track);
        }
        for v in &self.violations {
            let _ = writeln!(m, "{T_VIOLATION}: {} {}", v.track, quote(&v.path));
        }
        for d in &self.decisions {
            let _ = writeln!(m, "{T_PICKED}: {} {}", d.group, d.winner);
            for l in &d.losers {
                let tip = l.tip.as_deref().unwrap_or("-");
                let _ = writeln!(m, "{T_CANCELLED}: {} {} {tip}", d.group, l.track);
            }
        }
        m
    }

    /// Rebuilds what the trailers of a checkpoint commit hold; `None` when `message` is
    /// not a checkpoint's. Details only the note has (diffstats, reasons, resolutions)
    /// are left empty.
    pub fn from_message(message: &str, tip: Option<ObjectId>) -> Option<Record> {
        let trailers = trailers(message);
        let checkpoint = trailers
            .iter()
            .find(|(k, _)| k == T_CHECKPOINT)?
            .1
            .parse()
            .ok()?;
        let mut r = Record {
            version: VERSION,
            checkpoint,
            branch: String::new(),
            created: String::new(),
            tip: tip.map(|t| t.to_string()).unwrap_or_default(),
            previous: None,
            merged: Vec::new(),
            overlaps: Vec::new(),
            conflicts: Vec::new(),
            skipped: Vec::new(),
            pending: Vec::new(),
            violations: Vec::new(),
            decisions: Vec::new(),
            efficiency: None,
        };
        for (key, value) in trailers {
            let (first, rest) = value.split_once(' ').unwrap_or((value.as_str(), ""));
            match key.as_str() {
                T_BRANCH => r.branch = value.clone(),
                T_MERGED => r.merged.push(Merged {
                    track: first.to_owned(),
                    tip: rest.to_owned(),
                    commit: String::new(),
                    files: 0,
                    insertions: 0,
                    deletions: 0,
                }),
                T_OVERLAP => r.overlaps.push(Overlap {
                    path: unquote(&value),
                    tracks: Vec::new(),
                }),
                T_CONFLICT => match r.conflicts.iter_mut().find(|c| c.track == first) {
                    Some(c) => c.paths.push(unquote(rest)),
                    None => r.conflicts.push(Conflict {
                        track: first.to_owned(),
                        paths: vec![unquote(rest)],
                        resolution: Resolution::Unknown,
                    }),
                },
                T_SKIPPED | T_PENDING => {
                    let left = Left {
                        track: value.clone(),
                        reason: String::new(),
                        tip: None,
                    };
                    if key == T_SKIPPED {
                        r.skipped.push(left);
                    } else {
                        r.pending.push(left);
                    }
                }
                T_PICKED => r.decisions.push(Decision {
                    group: first.to_owned(),
                    winner: rest.to_owned(),
                    winner_tip: None,
                    reason: String::new(),
                    decided: String::new(),
                    losers: Vec::new(),
                    compare: None,
                    recorded: None,
                }),
                T_CANCELLED => {
                    let mut words = rest.split(' ');
                    let track = words.next().unwrap_or_default().to_owned();
                    let tip = words.next().filter(|t| *t != "-").map(str::to_owned);
                    if let Some(d) = r.decisions.iter_mut().rev().find(|d| d.group == first) {
                        d.losers.push(crate::plan::experiments::Loser {
                            track,
                            tip,
                            refname: None,
                        });
                    }
                }
                T_VIOLATION => r.violations.push(Violation {
                    track: first.to_owned(),
                    path: unquote(rest),
                    reason: String::new(),
                    claimed_by: Vec::new(),
                    contract_of: None,
                }),
                _ => {}
            }
        }
        Some(r)
    }
}

/// A decision as the commit message tells it.
fn decision_lines(d: &Decision) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: picked {}{}: {}",
        d.group,
        d.winner,
        d.winner_tip
            .as_deref()
            .map(|t| format!(" at {}", short(t)))
            .unwrap_or_default(),
        d.reason
    )];
    for l in &d.losers {
        let kept = match (&l.tip, &l.refname) {
            (Some(tip), Some(r)) => format!(", tip {} kept as {r}", short(tip)),
            (Some(tip), None) => format!(", tip {}", short(tip)),
            _ => String::new(),
        };
        lines.push(format!("  cancelled {}{kept}", l.track));
    }
    if let Some(c) = &d.compare {
        let what = c
            .metric
            .as_deref()
            .map(|m| format!(" by /{m}/"))
            .unwrap_or_default();
        lines.push(format!("  compared{what}:"));
        for row in &c.rows {
            let mut line = format!(
                "    {}: {} commit{}, {} file{}, +{} -{}",
                row.track,
                row.commits,
                if row.commits == 1 { "" } else { "s" },
                row.files,
                if row.files == 1 { "" } else { "s" },
                row.insertions,
                row.deletions
            );
            if row.violations > 0 {
                line.push_str(&format!(", {} violation(s)", row.violations));
            }
            if row.merges_cleanly == Some(false) {
                line.push_str(", needs sync");
            }
            if !row.exits.is_empty() {
                let exits: Vec<String> = row.exits.iter().map(i64::to_string).collect();
                line.push_str(&format!(", exit {}", exits.join("/")));
            }
            if let Some(v) = row.metric {
                line.push_str(&format!(", metric {v}"));
            }
            if let Some(r) = row.rank {
                line.push_str(&format!(", rank {r}"));
            }
            lines.push(line);
        }
    }
    lines
}

fn efficiency_lines(e: &Efficiency) -> Vec<String> {
    use crate::plan::efficiency::human;
    let mut lines = Vec::new();
    let speedup = e
        .speedup
        .map(|s| format!(" (speed-up {s:.2}x)"))
        .unwrap_or_default();
    lines.push(format!(
        "span {} for {} of work{speedup}",
        human(e.span_secs),
        human(e.sum_secs)
    ));
    lines.push(format!(
        "{} of {} track{} conflicted; {} file{} resolved by hand",
        e.conflicted,
        e.merged,
        if e.merged == 1 { "" } else { "s" },
        e.hand_resolved_files,
        if e.hand_resolved_files == 1 { "" } else { "s" }
    ));
    for t in &e.tracks {
        let first = t.to_first_commit_secs.map_or_else(|| "-".to_owned(), human);
        let merge = t.to_merge_secs.map_or_else(|| "-".to_owned(), human);
        lines.push(format!(
            "{}: first commit after {first}, merged after {merge}",
            t.track
        ));
    }
    lines
}

/// The `Key: value` lines of a message's last paragraph. Comment lines are dropped
/// first: `git commit --no-edit` after a conflicted merge keeps git's `# Conflicts:`
/// section after the trailers.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let kept: Vec<&str> = message.lines().filter(|l| !l.starts_with('#')).collect();
    let body = kept.join("\n");
    let body = body.trim_end();
    let last = body.rsplit("\n\n").next().unwrap_or(body);
    last.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(": ")?;
            let valid = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            valid.then(|| (k.to_owned(), v.trim().to_owned()))
        })
        .collect()
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// A path as one trailer word-run: C-quoted (like git) when it holds a quote, a
/// backslash, a control character or leading/trailing spaces.
fn quote(path: &str) -> String {
    let needs = path.starts_with([' ', '"'])
        || path.ends_with(' ')
        || path.chars().any(|c| c.is_control() || c == '\\');
    if !needs {
        return path.to_owned();
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn unquote(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return text.to_owned();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let code: String = chars
                    .by_ref()
                    .skip_while(|c| *c == '{')
                    .take_while(|c| *c != '}')
                    .collect();
                if let Some(c) = u32::from_str_radix(&code, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
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

/// A checkpoint found on the integration branch.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The checkpoint commit.
    pub commit: String,
    #[serde(flatten)]
    pub record: Record,
    /// Where the record came from: `note` (complete) or `trailers` (the note is missing
    /// or unreadable; details are empty).
    pub source: &'static str,
    /// Why the note could not be used, when it exists but does not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_error: Option<String>,
}

/// The checkpoints on the first-parent history of `tip`, newest first.
pub fn list(repo: &Repo, tip: ObjectId) -> Result<Vec<Entry>> {
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
            Some(Ok(record)) => Entry {
                commit: id.to_string(),
                record,
                source: "note",
                note_error: None,
            },
            other => Entry {
                commit: id.to_string(),
                record: from_trailers,
                source: "trailers",
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
            merged: vec![Merged {
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
