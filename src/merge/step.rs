//! One merge step, in memory: git's merge of two commits (gix `merge_commits`, the same
//! tree `git merge-tree --write-tree` gives), a merge commit, and a compare-and-swap move
//! of the integration branch. No worktree is touched.

use crate::error::Failure;
use crate::repo::Repo;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::merge::blob::builtin_driver::text::Labels;
use gix::merge::tree::TreatAsUnresolved;
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
pub struct Engine {
    repo: gix::Repository,
    options: gix::merge::commit::Options,
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
        Ok(Engine { repo: g, options })
    }

    pub fn repo(&self) -> &gix::Repository {
        &self.repo
    }

    /// Merges `theirs` into `ours`.
    pub fn merge(&self, ours: ObjectId, theirs: ObjectId, label: &str) -> Result<Merged> {
        let labels = Labels {
            ancestor: None,
            current: Some("HEAD".into()),
            other: Some(label.into()),
        };
        let mut outcome = self
            .repo
            .merge_commits(ours, theirs, labels, self.options.clone())
            .with_context(|| format!("could not merge {theirs} into {ours}"))?;
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
        let tree = outcome.tree_merge.tree.write()?.detach();
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
        Ok(self
            .repo
            .merge_base(ancestor, descendant)?
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
