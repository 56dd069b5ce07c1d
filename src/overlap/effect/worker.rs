//! The per-thread tools a track's or a pair's merge is made with: the [`Worker`] (diff and
//! merge platforms, git's judge) and the [`Walk`] that finds merge bases.

use crate::merge::tools::MergeTools;
use crate::merge::verdict::{Deferred, Judge, Pending};
use anyhow::{Context, Result};
use gix::ObjectId;
use std::collections::HashMap;

/// gix's revision graph, for its commit merge of unrelated histories.
pub(in crate::overlap) type Graph<'a, 'c> = gix::revwalk::Graph<
    'a,
    'c,
    gix::revwalk::graph::Commit<gix::revision::plumbing::merge_base::Flags>,
>;

/// How a worker finds merge bases: the process's shared commit graph ([`crate::dag`]),
/// read through the worker's repository (which holds the commits made in memory).
pub(in crate::overlap) struct Walk<'a> {
    pub graph: Graph<'a, 'a>,
    pub dag: &'a crate::dag::Dag,
    pub source: crate::dag::Source<'a>,
}

impl Walk<'_> {
    /// The one merge base of two merge `bases`, which git needs for its virtual base
    /// ([`crate::merge::verdict::Pending::on_virtual_base`]); `None` for any other
    /// number of bases, or when the two have several.
    pub fn base_of_bases(&self, bases: &[ObjectId]) -> Result<Option<ObjectId>> {
        let [first, second] = bases else {
            return Ok(None);
        };
        Ok(match self.merge_bases(*second, *first)?.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
    }

    /// The merge bases of `a` and `b` as git finds them, best first.
    pub fn merge_bases(&self, a: ObjectId, b: ObjectId) -> Result<Vec<ObjectId>> {
        self.dag
            .merge_bases(self.source, a, b)
            .with_context(|| format!("could not find the merge base of {a} and {b}"))
    }
}

/// Per-thread tools for merging and diffing, reused across tracks.
pub(in crate::overlap) struct Worker<'r> {
    pub repo: &'r gix::Repository,
    /// gix's tree merge and the platforms of tree diffs and rename detection.
    pub(super) tools: MergeTools,
    /// What git leaves unresolved (text merges judged by git itself).
    pub(super) judge: Judge,
    /// Tree entries looked up by (tree, path), for the check that a track's changes
    /// apply as they are.
    pub(super) entries: HashMap<(ObjectId, String), Option<(u16, ObjectId)>>,
}

impl<'r> Worker<'r> {
    pub fn new(
        repo: &'r gix::Repository,
        tree_options: gix::merge::plumbing::tree::Options,
    ) -> Result<Worker<'r>> {
        Worker::with_judge(repo, tree_options, Judge::new(repo))
    }

    /// A worker that settles with `judge` (and what it learnt from git so far).
    pub fn with_judge(
        repo: &'r gix::Repository,
        tree_options: gix::merge::plumbing::tree::Options,
        judge: Judge,
    ) -> Result<Worker<'r>> {
        let diff_cache = crate::overlap::tools::diff_cache(repo)?;
        Ok(Worker {
            repo,
            tools: MergeTools::new(repo, diff_cache, tree_options)?,
            judge,
            entries: HashMap::new(),
        })
    }

    /// git's virtual merge bases for `pending`, made readable through the worker's
    /// repository (see [`Judge::virtual_bases`]).
    pub fn virtual_bases(&mut self, pending: &[&Pending]) -> Result<Vec<Option<ObjectId>>> {
        self.judge.virtual_bases(self.repo, pending)
    }

    /// `pending` made on the virtual merge base git made for it (`base`, see
    /// [`Judge::on_virtual_base`]).
    pub fn merge_on_virtual_base(&mut self, pending: &Pending, base: ObjectId) -> Result<Deferred> {
        self.judge
            .on_virtual_base(self.repo, pending.clone(), base, &mut self.tools)
    }

    /// The worker's judge, for the next worker.
    pub fn into_judge(self) -> Judge {
        self.judge
    }

    /// A 3-way merge of trees in memory, settled as git would, or left for git to finish.
    pub fn merge_trees(
        &mut self,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Deferred> {
        let mut outcome = self.tools.merge_trees(self.repo, base, ours, theirs)?;
        self.judge.settle_later(self.repo, &mut outcome)
    }
}
