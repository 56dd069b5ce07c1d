//! What each track's definition was when this clone and a remote last agreed on it.
//!
//! Remote-tracking refs say what the remote has; they cannot say whether a track missing
//! on one side was removed there or never reached it. This record can: a track that
//! was in sync and is now missing on one side was removed on that side. It lives in
//! `<common dir>/track/remotes/<remote>.json`, is written only under the remote's lock,
//! and a lost or damaged file loses nothing: every track then reads as new, so nothing
//! is removed and a removal is merely not carried over.

use crate::repo::Repo;
use anyhow::Result;
use gix::ObjectId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    synced: BTreeMap<String, String>,
}

/// Per track, the definition commit both sides had when they last agreed.
#[derive(Debug)]
pub struct Agreed {
    path: PathBuf,
    map: BTreeMap<String, ObjectId>,
    changed: bool,
    /// Why the file could not be read, when it could not.
    pub damaged: Option<String>,
}

/// A file name for a remote name (which may hold `/`).
pub fn file_stem(remote: &str) -> String {
    let mut out = String::new();
    for c in remote.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else {
            out.push_str(&format!("%{:02X}", u32::from(c)));
        }
    }
    out
}

impl Agreed {
    pub fn load(repo: &Repo, remote: &str) -> Agreed {
        let path = repo
            .state_dir()
            .join("remotes")
            .join(format!("{}.json", file_stem(remote)));
        let mut synced = Agreed {
            path,
            map: BTreeMap::new(),
            changed: false,
            damaged: None,
        };
        let bytes = match std::fs::read(&synced.path) {
            Ok(b) => b,
            Err(_) => return synced,
        };
        match serde_json::from_slice::<File>(&bytes) {
            Ok(f) if f.version == VERSION => {
                for (name, id) in f.synced {
                    if let Ok(id) = ObjectId::from_hex(id.as_bytes()) {
                        synced.map.insert(name, id);
                    }
                }
            }
            Ok(f) => synced.damaged = Some(format!("unknown version {}", f.version)),
            Err(e) => synced.damaged = Some(e.to_string()),
        }
        synced
    }

    pub fn get(&self, name: &str) -> Option<ObjectId> {
        self.map.get(name).copied()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    pub fn set(&mut self, name: &str, id: Option<ObjectId>) {
        let before = self.map.get(name).copied();
        if before != id {
            self.changed = true;
            match id {
                Some(id) => self.map.insert(name.to_owned(), id),
                None => self.map.remove(name),
            };
        }
    }

    /// Writes the record (then renames, so no reader sees half a file).
    pub fn save(&mut self) -> Result<()> {
        if !self.changed {
            return Ok(());
        }
        let file = File {
            version: VERSION,
            synced: self
                .map
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
        };
        crate::fault::write_file(&self.path, &serde_json::to_vec_pretty(&file)?)?;
        self.changed = false;
        Ok(())
    }
}
