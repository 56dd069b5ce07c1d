//! Linked worktrees of tracks: adding, inspecting and removing them.

use crate::error::Failure;
use crate::repo::{Repo, WorktreeInfo};
use crate::track::Track;
use anyhow::{Context, Result};
use gix::status::UntrackedFiles;
use gix::worktree::add::Head;
use gix::worktree::remove::Force;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The worktree that belongs to `track` among `worktrees`: the linked worktree at the
/// path its definition records, else the linked worktree that has its branch checked
/// out. This is the one rule; [`holds`] applies it to the worktree a command runs in.
pub fn of_track<'w>(worktrees: &'w [WorktreeInfo], track: &Track) -> Option<&'w WorktreeInfo> {
    let recorded = track.recorded_worktree();
    let linked = || worktrees.iter().filter(|w| !w.is_main);
    linked()
        .find(|w| Some(&w.path) == recorded.as_ref())
        .or_else(|| linked().find(|w| w.branch.as_deref().is_some_and(|b| track.is_branch(b))))
}

/// Does the worktree at `path` (canonical), with `branch` (a full ref name) checked out,
/// belong to `track`? It does when it is at the track's recorded path or has its branch
/// checked out — also the main worktree, when a person works on a track there.
pub fn holds(track: &Track, path: Option<&Path>, branch: Option<&str>) -> bool {
    branch.is_some_and(|b| track.is_branch(b))
        || path.is_some_and(|p| track.recorded_worktree().as_deref() == Some(p))
}

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
    // gix reads every worktree's admin folder while adding one, and a half-written one
    // from a concurrent process makes that fail.
    let _lock = crate::lock::worktrees(repo)?;
    // Inside the lock: a process killed here must not wedge the next one.
    crate::fault::point(|| format!("add worktree {}", path.display()));
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
    let _lock = crate::lock::worktrees(repo)?;
    crate::fault::point(|| format!("remove worktree {}", path.display()));
    repo.gix
        .remove_worktree(path, force, gix::progress::Discard)
        .with_context(|| format!("could not remove the worktree at {}", path.display()))?;
    Ok(())
}

/// Forgets the linked worktree registered at `path` whose folder is gone (what
/// `git worktree prune` does, for this one worktree). A locked one is refused.
pub fn prune_missing(repo: &Repo, path: &Path) -> Result<()> {
    let _lock = crate::lock::worktrees(repo)?;
    crate::fault::point(|| format!("prune worktree {}", path.display()));
    for proxy in repo.gix.worktrees()? {
        let Ok(base) = proxy.base() else { continue };
        if crate::repo::canonical(&base) != path || base.exists() {
            continue;
        }
        let admin = proxy.git_dir().to_owned();
        if let Ok(reason) = std::fs::read_to_string(admin.join("locked")) {
            return Err(Failure::usage(format!(
                "the worktree at '{}' is missing and locked{}",
                path.display(),
                if reason.trim().is_empty() {
                    String::new()
                } else {
                    format!(" ({})", reason.trim())
                }
            ))
            .hint(format!(
                "if it is gone for good, 'git worktree unlock {}' and try again",
                path.display()
            ))
            .into());
        }
        std::fs::remove_dir_all(&admin)
            .with_context(|| format!("could not remove {}", admin.display()))?;
    }
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

/// Refuses a worktree root (`track.worktreeRoot`) that exists but is not a folder, or
/// has a file where one of its parent folders should be.
pub fn check_root(root: &Path) -> Result<()> {
    if let Some(file) = root
        .ancestors()
        .find(|p| p.exists())
        .filter(|p| !p.is_dir())
    {
        return Err(Failure::usage(format!(
            "the worktree root '{}' (track.worktreeRoot) cannot be made: '{}' is a file, not a folder",
            root.display(),
            file.display()
        ))
        .hint("set another with 'git track init --worktree-root <dir>'")
        .into());
    }
    Ok(())
}

/// Is `path` a folder that does not exist or is empty?
pub fn is_free(path: &Path) -> bool {
    match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound && !path.exists(),
    }
}
