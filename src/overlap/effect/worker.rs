//! The per-thread tools a track's or a pair's merge is made with: the [`Worker`] (diff and
//! merge platforms, git's judge) and the [`Walk`] that finds merge bases.

use crate::merge::verdict::{Deferred, Judge};
use anyhow::{Context, Result, anyhow};
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
    /// For tree diffs and rename detection.
    pub(super) diff_cache: gix::diff::blob::Platform,
    /// For content merges, set up on first use.
    pub(super) blob_merge: Option<gix::merge::blob::Platform>,
    pub(super) state: gix::diff::tree::State,
    pub(super) tree_options: gix::merge::plumbing::tree::Options,
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
        let diff_cache = crate::overlap::tools::diff_cache(repo)?;
        Ok(Worker {
            repo,
            diff_cache,
            blob_merge: None,
            judge: Judge::new(repo),
            state: Default::default(),
            tree_options,
            entries: HashMap::new(),
        })
    }

    /// The diff and merge platforms a tree merge needs.
    pub(super) fn merge_tools(
        &mut self,
    ) -> Result<(
        &mut gix::diff::blob::Platform,
        &mut gix::merge::blob::Platform,
    )> {
        if self.blob_merge.is_none() {
            self.blob_merge = Some(crate::overlap::tools::merge_cache(self.repo)?);
        }
        let blob_merge = self
            .blob_merge
            .as_mut()
            .ok_or_else(|| anyhow!("merge set-up missing"))?;
        Ok((&mut self.diff_cache, blob_merge))
    }

    /// A 3-way merge of trees in memory, settled as git would, or left for git to finish.
    pub fn merge_trees(
        &mut self,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Deferred> {
        let repo = self.repo;
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: Some("base".into()),
            current: Some("ours".into()),
            other: Some("theirs".into()),
        };
        let options = self.tree_options.clone();
        let mut state = std::mem::take(&mut self.state);
        let (diff_cache, blob_merge) = self.merge_tools()?;
        let outcome = gix::merge::plumbing::tree(
            &base,
            &ours,
            &theirs,
            labels,
            repo,
            |buf| gix::objs::Write::write_buf(repo, gix::objs::Kind::Blob, buf),
            &mut state,
            diff_cache,
            blob_merge,
            options,
        );
        diff_cache.clear_resource_cache_keep_allocation();
        self.state = state;
        let mut outcome = outcome
            .map_err(|e| anyhow!("{e}"))
            .context("in-memory merge failed")?;
        self.judge.settle_later(repo, &mut outcome)
    }
}
