//! The checks of an import, before anything is created: every name new and unique, and
//! each candidate's branch and worktree free for it.

use super::{Candidate, ImportError, Planned, Request, short};
use crate::lifecycle;
use crate::linked_worktree as worktree;
use crate::refs;
use crate::repo::Repo;
use crate::store::Listing;
use crate::track::Track;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Every name valid, new, and unique in the batch (also ignoring case).
pub(super) fn check_names(listing: &Listing, candidates: &[Candidate]) -> Result<()> {
    let mut seen: BTreeMap<String, &Candidate> = BTreeMap::new();
    let taken = listing.names();
    for c in candidates {
        lifecycle::check_new_name(&taken, &c.name)?;
        if let Some(first) = seen.insert(c.name.to_lowercase(), c) {
            return Err(ImportError::SameName {
                name: c.name.clone(),
                first: first.origin(),
                second: c.origin(),
            }
            .into());
        }
    }
    Ok(())
}

/// Each candidate with its branch and (when asked for) its worktree's path; every
/// branch is checked before any worktree.
pub(super) fn plan(
    repo: &Repo,
    req: &Request,
    listing: &Listing,
    candidates: Vec<Candidate>,
) -> Result<Vec<Planned>> {
    let branches = branches(repo, listing, &candidates)?;
    let worktrees = if req.worktrees {
        worktree_paths(repo, &candidates, &branches)?
    } else {
        vec![None; candidates.len()]
    };
    Ok(candidates
        .into_iter()
        .zip(branches)
        .zip(worktrees)
        .map(|((candidate, branch), worktree)| Planned {
            candidate,
            branch,
            worktree,
        })
        .collect())
}

/// The branch each candidate gets, as a full name: its own, adopted as it is unless a
/// track has it already, or a new one at its tip unless that name is taken.
fn branches(repo: &Repo, listing: &Listing, candidates: &[Candidate]) -> Result<Vec<String>> {
    let taken: BTreeMap<&str, &str> = listing
        .tracks
        .iter()
        .map(|s| (s.track.branch.as_str(), s.track.name.as_str()))
        .collect();
    candidates
        .iter()
        .map(|c| match &c.branch {
            Some(full) => match taken.get(short(full)) {
                Some(owner) => Err(ImportError::BranchTaken {
                    branch: short(full).to_owned(),
                    track: (*owner).to_owned(),
                }
                .into()),
                None => Ok(full.clone()),
            },
            None => {
                let branch = Track::default_branch(&c.name);
                let full = refs::branch_ref(&branch);
                if repo.ref_target(&full)?.is_some() {
                    return Err(ImportError::BranchExists { branch }.into());
                }
                Ok(full)
            }
        })
        .collect()
}

/// Where each candidate's worktree goes: refused when the folder is taken or the branch
/// is checked out in another worktree.
fn worktree_paths(
    repo: &Repo,
    candidates: &[Candidate],
    branches: &[String],
) -> Result<Vec<Option<PathBuf>>> {
    let checked_out = repo.worktrees()?;
    candidates
        .iter()
        .zip(branches)
        .map(|(c, full)| {
            let path = lifecycle::worktree_path(repo, &c.name)?;
            if !worktree::is_free(&path) {
                return Err(ImportError::WorktreePathTaken { path }.into());
            }
            if let Some(wt) = checked_out
                .iter()
                .find(|w| w.branch.as_deref() == Some(full.as_str()))
            {
                return Err(ImportError::BranchCheckedOut {
                    branch: short(full).to_owned(),
                    at: wt.path.clone(),
                }
                .into());
            }
            Ok(Some(path))
        })
        .collect()
}
