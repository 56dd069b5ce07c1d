//! The scratch object directory git's merges read from and write to: private to one
//! `Judge` (mode 0700), removed when done, and swept by a later process when a killed one
//! left it behind.
//!
//! It lives in memory when the system offers a memory file system (`$XDG_RUNTIME_DIR`,
//! `/dev/shm`): every object there is a loose file, and on git.git a cold `overlap
//! --level conflicts` writes about 1,800 of them (git's merge results included) in 1,300
//! fan-out folders — on a disk file system that was a third of the command's time. Else
//! it is under the repository's `track/` folder, so that what a killed process leaves
//! stays inside the repository.

use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};

/// A private scratch object directory, removed when dropped.
pub(super) struct Scratch(PathBuf);

/// Scratch directories older than this belong to no live process: a process killed with
/// `kill -9` leaves its own behind, and the next one sweeps it away.
const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

impl Scratch {
    /// A new directory in memory (see the module's comment), else under the repository's
    /// `track/` folder, else in the system's temporary folder.
    pub(super) fn new(state_dir: &Path) -> Result<Scratch> {
        for base in in_memory() {
            sweep(&base);
            if let Ok(scratch) = Scratch::new_in(&base) {
                return Ok(scratch);
            }
        }
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
            // create_dir fails on an existing path: the directory is ours alone, and
            // no one else's to read, in a folder other users share.
            match private_dir(&dir) {
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

/// The memory file systems a scratch directory may go to, first choice first.
fn in_memory() -> Vec<PathBuf> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    runtime
        .into_iter()
        .chain([PathBuf::from("/dev/shm")])
        .filter(|p| p.is_absolute() && p.is_dir())
        .collect()
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir(dir)
}

/// Removes the scratch directories under `base` older than [`STALE`] (those of other
/// users, in a shared folder, stay: they are not ours to remove).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_directory_is_private_and_gone_when_dropped() {
        let state = tempfile::tempdir().expect("tempdir");
        let scratch = Scratch::new(state.path()).expect("scratch");
        let path = scratch.path().to_owned();
        assert!(path.is_dir());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "{}", path.display());
        }
        drop(scratch);
        assert!(!path.exists());
    }
}
