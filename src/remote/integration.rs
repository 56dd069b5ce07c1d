//! `git track merge --push`: the integration branch shared through a remote.
//!
//! Before the run, the remote's integration branch and notes are fetched and the local
//! branch is brought up to it (fast-forward only), so the run merges on top of what
//! others merged. After the run, the branch is pushed with a lease on what was fetched:
//! when someone else pushed meanwhile, the push is refused with a hint, never forced,
//! and the merges made here stay in the local branch. Definitions and notes follow
//! through `git track push`.

use super::{Remote, RemoteError, lock};
use crate::git;
use crate::refs;
use crate::repo::Repo;
use crate::store;
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Shared {
    pub remote: String,
    pub branch: String,
    /// The remote's branch before the push (`null`: it had none).
    pub from: Option<String>,
    pub to: String,
    pub pushed: bool,
}

/// Fetches `branch` and the notes from `remote`; brings the local `branch` up to the
/// remote's when it is behind. Refuses when the two have diverged.
pub fn prepare(repo: &Repo, remote: &Remote, branch: &str) -> Result<()> {
    let _lock = lock(repo, remote)?;
    let tracking = remote.branch_ref(branch);
    let full = refs::branch_ref(branch);
    git::fetch(
        &super::git_dir_for_commands(repo),
        &remote.name,
        &[format!("+{full}:{tracking}")],
        false,
    )
    .or_else(|e| {
        // A remote without the branch yet is fine: this run creates it.
        if repo.ref_target(&tracking)?.is_none() {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    super::notes::reconcile(repo, remote)?;
    let Some(theirs) = repo.ref_target(&tracking)? else {
        return Ok(());
    };
    let ours = repo.ref_target(&full)?;
    match ours {
        None => store::swap(
            repo,
            &full,
            None,
            Some(theirs),
            &format!("track: integration from {}", remote.name),
        ),
        Some(o) if o == theirs || repo.is_ancestor(theirs, o)? => Ok(()),
        Some(o) if repo.is_ancestor(o, theirs)? => fast_forward(repo, &full, o, theirs),
        Some(_) => Err(diverged(repo, remote, branch)?.into()),
    }
}

/// The refusal when the local and the remote integration branches both have merges.
fn diverged(repo: &Repo, remote: &Remote, branch: &str) -> Result<RemoteError> {
    Ok(RemoteError::Diverged {
        branch: branch.to_owned(),
        theirs: format!("{}/{branch}", remote.name),
        worktree: repo
            .worktree_of_branch(&refs::branch_ref(branch))?
            .map(|wt| wt.path),
    })
}

fn fast_forward(repo: &Repo, full: &str, from: ObjectId, to: ObjectId) -> Result<()> {
    match repo.worktree_of_branch(full)? {
        // Its files move with it; git refuses if that would overwrite local changes.
        Some(wt) => git::reset_keep(&repo.git_env, &wt.path, &to.to_string()),
        None => store::swap(
            repo,
            full,
            Some(from),
            Some(to),
            "track: fast-forward integration",
        ),
    }
}

/// Pushes `branch` with a lease on what `prepare` fetched.
pub fn push(repo: &Repo, remote: &Remote, branch: &str) -> Result<Shared> {
    let _lock = lock(repo, remote)?;
    let full = refs::branch_ref(branch);
    let tracking = remote.branch_ref(branch);
    let Some(ours) = repo.ref_target(&full)? else {
        return Err(RemoteError::NoBranchToPush {
            branch: branch.to_owned(),
        }
        .into());
    };
    let theirs = repo.ref_target(&tracking)?;
    let mut shared = Shared {
        remote: remote.name.clone(),
        branch: branch.to_owned(),
        from: theirs.map(|id| id.to_string()),
        to: ours.to_string(),
        pushed: false,
    };
    if theirs == Some(ours) {
        return Ok(shared);
    }
    let update = super::lease::Update {
        remote_ref: full.clone(),
        expect: theirs,
        new: Some(ours),
    };
    match super::lease::push(repo, remote, &[update])? {
        super::lease::PushOutcome::Done => {
            let _ = store::swap(repo, &tracking, theirs, Some(ours), "track: pushed");
            shared.pushed = true;
            Ok(shared)
        }
        super::lease::PushOutcome::Lost(why) => Err(RemoteError::MovedMeanwhile {
            branch: branch.to_owned(),
            remote: remote.name.clone(),
            refused: why,
        }
        .into()),
    }
}
