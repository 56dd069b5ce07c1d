//! `git track ready`: the tracks that can start or be merged now.
//!
//! A dependency is satisfied only once its work is merged into the integration branch:
//! a track waiting on another that is finished on its own branch still waits.

use crate::refs::BranchTarget;
use crate::repo::Repo;
use crate::store::Listing;
use crate::track::Status;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Ready {
    /// The integration branch dependencies are judged against.
    pub integration: String,
    /// Backlog or blocked tracks whose dependencies are all merged.
    pub start: Vec<ReadyTrack>,
    /// Active tracks with work to merge and every dependency merged.
    pub merge: Vec<ReadyTrack>,
    /// Unfinished tracks that can do neither yet, with the reason.
    pub waiting: Vec<ReadyTrack>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReadyTrack {
    pub track: String,
    pub status: Status,
    /// Why it is (not) ready.
    pub reason: String,
}

pub fn ready(repo: &Repo, listing: &Listing) -> Result<Ready> {
    let (integration, tip) = crate::overlap::integration(repo)?;
    let integration_tip = integration.exists.then_some(tip);
    let mut merged: BTreeMap<&str, bool> = BTreeMap::new();
    for s in &listing.tracks {
        merged.insert(
            &s.track.name,
            super::is_merged(repo, &s.track, integration_tip)?,
        );
    }
    let mut out = Ready {
        integration: integration.branch,
        start: Vec::new(),
        merge: Vec::new(),
        waiting: Vec::new(),
    };
    for s in &listing.tracks {
        let t = &s.track;
        if t.is_finished() || merged[t.name.as_str()] {
            continue;
        }
        let entry = |reason: String| ReadyTrack {
            track: t.name.clone(),
            status: t.status,
            reason,
        };
        // A dependency without a definition cannot be merged any more: merge ignores it.
        let unmet: Vec<String> = t
            .depends_on
            .iter()
            .filter_map(|d| {
                let dep = listing.get(d)?;
                (!merged[d.as_str()]).then(|| format!("'{d}' ({})", dep.track.status))
            })
            .collect();
        if !unmet.is_empty() {
            out.waiting.push(entry(format!(
                "waits for {} to be merged into '{}'",
                unmet.join(", "),
                out.integration
            )));
            continue;
        }
        let deps = if t.depends_on.is_empty() {
            "no dependencies".to_owned()
        } else {
            "dependencies merged".to_owned()
        };
        match t.status {
            Status::Backlog | Status::Blocked => out.start.push(entry(deps)),
            _ => match crate::refs::branch_target(&repo.gix, &t.branch)? {
                BranchTarget::Missing => out
                    .waiting
                    .push(entry(format!("its branch '{}' does not exist", t.branch))),
                BranchTarget::NotACommit(broken) => out.waiting.push(entry(broken.to_string())),
                BranchTarget::Commit(tip) if super::at_fork_point(t, tip) => {
                    out.waiting.push(entry("no commits yet".to_owned()))
                }
                BranchTarget::Commit(_) => out.merge.push(entry(deps)),
            },
        }
    }
    Ok(out)
}
