//! The blob platforms diffs and merges need, set up without loading the index.
//!
//! gix's own set-up reads `.gitattributes` through the index, which means decoding the
//! whole index (tens of milliseconds on a large repository) for each one. `git merge-tree`
//! reads attributes from the worktree's `.gitattributes` files instead, and so do we: in
//! the worktree when there is one, nowhere in a bare repository. Everything else (merge
//! drivers, `merge.default`, `merge.renormalize`, `core.bigFileThreshold`, filters) comes
//! from the git config as in gix.

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

/// For the content merges of a tree merge.
pub fn merge_cache(repo: &gix::Repository) -> Result<gix::merge::blob::Platform> {
    let config = repo.config_snapshot();
    let renormalize = config.boolean("merge.renormalize").unwrap_or(false);
    let mode = if renormalize {
        gix::merge::blob::pipeline::Mode::Renormalize
    } else {
        gix::merge::blob::pipeline::Mode::ToGit
    };
    let threshold = config
        .integer("core.bigFileThreshold")
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(512 * 1024 * 1024);
    let filter = gix::filter::plumbing::Pipeline::new(
        repo.command_context()?,
        repo.object_hash(),
        gix::filter::Pipeline::options(repo)?,
    );
    let pipeline = gix::merge::blob::Pipeline::new(
        Default::default(),
        filter,
        gix::merge::blob::pipeline::Options {
            large_file_threshold_bytes: threshold,
        },
    );
    let options = gix::merge::blob::platform::Options {
        default_driver: config.string("merge.default"),
    };
    Ok(gix::merge::blob::Platform::new(
        pipeline,
        mode,
        attributes(repo)?,
        drivers(repo),
        options,
    ))
}

/// `[merge "<name>"] driver = ...` and `recursive = ...` from the config.
fn drivers(repo: &gix::Repository) -> Vec<gix::merge::blob::Driver> {
    let config = repo.config_snapshot();
    let mut out: Vec<gix::merge::blob::Driver> = Vec::new();
    let Some(sections) = config.plumbing().sections_by_name("merge") else {
        return out;
    };
    for section in sections {
        let Some(name) = section.header().subsection_name().filter(|n| !n.is_empty()) else {
            continue;
        };
        let index = match out.iter().position(|d| d.name == name) {
            Some(i) => i,
            None => {
                out.push(gix::merge::blob::Driver {
                    name: name.to_owned(),
                    display_name: name.to_owned(),
                    ..Default::default()
                });
                out.len() - 1
            }
        };
        if let Some(command) = section.value("driver") {
            out[index].command = command;
        }
        if let Some(recursive) = section.value("recursive") {
            out[index].recursive = Some(recursive);
        }
    }
    out
}
