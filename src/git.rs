//! Every call of the `git` binary goes through this module.
//!
//! git is used where gix has no complete answer or where users need git's own
//! behaviour (a conflicted merge left in a worktree, push, fetch, saving a dirty
//! worktree). Each call runs with a fixed locale and no editor, pager or prompt, and a
//! failure names the command line and what git printed.

use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A `git` invocation in a directory.
pub struct Git {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

/// The result of a git call whose non-zero exit the caller interprets itself.
pub struct Ran {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Git {
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        Git {
            dir: dir.as_ref().to_owned(),
            env: Vec::new(),
        }
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.env.push((
            key.to_owned(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir)
            .args(args)
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            .env("GIT_EDITOR", ":")
            .env("GIT_SEQUENCE_EDITOR", ":")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env("GIT_PAGER", "cat")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn describe(args: &[&str]) -> String {
        let mut line = String::from("git");
        for a in args {
            line.push(' ');
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'') {
                line.push_str(&format!("'{}'", a.replace('\'', "'\\''")));
            } else {
                line.push_str(a);
            }
        }
        line
    }

    /// Runs git and returns what happened, whatever its exit code.
    pub fn try_run(&self, args: &[&str]) -> Result<Ran> {
        let out: Output = self.command(args).output().with_context(|| {
            format!(
                "could not run `{}` in {}",
                Self::describe(args),
                self.dir.display()
            )
        })?;
        Ok(Ran {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Runs git and returns its stdout; a non-zero exit is an error naming the command.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let ran = self.try_run(args)?;
        if !ran.success {
            bail!(
                "`{}` failed in {} (exit {}): {}",
                Self::describe(args),
                self.dir.display(),
                ran.code
                    .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
                ran.stderr.trim()
            );
        }
        Ok(ran.stdout)
    }
}

/// Saves everything in `worktree` that is not committed — staged, unstaged and
/// untracked files (ignored ones excepted) — as a commit on top of HEAD, without
/// touching the worktree or its index. Returns the commit id.
pub fn snapshot_worktree(worktree: &Path, message: &str) -> Result<String> {
    let scratch = tempfile_path(worktree)?;
    let git = Git::in_dir(worktree).env("GIT_INDEX_FILE", &scratch);
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

fn tempfile_path(worktree: &Path) -> Result<PathBuf> {
    let git_dir = Git::in_dir(worktree).run(&["rev-parse", "--absolute-git-dir"])?;
    Ok(PathBuf::from(git_dir.trim()).join(format!("track-snapshot-index.{}", std::process::id())))
}

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
