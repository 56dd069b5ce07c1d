//! Crash points: test builds can stop the process, as `kill -9` would, just before any
//! step that writes.
//!
//! Every writing step of every command goes through [`point`]: ref updates
//! ([`crate::repo::edit_reference`]), calls of the `git` binary that may write
//! ([`crate::git`]), local state files ([`write_file`], [`remove_file`]), and adding and
//! removing worktrees ([`crate::linked_worktree`]). In builds with debug assertions
//! (`cargo build`, `cargo test`) two environment variables are read; release builds
//! ignore them and [`point`] compiles to nothing:
//!
//! - `GIT_TRACK_TEST_CRASH_AT=<n>`: the process exits with code 137, without running any
//!   destructor (held locks, temporary files and half-done work stay as a kill leaves
//!   them), just before its n-th writing step.
//! - `GIT_TRACK_TEST_CRASH_TRACE=1`: each writing step is named on stderr as
//!   `crash point <n>: <what>`, so a test knows how many points a command has.
//!
//! - `GIT_TRACK_TEST_EXIT_AFTER_STEP=<n>`: `merge` exits the same way right after its
//!   n-th step is done and saved (see [`after_merge_step`]).
//!
//! The crash-point walk (`tests/it/crash.rs`) runs each command once per point.

use anyhow::{Context, Result};
use std::path::Path;

pub const CRASH_AT: &str = "GIT_TRACK_TEST_CRASH_AT";
pub const CRASH_TRACE: &str = "GIT_TRACK_TEST_CRASH_TRACE";
/// The exit code of a process stopped at a crash point (as if killed by SIGKILL).
pub const CRASH_EXIT: i32 = 137;

/// A writing step is about to happen; `what` names it (only evaluated when traced).
#[inline]
pub fn point(what: impl FnOnce() -> String) {
    #[cfg(debug_assertions)]
    debug::point(what);
    #[cfg(not(debug_assertions))]
    let _ = what;
}

/// Stops the process as a kill would, without cleanup (test builds only; see the module
/// documentation). Also used by merge's after-step hook.
pub fn crash() -> ! {
    std::process::exit(CRASH_EXIT)
}

pub const EXIT_AFTER_STEP: &str = "GIT_TRACK_TEST_EXIT_AFTER_STEP";

/// Merge step `step` is done and saved: the process stops here when
/// `GIT_TRACK_TEST_EXIT_AFTER_STEP` names it (test builds only).
pub fn after_merge_step(step: usize) {
    #[cfg(debug_assertions)]
    if std::env::var(EXIT_AFTER_STEP)
        .ok()
        .and_then(|v| v.parse().ok())
        == Some(step)
    {
        crash();
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

#[cfg(debug_assertions)]
mod debug {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Settings {
        at: Option<usize>,
        trace: bool,
    }

    fn settings() -> &'static Settings {
        static SETTINGS: OnceLock<Settings> = OnceLock::new();
        SETTINGS.get_or_init(|| Settings {
            at: std::env::var(super::CRASH_AT)
                .ok()
                .and_then(|v| v.parse().ok()),
            trace: std::env::var_os(super::CRASH_TRACE).is_some(),
        })
    }

    pub fn point(what: impl FnOnce() -> String) {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let s = settings();
        if s.at.is_none() && !s.trace {
            return;
        }
        let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        if s.trace {
            eprintln!("crash point {n}: {}", what());
        }
        if s.at == Some(n) {
            super::crash();
        }
    }
}

/// Replaces `path` with `bytes` atomically (a temporary file beside it, then a rename),
/// creating its folder; one writing step.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    point(|| format!("write {}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.with_context(|| format!("could not write {}", path.display()))
}

/// Removes the file at `path` when it exists; one writing step.
pub fn remove_file(path: &Path) -> Result<()> {
    point(|| format!("remove {}", path.display()));
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::anyhow!("could not remove {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}
