//! A track's definition, as stored in `track.toml`, and the rules for its name.

use crate::error::Failure;
use crate::refs;
use crate::repo::canonical;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Feat,
    Exp,
    Fix,
    Refactor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Backlog,
    #[default]
    Active,
    Blocked,
    Done,
    Cancelled,
    Archived,
}

macro_rules! word_enum {
    ($ty:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [&'static str] = &[$($word),+];
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $word),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($ty::$variant),)+
                    _ => Err(format!("'{s}' is not one of: {}", Self::ALL.join(", "))),
                }
            }
        }
    };
}
word_enum!(Kind { Feat = "feat", Exp = "exp", Fix = "fix", Refactor = "refactor" });
word_enum!(Status {
    Backlog = "backlog",
    Active = "active",
    Blocked = "blocked",
    Done = "done",
    Cancelled = "cancelled",
    Archived = "archived",
});

/// Where a track forked from: the ref as the user named it and the commit it resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    #[serde(rename = "ref")]
    pub refname: String,
    pub commit: String,
}

/// The stored definition of a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub name: String,
    #[serde(default)]
    pub kind: Kind,
    #[serde(default)]
    pub status: Status,
    pub branch: String,
    pub base: Base,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree: Option<String>,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default)]
    pub contracts: Vec<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypothesis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Why the track ended up cancelled/blocked/…, when someone said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How much work the track is (hours or points, as the team counts): the weight of
    /// the critical path in `git track graph`; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<f64>,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`, so that string order is time order.
    pub created: String,
    pub updated: String,
}

impl Track {
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).context("could not serialize the track definition")
    }

    pub fn from_toml(text: &str) -> Result<Track> {
        let track: Track = toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        // git-track writes none other (`validate_estimate`); TOML also has nan and inf.
        if let Some(e) = track.estimate
            && !(e.is_finite() && e > 0.0)
        {
            anyhow::bail!("estimate = {e}: it must be a positive number");
        }
        Ok(track)
    }

    /// Is the track's work over (done, cancelled or archived)?
    pub fn is_finished(&self) -> bool {
        matches!(
            self.status,
            Status::Done | Status::Cancelled | Status::Archived
        )
    }

    /// The weight of the track in the plan: its estimate, 1 when absent.
    pub fn weight(&self) -> f64 {
        self.estimate.unwrap_or(1.0)
    }

    /// The default branch of a track.
    pub fn default_branch(name: &str) -> String {
        format!("track/{name}")
    }

    /// The track's branch as a full ref name.
    pub fn branch_ref(&self) -> String {
        refs::branch_ref(&self.branch)
    }

    /// Is `full_branch` (a full ref name, as a worktree's HEAD names it) the track's branch?
    pub fn is_branch(&self, full_branch: &str) -> bool {
        refs::branch_name(full_branch) == Some(self.branch.as_str())
    }

    /// The worktree path the definition records, canonical (as worktrees are listed).
    pub fn recorded_worktree(&self) -> Option<PathBuf> {
        self.worktree.as_deref().map(|p| canonical(Path::new(p)))
    }
}

/// Which tracks a listing shows: each given field must match one of its values (an
/// empty field matches every track).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Vec<Status>,
    pub kind: Vec<Kind>,
    pub owner: Vec<String>,
    pub experiment: Vec<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
            && self.kind.is_empty()
            && self.owner.is_empty()
            && self.experiment.is_empty()
    }

    pub fn matches(&self, t: &Track) -> bool {
        let text = |wanted: &[String], v: &Option<String>| {
            wanted.is_empty() || v.as_ref().is_some_and(|v| wanted.contains(v))
        };
        (self.status.is_empty() || self.status.contains(&t.status))
            && (self.kind.is_empty() || self.kind.contains(&t.kind))
            && text(&self.owner, &t.owner)
            && text(&self.experiment, &t.experiment)
    }
}

/// Checks an estimate: a positive, finite number.
pub fn validate_estimate(estimate: f64) -> Result<(), Failure> {
    if estimate.is_finite() && estimate > 0.0 {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "invalid estimate '{estimate}': it must be a positive number"
        ))
        .hint("an estimate is hours or points, e.g. --estimate 3 or --estimate 0.5"))
    }
}

/// The longest track name, in bytes: file systems allow 255 bytes for a file name, and
/// git adds `.lock` to a ref's file while it writes it.
pub const MAX_NAME_BYTES: usize = 240;

/// Checks that `name` can be a track name: one valid ref component, so that
/// `refs/tracks/<name>` and `track/<name>` are valid refs and a folder of that name can
/// be made on every filesystem git supports.
pub fn validate_name(name: &str) -> Result<(), Failure> {
    let bad = |why: &str| {
        Err(Failure::usage(format!("invalid track name '{}': {why}", name.escape_debug()))
            .hint("a track name is one ref component: letters, digits, '-', '_' and '.', e.g. 'auth-backend'"))
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return bad(&format!(
            "it is {} bytes long; at most {MAX_NAME_BYTES} fit, as its worktree folder and ref files are named after it",
            name.len()
        ));
    }
    if name.starts_with('-') {
        return bad("it starts with '-'");
    }
    if name.starts_with('.') {
        return bad("it starts with '.'");
    }
    if name.ends_with('.') {
        return bad("it ends with '.'");
    }
    if name.ends_with(".lock") {
        return bad("it ends with '.lock'");
    }
    if name.contains("..") {
        return bad("it contains '..'");
    }
    if name.contains("@{") || name == "@" {
        return bad("it contains '@{' or is '@'");
    }
    if let Some(c) = name.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return bad(&format!("it contains {}", describe_char(c)));
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '~' | '^' | ':' | '?' | '*' | '['))
    {
        return bad(&format!("it contains '{c}'"));
    }
    Ok(())
}

fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".to_owned()
    } else {
        format!("the character {:?}", c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_one_ref_component_pass() {
        for ok in ["auth-backend", "a", "fix_1.2", "UPPER", "ünï"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn names_that_break_refs_or_folders_fail() {
        for bad in [
            "", "-x", ".x", "x.", "a/b", "a..b", "a@{1", "@", "x.lock", "a b", "a\tb", "a\u{7}",
            "a:b", "a~1", "a^", "a?", "a*", "a[", "a\\b",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn toml_round_trips() {
        let t = Track {
            name: "x".into(),
            kind: Kind::Fix,
            status: Status::Active,
            branch: "track/x".into(),
            base: Base {
                refname: "main".into(),
                commit: "0".repeat(40),
            },
            worktree: Some("/tmp/x".into()),
            scope: vec!["src/**".into(), "!src/gen/**".into()],
            contracts: vec![],
            depends_on: vec!["y".into()],
            owner: Some("agent-1".into()),
            experiment: None,
            hypothesis: None,
            description: None,
            reason: None,
            estimate: Some(2.5),
            created: "2026-01-01T00:00:00Z".into(),
            updated: "2026-01-01T00:00:00Z".into(),
        };
        assert_eq!(Track::from_toml(&t.to_toml().unwrap()).unwrap(), t);
    }
}
