//! Making a new worktree ready to run: the ignored files it needs copied from the main
//! worktree, and the user's set-up command run in it with the track's environment.
//!
//! [`prepare`] is the one entry point: `git track new`, `git track attach` and `git track
//! setup` all call it.
//!
//! - Files: untracked files of the main worktree that git ignores and that match a pattern
//!   of `.worktreeinclude` (gitignore syntax, at the root of the main worktree) or of a
//!   `track.include` config value. A file that exists in the new worktree is never
//!   overwritten.
//! - Command: `track.setup`, run with `sh -c` in the new worktree. It runs code, so it is
//!   only taken from git config the user owns: a value that comes from a file inside a
//!   working tree (an `include.path` pointing at a committed or fetched file) is ignored
//!   until the user copies it into their own config.
//! - A failed command keeps the track: it is marked as not set up
//!   (`<common dir>/track/setup-failed/<name>`) until `git track setup <name>` succeeds.

use crate::git;
use crate::repo::{Repo, canonical};
use crate::track_env::TrackEnv;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

pub const INCLUDE_FILE: &str = ".worktreeinclude";
pub const KEY_INCLUDE: &str = "track.include";
pub const KEY_SETUP: &str = "track.setup";
const FAILED_DIR: &str = "setup-failed";

/// What [`prepare`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Prepared {
    /// Files copied from the main worktree, relative to the worktree root.
    pub copied: Vec<String>,
    /// Files that matched but were already there: left as they were.
    pub kept: Vec<String>,
    /// The set-up command and how it ended; `None` when there is none.
    pub setup: Option<SetupRun>,
    /// A `track.setup` found only where it is not trusted, with where it was.
    pub untrusted_setup: Option<String>,
}

/// The set-up command could not be started at all (no shell, or the worktree is gone).
#[derive(Debug, thiserror::Error)]
#[error("could not run the set-up command '{command}' in {}: {cause}", worktree.display())]
pub struct CouldNotRun {
    pub command: String,
    pub worktree: PathBuf,
    pub cause: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetupRun {
    pub command: String,
    /// The exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub success: bool,
    pub seconds: f64,
}

impl Prepared {
    /// Did everything asked for succeed?
    pub fn is_set_up(&self) -> bool {
        self.setup.as_ref().is_none_or(|s| s.success)
    }
}

/// Copies the included files into `worktree` and runs the set-up command there.
/// `progress` gets a line before and after the command; the command's own output goes to
/// this process's stderr as it comes.
pub fn prepare(
    repo: &Repo,
    env: &TrackEnv,
    worktree: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<Prepared> {
    let mut out = Prepared::default();
    if let Some(main) = &repo.main_workdir
        && canonical(worktree) != *main
    {
        copy_included(repo, main, worktree, &mut out)?;
    }
    let (command, untrusted) = setup_command(repo)?;
    out.untrusted_setup = untrusted;
    if let Some(command) = command {
        let run = run_setup(env, worktree, &command, progress)?;
        mark(repo, &env.track, (!run.success).then_some(&run))?;
        out.setup = Some(run);
    } else {
        mark(repo, &env.track, None)?;
    }
    Ok(out)
}

/// Is track `name` marked as not set up? Returns the command that failed.
pub fn failed(repo: &Repo, name: &str) -> Option<String> {
    std::fs::read_to_string(failed_path(repo, name)).ok()
}

fn failed_path(repo: &Repo, name: &str) -> PathBuf {
    repo.state_dir().join(FAILED_DIR).join(name)
}

fn mark(repo: &Repo, name: &str, failed: Option<&SetupRun>) -> Result<()> {
    let path = failed_path(repo, name);
    match failed {
        None => {
            let _ = std::fs::remove_file(&path);
        }
        Some(run) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("could not create {}", dir.display()))?;
            }
            let how = match run.code {
                Some(c) => format!("exit {c}"),
                None => "killed by a signal".to_owned(),
            };
            std::fs::write(&path, format!("'{}' ({how})", run.command))
                .with_context(|| format!("could not write {}", path.display()))?;
        }
    }
    Ok(())
}

fn copy_included(repo: &Repo, main: &Path, worktree: &Path, out: &mut Prepared) -> Result<()> {
    let file = main.join(INCLUDE_FILE);
    let file = file.is_file().then_some(file);
    let patterns: Vec<String> = repo
        .gix
        .config_snapshot()
        .plumbing()
        .strings(KEY_INCLUDE)
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty())
        .collect();
    if file.is_none() && patterns.is_empty() {
        return Ok(());
    }
    for rel in git::ignored_matching(main, file.as_deref(), &patterns)? {
        let from = main.join(&rel);
        let to = worktree.join(&rel);
        if to.symlink_metadata().is_ok() {
            out.kept.push(rel);
            continue;
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        copy_file(&from, &to)?;
        out.copied.push(rel);
    }
    Ok(())
}

/// Copies one file, or recreates a symbolic link as it is; never replaces what is there.
fn copy_file(from: &Path, to: &Path) -> Result<()> {
    let meta = from
        .symlink_metadata()
        .with_context(|| format!("could not read {}", from.display()))?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from)
            .with_context(|| format!("could not read the link {}", from.display()))?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, to)
            .with_context(|| format!("could not create the link {}", to.display()))?;
        #[cfg(not(unix))]
        let _ = target;
        return Ok(());
    }
    // `create_new`: a file that appeared since we looked is not overwritten either.
    let mut dest = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .with_context(|| format!("could not create {}", to.display()))?;
    let mut src =
        std::fs::File::open(from).with_context(|| format!("could not read {}", from.display()))?;
    std::io::copy(&mut src, &mut dest)
        .with_context(|| format!("could not copy {} to {}", from.display(), to.display()))?;
    dest.set_permissions(meta.permissions())
        .with_context(|| format!("could not set the mode of {}", to.display()))?;
    Ok(())
}

/// `track.setup` from config the user owns, and where an untrusted one was seen.
fn setup_command(repo: &Repo) -> Result<(Option<String>, Option<String>)> {
    let snapshot = repo.gix.config_snapshot();
    let cfg = snapshot.plumbing();
    let roots: Vec<PathBuf> = repo.worktrees()?.into_iter().map(|w| w.path).collect();
    let inside_a_tree = |p: &Path| {
        let p = canonical(p);
        !p.starts_with(&repo.common_dir) && roots.iter().any(|r| p.starts_with(r))
    };
    let trusted = cfg.string_filter(KEY_SETUP, |meta| {
        meta.path.as_deref().is_none_or(|p| !inside_a_tree(p))
    });
    let command = trusted
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty());
    let mut untrusted = None;
    if command.is_none() {
        let mut seen = None;
        let _ = cfg.string_filter(KEY_SETUP, |meta| {
            if let Some(p) = meta.path.as_deref()
                && inside_a_tree(p)
            {
                seen = Some(p.display().to_string());
            }
            false
        });
        untrusted = seen;
    }
    Ok((command, untrusted))
}

fn run_setup(
    env: &TrackEnv,
    worktree: &Path,
    command: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<SetupRun> {
    progress(&format!(
        "Setting up track '{}': running '{command}' in {}",
        env.track,
        worktree.display()
    ));
    let started = Instant::now();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(worktree)
        .stdin(Stdio::null())
        // stdout stays this command's own report (the worktree path for `new`).
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit());
    env.apply(&mut cmd);
    let status = cmd.status().map_err(|e| CouldNotRun {
        command: command.to_owned(),
        worktree: worktree.to_owned(),
        cause: e.to_string(),
    })?;
    let run = SetupRun {
        command: command.to_owned(),
        code: status.code(),
        success: status.success(),
        seconds: started.elapsed().as_secs_f64(),
    };
    progress(&format!(
        "Set-up of track '{}' {} after {:.1}s",
        env.track,
        match (run.success, run.code) {
            (true, _) => "finished".to_owned(),
            (false, Some(c)) => format!("failed with exit {c}"),
            (false, None) => "was killed by a signal".to_owned(),
        },
        run.seconds
    ));
    Ok(run)
}
