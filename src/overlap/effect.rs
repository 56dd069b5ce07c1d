//! What one track brings into the integration branch: its tip merged into the integration
//! tip in memory, and the difference from that tip to the merge result.

use super::Basis;
use super::hunks::Lines;
use crate::merge::verdict::{Deferred, Judge, Pending, Settled};
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::diff::tree_with_rewrites::{Change as DiffChange, ChangeRef, Options as DiffOptions};
use gix::objs::TreeRefIter;
use gix::objs::tree::EntryMode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// gix's revision graph, for its commit merge of unrelated histories.
pub(super) type Graph<'a, 'c> = gix::revwalk::Graph<
    'a,
    'c,
    gix::revwalk::graph::Commit<gix::revision::plumbing::merge_base::Flags>,
>;

/// How a worker finds merge bases: the process's shared commit graph ([`crate::dag`]),
/// read through the worker's repository (which holds the commits made in memory).
pub(super) struct Walk<'a> {
    pub graph: Graph<'a, 'a>,
    pub dag: &'a crate::dag::Dag,
    pub source: crate::dag::Source<'a>,
}

impl Walk<'_> {
    /// The one merge base of two merge `bases`, which git needs for its virtual base
    /// ([`crate::merge::verdict::Pending::on_virtual_base`]); `None` for any other
    /// number of bases, or when the two have several.
    pub fn base_of_bases(&self, bases: &[ObjectId]) -> Result<Option<ObjectId>> {
        let [first, second] = bases else {
            return Ok(None);
        };
        Ok(match self.merge_bases(*second, *first)?.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
    }

    /// The merge bases of `a` and `b` as git finds them, best first.
    pub fn merge_bases(&self, a: ObjectId, b: ObjectId) -> Result<Vec<ObjectId>> {
        self.dag
            .merge_bases(self.source, a, b)
            .with_context(|| format!("could not find the merge base of {a} and {b}"))
    }
}

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

/// A track's effective change, or the merge git still has to judge for it (all such
/// merges of a run go to git together, see [`Judge::finish`]).
pub(super) enum PartialEffect {
    Done(Effect),
    Git {
        pending: Pending,
        /// The tree of the fork point and of the tip: what the track is compared by when
        /// git finds a conflict.
        fork_tree: ObjectId,
        tip_tree: ObjectId,
    },
}

/// A pair's verdict (`None` when clean, else the paths), or the merge git still has to
/// judge.
pub(super) enum PartialVerdict {
    Done(Option<Vec<String>>),
    Git(Pending),
}

impl PartialVerdict {
    /// The verdict from git's answer on the merge.
    pub fn of(settled: Settled) -> Option<Vec<String>> {
        match settled {
            Settled::Clean(_) => None,
            Settled::Conflict(paths) => Some(paths),
        }
    }
}

/// Per-thread tools for merging and diffing, reused across tracks.
pub(super) struct Worker<'r> {
    pub repo: &'r gix::Repository,
    /// For tree diffs and rename detection.
    diff_cache: gix::diff::blob::Platform,
    /// For content merges, set up on first use.
    blob_merge: Option<gix::merge::blob::Platform>,
    state: gix::diff::tree::State,
    tree_options: gix::merge::plumbing::tree::Options,
    /// What git leaves unresolved (text merges judged by git itself).
    judge: Judge,
    /// Tree entries looked up by (tree, path), for the check that a track's changes
    /// apply as they are.
    entries: HashMap<(ObjectId, String), Option<(u16, ObjectId)>>,
}

impl<'r> Worker<'r> {
    pub fn new(
        repo: &'r gix::Repository,
        tree_options: gix::merge::plumbing::tree::Options,
    ) -> Result<Worker<'r>> {
        let diff_cache = super::tools::diff_cache(repo)?;
        Ok(Worker {
            repo,
            diff_cache,
            blob_merge: None,
            judge: Judge::new(repo),
            state: Default::default(),
            tree_options,
            entries: HashMap::new(),
        })
    }

    /// The diff and merge platforms a tree merge needs.
    fn merge_tools(
        &mut self,
    ) -> Result<(
        &mut gix::diff::blob::Platform,
        &mut gix::merge::blob::Platform,
    )> {
        if self.blob_merge.is_none() {
            self.blob_merge = Some(super::tools::merge_cache(self.repo)?);
        }
        let blob_merge = self
            .blob_merge
            .as_mut()
            .ok_or_else(|| anyhow!("merge set-up missing"))?;
        Ok((&mut self.diff_cache, blob_merge))
    }

    /// Merges `tip` into `integration` (their merge bases: `bases`, best first) in memory
    /// and returns what it brings (or the merge git has to finish first).
    pub fn effect(
        &mut self,
        bases: &[ObjectId],
        base_of_bases: Option<ObjectId>,
        integration: ObjectId,
        integration_tree: ObjectId,
        tip: ObjectId,
    ) -> Result<PartialEffect> {
        let repo = self.repo;
        let tip_tree = commit_tree(repo, tip)?;
        let Some(&first_base) = bases.first() else {
            // Unrelated histories: git refuses the merge; compare the whole tip.
            let empty = ObjectId::empty_tree(repo.object_hash());
            return Ok(PartialEffect::Done(Effect {
                clean: false,
                merged: false,
                basis: Basis::ForkPoint,
                conflicts: vec!["(unrelated histories)".to_owned()],
                old_tree: empty,
                changes: self.diff(empty, tip_tree)?,
                lines: BTreeMap::new(),
            }));
        };
        if bases.contains(&tip) {
            let mut e = clean_effect(integration_tree, Vec::new());
            e.merged = true;
            return Ok(PartialEffect::Done(e));
        }
        if bases.len() == 1 && first_base == integration {
            // The track contains the integration tip: the merge is a fast-forward.
            let changes = self.diff(integration_tree, tip_tree)?;
            return Ok(PartialEffect::Done(clean_effect(integration_tree, changes)));
        }
        let fork_tree = commit_tree(repo, first_base)?;
        let by_git = || PartialEffect::Git {
            pending: Judge::by_git_later(bases, base_of_bases, integration, tip),
            fork_tree,
            tip_tree,
        };
        if bases.len() > 1 {
            // git's recursive virtual base is not gix's: git merges these.
            return Ok(by_git());
        }
        // Most tracks change paths the integration branch left alone since they forked:
        // then the merge is the integration tip plus the track's own changes, and those
        // are found without merging (as git's merge resolves untouched folders without
        // looking inside).
        let theirs = self.diff(fork_tree, tip_tree)?;
        if self.applies_as_is(fork_tree, integration_tree, &theirs)? {
            return Ok(PartialEffect::Done(clean_effect(integration_tree, theirs)));
        }
        // What only the integration branch changed since the fork point is left out of
        // the merge: rename detection over everything the branch gained is most of the
        // cost of a merge otherwise.
        let Some((pruned_base, pruned_tip)) =
            self.judge
                .trees_to_merge(repo, fork_tree, integration_tree, tip_tree)?
        else {
            return Ok(by_git());
        };
        match self.merge_trees(pruned_base, integration_tree, pruned_tip)? {
            Deferred::Settled(settled) => Ok(PartialEffect::Done(self.effect_of(
                settled,
                integration_tree,
                fork_tree,
                tip_tree,
            )?)),
            Deferred::Pending(pending) => Ok(PartialEffect::Git {
                pending,
                fork_tree,
                tip_tree,
            }),
        }
    }

    /// The effective change of a track whose merge into the integration tip ended so.
    pub fn effect_of(
        &mut self,
        merged: Settled,
        integration_tree: ObjectId,
        fork_tree: ObjectId,
        tip_tree: ObjectId,
    ) -> Result<Effect> {
        Ok(match merged {
            Settled::Clean(tree) => {
                clean_effect(integration_tree, self.diff(integration_tree, tree)?)
            }
            Settled::Conflict(conflicts) => Effect {
                clean: false,
                merged: false,
                basis: Basis::ForkPoint,
                conflicts,
                old_tree: fork_tree,
                changes: self.diff(fork_tree, tip_tree)?,
                lines: BTreeMap::new(),
            },
        })
    }

    /// Settles with git every pending merge of `partials`, in one run.
    pub fn finish_effects(
        &mut self,
        partials: Vec<PartialEffect>,
        integration_tree: ObjectId,
    ) -> Result<Vec<Effect>> {
        let mut pending = Vec::new();
        let mut slots = Vec::with_capacity(partials.len());
        for partial in partials {
            slots.push(match partial {
                PartialEffect::Done(effect) => Ok(effect),
                PartialEffect::Git {
                    pending: p,
                    fork_tree,
                    tip_tree,
                } => {
                    pending.push(p);
                    Err((fork_tree, tip_tree))
                }
            });
        }
        let mut settled = self.judge.finish(self.repo, pending)?.into_iter();
        slots
            .into_iter()
            .map(|slot| match slot {
                Ok(effect) => Ok(effect),
                Err((fork_tree, tip_tree)) => {
                    let merged = settled
                        .next()
                        .ok_or_else(|| anyhow!("internal error: git's verdict went missing"))?;
                    self.effect_of(merged, integration_tree, fork_tree, tip_tree)
                }
            })
            .collect()
    }

    /// Settles with git every pending merge of `partials`, in one run.
    pub fn finish_verdicts(
        &mut self,
        partials: Vec<PartialVerdict>,
    ) -> Result<Vec<Option<Vec<String>>>> {
        let mut pending = Vec::new();
        let mut slots = Vec::with_capacity(partials.len());
        for partial in partials {
            slots.push(match partial {
                PartialVerdict::Done(verdict) => Some(verdict),
                PartialVerdict::Git(p) => {
                    pending.push(p);
                    None
                }
            });
        }
        let mut settled = self.judge.finish(self.repo, pending)?.into_iter();
        slots
            .into_iter()
            .map(|slot| match slot {
                Some(verdict) => Ok(verdict),
                None => settled
                    .next()
                    .map(PartialVerdict::of)
                    .ok_or_else(|| anyhow!("internal error: git's verdict went missing")),
            })
            .collect()
    }

    /// Can `theirs` (a track's changes since the fork point `base_tree`) be applied to the
    /// integration tip as they are? True when, for every changed path, the folder holding
    /// it is the same in both trees: the integration branch changed nothing there, so
    /// git's merge resolves those folders trivially (as merge-ort does, without looking
    /// inside) and the result is the integration tip plus `theirs`. A deletion also needs
    /// every enclosing folder unchanged, so that git's directory-rename detection has
    /// nothing to act on. Anything else is left to a real merge.
    fn applies_as_is(
        &mut self,
        base_tree: ObjectId,
        integration_tree: ObjectId,
        theirs: &[Change],
    ) -> Result<bool> {
        for change in theirs {
            let deletion = change.new.is_none();
            let mut path = change.path.as_str();
            if !path.contains('/') {
                if self.entry_at(base_tree, path)? != self.entry_at(integration_tree, path)? {
                    return Ok(false);
                }
                continue;
            }
            while let Some(cut) = path.rfind('/') {
                path = &path[..cut];
                let before = self.entry_at(base_tree, path)?;
                if before != self.entry_at(integration_tree, path)? {
                    return Ok(false);
                }
                // An unchanged folder settles it (a folder missing on both sides does not).
                if before.is_some() && !deletion {
                    break;
                }
            }
        }
        Ok(true)
    }

    /// The entry at `path` in `tree`: its mode and id, or `None`.
    fn entry_at(&mut self, tree: ObjectId, path: &str) -> Result<Option<(u16, ObjectId)>> {
        let key = (tree, path.to_owned());
        if let Some(found) = self.entries.get(&key) {
            return Ok(*found);
        }
        let found = self
            .repo
            .find_tree(tree)?
            .lookup_entry_by_path(path)?
            .map(|e| (e.mode().value(), e.object_id()));
        self.entries.insert(key, found);
        Ok(found)
    }

    /// A 3-way merge of trees in memory, settled as git would, or left for git to finish.
    pub fn merge_trees(
        &mut self,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Deferred> {
        let repo = self.repo;
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: Some("base".into()),
            current: Some("ours".into()),
            other: Some("theirs".into()),
        };
        let options = self.tree_options.clone();
        let mut state = std::mem::take(&mut self.state);
        let (diff_cache, blob_merge) = self.merge_tools()?;
        let outcome = gix::merge::plumbing::tree(
            &base,
            &ours,
            &theirs,
            labels,
            repo,
            |buf| gix::objs::Write::write_buf(repo, gix::objs::Kind::Blob, buf),
            &mut state,
            diff_cache,
            blob_merge,
            options,
        );
        diff_cache.clear_resource_cache_keep_allocation();
        self.state = state;
        let mut outcome = outcome
            .map_err(|e| anyhow!("{e}"))
            .context("in-memory merge failed")?;
        self.judge.settle_later(repo, &mut outcome)
    }

    /// git's ordered merge of `theirs` into `ours` (commits whose merge bases, as git
    /// finds them, are `bases`): `None` when clean, else the paths that conflict — or the
    /// merge left for git.
    pub fn merge_commits(
        &mut self,
        walk: &mut Walk<'_>,
        bases: &[ObjectId],
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<PartialVerdict> {
        let repo = self.repo;
        let by_git = || -> Result<PartialVerdict> {
            Ok(PartialVerdict::Git(Judge::by_git_later(
                bases,
                walk.base_of_bases(bases)?,
                ours,
                theirs,
            )))
        };
        let base = match bases {
            [base] => *base,
            [] => {
                return Ok(PartialVerdict::Done(self.merge_commits_unrelated(
                    &mut walk.graph,
                    ours,
                    theirs,
                )?));
            }
            // Several merge bases: git's recursive virtual base is not gix's.
            _ => return by_git(),
        };
        let (base_tree, ours_tree, theirs_tree) = (
            commit_tree(repo, base)?,
            commit_tree(repo, ours)?,
            commit_tree(repo, theirs)?,
        );
        // What only `ours` changed is left out: for a pair, everything the integration
        // branch and the first track brought since the second track forked.
        let Some((base_tree, theirs_tree)) =
            self.judge
                .trees_to_merge(repo, base_tree, ours_tree, theirs_tree)?
        else {
            return by_git();
        };
        Ok(match self.merge_trees(base_tree, ours_tree, theirs_tree)? {
            Deferred::Settled(settled) => PartialVerdict::Done(PartialVerdict::of(settled)),
            Deferred::Pending(pending) => PartialVerdict::Git(pending),
        })
    }

    /// Two commits without a merge base: gix's commit merge says how it fails.
    fn merge_commits_unrelated(
        &mut self,
        graph: &mut Graph<'_, '_>,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Option<Vec<String>>> {
        let repo = self.repo;
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: None,
            current: Some("ours".into()),
            other: Some("theirs".into()),
        };
        let options = gix::merge::plumbing::commit::Options {
            allow_missing_merge_base: false,
            tree_merge: self.tree_options.clone(),
            use_first_merge_base: false,
        };
        let (diff_cache, blob_merge) = self.merge_tools()?;
        let outcome = gix::merge::plumbing::commit(
            ours,
            theirs,
            labels,
            graph,
            diff_cache,
            blob_merge,
            repo,
            &mut |id| id.to_hex_with_len(7).to_string(),
            options,
        );
        diff_cache.clear_resource_cache_keep_allocation();
        let mut outcome = outcome
            .map_err(|e| anyhow!("{e}"))
            .context("in-memory merge failed")?;
        Ok(match self.judge.settle(repo, &mut outcome.tree_merge)? {
            Settled::Clean(_) => None,
            Settled::Conflict(paths) => Some(paths),
        })
    }

    /// The changed non-tree entries from `old` to `new`, renames followed, sorted by path.
    pub fn diff(&mut self, old: ObjectId, new: ObjectId) -> Result<Vec<Change>> {
        let rewrites = self.tree_options.rewrites;
        self.diff_with(old, new, rewrites)
    }

    fn diff_with(
        &mut self,
        old: ObjectId,
        new: ObjectId,
        rewrites: Option<gix::diff::Rewrites>,
    ) -> Result<Vec<Change>> {
        let repo = self.repo;
        let mut changes = Vec::new();
        if old == new {
            return Ok(changes);
        }
        let old_data = repo.find_tree(old)?.detach().data;
        let new_data = repo.find_tree(new)?.detach().data;
        let options = DiffOptions {
            location: Some(gix::diff::tree::recorder::Location::Path),
            rewrites,
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
