//! What one track brings into the integration branch: its tip merged into the integration
//! tip in memory, and the difference from that tip to the merge result.
//!
//! Here, the effective change as the cache stores it ([`Effect`], its [`Change`]s and
//! their [`Entry`]s); the [`Worker`] that makes it lives in `worker`, with its merges in
//! `track` (a track into the integration tip) and `pair` (a pair's ordered merge), and
//! its tree diffs in `diff`.

mod diff;
mod pair;
mod track;
mod worker;

use super::Basis;
use super::hunks::Lines;
use anyhow::{Context, Result};
use gix::ObjectId;
use gix::objs::tree::EntryMode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(super) use pair::PartialVerdict;
pub(super) use track::PartialEffect;
pub(super) use worker::{Graph, Walk, Worker};

/// How a path changed in a track's effective change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Deleted,
    Modified,
    /// The path was renamed away (to `other`).
    Renamed,
    /// The path was created by renaming `other`.
    RenamedInto,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Modified => "modified",
            ChangeKind::Renamed => "renamed",
            ChangeKind::RenamedInto => "renamed-into",
        }
    }
}

/// One entry of a tree: its mode bits and object id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub mode: u16,
    #[serde(with = "hex_id")]
    pub id: ObjectId,
}

impl Entry {
    fn new(mode: EntryMode, id: ObjectId) -> Entry {
        Entry {
            mode: mode.value(),
            id,
        }
    }

    pub fn is_blob(&self) -> bool {
        matches!(self.mode, 0o100644 | 0o100755)
    }

    /// A submodule's commit, which the repository does not hold.
    pub fn is_gitlink(&self) -> bool {
        self.mode == 0o160000
    }
}

/// One changed path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    /// The rename counterpart: the destination of `Renamed`, the source of `RenamedInto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    /// The entry before (in the integration tip, or the fork point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Entry>,
    /// The entry after (in the merge result, or the track's tip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Entry>,
}

/// A track's effective change, as the cache stores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Effect {
    /// Does the track merge into the integration tip without conflict?
    pub clean: bool,
    /// Is the tip already contained in the integration tip?
    pub merged: bool,
    pub basis: Basis,
    /// Paths that conflict with the integration tip.
    pub conflicts: Vec<String>,
    /// The tree changes are measured from: the integration tip's, or the fork point's.
    /// For a clean track, the merge result M_T is this tree with `changes` applied.
    #[serde(with = "hex_id")]
    pub old_tree: ObjectId,
    /// Sorted by path.
    pub changes: Vec<Change>,
    /// Line hunks of changed files, computed on demand, by path.
    #[serde(default)]
    pub lines: BTreeMap<String, Lines>,
}

pub(super) fn commit_tree(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId> {
    Ok(repo
        .find_commit(commit)
        .with_context(|| format!("{commit} is not a commit"))?
        .tree_id()?
        .detach())
}

/// Object ids as hex strings in the cache file.
pub(super) mod hex_id {
    use gix::ObjectId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &ObjectId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&id.to_hex().to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectId, D::Error> {
        let text = String::deserialize(d)?;
        ObjectId::from_hex(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

/// The effective change of a track that merges cleanly: `changes` on the integration tip.
fn clean_effect(integration_tree: ObjectId, changes: Vec<Change>) -> Effect {
    Effect {
        clean: true,
        merged: false,
        basis: Basis::Integration,
        conflicts: Vec::new(),
        old_tree: integration_tree,
        changes,
        lines: BTreeMap::new(),
    }
}
