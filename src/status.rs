//! The dashboard: for every track, where its work stands against the integration branch.
//!
//! Per track: its definition's kind, status and owner; its branch and worktree (present,
//! missing, dirty); commits ahead of its fork point and behind the integration branch;
//! its last commit and whether it is stale; the tracks it overlaps with (files level,
//! from the overlap engine and its cache); the dependencies not merged yet; its scope
//! violations; whether it is merged.

use crate::linked_worktree;
use crate::merge::{self, InProgress};
use crate::overlap::{self, Integration, Level};
use crate::repo::{Repo, WorktreeInfo, utc_timestamp};
use crate::scope::rules::{self, Violation};
use crate::store::{Listing, Stored};
use crate::track::{Kind, Status};
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub integration: Integration,
    /// `track.staleAfter` in seconds.
    pub stale_after_secs: i64,
    /// `track.stuckAfter` in seconds.
    pub stuck_after_secs: i64,
    /// `track.behindLimit`, when set.
    pub behind_limit: Option<usize>,
    pub tracks: Vec<TrackStatus>,
    /// A `git track merge` run that has not finished: stopped at a conflict or a failed
    /// gate, killed, or running in another process.
    pub merge_in_progress: Option<InProgress>,
    /// A `git track sync` stopped at a conflict.
    pub sync_in_progress: Option<crate::sync::Run>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackStatus {
    pub name: String,
    pub kind: Kind,
    pub status: Status,
    pub owner: Option<String>,
    pub branch: String,
    /// The branch tip; `None` when the branch does not exist.
    pub tip: Option<String>,
    /// The remote-tracking branch the tip comes from (`origin/track/x`) when it is ahead
    /// of the local branch or there is no local one; absent for the local branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_from: Option<String>,
    pub worktree: Option<WorktreeState>,
    /// Commits on the track since its fork point (not in the integration branch).
    pub ahead: Option<usize>,
    /// Commits on the integration branch the track does not have.
    pub behind: Option<usize>,
    /// Committer time of the tip, UTC.
    pub last_commit: Option<String>,
    /// No commit and no change to its definition for longer than `track.staleAfter`.
    pub stale: bool,
    /// Active, with uncommitted work, and no commit for longer than `track.stuckAfter`.
    pub stuck: bool,
    /// More commits behind the integration branch than `track.behindLimit`.
    pub too_far_behind: bool,
    /// What needs attention, in words: `behind`, `needs-sync`, `stuck`, `stale`.
    pub flags: Vec<&'static str>,
    /// Time from creation to first commit and to merge.
    pub times: crate::plan::efficiency::TrackTimes,
    /// Is the tip contained in the integration branch?
    pub merged: bool,
    /// Does the track merge into the integration branch without conflict? `None` when it
    /// was not compared (not active or blocked, or no branch).
    pub merges_cleanly: Option<bool>,
    /// Tracks whose effective changes share files with this one's.
    pub overlaps: Vec<String>,
    /// Dependencies whose work is not in the integration branch yet.
    pub blocked_by: Vec<String>,
    /// Committed changes since the fork point that the track's scope does not allow (see
    /// `git track check`); empty for a merged track or one without a branch.
    pub violations: Vec<Violation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorktreeState {
    pub path: String,
    /// Is the worktree registered and on disk?
    pub present: bool,
    /// Does it hold uncommitted work (staged, unstaged or untracked)? `None` when missing.
    pub dirty: Option<bool>,
}

/// Tracks whose work is pending: compared for overlaps, as `git track overlap` does.
pub fn is_pending(status: Status) -> bool {
    matches!(status, Status::Active | Status::Blocked)
}

/// `progress` hears of the in-memory merges the overlap check makes (none when cached).
pub fn dashboard(
    repo: &Repo,
    tracks: &[Stored],
    progress: &dyn crate::progress::Progress,
) -> Result<Dashboard> {
    let (integration, integration_tip) = overlap::integration(repo)?;
    let now = repo.now().seconds;
    let stale_after = repo.settings.stale_after_secs;
    let stuck_after = repo.settings.stuck_after_secs;
    let behind_limit = repo.settings.behind_limit;
    let worktrees = repo.worktrees()?;

    let freshest = crate::remote::tips::Tips::new(repo);
    let mut tip_from: BTreeMap<&str, String> = BTreeMap::new();
    let tips: BTreeMap<&str, Option<ObjectId>> = tracks
        .iter()
        .map(|s| {
            let tip = freshest.of(repo, &s.track.branch)?;
            if let Some(t) = tip
                && t.remote
                && let Some(name) = freshest.remote_name(&s.track.branch)
            {
                tip_from.insert(s.track.name.as_str(), name);
            }
            Ok((s.track.name.as_str(), tip.map(|t| t.id)))
        })
        .collect::<Result<_>>()?;
    let mut history = repo.history()?;
    let existing: Vec<ObjectId> = tips.values().filter_map(|tip| *tip).collect();
    let mut contained = history.contained(&existing, integration_tip)?.into_iter();
    let merged: BTreeMap<&str, bool> = tips
        .iter()
        .map(|(name, tip)| (*name, tip.is_some() && contained.next().unwrap_or(false)))
        .collect();

    let pending: Vec<Stored> = tracks
        .iter()
        .filter(|s| is_pending(s.track.status))
        .cloned()
        .collect();
    let report = overlap::analyze_with_progress(
        repo,
        &pending,
        &overlap::Options {
            level: Level::Files,
            worktree: false,
        },
        progress,
    )?;
    let mut overlaps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in report.pairs.iter().filter(|p| p.found) {
        overlaps.entry(&p.a).or_default().insert(&p.b);
        overlaps.entry(&p.b).or_default().insert(&p.a);
    }
    let cleanly: BTreeMap<&str, bool> = report
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.merges_cleanly))
        .collect();

    // Where each worktree is, then whether it is dirty: a full status of each worktree,
    // the costly part on a large repository, so spread over the cores.
    let mut states: Vec<Option<WorktreeState>> = tracks
        .iter()
        .map(|s| worktree_state(&worktrees, &s.track))
        .collect();
    let present: Vec<(usize, PathBuf)> = states
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            w.as_ref()
                .filter(|w| w.present)
                .map(|w| (i, PathBuf::from(&w.path)))
        })
        .collect();
    for (i, dirty) in dirty_checks(&present)? {
        if let Some(w) = states[i].as_mut() {
            match dirty {
                Some(dirty) => w.dirty = Some(dirty),
                // Removed while we looked (a `remove` running): a dashboard tolerates it.
                None => w.present = false,
            }
        }
    }

    // When each merged track was merged, for the efficiency figures.
    let merged_names: BTreeSet<String> = merged
        .iter()
        .filter(|(_, m)| **m)
        .map(|(n, _)| n.to_string())
        .collect();
    let merge_times = if merged_names.is_empty() {
        BTreeMap::new()
    } else {
        crate::plan::efficiency::merge_times(repo, integration_tip, &merged_names)?
    };

    // Contracts and claims are judged against every track given.
    let listing = Listing {
        tracks: tracks.to_vec(),
        invalid: Vec::new(),
    };
    let mut out = Vec::with_capacity(tracks.len());
    for (stored, worktree) in tracks.iter().zip(states) {
        let t = &stored.track;
        let tip = tips.get(t.name.as_str()).copied().flatten();
        let (ahead, behind, last_commit, last_secs) = match tip {
            Some(tip) => {
                let (ahead, behind) = repo.ahead_behind(tip, integration_tip)?;
                let secs = repo.gix.find_commit(tip)?.time()?.seconds;
                (
                    Some(ahead),
                    Some(behind),
                    Some(utc_timestamp(secs)),
                    Some(secs),
                )
            }
            None => (None, None, None, None),
        };
        let is_merged = merged.get(t.name.as_str()).copied().unwrap_or(false);
        let blocked_by = t
            .depends_on
            .iter()
            .filter(|dep| !merged.get(dep.as_str()).copied().unwrap_or(false))
            .cloned()
            .collect();
        // Committed work only: a status walk of every worktree would cost too much here.
        let violations = match tip {
            Some(_) if !is_merged => rules::check_track(repo, &listing, t, false)?,
            _ => Vec::new(),
        };
        // The last change: its newest commit; for a branch still at its fork point, the
        // last edit of its definition (a new track on an old base is not stale).
        let own_commits = tip.is_some_and(|tip| !crate::plan::at_fork_point(t, tip));
        let last_change = if own_commits {
            last_secs
        } else {
            crate::plan::efficiency::parse_timestamp(&t.updated)
        };
        let dirty = worktree.as_ref().and_then(|w| w.dirty) == Some(true);
        let stale = !is_merged && last_change.is_some_and(|s| now - s > stale_after);
        let stuck = t.status == Status::Active
            && !is_merged
            && dirty
            && last_change.is_some_and(|s| now - s > stuck_after);
        let too_far_behind =
            !is_merged && matches!((behind, behind_limit), (Some(b), Some(limit)) if b > limit);
        let merges_cleanly = cleanly.get(t.name.as_str()).copied();
        let mut flags = Vec::new();
        if too_far_behind {
            flags.push("behind");
        }
        if merges_cleanly == Some(false) {
            flags.push("needs-sync");
        }
        if stuck {
            flags.push("stuck");
        }
        if stale {
            flags.push("stale");
        }
        let times = crate::plan::efficiency::track_times(
            repo,
            t,
            merge_times.get(t.name.as_str()).copied(),
        )?;
        out.push(TrackStatus {
            name: t.name.clone(),
            kind: t.kind,
            status: t.status,
            owner: t.owner.clone(),
            branch: t.branch.clone(),
            tip: tip.map(|id| id.to_string()),
            tip_from: tip_from.get(t.name.as_str()).cloned(),
            worktree,
            ahead,
            behind,
            last_commit,
            stale,
            stuck,
            too_far_behind,
            flags,
            times,
            merged: is_merged,
            merges_cleanly,
            overlaps: overlaps
                .get(t.name.as_str())
                .map(|s| s.iter().map(|n| n.to_string()).collect())
                .unwrap_or_default(),
            blocked_by,
            violations,
        });
    }
    Ok(Dashboard {
        integration,
        stale_after_secs: stale_after,
        stuck_after_secs: stuck_after,
        behind_limit,
        tracks: out,
        merge_in_progress: merge::in_progress(repo)?,
        sync_in_progress: crate::sync::in_progress(repo)?,
    })
}

/// Commits reachable from `from` but not from `hidden`.
pub fn count(repo: &Repo, from: ObjectId, hidden: ObjectId) -> Result<usize> {
    Ok(repo.ahead_behind(from, hidden)?.0)
}

/// `worktree::has_changes` for each path, on all cores; `(index, dirty)` pairs, with
/// `None` for a worktree that vanished meanwhile.
fn dirty_checks(paths: &[(usize, PathBuf)]) -> Result<Vec<(usize, Option<bool>)>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, paths.len().max(1));
    let chunk = paths.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(
                            |(i, path)| match crate::linked_worktree::has_changes(path) {
                                Ok(dirty) => Ok((*i, Some(dirty))),
                                Err(_) if vanished(path) => Ok((*i, None)),
                                Err(e) => Err(e),
                            },
                        )
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(paths.len());
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| anyhow::anyhow!("a worktree status check failed"))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// Is the linked worktree at `path` gone or half gone: no `.git` file, or one that
/// points to an administrative folder without a HEAD?
fn vanished(path: &Path) -> bool {
    match std::fs::read_to_string(path.join(".git")) {
        Ok(text) => text
            .strip_prefix("gitdir:")
            .is_some_and(|dir| !path.join(dir.trim()).join("HEAD").exists()),
        Err(_) => true,
    }
}

/// The track's worktree ([`linked_worktree::of_track`]), else the recorded path reported
/// missing.
fn worktree_state(worktrees: &[WorktreeInfo], t: &crate::track::Track) -> Option<WorktreeState> {
    let recorded = t.recorded_worktree();
    let found = linked_worktree::of_track(worktrees, t).map(|w| w.path.clone());
    let state = match (found, recorded) {
        (Some(path), _) if path.is_dir() => WorktreeState {
            path: path.display().to_string(),
            present: true,
            dirty: None, // filled in by `dirty_checks`
        },
        (Some(path), _) | (None, Some(path)) => WorktreeState {
            path: path.display().to_string(),
            present: false,
            dirty: None,
        },
        (None, None) => return None,
    };
    Some(state)
}
