//! Linked worktrees of tracks: adding, inspecting and removing them.

use anyhow::{Context, Result};
use gix::status::UntrackedFiles;
use gix::worktree::add::Head;
use gix::worktree::remove::Force;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Adds a linked worktree at `path` (absolute) with `branch` (a full ref name) checked out.
pub fn add(repo: &gix::Repository, path: &Path, branch: &str) -> Result<()> {
    let name: gix::refs::FullName = branch
        .try_into()
        .map_err(|e| anyhow::anyhow!("invalid branch '{branch}': {e}"))?;
    let interrupt = AtomicBool::new(false);
    repo.add_worktree(
        path,
        Head::Attached(name),
        gix::progress::Discard,
        &interrupt,
    )
    .with_context(|| format!("could not add a worktree at {}", path.display()))?;
    Ok(())
}

/// Removes the linked worktree at `path`; the branch is kept. Without `discard`, a
/// worktree with changes is refused by gix itself (callers check first and save).
pub fn remove(repo: &gix::Repository, path: &Path, discard: bool) -> Result<()> {
    let force = if discard {
        Force::DiscardChanges
    } else {
        Force::Never
    };
    repo.remove_worktree(path, force, gix::progress::Discard)
        .with_context(|| format!("could not remove the worktree at {}", path.display()))?;
    Ok(())
}

/// Does the worktree at `path` hold anything not committed: staged, unstaged or
/// untracked (not ignored) files?
pub fn has_changes(path: &Path) -> Result<bool> {
    let repo = gix::open(path)
        .with_context(|| format!("could not open the worktree at {}", path.display()))?;
    let mut iter = repo
        .status(gix::progress::Discard)?
        .untracked_files(UntrackedFiles::Files)
        .into_iter(None)
        .with_context(|| format!("could not get the status of {}", path.display()))?;
    for item in iter.by_ref() {
        let item = item?;
        match item {
            gix::status::Item::IndexWorktree(change) => {
                if change.summary().is_some() {
                    return Ok(true);
                }
            }
            gix::status::Item::TreeIndex(_) => return Ok(true),
        }
    }
    Ok(false)
}

/// Is `path` a folder that does not exist or is empty?
pub fn is_free(path: &Path) -> bool {
    match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound && !path.exists(),
    }
}
