//! What parallel work gave, in figures.
//!
//! Per track: the time from its creation to its first commit and to its merge into the
//! integration branch. Per checkpoint: the wall-clock span of the merged tracks' work
//! (from the first creation to the last merge) against the sum of their durations
//! (creation to merge, each) — their ratio is the speed-up running them side by side
//! gave — the share of tracks that conflicted, and how many files needed a hand
//! resolution.

use crate::merge::notes::{Conflict, MergedTrack, Resolution};
use crate::repo::{Repo, utc_timestamp};
use crate::track::Track;
use anyhow::Result;
use gix::ObjectId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The times of one track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackTimes {
    pub track: String,
    /// When the definition was created (UTC).
    pub created: String,
    /// The author time of the oldest commit of the track's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_commit: Option<String>,
    /// When its merge commit was made on the integration branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_first_commit_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_merge_secs: Option<i64>,
}

/// The figures of one checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub tracks: Vec<TrackTimes>,
    /// From the earliest creation to the latest merge of the merged tracks.
    pub span_secs: i64,
    /// The sum of each merged track's creation-to-merge time.
    pub sum_secs: i64,
    /// `sum_secs / span_secs`: how many tracks' worth of work ran at once on average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// Merged tracks that met a conflict, of `merged`.
    pub conflicted: u64,
    pub merged: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicted_share: Option<f64>,
    /// Files whose conflict was resolved by hand (not by rerere).
    pub hand_resolved_files: u64,
}

/// Seconds since the epoch of a `YYYY-MM-DDTHH:MM:SSZ` timestamp.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Howard Hinnant's days-from-civil, the inverse of `utc_timestamp`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// The times of `track`, given when (if) it was merged.
pub fn track_times(repo: &Repo, track: &Track, merged_at: Option<i64>) -> Result<TrackTimes> {
    let created = parse_timestamp(&track.created);
    let first = first_commit_time(repo, track)?;
    Ok(TrackTimes {
        track: track.name.clone(),
        created: track.created.clone(),
        first_commit: first.map(utc_timestamp),
        merged: merged_at.map(utc_timestamp),
        to_first_commit_secs: created.zip(first).map(|(c, f)| f - c),
        to_merge_secs: created.zip(merged_at).map(|(c, m)| m - c),
    })
}

/// The author time of the oldest commit on the track's branch since its fork point.
fn first_commit_time(repo: &Repo, track: &Track) -> Result<Option<i64>> {
    // A branch pointing to something other than a commit has no commits to date.
    let crate::refs::BranchTarget::Commit(tip) =
        crate::refs::branch_target(&repo.gix, &track.branch)?
    else {
        return Ok(None);
    };
    let fork = ObjectId::from_hex(track.base.commit.as_bytes()).ok();
    if fork == Some(tip) {
        return Ok(None);
    }
    let walk = repo.gix.rev_walk([tip]);
    let walk = match fork {
        Some(f) => walk.with_hidden([f]),
        None => walk,
    };
    let mut oldest: Option<i64> = None;
    for info in walk.all()? {
        let info = info?;
        let commit = repo.gix.find_commit(info.id)?;
        let t = commit.author()?.time()?.seconds;
        oldest = Some(oldest.map_or(t, |o: i64| o.min(t)));
    }
    Ok(oldest)
}

/// When each of `wanted` was merged: the committer time of the newest merge commit on
/// the first-parent history of `integration_tip` whose `Track:` trailer names it. The
/// walk stops once every wanted track is found.
pub fn merge_times(
    repo: &Repo,
    integration_tip: ObjectId,
    wanted: &BTreeSet<String>,
) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    let mut next = Some(integration_tip);
    while let Some(id) = next {
        if out.len() == wanted.len() {
            break;
        }
        let commit = repo.gix.find_commit(id)?;
        let decoded = commit.decode()?;
        let parents: Vec<ObjectId> = decoded.parents().collect();
        let message = decoded.message.to_string();
        drop(decoded);
        next = parents.first().copied();
        if parents.len() < 2 {
            continue;
        }
        for (k, v) in crate::merge::notes::trailers(&message) {
            if k == crate::merge::step::T_TRACK && wanted.contains(&v) && !out.contains_key(&v) {
                out.insert(v, commit.time()?.seconds);
            }
        }
    }
    Ok(out)
}

/// The figures of a checkpoint that merged `merged` (with their conflicts).
pub fn checkpoint(
    repo: &Repo,
    merged: &[MergedTrack],
    conflicts: &[Conflict],
) -> Result<Checkpoint> {
    let mut tracks = Vec::new();
    let mut spans = Vec::new();
    for m in merged {
        let Some(stored) = crate::store::load(repo, &m.track)? else {
            continue;
        };
        let merged_at = ObjectId::from_hex(m.commit.as_bytes())
            .ok()
            .and_then(|id| repo.gix.find_commit(id).ok())
            .and_then(|c| c.time().ok())
            .map(|t| t.seconds);
        let times = track_times(repo, &stored.track, merged_at)?;
        if let (Some(start), Some(end)) = (parse_timestamp(&times.created), merged_at) {
            spans.push((start, end));
        }
        tracks.push(times);
    }
    let span_secs = match (
        spans.iter().map(|s| s.0).min(),
        spans.iter().map(|s| s.1).max(),
    ) {
        (Some(a), Some(b)) => (b - a).max(0),
        _ => 0,
    };
    let sum_secs: i64 = spans.iter().map(|(a, b)| (b - a).max(0)).sum();
    let merged_count = merged.len() as u64;
    let conflicted = conflicts
        .iter()
        .filter(|c| {
            c.resolution != Resolution::Skipped && merged.iter().any(|m| m.track == c.track)
        })
        .count() as u64;
    let hand_resolved_files = conflicts
        .iter()
        .filter(|c| c.resolution == Resolution::ByHand)
        .map(|c| c.paths.len() as u64)
        .sum();
    Ok(Checkpoint {
        tracks,
        span_secs,
        sum_secs,
        speedup: (span_secs > 0).then(|| round2(sum_secs as f64 / span_secs as f64)),
        conflicted,
        merged: merged_count,
        conflicted_share: (merged_count > 0)
            .then(|| round2(conflicted as f64 / merged_count as f64)),
        hand_resolved_files,
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A duration for a person: `45s`, `12m`, `3h 20m`, `2d 4h`.
pub fn human(secs: i64) -> String {
    let s = secs.abs();
    let sign = if secs < 0 { "-" } else { "" };
    let text = if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h {}m", s / 3600, s % 3600 / 60)
    } else {
        format!("{}d {}h", s / 86_400, s % 86_400 / 3600)
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_back() {
        for secs in [0, 951_782_400, 1_767_268_800, 1_112_911_993] {
            assert_eq!(parse_timestamp(&utc_timestamp(secs)), Some(secs));
        }
        assert_eq!(parse_timestamp("2026-01-01 12:00:00"), None);
    }

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(human(45), "45s");
        assert_eq!(human(12 * 60), "12m");
        assert_eq!(human(3 * 3600 + 20 * 60), "3h 20m");
        assert_eq!(human(2 * 86_400 + 4 * 3600), "2d 4h");
    }
}
