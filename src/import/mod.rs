//! Adopting existing work as tracks, many at once: the topics merged into an integration
//! branch (`--merges <base>..<integration>`) or existing branches (`--branches <glob>`).
//! All or nothing, like `git track new`: every branch and definition is created in one
//! reference transaction, after every check has passed.
//!
//! Failures are [`ImportError`]s; the command line says what to do about them.
//!
//! This file holds the types and the order of the steps ([`import`]); each step is in
//! its own file beside it: finding the candidates, checking them, creating the tracks.

mod candidates;
mod create;
mod plan;

use crate::refs;
use crate::repo::Repo;
use crate::store;
use crate::track::Kind;
use anyhow::Result;
use candidates::{from_branches, from_merges};
use create::{adopted, create, definitions};
use gix::ObjectId;
use plan::{check_names, plan};
use serde::Serialize;
use std::path::PathBuf;

pub use candidates::{merged_branch, track_name};

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

/// A full branch name as people read it.
fn short(full: &str) -> &str {
    refs::branch_name(full).unwrap_or(full)
}
