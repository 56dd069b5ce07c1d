//! Bringing local definitions and a remote's (as last fetched) together, track by track.
//!
//! | local | remote | last agreed | outcome |
//! |-------|--------|-------------|---------|
//! | -     | R      | never       | created here at R |
//! | -     | R      | R           | removed here: the next push removes it there |
//! | -     | R      | other       | removed here, edited there: held, reported |
//! | L     | -      | never       | only here: the next push creates it there |
//! | L     | -      | L           | removed there: removed here (saved to a backup ref) |
//! | L     | -      | other       | removed there, edited here: held, reported |
//! | L     | R      | any         | same, fast-forward, ahead, or merged field by field |
//!
//! Fetched definitions are data: a ref whose name is not a track name, or whose
//! `track.toml` does not parse, is reported by ref name and skipped; local state is
//! never replaced by it.

use super::Remote;
use super::fields::{self, FieldConflict};
use super::synced::Agreed;
use crate::lifecycle;
use crate::repo::Repo;
use crate::store::{self, Invalid, Stored};
use crate::track;
use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Both sides have the same definition.
    UpToDate,
    /// Defined there only: now defined here too.
    Created,
    /// Changed there only: moved forward here.
    FastForward,
    /// Changed here only: a push carries it.
    Ahead,
    /// Changed on both sides: merged field by field into a merge commit here.
    Merged,
    /// Defined here only: a push creates it there.
    LocalOnly,
    /// Removed there and unchanged here: removed here too.
    Removed,
    /// Removed here and unchanged there: a push removes it there.
    RemovedHere,
    /// Removed there, edited here: held until someone decides.
    RemovedThereEditedHere,
    /// Removed here, edited there: held until someone decides.
    RemovedHereEditedThere,
}

impl Action {
    /// Does this outcome need a person to decide?
    pub fn is_conflict(self) -> bool {
        matches!(
            self,
            Action::RemovedThereEditedHere | Action::RemovedHereEditedThere
        )
    }
}

/// What happened to one track.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciled {
    pub name: String,
    pub action: Action,
    /// The local definition commit afterwards.
    pub local: Option<String>,
    /// The remote's definition commit, as last fetched.
    pub remote: Option<String>,
    /// Fields that took the remote's value in a merge.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from_remote: Vec<String>,
    /// Fields changed two ways in a merge: the local value was kept.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<FieldConflict>,
    /// A ref that keeps what was removed here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
    /// Did a push carry this track's definition (or its removal) to the remote?
    pub pushed: bool,
}

impl Reconciled {
    fn new(name: &str, action: Action, local: Option<ObjectId>, remote: Option<ObjectId>) -> Self {
        Reconciled {
            name: name.to_owned(),
            action,
            local: local.map(|id| id.to_string()),
            remote: remote.map(|id| id.to_string()),
            from_remote: Vec::new(),
            conflicts: Vec::new(),
            saved: None,
            pushed: false,
        }
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    pub tracks: Vec<Reconciled>,
    /// Refs that hold no valid definition (fetched or local), skipped.
    pub invalid: Vec<Invalid>,
}

/// Anything a person must look at: a field conflict or a removal against an edit.
pub fn any_conflict(tracks: &[Reconciled]) -> bool {
    tracks
        .iter()
        .any(|t| !t.conflicts.is_empty() || t.action.is_conflict())
}

/// How often one track is retried when a local writer moves its ref meanwhile.
const ATTEMPTS: u32 = 20;

/// Reconciles every track known on either side.
pub fn all(repo: &Repo, remote: &Remote, synced: &mut Agreed) -> Result<Report> {
    let local = store::list(repo)?;
    let fetched = store::list_under(repo, &remote.tracking_prefix())?;
    let mut report = Report::default();
    let mut theirs: BTreeMap<String, Stored> = BTreeMap::new();
    for s in fetched.tracks {
        match track::validate_name(&s.track.name) {
            Ok(()) => {
                theirs.insert(s.track.name.clone(), s);
            }
            Err(e) => report.invalid.push(Invalid {
                refname: remote.tracking_ref(&s.track.name),
                error: e.to_string(),
            }),
        }
    }
    report.invalid.extend(fetched.invalid.iter().cloned());
    let skipped: BTreeSet<String> = fetched
        .invalid
        .iter()
        .filter_map(|i| i.refname.strip_prefix(&remote.tracking_prefix()))
        .chain(
            local
                .invalid
                .iter()
                .filter_map(|i| i.refname.strip_prefix(store::REF_PREFIX)),
        )
        .map(str::to_owned)
        .collect();
    report.invalid.extend(
        local
            .invalid
            .iter()
            .filter(|i| {
                i.refname
                    .strip_prefix(store::REF_PREFIX)
                    .is_some_and(|n| theirs.contains_key(n) || synced.get(n).is_some())
            })
            .cloned(),
    );
    let mut names: BTreeSet<String> = local.tracks.iter().map(|s| s.track.name.clone()).collect();
    names.extend(theirs.keys().cloned());
    names.extend(synced.names().map(str::to_owned));
    for name in names {
        if skipped.contains(&name) || track::validate_name(&name).is_err() {
            continue;
        }
        if let Some(outcome) = one(repo, remote, synced, &name, theirs.get(&name))? {
            report.tracks.push(outcome);
        }
    }
    Ok(report)
}

/// Reconciles one track with the remote's definition `theirs`.
fn one(
    repo: &Repo,
    remote: &Remote,
    synced: &mut Agreed,
    name: &str,
    theirs: Option<&Stored>,
) -> Result<Option<Reconciled>> {
    let local_ref = store::ref_name(name);
    let r = theirs.map(|s| s.commit);
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let ours = store::load(repo, name)?;
        let l = ours.as_ref().map(|s| s.commit);
        let agreed = synced.get(name);
        let result = match (&ours, theirs) {
            (None, None) => {
                synced.set(name, None);
                return Ok(None);
            }
            (None, Some(t)) => match agreed {
                None => store::swap(
                    repo,
                    &local_ref,
                    None,
                    Some(t.commit),
                    &format!("track: created from {}", remote.name),
                )
                .map(|()| {
                    synced.set(name, Some(t.commit));
                    Reconciled::new(name, Action::Created, r, r)
                }),
                Some(k) if k == t.commit => Ok(Reconciled::new(name, Action::RemovedHere, None, r)),
                Some(_) => Ok(Reconciled::new(
                    name,
                    Action::RemovedHereEditedThere,
                    None,
                    r,
                )),
            },
            (Some(o), None) => match agreed {
                None => Ok(Reconciled::new(name, Action::LocalOnly, l, None)),
                Some(k) if k == o.commit => {
                    let saved = lifecycle::save_backup(repo, name, "definition", o.commit)?;
                    store::swap(
                        repo,
                        &local_ref,
                        Some(o.commit),
                        None,
                        &format!("track: removed on {}", remote.name),
                    )
                    .map(|()| {
                        synced.set(name, None);
                        let mut out = Reconciled::new(name, Action::Removed, None, None);
                        out.saved = Some(saved);
                        out
                    })
                }
                Some(_) => Ok(Reconciled::new(
                    name,
                    Action::RemovedThereEditedHere,
                    l,
                    None,
                )),
            },
            (Some(o), Some(t)) => both(repo, remote, name, o, t).inspect(|_| {
                synced.set(name, Some(t.commit));
            }),
        };
        match result {
            Ok(outcome) => return Ok(Some(outcome)),
            // The local ref moved under us (another git-track on this machine): again.
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("could not reconcile {local_ref}")))
}

fn both(
    repo: &Repo,
    remote: &Remote,
    name: &str,
    ours: &Stored,
    theirs: &Stored,
) -> Result<Reconciled> {
    let (l, r) = (ours.commit, theirs.commit);
    let local_ref = store::ref_name(name);
    if l == r {
        return Ok(Reconciled::new(name, Action::UpToDate, Some(l), Some(r)));
    }
    if repo.is_ancestor(l, r)? {
        store::swap(
            repo,
            &local_ref,
            Some(l),
            Some(r),
            &format!("track: fast-forward from {}", remote.name),
        )?;
        return Ok(Reconciled::new(name, Action::FastForward, Some(r), Some(r)));
    }
    if repo.is_ancestor(r, l)? {
        return Ok(Reconciled::new(name, Action::Ahead, Some(l), Some(r)));
    }
    let base = repo
        .merge_base(l, r)?
        .and_then(|b| store::read_definition(repo, b, name).ok());
    let merged = fields::merge(base.as_ref(), &ours.track, &theirs.track)?;
    let mut message = format!("track: merge {name} from {}\n", remote.name);
    if !merged.from_remote.is_empty() {
        message.push_str(&format!(
            "\nFrom {}: {}\n",
            remote.name,
            merged.from_remote.join(", ")
        ));
    }
    for c in &merged.conflicts {
        message.push_str(&format!(
            "\nConflict: {}: kept {} (here); {} had {}; was {}",
            c.field,
            fields::show(&c.local),
            remote.name,
            fields::show(&c.remote),
            fields::show(&c.base)
        ));
    }
    let commit = store::write_definition(repo, &merged.track, &[l, r], message.trim_end())?;
    store::swap(
        repo,
        &local_ref,
        Some(l),
        Some(commit),
        &format!("track: merge {name} from {}", remote.name),
    )?;
    let mut out = Reconciled::new(name, Action::Merged, Some(commit), Some(r));
    out.from_remote = merged.from_remote;
    out.conflicts = merged.conflicts;
    Ok(out)
}
