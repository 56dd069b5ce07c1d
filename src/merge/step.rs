//! One merge step, in memory: git's merge of two commits (gix `merge_commits`, the same
//! tree `git merge-tree --write-tree` gives), a merge commit, and a compare-and-swap move
//! of the integration branch. No worktree is touched.

use super::MergeError;
use super::tools::MergeTools;
use super::verdict::{Judge, Settled};
use crate::repo::{History, Repo};
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::merge::blob::builtin_driver::text::Labels;
use gix::prelude::ObjectIdExt;
use gix::refs::Target;
use gix::refs::transaction::{LogChange, PreviousValue, RefEdit, RefLog};

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
    /// `theirs` is already contained in `ours`: nothing to merge.
    Contained,
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
/// without an index file (a bare repository) it builds one from HEAD's whole tree. Merges
/// are computed in an object-memory overlay; only the objects the merged tree needs that
/// the repository lacks are written to it, so trees that exist already are not written
/// again and the pruned trees of [`super::prune`] are never written.
pub struct Engine {
    /// Reads from the repository, writes to memory.
    mem: gix::Repository,
    /// The repository itself; `None` for a dry run.
    disk: Option<gix::Repository>,
    tree_options: gix::merge::tree::Options,
    commit_options: gix::merge::commit::Options,
    commit_graph: Option<gix::commitgraph::Graph>,
    /// The process's commits, shared with the repository's own searches.
    dag: crate::dag::Dag,
}

/// The caches of one run's merges: the revision graph keeps the commits it has read for
/// the next merge-base search, the run's planning included.
pub struct Session<'e> {
    engine: &'e Engine,
    history: History<'e>,
    tools: MergeTools,
    judge: Judge,
}

impl Engine {
    /// `in_memory`: write nothing to the object database (for `--dry-run`).
    pub fn new(repo: &Repo, in_memory: bool) -> Result<Engine> {
        let mut disk = repo.gix.clone();
        disk.object_cache_size_if_unset(32 << 20);
        let mem = disk.clone().with_object_memory();
        let tree_options = disk.tree_merge_options()?;
        let commit_options = tree_options.clone().into();
        let commit_graph = crate::dag::commit_graph(&disk)?;
        Ok(Engine {
            mem,
            disk: (!in_memory).then_some(disk),
            tree_options,
            commit_options,
            commit_graph,
            dag: repo.dag().clone(),
        })
    }

    /// The caches for a run's merges.
    pub fn session(&self) -> Result<Session<'_>> {
        Ok(Session {
            engine: self,
            history: History::new(&self.mem, self.commit_graph.as_ref(), self.dag.clone()),
            tools: MergeTools::new(
                &self.mem,
                self.mem.diff_resource_cache_for_tree_diff()?,
                self.tree_options.clone().into(),
            )?,
            judge: Judge::new(&self.mem),
        })
    }
}

impl<'e> Session<'e> {
    /// The run's revision graph, for the merge-base searches of planning.
    pub fn history(&mut self) -> &mut History<'e> {
        &mut self.history
    }

    /// Merges `theirs` into `ours` as git does (the verdict and tree are git's, see
    /// [`super::verdict`]), and writes the merged tree when it is clean. Says so when `ours`
    /// contains `theirs` already.
    pub fn merge(&mut self, ours: ObjectId, theirs: ObjectId) -> Result<Merged> {
        let outcome = self.merge_in_memory(ours, theirs)?;
        let merged = match outcome {
            Merged::Clean { tree } => {
                self.engine.persist(tree)?;
                Merged::Clean { tree }
            }
            conflict => conflict,
        };
        if self.engine.disk.is_some() {
            // Everything the result needs is in the repository now.
            self.engine.mem.objects.reset_object_memory();
        }
        Ok(merged)
    }

    /// Writes a commit (with the configured identity).
    pub fn commit(&self, message: &str, tree: ObjectId, parents: &[ObjectId]) -> Result<ObjectId> {
        self.engine.commit(message, tree, parents)
    }

    fn merge_in_memory(&mut self, ours: ObjectId, theirs: ObjectId) -> Result<Merged> {
        let engine = self.engine;
        let bases = engine
            .dag
            .merge_bases(engine.source(), ours, theirs)
            .with_context(|| format!("could not find the merge base of {ours} and {theirs}"))?;
        if theirs == ours || bases.contains(&theirs) {
            return Ok(Merged::Contained);
        }
        let trees = match bases.as_slice() {
            // git's recursive virtual base is not gix's: git merges these.
            [_, _, ..] => return self.merge_by_git(&bases, ours, theirs),
            [base] => match self.trees_to_merge(*base, ours, theirs)? {
                Some(trees) => Some(trees),
                None => return self.merge_by_git(&bases, ours, theirs),
            },
            [] => None,
        };
        let repo = &engine.mem;
        let mut outcome = self.merge_by_gix(trees, ours, theirs).map_err(|e| {
            // In a shallow clone a missing merge base is missing history, not unrelated
            // histories: say so, and never merge as if they were.
            if repo.is_shallow().unwrap_or(false) {
                MergeError::ShallowHistory {
                    ours,
                    theirs,
                    cause: format!("{e:#}"),
                }
                .into()
            } else {
                e.context(format!("could not merge {theirs} into {ours}"))
            }
        })?;
        Ok(merged(self.judge.settle(
            repo,
            &mut outcome,
            &mut self.tools,
        )?))
    }

    /// Has git merge `theirs` into `ours`, told the merge `bases` rather than searching
    /// history again.
    fn merge_by_git(
        &mut self,
        bases: &[ObjectId],
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Merged> {
        let engine = self.engine;
        let base_of_bases = match bases {
            [first, second] => match engine
                .dag
                .merge_bases(engine.source(), *second, *first)?
                .as_slice()
            {
                [one] => Some(*one),
                _ => None,
            },
            _ => None,
        };
        let settled = self.judge.merge_commits_by_git(
            &engine.mem,
            bases,
            base_of_bases,
            ours,
            theirs,
            &mut self.tools,
        )?;
        Ok(merged(settled))
    }

    /// The trees gix merges for a merge on one `base`; `None` when renames decide the
    /// merge and git is to make it (see [`Judge::trees_to_merge`]).
    fn trees_to_merge(
        &mut self,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Option<Trees>> {
        let repo = &self.engine.mem;
        let tree_of =
            |id: ObjectId| -> Result<ObjectId> { Ok(repo.find_commit(id)?.tree_id()?.detach()) };
        let (b, o, t) = (tree_of(base)?, tree_of(ours)?, tree_of(theirs)?);
        Ok(self
            .judge
            .trees_to_merge(repo, b, o, t)?
            .map(|(b, t)| Trees {
                base_tree: b,
                our_tree: o,
                their_tree: t,
            }))
    }

    /// gix's merge: of `trees` when there are some, else of the commits themselves (no
    /// merge base).
    fn merge_by_gix(
        &mut self,
        trees: Option<Trees>,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<gix::merge::plumbing::tree::Outcome<'e>> {
        let Session {
            engine,
            history,
            tools,
            ..
        } = self;
        let repo = &engine.mem;
        match trees {
            Some(trees) => {
                tools.merge_trees(repo, trees.base_tree, trees.our_tree, trees.their_tree)
            }
            None => gix::merge::plumbing::commit(
                ours,
                theirs,
                Labels {
                    ancestor: None,
                    current: Some("ours".into()),
                    other: Some("theirs".into()),
                },
                history.graph(),
                &mut tools.diff_cache,
                &mut tools.blob_merge,
                repo,
                &mut |id| id.to_owned().attach(repo).shorten_or_id().to_string(),
                engine.commit_options.clone().into(),
            )
            .map(|o| o.tree_merge)
            .map_err(anyhow::Error::from),
        }
    }
}

/// The trees of a merge with one merge base, as gix is to merge them.
struct Trees {
    base_tree: ObjectId,
    our_tree: ObjectId,
    their_tree: ObjectId,
}

fn merged(settled: Settled) -> Merged {
    match settled {
        Settled::Clean(tree) => Merged::Clean { tree },
        Settled::Conflict(paths) => Merged::Conflict { paths },
    }
}

impl Engine {
    /// Where merge bases are read from: the process's shared commit graph, which
    /// planning filled.
    fn source(&self) -> crate::dag::Source<'_> {
        crate::dag::Source {
            repo: &self.mem,
            commit_graph: self.commit_graph.as_ref(),
        }
    }

    /// Writes to the repository every object reachable from `tree` that it lacks.
    fn persist(&self, tree: ObjectId) -> Result<()> {
        let Some(disk) = &self.disk else {
            return Ok(());
        };
        let mut todo = vec![tree];
        let mut missing = Vec::new();
        while let Some(id) = todo.pop() {
            if disk.has_object(id) {
                // What the repository has, it has with everything it points to.
                continue;
            }
            let object = self.mem.find_object(id)?.detach();
            if object.kind == gix::object::Kind::Tree {
                let decoded = gix::objs::TreeRef::from_bytes(&object.data, disk.object_hash())?;
                todo.extend(
                    decoded
                        .entries
                        .iter()
                        .filter(|e| !e.mode.is_commit())
                        .map(|e| e.oid.to_owned()),
                );
            }
            missing.push(object);
        }
        // Children before the trees that point to them, so that an interrupted write
        // never leaves a tree whose content is missing.
        for object in missing.iter().rev() {
            gix::objs::Write::write_buf(disk, object.kind, &object.data)?;
        }
        Ok(())
    }

    /// Writes a commit (with the configured identity).
    pub fn commit(&self, message: &str, tree: ObjectId, parents: &[ObjectId]) -> Result<ObjectId> {
        let repo = self.disk.as_ref().unwrap_or(&self.mem);
        crate::stamp::new_commit(repo, message, tree, parents.iter().copied())
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
    crate::repo::edit_reference(&repo.gix, edit).map_err(|e| {
        let moved = MergeError::BranchMoved {
            refname: full_ref.to_owned(),
            expected: from,
            found: repo.ref_target(full_ref).ok().flatten(),
            cause: format!("{e:#}"),
        };
        repo.ref_edit_error(full_ref, moved.into())
    })?;
    Ok(())
}

/// Deletes `full_ref` if it still points to `expected`.
pub fn delete_branch(repo: &Repo, full_ref: &str, expected: ObjectId) -> Result<()> {
    crate::lifecycle::delete_ref(repo, full_ref, expected)
        .with_context(|| format!("could not delete {full_ref}"))
}
