//! `git track prune`: taking away the worktrees (and, when asked, the branches) of tracks
//! whose work the integration branch already has.
//!
//! A track is merged when its tip is an ancestor of the integration tip, or when merging
//! its tip into the integration tip changes nothing (`git merge-tree` gives the
//! integration tip's own tree): its change is already there, squashed or rebased. Only a
//! clean worktree is removed; every track left alone is reported with the reason. A
//! branch deleted after a squash or rebase merge has commits the integration branch does
//! not contain: its tip is saved under `refs/tracks-backup/` first, as `remove` does.
//! The definition stays (it is the track's history): it loses its worktree, and an active
//! or blocked track becomes done.

use crate::error::Failure;
use crate::git;
use crate::lifecycle::{self, delete_ref, save_backup};
use crate::linked_worktree as worktree;
use crate::progress::Progress;
use crate::repo::Repo;
use crate::status::is_pending;
use crate::store::{self, Stored};
use crate::track::Status;
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub dry_run: bool,
    pub delete_branches: bool,
}

/// How the integration branch has a track's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Merged {
    /// Its tip is in the integration branch's history.
    Ancestry,
    /// Its change is in the integration tip's content (squash or rebase merged).
    Content,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pruned {
    pub track: String,
    pub merged: Merged,
    pub worktree: Option<String>,
    pub branch: Option<String>,
    /// Refs under `refs/tracks-backup/` holding what was deleted.
    pub saved: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub track: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub integration: String,
    pub dry_run: bool,
    pub pruned: Vec<Pruned>,
    pub kept: Vec<Kept>,
}

pub fn prune(repo: &Repo, options: Options, progress: &dyn Progress) -> Result<Report> {
    let integration_ref = repo.settings.integration_ref();
    let Some(integration) = repo.ref_target(&integration_ref)? else {
        return Err(Failure::usage(format!(
            "the integration branch '{}' does not exist: nothing is merged yet",
            repo.settings.integration
        ))
        .hint("merge tracks with 'git track merge' first")
        .into());
    };
    let dir = repo
        .workdir
        .clone()
        .unwrap_or_else(|| repo.common_dir.clone());
    let integration_tree = crate::scope::changes::tree_of(&repo.gix, integration)?;
    let mut report = Report {
        integration: repo.settings.integration.clone(),
        dry_run: options.dry_run,
        pruned: Vec::new(),
        kept: Vec::new(),
    };
    let tracks = store::list(repo)?.tracks;
    progress.start("Pruning tracks", tracks.len());
    for stored in tracks {
        progress.tick();
        let name = stored.track.name.clone();
        match judge(repo, &stored, integration, integration_tree, &dir, options)? {
            Err(reason) => report.kept.push(Kept {
                track: name,
                reason,
            }),
            Ok(plan) => {
                let pruned = if options.dry_run {
                    plan
                } else {
                    carry_out(repo, &stored, plan)?
                };
                report.pruned.push(pruned);
            }
        }
    }
    progress.finish();
    Ok(report)
}

/// What pruning this track would do, or why it is kept.
fn judge(
    repo: &Repo,
    stored: &Stored,
    integration: ObjectId,
    integration_tree: ObjectId,
    dir: &std::path::Path,
    options: Options,
) -> Result<std::result::Result<Pruned, String>> {
    let track = &stored.track;
    let worktree = lifecycle::find_worktree(repo, track)?;
    let branch_ref = track.branch_ref();
    let Some(tip) = repo.ref_target(&branch_ref)? else {
        return Ok(Err(format!("its branch '{}' does not exist", track.branch)));
    };
    // A recorded worktree that is gone (removed by hand, or by a prune that was stopped)
    // still has to leave the definition.
    let recorded_gone = track
        .worktree
        .as_ref()
        .is_some_and(|p| !std::path::Path::new(p).exists());
    if worktree.is_none() && !recorded_gone && !options.delete_branches {
        return Ok(Err("no worktree to remove".to_owned()));
    }
    if track.base.commit == tip {
        return Ok(Err("no commits of its own yet".to_owned()));
    }
    let merged = if repo.is_ancestor(tip, integration)? {
        Merged::Ancestry
    } else if git::merge_tree(dir, &integration.to_string(), &tip.to_string())?.as_deref()
        == Some(integration_tree.to_string().as_str())
    {
        Merged::Content
    } else {
        return Ok(Err(format!(
            "not merged into '{}'",
            repo.settings.integration
        )));
    };
    if let Some(path) = &worktree {
        if repo.workdir.as_deref() == Some(path.as_path()) {
            return Ok(Err(
                "its worktree is the one this command runs in".to_owned()
            ));
        }
        if worktree::has_changes(path)? {
            return Ok(Err(format!(
                "uncommitted or untracked changes in {}",
                path.display()
            )));
        }
    }
    Ok(Ok(Pruned {
        track: track.name.clone(),
        merged,
        worktree: worktree.map(|p| p.display().to_string()),
        branch: options.delete_branches.then(|| track.branch.clone()),
        saved: Vec::new(),
    }))
}

/// Removes the worktree, records it in the definition, then deletes the branch: in this
/// order a run stopped anywhere is finished by running it again, since every step before
/// the branch's deletion leaves the branch to judge the track by.
fn carry_out(repo: &Repo, stored: &Stored, mut plan: Pruned) -> Result<Pruned> {
    let track = &stored.track;
    if let Some(path) = &plan.worktree {
        // Never with force: a change that appeared since the check makes this fail.
        worktree::remove(repo, std::path::Path::new(path), false)?;
    }
    store::update(repo, &track.name, |t| {
        let mut what = Vec::new();
        let gone = t
            .worktree
            .as_ref()
            .is_some_and(|p| plan.worktree.is_some() || !std::path::Path::new(p).exists());
        if gone {
            t.worktree = None;
            what.push("worktree removed");
        }
        if is_pending(t.status) {
            t.status = Status::Done;
            what.push("status done");
        }
        Ok((!what.is_empty()).then(|| format!("pruned ({})", what.join(", "))))
    })?;
    if plan.branch.is_some() {
        let full = track.branch_ref();
        if let Some(tip) = repo.ref_target(&full)? {
            if plan.merged == Merged::Content {
                plan.saved
                    .push(save_backup(repo, &track.name, "branch", tip)?);
            }
            delete_ref(repo, &full, tip)?;
        }
    }
    Ok(plan)
}
