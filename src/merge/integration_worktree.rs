//! The integration worktree: where a conflicted step is left for a person (or agent) to
//! resolve with git's own tools, and where `--exec` gates run.
//!
//! Clean steps move the integration branch without it, so before it is used its index
//! and files are brought to the branch's tip with a two-tree merge (`read-tree -m -u`),
//! which keeps local changes or refuses, never overwrites them.

use super::error::{InTheWay, MergeError};
use super::state::{self, State};
use crate::git;
use crate::repo::Repo;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The worktree that has `full_ref` checked out, if any and if its folder is there.
pub fn find(repo: &Repo, full_ref: &str) -> Result<Option<PathBuf>> {
    Ok(repo
        .worktree_of_branch(full_ref)?
        .map(|w| w.path)
        .filter(|p| p.is_dir()))
}

/// Forgets a worktree of `full_ref` whose folder was removed by hand, so that the branch
/// can be checked out again.
pub fn prune_missing(repo: &Repo, full_ref: &str) -> Result<()> {
    if let Some(w) = repo.worktree_of_branch(full_ref)?
        && !w.path.is_dir()
    {
        crate::linked_worktree::prune_missing(repo, &w.path)?;
    }
    Ok(())
}

/// Does the worktree have staged or unstaged changes to tracked files?
pub fn has_tracked_changes(path: &Path) -> Result<bool> {
    let repo = gix::open(path)
        .with_context(|| format!("could not open the worktree at {}", path.display()))?;
    Ok(repo.is_dirty()?)
}

/// The integration worktree, added under the worktree root when the branch has none.
pub fn ensure(repo: &Repo, state: &mut State) -> Result<PathBuf> {
    if let Some(path) = &state.worktree
        && path.exists()
    {
        return Ok(path.clone());
    }
    let full = state.full_ref();
    if let Some(path) = find(repo, &full)? {
        state.worktree = Some(path.clone());
        state.worktree_at = Some(state.tip.clone());
        return Ok(path);
    }
    prune_missing(repo, &full)?;
    let root = repo
        .settings
        .worktree_root
        .clone()
        .ok_or_else(|| MergeError::NoWorktreeRoot {
            branch: state.branch.clone(),
        })?;
    crate::linked_worktree::check_root(&root)?;
    let path = root.join(&state.branch);
    if !crate::linked_worktree::is_free(&path) {
        return Err(MergeError::WorktreePathTaken {
            path,
            branch: state.branch.clone(),
        }
        .into());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create {}", parent.display()))?;
    }
    // Saved before the worktree is added: a run killed in between is still known to have
    // made it, so --abort takes it away again.
    state.worktree = path
        .parent()
        .zip(path.file_name())
        .map(|(parent, name)| crate::repo::canonical(parent).join(name));
    state.worktree_created = true;
    state.worktree_at = Some(state.tip.clone());
    state.save(repo)?;
    crate::linked_worktree::add(repo, &path, &full)?;
    let path = crate::repo::canonical(&path);
    state.worktree = Some(path.clone());
    state.worktree_created = true;
    state.worktree_at = Some(state.tip.clone());
    Ok(path)
}

/// Brings the worktree's index and files to the integration tip.
pub fn sync(state: &mut State) -> Result<()> {
    let (Some(path), Some(at)) = (&state.worktree, &state.worktree_at) else {
        return Ok(());
    };
    if *at == state.tip || !path.exists() {
        return Ok(());
    }
    git::move_worktree(path, at, &state.tip).map_err(|e| MergeError::WorktreeStuck {
        worktree: path.clone(),
        tip: state.tip.clone(),
        cause: format!("{e:#}"),
    })?;
    state.worktree_at = Some(state.tip.clone());
    Ok(())
}

/// Refuses ([`MergeError::CannotTake`]), before the integration branch moves to `to`, a
/// step whose files the integration worktree could not take: untracked files there that
/// the merge adds, as `git merge` refuses them. Moving the branch first would leave HEAD
/// over an old index.
///
/// `clean` remembers, for the commit the worktree is at, whether it holds exactly that
/// commit and no untracked or ignored file: such a worktree can take any merge, and
/// asking git once per step (a `read-tree` of the whole index) would be wasted.
pub fn check_can_take(
    st: &State,
    track: &str,
    to: gix::ObjectId,
    clean: &mut Option<(String, bool)>,
) -> Result<()> {
    let (Some(path), Some(at)) = (&st.worktree, &st.worktree_at) else {
        return Ok(());
    };
    if !path.exists() {
        return Ok(());
    }
    let known = match clean {
        Some((commit, known)) if commit == at => *known,
        _ => {
            // While the branch is where the worktree is, one `git status` says it all.
            let is_clean = if st.tip == *at {
                git::is_pristine(path)?
            } else {
                !git::differs_from(path, at)? && !git::has_untracked(path)?
            };
            *clean = Some((at.clone(), is_clean));
            is_clean
        }
    };
    if known {
        return Ok(());
    }
    let Some(complaint) = git::check_move_worktree(path, at, &to.to_string())? else {
        return Ok(());
    };
    let files = git::untracked_in_the_way(&complaint);
    Err(MergeError::CannotTake {
        track: track.to_owned(),
        worktree: path.clone(),
        in_the_way: if files.is_empty() {
            InTheWay::Other(complaint)
        } else {
            InTheWay::Untracked(files)
        },
        stays_at_step: None,
    }
    .into())
}

/// Does `data` hold a conflict marker line (`<<<<<<< ` or `>>>>>>> ` at a line start)?
pub fn has_conflict_markers(data: &[u8]) -> bool {
    data.split(|b| *b == b'\n').any(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        [b"<<<<<<<", b">>>>>>>"].iter().any(|m| {
            line.strip_prefix(&m[..])
                .is_some_and(|rest| rest.is_empty() || rest[0] == b' ')
        })
    })
}

/// Of `paths`, those whose staged content (stage 0 of the worktree's index) holds
/// conflict markers.
pub fn staged_with_markers(worktree: &Path, paths: &[String]) -> Result<Vec<String>> {
    let repo = gix::open(worktree)
        .with_context(|| format!("could not open the worktree at {}", worktree.display()))?;
    let index = repo.open_index()?;
    let mut out = Vec::new();
    for p in paths {
        let Some(entry) = index.entry_by_path(p.as_str().into()) else {
            continue;
        };
        if !entry.mode.is_submodule()
            && let Ok(blob) = repo.find_blob(entry.id)
            && has_conflict_markers(&blob.data)
        {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Of `paths`, those whose content in `commit`'s tree holds conflict markers.
pub fn committed_with_markers(
    repo: &Repo,
    commit: gix::ObjectId,
    paths: &[String],
) -> Result<Vec<String>> {
    let tree = repo.gix.find_commit(commit)?.tree()?;
    let mut out = Vec::new();
    for p in paths {
        if let Some(entry) = tree.lookup_entry_by_path(p.as_str())?
            && entry.mode().is_blob()
            && has_conflict_markers(&entry.object()?.data)
        {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Of `paths`, those whose file in the worktree holds conflict markers.
pub fn files_with_markers(worktree: &Path, paths: &[String]) -> Vec<String> {
    paths
        .iter()
        .filter(|p| {
            std::fs::read(worktree.join(p))
                .map(|d| has_conflict_markers(&d))
                .unwrap_or(false)
        })
        .cloned()
        .collect()
}

/// The worktree recorded in `state`, or the one that has the branch checked out now.
pub fn current(repo: &Repo, state: &State) -> Result<Option<PathBuf>> {
    if let Some(p) = &state.worktree
        && p.exists()
    {
        return Ok(Some(p.clone()));
    }
    find(repo, &state.full_ref())
}

/// The commit a merge in progress in `worktree` merges, if one is.
pub fn merge_in_progress(worktree: &Path) -> Result<Option<gix::ObjectId>> {
    match git::merge_head(worktree)? {
        Some(hex) => Ok(Some(state::id(&hex)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::has_conflict_markers;

    #[test]
    fn markers_are_found_only_at_line_starts() {
        assert!(has_conflict_markers(
            b"a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> x\n"
        ));
        assert!(has_conflict_markers(b">>>>>>>\r\n"));
        assert!(!has_conflict_markers(
            b"a\n  <<<<<<< not at start\n=======\n"
        ));
        assert!(!has_conflict_markers(b"<<<<<<<<< eight\n"));
    }
}
