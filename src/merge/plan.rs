//! Which tracks a merge run takes, in which order, and which it leaves out and why.

use super::MergeError;
use crate::dag::{Dag, Source, contained_cache};
use crate::deps;
use crate::merge::notes::{Left, NotedViolation};
use crate::plan::graph::Cycle;
use crate::refs::BranchTarget;
use crate::repo::{History, Repo};
use crate::scope::rules::{self, NoBranch};
use crate::store::{self, Listing, Stored};
use crate::track::Status;
use anyhow::Result;
use gix::ObjectId;
use std::collections::{BTreeMap, BTreeSet};

/// One track to merge.
#[derive(Debug, Clone)]
pub struct Planned {
    pub track: String,
    pub branch: String,
    pub tip: ObjectId,
    /// Its scope violations (only when they are allowed).
    pub violations: Vec<NotedViolation>,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Planned>,
    /// Tracks with work not in the integration branch that this run leaves out.
    pub left_out: Vec<Left>,
}

impl Plan {
    /// Adds `more` to the tracks left out, kept by name.
    pub fn leave_out(&mut self, more: Vec<Left>) {
        self.left_out.extend(more);
        self.left_out.sort_by(|a, b| a.track.cmp(&b.track));
    }
}

/// What a track's branch points to: a commit, nothing, or something set by hand that no
/// history can be read from (a blob, a missing object), which is no tip either.
fn tip_of(repo: &Repo, stored: &Stored) -> Result<BranchTarget> {
    crate::refs::branch_target(&repo.gix, &stored.track.branch)
}

/// [`tip_of`] each of `tracks`, the branches read together.
fn tips_of<'s>(repo: &Repo, tracks: impl Iterator<Item = &'s Stored>) -> Result<Vec<BranchTarget>> {
    let branches: Vec<&str> = tracks.map(|s| s.track.branch.as_str()).collect();
    crate::refs::branch_targets(&repo.gix, repo.commit_graph()?, &branches)
}

/// Exactly the tracks `names`, in that order. A track whose dependency is neither in
/// `integration` nor listed before it is refused. The tracks this leaves out are
/// [`not_listed`]'s to find.
pub fn explicit(
    repo: &Repo,
    history: &mut History<'_>,
    listing: &Listing,
    names: &[String],
    integration: Option<ObjectId>,
) -> Result<Plan> {
    let mut steps: Vec<Planned> = Vec::with_capacity(names.len());
    for i in 0..names.len() {
        steps.push(listed(repo, history, listing, names, i, integration)?);
    }
    Ok(Plan {
        steps,
        left_out: Vec::new(),
    })
}

/// The step of `names[i]`, refused when it is listed twice, has no commit for a tip, or
/// depends on a track neither merged nor listed before it.
fn listed(
    repo: &Repo,
    history: &mut History<'_>,
    listing: &Listing,
    names: &[String],
    i: usize,
    integration: Option<ObjectId>,
) -> Result<Planned> {
    let name = &names[i];
    if names[..i].contains(name) {
        return Err(MergeError::ListedTwice { name: name.clone() }.into());
    }
    let stored = listing
        .get(name)
        .ok_or_else(|| store::no_such_track(name))?;
    let tip = match tip_of(repo, stored)? {
        BranchTarget::Commit(tip) => Some(tip),
        BranchTarget::Missing => None,
        BranchTarget::NotACommit(broken) => {
            return Err(MergeError::BrokenBranch {
                track: name.clone(),
                broken,
            }
            .into());
        }
    };
    let tip = tip.ok_or_else(|| {
        MergeError::BranchMissing(NoBranch {
            track: name.clone(),
            branch: stored.track.branch.clone(),
        })
    })?;
    for dep in &stored.track.depends_on {
        if names[..i].contains(dep) {
            continue;
        }
        let Some(dep_stored) = listing.get(dep) else {
            // A dependency whose definition was removed cannot be merged any more.
            continue;
        };
        if is_merged(repo, history, dep_stored, integration)? {
            continue;
        }
        return Err(MergeError::DependencyNotMerged {
            track: name.clone(),
            dep: dep.clone(),
            listed_later: names[i + 1..].contains(dep),
        }
        .into());
    }
    Ok(Planned {
        track: name.clone(),
        branch: stored.track.branch.clone(),
        tip,
        violations: Vec::new(),
    })
}

/// The tracks not in `names` whose work still waits to be merged into `integration` (or
/// whose branch is broken), by name. Reading every track's branch and asking which are
/// in `integration` is the part of planning that grows with the number of tracks.
pub fn not_listed(
    src: Source<'_>,
    dag: &Dag,
    listing: &Listing,
    names: &[String],
    integration: ObjectId,
) -> Result<Vec<Left>> {
    let listed: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let others: Vec<&Stored> = listing
        .tracks
        .iter()
        .filter(|s| !listed.contains(s.track.name.as_str()) && waits(s.track.status))
        .collect();
    let branches: Vec<&str> = others.iter().map(|s| s.track.branch.as_str()).collect();
    let targets = crate::refs::branch_targets(src.repo, src.commit_graph, &branches)?;
    let mut waiting = Vec::new();
    let mut broken = Vec::new();
    for (s, target) in others.iter().zip(targets) {
        match target {
            BranchTarget::Commit(tip) => waiting.push((s.track.name.clone(), tip)),
            BranchTarget::NotACommit(b) => broken.push(Left {
                track: s.track.name.clone(),
                reason: b.to_string(),
                tip: Some(b.target.to_string()),
            }),
            BranchTarget::Missing => {}
        }
    }
    // One walk for all of them.
    let tips: Vec<ObjectId> = waiting.iter().map(|(_, tip)| *tip).collect();
    let merged = contained_cache::contained(dag, src, &tips, integration)?;
    let mut left_out: Vec<Left> = waiting
        .into_iter()
        .zip(merged)
        .filter(|(_, merged)| !merged)
        .map(|((track, tip), _)| Left {
            track,
            reason: "not listed".into(),
            tip: Some(tip.to_string()),
        })
        .collect();
    left_out.extend(broken);
    Ok(left_out)
}

/// Runs `work` while [`not_listed`] finds the tracks left out on a thread of its own,
/// with its own handle on the repository and its own revision graph: so merging a few
/// named tracks takes as long whether the repository holds 5 tracks or 1,000, as long
/// as a second core is free.
pub fn not_listed_meanwhile<T>(
    repo: &Repo,
    listing: &Listing,
    names: &[String],
    integration: ObjectId,
    work: impl FnOnce() -> Result<T>,
) -> Result<(T, Vec<Left>)> {
    let handle = repo.gix.clone();
    let commit_graph = repo.commit_graph()?;
    std::thread::scope(|scope| {
        let finding = scope.spawn(move || {
            let src = Source {
                repo: &handle,
                commit_graph,
            };
            let dag = Dag::default();
            let found = not_listed(src, &dag, listing, names, integration);
            // Its walk counts towards git-track's own commit-graph, as the main one does.
            crate::dag::own_graph::refresh_after(&handle, dag.commits_inflated());
            found
        });
        let done = work();
        let left_out = finding
            .join()
            .map_err(|_| anyhow::anyhow!("finding the tracks left out failed"))?;
        Ok((done?, left_out?))
    })
}

/// Every active track that is ready — not already merged, every dependency merged or
/// merged before it — in dependency order, ties broken by creation time.
pub fn ready(
    repo: &Repo,
    history: &mut History<'_>,
    listing: &Listing,
    integration: Option<ObjectId>,
) -> Result<Plan> {
    let mut sorted = Sorted::of(repo, history, listing, integration)?;
    sorted.drop_waiting(listing);
    let steps = sorted.in_order()?;
    let mut left_out = sorted.left_out;
    left_out.sort_by(|a, b| a.track.cmp(&b.track));
    Ok(Plan { steps, left_out })
}

/// The tracks of a listing as [`ready`] sorts them: merged already, left out (with
/// why), or candidates to merge.
struct Sorted<'l> {
    /// Candidates, by name, with their tips.
    candidates: BTreeMap<&'l str, (&'l Stored, ObjectId)>,
    /// Tracks whose tip the integration branch contains.
    merged: BTreeSet<&'l str>,
    left_out: Vec<Left>,
}

impl<'l> Sorted<'l> {
    /// Every track sorted: the merged ones, then, of those whose work still waits, the
    /// ones without a commit for a tip or not active left out, the rest candidates.
    fn of(
        repo: &Repo,
        history: &mut History<'_>,
        listing: &'l Listing,
        integration: Option<ObjectId>,
    ) -> Result<Sorted<'l>> {
        let mut sorted = Sorted {
            candidates: BTreeMap::new(),
            merged: BTreeSet::new(),
            left_out: Vec::new(),
        };
        let targets = tips_of(repo, listing.tracks.iter())?;
        let tips: Vec<Option<ObjectId>> = targets
            .iter()
            .map(|t| match t {
                BranchTarget::Commit(tip) => Some(*tip),
                _ => None,
            })
            .collect();
        let existing: Vec<ObjectId> = tips.iter().flatten().copied().collect();
        let mut in_integration = contained_all(history, &existing, integration)?.into_iter();
        for ((s, tip), target) in listing.tracks.iter().zip(tips).zip(&targets) {
            let name = s.track.name.as_str();
            if tip.is_some() && in_integration.next().unwrap_or(false) {
                sorted.merged.insert(name);
                continue;
            }
            if !waits(s.track.status) {
                continue;
            }
            let Some(tip) = tip else {
                sorted.left_out.push(without_tip(s, target));
                continue;
            };
            if s.track.status != Status::Active {
                sorted.left_out.push(Left {
                    track: name.to_owned(),
                    reason: format!("status is {}", s.track.status),
                    tip: Some(tip.to_string()),
                });
                continue;
            }
            sorted.candidates.insert(name, (s, tip));
        }
        Ok(sorted)
    }

    /// Drops candidates waiting for a dependency that is neither merged nor a candidate,
    /// until none is.
    fn drop_waiting(&mut self, listing: &Listing) {
        loop {
            let mut dropped = None;
            for (name, (s, tip)) in &self.candidates {
                let missing = s.track.depends_on.iter().find(|d| {
                    listing.get(d).is_some()
                        && !self.merged.contains(d.as_str())
                        && !self.candidates.contains_key(d.as_str())
                });
                if let Some(dep) = missing {
                    dropped = Some((*name, dep.clone(), *tip));
                    break;
                }
            }
            let Some((name, dep, tip)) = dropped else {
                break;
            };
            self.candidates.remove(name);
            self.left_out.push(Left {
                track: name.to_owned(),
                reason: format!("waits for '{dep}'"),
                tip: Some(tip.to_string()),
            });
        }
    }

    /// The candidates in dependency order, ties broken by creation time.
    fn in_order(&self) -> Result<Vec<Planned>> {
        let candidates = &self.candidates;
        let nodes: Vec<&str> = candidates.keys().copied().collect();
        let graph: deps::Graph<'_> = candidates
            .iter()
            .map(|(n, (s, _))| (*n, s.track.depends_on.iter().map(String::as_str).collect()))
            .collect();
        let created = |n: &str| {
            candidates
                .get(n)
                .map(|(s, _)| s.track.created.clone())
                .unwrap_or_default()
        };
        let order = deps::order(&nodes, &graph, created).map_err(|cycle| Cycle { cycle })?;
        Ok(order
            .into_iter()
            .filter_map(|n| candidates.get(n))
            .map(|(s, tip)| Planned {
                track: s.track.name.clone(),
                branch: s.track.branch.clone(),
                tip: *tip,
                violations: Vec::new(),
            })
            .collect())
    }
}

/// A waiting track left out because its branch points to no commit (`target`).
fn without_tip(s: &Stored, target: &BranchTarget) -> Left {
    let (reason, tip) = match target {
        BranchTarget::NotACommit(broken) => (broken.to_string(), Some(broken.target.to_string())),
        _ => (
            format!("its branch '{}' does not exist", s.track.branch),
            None,
        ),
    };
    Left {
        track: s.track.name.clone(),
        reason,
        tip,
    }
}

/// Holds every planned track to its scope: what it brings (from its merge base with the
/// integration tip to its tip) is checked as [`rules::check_commits`] checks it. Without `allow`,
/// a track with violations is refused: with `explicit` names the whole run is (exit 1);
/// otherwise it is left out, with the tracks that depend on it, and a warning is
/// returned. With `allow`, the violations stay with the step for the notes.
pub fn gate_scope(
    repo: &Repo,
    history: &mut History<'_>,
    listing: &Listing,
    plan: &mut Plan,
    integration: ObjectId,
    allow: bool,
    explicit: bool,
) -> Result<Vec<String>> {
    // Where what each track brings starts, on the shared history; then what it changes,
    // tree diffs on all cores (mostly trees read: 0.6 ms a track among 1,000).
    let mut brought: Vec<(usize, &Stored, ObjectId)> = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let Some(stored) = listing.get(&step.track) else {
            continue;
        };
        if let Some(from) = brought_from(history, stored, step.tip, integration)? {
            brought.push((i, stored, from));
        }
    }
    let ends: Vec<(ObjectId, ObjectId)> = brought
        .iter()
        .map(|&(i, _, from)| (from, plan.steps[i].tip))
        .collect();
    let changed = super::diffstat::changed_paths_many(&repo.gix, &ends)?;
    let mut refused: Vec<(String, Vec<NotedViolation>)> = Vec::new();
    for ((i, stored, _), paths) in brought.into_iter().zip(changed) {
        let step = &mut plan.steps[i];
        step.violations = rules::check_paths(repo, listing, &stored.track, &paths)?
            .into_iter()
            .map(|v| NotedViolation {
                track: step.track.clone(),
                path: v.path,
                reason: serde_json::to_value(v.reason)
                    .ok()
                    .and_then(|r| r.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                claimed_by: v.claimed_by,
                contract_of: v.contract_of,
            })
            .collect();
        if !allow && !step.violations.is_empty() {
            refused.push((step.track.clone(), step.violations.clone()));
        }
    }
    if explicit && let Some((track, vs)) = refused.first() {
        return Err(MergeError::OutOfScope {
            track: track.clone(),
            violations: vs.clone(),
        }
        .into());
    }
    Ok(leave_out_refused(listing, plan, &refused))
}

/// Where what a track brings starts: its merge base with the integration tip, else
/// the commit it forked from; `None` when that is no commit id either.
fn brought_from(
    history: &mut History<'_>,
    stored: &Stored,
    tip: ObjectId,
    integration: ObjectId,
) -> Result<Option<ObjectId>> {
    Ok(match history.merge_base(tip, integration)? {
        Some(base) => Some(base),
        None => ObjectId::from_hex(stored.track.base.commit.as_bytes()).ok(),
    })
}

/// Leaves the `refused` tracks out of `plan`, with the tracks that depend on them, and
/// returns a warning for each refused one.
fn leave_out_refused(
    listing: &Listing,
    plan: &mut Plan,
    refused: &[(String, Vec<NotedViolation>)],
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for (track, vs) in refused {
        warnings.push(format!(
            "left out '{track}': it changes paths outside its scope: {}",
            describe_violations(vs)
        ));
        out.push(track.clone());
    }
    // The tracks that depend on a refused one wait for it (the plan is in dependency order).
    let steps = std::mem::take(&mut plan.steps);
    for step in steps {
        let refused_here = refused.iter().find(|(t, _)| *t == step.track);
        let waits_for = listing
            .get(&step.track)
            .and_then(|s| s.track.depends_on.iter().find(|d| out.contains(d)).cloned());
        match (refused_here, waits_for) {
            (Some((_, vs)), _) => plan.left_out.push(Left {
                track: step.track.clone(),
                reason: format!("{}{}", Left::VIOLATIONS, describe_violations(vs)),
                tip: Some(step.tip.to_string()),
            }),
            (None, Some(dep)) => {
                out.push(step.track.clone());
                plan.left_out.push(Left {
                    track: step.track.clone(),
                    reason: format!("waits for '{dep}'"),
                    tip: Some(step.tip.to_string()),
                });
            }
            (None, None) => plan.steps.push(step),
        }
    }
    plan.left_out.sort_by(|a, b| a.track.cmp(&b.track));
    warnings
}

/// Scope violations in a line: each path with why it is one.
pub fn describe_violations(vs: &[NotedViolation]) -> String {
    vs.iter()
        .map(|v| format!("{} ({})", v.path, v.reason.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Statuses of tracks whose work is still expected to reach the integration branch.
fn waits(status: Status) -> bool {
    matches!(status, Status::Active | Status::Blocked | Status::Backlog)
}

fn contained(
    history: &mut History<'_>,
    tip: ObjectId,
    integration: Option<ObjectId>,
) -> Result<bool> {
    match integration {
        Some(i) => history.is_ancestor(tip, i),
        None => Ok(false),
    }
}

/// [`contained`] for many tips at once.
fn contained_all(
    history: &mut History<'_>,
    tips: &[ObjectId],
    integration: Option<ObjectId>,
) -> Result<Vec<bool>> {
    match integration {
        Some(i) => history.contained(tips, i),
        None => Ok(vec![false; tips.len()]),
    }
}

fn is_merged(
    repo: &Repo,
    history: &mut History<'_>,
    stored: &Stored,
    integration: Option<ObjectId>,
) -> Result<bool> {
    match tip_of(repo, stored)? {
        BranchTarget::Commit(tip) => contained(history, tip, integration),
        BranchTarget::Missing | BranchTarget::NotACommit(_) => Ok(false),
    }
}
