//! `--exec` gates: commands run in the integration worktree after each merged step.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// A gate that failed.
#[derive(Debug, Clone)]
pub struct GateFailure {
    pub command: String,
    /// `None` when killed by a signal.
    pub code: Option<i32>,
}

/// Runs each command with `sh -c` in `worktree`, with `env` and `git_env` added, stopping
/// at the first that fails. The commands' output goes to stderr, so that stdout stays the
/// merge's own report.
pub fn run(
    worktree: &Path,
    commands: &[String],
    env: &[(&str, String)],
    git_env: &crate::git::Env,
) -> Result<Option<GateFailure>> {
    for command in commands {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(command)
            .current_dir(worktree)
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::io::stderr()))
            // The command works on the integration worktree, whatever git-track was started with.
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE");
        // The identity fallback, so that a gate's own commits work as git-track's do.
        cmd.envs(git_env.0.iter().copied());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let status = cmd
            .status()
            .with_context(|| format!("could not run '{command}' in {}", worktree.display()))?;
        if !status.success() {
            return Ok(Some(GateFailure {
                command: command.clone(),
                code: status.code(),
            }));
        }
    }
    Ok(None)
}
