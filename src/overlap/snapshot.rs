//! A track's uncommitted work as an in-memory commit on top of its worktree's HEAD:
//! staged, unstaged and untracked (not ignored) files, converted as `git add` would.
//! Nothing is written to the object database or the worktree's index.

use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::odb::memory::Storage;
use gix::status::UntrackedFiles;
use std::collections::BTreeSet;
use std::path::Path;

/// The snapshot commit and the objects it needs, or `None` when nothing is uncommitted.
pub fn take(worktree: &Path) -> Result<Option<(ObjectId, Storage)>> {
    let mut repo = gix::open(worktree)
        .with_context(|| format!("could not open the worktree at {}", worktree.display()))?
        .with_object_memory();
    let paths = changed_paths(&repo)
        .with_context(|| format!("could not get the status of {}", worktree.display()))?;
    if paths.is_empty() {
        return Ok(None);
    }
    let (head_id, head_tree) = {
        let head = repo
            .head_commit()
            .with_context(|| format!("{} has no commit checked out", worktree.display()))?;
        (head.id, head.tree_id()?.detach())
    };
    let commit = {
        let (mut pipeline, index) = repo.filter_pipeline(None)?;
        let mut editor = repo.edit_tree(head_tree)?;
        for path in &paths {
            match pipeline.worktree_file_to_object(path.as_bstr(), &index)? {
                Some((id, kind, _)) => {
                    editor.upsert(path.as_bstr(), kind, id)?;
                }
                None => {
                    editor.remove(path.as_bstr())?;
                }
            }
        }
        let tree = editor.write()?.detach();
        let commit = super::fixed_commit(&repo, tree, &[head_id], "uncommitted work\n")?;
        repo.write_object(&commit)?.detach()
    };
    let storage = repo
        .objects
        .take_object_memory()
        .ok_or_else(|| anyhow!("the worktree snapshot was not kept in memory"))?;
    Ok(Some((commit, storage)))
}

/// Every path whose worktree state differs from HEAD (through the index or not).
fn changed_paths(repo: &gix::Repository) -> Result<BTreeSet<BString>> {
    let mut paths = BTreeSet::new();
    let iter = repo
        .status(gix::progress::Discard)?
        .untracked_files(UntrackedFiles::Files)
        .into_iter(None)?;
    for item in iter {
        let item = item?;
        match &item {
            gix::status::Item::IndexWorktree(change) => {
                if change.summary().is_none() {
                    continue; // only stat data changed
                }
            }
            gix::status::Item::TreeIndex(change) => {
                if let gix::diff::index::ChangeRef::Rewrite {
                    source_location, ..
                } = change
                {
                    paths.insert(source_location.as_ref().to_owned());
                }
            }
        }
        paths.insert(item.location().to_owned());
    }
    Ok(paths)
}
