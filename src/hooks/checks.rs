//! What each git hook checks. On a branch that is not a track, with no track being merged,
//! the hooks find nothing at once.
//!
//! - pre-commit: the staged paths, against the track of the worktree; during a merge,
//!   only what is not the merged side's (and the merged tracks themselves, as below).
//! - pre-merge-commit: each track whose branch tip is being merged, against its own
//!   scope, from where it meets the branch it is merged into.
//! - pre-push: each pushed track branch, from what the remote has (or the fork point).

use crate::refs;
use crate::repo::Repo;
use crate::scope::changes;
use crate::scope::rules::{self, Rules, Violation};
use crate::scope::shared::{self, Shared};
use crate::store::{self, Listing};
use crate::track::Track;
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;

/// Violations of one track found by a hook.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub track: String,
    pub scope: Vec<String>,
    /// What was checked: `staged`, `merge of <commit>` or `push of <ref>`.
    pub what: String,
    pub violations: Vec<Violation>,
}

/// Shared paths are read once per hook run, and only when something is checked.
struct Lazy<'a> {
    repo: &'a Repo,
    shared: Option<Shared>,
}

impl Lazy<'_> {
    fn rules(&mut self, listing: &Listing, track: &Track) -> Result<Rules> {
        if self.shared.is_none() {
            self.shared = Some(shared::load(self.repo)?);
        }
        let shared = self.shared.clone().unwrap_or_default();
        Rules::with_shared(listing, track, shared)
    }
}

fn finding(track: &Track, what: String, violations: Vec<Violation>) -> Option<Finding> {
    (!violations.is_empty()).then(|| Finding {
        track: track.name.clone(),
        scope: track.scope.clone(),
        what,
        violations,
    })
}

/// The track whose branch is `full_branch` (`refs/heads/...`).
fn track_of_branch<'l>(listing: &'l Listing, full_branch: &str) -> Option<&'l Track> {
    let short = refs::branch_name(full_branch)?;
    listing
        .tracks
        .iter()
        .map(|s| &s.track)
        .find(|t| t.branch == short)
}

pub fn pre_commit(repo: &Repo) -> Result<Vec<Finding>> {
    if !any_tracks(repo)? {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let current = rules::current_track(repo)?.map(|s| s.track);
    if let Some(track) = &current {
        let staged = rules::staged_own(&repo.gix)?;
        found.extend(finding(
            track,
            "staged".to_owned(),
            rules::judge(repo, track, &staged)?,
        ));
    }
    let heads = changes::merge_heads(&repo.gix);
    if !heads.is_empty() {
        let listing = store::list(repo)?;
        let mut lazy = Lazy { repo, shared: None };
        found.extend(merged_tracks(
            repo,
            &listing,
            &heads,
            current.as_ref(),
            &mut lazy,
        )?);
    }
    Ok(found)
}

pub fn pre_merge_commit(repo: &Repo) -> Result<Vec<Finding>> {
    let heads = changes::merge_heads(&repo.gix);
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let Some(listing) = listing_if_any(repo)? else {
        return Ok(Vec::new());
    };
    let current = repo
        .current_branch()
        .and_then(|b| track_of_branch(&listing, &b).cloned());
    let mut lazy = Lazy { repo, shared: None };
    merged_tracks(repo, &listing, &heads, current.as_ref(), &mut lazy)
}

/// Tracks whose branch tip is one of the merged commits, each checked from where it
/// meets HEAD.
fn merged_tracks(
    repo: &Repo,
    listing: &Listing,
    heads: &[ObjectId],
    current: Option<&Track>,
    lazy: &mut Lazy<'_>,
) -> Result<Vec<Finding>> {
    let mut found = Vec::new();
    if heads.is_empty() {
        return Ok(found);
    }
    let Ok(head) = repo.gix.head_id().map(|id| id.detach()) else {
        return Ok(found);
    };
    for stored in &listing.tracks {
        let track = &stored.track;
        if current.is_some_and(|c| c.name == track.name) {
            continue;
        }
        let Some(tip) = repo.ref_target(&track.branch_ref())? else {
            continue;
        };
        if !heads.contains(&tip) {
            continue;
        }
        let base = repo.merge_base(head, tip)?.unwrap_or(head);
        let rules = lazy.rules(listing, track)?;
        let paths = changes::between(&repo.gix, base, tip)?;
        found.extend(finding(
            track,
            format!("merge of {}", track.branch),
            rules.judge_all(&paths),
        ));
    }
    Ok(found)
}

/// One line of pre-push input: `<local ref> <local oid> <remote ref> <remote oid>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushUpdate {
    pub local_ref: String,
    pub local: ObjectId,
    pub remote_ref: String,
    pub remote: ObjectId,
}

/// Reads pre-push input; lines that are not four fields are skipped.
pub fn parse_push_input(text: &str) -> Vec<PushUpdate> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let [local_ref, local, remote_ref, remote] = f.as_slice() else {
                return None;
            };
            Some(PushUpdate {
                local_ref: (*local_ref).to_owned(),
                local: ObjectId::from_hex(local.as_bytes()).ok()?,
                remote_ref: (*remote_ref).to_owned(),
                remote: ObjectId::from_hex(remote.as_bytes()).ok()?,
            })
        })
        .collect()
}

pub fn pre_push(repo: &Repo, pushed: &[PushUpdate]) -> Result<Vec<Finding>> {
    // A deletion pushes no work.
    let pushed: Vec<&PushUpdate> = pushed.iter().filter(|p| !p.local.is_null()).collect();
    if pushed.is_empty() {
        return Ok(Vec::new());
    }
    let Some(listing) = listing_if_any(repo)? else {
        return Ok(Vec::new());
    };
    let mut lazy = Lazy { repo, shared: None };
    let mut found = Vec::new();
    for p in pushed {
        let Some(track) = track_of_branch(&listing, &p.local_ref)
            .or_else(|| track_of_branch(&listing, &p.remote_ref))
        else {
            continue;
        };
        // What the remote already has is not this push's work; a new branch is checked
        // from its fork point.
        let known = !p.remote.is_null() && repo.gix.find_object(p.remote).is_ok();
        let from = if known {
            repo.merge_base(p.remote, p.local)?
        } else {
            None
        };
        let from = match from {
            Some(f) => f,
            None => rules::fork_point(repo, track)
                .map(|(fork, _)| fork)
                .ok()
                .and_then(|fork| repo.merge_base(fork, p.local).ok().flatten())
                .unwrap_or(p.local),
        };
        let rules = lazy.rules(&listing, track)?;
        let paths = changes::between(&repo.gix, from, p.local)?;
        found.extend(finding(
            track,
            format!("push of {}", p.local_ref),
            rules.judge_all(&paths),
        ));
    }
    Ok(found)
}

/// Does the repository have any track at all?
fn any_tracks(repo: &Repo) -> Result<bool> {
    Ok(repo
        .gix
        .references()?
        .prefixed(store::REF_PREFIX)?
        .next()
        .is_some())
}

/// The definitions, or `None` at once when the repository has no tracks.
fn listing_if_any(repo: &Repo) -> Result<Option<Listing>> {
    if !any_tracks(repo)? {
        return Ok(None);
    }
    Ok(Some(store::list(repo)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_input_lines_are_read_and_junk_is_skipped() {
        let zero = "0".repeat(40);
        let one = "1".repeat(40);
        let text = format!("refs/heads/a {one} refs/heads/a {zero}\n\nbad line\n");
        let refs = parse_push_input(&text);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].local_ref, "refs/heads/a");
        assert!(refs[0].remote.is_null());
    }
}
