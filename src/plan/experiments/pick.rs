//! `pick`: the winner of an experiment; every refusal comes before any change.

use super::decision::{load_decision, tip_ref, write_decision};
use super::{
    CompareTable, DECISION_FILE, Decision, ExperimentError, Loser, decision_ref, last_comparison,
    members,
};
use crate::lifecycle;
use crate::repo::Repo;
use crate::store::{self, Listing, Stored};
use crate::track::Status;
use crate::transition::{self, Transition};
use anyhow::{Result, anyhow};
use gix::ObjectId;
use serde::Serialize;

/// What `pick` asks for.
#[derive(Debug, Clone, Default)]
pub struct PickRequest {
    pub winner: String,
    pub reason: String,
    /// The group the winner must be in, when the caller names it.
    pub group: Option<String>,
    /// Cancel losers whose worktrees hold uncommitted work, saving it first.
    pub force: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Picked {
    pub decision: Decision,
    /// The ref holding the decision commit.
    #[serde(rename = "ref")]
    pub refname: String,
    /// Losers cancelled now, with what happened to their worktrees.
    pub cancelled: Vec<transition::Changed>,
    /// The winner's status change, if it had to become active.
    pub winner: Option<transition::Changed>,
}

/// Picks the winner of its experiment. Every refusal comes before any change.
pub fn pick(repo: &Repo, req: &PickRequest) -> Result<Picked> {
    if req.reason.trim().is_empty() {
        return Err(ExperimentError::NoReason.into());
    }
    let listing = store::list(repo)?;
    let winner = store::load_existing(repo, &req.winner)?;
    let group = group_of(&listing, &winner, req)?;
    let decision_refname = decision_ref(&group);
    let group_members = members(&listing, &group)?;
    let losers: Vec<&Stored> = group_members
        .iter()
        .copied()
        .filter(|s| s.track.name != req.winner)
        .collect();
    // Refuse dirty worktrees of the tracks to cancel before anything is written.
    for l in losers.iter().filter(|l| !l.track.is_finished()) {
        if let Some(path) = lifecycle::find_worktree(repo, &l.track)?
            && repo.workdir.as_deref() != Some(path.as_path())
        {
            lifecycle::worktree_to_retire(repo, &l.track, req.force)?;
        }
    }
    if let Some((_, existing)) = load_decision(repo, &decision_refname)? {
        // The same pick, stopped after recording its decision, is finished; any other
        // is refused.
        let unfinished = losers.iter().any(|l| !l.track.is_finished())
            || winner.track.reason.as_deref() != Some(picked_reason(&group, req).as_str());
        if existing.winner == req.winner && existing.reason == req.reason && unfinished {
            return Ok(Picked {
                cancelled: cancel_losers(repo, req, &group, &losers)?,
                winner: mark_winner(repo, req, &winner, &group)?,
                decision: existing,
                refname: decision_refname,
            });
        }
        return Err(ExperimentError::Decided {
            group,
            winner: existing.winner,
            decided: existing.decided,
            file: format!("{decision_refname}:{DECISION_FILE}"),
        }
        .into());
    }

    // Keep the losers' tips first: nothing below may leave one unreachable.
    let winner_tip = repo.ref_target(&winner.track.branch_ref())?;
    let decision = Decision {
        group: group.clone(),
        winner: req.winner.clone(),
        winner_tip: winner_tip.map(|t| t.to_string()),
        reason: req.reason.clone(),
        decided: repo.timestamp(),
        losers: keep_tips(repo, &group, &losers)?,
        compare: last_comparison(repo, &group).map(|c| CompareTable::of(&c)),
        recorded: None,
    };
    write_decision(repo, &decision_refname, &decision, None)?;
    Ok(Picked {
        cancelled: cancel_losers(repo, req, &group, &losers)?,
        winner: mark_winner(repo, req, &winner, &group)?,
        decision,
        refname: decision_refname,
    })
}

/// The experiment the winner is in, checked against the one the request names.
fn group_of(listing: &Listing, winner: &Stored, req: &PickRequest) -> Result<String> {
    let not_in = |wanted: &String, actual: Option<&String>| -> Result<String> {
        Err(ExperimentError::NotInGroup {
            track: req.winner.clone(),
            group: wanted.clone(),
            actual: actual.cloned(),
            members: names(&members(listing, wanted)?),
        }
        .into())
    };
    let group = match (&winner.track.experiment, &req.group) {
        (Some(g), Some(wanted)) if g != wanted => return not_in(wanted, Some(g)),
        (Some(g), _) => g.clone(),
        (None, Some(wanted)) => return not_in(wanted, None),
        (None, None) => {
            return Err(ExperimentError::InNoGroup {
                track: req.winner.clone(),
            }
            .into());
        }
    };
    if winner.track.is_finished() {
        return Err(ExperimentError::WinnerFinished {
            track: req.winner.clone(),
            status: winner.track.status,
        }
        .into());
    }
    Ok(group)
}

/// Keeps each loser's tip under `refs/tracks-experiments/<group>/tips/`.
fn keep_tips(repo: &Repo, group: &str, losers: &[&Stored]) -> Result<Vec<Loser>> {
    let mut kept = Vec::with_capacity(losers.len());
    for l in losers {
        let tip = repo.ref_target(&l.track.branch_ref())?;
        let refname = match tip {
            Some(tip) => Some(keep_tip(repo, group, &l.track.name, tip)?),
            None => None,
        };
        kept.push(Loser {
            track: l.track.name.clone(),
            tip: tip.map(|t| t.to_string()),
            refname,
        });
    }
    Ok(kept)
}

/// Cancels the losers not finished yet, with the pick's reason.
fn cancel_losers(
    repo: &Repo,
    req: &PickRequest,
    group: &str,
    losers: &[&Stored],
) -> Result<Vec<transition::Changed>> {
    let reason = format!(
        "lost experiment '{group}' to '{}': {}",
        req.winner, req.reason
    );
    let mut cancelled = Vec::new();
    for l in losers.iter().filter(|l| !l.track.is_finished()) {
        cancelled.push(transition::apply(
            repo,
            &transition::Request {
                name: l.track.name.clone(),
                to: Transition::Cancel,
                reason: Some(reason.clone()),
                force: req.force,
                keep_worktree: false,
            },
        )?);
    }
    Ok(cancelled)
}

/// Records the pick as the winner's reason, reopening it when it waits (backlog or
/// blocked); returns that status change.
fn mark_winner(
    repo: &Repo,
    req: &PickRequest,
    winner: &Stored,
    group: &str,
) -> Result<Option<transition::Changed>> {
    let picked_reason = picked_reason(group, req);
    if matches!(winner.track.status, Status::Backlog | Status::Blocked) {
        return Ok(Some(transition::apply(
            repo,
            &transition::Request {
                name: req.winner.clone(),
                to: Transition::Reopen,
                reason: Some(picked_reason),
                force: false,
                keep_worktree: true,
            },
        )?));
    }
    store::update(repo, &req.winner, |t| {
        if t.reason.as_deref() == Some(picked_reason.as_str()) {
            return Ok(None);
        }
        t.reason = Some(picked_reason.clone());
        Ok(Some(format!("reason: {picked_reason}")))
    })?;
    Ok(None)
}

fn picked_reason(group: &str, req: &PickRequest) -> String {
    format!("picked in experiment '{group}': {}", req.reason)
}

fn names(tracks: &[&Stored]) -> Vec<String> {
    tracks.iter().map(|s| s.track.name.clone()).collect()
}

/// Points `refs/tracks-experiments/<group>/tips/<track>` at `tip` (a new name when that
/// ref holds another commit already: a kept tip is never moved).
fn keep_tip(repo: &Repo, group: &str, track: &str, tip: ObjectId) -> Result<String> {
    for n in 1..100 {
        let name = if n == 1 {
            tip_ref(group, track)
        } else {
            format!("{}-{n}", tip_ref(group, track))
        };
        match repo.ref_target(&name)? {
            Some(existing) if existing == tip => return Ok(name),
            Some(_) => continue,
            None => {
                lifecycle::create_ref(
                    repo,
                    &name,
                    tip,
                    &format!("git track pick: keep the tip of {track}"),
                )?;
                return Ok(name);
            }
        }
    }
    Err(anyhow!("could not find a free ref for the tip of {track}"))
}
