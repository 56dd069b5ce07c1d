//! Merges left in a worktree for a person to finish, snapshots of a dirty worktree,
//! and moving or resetting a worktree's files.

use super::{Env, Git};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Saves everything in `worktree` that is not committed — staged, unstaged and
/// untracked files (ignored ones excepted) — as a commit on top of HEAD, without
/// touching the worktree or its index. Returns the commit id.
pub fn snapshot_worktree(env: &Env, worktree: &Path, message: &str) -> Result<String> {
    let scratch = tempfile_path(worktree)?;
    let git = Git::in_dir(worktree)
        .envs(env)
        .env("GIT_INDEX_FILE", &scratch);
    let result = (|| {
        let head = Git::in_dir(worktree)
            .run(&["rev-parse", "--verify", "-q", "HEAD"])
            .ok();
        // Start from the real index so staged-but-unreferenced content is kept too.
        let real_index = Git::in_dir(worktree).run(&["rev-parse", "--git-path", "index"])?;
        let real_index = worktree.join(real_index.trim());
        if real_index.exists() {
            std::fs::copy(&real_index, &scratch)
                .with_context(|| format!("could not copy {}", real_index.display()))?;
        }
        settle_unpopulated_gitlinks(&git, worktree)?;
        git.run(&["add", "-A", "--", "."])?;
        let tree = git.run(&["write-tree"])?;
        let mut args = vec!["commit-tree", tree.trim(), "-m", message];
        let head = head.map(|h| h.trim().to_owned());
        if let Some(h) = head.as_deref() {
            args.push("-p");
            args.push(h);
        }
        Ok(git.run(&args)?.trim().to_owned())
    })();
    let _ = std::fs::remove_file(&scratch);
    result
}

/// `git add` cannot stage an unmerged submodule that is not checked out ("does not have
/// a commit checked out"), and a linked worktree has none checked out: such a gitlink
/// conflict is resolved, in the scratch index `git` writes, to the first side's commit
/// (ours, else theirs), since the worktree holds nothing there to take instead.
fn settle_unpopulated_gitlinks(git: &Git, worktree: &Path) -> Result<()> {
    let unmerged = git.run(&["ls-files", "-u", "-z"])?;
    let mut chosen: Vec<(&str, &str)> = Vec::new();
    for record in unmerged.split('\0') {
        // `<mode> <id> <stage>\t<path>`, stages in order.
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        let (Some("160000"), Some(id), Some("2" | "3")) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if chosen.last().is_some_and(|(p, _)| *p == path)
            || worktree.join(path).join(".git").exists()
        {
            continue;
        }
        chosen.push((path, id));
    }
    for (path, id) in chosen {
        git.run(&[
            "update-index",
            "--cacheinfo",
            &format!("160000,{id},{path}"),
        ])?;
    }
    Ok(())
}

fn tempfile_path(worktree: &Path) -> Result<PathBuf> {
    let git_dir = Git::in_dir(worktree).run(&["rev-parse", "--absolute-git-dir"])?;
    Ok(PathBuf::from(git_dir.trim()).join(format!("track-snapshot-index.{}", std::process::id())))
}

/// The result of `git merge` in a worktree.
pub struct WorktreeMerge {
    /// git made the merge commit itself.
    pub committed: bool,
    /// Paths rerere resolved from a recorded resolution ("Resolved '…' using previous
    /// resolution" / "Staged '…' using previous resolution").
    pub rerere_resolved: Vec<String>,
    /// What git printed, for an error that is not a conflict.
    pub output: String,
}

/// Runs `git merge --no-ff --no-verify -m <message> <rev>` in `worktree`, so that
/// rerere, merge drivers and mergetools apply as they would for a person. `rev` also
/// names the other side in conflict markers, so a branch name reads best.
pub fn merge_into_worktree(
    env: &Env,
    worktree: &Path,
    rev: &str,
    message: &str,
) -> Result<WorktreeMerge> {
    let ran = Git::in_dir(worktree).envs(env).try_run(&[
        "merge",
        "--no-ff",
        "--no-verify",
        "--no-edit",
        "-m",
        message,
        rev,
    ])?;
    let output = format!("{}{}", ran.stdout, ran.stderr);
    let mut rerere_resolved = Vec::new();
    for line in output.lines() {
        for prefix in ["Resolved '", "Staged '"] {
            if let Some(rest) = line.strip_prefix(prefix)
                && let Some(path) = rest.strip_suffix("' using previous resolution.")
            {
                rerere_resolved.push(path.to_owned());
            }
        }
    }
    Ok(WorktreeMerge {
        committed: ran.success,
        rerere_resolved,
        output,
    })
}

/// Paths with unmerged (conflicted) index entries in `worktree`.
pub fn unmerged_paths(worktree: &Path) -> Result<Vec<String>> {
    let out = Git::in_dir(worktree).run(&["diff", "--name-only", "--diff-filter=U", "-z"])?;
    let mut paths: Vec<String> = out
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    paths.dedup();
    Ok(paths)
}

/// What `git diff` (the files against the index) finds in `worktree`, in one run of git.
#[derive(Debug, Default)]
pub struct Unstaged {
    /// Paths with unmerged (conflicted) index entries.
    pub unmerged: Vec<String>,
    /// Other tracked paths whose file differs from what is staged.
    pub changed: Vec<String>,
}

/// [`Unstaged`] of `worktree`.
pub fn unstaged(worktree: &Path) -> Result<Unstaged> {
    let out = Git::in_dir(worktree).run(&["diff", "--name-status", "--no-renames", "-z"])?;
    let mut found = Unstaged::default();
    let mut fields = out.split('\0');
    while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
        let paths = match status {
            "U" => &mut found.unmerged,
            _ => &mut found.changed,
        };
        if paths.last().is_none_or(|last| last != path) {
            paths.push(path.to_owned());
        }
    }
    Ok(found)
}

/// Does `worktree` hold exactly its HEAD commit: nothing staged, nothing changed, no
/// untracked file, ignored ones included? (Never writes the index: no optional locks.)
pub fn is_pristine(worktree: &Path) -> Result<bool> {
    let out = Git::in_dir(worktree).run(&[
        "--no-optional-locks",
        "status",
        "--porcelain",
        "-z",
        "--untracked-files=all",
        "--ignored=matching",
    ])?;
    Ok(out.is_empty())
}

/// Does `worktree` hold any untracked file, ignored ones included?
pub fn has_untracked(worktree: &Path) -> Result<bool> {
    let out = Git::in_dir(worktree).run(&[
        "ls-files",
        "--others",
        "--directory",
        "--no-empty-directory",
        "-z",
    ])?;
    Ok(!out.is_empty())
}

/// The commit `MERGE_HEAD` names in `worktree`, if a merge is in progress there.
pub fn merge_head(worktree: &Path) -> Result<Option<String>> {
    let ran = Git::in_dir(worktree).try_run(&["rev-parse", "-q", "--verify", "MERGE_HEAD"])?;
    Ok(ran
        .success
        .then(|| ran.stdout.trim().to_owned())
        .filter(|s| !s.is_empty()))
}

/// Stages `paths` in `worktree` (`git add`).
pub fn stage_paths(worktree: &Path, paths: &[String]) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let mut args = vec!["add", "--"];
    args.extend(paths.iter().map(String::as_str));
    Git::in_dir(worktree).run(&args)?;
    Ok(())
}

/// Concludes the merge in progress in `worktree` with `message` (`git commit`, so that
/// rerere records the resolution). Returns the new HEAD.
pub fn commit_merge(env: &Env, worktree: &Path, message: &str) -> Result<String> {
    let git = Git::in_dir(worktree).envs(env);
    git.run(&[
        "commit",
        "--no-verify",
        "--quiet",
        "--cleanup=whitespace",
        "-m",
        message,
    ])?;
    Ok(git.run(&["rev-parse", "HEAD"])?.trim().to_owned())
}

/// Moves the index and files of `worktree` from commit `from` to commit `to` after its
/// branch was moved without it (`git read-tree -m -u`, the two-tree merge `git checkout`
/// does): local changes to paths that did not change are kept, and a change that would
/// be overwritten makes it fail without touching anything.
pub fn move_worktree(worktree: &Path, from: &str, to: &str) -> Result<()> {
    Git::in_dir(worktree).run(&["read-tree", "-m", "-u", from, to])?;
    Ok(())
}

/// Would [`move_worktree`] succeed? `None` when it would, else what git complains of
/// (`read-tree -n`: nothing is touched).
pub fn check_move_worktree(worktree: &Path, from: &str, to: &str) -> Result<Option<String>> {
    let ran = Git::in_dir(worktree).try_run(&["read-tree", "-n", "-m", "-u", from, to])?;
    Ok((!ran.success).then(|| ran.stderr.trim().to_owned()))
}

/// The paths of `Untracked working tree file '<path>' would be overwritten` complaints.
pub fn untracked_in_the_way(complaint: &str) -> Vec<String> {
    complaint
        .lines()
        .filter_map(|l| {
            let rest = l.split_once("Untracked working tree file '")?.1;
            Some(rest.rsplit_once("' would be overwritten")?.0.to_owned())
        })
        .collect()
}

/// Sets the index and tracked files of `worktree` to commit `to`, dropping unmerged
/// entries and local changes (`git read-tree --reset -u`). Callers save what would be
/// lost first.
pub fn reset_worktree(worktree: &Path, to: &str) -> Result<()> {
    Git::in_dir(worktree).run(&["read-tree", "--reset", "-u", to])?;
    Ok(())
}

/// Abandons the merge in progress in `worktree`: `git merge --abort`, and when git
/// refuses, forgets the merge state (`git merge --quit`, `git rerere clear`) so the
/// caller can reset the files itself.
pub fn abandon_merge(env: &Env, worktree: &Path) -> Result<()> {
    let git = Git::in_dir(worktree).envs(env);
    if git.try_run(&["merge", "--abort"])?.success {
        return Ok(());
    }
    git.run(&["merge", "--quit"])?;
    let _ = git.try_run(&["rerere", "clear"])?;
    Ok(())
}

/// Do the tracked files or the index of `worktree` differ from `commit`?
pub fn differs_from(worktree: &Path, commit: &str) -> Result<bool> {
    let git = Git::in_dir(worktree);
    for args in [
        &["diff", "--quiet", commit, "--"][..],
        &["diff", "--cached", "--quiet", commit, "--"],
    ] {
        let ran = git.try_run(args)?;
        match ran.code {
            Some(0) => {}
            Some(1) => return Ok(true),
            _ => {
                return Err(anyhow::anyhow!(
                    "`git {}` failed in {}: {}",
                    args.join(" "),
                    worktree.display(),
                    ran.stderr.trim()
                ));
            }
        }
    }
    Ok(false)
}

/// `git reset --keep <to>` in `worktree`: moves its branch and files, keeping local
/// changes where they do not collide (git refuses otherwise).
pub fn reset_keep(env: &Env, worktree: &Path, to: &str) -> Result<()> {
    Git::in_dir(worktree)
        .envs(env)
        .run(&["reset", "--quiet", "--keep", to])?;
    Ok(())
}
