//! `git track remove`: what would be lost is refused or saved first, and the definition
//! goes last, so that a killed remove can be run again to finish.

use super::{KeepReason, LifecycleError, Retiring, delete_ref, save_backup, worktree_to_retire};
use crate::lock;
use crate::repo::Repo;
use crate::store::{self, StoreError, Stored};
use crate::track::Track;
use anyhow::Result;
use gix::ObjectId;
use std::path::Path;

/// What `git track remove` asks for.
#[derive(Debug, Default, Clone)]
pub struct RemoveTrack {
    pub name: String,
    pub force: bool,
    pub delete_branch: bool,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Removed {
    pub name: String,
    pub worktree_removed: Option<String>,
    /// The worktree's folder was gone (deleted by hand); its registration was pruned.
    pub worktree_pruned: Option<String>,
    pub branch_deleted: Option<String>,
    /// Refs under `refs/tracks-backup/` that hold what would otherwise be lost.
    pub saved: Vec<String>,
    /// The definition ref could not be read and was removed as it was (`--force`).
    pub corrupt: bool,
}

/// Removes a track's definition and worktree (and branch, when asked). Uncommitted work
/// is refused without `force`, and saved to a backup ref with it. A branch checked out in
/// a worktree, the base branch and the integration branch are never deleted; any branch
/// deleted is saved under `refs/tracks-backup/` first.
pub fn remove(repo: &Repo, req: &RemoveTrack) -> Result<Removed> {
    let refname = store::ref_name(&req.name);
    // A name that cannot be in a ref names no track.
    let existed = repo
        .gix
        .try_find_reference(refname.as_str())
        .map_err(|_| store::no_such_track(&req.name))?
        .is_some();
    // Held to the end, so that concurrent removes (and a `new` of the same name) take
    // turns and the losers find the track gone instead of a half-removed worktree.
    let _lock = lock::tracks(repo)?;
    let stored = match store::load(repo, &req.name) {
        Ok(Some(stored)) => stored,
        Ok(None) if existed => {
            return Err(LifecycleError::AlreadyRemoved {
                name: req.name.clone(),
            }
            .into());
        }
        Ok(None) => return Err(store::no_such_track(&req.name)),
        Err(_) if req.force => return remove_corrupt(repo, &req.name),
        Err(e) => {
            return Err(match e.downcast::<StoreError>() {
                Ok(store) => LifecycleError::UnreadableDefinition {
                    name: req.name.clone(),
                    store,
                }
                .into(),
                Err(e) => e,
            });
        }
    };
    let worktree = worktree_to_retire(repo, &stored.track, req.force)?;
    let branch_tip = match req.delete_branch {
        true => branch_to_delete(repo, &stored.track, worktree.as_ref(), req.force)?,
        false => None,
    };
    retire(repo, &stored, worktree, branch_tip)
}

/// The tip of the track's branch, to delete it, when it has one: refused when the branch
/// is kept for another reason, and when it holds unmerged commits without `force`.
fn branch_to_delete(
    repo: &Repo,
    track: &Track,
    worktree: Option<&Retiring>,
    force: bool,
) -> Result<Option<ObjectId>> {
    let Some(tip) = repo.ref_target(&track.branch_ref())? else {
        return Ok(None);
    };
    if let Some(why) = why_branch_is_kept(repo, track, worktree.map(|w| w.path.as_path()))? {
        return Err(LifecycleError::BranchKept {
            name: track.name.clone(),
            branch: track.branch.clone(),
            why,
        }
        .into());
    }
    if !force && !is_merged(repo, tip)? {
        return Err(LifecycleError::UnmergedBranch {
            branch: track.branch.clone(),
            integration: repo.settings.integration.clone(),
            base: track.base.refname.clone(),
        }
        .into());
    }
    Ok(Some(tip))
}

/// Saves, then removes, the worktree and the branch (at `branch_tip`, when it goes),
/// and last the definition.
fn retire(
    repo: &Repo,
    stored: &Stored,
    worktree: Option<Retiring>,
    branch_tip: Option<ObjectId>,
) -> Result<Removed> {
    let track = &stored.track;
    let mut out = Removed {
        name: track.name.clone(),
        ..Default::default()
    };
    if let Some(w) = &worktree {
        out.saved.extend(w.save(repo, &track.name)?);
    }
    // Any branch deleted is kept first, merged or not: a mistaken delete is then undone
    // with one 'git branch'.
    let branch_backup = match branch_tip {
        Some(tip) => Some(save_backup(repo, &track.name, "branch", tip)?),
        None => None,
    };
    if let Some(w) = &worktree {
        let path = w.remove(repo)?;
        if w.missing {
            out.worktree_pruned = Some(path);
        } else {
            out.worktree_removed = Some(path);
        }
    }
    if let (Some(tip), Some(backup)) = (branch_tip, branch_backup) {
        delete_ref(repo, &track.branch_ref(), tip)?;
        out.branch_deleted = Some(track.branch.clone());
        out.saved.push(backup);
    }
    // The definition last: while it exists, a rerun of a killed remove finishes the job.
    store::delete(repo, stored)?;
    Ok(out)
}

/// Why the track's branch must not be deleted, if it must not: it is the integration
/// branch, checked out in a worktree other than the track's own (which is being
/// removed), a base branch, or a merge run is working on it.
fn why_branch_is_kept(
    repo: &Repo,
    track: &Track,
    own: Option<&Path>,
) -> Result<Option<KeepReason>> {
    let full = track.branch_ref();
    if full == repo.settings.integration_ref() {
        return Ok(Some(KeepReason::Integration));
    }
    if let Some(w) = repo
        .worktrees()?
        .into_iter()
        .find(|w| w.branch.as_deref() == Some(full.as_str()) && Some(w.path.as_path()) != own)
    {
        return Ok(Some(KeepReason::CheckedOut(w.path)));
    }
    for (base, why) in [
        (repo.settings.base.as_str(), KeepReason::RepositoryBase),
        (track.base.refname.as_str(), KeepReason::TrackBase),
    ] {
        if let Ok(Some(r)) = repo.gix.try_find_reference(base)
            && r.name().as_bstr() == full.as_str()
        {
            return Ok(Some(why));
        }
    }
    if let Ok(Some(st)) = crate::merge::state::load(repo)
        && st.full_ref() == full
    {
        return Ok(Some(KeepReason::MergeRun));
    }
    Ok(None)
}

/// `remove --force` of a definition ref that cannot be read: the ref is saved under
/// `refs/tracks-backup/` and deleted.
fn remove_corrupt(repo: &Repo, name: &str) -> Result<Removed> {
    let refname = store::ref_name(name);
    let reference = repo.gix.find_reference(refname.as_str())?;
    let Some(id) = reference.target().try_id().map(ToOwned::to_owned) else {
        return Err(LifecycleError::SymbolicDefinition { refname }.into());
    };
    let backup = save_backup(repo, name, "definition", id)?;
    delete_ref(repo, &refname, id)?;
    Ok(Removed {
        name: name.to_owned(),
        saved: vec![backup],
        corrupt: true,
        ..Default::default()
    })
}

/// Is `tip` contained in the integration branch or the base?
fn is_merged(repo: &Repo, tip: ObjectId) -> Result<bool> {
    for rev in [repo.settings.integration_ref(), repo.settings.base.clone()] {
        if let Some(target) = repo.try_resolve_commit(&rev)
            && repo.is_ancestor(tip, target)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}
