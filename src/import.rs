//! Adopting existing work as tracks, many at once: the topics merged into an integration
//! branch (`--merges <base>..<integration>`) or existing branches (`--branches <glob>`).
//! All or nothing, like `git track new`: every branch and definition is created in one
//! reference transaction, after every check has passed.
//!
//! Failures are [`ImportError`]s; the command line says what to do about them.

use crate::lifecycle;
use crate::linked_worktree as worktree;
use crate::refs;
use crate::repo::Repo;
use crate::store::{self, Listing};
use crate::track::{self, Base, Kind, Status, Track};
use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::refs::transaction::{PreviousValue, RefEdit};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Why an import refuses, before it creates anything (or, for `Unwritable`, having
/// created nothing).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the base '{base}' does not resolve to a commit")]
    BaseUnresolved { base: String },
    /// Two candidates map to one name (also ignoring case); `first` and `second` say
    /// where each came from: a quoted branch name, or a commit id.
    #[error("two tracks would be named '{name}': from {first} and from {second}")]
    SameName {
        name: String,
        first: String,
        second: String,
    },
    #[error("branch '{branch}' is already the branch of track '{track}'")]
    BranchTaken { branch: String, track: String },
    #[error("a branch named '{branch}' already exists")]
    BranchExists { branch: String },
    #[error("'{}' already exists and is not empty", path.display())]
    WorktreePathTaken { path: PathBuf },
    #[error("branch '{branch}' is already checked out at '{}'", at.display())]
    BranchCheckedOut { branch: String, at: PathBuf },
    /// The one reference transaction failed: nothing was created.
    #[error("could not create the tracks: {cause}")]
    Unwritable { cause: String },
    /// A concurrent import wrote the very same refs (same content, same second).
    #[error("the tracks were created meanwhile by another import")]
    CreatedMeanwhile,
    #[error("bad range '{range}': {problem}")]
    BadRange {
        range: String,
        problem: RangeProblem,
    },
    #[error("no first-parent merge of two parents in '{range}'")]
    NoMerges { range: String },
    #[error("bad glob '{glob}': {cause}")]
    BadGlob { glob: String, cause: String },
    #[error("'{branch}' is the integration branch; it cannot be a track")]
    IntegrationBranch { branch: String },
    #[error("no branch matches '{glob}'")]
    NoBranches { glob: String },
}

/// What is wrong with a range of merges.
#[derive(Debug, thiserror::Error)]
pub enum RangeProblem {
    #[error("it has no '..'")]
    NoDots,
    #[error("a symmetric difference ('...') is not a range of merges")]
    Symmetric,
    #[error("both ends must be given")]
    MissingEnd,
    #[error("'{rev}' does not resolve to a commit")]
    Unresolved { rev: String },
}

/// Where the tracks come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `<base>..<integration>`: the second parent of every first-parent merge.
    Merges(String),
    /// A glob over local branch names.
    Branches(String),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub source: Source,
    /// What the tracks fork from (default: `track.base`).
    pub base: Option<String>,
    pub kind: Kind,
    /// Give each track a worktree.
    pub worktrees: bool,
    /// Check everything, create nothing.
    pub dry_run: bool,
}

/// One track the import creates.
#[derive(Debug, Clone, Serialize)]
pub struct Adopted {
    pub name: String,
    pub branch: String,
    /// Was the branch there already (`--branches`), rather than made at `tip`?
    pub adopted: bool,
    pub tip: String,
    /// Where the branch left the base.
    pub fork_point: String,
    /// The merge it was taken from (`--merges`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge: Option<String>,
    /// The branch name the merge's subject gives (`--merges`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_branch: Option<String>,
    pub worktree: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Imported {
    pub dry_run: bool,
    pub base: String,
    pub tracks: Vec<Adopted>,
}

/// One candidate before checks: a name, a tip, and where it came from.
struct Candidate {
    name: String,
    tip: ObjectId,
    /// The existing branch to adopt (full name), for `--branches`.
    branch: Option<String>,
    merge: Option<ObjectId>,
    merged_branch: Option<String>,
}

impl Candidate {
    /// Where it came from, as an error names it: the merged or adopted branch, quoted,
    /// else its tip.
    fn origin(&self) -> String {
        match (&self.merged_branch, &self.branch) {
            (Some(b), _) => format!("'{b}'"),
            (None, Some(b)) => format!("'{}'", short(b)),
            (None, None) => self.tip.to_string(),
        }
    }
}

/// A candidate that passed the checks, with the branch and worktree it gets.
struct Planned {
    candidate: Candidate,
    /// The full name of its branch: the adopted one, or a new one at the tip.
    branch: String,
    worktree: Option<PathBuf>,
}

/// Imports what `req` asks for: every check first, then all the tracks or none.
pub fn import(repo: &Repo, req: &Request) -> Result<Imported> {
    let listing = store::list(repo)?;
    let (base_ref, base_commit) = base(repo, req)?;
    let candidates = match &req.source {
        Source::Merges(range) => from_merges(repo, range)?,
        Source::Branches(glob) => from_branches(repo, glob)?,
    };
    check_names(&listing, &candidates)?;
    let planned = plan(repo, req, &listing, candidates)?;
    let tracks = definitions(repo, req.kind, &base_ref, base_commit, &planned)?;
    let out = Imported {
        dry_run: req.dry_run,
        base: base_ref,
        tracks: planned.iter().zip(&tracks).map(adopted).collect(),
    };
    if !req.dry_run && !planned.is_empty() {
        create(repo, &planned, &tracks)?;
    }
    Ok(out)
}

/// The ref the tracks fork from and its commit: none while it does not resolve, which
/// is refused only when it was asked for.
fn base(repo: &Repo, req: &Request) -> Result<(String, Option<ObjectId>)> {
    let base_ref = req
        .base
        .clone()
        .unwrap_or_else(|| repo.settings.base.clone());
    let commit = repo.try_resolve_commit(&base_ref);
    if req.base.is_some() && commit.is_none() {
        return Err(ImportError::BaseUnresolved { base: base_ref }.into());
    }
    Ok((base_ref, commit))
}

/// Every name valid, new, and unique in the batch (also ignoring case).
fn check_names(listing: &Listing, candidates: &[Candidate]) -> Result<()> {
    let mut seen: BTreeMap<String, &Candidate> = BTreeMap::new();
    for c in candidates {
        lifecycle::check_new_name(listing, &c.name)?;
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
fn plan(
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

/// The tracks' definitions, each forking where its tip left the base (one shared walk of
/// history for all of them).
fn definitions(
    repo: &Repo,
    kind: Kind,
    base_ref: &str,
    base_commit: Option<ObjectId>,
    planned: &[Planned],
) -> Result<Vec<Track>> {
    let mut history = repo.history()?;
    let now = repo.timestamp();
    planned
        .iter()
        .map(|p| {
            let tip = p.candidate.tip;
            let fork_point = match base_commit {
                Some(b) => history.merge_base(tip, b)?.unwrap_or(tip),
                None => tip,
            };
            let base = Base {
                refname: base_ref.to_owned(),
                commit: fork_point.to_string(),
            };
            Ok(definition(p, kind, base, &now))
        })
        .collect()
}

/// A new active track for `p`, described by the merge it came from.
fn definition(p: &Planned, kind: Kind, base: Base, now: &str) -> Track {
    Track {
        name: p.candidate.name.clone(),
        kind,
        status: Status::Active,
        branch: short(&p.branch).to_owned(),
        base,
        worktree: p.worktree.as_ref().map(|w| w.display().to_string()),
        scope: Vec::new(),
        contracts: Vec::new(),
        depends_on: Vec::new(),
        owner: None,
        estimate: None,
        experiment: None,
        hypothesis: None,
        description: p
            .candidate
            .merged_branch
            .as_ref()
            .map(|b| format!("Imported from the merge of '{b}'")),
        reason: None,
        created: now.to_owned(),
        updated: now.to_owned(),
    }
}

/// What the import reports of one track.
fn adopted((p, t): (&Planned, &Track)) -> Adopted {
    let c = &p.candidate;
    Adopted {
        name: t.name.clone(),
        branch: t.branch.clone(),
        adopted: c.branch.is_some(),
        tip: c.tip.to_string(),
        fork_point: t.base.commit.clone(),
        merge: c.merge.map(|m| m.to_string()),
        merged_branch: c.merged_branch.clone(),
        worktree: t.worktree.clone(),
    }
}

/// Creates the branches and definitions in one transaction, then the worktrees; when a
/// worktree cannot be made, takes the refs away again.
fn create(repo: &Repo, planned: &[Planned], tracks: &[Track]) -> Result<()> {
    let edits = ref_edits(repo, planned, tracks)?;
    let done =
        crate::repo::edit_references(&repo.gix, edits).map_err(|e| ImportError::Unwritable {
            cause: e.to_string(),
        })?;
    if store::existed_before(&done) {
        return Err(ImportError::CreatedMeanwhile.into());
    }
    if let Err(e) = add_worktrees(repo, planned, tracks) {
        undo(repo, planned, tracks);
        return Err(e);
    }
    Ok(())
}

/// The new branches (adopted ones stay as they are) and every definition.
fn ref_edits(repo: &Repo, planned: &[Planned], tracks: &[Track]) -> Result<Vec<RefEdit>> {
    let mut edits = Vec::with_capacity(2 * planned.len());
    for (p, t) in planned.iter().zip(tracks) {
        if p.candidate.branch.is_none() {
            edits.push(RefEdit::update_with_log(
                p.branch
                    .clone()
                    .try_into()
                    .map_err(|e| anyhow!("invalid branch name '{}': {e}", t.branch))?,
                p.candidate.tip,
                PreviousValue::MustNotExist,
                refs::logged(&format!("branch: Created by git track import {}", t.name)),
            ));
        }
        edits.push(store::new_definition(repo, t)?.1);
    }
    Ok(edits)
}

/// Adds the worktrees asked for; on failure removes the ones it made.
fn add_worktrees(repo: &Repo, planned: &[Planned], tracks: &[Track]) -> Result<()> {
    let mut added: Vec<&PathBuf> = Vec::new();
    for (p, t) in planned.iter().zip(tracks) {
        let Some(path) = &p.worktree else {
            continue;
        };
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| anyhow!("could not create {}: {e}", path.display()))
            .and_then(|()| worktree::add_for_track(repo, path, t));
        if let Err(e) = result {
            for p in added {
                let _ = worktree::remove(repo, p, true);
            }
            return Err(e);
        }
        added.push(path);
    }
    Ok(())
}

/// Takes away the branches and definitions an import made.
fn undo(repo: &Repo, planned: &[Planned], tracks: &[Track]) {
    for (p, t) in planned.iter().zip(tracks) {
        if let Ok(Some(stored)) = store::load(repo, &t.name) {
            let _ = store::delete(repo, &stored);
        }
        if p.candidate.branch.is_none() {
            let _ = lifecycle::delete_ref(repo, &p.branch, p.candidate.tip);
        }
    }
}

/// The topics merged by the first-parent merges of `range`, oldest first.
fn from_merges(repo: &Repo, range: &str) -> Result<Vec<Candidate>> {
    let (from, to) = range_ends(repo, range)?;
    let walk = repo
        .gix
        .rev_walk([to])
        .first_parent_only()
        .with_hidden([from])
        .all()?;
    let mut out = Vec::new();
    for info in walk {
        if let Some(topic) = topic_of(repo, info?.id)? {
            out.push(topic);
        }
    }
    out.reverse();
    if out.is_empty() {
        return Err(ImportError::NoMerges {
            range: range.to_owned(),
        }
        .into());
    }
    Ok(out)
}

/// The two ends of `<base>..<integration>`, as commits.
fn range_ends(repo: &Repo, range: &str) -> Result<(ObjectId, ObjectId)> {
    let bad = |problem| ImportError::BadRange {
        range: range.to_owned(),
        problem,
    };
    let Some((from, to)) = range.split_once("..") else {
        return Err(bad(RangeProblem::NoDots).into());
    };
    if to.starts_with('.') {
        return Err(bad(RangeProblem::Symmetric).into());
    }
    if from.is_empty() || to.is_empty() {
        return Err(bad(RangeProblem::MissingEnd).into());
    }
    let resolve = |rev: &str| {
        repo.try_resolve_commit(rev).ok_or_else(|| {
            bad(RangeProblem::Unresolved {
                rev: rev.to_owned(),
            })
        })
    };
    Ok((resolve(from)?, resolve(to)?))
}

/// The topic the merge `id` brought in, when it has two parents: its second parent,
/// named after the branch the merge's subject names (else after the merge).
fn topic_of(repo: &Repo, id: ObjectId) -> Result<Option<Candidate>> {
    // A first-parent walk reports the first parent only; the commit has them all.
    let commit = repo.gix.find_commit(id)?;
    let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
    let [_, topic] = parents.as_slice() else {
        return Ok(None);
    };
    let subject = commit.message()?.summary().to_string();
    let merged_branch = merged_branch(&subject);
    let name = match &merged_branch {
        Some(b) => track_name(b),
        None => format!("merge-{}", id.to_hex_with_len(12)),
    };
    Ok(Some(Candidate {
        name,
        tip: *topic,
        branch: None,
        merge: Some(id),
        merged_branch,
    }))
}

/// Existing local branches whose names match `glob`, by name.
fn from_branches(repo: &Repo, glob: &str) -> Result<Vec<Candidate>> {
    let matcher = globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map_err(|e| ImportError::BadGlob {
            glob: glob.to_owned(),
            cause: e.to_string(),
        })?
        .compile_matcher();
    let integration = repo.settings.integration_ref();
    let mut out = Vec::new();
    for r in repo.gix.references()?.local_branches()? {
        let mut r = r.map_err(|e| anyhow!("could not read the branches: {e}"))?;
        let full = r.name().as_bstr().to_string();
        let name = short(&full);
        if !matcher.is_match(name) {
            continue;
        }
        if full == integration {
            return Err(ImportError::IntegrationBranch {
                branch: name.to_owned(),
            }
            .into());
        }
        let tip = r.peel_to_id()?.detach();
        out.push(Candidate {
            name: track_name(name),
            tip,
            branch: Some(full),
            merge: None,
            merged_branch: None,
        });
    }
    if out.is_empty() {
        return Err(ImportError::NoBranches {
            glob: glob.to_owned(),
        }
        .into());
    }
    Ok(out)
}

/// A full branch name as people read it.
fn short(full: &str) -> &str {
    refs::branch_name(full).unwrap_or(full)
}

/// The branch a merge's subject names: `Merge branch 'x' ...`, `Merge remote-tracking
/// branch 'x' ...`, `Merge track 'x' ...`, or `Merge pull request #n from x`.
pub fn merged_branch(subject: &str) -> Option<String> {
    for prefix in [
        "Merge branch '",
        "Merge remote-tracking branch '",
        "Merge track '",
    ] {
        if let Some(rest) = subject.strip_prefix(prefix) {
            return rest
                .split_once('\'')
                .map(|(b, _)| b.to_owned())
                .filter(|b| !b.is_empty());
        }
    }
    let rest = subject.strip_prefix("Merge pull request #")?;
    let (_, from) = rest.split_once(" from ")?;
    from.split_whitespace().next().map(str::to_owned)
}

/// A valid track name for a branch name: `/` and every other character a track name
/// cannot hold become `-`, and what a name cannot start or end with is trimmed.
pub fn track_name(branch: &str) -> String {
    let mut name: String = branch
        .chars()
        .map(|c| {
            if c.is_control()
                || c.is_whitespace()
                || matches!(
                    c,
                    '/' | '\\' | '~' | '^' | ':' | '?' | '*' | '[' | '@' | '{'
                )
            {
                '-'
            } else {
                c
            }
        })
        .collect();
    while name.contains("..") {
        name = name.replace("..", ".");
    }
    let mut name = name.trim_matches(['-', '.']).to_owned();
    while let Some(stripped) = name.strip_suffix(".lock") {
        name = stripped.trim_end_matches(['-', '.']).to_owned();
    }
    if track::validate_name(&name).is_err() {
        return "imported".to_owned();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::{merged_branch, track_name};

    #[test]
    fn merge_subjects_name_their_branch() {
        assert_eq!(
            merged_branch("Merge branch 'ps/test-set-e-clean' into seen").as_deref(),
            Some("ps/test-set-e-clean")
        );
        assert_eq!(
            merged_branch("Merge branch 'topic'").as_deref(),
            Some("topic")
        );
        assert_eq!(
            merged_branch("Merge remote-tracking branch 'origin/x' into next").as_deref(),
            Some("origin/x")
        );
        assert_eq!(
            merged_branch("Merge pull request #12 from user/fix-it").as_deref(),
            Some("user/fix-it")
        );
        assert_eq!(merged_branch("Merge tag 'v1.0'"), None);
        assert_eq!(merged_branch("Merge branch ''"), None);
    }

    #[test]
    fn branch_names_become_valid_track_names() {
        assert_eq!(track_name("ps/test-set-e-clean"), "ps-test-set-e-clean");
        assert_eq!(track_name("a/b/c"), "a-b-c");
        assert_eq!(track_name("x..y"), "x.y");
        assert_eq!(track_name("topic.lock"), "topic");
        assert_eq!(track_name("/lead"), "lead");
        assert_eq!(track_name("we ird:name"), "we-ird-name");
        assert_eq!(track_name("..."), "imported");
    }
}
