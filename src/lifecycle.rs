//! Creating and removing tracks: branch, worktree and definition, all or nothing.

use crate::deps;
use crate::error::Failure;
use crate::git;
use crate::linked_worktree;
use crate::repo::Repo;
use crate::scope;
use crate::store::{self, Listing, Stored};
use crate::track::{self, Base, Kind, Status, Track};
use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::refs::transaction::{LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};
use std::path::{Path, PathBuf};

pub const BACKUP_PREFIX: &str = "refs/tracks-backup/";

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
    pub estimate: Option<f64>,
}

#[derive(Debug)]
pub struct Created {
    pub stored: Stored,
    pub worktree: Option<PathBuf>,
}

/// Refuses a name that is invalid, taken, or taken but for case.
pub fn check_new_name(listing: &Listing, name: &str) -> Result<()> {
    track::validate_name(name)?;
    if listing.get(name).is_some()
        || listing
            .invalid
            .iter()
            .any(|i| i.refname == store::ref_name(name))
    {
        return Err(
            Failure::usage(format!("a track named '{name}' already exists"))
                .hint(format!(
                    "'git track show {name}' shows it; pick another name"
                ))
                .into(),
        );
    }
    let lower = name.to_lowercase();
    if let Some(other) = listing
        .tracks
        .iter()
        .find(|s| s.track.name.to_lowercase() == lower)
    {
        return Err(Failure::usage(format!(
            "a track named '{}' already exists; '{name}' differs from it only by case",
            other.track.name
        ))
        .hint("names that differ only by case collide on case-insensitive filesystems")
        .into());
    }
    Ok(())
}

/// Refuses unknown dependencies and dependency cycles, given the definition `track` would have.
pub fn check_dependencies(listing: &Listing, track: &Track) -> Result<()> {
    for dep in &track.depends_on {
        if dep == &track.name {
            usage!("track '{}' cannot depend on itself", track.name);
        }
        if listing.get(dep).is_none() {
            return Err(
                Failure::usage(format!("unknown track '{dep}' in --depends-on"))
                    .hint("'git track list' shows the tracks")
                    .into(),
            );
        }
    }
    let mut graph: deps::Graph<'_> = listing
        .tracks
        .iter()
        .filter(|s| s.track.name != track.name)
        .map(|s| {
            (
                s.track.name.as_str(),
                s.track.depends_on.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    graph.insert(
        track.name.as_str(),
        track.depends_on.iter().map(String::as_str).collect(),
    );
    if let Some(cycle) = deps::find_cycle(&graph) {
        usage!("dependency cycle: {}", cycle.join(" -> "));
    }
    Ok(())
}

fn dedup(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

/// Where the worktree of track `name` goes.
pub fn worktree_path(repo: &Repo, name: &str) -> Result<PathBuf> {
    if repo.is_bare() {
        return Err(Failure::usage("cannot add a worktree to a bare repository")
            .hint("pass --no-worktree to create the track's branch and definition only")
            .into());
    }
    let root = repo.settings.worktree_root.clone().ok_or_else(|| {
        Failure::usage("no worktree root is set")
            .hint("set one with 'git track init --worktree-root <dir>'")
    })?;
    Ok(root.join(name))
}

/// Creates a track. On any failure, whatever was made so far is undone.
pub fn create(repo: &Repo, req: &NewTrack) -> Result<Created> {
    let listing = store::list(repo)?;
    check_new_name(&listing, &req.name)?;
    scope::validate(&req.scope)?;
    scope::validate(&req.contracts)?;
    if let Some(e) = req.estimate {
        track::validate_estimate(e)?;
    }
    if let Some(group) = &req.experiment {
        crate::plan::experiments::validate_group(group)?;
    }

    let base_ref = req
        .base
        .clone()
        .unwrap_or_else(|| repo.settings.base.clone());
    let base_commit = repo.try_resolve_commit(&base_ref);

    // The branch: adopted as it is, or made new at --from (default: the base).
    let mut leftover_branch = false;
    let (branch, start, adopted) = match &req.branch {
        Some(b) => {
            let full = if b.starts_with("refs/heads/") {
                b.clone()
            } else {
                format!("refs/heads/{b}")
            };
            let Some(tip) = repo.ref_target(&full)? else {
                return Err(Failure::usage(format!("no branch named '{b}'"))
                    .hint("--branch adopts an existing branch; use --from <rev> to start a new one")
                    .into());
            };
            (full, tip, true)
        }
        None => {
            let full = format!("refs/heads/{}", Track::default_branch(&req.name));
            let start = match &req.from {
                Some(rev) => Some(repo.resolve_commit(rev)?),
                None => base_commit,
            };
            let existing = repo.ref_target(&full)?;
            // What a `new` killed before writing the definition left: its branch, still at
            // the commit this `new` would make it at. Taking it changes nothing.
            leftover_branch = existing.is_some() && existing == start;
            if existing.is_some() && !leftover_branch {
                return Err(Failure::usage(format!(
                    "a branch named '{}' already exists",
                    &full[11..]
                ))
                .hint(format!(
                    "adopt it with 'git track new {} --branch {}'",
                    req.name,
                    &full[11..]
                ))
                .into());
            }
            let start = match start {
                Some(start) => start,
                None => base_commit.ok_or_else(|| {
                    Failure::usage(format!(
                        "the base '{base_ref}' does not resolve to a commit"
                    ))
                    .hint(
                        "make a first commit, pass --from <rev> or --base <rev>, or set track.base",
                    )
                })?,
            };
            (full, start, false)
        }
    };
    if req.base.is_some() && base_commit.is_none() {
        usage!("the base '{base_ref}' does not resolve to a commit");
    }
    // The fork point: where the track's branch left the base.
    let fork_point = match base_commit {
        Some(b) => repo.merge_base(start, b)?.unwrap_or(start),
        None => start,
    };

    let mut leftover_worktree = false;
    let worktree = if req.no_worktree {
        None
    } else {
        let path = worktree_path(repo, &req.name)?;
        leftover_worktree = leftover_branch && is_leftover_worktree(repo, &path, &branch)?;
        if !leftover_worktree && !linked_worktree::is_free(&path) {
            return Err(Failure::usage(format!(
                "'{}' already exists and is not empty",
                path.display()
            ))
            .hint("remove it, or set another root with 'git track init --worktree-root <dir>'")
            .into());
        }
        if adopted && let Some(wt) = repo.worktree_of_branch(&branch)? {
            return Err(Failure::usage(format!(
                "branch '{}' is already checked out at '{}'",
                &branch[11..],
                wt.path.display()
            ))
            .hint("pass --no-worktree to adopt it without a worktree of its own")
            .into());
        }
        Some(path)
    };

    let now = repo.timestamp();
    let track = Track {
        name: req.name.clone(),
        kind: req.kind,
        status: Status::Active,
        branch: branch["refs/heads/".len()..].to_owned(),
        base: Base {
            refname: base_ref,
            commit: fork_point.to_string(),
        },
        worktree: worktree.as_ref().map(|p| p.display().to_string()),
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
    };
    check_dependencies(&listing, &track)?;

    let mut undo = Undo::default();
    let result = (|| -> Result<Stored> {
        if !adopted && !leftover_branch {
            create_ref(
                repo,
                &branch,
                start,
                &format!("branch: Created by git track new {}", req.name),
            )?;
            undo.branch = Some((branch.clone(), start));
        }
        if let Some(path) = worktree.as_ref().filter(|_| !leftover_worktree) {
            if let Some(parent) = path.parent() {
                undo.dirs = created_dirs(parent);
                std::fs::create_dir_all(parent)
                    .map_err(|e| anyhow!("could not create {}: {e}", parent.display()))?;
            }
            linked_worktree::add(repo, path, &branch)?;
            undo.worktree = Some(path.clone());
        }
        let commit = store::create(repo, &track)?;
        Ok(Stored {
            track: track.clone(),
            commit,
        })
    })();
    match result {
        Ok(stored) => Ok(Created { stored, worktree }),
        Err(e) => {
            undo.run(repo);
            Err(e)
        }
    }
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

fn log(message: &str) -> LogChange {
    LogChange {
        mode: RefLog::AndReference,
        force_create_reflog: true,
        message: message.into(),
    }
}

fn full_name(name: &str) -> Result<FullName> {
    name.try_into()
        .map_err(|e| anyhow!("invalid ref name '{name}': {e}"))
}

/// Creates `name` at `id`; fails if it exists (with another target).
pub fn create_ref(repo: &Repo, name: &str, id: ObjectId, message: &str) -> Result<()> {
    let edit = RefEdit::update_with_log(
        full_name(name)?,
        id,
        PreviousValue::MustNotExist,
        log(message),
    );
    crate::repo::edit_reference(&repo.gix, edit)?;
    Ok(())
}

/// Deletes `name` if it still points to `expected`.
pub fn delete_ref(repo: &Repo, name: &str, expected: ObjectId) -> Result<()> {
    let edit = RefEdit::delete(
        full_name(name)?,
        PreviousValue::MustExistAndMatch(Target::Object(expected)),
    );
    crate::repo::edit_reference(&repo.gix, edit)?;
    Ok(())
}

/// Saves `id` under `refs/tracks-backup/<track>/<what>-<time>` and returns the ref name.
pub fn save_backup(repo: &Repo, track: &str, what: &str, id: ObjectId) -> Result<String> {
    let stamp = repo.timestamp().replace([':', '-'], "");
    for n in 1..100 {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let name = format!("{BACKUP_PREFIX}{track}/{what}-{stamp}{suffix}");
        if repo.ref_target(&name)?.is_none() {
            create_ref(
                repo,
                &name,
                id,
                &format!("git track: saved {what} of {track}"),
            )?;
            return Ok(name);
        }
    }
    Err(anyhow!("could not find a free backup ref name for {track}"))
}

/// What `git track remove` asks for.
#[derive(Debug, Default, Clone)]
pub struct RemoveTrack {
    pub name: String,
    pub force: bool,
    pub delete_branch: bool,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Removed {
    pub name: String,
    pub worktree_removed: Option<String>,
    pub branch_deleted: Option<String>,
    /// Refs under `refs/tracks-backup/` that hold what would otherwise be lost.
    pub saved: Vec<String>,
}

/// Removes a track's definition and worktree (and branch, when asked). Uncommitted work
/// is refused without `force`, and saved to a backup ref with it.
pub fn remove(repo: &Repo, req: &RemoveTrack) -> Result<Removed> {
    let stored = store::load_existing(repo, &req.name)?;
    let track = &stored.track;
    let branch_full = format!("refs/heads/{}", track.branch);
    let mut out = Removed {
        name: track.name.clone(),
        ..Default::default()
    };

    let worktree = worktree_to_retire(repo, track, req.force)?;
    let branch_tip = repo.ref_target(&branch_full)?;
    let unmerged_branch = match (req.delete_branch, branch_tip) {
        (true, Some(tip)) => !is_merged(repo, tip)?,
        _ => false,
    };
    if unmerged_branch && !req.force {
        return Err(Failure::usage(format!(
            "branch '{}' has commits that are merged into neither '{}' nor '{}'",
            track.branch, repo.settings.integration, track.base.refname
        ))
        .hint("merge it first, keep the branch (drop --delete-branch), or pass --force to save its tip under refs/tracks-backup/")
        .into());
    }

    if let Some(w) = &worktree {
        out.saved.extend(w.save(repo, &track.name)?);
    }
    if unmerged_branch && let Some(tip) = branch_tip {
        out.saved
            .push(save_backup(repo, &track.name, "branch", tip)?);
    }
    if let Some(w) = &worktree {
        out.worktree_removed = Some(w.remove(repo)?);
    }
    if req.delete_branch
        && let Some(tip) = branch_tip
    {
        delete_ref(repo, &branch_full, tip)?;
        out.branch_deleted = Some(track.branch.clone());
    }
    // The definition last: while it exists, a rerun of a killed remove finishes the job.
    store::delete(repo, &stored)?;
    Ok(out)
}

/// A track's worktree that is about to be removed, checked: not the one the command
/// runs in, and clean unless `--force` was given.
#[derive(Debug)]
pub struct Retiring {
    pub path: PathBuf,
    /// Holds uncommitted or untracked work, to be saved before removal.
    pub dirty: bool,
}

/// The worktree of `track` that can be removed, if it has one. Refuses (changing
/// nothing) the worktree the command runs in, and one with uncommitted work unless
/// `force`.
pub fn worktree_to_retire(repo: &Repo, track: &Track, force: bool) -> Result<Option<Retiring>> {
    let Some(path) = find_worktree(repo, track)? else {
        return Ok(None);
    };
    if repo.workdir.as_deref() == Some(path.as_path()) {
        return Err(Failure::usage(format!(
            "cannot remove the worktree of '{}' from inside it",
            track.name
        ))
        .hint("run the command from another worktree, e.g. with -C <main worktree>")
        .into());
    }
    let dirty = linked_worktree::has_changes(&path)?;
    if dirty && !force {
        return Err(Failure::usage(format!(
            "the worktree of '{}' at '{}' has uncommitted or untracked changes",
            track.name,
            path.display()
        ))
        .hint("commit them, or pass --force to save them under refs/tracks-backup/ and remove the worktree")
        .into());
    }
    Ok(Some(Retiring { path, dirty }))
}

impl Retiring {
    /// Saves uncommitted work (when there is any) under `refs/tracks-backup/<track>/`;
    /// returns the refs written.
    pub fn save(&self, repo: &Repo, track: &str) -> Result<Vec<String>> {
        if !self.dirty {
            return Ok(Vec::new());
        }
        let snapshot = git::snapshot_worktree(
            &repo.git_env,
            &self.path,
            &format!("git track: uncommitted work of {track}"),
        )?;
        let id = ObjectId::from_hex(snapshot.as_bytes())
            .map_err(|e| anyhow!("bad snapshot id {snapshot}: {e}"))?;
        Ok(vec![save_backup(repo, track, "worktree", id)?])
    }

    /// Removes the worktree (after [`Retiring::save`]); returns its path.
    pub fn remove(&self, repo: &Repo) -> Result<String> {
        linked_worktree::remove(repo, &self.path, self.dirty)?;
        Ok(self.path.display().to_string())
    }
}

/// The registered linked worktree of a track: the one at its recorded path, else the one
/// that has its branch checked out.
pub fn find_worktree(repo: &Repo, track: &Track) -> Result<Option<PathBuf>> {
    let worktrees = repo.worktrees()?;
    let recorded = track
        .worktree
        .as_deref()
        .map(|p| crate::repo::canonical(Path::new(p)));
    let branch = format!("refs/heads/{}", track.branch);
    let found = worktrees
        .iter()
        .filter(|w| !w.is_main)
        .find(|w| Some(&w.path) == recorded.as_ref())
        .or_else(|| {
            worktrees
                .iter()
                .filter(|w| !w.is_main)
                .find(|w| w.branch.as_deref() == Some(&branch))
        });
    Ok(found.map(|w| w.path.clone()))
}

/// Is `tip` contained in the integration branch or the base?
fn is_merged(repo: &Repo, tip: ObjectId) -> Result<bool> {
    for rev in [repo.settings.integration_ref(), repo.settings.base.clone()] {
        if let Some(target) = repo.try_resolve_commit(&rev)
            && repo.is_ancestor(tip, target)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The track the current worktree belongs to: by branch, else by worktree path.
pub fn current_track(repo: &Repo, listing: &Listing) -> Result<Stored> {
    let branch = repo.current_branch();
    let by_branch = branch.as_deref().and_then(|b| {
        let short = b.strip_prefix("refs/heads/")?;
        listing.tracks.iter().find(|s| s.track.branch == short)
    });
    let by_path = || {
        let here = repo.workdir.as_ref()?;
        listing.tracks.iter().find(|s| {
            s.track
                .worktree
                .as_deref()
                .map(|p| crate::repo::canonical(Path::new(p)))
                .as_ref()
                == Some(here)
        })
    };
    match by_branch.or_else(by_path) {
        Some(s) => Ok(s.clone()),
        None => Err(Failure::usage("this worktree does not belong to a track")
            .hint("name a track, or run the command inside a track's worktree")
            .into()),
    }
}
