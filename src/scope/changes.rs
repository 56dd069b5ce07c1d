//! Which paths changed: between two commits, between HEAD and the index (what a commit
//! would record), and in a worktree (staged, unstaged and untracked). A rename shows as
//! its old and its new path, since no rename detection is asked for.
//!
//! The index is compared with HEAD the way git does it: directories whose cached tree id
//! (the index's cache-tree extension) equals HEAD's are skipped without being read, so
//! the cost follows the size of the change, not of the repository.

use anyhow::{Context, Result};
use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
use gix::index::entry::{Flags, Mode, Stage};
use gix::index::extension::Tree as CacheTree;
use gix::object::tree::diff::Change;
use gix::objs::tree::EntryMode;
use gix::prelude::FindExt;
use std::ops::Range;

/// Paths that differ between the trees of two commits.
///
/// A plain tree diff, without gix's diff platform: that one builds a resource cache with
/// attributes from the whole index each time (a 100,000-entry index scanned per call made
/// `status` of 1,000 tracks spend half its time there), and no content is compared here.
pub fn between(repo: &gix::Repository, from: ObjectId, to: ObjectId) -> Result<Vec<String>> {
    use gix::diff::tree::recorder::Change as Recorded;
    let tree_of = |id: ObjectId| -> Result<Vec<u8>> {
        Ok(repo
            .find_object(id)
            .with_context(|| format!("could not read object {id}"))?
            .peel_to_tree()
            .with_context(|| format!("{id} is not a commit or a tree"))?
            .detach()
            .data)
    };
    let (old, new) = (tree_of(from)?, tree_of(to)?);
    if old == new {
        return Ok(Vec::new());
    }
    let records = tree_diff(repo, &old, &new)
        .with_context(|| format!("could not compare the trees of {from} and {to}"))?;
    let mut out: Vec<String> = records
        .into_iter()
        .filter_map(|change| {
            let file = match &change {
                Recorded::Modification {
                    previous_entry_mode,
                    entry_mode,
                    ..
                } => !previous_entry_mode.is_tree() || !entry_mode.is_tree(),
                Recorded::Addition { entry_mode, .. } | Recorded::Deletion { entry_mode, .. } => {
                    !entry_mode.is_tree()
                }
            };
            let path = match change {
                Recorded::Modification { path, .. }
                | Recorded::Addition { path, .. }
                | Recorded::Deletion { path, .. } => path,
            };
            file.then(|| path.to_string())
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every entry that differs between two trees (given as their raw data), folders and
/// their files alike: gix's plain tree diff, with no attributes, renames or content.
pub fn tree_diff(
    repo: &gix::Repository,
    old: &[u8],
    new: &[u8],
) -> Result<Vec<gix::diff::tree::recorder::Change>> {
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(old, repo.object_hash()),
        gix::objs::TreeRefIter::from_bytes(new, repo.object_hash()),
        &mut gix::diff::tree::State::default(),
        &repo.objects,
        &mut recorder,
    )?;
    Ok(recorder.records)
}

/// Does a tree-diff change concern a file (blob, symlink, submodule)? Folders are left
/// out, except where a file became a folder or back: then the path changed too.
pub fn is_file_change(change: &Change<'_, '_, '_>) -> bool {
    match change {
        Change::Modification {
            previous_entry_mode,
            entry_mode,
            ..
        } => !previous_entry_mode.is_tree() || !entry_mode.is_tree(),
        other => !other.entry_mode().is_tree(),
    }
}

/// Every file (blob, symlink or submodule) of a tree, sorted.
pub fn all_files(repo: &gix::Repository, tree: ObjectId) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut prefix = BString::default();
    files_below(repo, tree, &mut prefix, &mut |p| out.push(p.to_string()))?;
    Ok(out)
}

fn files_below(
    repo: &gix::Repository,
    tree: ObjectId,
    prefix: &mut BString,
    emit: &mut dyn FnMut(&BStr),
) -> Result<()> {
    for (name, mode, id) in read_tree(repo, tree)? {
        let len = prefix.len();
        prefix.extend_from_slice(&name);
        if mode.is_tree() {
            prefix.push(b'/');
            files_below(repo, id, prefix, emit)?;
        } else {
            emit(prefix.as_bstr());
        }
        prefix.truncate(len);
    }
    Ok(())
}

fn read_tree(repo: &gix::Repository, id: ObjectId) -> Result<Vec<(BString, EntryMode, ObjectId)>> {
    let mut buf = Vec::new();
    let tree = repo
        .objects
        .find_tree(&id, &mut buf)
        .with_context(|| format!("could not read tree {id}"))?;
    Ok(tree
        .entries
        .iter()
        .map(|e| (e.filename.to_owned(), e.mode, e.oid.to_owned()))
        .collect())
}

/// Opens the index git would use here (honouring `GIT_INDEX_FILE`), without verifying its
/// checksum, as git itself does not on every read; an absent index is empty.
pub fn open_index(repo: &gix::Repository) -> Result<gix::index::File> {
    let path = repo.index_path();
    if !path.exists() {
        return Ok(gix::index::File::from_state(
            gix::index::State::new(repo.object_hash()),
            path,
        ));
    }
    gix::index::File::at(
        &path,
        repo.object_hash(),
        true,
        gix::index::decode::Options::default(),
    )
    .with_context(|| format!("could not read the index {}", path.display()))
}

/// HEAD's tree; `None` on an unborn branch.
pub fn head_tree(repo: &gix::Repository) -> Result<Option<ObjectId>> {
    let head = repo.head().context("could not read HEAD")?;
    if head.is_unborn() {
        return Ok(None);
    }
    Ok(Some(
        repo.head_tree_id()
            .context("could not read HEAD's tree")?
            .detach(),
    ))
}

/// Paths whose staged content differs from HEAD: what `git diff --cached --name-only` lists.
pub fn staged(repo: &gix::Repository) -> Result<Vec<String>> {
    let index = open_index(repo)?;
    staged_in(repo, &index, head_tree(repo)?)
}

/// Like [`staged`], with an index the caller already holds.
pub fn staged_in(
    repo: &gix::Repository,
    index: &gix::index::State,
    head_tree: Option<ObjectId>,
) -> Result<Vec<String>> {
    let mut walk = IndexWalk {
        repo,
        index,
        out: Vec::new(),
    };
    let mut prefix = BString::default();
    walk.dir(
        head_tree,
        index.tree(),
        &mut prefix,
        0..index.entries().len(),
    )?;
    let mut out: Vec<String> = walk.out.iter().map(|p| p.to_string()).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

struct IndexWalk<'a> {
    repo: &'a gix::Repository,
    index: &'a gix::index::State,
    out: Vec<BString>,
}

/// One name in a directory as seen from the index: a file (all its stages) or a folder
/// (all entries below it).
struct Group<'p> {
    name: &'p [u8],
    is_dir: bool,
    range: Range<usize>,
}

impl IndexWalk<'_> {
    fn path(&self, i: usize) -> &BStr {
        self.index.entries()[i].path(self.index)
    }

    /// The group of index entries that starts at `start` (below `prefix`).
    fn group(&self, start: usize, end: usize, prefix_len: usize) -> Group<'_> {
        let path = self.path(start);
        // Entries are sorted, so every one in range is below the prefix; stay safe on an
        // index that is not.
        let rel = path.get(prefix_len..).unwrap_or_default();
        match rel.find_byte(b'/') {
            Some(slash) => {
                let dir_len = prefix_len + slash + 1;
                let dir = &path[..dir_len];
                let entries = &self.index.entries()[start..end];
                let n = entries
                    .partition_point(|e| e.path(self.index).starts_with(dir))
                    .max(1);
                Group {
                    name: &rel[..slash],
                    is_dir: true,
                    range: start..start + n,
                }
            }
            None => {
                let mut stop = start + 1;
                while stop < end && self.path(stop) == path {
                    stop += 1;
                }
                Group {
                    name: rel,
                    is_dir: false,
                    range: start..stop,
                }
            }
        }
    }

    fn is_intent_to_add(&self, i: usize) -> bool {
        self.index.entries()[i].flags.contains(Flags::INTENT_TO_ADD)
    }

    /// Compares HEAD's `tree` (or nothing) with the index entries in `range`, all below
    /// `prefix` (empty or ending in `/`).
    fn dir(
        &mut self,
        tree: Option<ObjectId>,
        cache: Option<&CacheTree>,
        prefix: &mut BString,
        range: Range<usize>,
    ) -> Result<()> {
        if let (Some(tree), Some(cache)) = (tree, cache)
            && cache.id == tree
            && cache.num_entries.map(|n| n as usize) == Some(range.len())
        {
            return Ok(());
        }
        let tree_entries = match tree {
            Some(id) => read_tree(self.repo, id)?,
            None => Vec::new(),
        };
        let mut t = 0;
        let mut i = range.start;
        while t < tree_entries.len() || i < range.end {
            let group = (i < range.end).then(|| self.group(i, range.end, prefix.len()));
            let order = match (&group, tree_entries.get(t)) {
                (Some(g), Some((name, mode, _))) => {
                    gix::objs::tree::name_order(g.name, g.is_dir, name, mode.is_tree())
                }
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, _) => std::cmp::Ordering::Greater,
            };
            let len = prefix.len();
            match (order, group) {
                (std::cmp::Ordering::Less, Some(g)) => {
                    let (name, range, is_dir) = (g.name.to_owned(), g.range.clone(), g.is_dir);
                    i = range.end;
                    prefix.extend_from_slice(&name);
                    self.added(cache, &name, prefix, is_dir, range)?;
                }
                (std::cmp::Ordering::Equal, Some(g)) => {
                    let (name, range, is_dir) = (g.name.to_owned(), g.range.clone(), g.is_dir);
                    let (_, mode, id) = &tree_entries[t];
                    let (mode, id) = (*mode, *id);
                    i = range.end;
                    t += 1;
                    prefix.extend_from_slice(&name);
                    self.in_both(cache, &name, prefix, is_dir, range, (mode, id))?;
                }
                _ => {
                    let (name, mode, id) = &tree_entries[t];
                    t += 1;
                    prefix.extend_from_slice(name);
                    self.deleted(prefix, *mode, *id)?;
                }
            }
            prefix.truncate(len);
        }
        Ok(())
    }

    /// `name`, only in the index (its entries in `range`), at `prefix`: added (a file only
    /// intended to be added is not, as git has it). `cache`: the folder's cache tree.
    fn added(
        &mut self,
        cache: Option<&CacheTree>,
        name: &[u8],
        prefix: &mut BString,
        is_dir: bool,
        range: Range<usize>,
    ) -> Result<()> {
        if is_dir {
            prefix.push(b'/');
            let child = cache.and_then(|c| child(c, name));
            self.dir(None, child, prefix, range)?;
        } else if range.clone().any(|k| !self.is_intent_to_add(k)) {
            self.out.push(prefix.clone());
        }
        Ok(())
    }

    /// `name`, in both, at `prefix`: HEAD's entry (`head`: its mode and id) against the
    /// index entries in `range`. `cache`: the folder's cache tree.
    fn in_both(
        &mut self,
        cache: Option<&CacheTree>,
        name: &[u8],
        prefix: &mut BString,
        is_dir: bool,
        range: Range<usize>,
        (mode, id): (EntryMode, ObjectId),
    ) -> Result<()> {
        if is_dir {
            prefix.push(b'/');
            let sparse = self.index.entries()[range.start].mode == Mode::DIR;
            if sparse {
                let entry_id = self.index.entries()[range.start].id;
                if entry_id != id {
                    self.tree_diff(id, entry_id, prefix)?;
                }
            } else {
                let child = cache.and_then(|c| child(c, name));
                self.dir(Some(id), child, prefix, range)?;
            }
        } else if self.file_changed(range, mode, id) {
            self.out.push(prefix.clone());
        }
        Ok(())
    }

    /// HEAD's entry (`mode`, `id`), only in HEAD, at `prefix`: deleted, with every file
    /// below it.
    fn deleted(&mut self, prefix: &mut BString, mode: EntryMode, id: ObjectId) -> Result<()> {
        if mode.is_tree() {
            prefix.push(b'/');
            let out = &mut self.out;
            files_below(self.repo, id, prefix, &mut |p| out.push(p.to_owned()))?;
        } else {
            self.out.push(prefix.clone());
        }
        Ok(())
    }

    fn file_changed(&self, range: Range<usize>, mode: EntryMode, id: ObjectId) -> bool {
        let entries = &self.index.entries()[range];
        match entries {
            [entry] if entry.stage() == Stage::Unconflicted => {
                entry.flags.contains(Flags::INTENT_TO_ADD)
                    || entry.id != id
                    || entry.mode.to_tree_entry_mode() != Some(mode)
            }
            // Several stages: an unresolved conflict.
            _ => true,
        }
    }

    /// A sparse-index folder entry whose tree differs from HEAD's: list what differs.
    fn tree_diff(&mut self, old: ObjectId, new: ObjectId, prefix: &BString) -> Result<()> {
        for path in between(self.repo, old, new)? {
            let mut full = prefix.clone();
            full.extend_from_slice(path.as_bytes());
            self.out.push(full);
        }
        Ok(())
    }
}

fn child<'c>(cache: &'c CacheTree, name: &[u8]) -> Option<&'c CacheTree> {
    cache.children.iter().find(|c| c.name.as_slice() == name)
}

/// Everything not committed in a worktree: staged, unstaged and untracked (not ignored)
/// paths.
pub fn uncommitted(repo: &gix::Repository) -> Result<Vec<String>> {
    let mut iter = repo
        .status(gix::progress::Discard)?
        .untracked_files(gix::status::UntrackedFiles::Files)
        .index_worktree_rewrites(None)
        .tree_index_track_renames(gix::status::tree_index::TrackRenames::Disabled)
        .into_iter(None)
        .context("could not get the worktree's status")?;
    let mut out = Vec::new();
    for item in iter.by_ref() {
        let item = item?;
        if let gix::status::Item::IndexWorktree(change) = &item
            && change.summary().is_none()
        {
            continue;
        }
        out.push(item.location().to_string());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The commits a merge in progress brings in: `MERGE_HEAD`, and, while `git merge` runs
/// its hooks (before it writes `MERGE_HEAD`), the `GITHEAD_<id>` variables it sets.
pub fn merge_heads(repo: &gix::Repository) -> Vec<ObjectId> {
    let mut heads: Vec<ObjectId> = std::fs::read_to_string(repo.git_dir().join("MERGE_HEAD"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| ObjectId::from_hex(l.trim().as_bytes()).ok())
        .collect();
    for (key, _) in std::env::vars_os() {
        let Some(hex) = key.to_str().and_then(|k| k.strip_prefix("GITHEAD_")) else {
            continue;
        };
        if let Ok(id) = ObjectId::from_hex(hex.as_bytes())
            && !heads.contains(&id)
        {
            heads.push(id);
        }
    }
    heads
}

/// The blob at `path` in the tree of `commit`, if there is one.
pub fn blob_at(repo: &gix::Repository, commit: ObjectId, path: &str) -> Result<Option<ObjectId>> {
    let tree = repo.find_object(commit)?.peel_to_tree()?;
    Ok(tree
        .lookup_entry_by_path(path)?
        .filter(|e| !e.mode().is_tree())
        .map(|e| e.oid().to_owned()))
}

/// The tree of a commit (or a tree itself).
pub fn tree_of(repo: &gix::Repository, id: ObjectId) -> Result<ObjectId> {
    Ok(repo
        .find_object(id)
        .with_context(|| format!("could not read object {id}"))?
        .peel_to_tree()
        .with_context(|| format!("{id} is not a commit or a tree"))?
        .id)
}
