//! The plan: what the tracks are for each other and where they stand together.
//!
//! - [`graph`]: the dependency graph with each track's status, its critical path (the
//!   heaviest chain of unfinished tracks, by `estimate`) and its width (how many
//!   unfinished tracks could run at once), as data and as DOT or Mermaid text.
//! - [`ready`]: which tracks can start and which can be merged now; a dependency counts
//!   only once it is merged into the integration branch.
//! - [`experiments`]: competing tracks of one experiment group, compared side by side
//!   (`compare`, optionally running commands in each), and the decision between them
//!   (`pick`), which the next Integration Notes record.
//! - [`efficiency`]: what parallel work gave: per track the time from creation to first
//!   commit and to merge, per checkpoint the span of the work against its summed length.
//!
//! All of it reads definitions ([`crate::store`]) and the integration branch; only
//! `pick` writes (definitions, and refs under [`experiments::REF_PREFIX`]).

pub mod efficiency;
pub mod experiments;
pub mod graph;
pub mod ready;

use crate::repo::Repo;
use crate::track::Track;
use anyhow::Result;

/// Is the track's work in the integration branch? A branch still at its fork point has
/// brought nothing yet, so it is not "merged" even though the branch contains it.
pub fn is_merged(
    repo: &Repo,
    track: &Track,
    integration_tip: Option<gix::ObjectId>,
) -> Result<bool> {
    let Some(integration_tip) = integration_tip else {
        return Ok(false);
    };
    // A branch set by hand to a blob or a missing object holds no history to merge.
    let crate::refs::BranchTarget::Commit(tip) =
        crate::refs::branch_target(&repo.gix, &track.branch)?
    else {
        return Ok(false);
    };
    if at_fork_point(track, tip) {
        return Ok(false);
    }
    repo.is_ancestor(tip, integration_tip)
}

/// Is `tip` the commit the track forked at (no commit of its own yet)?
pub fn at_fork_point(track: &Track, tip: gix::ObjectId) -> bool {
    gix::ObjectId::from_hex(track.base.commit.as_bytes()).ok() == Some(tip)
}
