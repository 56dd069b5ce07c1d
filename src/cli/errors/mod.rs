//! The library's typed errors as the command line shows them: the `error:` (or
//! `fatal:`) line, the `hint:` lines that name the commands and flags to run, and the
//! exit code. The library says what went wrong; only this module says what to type about
//! it (as jj's `cli/src/command_error.rs` does for jj-lib). This file holds the dispatch
//! ([`describe`]); each file beside it words the errors of one library area.
//!
//! The commands' own checks raise a [`Failure`] with its own message and hints; it
//! passes through unchanged. A typed error whose message would name a command
//! (`MergeError::Busy`, say) is worded here from its data rather than from its `Display`.

mod agents;
mod import;
mod lifecycle;
mod merge;
mod plan;
mod remote;
mod repo;
mod scope;
mod sync;

use crate::cli::failure::Failure;

use agents::{agent, bad_payload, chain_taken, could_not_run, folder_taken};
use import::import;
use lifecycle::{edit, invalid_estimate, invalid_name, lifecycle, not_allowed, port_too_high};
use merge::{merge, nothing_merged};
use plan::{cycle, experiment};
use remote::remote;
use repo::{bad_value, index_locked, lock, ref_locked, repo, store, worktree};
use scope::{claims, glob, no_branch, no_integration, shared, unknown_level};
use sync::sync;

/// The failure to report for `e`, when it is one the user can act on; `None` for an
/// internal or environment error (reported as `fatal:` with its whole chain).
pub fn describe(e: &anyhow::Error) -> Option<Failure> {
    /// `Some(map(error))` when `e` is a `T`.
    fn as_<T: std::error::Error + Send + Sync + 'static>(
        e: &anyhow::Error,
        map: fn(&T) -> Failure,
    ) -> Option<Failure> {
        e.downcast_ref::<T>().map(map)
    }
    as_(e, Failure::clone)
        .or_else(|| as_(e, repo))
        .or_else(|| as_(e, ref_locked))
        .or_else(|| as_(e, merge))
        .or_else(|| as_(e, lifecycle))
        .or_else(|| as_(e, store))
        .or_else(|| as_(e, experiment))
        .or_else(|| as_(e, sync))
        .or_else(|| as_(e, remote))
        .or_else(|| as_(e, edit))
        .or_else(|| as_(e, not_allowed))
        .or_else(|| as_(e, agent))
        .or_else(|| as_(e, bad_payload))
        .or_else(|| as_(e, bad_value))
        .or_else(|| as_(e, cycle))
        .or_else(|| as_(e, port_too_high))
        .or_else(|| as_(e, nothing_merged))
        .or_else(|| as_(e, glob))
        .or_else(|| as_(e, claims))
        .or_else(|| as_(e, shared))
        .or_else(|| as_(e, lock))
        .or_else(|| as_(e, index_locked))
        .or_else(|| as_(e, chain_taken))
        .or_else(|| as_(e, folder_taken))
        .or_else(|| as_(e, could_not_run))
        .or_else(|| as_(e, invalid_name))
        .or_else(|| as_(e, invalid_estimate))
        .or_else(|| as_(e, import))
        .or_else(|| as_(e, unknown_level))
        .or_else(|| as_(e, no_integration))
        .or_else(|| as_(e, no_branch))
        .or_else(|| as_(e, worktree))
}

const LIST_TRACKS: &str = "'git track list' shows the tracks";
const SET_WORKTREE_ROOT: &str = "set one with 'git track init --worktree-root <dir>'";

fn usage(e: &impl ToString) -> Failure {
    Failure::usage(e.to_string())
}

fn fatal(e: &impl ToString) -> Failure {
    Failure::fatal(e.to_string())
}

fn found(e: &impl ToString) -> Failure {
    Failure::found(e.to_string())
}
