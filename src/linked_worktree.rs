//! Linked worktrees of tracks: adding, inspecting and removing them.

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

/// Adds the worktree of `track` at `path` with its branch checked out, holding its scope
/// when the repository is sparse ([`widen_sparse_to_scope`]); a worktree that could not
/// be widened is taken away again, so nothing is left half made.
pub fn add_for_track(repo: &Repo, path: &Path, track: &Track) -> Result<()> {
    add(repo, path, &track.branch_ref())?;
    if let Err(e) = widen_sparse_to_scope(path, &track.scope) {
        // Just checked out: nothing in it can be lost.
        let _ = remove(repo, path, true);
        return Err(e);
    }
    Ok(())
}

/// A track's worktree made from a sparse worktree is sparse by the same patterns, as
/// `git worktree add` makes it (gix copies them too); but the paths the track is for must
/// be there, since git refuses to stage a path outside the sparse patterns. So what its
/// scope names is added to the new worktree's patterns (`git sparse-checkout add`): the
/// folder each pattern starts with (cone mode brings in a folder whole; root files are
/// always there), or in non-cone mode the anchored pattern. Only ever widened: nothing the
/// user's patterns bring in goes away. A pattern starting with a wildcard (`**/*.rs`)
/// could be in any folder and adds nothing, as an empty scope (every path) does: making
/// such a worktree whole would undo the sparse checkout the user chose for a large
/// repository; `git sparse-checkout add` or `disable` in the worktree widens it. Returns
/// what was added.
pub fn widen_sparse_to_scope(path: &Path, scope: &[String]) -> Result<Vec<String>> {
    let worktree = gix::open(path)
        .with_context(|| format!("could not open the worktree at {}", path.display()))?;
    let config = worktree.config_snapshot();
    if !config.boolean("core.sparseCheckout").unwrap_or(false) {
        return Ok(Vec::new());
    }
    let cone = config.boolean("core.sparseCheckoutCone").unwrap_or(false);
    let added = sparse_patterns_of_scope(scope, cone);
    if !added.is_empty() {
        crate::git::sparse_checkout_add(path, &added)?;
    }
    Ok(added)
}

/// The sparse-checkout patterns that make the paths of `scope` present: folders in cone
/// mode (a file's folder; files at the root are always there), anchored gitignore
/// patterns otherwise.
fn sparse_patterns_of_scope(scope: &[String], cone: bool) -> Vec<String> {
    let is_glob = |part: &str| part.contains(['*', '?', '[', '{', '\\']);
    let mut out = std::collections::BTreeSet::new();
    for pattern in scope.iter().filter(|p| !p.starts_with('!')) {
        let body = pattern.strip_prefix('/').unwrap_or(pattern);
        let (body, folder) = match body.strip_suffix('/') {
            Some(dir) => (dir, true),
            None => (body, false),
        };
        let parts: Vec<&str> = body.split('/').collect();
        let literal = parts.iter().take_while(|p| !is_glob(p)).count();
        if body.is_empty() {
            continue;
        }
        if literal == 0 {
            // A glob over root files (`*.md`): always there in cone mode; anchored in
            // non-cone mode, where gitignore's `*`, `?` and `[]` mean what the scope's do
            // within one folder (braces and escapes they do not).
            if !cone && parts.len() == 1 && !folder && !body.contains(['{', '\\']) {
                out.insert(format!("/{body}"));
            }
            continue;
        }
        let added = if literal == parts.len() && !folder {
            // One file.
            if cone {
                match body.rsplit_once('/') {
                    Some((dir, _)) => dir.to_owned(),
                    None => continue,
                }
            } else {
                format!("/{body}")
            }
        } else {
            let dir = parts[..literal].join("/");
            if cone { dir } else { format!("/{dir}/") }
        };
        out.insert(added);
    }
    out.into_iter().collect()
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
            let reason = reason.trim();
            return Err(WorktreeError::MissingAndLocked {
                path: path.to_owned(),
                reason: (!reason.is_empty()).then(|| reason.to_owned()),
            }
            .into());
        }
        std::fs::remove_dir_all(&admin)
            .with_context(|| format!("could not remove {}", admin.display()))?;
    }
    Ok(())
}

/// A worktree git-track cannot add or tidy away as asked.
#[derive(Debug, thiserror::Error)]
pub enum WorktreeError {
    #[error("the worktree at '{}' is missing and locked{}", path.display(),
        reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    MissingAndLocked {
        path: std::path::PathBuf,
        reason: Option<String>,
    },
    #[error("the worktree root '{}' (track.worktreeRoot) cannot be made: '{}' is a file, not a folder",
        root.display(), file.display())]
    RootIsAFile {
        root: std::path::PathBuf,
        file: std::path::PathBuf,
    },
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
        return Err(WorktreeError::RootIsAFile {
            root: root.to_owned(),
            file: file.to_owned(),
        }
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

#[cfg(test)]
mod tests {
    use super::sparse_patterns_of_scope;

    #[test]
    fn a_scope_names_the_folders_a_sparse_worktree_needs() {
        let scope: Vec<String> = [
            "src/auth/**",
            "docs/*.md",
            "/web/",
            "tools/run.sh",
            "README.md",
            "**/*.rs",
            "!src/auth/gen/**",
            "lib/{a,b}/**",
            "*.toml",
            "*.{c,h}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            sparse_patterns_of_scope(&scope, true),
            ["docs", "lib", "src/auth", "tools", "web"]
        );
        assert_eq!(
            sparse_patterns_of_scope(&scope, false),
            [
                "/*.toml",
                "/README.md",
                "/docs/",
                "/lib/",
                "/src/auth/",
                "/tools/run.sh",
                "/web/"
            ]
        );
        assert!(sparse_patterns_of_scope(&[], true).is_empty());
    }
}
