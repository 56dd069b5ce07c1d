//! The last steps of an import: the tracks' definitions, and creating their branches,
//! definitions and worktrees all together or not at all.

use super::{Adopted, ImportError, Planned, short};
use crate::lifecycle;
use crate::linked_worktree as worktree;
use crate::refs;
use crate::repo::Repo;
use crate::store;
use crate::track::{Base, Kind, Status, Track};
use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::refs::transaction::{PreviousValue, RefEdit};
use std::path::PathBuf;

/// The tracks' definitions, each forking where its tip left the base (one shared walk of
/// history for all of them).
pub(super) fn definitions(
    repo: &Repo,
    kind: Kind,
    base_ref: &str,
    base_commit: Option<ObjectId>,
    planned: &[Planned],
) -> Result<Vec<Track>> {
    let tips: Vec<ObjectId> = planned.iter().map(|p| p.candidate.tip).collect();
    let fork_points = match base_commit {
        Some(b) => repo.merge_base_many(&tips, b)?,
        None => vec![None; tips.len()],
    };
    let now = repo.timestamp();
    Ok(planned
        .iter()
        .zip(fork_points)
        .map(|(p, fork_point)| {
            let base = Base {
                refname: base_ref.to_owned(),
                commit: fork_point.unwrap_or(p.candidate.tip).to_string(),
            };
            definition(p, kind, base, &now)
        })
        .collect())
}

/// A new active track for `p`, described by the merge it came from.
fn definition(p: &Planned, kind: Kind, base: Base, now: &str) -> Track {
    Track {
        name: p.candidate.name.clone(),
        kind,
        status: Status::Active,
        branch: short(&p.branch).to_owned(),
        base,
        worktree: p.worktree.as_ref().map(|w| w.display().to_string()),
        scope: Vec::new(),
        contracts: Vec::new(),
        depends_on: Vec::new(),
        owner: None,
        estimate: None,
        experiment: None,
        hypothesis: None,
        description: p
            .candidate
            .merged_branch
            .as_ref()
            .map(|b| format!("Imported from the merge of '{b}'")),
        reason: None,
        created: now.to_owned(),
        updated: now.to_owned(),
    }
}

/// What the import reports of one track.
pub(super) fn adopted((p, t): (&Planned, &Track)) -> Adopted {
    let c = &p.candidate;
    Adopted {
        name: t.name.clone(),
        branch: t.branch.clone(),
        adopted: c.branch.is_some(),
        tip: c.tip.to_string(),
        fork_point: t.base.commit.clone(),
        merge: c.merge.map(|m| m.to_string()),
        merged_branch: c.merged_branch.clone(),
        worktree: t.worktree.clone(),
    }
}

/// Creates the branches and definitions in one transaction, then the worktrees; when a
/// worktree cannot be made, takes the refs away again.
pub(super) fn create(repo: &Repo, planned: &[Planned], tracks: &[Track]) -> Result<()> {
    // The definitions' objects are made in memory and written as one pack.
    let mut memory = repo.gix.clone().with_object_memory();
    let edits = ref_edits(&memory, planned, tracks)?;
    let objects = memory
        .objects
        .take_object_memory()
        .ok_or_else(|| anyhow!("internal error: the definitions were not kept in memory"))?;
    let pack = crate::pack::write(&repo.gix, objects)?;
    let names: Vec<String> = edits.iter().map(|e| e.name.as_bstr().to_string()).collect();
    let done = crate::repo::edit_references_packed(&repo.gix, edits);
    pack.release();
    let done = done.map_err(|e| {
        // A lock file a killed process left makes every attempt fail: name it.
        match names.iter().find_map(|n| repo.ref_lock_left(n)) {
            Some(locked) => anyhow::Error::from(locked),
            None => ImportError::Unwritable {
                cause: e.to_string(),
            }
            .into(),
        }
    })?;
    if store::existed_before(&done) {
        return Err(ImportError::CreatedMeanwhile.into());
    }
    if let Err(e) = add_worktrees(repo, planned, tracks) {
        undo(repo, planned, tracks);
        return Err(e);
    }
    Ok(())
}

/// The new branches (adopted ones stay as they are) and every definition.
fn ref_edits(
    repo: &gix::Repository,
    planned: &[Planned],
    tracks: &[Track],
) -> Result<Vec<RefEdit>> {
    let mut edits = Vec::with_capacity(2 * planned.len());
    for (p, t) in planned.iter().zip(tracks) {
        if p.candidate.branch.is_none() {
            edits.push(RefEdit::update_with_log(
                p.branch
                    .clone()
                    .try_into()
                    .map_err(|e| anyhow!("invalid branch name '{}': {e}", t.branch))?,
                p.candidate.tip,
                PreviousValue::MustNotExist,
                refs::logged(&format!("branch: Created by git track import {}", t.name)),
            ));
        }
        edits.push(store::new_definition_in_memory(repo, t)?.1);
    }
    Ok(edits)
}

/// Adds the worktrees asked for; on failure removes the ones it made.
fn add_worktrees(repo: &Repo, planned: &[Planned], tracks: &[Track]) -> Result<()> {
    let mut added: Vec<&PathBuf> = Vec::new();
    for (p, t) in planned.iter().zip(tracks) {
        let Some(path) = &p.worktree else {
            continue;
        };
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| anyhow!("could not create {}: {e}", path.display()))
            .and_then(|()| worktree::add_for_track(repo, path, t));
        if let Err(e) = result {
            for p in added {
                let _ = worktree::remove(repo, p, true);
            }
            return Err(e);
        }
        added.push(path);
    }
    Ok(())
}

/// Takes away the branches and definitions an import made.
fn undo(repo: &Repo, planned: &[Planned], tracks: &[Track]) {
    for (p, t) in planned.iter().zip(tracks) {
        if let Ok(Some(stored)) = store::load(repo, &t.name) {
            let _ = store::delete(repo, &stored);
        }
        if p.candidate.branch.is_none() {
            let _ = lifecycle::delete_ref(repo, &p.branch, p.candidate.tip);
        }
    }
}
