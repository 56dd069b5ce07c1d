//! A track's life after `new`: `done`, `cancel`, `archive` and `reopen`.
//!
//! Each is one compare-and-swap edit of the definition whose commit message carries the
//! reason, so `git track log <name>` tells the story. Ending a track removes its
//! worktree only when it is clean; with `force` its uncommitted work is saved under
//! `refs/tracks-backup/` first (as `remove` does). Branches are always kept.

use crate::error::Failure;
use crate::lifecycle::{self, Retiring};
use crate::linked_worktree as worktree;
use crate::repo::Repo;
use crate::store::{self, Stored};
use crate::track::{Status, Track};
use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;

/// Where a command takes a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    Done,
    Cancel,
    Archive,
    Reopen,
}

impl Transition {
    pub fn target(self) -> Status {
        match self {
            Transition::Done => Status::Done,
            Transition::Cancel => Status::Cancelled,
            Transition::Archive => Status::Archived,
            Transition::Reopen => Status::Active,
        }
    }

    pub fn command(self) -> &'static str {
        match self {
            Transition::Done => "done",
            Transition::Cancel => "cancel",
            Transition::Archive => "archive",
            Transition::Reopen => "reopen",
        }
    }

    /// May a track in `from` take this transition? `Ok(false)` when it is there already.
    fn allowed(self, track: &Track) -> Result<bool> {
        let from = track.status;
        let to = self.target();
        if from == to {
            return Ok(false);
        }
        let ok = match self {
            // Finished work is reopened first, so that a status never jumps silently.
            Transition::Done | Transition::Cancel => !track.is_finished(),
            Transition::Archive => true,
            Transition::Reopen => track.is_finished() || from == Status::Blocked,
        };
        if ok {
            return Ok(true);
        }
        let hint = match self {
            Transition::Reopen => format!(
                "'git track {}' is for finished or blocked tracks",
                self.command()
            ),
            _ => format!("reopen it first with 'git track reopen {}'", track.name),
        };
        Err(Failure::usage(format!(
            "track '{}' is {from}; '{}' takes a track that is not finished",
            track.name,
            self.command()
        ))
        .hint(hint)
        .into())
    }

    /// Does this transition end the track's work (and so its worktree)?
    fn ends(self) -> bool {
        !matches!(self, Transition::Reopen)
    }
}

/// What `git track done|cancel|archive|reopen` asks for.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    pub to: Transition,
    pub reason: Option<String>,
    /// Remove a worktree with uncommitted work, saving that work first.
    pub force: bool,
    /// Keep the worktree (ending) / add none (reopening).
    pub keep_worktree: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub name: String,
    pub from: Status,
    pub to: Status,
    pub reason: Option<String>,
    /// `false` when the track already had that status: nothing was written.
    pub changed: bool,
    pub worktree_removed: Option<String>,
    /// A worktree added back by `reopen`.
    pub worktree_added: Option<String>,
    /// Why a worktree was kept or not added back, when that was not asked for.
    pub worktree_note: Option<String>,
    /// Refs under `refs/tracks-backup/` that hold saved uncommitted work.
    pub saved: Vec<String>,
}

/// Applies a transition. Everything that could refuse is checked before anything is
/// written.
pub fn apply(repo: &Repo, req: &Request) -> Result<Changed> {
    let stored = store::load_existing(repo, &req.name)?;
    let from = stored.track.status;
    let mut out = Changed {
        name: req.name.clone(),
        from,
        to: req.to.target(),
        reason: req.reason.clone().filter(|r| !r.is_empty()),
        changed: false,
        worktree_removed: None,
        worktree_added: None,
        worktree_note: None,
        saved: Vec::new(),
    };
    if !req.to.allowed(&stored.track)? {
        return Ok(out);
    }
    let retiring = if req.to.ends() && !req.keep_worktree {
        retiring(repo, &stored, req.force, &mut out)?
    } else {
        None
    };
    // The worktree goes before the definition changes: the definition is the one write
    // that says the transition happened, so a process killed between the two leaves a
    // track a rerun finishes. What the worktree held is saved first, its branch is kept.
    if let Some(r) = &retiring {
        out.saved = r.save(repo, &req.name)?;
        out.worktree_removed = Some(r.remove(repo)?);
    }
    let reason = out.reason.clone();
    let to = req.to.target();
    // A worktree already gone (a killed run removed it) leaves the definition too.
    let removing = retiring.is_some()
        || (req.to.ends()
            && !req.keep_worktree
            && stored.track.worktree.is_some()
            && lifecycle::find_worktree(repo, &stored.track)?.is_none());
    let (_, summary) = store::update(repo, &req.name, |t| {
        // Checked again on the newest definition: another writer may have moved it.
        if !req.to.allowed(t)? {
            return Ok(None);
        }
        let mut summary = format!("status: {} -> {to}", t.status);
        t.status = to;
        if reason.is_some() || req.to == Transition::Reopen {
            t.reason = reason.clone();
        }
        if let Some(r) = &reason {
            summary.push_str(&format!(" (reason: {r})"));
        }
        if removing {
            t.worktree = None;
        }
        Ok(Some(summary))
    })?;
    out.changed = summary.is_some();
    if !out.changed {
        return Ok(out);
    }
    if req.to == Transition::Reopen && !req.keep_worktree {
        reopen_worktree(repo, &req.name, &mut out)?;
    }
    Ok(out)
}

/// The worktree to remove when a track ends, or `None` with a note when it stays.
fn retiring(
    repo: &Repo,
    stored: &Stored,
    force: bool,
    out: &mut Changed,
) -> Result<Option<Retiring>> {
    let Some(path) = lifecycle::find_worktree(repo, &stored.track)? else {
        return Ok(None);
    };
    if repo.workdir.as_deref() == Some(path.as_path()) {
        // Ending the track one works in is common (an agent finishing): keep its worktree.
        out.worktree_note = Some(format!(
            "kept the worktree {}: the command runs inside it; 'git track remove' or 'git worktree remove' it later",
            path.display()
        ));
        return Ok(None);
    }
    lifecycle::worktree_to_retire(repo, &stored.track, force)
}

/// Adds the worktree of a reopened track back at its place under the worktree root,
/// when its branch exists and is not checked out elsewhere.
fn reopen_worktree(repo: &Repo, name: &str, out: &mut Changed) -> Result<()> {
    let stored = store::load_existing(repo, name)?;
    let t = &stored.track;
    if lifecycle::find_worktree(repo, t)?.is_some() || repo.is_bare() {
        return Ok(());
    }
    let branch = t.branch_ref();
    if repo.ref_target(&branch)?.is_none() {
        out.worktree_note = Some(format!(
            "no worktree added: the branch '{}' does not exist",
            t.branch
        ));
        return Ok(());
    }
    if let Some(wt) = repo.worktree_of_branch(&branch)? {
        out.worktree_note = Some(format!(
            "no worktree added: '{}' is checked out at {}",
            t.branch,
            wt.path.display()
        ));
        return Ok(());
    }
    let Ok(path) = lifecycle::worktree_path(repo, name) else {
        return Ok(());
    };
    if !worktree::is_free(&path) {
        out.worktree_note = Some(format!(
            "no worktree added: '{}' exists and is not empty",
            path.display()
        ));
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    worktree::add_for_track(repo, &path, t)?;
    let shown: PathBuf = crate::repo::canonical(&path);
    let recorded = shown.display().to_string();
    store::update(repo, name, |t| {
        if t.worktree.as_deref() == Some(recorded.as_str()) {
            return Ok(None);
        }
        t.worktree = Some(recorded.clone());
        Ok(Some(format!("worktree: {recorded}")))
    })?;
    out.worktree_added = Some(recorded);
    Ok(())
}
