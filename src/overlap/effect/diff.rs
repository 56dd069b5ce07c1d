//! Tree diffs as effective changes: the changed files from one tree to another, renames
//! followed, each recorded as a [`Change`].

use super::{Change, ChangeKind, Entry, Worker};
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::diff::tree_with_rewrites::{Change as DiffChange, ChangeRef, Options as DiffOptions};
use gix::objs::TreeRefIter;
use gix::objs::tree::EntryMode;

impl Worker<'_> {
    /// The changed non-tree entries from `old` to `new`, renames followed, sorted by path.
    pub fn diff(&mut self, old: ObjectId, new: ObjectId) -> Result<Vec<Change>> {
        let rewrites = self.tools.options.rewrites;
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
            &mut self.tools.diff_cache,
            &mut self.tools.state,
            &repo.objects,
            |change: ChangeRef<'_>| {
                record(change.into_owned(), &mut changes);
                Ok(std::ops::ControlFlow::Continue(()))
            },
            options,
        )
        .map_err(|e| anyhow!("{e}"))
        .context("tree diff failed")?;
        self.tools.diff_cache.clear_resource_cache_keep_allocation();
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(changes)
    }
}

/// Records one change of a tree diff as the changes of the files it touches; folders
/// are not recorded themselves, the files in them are.
fn record(change: DiffChange, out: &mut Vec<Change>) {
    match change {
        DiffChange::Addition {
            location,
            entry_mode,
            id,
            ..
        } if !entry_mode.is_tree() => {
            out.push(Change::added(path(&location), Entry::new(entry_mode, id)))
        }
        DiffChange::Deletion {
            location,
            entry_mode,
            id,
            ..
        } if !entry_mode.is_tree() => {
            out.push(Change::deleted(path(&location), Entry::new(entry_mode, id)))
        }
        DiffChange::Modification {
            location,
            previous_entry_mode,
            previous_id,
            entry_mode,
            id,
        } => out.extend(modified(
            &location,
            (previous_entry_mode, previous_id),
            (entry_mode, id),
        )),
        DiffChange::Rewrite {
            source_location,
            source_entry_mode,
            source_id,
            entry_mode,
            id,
            location,
            copy,
            ..
        } if !entry_mode.is_tree() => renamed(
            (
                path(&source_location),
                Entry::new(source_entry_mode, source_id),
            ),
            (path(&location), Entry::new(entry_mode, id)),
            copy,
            out,
        ),
        _ => {}
    }
}

/// The change of a modified entry: a tree turned into a file (or back) shows as a
/// deletion plus an addition, of which only the file's is recorded.
fn modified(
    location: &BString,
    (old_mode, old_id): (EntryMode, ObjectId),
    (mode, id): (EntryMode, ObjectId),
) -> Option<Change> {
    let (old, new) = (Entry::new(old_mode, old_id), Entry::new(mode, id));
    match (old_mode.is_tree(), mode.is_tree()) {
        (false, false) => Some(Change {
            path: path(location),
            kind: ChangeKind::Modified,
            other: None,
            old: Some(old),
            new: Some(new),
        }),
        (true, false) => Some(Change::added(path(location), new)),
        (false, true) => Some(Change::deleted(path(location), old)),
        (true, true) => None,
    }
}

/// A rename, recorded at both ends: the source renamed away and the destination renamed
/// into; a copy only adds its destination.
fn renamed(
    (from, source): (String, Entry),
    (to, destination): (String, Entry),
    copy: bool,
    out: &mut Vec<Change>,
) {
    if !copy {
        out.push(Change {
            path: from.clone(),
            kind: ChangeKind::Renamed,
            other: Some(to.clone()),
            old: Some(source),
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
        new: Some(destination),
    });
}

impl Change {
    fn added(path: String, entry: Entry) -> Change {
        Change {
            path,
            kind: ChangeKind::Added,
            other: None,
            old: None,
            new: Some(entry),
        }
    }

    fn deleted(path: String, entry: Entry) -> Change {
        Change {
            path,
            kind: ChangeKind::Deleted,
            other: None,
            old: Some(entry),
            new: None,
        }
    }
}

fn path(p: &BString) -> String {
    p.to_str_lossy().into_owned()
}
