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
use crate::remote::tips::{Branch, Tips};
use crate::repo::{Repo, WorktreeInfo, utc_timestamp};
use crate::scope::rules::{self, Violation};
use crate::store::{Listing, Stored};
use crate::track::{Kind, Status, Track};
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    /// Why the track cannot be judged: its branch points to something other than a
    /// commit (set by hand to a blob, or to an object that is gone). Its figures are
    /// then those of a track without a branch; absent for every other track.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
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
    /// What needs attention, in words: `broken`, `behind`, `needs-sync`, `stuck`, `stale`.
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
    /// Does it hold uncommitted work (staged, unstaged or untracked)? `None` when missing,
    /// or when the track's branch is broken (no commit to compare the worktree with).
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
    let gathered = Gathered::new(repo, tracks, integration_tip, progress)?;
    let states = worktree_states(repo, tracks, &gathered.branches.broken)?;
    let rows = tracks
        .iter()
        .zip(states)
        .map(|(stored, worktree)| gathered.track_status(repo, stored, worktree))
        .collect::<Result<_>>()?;
    Ok(Dashboard {
        integration,
        stale_after_secs: repo.settings.stale_after_secs,
        stuck_after_secs: repo.settings.stuck_after_secs,
        behind_limit: repo.settings.behind_limit,
        tracks: rows,
        merge_in_progress: merge::in_progress(repo)?,
        sync_in_progress: crate::sync::in_progress(repo)?,
    })
}

/// What the dashboard learns of all tracks at once, before each track's row.
struct Gathered<'a> {
    /// Seconds since the epoch, as stale and stuck are judged.
    now: i64,
    branches: Branches<'a>,
    /// Is the track's tip in the integration branch?
    merged: BTreeMap<&'a str, bool>,
    /// Each tip's commits ahead of and behind the integration tip, counted in one walk.
    counts: HashMap<ObjectId, (usize, usize)>,
    /// The tracks whose effective changes share files with each pending track's.
    overlaps: BTreeMap<String, BTreeSet<String>>,
    /// Does each pending track merge cleanly into the integration branch?
    cleanly: BTreeMap<String, bool>,
    /// When each merged track was merged, for the efficiency figures.
    merge_times: BTreeMap<String, i64>,
    /// Every track given: contracts and claims are judged against all of them.
    listing: Listing,
}

impl<'a> Gathered<'a> {
    fn new(
        repo: &Repo,
        tracks: &'a [Stored],
        integration_tip: ObjectId,
        progress: &dyn crate::progress::Progress,
    ) -> Result<Gathered<'a>> {
        let now = repo.now().seconds;
        let branches = Branches::read(repo, tracks)?;
        let merged = merged(repo, &branches.tips, integration_tip)?;
        let tips: Vec<ObjectId> = branches.tips.values().filter_map(|tip| *tip).collect();
        let counts = tips
            .iter()
            .copied()
            .zip(repo.ahead_behind_many(&tips, integration_tip)?)
            .collect();
        let (overlaps, cleanly) = overlaps(repo, tracks, progress)?;
        let merge_times = merge_times(repo, &merged, integration_tip)?;
        Ok(Gathered {
            now,
            branches,
            merged,
            counts,
            overlaps,
            cleanly,
            merge_times,
            listing: Listing {
                tracks: tracks.to_vec(),
                invalid: Vec::new(),
            },
        })
    }

    fn is_merged(&self, name: &str) -> bool {
        self.merged.get(name).copied().unwrap_or(false)
    }

    /// One track's row.
    fn track_status(
        &self,
        repo: &Repo,
        stored: &Stored,
        worktree: Option<WorktreeState>,
    ) -> Result<TrackStatus> {
        let t = &stored.track;
        let name = t.name.as_str();
        let tip = self.branches.tips.get(name).copied().flatten();
        let broken = self.branches.broken.get(name).cloned();
        let commits = Commits::of(repo, tip, &self.counts)?;
        let is_merged = self.is_merged(name);
        let blocked_by = t
            .depends_on
            .iter()
            .filter(|dep| !self.is_merged(dep))
            .cloned()
            .collect();
        // Committed work only: a status walk of every worktree would cost too much here.
        let violations = match tip {
            Some(_) if !is_merged => rules::check_track(repo, &self.listing, t, false)?,
            _ => Vec::new(),
        };
        let dirty = worktree.as_ref().and_then(|w| w.dirty) == Some(true);
        let attention = self.attention(repo, t, tip, is_merged, &commits, dirty);
        let merges_cleanly = self.cleanly.get(name).copied();
        let flags = attention.flags(broken.is_some(), merges_cleanly);
        let times =
            crate::plan::efficiency::track_times(repo, t, self.merge_times.get(name).copied())?;
        Ok(TrackStatus {
            name: t.name.clone(),
            kind: t.kind,
            status: t.status,
            owner: t.owner.clone(),
            branch: t.branch.clone(),
            tip: tip.map(|id| id.to_string()),
            tip_from: self.branches.tip_from.get(name).cloned(),
            broken,
            worktree,
            ahead: commits.ahead,
            behind: commits.behind,
            last_commit: commits.last_commit,
            stale: attention.stale,
            stuck: attention.stuck,
            too_far_behind: attention.too_far_behind,
            flags,
            times,
            merged: is_merged,
            merges_cleanly,
            overlaps: self
                .overlaps
                .get(name)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            blocked_by,
            violations,
        })
    }

    /// Whether the track is stale, stuck or too far behind.
    fn attention(
        &self,
        repo: &Repo,
        t: &Track,
        tip: Option<ObjectId>,
        is_merged: bool,
        commits: &Commits,
        dirty: bool,
    ) -> Attention {
        let settings = &repo.settings;
        // The last change: its newest commit; for a branch still at its fork point, the
        // last edit of its definition (a new track on an old base is not stale).
        let own_commits = tip.is_some_and(|tip| !crate::plan::at_fork_point(t, tip));
        let last_change = if own_commits {
            commits.last_secs
        } else {
            crate::plan::efficiency::parse_timestamp(&t.updated)
        };
        let older_than = |limit: i64| last_change.is_some_and(|s| self.now - s > limit);
        Attention {
            stale: !is_merged && older_than(settings.stale_after_secs),
            stuck: t.status == Status::Active
                && !is_merged
                && dirty
                && older_than(settings.stuck_after_secs),
            too_far_behind: !is_merged
                && matches!((commits.behind, settings.behind_limit), (Some(b), Some(limit)) if b > limit),
        }
    }
}

/// A track's commits against the integration branch; all `None` without a branch.
struct Commits {
    ahead: Option<usize>,
    behind: Option<usize>,
    /// Committer time of the tip, UTC, and in seconds since the epoch.
    last_commit: Option<String>,
    last_secs: Option<i64>,
}

impl Commits {
    fn of(
        repo: &Repo,
        tip: Option<ObjectId>,
        counts: &HashMap<ObjectId, (usize, usize)>,
    ) -> Result<Commits> {
        let Some(tip) = tip else {
            return Ok(Commits {
                ahead: None,
                behind: None,
                last_commit: None,
                last_secs: None,
            });
        };
        let (ahead, behind) = counts.get(&tip).copied().unwrap_or_default();
        let secs = repo.gix.find_commit(tip)?.time()?.seconds;
        Ok(Commits {
            ahead: Some(ahead),
            behind: Some(behind),
            last_commit: Some(utc_timestamp(secs)),
            last_secs: Some(secs),
        })
    }
}

/// What needs attention in a track's progress.
struct Attention {
    stale: bool,
    stuck: bool,
    too_far_behind: bool,
}

impl Attention {
    /// The flags in words, as `TrackStatus::flags` lists them.
    fn flags(&self, broken: bool, merges_cleanly: Option<bool>) -> Vec<&'static str> {
        [
            (broken, "broken"),
            (self.too_far_behind, "behind"),
            (merges_cleanly == Some(false), "needs-sync"),
            (self.stuck, "stuck"),
            (self.stale, "stale"),
        ]
        .into_iter()
        .filter_map(|(on, flag)| on.then_some(flag))
        .collect()
    }
}

/// Each track's tip to judge it by (see [`crate::remote::tips`]).
struct Branches<'a> {
    /// `None` when the track has no branch, or a broken one.
    tips: BTreeMap<&'a str, Option<ObjectId>>,
    /// The remote-tracking branch a tip comes from, when it is not the local branch.
    tip_from: BTreeMap<&'a str, String>,
    /// Why a track's branch cannot be judged, when it points to something other than a
    /// commit.
    broken: BTreeMap<&'a str, String>,
}

impl<'a> Branches<'a> {
    fn read(repo: &Repo, tracks: &'a [Stored]) -> Result<Branches<'a>> {
        let freshest = Tips::new(repo);
        let mut out = Branches {
            tips: BTreeMap::new(),
            tip_from: BTreeMap::new(),
            broken: BTreeMap::new(),
        };
        for s in tracks {
            let (name, branch) = (s.track.name.as_str(), &s.track.branch);
            let tip = match freshest.of(repo, branch)? {
                Branch::Tip(tip) => Some(tip),
                Branch::Missing => None,
                Branch::Broken(why) => {
                    out.broken.insert(name, why.to_string());
                    None
                }
            };
            if let Some(t) = tip
                && t.remote
                && let Some(from) = freshest.remote_name(branch)
            {
                out.tip_from.insert(name, from);
            }
            out.tips.insert(name, tip.map(|t| t.id));
        }
        Ok(out)
    }
}

/// Which tracks' tips the integration branch contains, in one walk of its history.
fn merged<'a>(
    repo: &Repo,
    tips: &BTreeMap<&'a str, Option<ObjectId>>,
    integration_tip: ObjectId,
) -> Result<BTreeMap<&'a str, bool>> {
    let mut history = repo.history()?;
    let existing: Vec<ObjectId> = tips.values().filter_map(|tip| *tip).collect();
    let mut contained = history.contained(&existing, integration_tip)?.into_iter();
    Ok(tips
        .iter()
        .map(|(name, tip)| (*name, tip.is_some() && contained.next().unwrap_or(false)))
        .collect())
}

/// For each pending track, the tracks it shares files with, and whether it merges cleanly
/// into the integration branch.
type Overlaps = (BTreeMap<String, BTreeSet<String>>, BTreeMap<String, bool>);

/// The pending tracks compared at the files level, as `git track overlap` compares them.
fn overlaps(
    repo: &Repo,
    tracks: &[Stored],
    progress: &dyn crate::progress::Progress,
) -> Result<Overlaps> {
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
    let mut with: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in report.pairs.iter().filter(|p| p.found) {
        with.entry(p.a.clone()).or_default().insert(p.b.clone());
        with.entry(p.b.clone()).or_default().insert(p.a.clone());
    }
    let cleanly = report
        .tracks
        .into_iter()
        .map(|t| (t.name, t.merges_cleanly))
        .collect();
    Ok((with, cleanly))
}

/// When each merged track was merged (see [`crate::plan::efficiency::merge_times`]).
fn merge_times(
    repo: &Repo,
    merged: &BTreeMap<&str, bool>,
    integration_tip: ObjectId,
) -> Result<BTreeMap<String, i64>> {
    let names: BTreeSet<String> = merged
        .iter()
        .filter(|(_, m)| **m)
        .map(|(n, _)| n.to_string())
        .collect();
    if names.is_empty() {
        return Ok(BTreeMap::new());
    }
    crate::plan::efficiency::merge_times(repo, integration_tip, &names)
}

/// Where each track's worktree is, then whether it is dirty: a full status of each
/// worktree, the costly part on a large repository, so spread over the cores. The
/// worktree of a track whose branch is `broken` has no commit to compare with: its
/// dirtiness stays unknown.
fn worktree_states(
    repo: &Repo,
    tracks: &[Stored],
    broken: &BTreeMap<&str, String>,
) -> Result<Vec<Option<WorktreeState>>> {
    let worktrees = repo.worktrees()?;
    let mut states: Vec<Option<WorktreeState>> = tracks
        .iter()
        .map(|s| worktree_state(&worktrees, &s.track))
        .collect();
    let present: Vec<(usize, PathBuf)> = states
        .iter()
        .zip(tracks)
        .enumerate()
        .filter(|(_, (_, s))| !broken.contains_key(s.track.name.as_str()))
        .filter_map(|(i, (w, _))| {
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
    Ok(states)
}

/// Commits reachable from `from` but not from `hidden`.
pub fn count(repo: &Repo, from: ObjectId, hidden: ObjectId) -> Result<usize> {
    Ok(repo.ahead_behind(from, hidden)?.0)
}

/// `worktree::has_changes` for each path, on all cores; `(index, dirty)` pairs, with
/// `None` for a worktree that vanished meanwhile.
fn dirty_checks(paths: &[(usize, PathBuf)]) -> Result<Vec<(usize, Option<bool>)>> {
    crate::shares::in_shares(
        paths,
        crate::shares::cores(),
        "a worktree status check",
        |share| {
            share
                .iter()
                .map(
                    |(i, path)| match crate::linked_worktree::has_changes(path) {
                        Ok(dirty) => Ok((*i, Some(dirty))),
                        Err(_) if vanished(path) => Ok((*i, None)),
                        Err(e) => Err(e),
                    },
                )
                .collect()
        },
    )
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
fn worktree_state(worktrees: &[WorktreeInfo], t: &Track) -> Option<WorktreeState> {
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
