//! The environment of every command git-track runs for a track (set-up, merge gates,
//! `git track exec`, `compare --exec`): `GIT_TRACK=<name>`, `GIT_TRACK_INDEX=<n>` and
//! `GIT_TRACK_PORT=<track.portBase + n * track.portStride>`.
//!
//! A track's index is a small number, stable for as long as the track exists and unique
//! among the tracks that exist, so parallel dev servers of different tracks never ask for
//! the same port. Indexes are local (ports are a concern of one machine): they live in
//! `<common dir>/track/indexes`, one `<name> <n>` line each, written under a lock. An index
//! whose track is gone is free again; numbers start at 1, so no track gets the base port
//! itself (the main worktree's server keeps it).

use crate::repo::Repo;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

pub const KEY_PORT_BASE: &str = "track.portBase";
pub const KEY_PORT_STRIDE: &str = "track.portStride";
pub const DEFAULT_PORT_BASE: u32 = 3000;
pub const DEFAULT_PORT_STRIDE: u32 = 10;
const FILE_NAME: &str = "indexes";

/// What a track's commands are told about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrackEnv {
    pub track: String,
    pub index: u32,
    pub port: u32,
}

impl TrackEnv {
    /// The variables, as `(name, value)` pairs for `Command::env`.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GIT_TRACK", self.track.clone()),
            ("GIT_TRACK_INDEX", self.index.to_string()),
            ("GIT_TRACK_PORT", self.port.to_string()),
        ]
    }

    /// Sets the variables on `cmd`, and takes away what would point a git command run
    /// inside the track's worktree at another one.
    pub fn apply(&self, cmd: &mut std::process::Command) {
        cmd.env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE");
        for (k, v) in self.vars() {
            cmd.env(k, v);
        }
    }
}

/// The environment of track `name`, giving it an index if it has none yet (the indexes
/// of tracks that no longer exist are freed then).
pub fn for_track(repo: &Repo, name: &str) -> Result<TrackEnv> {
    let index = index(repo, name)?;
    Ok(TrackEnv {
        track: name.to_owned(),
        index,
        port: port(repo, index)?,
    })
}

/// The file of track indexes stayed locked (by another git-track giving one out, or
/// left behind by one that was killed).
#[derive(Debug, thiserror::Error)]
#[error("could not lock {}.lock: {cause}", resource.display())]
pub struct IndexLocked {
    pub resource: std::path::PathBuf,
    pub cause: String,
}

/// A track index whose port (`track.portBase + index * track.portStride`) is above
/// the highest port.
#[derive(Debug, thiserror::Error)]
#[error(
    "the port of track index {index} would be {port} ({KEY_PORT_BASE} {base} + {index} * {KEY_PORT_STRIDE} {stride}), above 65535"
)]
pub struct PortTooHigh {
    pub index: u32,
    pub port: u64,
    pub base: u32,
    pub stride: u32,
}

/// `track.portBase + index * track.portStride`, refused when it is not a port.
pub fn port(repo: &Repo, index: u32) -> Result<u32> {
    let cfg = repo.gix.config_snapshot();
    let number = |key: &str, default: u32| -> Result<u32> {
        match cfg.string(key) {
            None => Ok(default),
            Some(v) => v.to_string().trim().parse::<u32>().map_err(|_| {
                crate::config::BadValue {
                    key: key.to_owned(),
                    value: v.to_string(),
                    expected: "a number".to_owned(),
                    example: "<number>".to_owned(),
                }
                .into()
            }),
        }
    };
    let base = number(KEY_PORT_BASE, DEFAULT_PORT_BASE)?;
    let stride = number(KEY_PORT_STRIDE, DEFAULT_PORT_STRIDE)?;
    let port = u64::from(base) + u64::from(index) * u64::from(stride);
    if port > 65_535 {
        return Err(PortTooHigh {
            index,
            port,
            base,
            stride,
        }
        .into());
    }
    Ok(port as u32)
}

/// The index of `name`: the one it has, else the smallest number no existing track holds.
pub fn index(repo: &Repo, name: &str) -> Result<u32> {
    let path = repo.state_dir().join(FILE_NAME);
    // Most calls find the index already given: no lock, no write.
    if let Some(n) = read(&path).get(name) {
        return Ok(*n);
    }
    let _lock = lock(repo)?;
    let mut table = read(&path);
    if let Some(n) = table.get(name) {
        return Ok(*n);
    }
    // Listed under the lock: a track given an index had its definition written first, so
    // no index another process just gave out is taken back.
    let names = crate::store::names(repo)?;
    let live: BTreeSet<&str> = names.iter().map(String::as_str).chain([name]).collect();
    table.retain(|k, _| live.contains(k.as_str()));
    let taken: BTreeSet<u32> = table.values().copied().collect();
    let n = (1..).find(|n| !taken.contains(n)).unwrap_or(1);
    table.insert(name.to_owned(), n);
    write(&path, &table)?;
    Ok(n)
}

fn read(path: &Path) -> BTreeMap<String, u32> {
    // A damaged file loses only the indexes (they are handed out again), never more.
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (name, n) = l.rsplit_once(' ')?;
            Some((name.to_owned(), n.parse().ok()?))
        })
        .collect()
}

fn write(path: &Path, table: &BTreeMap<String, u32>) -> Result<()> {
    let text: String = table.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    crate::fault::write_file(path, text.as_bytes())
}

fn lock(repo: &Repo) -> Result<gix::lock::Marker> {
    let dir = repo.state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let resource = dir.join(FILE_NAME);
    let mode = gix::lock::acquire::Fail::AfterDurationWithBackoff(Duration::from_secs(10));
    gix::lock::Marker::acquire_to_hold_resource(&resource, mode, None, 0).map_err(|e| {
        IndexLocked {
            resource,
            cause: e.to_string(),
        }
        .into()
    })
}
