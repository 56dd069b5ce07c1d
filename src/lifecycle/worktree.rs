//! A track's linked worktree: found, checked before removal, saved and removed; and the
//! track the current worktree belongs to.

use super::{LifecycleError, save_backup};
use crate::git;
use crate::linked_worktree;
use crate::repo::{Repo, WorktreeInfo};
use crate::store::{Listing, Stored};
use crate::track::Track;
use anyhow::{Result, anyhow};
use gix::ObjectId;
use std::path::{Path, PathBuf};

/// A track's worktree that is about to be removed, checked: not the one the command
/// runs in, and clean unless `--force` was given.
#[derive(Debug)]
pub struct Retiring {
    pub path: PathBuf,
    /// Holds uncommitted or untracked work, to be saved before removal.
    pub dirty: bool,
    /// Its folder was removed by hand: only its registration is left, to prune.
    pub missing: bool,
}

/// The worktree of `track` that can be removed, if it has one. Refuses (changing
/// nothing) the worktree the command runs in, and one with uncommitted work unless
/// `force`.
pub fn worktree_to_retire(repo: &Repo, track: &Track, force: bool) -> Result<Option<Retiring>> {
    let Some(path) = track_worktree(repo, track)?.map(|w| w.path) else {
        return Ok(None);
    };
    if !path.is_dir() {
        return Ok(Some(Retiring {
            path,
            dirty: false,
            missing: true,
        }));
    }
    if repo.workdir.as_deref() == Some(path.as_path()) {
        return Err(LifecycleError::RemoveFromInside {
            name: track.name.clone(),
        }
        .into());
    }
    let dirty = linked_worktree::has_changes(&path)?;
    if dirty && !force {
        return Err(LifecycleError::DirtyWorktree {
            name: track.name.clone(),
            path,
        }
        .into());
    }
    Ok(Some(Retiring {
        path,
        dirty,
        missing: false,
    }))
}

impl Retiring {
    /// Saves uncommitted work (when there is any) under `refs/tracks-backup/<track>/`;
    /// returns the refs written.
    pub fn save(&self, repo: &Repo, track: &str) -> Result<Vec<String>> {
        if !self.dirty {
            return Ok(Vec::new());
        }
        let snapshot = git::snapshot_worktree(
            &repo.git_env,
            &self.path,
            &format!("git track: uncommitted work of {track}"),
        )?;
        let id = ObjectId::from_hex(snapshot.as_bytes())
            .map_err(|e| anyhow!("bad snapshot id {snapshot}: {e}"))?;
        Ok(vec![save_backup(repo, track, "worktree", id)?])
    }

    /// Removes the worktree (after [`Retiring::save`]), or prunes a missing one; returns
    /// its path.
    pub fn remove(&self, repo: &Repo) -> Result<String> {
        if self.missing {
            linked_worktree::prune_missing(repo, &self.path)?;
        } else {
            linked_worktree::remove(repo, &self.path, self.dirty)?;
        }
        Ok(self.path.display().to_string())
    }
}

/// The registered linked worktree of a track: the one at its recorded path, else the one
/// that has its branch checked out. Its folder may be gone (removed by hand).
pub fn track_worktree(repo: &Repo, track: &Track) -> Result<Option<WorktreeInfo>> {
    let worktrees = repo.worktrees()?;
    Ok(linked_worktree::of_track(&worktrees, track).cloned())
}

/// The path of the track's registered worktree; its folder may be gone.
pub fn find_worktree(repo: &Repo, track: &Track) -> Result<Option<PathBuf>> {
    Ok(track_worktree(repo, track)?.map(|w| w.path))
}

/// The track's worktree folder, to read it: fails with how to recreate it when the
/// worktree is registered but its folder is gone.
pub fn worktree_on_disk(repo: &Repo, track: &Track) -> Result<Option<PathBuf>> {
    match track_worktree(repo, track)? {
        Some(w) if !w.path.is_dir() => Err(missing_worktree(track, &w.path)),
        found => Ok(found.map(|w| w.path)),
    }
}

/// The error for a track whose worktree folder was removed by hand.
pub fn missing_worktree(track: &Track, path: &Path) -> anyhow::Error {
    LifecycleError::MissingWorktree {
        name: track.name.clone(),
        path: path.to_owned(),
        branch: track.branch.clone(),
    }
    .into()
}

/// The track the current worktree belongs to: by branch, else by worktree path.
pub fn current_track(repo: &Repo, listing: &Listing) -> Result<Stored> {
    let branch = repo.current_branch();
    // As `linked_worktree::holds` judges it; a track whose branch is checked out here
    // wins over one that recorded this path.
    let holds = |path: Option<&Path>, branch: Option<&str>| {
        listing
            .tracks
            .iter()
            .find(|s| linked_worktree::holds(&s.track, path, branch))
    };
    let by_branch = holds(None, branch.as_deref());
    let by_path = || holds(repo.workdir.as_deref(), None);
    match by_branch.or_else(by_path) {
        Some(s) => Ok(s.clone()),
        None => Err(LifecycleError::NotInTrack.into()),
    }
}
