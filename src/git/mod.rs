//! Every call of the `git` binary goes through this module.
//!
//! git is used where gix has no complete answer or where users need git's own
//! behaviour (a conflicted merge left in a worktree, push, fetch, saving a dirty
//! worktree). Each call runs with a fixed locale and no editor, pager or prompt, and a
//! failure names the command line and what git printed.

//!
//! `mod.rs` holds the runner ([`Git`]: fixed environment, the command line in every
//! error); the calls are grouped by what they serve:
//! - `worktree`: merges left in a worktree, snapshots of a dirty worktree, moving a
//!   worktree's files and resetting them.
//! - `trees`: merges of trees without a worktree (`merge-tree`).
//! - `sync`: `git track sync`'s merge or rebase in a track's worktree.
//! - `remote`: fetch, push, notes merges and upstream branches.
//! - `setup`: repositories and files made or asked about (init, add, config, ignores).

mod remote;
mod setup;
mod sync;
mod trees;
mod worktree;

pub use remote::{Pushed, PushedRef, branch_tracking, fetch, notes_merge_ours, push};
pub use setup::{
    add, commit_all, config_add, hooks_dir, ignored_matching, init_repository, is_tracked,
    sparse_checkout_add,
};
pub use sync::{SyncMode, abort_sync, continue_sync, rebase_in_progress, sync_worktree};
pub use trees::{TreeMerge, merge_tree, merge_trees, merge_trees_batch};
pub use worktree::{
    Unstaged, WorktreeMerge, abandon_merge, check_move_worktree, commit_merge, differs_from,
    has_untracked, is_pristine, merge_head, merge_into_worktree, move_worktree, reset_keep,
    reset_worktree, snapshot_worktree, stage_paths, unstaged, untracked_in_the_way,
};

use anyhow::{Context, Result};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ALTERNATES: &str = "GIT_ALTERNATE_OBJECT_DIRECTORIES";

/// git-track's own commit-graph's folder, once opened (see [`crate::dag::own_graph`]).
static COMMIT_GRAPH_FOLDER: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// From now on every git process this one starts also sees `folder` as an alternate
/// object folder, for the commit-graph in it (it holds no objects).
pub fn set_commit_graph_folder(folder: &Path) {
    if let Some(folder) = folder.to_str() {
        let _ = COMMIT_GRAPH_FOLDER.set(folder.to_owned());
    }
}

fn with_alternate(alternates: Option<String>, folder: &str) -> String {
    match alternates {
        Some(a) if !a.is_empty() => format!("{a}:{folder}"),
        _ => folder.to_owned(),
    }
}

/// Brings the commit-graph in `folder` (an object folder of its own, see
/// [`crate::dag::own_graph`]) up to date with every commit reachable from the refs of the
/// repository at `dir`: a new layer holds what the others lack. In the `background`,
/// git is left to finish on its own, as its automatic `gc` is; else waited for.
pub fn write_commit_graph(dir: &Path, folder: &Path, background: bool) -> Result<()> {
    let folder = folder
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not UTF-8", folder.display()))?;
    let args = [
        "commit-graph",
        "write",
        "--reachable",
        "--split",
        "--no-progress",
        "--object-dir",
        folder,
    ];
    let mut cmd = Git::in_dir(dir).command(&args);
    cmd.env(
        ALTERNATES,
        with_alternate(std::env::var(ALTERNATES).ok(), folder),
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let what = || format!("could not run {}", Git::describe(&args));
    if background {
        cmd.spawn().with_context(what)?;
        return Ok(());
    }
    let status = cmd.status().with_context(what)?;
    if !status.success() {
        return Err(anyhow::anyhow!(
            "{} failed ({status})",
            Git::describe(&args)
        ));
    }
    Ok(())
}

/// A `git` invocation in a directory.
pub struct Git {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

/// Environment variables every git subprocess that may record an identity (a commit, a
/// reflog entry) gets on behalf of a repository: the identity git-track falls back to
/// when none is configured (see [`crate::repo::Repo::discover`]). Passed explicitly, the
/// process's own environment is never changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env(pub Vec<(&'static str, &'static str)>);

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

    /// Adds `env`'s variables.
    pub fn envs(mut self, env: &Env) -> Self {
        for (key, value) in &env.0 {
            self = self.env(key, value);
        }
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        if let Some(folder) = COMMIT_GRAPH_FOLDER.get() {
            cmd.env(ALTERNATES, with_alternate(self.alternates(), folder));
        }
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
            if k != ALTERNATES || COMMIT_GRAPH_FOLDER.get().is_none() {
                cmd.env(k, v);
            }
        }
        cmd
    }

    /// The alternate object folders this call is to see: its own, else the process's.
    fn alternates(&self) -> Option<String> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == ALTERNATES)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(ALTERNATES).ok())
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

    /// Runs git and returns what happened, whatever its exit code. A call that may write
    /// is a crash point (see [`crate::fault`]).
    pub fn try_run(&self, args: &[&str]) -> Result<Ran> {
        if may_write(args) {
            crate::fault::point(|| Self::describe(args));
        }
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
            return Err(ran.failure(args, &self.dir));
        }
        Ok(ran.stdout)
    }
}

impl Ran {
    /// The error for a run that failed: the command line, where, the exit and stderr.
    pub fn failure(&self, args: &[&str], dir: &Path) -> anyhow::Error {
        anyhow::anyhow!(
            "`{}` failed in {} (exit {}): {}",
            Git::describe(args),
            dir.display(),
            self.code
                .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
            self.stderr.trim()
        )
    }
}

/// Does this git call possibly change a ref, an index, a worktree or a remote? Reads
/// (and object writes, which change nothing anyone sees) are not crash points.
fn may_write(args: &[&str]) -> bool {
    const READS: &[&str] = &[
        "rev-parse",
        "diff",
        "write-tree",
        "status",
        "ls-files",
        "merge-base",
        "cat-file",
        "log",
        "show",
        "for-each-ref",
        "ls-remote",
        "rev-list",
        "version",
        "var",
        "hash-object",
        "check-ref-format",
        "merge-tree",
        "ls-tree",
        "show-ref",
        "diff-tree",
        "diff-index",
    ];
    // `-c <key>=<value>` before the command sets a setting for this call only.
    let mut args = args;
    while let ["-c", _, rest @ ..] = args {
        args = rest;
    }
    match args.first() {
        Some(&"config") => !args
            .iter()
            .any(|a| a.starts_with("--get") || *a == "--list"),
        Some(cmd) => !READS.contains(cmd),
        None => false,
    }
}

impl Git {
    /// Runs git with `input` on its stdin; a non-zero exit is the caller's to judge.
    pub fn try_run_with_input(&self, args: &[&str], input: &[u8]) -> Result<Ran> {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| {
                format!(
                    "could not run `{}` in {}",
                    Self::describe(args),
                    self.dir.display()
                )
            })?;
        // Written from a thread: git may fill its stdout before it has read all of stdin.
        let mut stdin = child.stdin.take();
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(&data);
            }
        });
        let out = child.wait_with_output()?;
        let _ = writer.join();
        Ok(Ran {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

fn nul_separated(text: &str) -> Vec<String> {
    text.split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
