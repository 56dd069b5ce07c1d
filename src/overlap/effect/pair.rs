//! A pair's ordered merge: git's merge of B into the commit of A merged into the
//! integration tip, made in memory or left for git to judge with the other merges of the
//! run.

use super::{Graph, Walk, Worker, commit_tree};
use crate::merge::verdict::{Deferred, Judge, Pending, Settled};
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;

/// A pair's verdict (`None` when clean, else the paths), or the merge git still has to
/// judge.
#[derive(Clone)]
pub(in crate::overlap) enum PartialVerdict {
    Done(Option<Vec<String>>),
    Git(Pending),
}

impl PartialVerdict {
    /// The verdict from git's answer on the merge.
    pub fn of(settled: Settled) -> Option<Vec<String>> {
        match settled {
            Settled::Clean(_) => None,
            Settled::Conflict(paths) => Some(paths),
        }
    }

    /// The merge git still has to judge, if any.
    pub fn pending(&self) -> Option<&Pending> {
        match self {
            PartialVerdict::Done(_) => None,
            PartialVerdict::Git(pending) => Some(pending),
        }
    }
}

impl Worker<'_> {
    /// `partial` made on the virtual merge base git made for it (`base`, see
    /// [`Judge::on_virtual_base`]): the verdict when gix's merge settles it.
    pub fn verdict_on_virtual_base(
        &mut self,
        partial: &PartialVerdict,
        base: ObjectId,
    ) -> Result<PartialVerdict> {
        let PartialVerdict::Git(pending) = partial else {
            return Ok(partial.clone());
        };
        Ok(match self.merge_on_virtual_base(pending, base)? {
            Deferred::Settled(settled) => PartialVerdict::Done(PartialVerdict::of(settled)),
            Deferred::Pending(pending) => PartialVerdict::Git(pending),
        })
    }

    /// Settles with git every pending merge of `partials`, in one run: verdicts only, no
    /// merged tree (a pair's tree is not kept).
    pub fn finish_verdicts(
        &mut self,
        partials: Vec<PartialVerdict>,
    ) -> Result<Vec<Option<Vec<String>>>> {
        let mut pending = Vec::new();
        let mut slots = Vec::with_capacity(partials.len());
        for partial in partials {
            slots.push(match partial {
                PartialVerdict::Done(verdict) => Some(verdict),
                PartialVerdict::Git(p) => {
                    pending.push(p);
                    None
                }
            });
        }
        let mut settled = self
            .judge
            .finish_verdicts(self.repo, pending, &mut self.tools)?
            .into_iter();
        slots
            .into_iter()
            .map(|slot| match slot {
                Some(verdict) => Ok(verdict),
                None => settled
                    .next()
                    .ok_or_else(|| anyhow!("internal error: git's verdict went missing")),
            })
            .collect()
    }

    /// git's ordered merge of `theirs` into `ours` (commits whose merge bases, as git
    /// finds them, are `bases`): `None` when clean, else the paths that conflict — or the
    /// merge left for git.
    pub fn merge_commits(
        &mut self,
        walk: &mut Walk<'_>,
        bases: &[ObjectId],
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<PartialVerdict> {
        let repo = self.repo;
        let by_git = || -> Result<PartialVerdict> {
            Ok(PartialVerdict::Git(Judge::by_git_later(
                bases,
                walk.base_of_bases(bases)?,
                ours,
                theirs,
            )))
        };
        let base = match bases {
            [base] => *base,
            [] => {
                return Ok(PartialVerdict::Done(self.merge_commits_unrelated(
                    &mut walk.graph,
                    ours,
                    theirs,
                )?));
            }
            // Several merge bases: git's recursive virtual base is not gix's.
            _ => return by_git(),
        };
        let (base_tree, ours_tree, theirs_tree) = (
            commit_tree(repo, base)?,
            commit_tree(repo, ours)?,
            commit_tree(repo, theirs)?,
        );
        // What only `ours` changed is left out: for a pair, everything the integration
        // branch and the first track brought since the second track forked.
        let Some((base_tree, theirs_tree)) =
            self.judge
                .trees_to_merge(repo, base_tree, ours_tree, theirs_tree)?
        else {
            return by_git();
        };
        Ok(match self.merge_trees(base_tree, ours_tree, theirs_tree)? {
            Deferred::Settled(settled) => PartialVerdict::Done(PartialVerdict::of(settled)),
            Deferred::Pending(pending) => PartialVerdict::Git(pending),
        })
    }

    /// Two commits without a merge base: gix's commit merge says how it fails.
    fn merge_commits_unrelated(
        &mut self,
        graph: &mut Graph<'_, '_>,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Option<Vec<String>>> {
        let repo = self.repo;
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: None,
            current: Some("ours".into()),
            other: Some("theirs".into()),
        };
        let options = gix::merge::plumbing::commit::Options {
            allow_missing_merge_base: false,
            tree_merge: self.tools.options.clone(),
            use_first_merge_base: false,
        };
        let tools = &mut self.tools;
        let outcome = gix::merge::plumbing::commit(
            ours,
            theirs,
            labels,
            graph,
            &mut tools.diff_cache,
            &mut tools.blob_merge,
            repo,
            &mut |id| id.to_hex_with_len(7).to_string(),
            options,
        );
        tools.diff_cache.clear_resource_cache_keep_allocation();
        let mut outcome = outcome
            .map_err(|e| anyhow!("{e}"))
            .context("in-memory merge failed")?;
        Ok(
            match self
                .judge
                .settle(repo, &mut outcome.tree_merge, &mut self.tools)?
            {
                Settled::Clean(_) => None,
                Settled::Conflict(paths) => Some(paths),
            },
        )
    }
}
