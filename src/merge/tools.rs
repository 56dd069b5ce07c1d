//! gix's tree merge with the platforms one thread reuses for all its merges: the diff
//! platform of rename detection, the content-merge platform of the judge's rule
//! ([`super::verdict::contents`]) and the merge settings.

use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::merge::plumbing::tree::{Options, Outcome};

pub struct MergeTools {
    pub diff_cache: gix::diff::blob::Platform,
    pub blob_merge: gix::merge::blob::Platform,
    pub options: Options,
    pub state: gix::diff::tree::State,
}

impl MergeTools {
    /// Tools for merges read through `repo`; `diff_cache` is the caller's choice (with or
    /// without the worktree's attributes).
    pub fn new(
        repo: &gix::Repository,
        diff_cache: gix::diff::blob::Platform,
        options: Options,
    ) -> Result<MergeTools> {
        Ok(MergeTools {
            diff_cache,
            blob_merge: super::verdict::contents::platform(repo)?,
            options,
            state: Default::default(),
        })
    }

    /// gix's merge of three trees, what it writes written through `repo`.
    pub fn merge_trees<'r>(
        &mut self,
        repo: &'r gix::Repository,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Outcome<'r>> {
        // Labels name the sides of conflict markers, and gix writes none (see
        // `verdict::contents`).
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: Some("base".into()),
            current: Some("ours".into()),
            other: Some("theirs".into()),
        };
        let outcome = gix::merge::plumbing::tree(
            &base,
            &ours,
            &theirs,
            labels,
            repo,
            |buf| gix::objs::Write::write_buf(repo, gix::objs::Kind::Blob, buf),
            &mut self.state,
            &mut self.diff_cache,
            &mut self.blob_merge,
            self.options.clone(),
        );
        self.diff_cache.clear_resource_cache_keep_allocation();
        outcome
            .map_err(|e| anyhow!("{e}"))
            .context("in-memory merge failed")
    }
}
