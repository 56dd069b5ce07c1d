//! The blob platform tree diffs need, set up without loading the index.
//!
//! gix's own set-up reads `.gitattributes` through the index, which means decoding the
//! whole index (tens of milliseconds on a large repository) for each one. `git merge-tree`
//! reads attributes from the worktree's `.gitattributes` files instead, and so do we: in
//! the worktree when there is one, nowhere in a bare repository. (Content merges need no
//! attributes: see [`crate::merge::verdict::contents`].)

use anyhow::{Context, Result};
use gix::worktree::stack::state::attributes::Source;

fn attributes(repo: &gix::Repository) -> Result<gix::worktree::Stack> {
    let no_index = gix::index::State::new(repo.object_hash());
    let source = if repo.workdir().is_some() {
        Source::WorktreeThenIdMapping
    } else {
        Source::IdMapping
    };
    Ok(repo.attributes_only(&no_index, source)?.detach())
}

/// For tree diffs and the rename detection of merges.
pub fn diff_cache(repo: &gix::Repository) -> Result<gix::diff::blob::Platform> {
    gix::diff::resource_cache(
        repo,
        gix::diff::blob::pipeline::Mode::ToGit,
        attributes(repo)?,
        Default::default(),
    )
    .context("could not set up diffs")
}
