//! One merge step, in memory: git's merge of two commits (gix `merge_commits`, the same
//! tree `git merge-tree --write-tree` gives), a merge commit, and a compare-and-swap move
//! of the integration branch. No worktree is touched.

use crate::error::Failure;
use crate::repo::Repo;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::merge::blob::builtin_driver::text::Labels;
use gix::merge::tree::TreatAsUnresolved;
use gix::prelude::ObjectIdExt;
use gix::refs::Target;
use gix::refs::transaction::{LogChange, PreviousValue, RefEdit, RefLog};
use std::collections::BTreeSet;

/// Trailer keys of a merge commit.
pub const T_TRACK: &str = "Track";
pub const T_TRACK_TIP: &str = "Track-Tip";

/// The message of the merge commit of `track` into `branch`.
pub fn message(track: &str, branch: &str, tip: ObjectId) -> String {
    format!("Merge track '{track}' into {branch}\n\n{T_TRACK}: {track}\n{T_TRACK_TIP}: {tip}\n")
}

/// What merging two commits gives.
#[derive(Debug)]
pub enum Merged {
    Clean {
        tree: ObjectId,
    },
    /// Paths git would leave conflicted.
    Conflict {
        paths: Vec<String>,
    },
}

/// Merges commits in memory, reusing caches between steps.
///
/// This drives gix's merge plumbing (what `Repository::merge_commits` does) with caches
/// made once per run: `merge_commits` sets up attributes from the index on each call, and
/// without an index file (a bare repository) it builds one from HEAD's whole tree.
pub struct Engine {
    repo: gix::Repository,
    options: gix::merge::commit::Options,
    diff_cache: gix::diff::blob::Platform,
    blob_merge: gix::merge::blob::Platform,
    commit_graph: Option<gix::commitgraph::Graph>,
}

impl Engine {
    /// `in_memory`: write nothing to the object database (for `--dry-run`).
    pub fn new(repo: &Repo, in_memory: bool) -> Result<Engine> {
        let mut g = repo.gix.clone();
        if in_memory {
            g = g.with_object_memory();
        }
        g.object_cache_size_if_unset(32 << 20);
        let options = g.tree_merge_options()?.into();
        let diff_cache = g.diff_resource_cache_for_tree_diff()?;
        let blob_merge = g.merge_resource_cache(Default::default())?;
        let commit_graph = g.commit_graph_if_enabled()?;
        Ok(Engine {
            repo: g,
            options,
            diff_cache,
            blob_merge,
            commit_graph,
        })
    }

    pub fn repo(&self) -> &gix::Repository {
        &self.repo
    }

    /// Merges `theirs` into `ours` as git does (merge bases found, several merged into a
    /// virtual one), and writes the merged tree when it is clean.
    pub fn merge(&mut self, ours: ObjectId, theirs: ObjectId, label: &str) -> Result<Merged> {
        let Engine {
            repo,
            options,
            diff_cache,
            blob_merge,
            commit_graph,
        } = self;
        let labels = Labels {
            ancestor: None,
            current: Some("HEAD".into()),
            other: Some(label.into()),
        };
        let mut graph = repo.revision_graph(commit_graph.as_ref());
        let mut outcome = gix::merge::plumbing::commit(
            ours,
            theirs,
            labels,
            &mut graph,
            diff_cache,
            blob_merge,
            &*repo,
            &mut |id| id.to_owned().attach(repo).shorten_or_id().to_string(),
            options.clone().into(),
        )
        .with_context(|| format!("could not merge {theirs} into {ours}"))?;
        diff_cache.clear_resource_cache_keep_allocation();
        let how = TreatAsUnresolved::git();
        if outcome.tree_merge.has_unresolved_conflicts(how) {
            let mut paths = BTreeSet::new();
            for c in outcome
                .tree_merge
                .conflicts
                .iter()
                .filter(|c| c.is_unresolved(how))
            {
                let (our, their) = c.changes_in_resolution();
                paths.insert(our.location().to_string());
                paths.insert(their.location().to_string());
            }
            return Ok(Merged::Conflict {
                paths: paths.into_iter().collect(),
            });
        }
        let tree = outcome
            .tree_merge
            .tree
            .write(|tree| repo.write_object(tree).map(|id| id.detach()))?;
        Ok(Merged::Clean { tree })
    }

    /// Writes a commit (with the configured identity).
    pub fn commit(&self, message: &str, tree: ObjectId, parents: &[ObjectId]) -> Result<ObjectId> {
        Ok(self
            .repo
            .new_commit(message, tree, parents.iter().copied())?
            .id)
    }

    /// Is `ancestor` reachable from `descendant`?
    pub fn contains(&self, descendant: ObjectId, ancestor: ObjectId) -> Result<bool> {
        if ancestor == descendant {
            return Ok(true);
        }
        let mut graph = self.repo.revision_graph(self.commit_graph.as_ref());
        Ok(self
            .repo
            .merge_base_with_graph(ancestor, descendant, &mut graph)?
            .map(|b| b.detach())
            == Some(ancestor))
    }
}

/// Moves `full_ref` from `from` to `to`, only if it still points to `from`.
pub fn move_branch(
    repo: &Repo,
    full_ref: &str,
    from: Option<ObjectId>,
    to: ObjectId,
    reflog: &str,
) -> Result<()> {
    let name: gix::refs::FullName = full_ref
        .try_into()
        .map_err(|e| anyhow!("invalid ref name '{full_ref}': {e}"))?;
    let expected = match from {
        Some(f) => PreviousValue::MustExistAndMatch(Target::Object(f)),
        None => PreviousValue::MustNotExist,
    };
    let edit = RefEdit::update_with_log(
        name,
        to,
        expected,
        LogChange {
            mode: RefLog::AndReference,
            force_create_reflog: false,
            message: reflog.into(),
        },
    );
    repo.gix.edit_reference(edit).map_err(|e| {
        let now = repo
            .ref_target(full_ref)
            .ok()
            .flatten()
            .map_or_else(|| "nothing".to_owned(), |id| id.to_string());
        anyhow::Error::from(
            Failure::fatal(format!(
                "{full_ref} moved while git track merge was working (expected {}, found {now})",
                from.map_or_else(|| "no branch".to_owned(), |f| f.to_string()),
            ))
            .hint(format!("{:#}", anyhow::Error::from(e)))
            .hint("'git track merge --abort' puts it back as it was before the run"),
        )
    })?;
    Ok(())
}

/// Deletes `full_ref` if it still points to `expected`.
pub fn delete_branch(repo: &Repo, full_ref: &str, expected: ObjectId) -> Result<()> {
    crate::lifecycle::delete_ref(repo, full_ref, expected)
        .with_context(|| format!("could not delete {full_ref}"))
}
