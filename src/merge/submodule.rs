//! A submodule both sides moved, merged as git merges it.
//!
//! gix's tree merge cannot look inside a submodule, so it leaves every gitlink both sides
//! moved to different commits as a conflict. git's (merge-ort's `merge_submodule`) looks
//! in the submodule's repository, when it finds one, and fast-forwards: when both moves go
//! forward from the merge base and one side's commit contains the other's, the result is
//! the one that contains. This is that rule, finding the repository where git does.

use gix::ObjectId;
use gix::bstr::{BStr, ByteSlice};
use gix::merge::plumbing::tree::{Conflict, ResolutionFailure};
use std::path::{Path, PathBuf};

/// The gitlink git settles this conflict at, with its path: `Some` only for a gitlink
/// both sides moved from a common commit, when git would fast-forward it.
pub fn settled(repo: &gix::Repository, conflict: &Conflict) -> Option<(String, ObjectId)> {
    if !matches!(conflict.resolution, Err(ResolutionFailure::SubmoduleMerge)) {
        return None;
    }
    let [base, ours, theirs] = conflict.entries();
    let [base, ours, theirs] = [base?, ours?, theirs?];
    if ![base.mode, ours.mode, theirs.mode]
        .iter()
        .all(|m| m.is_commit())
    {
        return None;
    }
    let path = conflict.changes_in_resolution().0.location();
    let sub = open(repo, path)?;
    let id = fast_forward(&sub, base.id, ours.id, theirs.id)?;
    Some((path.to_str_lossy().into_owned(), id))
}

/// merge-ort's rule: every commit present, both moves forward from `base`, and one side
/// containing the other; the side that contains is the result.
fn fast_forward(
    sub: &gix::Repository,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
) -> Option<ObjectId> {
    for id in [base, ours, theirs] {
        sub.find_commit(id).ok()?;
    }
    // `x` is an ancestor of `y` when it is their merge base (then the only one).
    let contains = |y: ObjectId, x: ObjectId| {
        x == y || matches!(sub.merge_base(x, y), Ok(Some(b)) if b.detach() == x)
    };
    if !contains(ours, base) || !contains(theirs, base) {
        return None;
    }
    if contains(theirs, ours) {
        Some(theirs)
    } else if contains(ours, theirs) {
        Some(ours)
    } else {
        None
    }
}

/// The submodule's repository where git looks for it (`repo_submodule_init`): checked out
/// at `path` in the worktree git runs in, else `<git dir>/modules/<name>` by the name
/// `.gitmodules` gives the path (the worktree's file, else the index's, else HEAD's). A
/// bare repository has neither, and git then reports a conflict.
fn open(repo: &gix::Repository, path: &BStr) -> Option<gix::Repository> {
    let open = |dir: &Path| gix::open_opts(dir, gix::open::Options::isolated()).ok();
    let checked_out = repo.workdir()?.join(gix::path::from_bstr(path).ok()?);
    if checked_out.join(".git").exists()
        && let Some(sub) = open(&checked_out)
    {
        return Some(sub);
    }
    let modules = repo.modules().ok()??;
    open(&by_name(repo, modules.name_by_path(path)?)?)
}

/// `<git dir>/modules/<name>`; git ignores names that could leave `modules/`.
fn by_name(repo: &gix::Repository, name: &BStr) -> Option<PathBuf> {
    let name = gix::validate::submodule::name(name).ok()?;
    Some(
        repo.git_dir()
            .join("modules")
            .join(gix::path::from_bstr(name).ok()?),
    )
}

/// What the verdicts above depend on besides object ids, for the identity of the overlap
/// cache: for each submodule of the worktree's `.gitmodules`, where its repository is and
/// when what a fetch or checkout there writes last changed. Empty without submodules (one
/// file check).
pub fn fingerprint(repo: &gix::Repository) -> String {
    let Some(workdir) = repo.workdir() else {
        return String::new();
    };
    if !workdir.join(".gitmodules").is_file() {
        return String::new();
    }
    let Ok(Some(modules)) = repo.open_modules_file() else {
        return String::new();
    };
    let mut out = String::from("submodules");
    for name in modules.names() {
        let Ok(path) = modules.path(name) else {
            continue;
        };
        out.push_str(&format!(" {path}="));
        let Some(sub) = open(repo, path.as_ref()) else {
            out.push_str("absent");
            continue;
        };
        let dir = sub.git_dir();
        for file in [
            "HEAD",
            "FETCH_HEAD",
            "packed-refs",
            "objects/pack",
            "refs/heads",
        ] {
            let changed = std::fs::metadata(dir.join(file))
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            out.push_str(&format!("{changed:x},"));
        }
        out.push_str(&sub.git_dir().display().to_string());
    }
    out
}
