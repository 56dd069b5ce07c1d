//! `git track fetch`: the remote's definitions, notes and branches into their
//! remote-tracking namespaces, then reconciled with the local ones.

use super::notes::{self, NotesAction};
use super::reconcile::{self, Reconciled};
use super::synced::Agreed;
use super::{Remote, lock};
use crate::git;
use crate::repo::Repo;
use crate::store::Invalid;
use anyhow::Result;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Fetched {
    pub remote: String,
    pub tracks: Vec<Reconciled>,
    /// Refs that hold no valid definition, skipped.
    pub invalid: Vec<Invalid>,
    pub notes: NotesAction,
    /// Why the record of what was in sync could not be read (then nothing is removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl Fetched {
    pub fn has_conflicts(&self) -> bool {
        reconcile::any_conflict(&self.tracks)
    }
}

/// Fetches from `remote` and reconciles.
pub fn fetch(repo: &Repo, remote: &Remote) -> Result<Fetched> {
    let _lock = lock(repo, remote)?;
    download(repo, remote)?;
    let mut synced = Agreed::load(repo, &remote.name);
    let report = reconcile::all(repo, remote, &mut synced);
    synced.save()?;
    let report = report?;
    let notes = notes::reconcile(repo, remote)?;
    Ok(Fetched {
        remote: remote.name.clone(),
        tracks: report.tracks,
        invalid: report.invalid,
        notes,
        warning: synced.damaged.clone(),
    })
}

/// The network part: `git fetch --prune` of definitions, notes and branches.
pub fn download(repo: &Repo, remote: &Remote) -> Result<()> {
    git::fetch(
        &super::git_dir_for_commands(repo),
        &remote.name,
        &remote.fetch_refspecs(),
        true,
    )
}
