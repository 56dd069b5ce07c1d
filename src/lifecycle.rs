//! Creating and removing tracks: branch, worktree and definition, all or nothing.

use crate::deps;
use crate::error::Failure;
use crate::git;
use crate::linked_worktree;
use crate::lock;
use crate::refs;
use crate::repo::{Repo, WorktreeInfo};
use crate::scope;
use crate::store::{self, Listing, Stored};
use crate::track::{self, Base, Kind, Status, Track};
use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::refs::Target;
use gix::refs::transaction::{PreviousValue, RefEdit};
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
    /// Adopt this existing linked worktree (made by another tool) and its branch.
    pub adopt_worktree: Option<PathBuf>,
    pub estimate: Option<f64>,
}

#[derive(Debug)]
pub struct Created {
    pub stored: Stored,
    pub worktree: Option<PathBuf>,
}

/// Refuses a name that is invalid, taken, or taken but for case or Unicode normalisation
/// (NFC and NFD spellings of one name collide on macOS as case variants do elsewhere).
/// Definition refs that cannot be read count as taken too.
pub fn check_new_name(listing: &Listing, name: &str) -> Result<()> {
    track::validate_name(name)?;
    let taken =
        listing
            .tracks
            .iter()
            .map(|s| s.track.name.as_str())
            .chain(listing.invalid.iter().map(|i| {
                i.refname
                    .strip_prefix(store::REF_PREFIX)
                    .unwrap_or(&i.refname)
            }));
    let key = collision_key(name);
    for other in taken {
        if other == name {
            return Err(
                Failure::usage(format!("a track named '{name}' already exists"))
                    .hint(format!(
                        "'git track show {name}' shows it; pick another name"
                    ))
                    .into(),
            );
        }
        if collision_key(other) == key {
            let how = if nfc(other) == nfc(name) {
                "in Unicode normalisation (NFC or NFD) only"
            } else {
                "only by case"
            };
            return Err(Failure::usage(format!(
                "a track named '{other}' already exists; '{name}' differs from it {how}"
            ))
            .hint("such names collide on case-insensitive or normalising filesystems (macOS, Windows)")
            .into());
        }
    }
    Ok(())
}

fn nfc(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfc().collect()
}

/// Names with equal keys name one file on a case-insensitive, normalising filesystem.
fn collision_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfd()
        .collect::<String>()
        .to_lowercase()
        .nfc()
        .collect()
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
    linked_worktree::check_root(&root)?;
    Ok(root.join(name))
}

/// Creates a track. On any failure, whatever was made so far is undone.
pub fn create(repo: &Repo, req: &NewTrack) -> Result<Created> {
    track::validate_name(&req.name)?;
    // Held until the definition is written, so that the name checks below hold against
    // every other `new` and `remove`.
    let _lock = lock::tracks(repo)?;
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

    let foreign = match &req.adopt_worktree {
        Some(path) => Some(foreign_worktree(repo, &listing, path)?),
        None => None,
    };
    // The branch: adopted as it is, or made new at --from (default: the base).
    let mut leftover_branch = false;
    let adopt_branch = foreign
        .as_ref()
        .map(|(_, b)| b.clone())
        .or(req.branch.clone());
    let (branch, start, adopted) = match &adopt_branch {
        Some(b) => {
            let full = refs::branch_ref_given(b);
            let Some(tip) = repo.ref_target(&full)? else {
                return Err(Failure::usage(format!("no branch named '{b}'"))
                    .hint("--branch adopts an existing branch; use --from <rev> to start a new one")
                    .into());
            };
            (full, tip, true)
        }
        None => {
            let full = refs::branch_ref(&Track::default_branch(&req.name));
            let start = match &req.from {
                Some(rev) => Some(repo.resolve_commit(rev)?),
                None => base_commit,
            };
            let existing = repo.ref_target(&full)?;
            // What a `new` killed before writing the definition left: its branch, still at
            // the commit this `new` would make it at, with the one reflog entry `new`
            // writes. Taking it changes nothing; anyone else's branch is refused.
            leftover_branch =
                existing.is_some() && existing == start && made_by_new(repo, &full, &req.name);
            if existing.is_some() && !leftover_branch {
                return Err(Failure::usage(format!(
                    "a branch named '{}' already exists",
                    Track::default_branch(&req.name)
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
    let worktree = if let Some((path, _)) = &foreign {
        Some(path.clone())
    } else if req.no_worktree {
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
        branch: refs::branch_name(&branch).unwrap_or(&branch).to_owned(),
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
            create_ref(repo, &branch, start, &new_branch_message(&req.name))?;
            undo.branch = Some((branch.clone(), start));
        }
        if let Some(path) = worktree
            .as_ref()
            .filter(|_| foreign.is_none() && !leftover_worktree)
        {
            if let Some(parent) = path.parent() {
                undo.dirs = created_dirs(parent);
                std::fs::create_dir_all(parent)
                    .map_err(|e| anyhow!("could not create {}: {e}", parent.display()))?;
            }
            linked_worktree::add(repo, path, &branch)?;
            undo.worktree = Some(path.clone());
            linked_worktree::widen_sparse_to_scope(path, &track.scope)?;
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
        return Err(Failure::usage(format!(
            "'{}' is not a worktree of this repository",
            path.display()
        ))
        .hint("'git worktree list' shows the worktrees this repository has")
        .into());
    };
    if found.is_main {
        return Err(Failure::usage(format!(
            "'{}' is the main worktree; only a linked worktree can become a track's",
            path.display()
        ))
        .hint("make one with 'git worktree add', or let 'git track new' make it")
        .into());
    }
    let Some(branch) = found.branch.clone() else {
        return Err(Failure::usage(format!(
            "the worktree at '{}' has no branch checked out (detached HEAD)",
            path.display()
        ))
        .hint("check out a branch in it first ('git switch -c <branch>' inside it)")
        .into());
    };
    let short = refs::branch_name(&branch).unwrap_or(&branch);
    if let Some(owner) = listing.tracks.iter().find(|s| s.track.branch == short) {
        return Err(Failure::usage(format!(
            "branch '{short}' of that worktree already belongs to track '{}'",
            owner.track.name
        ))
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

/// Creates `name` at `id`; fails if it exists, even at `id` (gix lets `MustNotExist`
/// through when the ref already has the new value; a caller that undoes its work must
/// know it made the ref).
pub fn create_ref(repo: &Repo, name: &str, id: ObjectId, message: &str) -> Result<()> {
    let edit = RefEdit::update_with_log(
        refs::full_name(name)?,
        id,
        PreviousValue::MustNotExist,
        refs::logged(message),
    );
    let done = crate::repo::edit_reference(&repo.gix, edit)
        .map_err(|e| repo.ref_edit_error(name, e.into()))?;
    if store::existed_before(&done) {
        return Err(Failure::usage(format!("'{name}' already exists")).into());
    }
    Ok(())
}

/// Deletes `name` if it still points to `expected`.
pub fn delete_ref(repo: &Repo, name: &str, expected: ObjectId) -> Result<()> {
    let edit = RefEdit::delete(
        refs::full_name(name)?,
        PreviousValue::MustExistAndMatch(Target::Object(expected)),
    );
    crate::repo::edit_reference(&repo.gix, edit)
        .map_err(|e| repo.ref_edit_error(name, e.into()))?;
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
    /// The worktree's folder was gone (deleted by hand); its registration was pruned.
    pub worktree_pruned: Option<String>,
    pub branch_deleted: Option<String>,
    /// Refs under `refs/tracks-backup/` that hold what would otherwise be lost.
    pub saved: Vec<String>,
    /// The definition ref could not be read and was removed as it was (`--force`).
    pub corrupt: bool,
}

/// Removes a track's definition and worktree (and branch, when asked). Uncommitted work
/// is refused without `force`, and saved to a backup ref with it. A branch checked out in
/// a worktree, the base branch and the integration branch are never deleted; any branch
/// deleted is saved under `refs/tracks-backup/` first.
pub fn remove(repo: &Repo, req: &RemoveTrack) -> Result<Removed> {
    let refname = store::ref_name(&req.name);
    // A name that cannot be in a ref names no track.
    let existed = repo
        .gix
        .try_find_reference(refname.as_str())
        .map_err(|_| store::no_such_track(&req.name))?
        .is_some();
    // Held to the end, so that concurrent removes (and a `new` of the same name) take
    // turns and the losers find the track gone instead of a half-removed worktree.
    let _lock = lock::tracks(repo)?;
    let stored = match store::load(repo, &req.name) {
        Ok(Some(stored)) => stored,
        Ok(None) if existed => {
            return Err(Failure::usage(format!(
                "track '{}' was already removed (by another git-track running at the same time)",
                req.name
            ))
            .into());
        }
        Ok(None) => return Err(store::no_such_track(&req.name)),
        Err(_) if req.force => return remove_corrupt(repo, &req.name),
        Err(e) => {
            let e = match e.downcast::<Failure>() {
                Ok(f) => f.hint(format!(
                    "'git track remove --force {}' removes it, saving it under {BACKUP_PREFIX}{}/ first",
                    req.name, req.name
                )),
                Err(e) => return Err(e),
            };
            return Err(e.into());
        }
    };
    let track = &stored.track;
    let branch_full = track.branch_ref();
    let mut out = Removed {
        name: track.name.clone(),
        ..Default::default()
    };

    let worktree = worktree_to_retire(repo, track, req.force)?;
    let branch_tip = repo.ref_target(&branch_full)?;
    if req.delete_branch
        && branch_tip.is_some()
        && let Some(why) =
            why_branch_is_kept(repo, track, worktree.as_ref().map(|w| w.path.as_path()))?
    {
        return Err(Failure::usage(format!(
            "refusing to delete branch '{}': {why}",
            track.branch
        ))
        .hint(format!(
            "'git track remove {}' without --delete-branch removes the track and keeps the branch",
            track.name
        ))
        .into());
    }
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
    // Any branch deleted is kept first, merged or not: a mistaken delete is then undone
    // with one 'git branch'.
    let branch_backup = match (req.delete_branch, branch_tip) {
        (true, Some(tip)) => Some(save_backup(repo, &track.name, "branch", tip)?),
        _ => None,
    };
    if let Some(w) = &worktree {
        let path = w.remove(repo)?;
        if w.missing {
            out.worktree_pruned = Some(path);
        } else {
            out.worktree_removed = Some(path);
        }
    }
    if let (Some(tip), Some(backup)) = (branch_tip, branch_backup) {
        delete_ref(repo, &branch_full, tip)?;
        out.branch_deleted = Some(track.branch.clone());
        out.saved.push(backup);
    }
    // The definition last: while it exists, a rerun of a killed remove finishes the job.
    store::delete(repo, &stored)?;
    Ok(out)
}

/// Why the track's branch must not be deleted, if it must not: it is the integration
/// branch, checked out in a worktree other than the track's own (which is being
/// removed), a base branch, or a merge run is working on it.
fn why_branch_is_kept(repo: &Repo, track: &Track, own: Option<&Path>) -> Result<Option<String>> {
    let full = track.branch_ref();
    if full == repo.settings.integration_ref() {
        return Ok(Some(
            "it is the integration branch (track.integration)".to_owned(),
        ));
    }
    if let Some(w) = repo
        .worktrees()?
        .into_iter()
        .find(|w| w.branch.as_deref() == Some(full.as_str()) && Some(w.path.as_path()) != own)
    {
        return Ok(Some(format!(
            "it is checked out in the worktree at '{}'",
            w.path.display()
        )));
    }
    for (base, what) in [
        (repo.settings.base.as_str(), "the base branch (track.base)"),
        (track.base.refname.as_str(), "the track's base"),
    ] {
        if let Ok(Some(r)) = repo.gix.try_find_reference(base)
            && r.name().as_bstr() == full.as_str()
        {
            return Ok(Some(format!("it is {what}")));
        }
    }
    if let Ok(Some(st)) = crate::merge::state::load(repo)
        && st.full_ref() == full
    {
        return Ok(Some(
            "a git track merge in progress is merging into it".to_owned(),
        ));
    }
    Ok(None)
}

/// `remove --force` of a definition ref that cannot be read: the ref is saved under
/// `refs/tracks-backup/` and deleted.
fn remove_corrupt(repo: &Repo, name: &str) -> Result<Removed> {
    let refname = store::ref_name(name);
    let reference = repo.gix.find_reference(refname.as_str())?;
    let Some(id) = reference.target().try_id().map(ToOwned::to_owned) else {
        return Err(Failure::fatal(format!("{refname} is a symbolic ref"))
            .hint(format!(
                "delete it with 'git update-ref --no-deref -d {refname}'"
            ))
            .into());
    };
    let backup = save_backup(repo, name, "definition", id)?;
    delete_ref(repo, &refname, id)?;
    Ok(Removed {
        name: name.to_owned(),
        saved: vec![backup],
        corrupt: true,
        ..Default::default()
    })
}

/// A track's worktree that is about to be removed, checked: not the one the command
/// runs in, and clean unless `--force` was given.
#[derive(Debug)]
pub struct Retiring {
    pub path: PathBuf,
    /// Holds uncommitted or untracked work, to be saved before removal.
    pub dirty: bool,
    /// Its folder was removed by hand: only its registration is left, to prune.
    pub missing: bool,
}

/// The worktree of `track` that can be removed, if it has one. Refuses (changing
/// nothing) the worktree the command runs in, and one with uncommitted work unless
/// `force`.
pub fn worktree_to_retire(repo: &Repo, track: &Track, force: bool) -> Result<Option<Retiring>> {
    let Some(path) = track_worktree(repo, track)?.map(|w| w.path) else {
        return Ok(None);
    };
    if !path.is_dir() {
        return Ok(Some(Retiring {
            path,
            dirty: false,
            missing: true,
        }));
    }
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
    Ok(Some(Retiring {
        path,
        dirty,
        missing: false,
    }))
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

    /// Removes the worktree (after [`Retiring::save`]), or prunes a missing one; returns
    /// its path.
    pub fn remove(&self, repo: &Repo) -> Result<String> {
        if self.missing {
            linked_worktree::prune_missing(repo, &self.path)?;
        } else {
            linked_worktree::remove(repo, &self.path, self.dirty)?;
        }
        Ok(self.path.display().to_string())
    }
}

/// The registered linked worktree of a track: the one at its recorded path, else the one
/// that has its branch checked out. Its folder may be gone (removed by hand).
pub fn track_worktree(repo: &Repo, track: &Track) -> Result<Option<WorktreeInfo>> {
    let worktrees = repo.worktrees()?;
    Ok(linked_worktree::of_track(&worktrees, track).cloned())
}

/// The path of the track's registered worktree; its folder may be gone.
pub fn find_worktree(repo: &Repo, track: &Track) -> Result<Option<PathBuf>> {
    Ok(track_worktree(repo, track)?.map(|w| w.path))
}

/// The track's worktree folder, to read it: fails with how to recreate it when the
/// worktree is registered but its folder is gone.
pub fn worktree_on_disk(repo: &Repo, track: &Track) -> Result<Option<PathBuf>> {
    match track_worktree(repo, track)? {
        Some(w) if !w.path.is_dir() => Err(missing_worktree(track, &w.path)),
        found => Ok(found.map(|w| w.path)),
    }
}

/// The error for a track whose worktree folder was removed by hand.
pub fn missing_worktree(track: &Track, path: &Path) -> anyhow::Error {
    Failure::fatal(format!(
        "the worktree of track '{}' at '{}' is missing (its folder was removed)",
        track.name,
        path.display()
    ))
    .hint(format!(
        "recreate it with 'git worktree prune && git worktree add {} {}'",
        path.display(),
        track.branch
    ))
    .into()
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
    // As `linked_worktree::holds` judges it; a track whose branch is checked out here
    // wins over one that recorded this path.
    let holds = |path: Option<&Path>, branch: Option<&str>| {
        listing
            .tracks
            .iter()
            .find(|s| linked_worktree::holds(&s.track, path, branch))
    };
    let by_branch = holds(None, branch.as_deref());
    let by_path = || holds(repo.workdir.as_deref(), None);
    match by_branch.or_else(by_path) {
        Some(s) => Ok(s.clone()),
        None => Err(Failure::usage("this worktree does not belong to a track")
            .hint("name a track, or run the command inside a track's worktree")
            .into()),
    }
}
