//! `git track push`: fetch, reconcile, push every definition that
//! moved (and the notes) with leases, all at once; when another machine won the race,
//! fetch, reconcile and try again, a bounded number of times.

use super::RemoteError;
use super::lease::{self, PushOutcome, Update};
use super::notes::{self, NotesAction};
use super::reconcile::{self, Action, Reconciled};
use super::synced::Agreed;
use super::{Remote, fetch, lock};
use crate::git;
use crate::merge::notes::NOTES_REF;
use crate::refs;
use crate::repo::Repo;
use crate::store::{self, Invalid};
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;
use std::time::Duration;

/// How many times a push that lost a race is tried again.
pub const ATTEMPTS: u32 = 30;

#[derive(Debug, Default, Clone)]
pub struct Request {
    /// Only these tracks (default: every track). Naming a track held by a removal
    /// against an edit decides it this side's way.
    pub names: Vec<String>,
    pub with_branches: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushedReport {
    pub remote: String,
    pub tracks: Vec<Reconciled>,
    pub invalid: Vec<Invalid>,
    pub notes: NotesAction,
    /// Did the notes travel in this push?
    pub notes_pushed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<BranchPush>,
    /// Push attempts made (more than one when another machine pushed meanwhile).
    pub attempts: u32,
}

impl PushedReport {
    pub fn has_conflicts(&self) -> bool {
        reconcile::any_conflict(&self.tracks)
    }
}

/// One track branch pushed with `--with-branches`.
#[derive(Debug, Clone, Serialize)]
pub struct BranchPush {
    pub track: String,
    pub branch: String,
    /// pushed, up-to-date, rejected, or missing (no such branch here).
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

pub fn push(repo: &Repo, remote: &Remote, req: &Request) -> Result<PushedReport> {
    let _lock = lock(repo, remote)?;
    let mut synced = Agreed::load(repo, &remote.name);
    check_known(repo, remote, &synced, &req.names)?;
    let selected = |name: &str| req.names.is_empty() || req.names.iter().any(|n| n == name);
    let mut losses = Vec::new();
    // Push what was reconciled with the remote's newest state: fewer lost races, and a
    // push also brings what others shared.
    fetch::download(repo, remote)?;
    for attempt in 1..=ATTEMPTS {
        let report = reconcile::all(repo, remote, &mut synced);
        synced.save()?;
        let mut report = report?;
        let notes = notes::reconcile(repo, remote)?;
        let (mut updates, carried) = definition_updates(&report, &selected, !req.names.is_empty());
        let notes_update = notes_update(repo, remote)?;
        let push_notes = notes_update.is_some();
        updates.extend(notes_update);
        let done = |report: reconcile::Report, notes_pushed| {
            let branches = if req.with_branches || push_branches_setting(repo) {
                push_branches(repo, remote, &report.tracks, &selected)
            } else {
                Ok(Vec::new())
            };
            branches.map(|branches| PushedReport {
                remote: remote.name.clone(),
                tracks: report.tracks,
                invalid: report.invalid,
                notes,
                notes_pushed,
                branches,
                attempts: attempt,
            })
        };
        if updates.is_empty() {
            return done(report, false);
        }
        match lease::push(repo, remote, &updates)? {
            PushOutcome::Done => {
                record_pushed(repo, remote, &updates)?;
                for i in carried {
                    let t = &mut report.tracks[i];
                    t.pushed = true;
                    synced.set(&t.name, id(t.local.as_deref()));
                }
                synced.save()?;
                return done(report, push_notes);
            }
            PushOutcome::Lost(why) => {
                losses = why;
                fetch::download(repo, remote)?;
                backoff(attempt);
            }
        }
    }
    Err(RemoteError::Contended {
        remote: remote.name.clone(),
        attempts: ATTEMPTS,
        losses,
    }
    .into())
}

/// Refuses a name that is no track here, on the remote, or in what was last synced.
fn check_known(repo: &Repo, remote: &Remote, synced: &Agreed, names: &[String]) -> Result<()> {
    for name in names {
        let known = repo.ref_target(&store::ref_name(name))?.is_some()
            || repo.ref_target(&remote.tracking_ref(name))?.is_some()
            || synced.get(name).is_some();
        if !known {
            return Err(store::no_such_track(name));
        }
    }
    Ok(())
}

/// The definitions to push after reconciling, and the indexes of their tracks in the
/// report. A removal against an edit goes only when the track is `named`.
fn definition_updates(
    report: &reconcile::Report,
    selected: &dyn Fn(&str) -> bool,
    named: bool,
) -> (Vec<Update>, Vec<usize>) {
    let mut updates = Vec::new();
    let mut carried = Vec::new();
    for (i, t) in report.tracks.iter().enumerate() {
        if !selected(&t.name) {
            continue;
        }
        let push = match t.action {
            Action::Ahead | Action::Merged | Action::LocalOnly => true,
            Action::RemovedHere => true,
            Action::RemovedThereEditedHere | Action::RemovedHereEditedThere => named,
            _ => false,
        };
        if push {
            updates.push(Update {
                remote_ref: store::ref_name(&t.name),
                expect: id(t.remote.as_deref()),
                new: id(t.local.as_deref()),
            });
            carried.push(i);
        }
    }
    (updates, carried)
}

/// The Integration Notes, when here they differ from what was fetched.
fn notes_update(repo: &Repo, remote: &Remote) -> Result<Option<Update>> {
    let local_notes = repo.ref_target(NOTES_REF)?;
    let fetched_notes = repo.ref_target(&remote.notes_ref())?;
    Ok(
        (local_notes.is_some() && local_notes != fetched_notes).then(|| Update {
            remote_ref: NOTES_REF.to_owned(),
            expect: fetched_notes,
            new: local_notes,
        }),
    )
}

/// Moves the remote-tracking refs to what the push gave the remote.
fn record_pushed(repo: &Repo, remote: &Remote, updates: &[Update]) -> Result<()> {
    for u in updates {
        let tracking = if u.remote_ref == NOTES_REF {
            remote.notes_ref()
        } else {
            remote.tracking_ref(&u.remote_ref[store::REF_PREFIX.len()..])
        };
        // What the remote now has is what was last fetched from it.
        let before = repo.ref_target(&tracking)?;
        let _ = store::swap(repo, &tracking, before, u.new, "track: pushed");
    }
    Ok(())
}

fn id(hex: Option<&str>) -> Option<ObjectId> {
    hex.and_then(|h| ObjectId::from_hex(h.as_bytes()).ok())
}

fn push_branches_setting(repo: &Repo) -> bool {
    repo.gix
        .config_snapshot()
        .boolean(super::KEY_PUSH_BRANCHES)
        .unwrap_or(false)
}

/// Pushes the selected tracks' branches as `git push` would: fast-forwards only, so a
/// branch someone else moved is refused and reported, never overwritten.
fn push_branches(
    repo: &Repo,
    remote: &Remote,
    tracks: &[Reconciled],
    selected: &dyn Fn(&str) -> bool,
) -> Result<Vec<BranchPush>> {
    let mut out = Vec::new();
    let mut refspecs = Vec::new();
    for t in tracks.iter().filter(|t| selected(&t.name)) {
        let Some(stored) = store::load(repo, &t.name).ok().flatten() else {
            continue;
        };
        let branch = stored.track.branch;
        let full = refs::branch_ref(&branch);
        let valid = gix::validate::reference::name(full.as_str().into()).is_ok();
        if !valid || repo.ref_target(&full)?.is_none() {
            out.push(BranchPush {
                track: t.name.clone(),
                branch,
                result: "missing".into(),
                detail: None,
            });
            continue;
        }
        refspecs.push(format!("{full}:{full}"));
        out.push(BranchPush {
            track: t.name.clone(),
            branch,
            result: "pushed".into(),
            detail: None,
        });
    }
    if refspecs.is_empty() {
        return Ok(out);
    }
    let pushed = git::push(
        &super::git_dir_for_commands(repo),
        &remote.name,
        &refspecs,
        &[],
        false,
    )?;
    if !pushed.success && pushed.refs.is_empty() {
        return Err(RemoteError::PushFailed {
            command: pushed.command,
            stderr: pushed.stderr.trim().to_owned(),
            nothing_pushed: false,
        }
        .into());
    }
    for b in out.iter_mut().filter(|b| b.result == "pushed") {
        let full = refs::branch_ref(&b.branch);
        if let Some(r) = pushed.refs.iter().find(|r| r.to == full) {
            match r.flag {
                '=' => b.result = "up-to-date".into(),
                '!' => {
                    b.result = "rejected".into();
                    b.detail = Some(r.summary.clone());
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

fn backoff(attempt: u32) {
    // Spread retries so that machines racing for the same refs stop colliding.
    let jitter = u64::from(std::process::id() % 13) * 7;
    std::thread::sleep(Duration::from_millis(
        20 + jitter + u64::from(attempt.min(10)) * 30,
    ));
}
