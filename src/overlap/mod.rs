//! Overlap between tracks, judged where tracks meet: the integration branch.
//!
//! Each track T is merged into the integration tip I in memory (M_T); what T brings is
//! the difference from I to M_T, in I's coordinates, so all tracks are comparable. Pairs
//! are then compared on those effective changes: shared files, then touching line
//! ranges, then, for pairs that share changed files, a 3-way merge of M_A and M_B on I
//! whose verdict equals git's own ordered merge (A into I, then B). Nothing is written
//! to the object database: merges run against an in-memory object store.
//!
//! How the pieces fit: `context` is the engine of a run. It holds the repository and the
//! integration tip, takes each track's effective change from the `cache` or has it made
//! on all cores by `effect` (the per-thread worker that merges a track, or a pair, in
//! memory and diffs the result), finds where pairs meet and judges them with `compare`
//! (files, then line ranges from `hunks`), and asks `effect` again for the ordered merges
//! of pairs at the conflicts level. `snapshot` turns a worktree's uncommitted work into a
//! commit in memory; `tools` sets up gix's diff and merge platforms as git would.

mod cache;
mod compare;
mod context;
mod effect;
pub(crate) mod hunks;
mod snapshot;
mod tools;

use crate::remote::tips::{Branch, Tips};
use crate::repo::Repo;
use crate::store::Stored;
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;
use std::str::FromStr;

pub use compare::{FileSide, HunkOverlap, SharedFile, Unjudged};
pub use effect::ChangeKind;

/// How far `analyze` looks, from the cheapest signal to the exact one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Paths in the effective changes of two or more tracks.
    #[default]
    Files,
    /// Changed line ranges of shared files that overlap or touch.
    Hunks,
    /// Pairs that git's ordered merge would fail on.
    Conflicts,
}

impl Level {
    pub const ALL: &'static [&'static str] = &["files", "hunks", "conflicts"];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Files => "files",
            Level::Hunks => "hunks",
            Level::Conflicts => "conflicts",
        }
    }
}

/// A level that is none of [`Level::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("'{given}' is not a level: use one of {}", Level::ALL.join(", "))]
pub struct UnknownLevel {
    pub given: String,
}

impl FromStr for Level {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Self, UnknownLevel> {
        match s {
            "files" => Ok(Level::Files),
            "hunks" => Ok(Level::Hunks),
            "conflicts" => Ok(Level::Conflicts),
            _ => Err(UnknownLevel {
                given: s.to_owned(),
            }),
        }
    }
}

/// Nothing to compare tracks against: neither the integration branch nor the base
/// exists.
#[derive(Debug, thiserror::Error)]
#[error("neither the integration branch '{integration}' nor the base '{base}' exists")]
pub struct NoIntegration {
    pub integration: String,
    pub base: String,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub level: Level,
    /// Count each track's uncommitted work (staged, unstaged, untracked) in its worktree.
    pub worktree: bool,
}

/// A merge as overlap judges it: the merged tree, or the paths that conflict.
pub type MergeVerdict = std::result::Result<ObjectId, Vec<String>>;

/// Each of `tips` merged into `integration` in memory, as `overlap` judges a track: the
/// merged tree when clean, else the conflicting paths. Nothing is written. For the
/// fidelity tests and harness, which compare it with `git merge-tree`.
pub fn merge_into(
    repo: &Repo,
    integration: ObjectId,
    tips: &[ObjectId],
) -> Result<Vec<MergeVerdict>> {
    context::IntegrationContext::new(repo, integration, &crate::progress::Silent)?.merge_into(tips)
}

/// The verdict `overlap --level conflicts` gives a pair: `b` merged into the commit of
/// `a` merged into `integration` (git's ordered merge); `None` when clean (or when `a`
/// itself conflicts), else the conflicting paths. Nothing is written.
pub fn ordered_merge(
    repo: &Repo,
    integration: ObjectId,
    a: ObjectId,
    b: ObjectId,
) -> Result<Option<Vec<String>>> {
    context::IntegrationContext::new(repo, integration, &crate::progress::Silent)?
        .ordered_merge(a, b)
}

/// The branch tracks are compared against.
#[derive(Debug, Clone, Serialize)]
pub struct Integration {
    /// Short name of the integration branch.
    pub branch: String,
    /// The commit compared against: the branch tip, or the base when the branch does not exist yet.
    pub tip: String,
    /// Does the integration branch exist? When not, `tip` is the base's commit.
    pub exists: bool,
    /// The base rev used instead of a missing integration branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

/// What one track brings into the integration branch.
#[derive(Debug, Clone, Serialize)]
pub struct TrackReport {
    pub name: String,
    /// The commit compared: the branch tip, or an in-memory snapshot of the worktree.
    pub tip: String,
    /// Does the track merge into the integration tip without conflict?
    pub merges_cleanly: bool,
    /// Paths that conflict with the integration branch (empty when it merges cleanly).
    pub paths: Vec<String>,
    /// Is the track's tip already contained in the integration branch?
    pub merged: bool,
    /// How many paths the track's effective change touches.
    pub changed: usize,
    /// `integration` when compared by its merge into the integration tip, `fork-point` when
    /// it does not merge cleanly and is compared by its own diff from where it forked.
    pub compared_by: Basis,
    /// Did uncommitted work in the track's worktree count (`--worktree`)?
    pub worktree: bool,
    /// The remote-tracking branch compared (`origin/track/x`) when it is ahead of the
    /// local branch or there is no local one; absent for the local branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    Integration,
    ForkPoint,
}

/// Two tracks whose effective changes meet.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub a: String,
    pub b: String,
    /// Paths both change (renames followed, mode and binary changes included).
    pub files: Vec<SharedFile>,
    /// Changed line ranges, in the integration tip's lines, that overlap or touch.
    pub hunks: Vec<HunkOverlap>,
    /// Shared changes hunks cannot judge (binary, mode, rename, delete, add, type).
    pub unjudged: Vec<Unjudged>,
    /// Would merging A into the integration branch and then B fail? `null` when not
    /// judged: below `--level conflicts`, or when either track does not merge into the
    /// integration branch by itself.
    pub conflict: Option<bool>,
    /// Paths the ordered merge conflicts on, when `conflict` is true.
    pub conflict_paths: Vec<String>,
    /// Is this pair a finding at the level asked?
    pub found: bool,
}

/// A track left out of the comparison, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub level: Level,
    pub integration: Integration,
    pub tracks: Vec<TrackReport>,
    pub pairs: Vec<Pair>,
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// Was anything found at the level asked: a pair, or a track that does not merge into
    /// the integration branch?
    pub fn found(&self) -> bool {
        self.pairs.iter().any(|p| p.found) || self.tracks.iter().any(|t| !t.merges_cleanly)
    }
}

/// The integration tip tracks are compared against, or the base when the branch does not
/// exist yet.
pub fn integration(repo: &Repo) -> Result<(Integration, ObjectId)> {
    let settings = &repo.settings;
    if let Some(tip) = repo.ref_target(&settings.integration_ref())? {
        let tip = peel_to_commit(repo, tip)?;
        return Ok((
            Integration {
                branch: settings.integration.clone(),
                tip: tip.to_string(),
                exists: true,
                base: None,
            },
            tip,
        ));
    }
    let Some(tip) = repo.try_resolve_commit(&settings.base) else {
        return Err(NoIntegration {
            integration: settings.integration.clone(),
            base: settings.base.clone(),
        }
        .into());
    };
    Ok((
        Integration {
            branch: settings.integration.clone(),
            tip: tip.to_string(),
            exists: false,
            base: Some(settings.base.clone()),
        },
        tip,
    ))
}

fn peel_to_commit(repo: &Repo, id: ObjectId) -> Result<ObjectId> {
    Ok(repo
        .gix
        .find_object(id)?
        .peel_to_kind(gix::object::Kind::Commit)?
        .id)
}

/// A track to compare: its name, the commit to compare, and its scope.
pub(crate) struct Input {
    pub name: String,
    pub tip: ObjectId,
    /// Scope patterns, compiled only for tracks that meet another.
    pub scope: Vec<String>,
    pub worktree: bool,
    /// The remote-tracking branch `tip` comes from, when not the local branch.
    pub tip_from: Option<String>,
}

/// Compares `tracks` with each other in the context of the integration branch.
pub fn analyze(repo: &Repo, tracks: &[Stored], options: &Options) -> Result<Report> {
    analyze_with_progress(repo, tracks, options, &crate::progress::Silent)
}

/// [`analyze`], telling `progress` of the merges it makes in memory (none when cached).
pub fn analyze_with_progress(
    repo: &Repo,
    tracks: &[Stored],
    options: &Options,
    progress: &dyn crate::progress::Progress,
) -> Result<Report> {
    let (integration, tip) = integration(repo)?;
    let mut engine = context::IntegrationContext::new(repo, tip, progress)?;
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    let mut tracks: Vec<&Stored> = tracks.iter().collect();
    // Pairs are reported (and merged) in name order: `a` is merged before `b`.
    tracks.sort_by(|x, y| x.track.name.cmp(&y.track.name));
    tracks.dedup_by(|x, y| x.track.name == y.track.name);
    let tips = Tips::new(repo);
    for stored in tracks {
        let track = &stored.track;
        let branch_tip = match tips.of(repo, &track.branch)? {
            Branch::Tip(tip) => tip,
            Branch::Missing => {
                skipped.push(Skipped {
                    name: track.name.clone(),
                    reason: format!("its branch '{}' does not exist", track.branch),
                });
                continue;
            }
            Branch::Broken(broken) => {
                skipped.push(Skipped {
                    name: track.name.clone(),
                    reason: broken.to_string(),
                });
                continue;
            }
        };
        let mut input = Input {
            name: track.name.clone(),
            tip: branch_tip.id,
            scope: track.scope.clone(),
            worktree: false,
            tip_from: branch_tip
                .remote
                .then(|| tips.remote_name(&track.branch))
                .flatten(),
        };
        if options.worktree
            && let Some(path) = crate::lifecycle::worktree_on_disk(repo, track)?
            && let Some(snapshot) = engine.snapshot_worktree(&path)?
        {
            input.tip = snapshot;
            input.worktree = true;
            input.tip_from = None;
        }
        inputs.push(input);
    }
    let mut report = engine.run(&inputs, options.level)?;
    report.integration = integration;
    report.skipped = skipped;
    Ok(report)
}

/// A commit object for work judged in memory. A fixed identity and a time taken from the
/// parents make the same work give the same id, and so the same cache key. The time is the
/// latest of the parents' committer times: merge-base searches visit commits newest first
/// (by commit time, when there is no commit-graph), so a commit dated 1970 would be visited
/// last, after the whole history of the other side.
pub(crate) fn fixed_commit(
    repo: &gix::Repository,
    tree: ObjectId,
    parents: &[ObjectId],
    message: &str,
) -> Result<gix::objs::Commit> {
    let mut seconds = 0;
    for parent in parents {
        seconds = seconds.max(repo.find_commit(*parent)?.committer()?.seconds());
    }
    let signature = gix::actor::Signature {
        name: "git-track".into(),
        email: "git-track@localhost".into(),
        time: gix::date::Time::new(seconds, 0),
    };
    Ok(gix::objs::Commit {
        tree,
        parents: parents.iter().copied().collect(),
        author: signature.clone(),
        committer: signature,
        encoding: None,
        message: message.into(),
        extra_headers: Vec::new(),
    })
}
