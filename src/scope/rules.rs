//! Holding a track to its scope: which changed paths it may not change, and why.
//!
//! A track may change a path when its scope contains it, when the path is one of its own
//! contracts, or when the path is shared (`track.sharedPaths`, `.gittracks`) — unless the
//! path is another live track's contract and not in this track's own scope: a contract is
//! the interface another track publishes, and shared paths do not open it.

use crate::lifecycle;
use crate::refs;
use crate::repo::Repo;
use crate::scope::Scope;
use crate::scope::changes;
use crate::scope::claims::{self, ClaimIndex, Field};
use crate::scope::shared::{self, Shared};
use crate::store::Listing;
use crate::track::Track;
use anyhow::{Context, Result};
use gix::ObjectId;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not in the track's scope, not shared.
    OutsideScope,
    /// Another track's contract, not in the track's own scope.
    Contract,
}

#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub path: String,
    pub reason: Reason,
    /// Other live tracks whose scope contains the path.
    pub claimed_by: Vec<String>,
    /// The track whose contract the path is.
    pub contract_of: Option<String>,
}

/// Everything one track is held to, compiled once.
#[derive(Debug, Clone)]
pub struct Rules {
    track: String,
    own: Own,
    shared: Shared,
    contracts: ClaimIndex,
    claims: ClaimIndex,
}

impl Rules {
    /// The rules of `track`, with the shared paths read from the repository.
    pub fn new(repo: &Repo, listing: &Listing, track: &Track) -> Result<Rules> {
        Rules::with_shared(listing, track, shared::load(repo)?)
    }

    pub fn with_shared(listing: &Listing, track: &Track, shared: Shared) -> Result<Rules> {
        Ok(Rules {
            track: track.name.clone(),
            own: Own::new(track)?,
            shared,
            contracts: ClaimIndex::of_tracks(listing, Field::Contracts, Some(&track.name))?,
            claims: ClaimIndex::of_tracks(listing, Field::Scope, Some(&track.name))?,
        })
    }

    pub fn track(&self) -> &str {
        &self.track
    }

    pub fn scope(&self) -> &Scope {
        self.own.scope()
    }

    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Why the track may not change `path`, or `None` when it may.
    pub fn judge(&self, path: &str) -> Option<Violation> {
        if self.own.allows(path) {
            return None;
        }
        let contract_of = self
            .contracts
            .claimants(path)
            .first()
            .map(|s| s.to_string());
        if contract_of.is_none() && self.shared.contains(path) {
            return None;
        }
        Some(Violation {
            path: path.to_owned(),
            reason: if contract_of.is_some() {
                Reason::Contract
            } else {
                Reason::OutsideScope
            },
            claimed_by: self
                .claims
                .claimants(path)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            contract_of,
        })
    }

    pub fn judge_all(&self, paths: &[String]) -> Vec<Violation> {
        paths.iter().filter_map(|p| self.judge(p)).collect()
    }
}

/// What a track may change on its own say: its scope and its own contracts.
#[derive(Debug, Clone)]
pub struct Own {
    scope: Scope,
    contracts: Option<Scope>,
}

impl Own {
    pub fn new(track: &Track) -> Result<Own> {
        let scope =
            Scope::new(&track.scope).map_err(|e| claims::invalid(track, Field::Scope, e))?;
        let contracts = if claims::claims_something(&track.contracts) {
            Some(
                Scope::new(&track.contracts)
                    .map_err(|e| claims::invalid(track, Field::Contracts, e))?,
            )
        } else {
            None
        };
        Ok(Own { scope, contracts })
    }

    pub fn allows(&self, path: &str) -> bool {
        self.scope.contains(path) || self.contracts.as_ref().is_some_and(|c| c.contains(path))
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }
}

/// Judges `paths` for `track`. The other tracks and the shared paths are read only when
/// a path falls outside what the track may change on its own say, so a change that keeps
/// to its scope costs no more than matching its own globs.
pub fn judge(repo: &Repo, track: &Track, paths: &[String]) -> Result<Vec<Violation>> {
    judge_with(repo, None, track, paths)
}

/// [`judge`] with the definitions already read (they are read here only when needed).
fn judge_with(
    repo: &Repo,
    listing: Option<&Listing>,
    track: &Track,
    paths: &[String],
) -> Result<Vec<Violation>> {
    let own = Own::new(track)?;
    let outside: Vec<String> = paths.iter().filter(|p| !own.allows(p)).cloned().collect();
    if outside.is_empty() {
        return Ok(Vec::new());
    }
    let read;
    let listing = match listing {
        Some(l) => l,
        None => {
            read = crate::store::list(repo)?;
            &read
        }
    };
    Ok(Rules::new(repo, listing, track)?.judge_all(&outside))
}

/// The track of the worktree this process runs in, if any. A branch named like a
/// track's default branch (`track/<name>`) is looked up directly; other branches need
/// every definition read, since a track may have adopted any branch.
pub fn current_track(repo: &Repo) -> Result<Option<crate::store::Stored>> {
    if let Some(full) = repo.current_branch()
        && let Some(short) = refs::branch_name(&full)
        && let Some(name) = short.strip_prefix("track/")
        && crate::track::validate_name(name).is_ok()
        && let Some(stored) = crate::store::load(repo, name)?
        && stored.track.branch == short
    {
        return Ok(Some(stored));
    }
    let listing = crate::store::list(repo)?;
    Ok(lifecycle::current_track(repo, &listing).ok())
}

/// Checks the given repository-relative paths.
pub fn check_paths(
    repo: &Repo,
    listing: &Listing,
    track: &Track,
    paths: &[String],
) -> Result<Vec<Violation>> {
    judge_with(repo, Some(listing), track, paths)
}

/// Checks the paths that differ between two commits (a rename counts as its old and its
/// new path).
pub fn check_commits(
    repo: &Repo,
    listing: &Listing,
    track: &Track,
    from: ObjectId,
    to: ObjectId,
) -> Result<Vec<Violation>> {
    judge_with(
        repo,
        Some(listing),
        track,
        &changes::between(&repo.gix, from, to)?,
    )
}

/// Checks what the track changed since its fork point with the integration branch, and,
/// with `include_worktree`, what is not committed in its worktree.
pub fn check_track(
    repo: &Repo,
    listing: &Listing,
    track: &Track,
    include_worktree: bool,
) -> Result<Vec<Violation>> {
    let changed = track_changes(repo, track, include_worktree)?;
    judge_with(repo, Some(listing), track, &changed.paths)
}

/// What a track changed, and from where to where.
#[derive(Debug, Clone)]
pub struct TrackChanges {
    /// The fork point.
    pub from: ObjectId,
    /// The tip of the track's branch.
    pub to: ObjectId,
    /// The worktree whose uncommitted work was included, if any.
    pub worktree: Option<PathBuf>,
    pub paths: Vec<String>,
}

/// A track whose branch does not exist: it has no changes to judge.
#[derive(Debug, thiserror::Error)]
#[error("the branch '{branch}' of track '{track}' does not exist")]
pub struct NoBranch {
    pub track: String,
    pub branch: String,
}

/// The tip of a track's branch and its fork point with the integration branch (or with
/// its base while there is no integration branch).
pub fn fork_point(repo: &Repo, track: &Track) -> Result<(ObjectId, ObjectId)> {
    let tip = match crate::refs::branch_target(&repo.gix, &track.branch)? {
        crate::refs::BranchTarget::Commit(tip) => tip,
        crate::refs::BranchTarget::Missing => {
            return Err(NoBranch {
                track: track.name.clone(),
                branch: track.branch.clone(),
            }
            .into());
        }
        crate::refs::BranchTarget::NotACommit(broken) => {
            return Err(anyhow::Error::from(broken)
                .context(format!("track '{}' has no history to read", track.name)));
        }
    };
    let upstream = match repo.ref_target(&repo.settings.integration_ref())? {
        Some(id) => Some(id),
        None => repo.try_resolve_commit(&track.base.refname),
    };
    let recorded = ObjectId::from_hex(track.base.commit.as_bytes()).ok();
    let fork = match upstream {
        Some(up) => repo.merge_base(tip, up)?,
        None => None,
    };
    Ok((fork.or(recorded).unwrap_or(tip), tip))
}

/// Paths the track changed since its fork point, plus (with `include_worktree`) the
/// uncommitted work in its worktree.
pub fn track_changes(repo: &Repo, track: &Track, include_worktree: bool) -> Result<TrackChanges> {
    let (from, to) = fork_point(repo, track)?;
    let mut paths = changes::between(&repo.gix, from, to)?;
    let mut worktree = None;
    if include_worktree && let Some(wt) = track_worktree(repo, track)? {
        paths.extend(changes::uncommitted(wt.repo(repo))?);
        paths.sort();
        paths.dedup();
        worktree = Some(wt.path().to_owned());
    }
    Ok(TrackChanges {
        from,
        to,
        worktree,
        paths,
    })
}

/// A track's worktree: the one this process runs in, or another one opened for it.
pub enum Worktree {
    Current(PathBuf),
    Other(PathBuf, Box<gix::Repository>),
}

impl Worktree {
    pub fn repo<'a>(&'a self, current: &'a Repo) -> &'a gix::Repository {
        match self {
            Worktree::Current(_) => &current.gix,
            Worktree::Other(_, r) => r,
        }
    }

    pub fn path(&self) -> &std::path::Path {
        match self {
            Worktree::Current(p) | Worktree::Other(p, _) => p,
        }
    }
}

/// Does the worktree this process runs in belong to `track`?
pub fn is_current(repo: &Repo, track: &Track) -> bool {
    crate::linked_worktree::holds(
        track,
        repo.workdir.as_deref(),
        repo.current_branch().as_deref(),
    )
}

/// The worktree of `track`, if it has one.
pub fn track_worktree(repo: &Repo, track: &Track) -> Result<Option<Worktree>> {
    if is_current(repo, track)
        && let Some(here) = &repo.workdir
    {
        return Ok(Some(Worktree::Current(here.clone())));
    }
    let Some(path) = lifecycle::worktree_on_disk(repo, track)? else {
        return Ok(None);
    };
    let opened = gix::open(&path)
        .with_context(|| format!("could not open the worktree at {}", path.display()))?;
    Ok(Some(Worktree::Other(path, Box::new(opened))))
}

/// What a commit in `repo` would record: staged paths. During a merge, paths whose staged
/// content is what a merged commit has are left out: they are the other side's work,
/// not this track's.
pub fn staged_own(repo: &gix::Repository) -> Result<Vec<String>> {
    let index = changes::open_index(repo)?;
    let staged = changes::staged_in(repo, &index, changes::head_tree(repo)?)?;
    let heads = changes::merge_heads(repo);
    if heads.is_empty() {
        return Ok(staged);
    }
    let mut own = Vec::new();
    'paths: for path in staged {
        let entries = index
            .entry_range(path.as_str().into())
            .map(|r| &index.entries()[r]);
        let staged_blob = match entries {
            None => None,
            Some([e]) if e.stage_raw() == 0 => Some(e.id),
            // Unresolved: the resolution is this track's work.
            Some(_) => {
                own.push(path);
                continue;
            }
        };
        for head in &heads {
            if changes::blob_at(repo, *head, &path)? == staged_blob {
                continue 'paths;
            }
        }
        own.push(path);
    }
    Ok(own)
}
