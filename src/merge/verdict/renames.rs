//! Whether rename detection decides a merge ([`Judge::renames_decide`]): then gix's
//! rename pairing is not trusted and git makes the merge whole. The files the growing
//! integration side changed since a merge base are kept per base and updated by what
//! changed since, not diffed again at every step.

use super::{Judge, Stage};
use anyhow::Result;
use gix::ObjectId;
use std::collections::{BTreeMap, BTreeSet};

/// The files (not folders) that differ between two trees, by path.
pub(super) type ChangedFiles = BTreeMap<Vec<u8>, Changed>;

impl Judge {
    /// Can rename detection decide this merge? When one side added files and deleted a
    /// file the other changed (or deleted too), whether that was a rename decides the
    /// outcome; when the other side added a file in a folder the first deleted from,
    /// git's directory-rename detection may move it. gix pairs renames by another
    /// similarity measure than git's (binary files it does not pair at all) and does not
    /// detect every directory rename git does: such merges are git's whole
    /// ([`Judge::merge_commits_by_git`]). Other deletions and additions merge the same
    /// whether they were renames or not.
    pub fn renames_decide(
        &mut self,
        repo: &gix::Repository,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<bool> {
        let theirs = changed_files(repo, base, theirs)?;
        let ours = self.changes_since(repo, base, ours)?;
        let decides = |x: &ChangedFiles, y: &ChangedFiles| {
            if !x.values().any(|c| *c == Changed::Added) {
                return false;
            }
            // Folders x deleted files from: x may have renamed them, and git then moves
            // what y added there (directory renames).
            let mut emptied = BTreeSet::new();
            for (path, c) in x {
                if *c == Changed::Deleted {
                    if y.contains_key(path) {
                        return true;
                    }
                    emptied.extend(folders(path));
                }
            }
            y.iter()
                .any(|(path, c)| *c == Changed::Added && folders(path).any(|f| emptied.contains(f)))
        };
        Ok(decides(ours, &theirs) || decides(&theirs, ours))
    }

    /// The files that differ from `base` to `ours`: updated from the last ones computed
    /// for `base` by what changed since, rather than the whole difference each step.
    fn changes_since(
        &mut self,
        repo: &gix::Repository,
        base: ObjectId,
        ours: ObjectId,
    ) -> Result<&ChangedFiles> {
        let entry = match self.ours_changes.remove(&base) {
            Some((prev, mut map)) if prev != ours => {
                let (base_tree, ours_tree) = (repo.find_tree(base)?, repo.find_tree(ours)?);
                let file_at = |tree: &gix::Tree<'_>, path: &[u8]| -> Result<Option<Stage>> {
                    Ok(tree
                        .lookup_entry(path.split(|b| *b == b'/'))?
                        .filter(|e| !e.mode().is_tree())
                        .map(|e| (e.mode(), e.object_id())))
                };
                for path in changed_files(repo, prev, ours)?.into_keys() {
                    let status = match (file_at(&base_tree, &path)?, file_at(&ours_tree, &path)?) {
                        (None, None) => None,
                        (Some(b), Some(o)) if b == o => None,
                        (None, Some(_)) => Some(Changed::Added),
                        (Some(_), None) => Some(Changed::Deleted),
                        (Some(_), Some(_)) => Some(Changed::Modified),
                    };
                    match status {
                        Some(s) => map.insert(path, s),
                        None => map.remove(&path),
                    };
                }
                (ours, map)
            }
            Some(same) => same,
            None => (ours, changed_files(repo, base, ours)?),
        };
        Ok(&self.ours_changes.entry(base).or_insert(entry).1)
    }
}

/// How a file changed between two trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Changed {
    Added,
    Deleted,
    Modified,
}

/// The files (not folders) that differ from `old` to `new`, without rename detection.
fn changed_files(repo: &gix::Repository, old: ObjectId, new: ObjectId) -> Result<ChangedFiles> {
    use gix::diff::tree::recorder::Change;
    let mut out = BTreeMap::new();
    if old == new {
        return Ok(out);
    }
    let (old, new) = (
        repo.find_tree(old)?.detach().data,
        repo.find_tree(new)?.detach().data,
    );
    for change in crate::scope::changes::tree_diff(repo, &old, &new)? {
        let (path, what) = match change {
            Change::Addition {
                path, entry_mode, ..
            } if !entry_mode.is_tree() => (path, Changed::Added),
            Change::Deletion {
                path, entry_mode, ..
            } if !entry_mode.is_tree() => (path, Changed::Deleted),
            Change::Modification {
                path,
                previous_entry_mode,
                entry_mode,
                ..
            } => match (previous_entry_mode.is_tree(), entry_mode.is_tree()) {
                (false, false) => (path, Changed::Modified),
                (true, false) => (path, Changed::Added),
                (false, true) => (path, Changed::Deleted),
                (true, true) => continue,
            },
            _ => continue,
        };
        out.insert(path.into(), what);
    }
    Ok(out)
}

/// The folders holding `path`, innermost first.
fn folders(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let cut = rest.iter().rposition(|b| *b == b'/')?;
        rest = &rest[..cut];
        Some(rest)
    })
}
