//! The locks git-track takes on its own files under `<common dir>/track/`.
//!
//! Each is an advisory lock (`flock`) on a file that stays in place: the kernel releases
//! it when its holder ends, however it ends, so a process killed while holding one
//! (`kill -9`, a crash, a lost terminal) never leaves the tool wedged, and a lock is never
//! "taken over" by deleting a file another process may still hold. The holder writes its
//! process id and host into the file so a waiter can say who it is waiting for.

use crate::repo::Repo;
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A lock that could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process held it for longer than the wait.
    #[error("could not lock {}: {holder} has held it for more than {secs} s while {doing}", path.display())]
    Held {
        path: PathBuf,
        holder: String,
        secs: u64,
        doing: String,
    },
    /// The file system refused the lock.
    #[error("could not lock {}: {cause}", path.display())]
    Unsupported { path: PathBuf, cause: String },
}

/// How long to wait for a live holder before giving up.
const WAIT: Duration = Duration::from_secs(30);
/// Remote operations wait longer: the holder may be fetching over a slow network.
const REMOTE_WAIT: Duration = Duration::from_secs(300);

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct Held {
    _file: File,
}

/// The lock serialising the creation and removal of tracks (name checks included).
pub fn tracks(repo: &Repo) -> Result<Held> {
    acquire(
        &repo.state_dir(),
        "tracks",
        "creating or removing a track",
        WAIT,
    )
}

/// The lock serialising the adding and removing of worktrees.
pub fn worktrees(repo: &Repo) -> Result<Held> {
    acquire(
        &repo.state_dir(),
        "worktrees",
        "adding or removing a worktree",
        WAIT,
    )
}

/// The lock the processes of this clone take in turn to talk to one remote; `stem` names
/// the remote as a file name.
pub fn remote(repo: &Repo, stem: &str) -> Result<Held> {
    let dir = repo.state_dir().join("remotes");
    acquire(&dir, stem, "talking to this remote", REMOTE_WAIT)
}

/// Takes `<dir>/<name>.lock`, waiting up to `wait` for a live holder.
fn acquire(dir: &Path, name: &str, doing: &str, wait: Duration) -> Result<Held> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let path = dir.join(format!("{name}.lock"));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("could not open the lock file {}", path.display()))?;
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(u64::from(attempt.min(20)) * 5));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    path,
                    holder: holder(&mut file),
                    secs: wait.as_secs(),
                    doing: doing.to_string(),
                }
                .into());
            }
            Err(TryLockError::Error(e)) => {
                return Err(LockError::Unsupported {
                    path,
                    cause: e.to_string(),
                }
                .into());
            }
        }
    }
    record_holder(&mut file, &path)?;
    pause_for_tests(name);
    Ok(Held { _file: file })
}

/// Writes "<pid> <host>" over what the previous holder wrote. Not by truncating to
/// zero first: on ext4 a file truncated to zero and written again is flushed to disk
/// when closed (its `auto_da_alloc`), half a millisecond of every `git track new`.
fn record_holder(file: &mut File, path: &Path) -> Result<()> {
    let me = format!("{} {}\n", std::process::id(), host());
    let len = me.len() as u64;
    file.rewind()
        .and_then(|()| file.write_all(me.as_bytes()))
        .and_then(|()| file.metadata())
        .and_then(|m| {
            if m.len() > len {
                file.set_len(len)
            } else {
                Ok(())
            }
        })
        .with_context(|| format!("could not write {}", path.display()))
}

/// "process <pid> on <host>", as the holder recorded it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
    match text.split_whitespace().collect::<Vec<_>>()[..] {
        [pid, host] => format!("process {pid} on {host}"),
        _ => "another git-track".to_owned(),
    }
}

/// This machine's name, as the kernel has it.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Tests reach "killed while holding a lock" through this: with
/// `GIT_TRACK_TEST_PAUSE_LOCKED=<lock name>:<marker file>`, the process writes the marker
/// file once it holds that lock, then waits until the marker is removed.
fn pause_for_tests(name: &str) {
    let Some(spec) = std::env::var_os("GIT_TRACK_TEST_PAUSE_LOCKED") else {
        return;
    };
    let spec = spec.to_string_lossy();
    let Some((lock, marker)) = spec.split_once(':') else {
        return;
    };
    if lock != name {
        return;
    }
    let marker = PathBuf::from(marker);
    if std::fs::write(&marker, std::process::id().to_string()).is_err() {
        return;
    }
    while marker.exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
}
