//! The overlap cache, `<common dir>/track/overlap-cache`: effective changes by track
//! tip, pair verdicts by pair of tips and the merge bases both merges had, all for one
//! integration tip and one set of merge settings. Everything is keyed by object ids, so an unchanged track is found
//! again and a moved tip misses only its own entries.
//!
//! The file is a header line `git-track-overlap-cache <version> <checksum>` and a JSON
//! body. A file that does not parse, fails its checksum or was made for another
//! integration tip or other settings is ignored and rewritten: never trusted.

use super::effect::Effect;
use super::hunks::Fnv;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAGIC: &str = "git-track-overlap-cache";
const VERSION: u32 = 2;
pub const FILE_NAME: &str = "overlap-cache";

/// The verdict of the ordered merge of a pair (A into the integration tip, then B).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub conflict: bool,
    pub paths: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Body {
    /// The integration tip every entry was computed against.
    pub integration: String,
    /// Settings that change merge results (renames, diff algorithm, ...).
    pub settings: String,
    /// Effective changes by compared commit (branch tip or worktree snapshot).
    pub tracks: BTreeMap<String, Effect>,
    /// Verdicts by `"<tip a> <tip b>"`, in merge order.
    pub pairs: BTreeMap<String, Verdict>,
    /// The merge bases of a track's merge into the integration tip (by tip) and of a
    /// pair's ordered merge (by `"<tip a> <tip b>"`), best first: a tip that moved on by
    /// new commits keeps them (see `context::known_bases`).
    #[serde(default)]
    pub bases: BTreeMap<String, Vec<String>>,
}

pub struct Cache {
    path: PathBuf,
    pub body: Body,
    /// Entries looked up or added in this run; only these are written back.
    used_tracks: BTreeMap<String, ()>,
    used_pairs: BTreeMap<String, ()>,
    dirty: bool,
}

impl Cache {
    /// Reads the cache for `integration` and `settings`; anything else starts empty.
    pub fn load(state_dir: &Path, integration: &str, settings: &str) -> Cache {
        let path = state_dir.join(FILE_NAME);
        let body = std::fs::read(&path)
            .ok()
            .and_then(|data| parse(&data))
            .filter(|b| b.integration == integration && b.settings == settings);
        let fresh = body.is_none();
        Cache {
            path,
            body: body.unwrap_or_else(|| Body {
                integration: integration.to_owned(),
                settings: settings.to_owned(),
                ..Body::default()
            }),
            used_tracks: BTreeMap::new(),
            used_pairs: BTreeMap::new(),
            dirty: fresh,
        }
    }

    pub fn track(&mut self, key: &str) -> Option<Effect> {
        let found = self.body.tracks.get(key).cloned();
        if found.is_some() {
            self.used_tracks.insert(key.to_owned(), ());
        }
        found
    }

    pub fn put_track(&mut self, key: &str, effect: &Effect) {
        self.used_tracks.insert(key.to_owned(), ());
        self.body.tracks.insert(key.to_owned(), effect.clone());
        self.dirty = true;
    }

    pub fn pair(&mut self, key: &str) -> Option<Verdict> {
        let found = self.body.pairs.get(key).cloned();
        if found.is_some() {
            self.used_pairs.insert(key.to_owned(), ());
        }
        found
    }

    pub fn put_pair(&mut self, key: &str, verdict: Verdict) {
        self.used_pairs.insert(key.to_owned(), ());
        self.body.pairs.insert(key.to_owned(), verdict);
        self.dirty = true;
    }

    /// The merge bases stored for `key` (a tip, or a pair of tips).
    pub fn bases(&self, key: &str) -> Option<Vec<gix::ObjectId>> {
        self.body
            .bases
            .get(key)?
            .iter()
            .map(|b| gix::ObjectId::from_hex(b.as_bytes()).ok())
            .collect()
    }

    pub fn put_bases(&mut self, key: &str, bases: &[gix::ObjectId]) {
        let bases: Vec<String> = bases.iter().map(ToString::to_string).collect();
        if self.body.bases.get(key) != Some(&bases) {
            self.body.bases.insert(key.to_owned(), bases);
            self.dirty = true;
        }
    }

    /// Writes the cache back (atomically) if anything changed. Entries not used in this
    /// run are kept as long as they belong to the same integration tip, so comparing a
    /// subset of tracks does not evict the others. A cache that cannot be written is
    /// simply not kept: it is an optimisation, never a requirement.
    pub fn save(self) {
        if !self.dirty {
            return;
        }
        let Ok(json) = serde_json::to_string(&self.body) else {
            return;
        };
        let mut sum = Fnv::new();
        sum.write(json.as_bytes());
        let text = format!("{MAGIC} {VERSION} {:016x}\n{json}", sum.finish());
        let _ = crate::fault::write_file(&self.path, text.as_bytes());
    }
}

fn parse(data: &[u8]) -> Option<Body> {
    let newline = data.iter().position(|b| *b == b'\n')?;
    let header = std::str::from_utf8(&data[..newline]).ok()?;
    let body = &data[newline + 1..];
    let mut words = header.split(' ');
    if words.next()? != MAGIC || words.next()?.parse::<u32>().ok()? != VERSION {
        return None;
    }
    let expected = u64::from_str_radix(words.next()?, 16).ok()?;
    let mut sum = Fnv::new();
    sum.write(body);
    if sum.finish() != expected {
        return None;
    }
    serde_json::from_slice(body).ok()
}
