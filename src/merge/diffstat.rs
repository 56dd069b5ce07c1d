//! What one merge changed on the integration branch: the files, and lines added and
//! removed (like `git diff --stat` without rename detection).

use anyhow::Result;
use gix::ObjectId;
use gix::object::tree::diff::Change;
use std::ops::ControlFlow;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diffstat {
    /// Changed files (not folders), sorted.
    pub paths: Vec<String>,
    pub insertions: u64,
    pub deletions: u64,
}

/// The change from commit `from` to commit `to`.
pub fn between(repo: &gix::Repository, from: ObjectId, to: ObjectId) -> Result<Diffstat> {
    let old = repo.find_commit(from)?.tree()?;
    let new = repo.find_commit(to)?.tree()?;
    let mut cache = repo.diff_resource_cache_for_tree_diff()?;
    let mut out = Diffstat::default();
    let mut changes = old.changes()?;
    changes.options(|o| {
        o.track_path().track_rewrites(None);
    });
    changes.for_each_to_obtain_tree(&new, |change| {
        if change.entry_mode().is_tree() {
            return Ok(ControlFlow::Continue(()));
        }
        let path = match &change {
            Change::Addition { location, .. }
            | Change::Deletion { location, .. }
            | Change::Modification { location, .. }
            | Change::Rewrite { location, .. } => location.to_string(),
        };
        out.paths.push(path);
        // Binary files and submodules count as a changed file without lines.
        if let Ok(mut platform) = change.diff(&mut cache)
            && let Ok(Some(counts)) = platform.line_counts()
        {
            out.insertions += u64::from(counts.insertions);
            out.deletions += u64::from(counts.removals);
        }
        cache.clear_resource_cache_keep_allocation();
        Ok(ControlFlow::Continue(()))
    })?;
    out.paths.sort();
    Ok(out)
}

/// [`changed_paths`] of each `(from, to)`, in order, on all cores: a share of the pairs
/// per thread, each with its own handle on the repository and diff cache. Fewer than
/// [`SHARE`] pairs a thread stay on this one, where a thread would cost more than it saves.
pub fn changed_paths_many(
    repo: &gix::Repository,
    ends: &[(ObjectId, ObjectId)],
) -> Result<Vec<Vec<String>>> {
    let threads = crate::shares::cores().min(ends.len() / SHARE);
    if threads <= 1 {
        return diff_all(repo, ends);
    }
    let shared = repo.clone().into_sync();
    crate::shares::in_shares(ends, threads, "a thread listing changed paths", |share| {
        diff_all(&shared.to_thread_local(), share)
    })
}

/// The fewest pairs [`changed_paths_many`] gives a thread.
const SHARE: usize = 32;

fn diff_all(repo: &gix::Repository, ends: &[(ObjectId, ObjectId)]) -> Result<Vec<Vec<String>>> {
    let mut cache = repo.diff_resource_cache_for_tree_diff()?;
    ends.iter()
        .map(|&(from, to)| changed_paths(repo, &mut cache, from, to))
        .collect()
}

/// The paths that differ between the trees of two commits, as
/// [`crate::scope::changes::between`] lists them (no rename detection; a file that became a
/// folder or back counts), with a diff cache the caller reuses across calls.
pub fn changed_paths(
    repo: &gix::Repository,
    cache: &mut gix::diff::blob::Platform,
    from: ObjectId,
    to: ObjectId,
) -> Result<Vec<String>> {
    let old = repo.find_commit(from)?.tree()?;
    let new = repo.find_commit(to)?.tree()?;
    let mut out = Vec::new();
    let mut changes = old.changes()?;
    changes.options(|o| {
        o.track_path().track_rewrites(None);
    });
    changes.for_each_to_obtain_tree_with_cache(&new, cache, |change| {
        if crate::scope::changes::is_file_change(&change) {
            out.push(change.location().to_string());
        }
        Ok(ControlFlow::Continue(()))
    })?;
    cache.clear_resource_cache_keep_allocation();
    out.sort();
    out.dedup();
    Ok(out)
}
