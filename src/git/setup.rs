//! Repositories and files made or asked about: init, add, commit, config, hooks
//! folder, ignored and tracked paths.

use super::{Git, nul_separated};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// `git init` with `branch` as the first branch, and a local identity so that a
/// repository made for a demonstration commits on any machine.
pub fn init_repository(dir: &Path, branch: &str) -> Result<()> {
    let git = Git::in_dir(dir);
    git.run(&["init", "-q", "-b", branch])?;
    git.run(&["config", "user.name", "Demo User"])?;
    git.run(&["config", "user.email", "demo@example.com"])?;
    Ok(())
}

/// Stages everything in the worktree at `dir` and commits it.
pub fn commit_all(dir: &Path, message: &str) -> Result<()> {
    let git = Git::in_dir(dir);
    git.run(&["add", "-A"])?;
    git.run(&["commit", "-q", "-m", message])?;
    Ok(())
}

/// Adds `patterns` to the sparse-checkout patterns of the worktree at `dir`, checking out
/// what they bring in.
pub fn sparse_checkout_add(dir: &Path, patterns: &[String]) -> Result<()> {
    let mut args = vec!["sparse-checkout", "add", "--"];
    args.extend(patterns.iter().map(String::as_str));
    Git::in_dir(dir).run(&args)?;
    Ok(())
}

/// Stages one path in the worktree at `dir`.
pub fn add(dir: &Path, path: &str) -> Result<()> {
    Git::in_dir(dir).run(&["add", "--", path])?;
    Ok(())
}

/// The hooks folder git really uses from `dir`: `core.hooksPath` when set, else the
/// common `hooks` folder (linked worktrees share it).
pub fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    let out = Git::in_dir(dir).run(&["rev-parse", "--git-path", "hooks"])?;
    let path = PathBuf::from(out.trim_end_matches(['\n', '\r']));
    Ok(if path.is_absolute() {
        path
    } else {
        dir.join(path)
    })
}

/// Untracked files of the worktree at `dir` that match the gitignore-syntax patterns of
/// `pattern_file` (when it exists) or `patterns`, and that git ignores there.
pub fn ignored_matching(
    dir: &Path,
    pattern_file: Option<&Path>,
    patterns: &[String],
) -> Result<Vec<String>> {
    let mut args = vec!["ls-files".to_owned(), "-z".into(), "-o".into(), "-i".into()];
    if let Some(f) = pattern_file {
        args.push(format!("--exclude-from={}", f.display()));
    }
    for p in patterns {
        args.push(format!("--exclude={p}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let git = Git::in_dir(dir);
    let listed = nul_separated(&git.run(&args)?);
    if listed.is_empty() {
        return Ok(listed);
    }
    let input: Vec<u8> = listed
        .iter()
        .flat_map(|p| [p.as_bytes(), b"\0"].concat())
        .collect();
    let args = ["check-ignore", "-z", "--stdin"];
    let ran = git.try_run_with_input(&args, &input)?;
    // Exit 1: none of them is ignored.
    if !ran.success && ran.code != Some(1) {
        bail!(
            "`{}` failed in {}: {}",
            Git::describe(&args),
            dir.display(),
            ran.stderr.trim()
        );
    }
    let mut ignored = nul_separated(&ran.stdout);
    ignored.sort();
    ignored.dedup();
    Ok(ignored)
}

/// Is `path` (relative to the worktree root) in the index of the worktree at `dir`?
pub fn is_tracked(dir: &Path, path: &str) -> Result<bool> {
    let ran = Git::in_dir(dir).try_run(&["ls-files", "--error-unmatch", "--", path])?;
    Ok(ran.success)
}

/// Adds `value` to the multi-valued config key `key` of the repository at `dir`.
pub fn config_add(dir: &Path, key: &str, value: &str) -> Result<()> {
    Git::in_dir(dir).run(&["config", "--local", "--add", key, value])?;
    Ok(())
}
