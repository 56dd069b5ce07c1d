//! What one track brings into the integration branch: its tip merged into the integration
//! tip in memory, and the difference from that tip to the merge result.

use super::Basis;
use super::hunks::Lines;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::diff::tree_with_rewrites::{Change as DiffChange, ChangeRef, Options as DiffOptions};
use gix::merge::plumbing::tree::TreatAsUnresolved;
use gix::objs::TreeRefIter;
use gix::objs::tree::EntryMode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The revision graph merge-base searches share (it caches commits between searches).
pub(super) type Graph<'a, 'c> = gix::revwalk::Graph<
    'a,
    'c,
    gix::revwalk::graph::Commit<gix::revision::plumbing::merge_base::Flags>,
>;

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
    #[serde(with = "hex_id")]
    pub old_tree: ObjectId,
    /// The merge result M_T (for a clean track), or the tip's tree.
    #[serde(with = "hex_id")]
    pub new_tree: ObjectId,
    /// Sorted by path.
    pub changes: Vec<Change>,
    /// Line hunks of changed files, computed on demand, by path.
    #[serde(default)]
    pub lines: BTreeMap<String, Lines>,
}

/// Per-thread tools for merging and diffing, reused across tracks.
pub(super) struct Worker<'r> {
    pub repo: &'r gix::Repository,
    pub diff_cache: gix::diff::blob::Platform,
    pub blob_merge: gix::merge::blob::Platform,
    pub state: gix::diff::tree::State,
    pub tree_options: gix::merge::plumbing::tree::Options,
}

impl<'r> Worker<'r> {
    pub fn new(
        repo: &'r gix::Repository,
        tree_options: gix::merge::plumbing::tree::Options,
    ) -> Result<Worker<'r>> {
        Ok(Worker {
            repo,
            diff_cache: repo
                .diff_resource_cache_for_tree_diff()
                .context("could not set up diffs")?,
            blob_merge: repo
                .merge_resource_cache(Default::default())
                .context("could not set up merges")?,
            state: Default::default(),
            tree_options,
        })
    }

    /// Merges `tip` into `integration` in memory and returns what it brings.
    pub fn effect(
        &mut self,
        graph: &mut Graph<'_, '_>,
        integration: ObjectId,
        integration_tree: ObjectId,
        tip: ObjectId,
    ) -> Result<Effect> {
        let repo = self.repo;
        let bases = gix::revision::plumbing::merge_base(integration, &[tip], graph)
            .map_err(|e| anyhow!("{e}"))
            .context("could not find the merge base")?;
        let tip_tree = commit_tree(repo, tip)?;
        let Some(bases) = bases else {
            // Unrelated histories: git refuses the merge; compare the whole tip.
            let empty = ObjectId::empty_tree(repo.object_hash());
            return Ok(Effect {
                clean: false,
                merged: false,
                basis: Basis::ForkPoint,
                conflicts: vec!["(unrelated histories)".to_owned()],
                old_tree: empty,
                new_tree: tip_tree,
                changes: self.diff(empty, tip_tree)?,
                lines: BTreeMap::new(),
            });
        };
        if bases.iter().any(|b| *b == tip) {
            return Ok(Effect {
                clean: true,
                merged: true,
                basis: Basis::Integration,
                conflicts: Vec::new(),
                old_tree: integration_tree,
                new_tree: integration_tree,
                changes: Vec::new(),
                lines: BTreeMap::new(),
            });
        }
        if bases.len() == 1 && *bases.first() == integration {
            // The track contains the integration tip: the merge is a fast-forward.
            return Ok(Effect {
                clean: true,
                merged: false,
                basis: Basis::Integration,
                conflicts: Vec::new(),
                old_tree: integration_tree,
                new_tree: tip_tree,
                changes: self.diff(integration_tree, tip_tree)?,
                lines: BTreeMap::new(),
            });
        }
        let base_tree = if bases.len() == 1 {
            commit_tree(repo, *bases.first())?
        } else {
            let ids: Vec<ObjectId> = bases.iter().copied().collect();
            self.virtual_base(graph, ids)?
        };
        let (result_tree, conflicts) = self.merge_trees(base_tree, integration_tree, tip_tree)?;
        match result_tree {
            Some(new_tree) => Ok(Effect {
                clean: true,
                merged: false,
                basis: Basis::Integration,
                conflicts: Vec::new(),
                old_tree: integration_tree,
                new_tree,
                changes: self.diff(integration_tree, new_tree)?,
                lines: BTreeMap::new(),
            }),
            None => Ok(Effect {
                clean: false,
                merged: false,
                basis: Basis::ForkPoint,
                conflicts,
                old_tree: base_tree,
                new_tree: tip_tree,
                changes: self.diff(base_tree, tip_tree)?,
                lines: BTreeMap::new(),
            }),
        }
    }

    /// Several merge bases are merged into one virtual base, as git's recursive merge does.
    fn virtual_base(
        &mut self,
        graph: &mut Graph<'_, '_>,
        mut ids: Vec<ObjectId>,
    ) -> Result<ObjectId> {
        let repo = self.repo;
        let (Some(first), Some(second)) = (ids.pop(), ids.pop()) else {
            return Err(anyhow!("expected several merge bases"));
        };
        let out = gix::merge::plumbing::commit::virtual_merge_base(
            first,
            second,
            ids,
            graph,
            &mut self.diff_cache,
            &mut self.blob_merge,
            repo,
            &mut |id| id.to_hex_with_len(7).to_string(),
            self.tree_options.clone(),
        )
        .map_err(|e| anyhow!("{e}"))
        .context("could not merge the merge bases")?;
        Ok(out.tree_id)
    }

    /// A 3-way merge of trees in memory: the result tree when clean, else the paths that
    /// conflict (as git counts conflicts).
    pub fn merge_trees(
        &mut self,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<(Option<ObjectId>, Vec<String>)> {
        let repo = self.repo;
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: Some("base".into()),
            current: Some("ours".into()),
            other: Some("theirs".into()),
        };
        let mut outcome = gix::merge::plumbing::tree(
            &base,
            &ours,
            &theirs,
            labels,
            repo,
            |buf| gix::objs::Write::write_buf(repo, gix::objs::Kind::Blob, buf),
            &mut self.state,
            &mut self.diff_cache,
            &mut self.blob_merge,
            self.tree_options.clone(),
        )
        .map_err(|e| anyhow!("{e}"))
        .context("in-memory merge failed")?;
        self.diff_cache.clear_resource_cache_keep_allocation();
        let how = TreatAsUnresolved::git();
        if outcome.has_unresolved_conflicts(how) {
            let mut paths: Vec<String> = outcome
                .conflicts
                .iter()
                .filter(|c| c.is_unresolved(how))
                .flat_map(|c| {
                    let (ours, theirs) = c.changes_in_resolution();
                    [ours.location().to_string(), theirs.location().to_string()]
                })
                .collect();
            paths.sort();
            paths.dedup();
            return Ok((None, paths));
        }
        let tree = outcome
            .tree
            .write(|tree| repo.write_object(tree).map(|id| id.detach()))
            .map_err(|e| anyhow!("{e}"))
            .context("could not write the merged tree to memory")?;
        Ok((Some(tree), Vec::new()))
    }

    /// The changed non-tree entries from `old` to `new`, renames followed, sorted by path.
    pub fn diff(&mut self, old: ObjectId, new: ObjectId) -> Result<Vec<Change>> {
        let repo = self.repo;
        let mut changes = Vec::new();
        if old == new {
            return Ok(changes);
        }
        let old_data = repo.find_tree(old)?.detach().data;
        let new_data = repo.find_tree(new)?.detach().data;
        let options = DiffOptions {
            location: Some(gix::diff::tree::recorder::Location::Path),
            rewrites: self.tree_options.rewrites,
        };
        gix::diff::tree_with_rewrites(
            TreeRefIter::from_bytes(&old_data, repo.object_hash()),
            TreeRefIter::from_bytes(&new_data, repo.object_hash()),
            &mut self.diff_cache,
            &mut self.state,
            &repo.objects,
            |change: ChangeRef<'_>| {
                record(change.into_owned(), &mut changes);
                Ok(std::ops::ControlFlow::Continue(()))
            },
            options,
        )
        .map_err(|e| anyhow!("{e}"))
        .context("tree diff failed")?;
        self.diff_cache.clear_resource_cache_keep_allocation();
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(changes)
    }
}

fn record(change: DiffChange, out: &mut Vec<Change>) {
    let path = |p: &gix::bstr::BString| p.to_str_lossy().into_owned();
    match change {
        DiffChange::Addition {
            location,
            entry_mode,
            id,
            ..
        } if !entry_mode.is_tree() => out.push(Change {
            path: path(&location),
            kind: ChangeKind::Added,
            other: None,
            old: None,
            new: Some(Entry::new(entry_mode, id)),
        }),
        DiffChange::Deletion {
            location,
            entry_mode,
            id,
            ..
        } if !entry_mode.is_tree() => out.push(Change {
            path: path(&location),
            kind: ChangeKind::Deleted,
            other: None,
            old: Some(Entry::new(entry_mode, id)),
            new: None,
        }),
        DiffChange::Modification {
            location,
            previous_entry_mode,
            previous_id,
            entry_mode,
            id,
        } => {
            // A tree turned into a file (or back) shows as a deletion plus an addition.
            match (previous_entry_mode.is_tree(), entry_mode.is_tree()) {
                (false, false) => out.push(Change {
                    path: path(&location),
                    kind: ChangeKind::Modified,
                    other: None,
                    old: Some(Entry::new(previous_entry_mode, previous_id)),
                    new: Some(Entry::new(entry_mode, id)),
                }),
                (true, false) => out.push(Change {
                    path: path(&location),
                    kind: ChangeKind::Added,
                    other: None,
                    old: None,
                    new: Some(Entry::new(entry_mode, id)),
                }),
                (false, true) => out.push(Change {
                    path: path(&location),
                    kind: ChangeKind::Deleted,
                    other: None,
                    old: Some(Entry::new(previous_entry_mode, previous_id)),
                    new: None,
                }),
                (true, true) => {}
            }
        }
        DiffChange::Rewrite {
            source_location,
            source_entry_mode,
            source_id,
            entry_mode,
            id,
            location,
            copy,
            ..
        } if !entry_mode.is_tree() => {
            let (from, to) = (path(&source_location), path(&location));
            if !copy {
                out.push(Change {
                    path: from.clone(),
                    kind: ChangeKind::Renamed,
                    other: Some(to.clone()),
                    old: Some(Entry::new(source_entry_mode, source_id)),
                    new: None,
                });
            }
            out.push(Change {
                path: to,
                kind: if copy {
                    ChangeKind::Added
                } else {
                    ChangeKind::RenamedInto
                },
                other: (!copy).then_some(from),
                old: None,
                new: Some(Entry::new(entry_mode, id)),
            });
        }
        _ => {}
    }
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
