//! `git track new`: the branch (adopted or made), the worktree (made, adopted from
//! another tool, or none) and the definition, all or nothing.

use super::names::dedup;
use super::{LifecycleError, check_dependencies, check_new_name, create_ref, delete_ref, new_ref};
use crate::linked_worktree;
use crate::lock;
use crate::refs;
use crate::repo::Repo;
use crate::scope;
use crate::store::{self, Listing, Stored};
use crate::track::{self, Base, Kind, Status, Track};
use anyhow::{Result, anyhow};
use gix::ObjectId;
use std::path::{Path, PathBuf};

/// What `git track new` asks for.
#[derive(Debug, Default, Clone)]
pub struct NewTrack {
    pub name: String,
    pub scope: Vec<String>,
    pub base: Option<String>,
    pub from: Option<String>,
    pub branch: Option<String>,
    pub no_worktree: bool,
    pub kind: Kind,
    pub owner: Option<String>,
    pub depends_on: Vec<String>,
    pub contracts: Vec<String>,
    pub experiment: Option<String>,
    pub hypothesis: Option<String>,
    pub description: Option<String>,
    /// Adopt this existing linked worktree (made by another tool) and its branch.
    pub adopt_worktree: Option<PathBuf>,
    pub estimate: Option<f64>,
}

#[derive(Debug)]
pub struct Created {
    pub stored: Stored,
    pub worktree: Option<PathBuf>,
}

/// Where the worktree of track `name` goes.
pub fn worktree_path(repo: &Repo, name: &str) -> Result<PathBuf> {
    if repo.is_bare() {
        return Err(LifecycleError::BareRepository.into());
    }
    let root = repo
        .settings
        .worktree_root
        .clone()
        .ok_or(LifecycleError::NoWorktreeRoot)?;
    linked_worktree::check_root(&root)?;
    Ok(root.join(name))
}

/// The track's branch as `create` decided it.
struct Branch {
    /// The full ref name.
    full: String,
    start: ObjectId,
    /// An existing branch the track takes as it is.
    adopted: bool,
    /// What a `new` killed before writing the definition left, taken up again.
    leftover: bool,
}

/// The track's worktree as `create` decided it.
#[derive(Default)]
struct Worktree {
    path: Option<PathBuf>,
    /// A linked worktree another tool made, adopted as it is.
    foreign: bool,
    /// What a `new` killed before writing the definition left, taken up again.
    leftover: bool,
}

/// Creates a track. On any failure, whatever was made so far is undone.
pub fn create(repo: &Repo, req: &NewTrack) -> Result<Created> {
    track::validate_name(&req.name)?;
    // The fork point's walk reads the commit-graph all over; its pages are mapped on a
    // helper thread while this one takes the lock and resolves the commits.
    std::thread::scope(|scope| {
        if let Ok(Some(graph)) = repo.commit_graph() {
            // Only a head start: without a thread to spare the walk faults them in itself.
            let _ = std::thread::Builder::new().spawn_scoped(scope, || crate::dag::prefault(graph));
        }
        create_named(repo, req)
    })
}

/// [`create`], once the name is known to be valid.
fn create_named(repo: &Repo, req: &NewTrack) -> Result<Created> {
    // Held until the definition is written, so that the name checks below hold against
    // every other `new` and `remove`.
    let _lock = lock::tracks(repo)?;
    // Definitions are read only when the request needs them (dependencies to check, an
    // adopted worktree whose branch no track may own); the name check needs the names.
    let listing = if req.depends_on.is_empty() && req.adopt_worktree.is_none() {
        None
    } else {
        Some(store::list(repo)?)
    };
    let taken = match &listing {
        Some(listing) => listing.names(),
        None => store::names(repo)?,
    };
    check_request(&taken, req)?;

    let base_ref = req
        .base
        .clone()
        .unwrap_or_else(|| repo.settings.base.clone());
    let base_commit = repo.try_resolve_commit_via_graph(&base_ref);
    let foreign = match (&req.adopt_worktree, &listing) {
        (Some(path), Some(listing)) => Some(foreign_worktree(repo, listing, path)?),
        _ => None,
    };
    let branch = choose_branch(repo, req, foreign.as_ref(), &base_ref, base_commit)?;
    if req.base.is_some() && base_commit.is_none() {
        return Err(LifecycleError::BaseUnresolved {
            base: base_ref,
            start_given: true,
        }
        .into());
    }
    // The fork point: where the track's branch left the base.
    let fork_point = match base_commit {
        Some(b) => repo.merge_base(branch.start, b)?.unwrap_or(branch.start),
        None => branch.start,
    };
    let worktree = choose_worktree(repo, req, foreign, &branch)?;
    let track = definition(repo, req, &branch, &worktree, base_ref, fork_point);
    if let Some(listing) = &listing {
        check_dependencies(listing, &track)?;
    }
    make(repo, track, &branch, worktree)
}

/// Checks what can be checked before anything is looked up: the name is free, the
/// globs, the estimate and the experiment group are valid.
fn check_request(taken: &[String], req: &NewTrack) -> Result<()> {
    check_new_name(taken, &req.name)?;
    scope::validate(&req.scope)?;
    scope::validate(&req.contracts)?;
    if let Some(e) = req.estimate {
        track::validate_estimate(e)?;
    }
    if let Some(group) = &req.experiment {
        crate::plan::experiments::validate_group(group)?;
    }
    Ok(())
}

/// The branch: adopted as it is (the one given, or the adopted worktree's), or made new
/// at `--from` (default: the base).
fn choose_branch(
    repo: &Repo,
    req: &NewTrack,
    foreign: Option<&(PathBuf, String)>,
    base_ref: &str,
    base_commit: Option<ObjectId>,
) -> Result<Branch> {
    let adopt = foreign.map(|(_, b)| b.clone()).or(req.branch.clone());
    if let Some(b) = &adopt {
        let full = refs::branch_ref_given(b);
        let Some(tip) = repo.ref_target(&full)? else {
            return Err(LifecycleError::NoSuchBranch { branch: b.clone() }.into());
        };
        return Ok(Branch {
            full,
            start: tip,
            adopted: true,
            leftover: false,
        });
    }
    let short = Track::default_branch(&req.name);
    let full = refs::branch_ref(&short);
    let start = match &req.from {
        Some(rev) => Some(repo.resolve_commit_via_graph(rev)?),
        None => base_commit,
    };
    let existing = repo.ref_target(&full)?;
    // What a `new` killed before writing the definition left: its branch, still at
    // the commit this `new` would make it at, with the one reflog entry `new`
    // writes. Taking it changes nothing; anyone else's branch is refused.
    let leftover = existing.is_some() && existing == start && made_by_new(repo, &full, &req.name);
    if existing.is_some() && !leftover {
        return Err(LifecycleError::BranchExists {
            name: req.name.clone(),
            branch: short,
        }
        .into());
    }
    let start = match start.or(base_commit) {
        Some(start) => start,
        None => {
            return Err(LifecycleError::BaseUnresolved {
                base: base_ref.to_owned(),
                start_given: false,
            }
            .into());
        }
    };
    Ok(Branch {
        full,
        start,
        adopted: false,
        leftover,
    })
}

/// The worktree: the adopted one, none, or a new one under the worktree root (or what a
/// killed `new` left there).
fn choose_worktree(
    repo: &Repo,
    req: &NewTrack,
    foreign: Option<(PathBuf, String)>,
    branch: &Branch,
) -> Result<Worktree> {
    if let Some((path, _)) = foreign {
        return Ok(Worktree {
            path: Some(path),
            foreign: true,
            leftover: false,
        });
    }
    if req.no_worktree {
        return Ok(Worktree::default());
    }
    let path = worktree_path(repo, &req.name)?;
    let leftover = branch.leftover && is_leftover_worktree(repo, &path, &branch.full)?;
    if !leftover && !linked_worktree::is_free(&path) {
        return Err(LifecycleError::WorktreePathTaken { path }.into());
    }
    if branch.adopted
        && let Some(wt) = repo.worktree_of_branch(&branch.full)?
    {
        return Err(LifecycleError::BranchCheckedOut {
            branch: refs::branch_name(&branch.full)
                .unwrap_or(&branch.full)
                .to_owned(),
            at: wt.path,
        }
        .into());
    }
    Ok(Worktree {
        path: Some(path),
        foreign: false,
        leftover,
    })
}

/// The definition `create` writes.
fn definition(
    repo: &Repo,
    req: &NewTrack,
    branch: &Branch,
    worktree: &Worktree,
    base_ref: String,
    fork_point: ObjectId,
) -> Track {
    let now = repo.timestamp();
    Track {
        name: req.name.clone(),
        kind: req.kind,
        status: Status::Active,
        branch: refs::branch_name(&branch.full)
            .unwrap_or(&branch.full)
            .to_owned(),
        base: Base {
            refname: base_ref,
            commit: fork_point.to_string(),
        },
        worktree: worktree.path.as_ref().map(|p| p.display().to_string()),
        scope: dedup(&req.scope),
        contracts: dedup(&req.contracts),
        depends_on: dedup(&req.depends_on),
        owner: req.owner.clone().filter(|o| !o.is_empty()),
        experiment: req.experiment.clone(),
        hypothesis: req.hypothesis.clone(),
        description: req.description.clone(),
        reason: None,
        estimate: req.estimate,
        created: now.clone(),
        updated: now,
    }
}

/// Makes the branch, the worktree and the definition; undoes what it made when a later
/// one fails.
fn make(repo: &Repo, track: Track, branch: &Branch, worktree: Worktree) -> Result<Created> {
    let mut undo = Undo::default();
    let result = (|| -> Result<Stored> {
        let makes_branch = !branch.adopted && !branch.leftover;
        let makes_worktree = worktree.path.is_some() && !worktree.foreign && !worktree.leftover;
        if makes_branch && makes_worktree {
            create_ref(
                repo,
                &branch.full,
                branch.start,
                &new_branch_message(&track.name),
            )?;
            undo.branch = Some((branch.full.clone(), branch.start));
        }
        if let Some(path) = worktree.path.as_ref().filter(|_| makes_worktree) {
            if let Some(parent) = path.parent() {
                undo.dirs = created_dirs(parent);
                std::fs::create_dir_all(parent)
                    .map_err(|e| anyhow!("could not create {}: {e}", parent.display()))?;
            }
            linked_worktree::add(repo, path, &branch.full)?;
            undo.worktree = Some(path.clone());
            linked_worktree::widen_sparse_to_scope(path, &track.scope)?;
        }
        // With no worktree to make in between, the branch and the definition are one
        // ref transaction: both or neither, and one lock of the packed refs.
        let commit = if makes_branch && !makes_worktree {
            let edit = new_ref(&branch.full, branch.start, &new_branch_message(&track.name))?;
            store::create_with(repo, &track, Some(edit)).map_err(|e| {
                match e.downcast_ref::<store::RefTaken>() {
                    Some(_) => LifecycleError::BranchExists {
                        name: track.name.clone(),
                        branch: track.branch.clone(),
                    }
                    .into(),
                    None => e,
                }
            })?
        } else {
            store::create(repo, &track)?
        };
        Ok(Stored { track, commit })
    })();
    match result {
        Ok(stored) => Ok(Created {
            stored,
            worktree: worktree.path,
        }),
        Err(e) => {
            undo.run(repo);
            Err(e)
        }
    }
}

/// Did `git track new <name>` make the branch `full`, and nothing move it since? Its
/// reflog holds exactly the entry `new` writes.
fn made_by_new(repo: &Repo, full: &str, name: &str) -> bool {
    let Ok(reference) = repo.gix.find_reference(full) else {
        return false;
    };
    let mut log = reference.log_iter();
    let Ok(Some(entries)) = log.all() else {
        return false;
    };
    let entries: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|line| line.message.to_string())
        .collect();
    entries == [new_branch_message(name)]
}

fn new_branch_message(name: &str) -> String {
    format!("branch: Created by git track new {name}")
}

/// Is the worktree at `path` what a `new` killed before writing the definition left: a
/// registered worktree with `branch` checked out and nothing changed in it?
fn is_leftover_worktree(repo: &Repo, path: &Path, branch: &str) -> Result<bool> {
    let path = crate::repo::canonical(path);
    let registered = repo
        .worktrees()?
        .into_iter()
        .any(|w| !w.is_main && w.path == path && w.branch.as_deref() == Some(branch));
    Ok(registered && !linked_worktree::has_changes(&path)?)
}

/// The linked worktree at `path` and the branch it has checked out, when `path` is one
/// of this repository's linked worktrees on a branch no track has.
fn foreign_worktree(repo: &Repo, listing: &Listing, path: &Path) -> Result<(PathBuf, String)> {
    let wanted = crate::repo::canonical(path);
    let worktrees = repo.worktrees()?;
    let Some(found) = worktrees.iter().find(|w| w.path == wanted) else {
        return Err(LifecycleError::NotAWorktree {
            path: path.to_owned(),
        }
        .into());
    };
    if found.is_main {
        return Err(LifecycleError::MainWorktree {
            path: path.to_owned(),
        }
        .into());
    }
    let Some(branch) = found.branch.clone() else {
        return Err(LifecycleError::DetachedWorktree {
            path: path.to_owned(),
        }
        .into());
    };
    let short = refs::branch_name(&branch).unwrap_or(&branch);
    if let Some(owner) = listing.tracks.iter().find(|s| s.track.branch == short) {
        return Err(LifecycleError::BranchOwned {
            branch: short.to_owned(),
            track: owner.track.name.clone(),
        }
        .into());
    }
    Ok((found.path.clone(), branch))
}

/// What a half-made track leaves behind, to take away again.
#[derive(Default)]
struct Undo {
    branch: Option<(String, ObjectId)>,
    worktree: Option<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Undo {
    fn run(self, repo: &Repo) {
        if let Some(path) = &self.worktree {
            let _ = linked_worktree::remove(repo, path, true);
        }
        if let Some((name, at)) = self.branch {
            let _ = delete_ref(repo, &name, at);
        }
        for dir in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The folders `create_dir_all(path)` would create, outermost first.
fn created_dirs(path: &Path) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = path
        .ancestors()
        .take_while(|p| !p.exists())
        .map(Path::to_owned)
        .collect();
    missing.reverse();
    missing
}
