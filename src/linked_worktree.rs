//! Linked worktrees of tracks: adding, inspecting and removing them.

use crate::error::Failure;
use crate::repo::Repo;
use anyhow::{Context, Result};
use gix::lock::acquire::Fail;
use gix::status::UntrackedFiles;
use gix::worktree::add::Head;
use gix::worktree::remove::Force;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Adds a linked worktree at `path` (absolute) with `branch` (a full ref name) checked out.
pub fn add(repo: &Repo, path: &Path, branch: &str) -> Result<()> {
    let name: gix::refs::FullName = branch
        .try_into()
        .map_err(|e| anyhow::anyhow!("invalid branch '{branch}': {e}"))?;
    add_head(repo, path, Head::Attached(name))
}

/// Adds a linked worktree at `path` with `commit` checked out on a detached HEAD.
pub fn add_detached(repo: &Repo, path: &Path, commit: gix::ObjectId) -> Result<()> {
    add_head(repo, path, Head::Detached(commit))
}

fn add_head(repo: &Repo, path: &Path, head: Head) -> Result<()> {
    crate::fault::point(|| format!("add worktree {}", path.display()));
    let _lock = lock(repo)?;
    let interrupt = AtomicBool::new(false);
    repo.gix
        .add_worktree(path, head, gix::progress::Discard, &interrupt)
        .with_context(|| format!("could not add a worktree at {}", path.display()))?;
    Ok(())
}

/// Removes the linked worktree at `path`; the branch is kept. Without `discard`, a
/// worktree with changes is refused by gix itself (callers check first and save).
pub fn remove(repo: &Repo, path: &Path, discard: bool) -> Result<()> {
    let force = if discard {
        Force::DiscardChanges
    } else {
        Force::Never
    };
    crate::fault::point(|| format!("remove worktree {}", path.display()));
    let _lock = lock(repo)?;
    repo.gix
        .remove_worktree(path, force, gix::progress::Discard)
        .with_context(|| format!("could not remove the worktree at {}", path.display()))?;
    Ok(())
}

/// Serializes adding and removing worktrees between git-track processes: gix reads every
/// worktree's admin folder while adding one, and a half-written one from a concurrent
/// process makes that fail.
fn lock(repo: &Repo) -> Result<gix::lock::Marker> {
    let dir = repo.state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let resource = dir.join("worktrees");
    let mode = Fail::AfterDurationWithBackoff(Duration::from_secs(30));
    gix::lock::Marker::acquire_to_hold_resource(&resource, mode, None, 0).map_err(|e| {
        Failure::fatal(format!("could not lock {}.lock: {e}", resource.display()))
            .hint("another git-track is adding or removing a worktree; if none is running, remove that file")
            .into()
    })
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
