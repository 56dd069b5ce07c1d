//! The scratch object directory git's merges read from and write to: private to one
//! `Judge`, under the repository's `track/` folder, removed when done, and swept by a
//! later process when a killed one left it behind.

use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};

/// A private scratch object directory, removed when dropped.
pub(super) struct Scratch(PathBuf);

/// Scratch directories older than this belong to no live process: a process killed with
/// `kill -9` leaves its own behind, and the next one sweeps it away.
const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

impl Scratch {
    /// A new directory under the repository's `track/` folder (so that what a killed
    /// process leaves stays inside the repository), or the system's temporary folder when
    /// that cannot be written.
    pub(super) fn new(state_dir: &Path) -> Result<Scratch> {
        let base = state_dir.join("scratch");
        if std::fs::create_dir_all(&base).is_ok() {
            sweep(&base);
            if let Ok(scratch) = Scratch::new_in(&base) {
                return Ok(scratch);
            }
        }
        Scratch::new_in(&std::env::temp_dir())
    }

    /// The directory.
    pub(super) fn path(&self) -> &Path {
        &self.0
    }

    fn new_in(base: &Path) -> Result<Scratch> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        for _ in 0..100 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("git-track-objects.{}.{n}", std::process::id()));
            // create_dir fails on an existing path: the directory is ours alone.
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("could not create {}", dir.display()));
                }
            }
        }
        Err(anyhow!(
            "could not create a scratch directory in {}",
            base.display()
        ))
    }
}

/// Removes the scratch directories under `base` older than [`STALE`].
fn sweep(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if stale
            && entry
                .file_name()
                .to_string_lossy()
                .starts_with("git-track-objects.")
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
