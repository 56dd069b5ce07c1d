//! `git track attach`: a worktree on this machine for a track defined on another one.
//!
//! The track's branch is taken from this clone, else from the remote-tracking branch
//! (fetched when missing), as a local branch that tracks it. The worktree goes to
//! `--path` or `<worktreeRoot>/<name>`: never to a path read from the fetched
//! definition, which names a folder on the machine that wrote it.

use super::Remote;
use crate::error::Failure;
use crate::git;
use crate::lifecycle;
use crate::linked_worktree as worktree;
use crate::repo::Repo;
use crate::store;
use crate::track::{self, Track};
use anyhow::{Result, anyhow};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Request {
    pub name: String,
    pub path: Option<PathBuf>,
    /// Where to look for the branch when this clone lacks it [default: the default remote].
    pub remote: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attached {
    pub name: String,
    pub branch: String,
    pub worktree: String,
    /// The remote-tracking branch the local branch was created from, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_from: Option<String>,
}

pub fn attach(repo: &Repo, req: &Request) -> Result<Attached> {
    track::validate_name(&req.name)?;
    let Some(stored) = store::load(repo, &req.name)? else {
        return Err(Failure::usage(format!("no track named '{}'", req.name))
            .hint("'git track fetch' brings the tracks defined on other machines")
            .into());
    };
    let t = &stored.track;
    let full = t.branch_ref();
    if gix::validate::reference::name(full.as_str().into()).is_err() {
        usage!(
            "the definition of '{}' names an invalid branch '{}'",
            t.name,
            t.branch.escape_debug()
        );
    }
    if let Some(existing) = lifecycle::find_worktree(repo, t)? {
        let shown = existing.display().to_string();
        if t.worktree.as_deref() != Some(shown.as_str()) {
            // The worktree is there but the definition does not say so: an attach stopped
            // before recording it, or a worktree made by hand on the track's branch.
            record_worktree(repo, &t.name, &shown)?;
            return Ok(Attached {
                name: t.name.clone(),
                branch: t.branch.clone(),
                worktree: shown,
                branch_from: None,
            });
        }
        return Err(Failure::usage(format!(
            "track '{}' already has a worktree at '{}'",
            t.name,
            existing.display()
        ))
        .hint(format!("cd '{}'", existing.display()))
        .into());
    }
    if let Some(wt) = repo.worktree_of_branch(&full)? {
        return Err(Failure::usage(format!(
            "branch '{}' is already checked out at '{}'",
            t.branch,
            wt.path.display()
        ))
        .into());
    }
    let path = match &req.path {
        Some(p) if p.is_absolute() => p.clone(),
        Some(p) => std::env::current_dir()?.join(p),
        None => lifecycle::worktree_path(repo, &t.name)?,
    };
    if !worktree::is_free(&path) {
        return Err(Failure::usage(format!(
            "'{}' already exists and is not empty",
            path.display()
        ))
        .hint("pass --path <dir> to put the worktree elsewhere")
        .into());
    }
    let branch_from = if repo.ref_target(&full)?.is_none() {
        Some(branch_from_remote(repo, req, t)?)
    } else {
        None
    };
    create_worktree(repo, t, &path)?;
    let shown = path.display().to_string();
    record_worktree(repo, &t.name, &shown)?;
    Ok(Attached {
        name: t.name.clone(),
        branch: t.branch.clone(),
        worktree: shown,
        branch_from,
    })
}

fn record_worktree(repo: &Repo, name: &str, shown: &str) -> Result<()> {
    store::update(repo, name, |track| {
        if track.worktree.as_deref() == Some(shown) {
            return Ok(None);
        }
        track.worktree = Some(shown.to_owned());
        Ok(Some(format!("worktree: attached at {shown}")))
    })?;
    Ok(())
}

/// Creates the local branch of `t` from the remote's, fetching it when needed; returns
/// the remote-tracking branch's name.
fn branch_from_remote(repo: &Repo, req: &Request, t: &Track) -> Result<String> {
    let remote = Remote::resolve(repo, req.remote.as_deref())?;
    let tracking = remote.branch_ref(&t.branch);
    let dir = super::git_dir_for_commands(repo);
    if repo.ref_target(&tracking)?.is_none() {
        let spec = format!("+refs/heads/{}:{tracking}", t.branch);
        // A branch the remote does not have either is reported just below.
        let _ = git::fetch(&dir, &remote.name, &[spec], false);
    }
    if repo.ref_target(&tracking)?.is_none() {
        return Err(Failure::usage(format!(
            "branch '{}' of track '{}' is neither here nor on '{}'",
            t.branch, t.name, remote.name
        ))
        .hint("on the machine that has it: 'git track push --with-branches'")
        .into());
    }
    let short = format!("{}/{}", remote.name, t.branch);
    git::branch_tracking(&dir, &t.branch, &short)?;
    Ok(short)
}

/// Adds the worktree of track `t` at `path` with its branch checked out: the one place
/// an attached worktree is made (set-up steps for agents hook in here).
pub fn create_worktree(repo: &Repo, t: &Track, path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| anyhow!("could not create {}: {e}", parent.display()))?;
    }
    worktree::add_for_track(repo, path, t)
}
