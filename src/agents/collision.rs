//! The collision warning: before an agent edits a file, which other live tracks have
//! changed that file, and which lines.
//!
//! A track's changes are those of its commits since it left the integration branch (its
//! fork point there, else the base it recorded). They are cached in
//! `<common dir>/track/collision-cache`, keyed by the track's tip and the integration tip:
//! a track that did not move since the last edit costs one lookup, and a damaged cache
//! is only a slower check. The lines are computed for the files that collide only.
//! Uncommitted work in other worktrees is not looked at: that would cost a status of every
//! worktree before every edit.

use crate::repo::Repo;
use crate::scope::changes;
use crate::status::is_pending;
use crate::store::Listing;
use crate::track::Track;
use anyhow::Result;
use gix::ObjectId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const KEY: &str = "track.collision";
const CACHE: &str = "collision-cache";
const VERSION: u32 = 1;

/// What the pre-edit check does when an edit collides (`track.collision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    Deny,
    /// Put the edit to the person (agents that cannot ask allow it with the message).
    #[default]
    Ask,
    /// Allow it, with the message.
    Warn,
    Off,
}

impl Mode {
    pub const ALL: &'static [&'static str] = &["deny", "ask", "warn", "off"];

    /// The configured mode; an unknown value is an error naming the key.
    pub fn read(repo: &Repo) -> Result<Mode> {
        let value = repo
            .gix
            .config_snapshot()
            .string(KEY)
            .map(|v| v.to_string());
        match value.as_deref().map(str::trim) {
            None | Some("") | Some("ask") => Ok(Mode::Ask),
            Some("deny") => Ok(Mode::Deny),
            Some("warn") => Ok(Mode::Warn),
            Some("off") => Ok(Mode::Off),
            Some(other) => Err(crate::config::BadValue {
                key: KEY.to_owned(),
                value: other.to_owned(),
                expected: format!("one of {}", Mode::ALL.join(", ")),
                example: "ask".to_owned(),
            }
            .into()),
        }
    }
}

/// Another track that changed a file about to be edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collision {
    pub path: String,
    pub track: String,
    pub owner: Option<String>,
    /// Line ranges (1-based, inclusive) that track changed, in the file as it was where the
    /// track forked; empty when the file is binary or was added or deleted whole.
    pub lines: Vec<(u32, u32)>,
    /// How that track changed the file: "modified", "added", "deleted" or "binary".
    pub how: &'static str,
}

impl Collision {
    /// "lines 3-5, 9" / "added the file" / ...
    pub fn describe_lines(&self) -> String {
        match self.how {
            "added" => "added the file".to_owned(),
            "deleted" => "deleted the file".to_owned(),
            "binary" => "changed the (binary) file".to_owned(),
            _ if self.lines.is_empty() => "changed the file".to_owned(),
            _ => {
                let ranges: Vec<String> = self
                    .lines
                    .iter()
                    .map(|(a, b)| {
                        if a == b {
                            a.to_string()
                        } else {
                            format!("{a}-{b}")
                        }
                    })
                    .collect();
                format!(
                    "changed line{} {}",
                    if self.lines.len() == 1 && self.lines[0].0 == self.lines[0].1 {
                        ""
                    } else {
                        "s"
                    },
                    ranges.join(", ")
                )
            }
        }
    }
}

/// One message naming every collision, for the agent and the person.
pub fn message(me: &str, found: &[Collision]) -> String {
    let parts: Vec<String> = found
        .iter()
        .map(|c| {
            let owner = c
                .owner
                .as_deref()
                .map(|o| format!(", owner {o}"))
                .unwrap_or_default();
            format!(
                "{} is also changed by track '{}'{owner}, which {}",
                c.path,
                c.track,
                c.describe_lines()
            )
        })
        .collect();
    format!(
        "git-track: {}. Editing it in track '{me}' may conflict when both are merged; coordinate with that track, or keep to other files.",
        parts.join("; ")
    )
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Body {
    version: u32,
    /// By `"<tip> <integration tip>"`: the fork point and the changed paths (sorted).
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    fork: String,
    paths: Vec<String>,
}

/// The collisions of editing `paths` (repository-relative) in track `me`.
pub fn find(
    repo: &Repo,
    listing: &Listing,
    me: &Track,
    paths: &[String],
) -> Result<Vec<Collision>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let integration = repo
        .ref_target(&repo.settings.integration_ref())?
        .or_else(|| repo.try_resolve_commit(&repo.settings.base));
    let cache_path: PathBuf = repo.state_dir().join(CACHE);
    let mut body: Body = std::fs::read(&cache_path)
        .ok()
        .and_then(|d| serde_json::from_slice(&d).ok())
        .filter(|b: &Body| b.version == VERSION)
        .unwrap_or_default();
    let mut used = BTreeMap::new();
    let mut changed = false;
    let mut found = Vec::new();
    for stored in &listing.tracks {
        let other = &stored.track;
        if other.name == me.name || !is_pending(other.status) || other.branch == me.branch {
            continue;
        }
        let Some(tip) = repo.ref_target(&other.branch_ref())? else {
            continue;
        };
        let key = format!(
            "{tip} {}",
            integration.map(|i| i.to_string()).unwrap_or_default()
        );
        let entry = match body.entries.get(&key) {
            Some(e) => e.clone(),
            None => {
                let recorded = ObjectId::from_hex(other.base.commit.as_bytes()).ok();
                let fork = match integration {
                    Some(i) => repo.merge_base(tip, i)?.or(recorded),
                    None => recorded,
                }
                .unwrap_or(tip);
                changed = true;
                Entry {
                    fork: fork.to_string(),
                    paths: changes::between(&repo.gix, fork, tip)?,
                }
            }
        };
        for p in paths {
            if entry.paths.binary_search(p).is_ok() {
                let fork = ObjectId::from_hex(entry.fork.as_bytes())?;
                let (how, lines) = lines_changed(&repo.gix, fork, tip, p)?;
                found.push(Collision {
                    path: p.clone(),
                    track: other.name.clone(),
                    owner: other.owner.clone(),
                    lines,
                    how,
                });
            }
        }
        used.insert(key, entry);
    }
    // Only what this run used is kept, so tips that moved on do not pile up.
    if changed || used.len() != body.entries.len() {
        body.entries = used;
        body.version = VERSION;
        if let Ok(data) = serde_json::to_vec(&body) {
            let _ = crate::fault::write_file(&cache_path, &data);
        }
    }
    Ok(found)
}

/// How `path` changed from `fork` to `tip`, and the changed line ranges at the fork.
fn lines_changed(
    repo: &gix::Repository,
    fork: ObjectId,
    tip: ObjectId,
    path: &str,
) -> Result<(&'static str, Vec<(u32, u32)>)> {
    let old = changes::blob_at(repo, fork, path)?;
    let new = changes::blob_at(repo, tip, path)?;
    let (old, new) = match (old, new) {
        (None, _) => return Ok(("added", Vec::new())),
        (_, None) => return Ok(("deleted", Vec::new())),
        (Some(o), Some(n)) => (o, n),
    };
    let old = repo.find_object(old)?.detach().data;
    let new = repo.find_object(new)?.detach().data;
    match crate::overlap::hunks::compute(&old, &new) {
        crate::overlap::hunks::Lines::Binary => Ok(("binary", Vec::new())),
        crate::overlap::hunks::Lines::Text(hunks) => Ok((
            "modified",
            hunks
                .iter()
                .map(|h| {
                    // A pure insertion names the line it comes after (or 1 at the top).
                    if h.start == h.end {
                        (h.start.max(1), h.start.max(1))
                    } else {
                        (h.start + 1, h.end)
                    }
                })
                .collect(),
        )),
    }
}
