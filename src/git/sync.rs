//! `git track sync`: a track's worktree merged with, or rebased onto, the integration
//! branch by git itself; continued or aborted after a conflict.

use super::worktree::{commit_merge, merge_head, unmerged_paths};
use super::{Env, Git, Ran};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// How `git track sync` brings the integration branch into a track's worktree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    Merge,
    Rebase,
}

/// Merges (`git merge --no-edit`, fast-forward allowed) or rebases (`git rebase`) the
/// branch checked out in `worktree` onto `rev`. Returns the paths left conflicted
/// (empty when it went through); a failure that is not a conflict is an error, with the
/// operation undone.
pub fn sync_worktree(
    env: &Env,
    worktree: &Path,
    mode: SyncMode,
    rev: &str,
    message: &str,
) -> Result<Vec<String>> {
    let git = Git::in_dir(worktree).envs(env);
    let args: Vec<&str> = match mode {
        // No hooks: the commit brings others' work, not the track's own.
        SyncMode::Merge => vec!["merge", "--no-edit", "--no-verify", "-m", message, rev],
        SyncMode::Rebase => vec!["rebase", "--no-autostash", rev],
    };
    finish_sync_step(env, worktree, mode, git.try_run(&args)?, &args)
}

/// Goes on with the merge or rebase stopped in `worktree` once its conflicts are
/// staged. Returns the paths still (or newly) conflicted.
pub fn continue_sync(
    env: &Env,
    worktree: &Path,
    mode: SyncMode,
    message: &str,
) -> Result<Vec<String>> {
    let unmerged = unmerged_paths(worktree)?;
    if !unmerged.is_empty() {
        return Ok(unmerged);
    }
    let git = Git::in_dir(worktree).envs(env);
    match mode {
        SyncMode::Merge => {
            if merge_head(worktree)?.is_some() {
                commit_merge(env, worktree, message)?;
            }
            Ok(Vec::new())
        }
        SyncMode::Rebase => {
            if !rebase_in_progress(worktree)? {
                return Ok(Vec::new());
            }
            let args = ["rebase", "--continue"];
            finish_sync_step(env, worktree, mode, git.try_run(&args)?, &args)
        }
    }
}

fn finish_sync_step(
    env: &Env,
    worktree: &Path,
    mode: SyncMode,
    ran: Ran,
    args: &[&str],
) -> Result<Vec<String>> {
    if ran.success {
        return Ok(Vec::new());
    }
    let unmerged = unmerged_paths(worktree)?;
    if !unmerged.is_empty() {
        return Ok(unmerged);
    }
    // Not a conflict: put the worktree back as it was before reporting.
    let _ = abort_sync(env, worktree, mode);
    bail!(
        "`{}` failed in {}: {}",
        Git::describe(args),
        worktree.display(),
        format!("{}{}", ran.stdout, ran.stderr).trim()
    )
}

/// Undoes the merge or rebase in progress in `worktree` (`--abort`).
pub fn abort_sync(env: &Env, worktree: &Path, mode: SyncMode) -> Result<()> {
    let git = Git::in_dir(worktree).envs(env);
    match mode {
        SyncMode::Merge => {
            if merge_head(worktree)?.is_some() {
                git.run(&["merge", "--abort"])?;
            }
        }
        SyncMode::Rebase => {
            if rebase_in_progress(worktree)? {
                git.run(&["rebase", "--abort"])?;
            }
        }
    }
    Ok(())
}

/// Is a rebase stopped in `worktree`?
pub fn rebase_in_progress(worktree: &Path) -> Result<bool> {
    let git = Git::in_dir(worktree);
    for dir in ["rebase-merge", "rebase-apply"] {
        let path = git.run(&["rev-parse", "--git-path", dir])?;
        let path = PathBuf::from(path.trim());
        let path = if path.is_absolute() {
            path
        } else {
            worktree.join(path)
        };
        if path.exists() {
            return Ok(true);
        }
    }
    Ok(false)
}
