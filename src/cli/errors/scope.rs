//! The errors of scopes as the command line words them: globs, a track's claimed scope
//! and contracts, the shared paths, a judged track whose branch is missing, and the overlap
//! levels and integration settings the overlap check needs.

use crate::cli::failure::Failure;
use git_track::overlap::{NoIntegration, UnknownLevel};
use git_track::scope::GlobError;
use git_track::scope::claims::{ClaimsError, Field};
use git_track::scope::rules::NoBranch;
use git_track::scope::shared::SharedError;

use super::usage;

pub(super) fn glob(e: &GlobError) -> Failure {
    match e {
        GlobError::Pattern { .. } => usage(e).hint(
            "globs match repository-relative paths, e.g. 'src/auth/**', '*.md' or '!src/auth/gen/**'",
        ),
        GlobError::Set { .. } => usage(e),
    }
}

pub(super) fn claims(e: &ClaimsError) -> Failure {
    match e {
        ClaimsError::Invalid { track, field, .. } => {
            let flag = match field {
                Field::Scope => "--scope",
                Field::Contracts => "--contract",
            };
            usage(e).hint(format!(
                "fix it with 'git track edit {track} {flag} <glob>...'"
            ))
        }
        ClaimsError::Set { .. } => usage(e),
    }
}

pub(super) fn shared(e: &SharedError) -> Failure {
    match e {
        SharedError::Config(_) => usage(e)
            .hint("fix it with 'git config --unset-all track.sharedPaths' and add valid globs"),
        SharedError::File { .. } => usage(e)
            .hint("each line of .gittracks is one glob, e.g. 'Cargo.lock' or 'docs/changes/**'"),
    }
}

pub(super) fn no_branch(e: &NoBranch) -> Failure {
    usage(e).hint(format!(
        "point the track at a branch with 'git track edit {} --branch <branch>'",
        e.track
    ))
}

pub(super) fn unknown_level(e: &UnknownLevel) -> Failure {
    usage(e)
}

pub(super) fn no_integration(e: &NoIntegration) -> Failure {
    usage(e).hint("set them with 'git track init --integration <branch> --base <rev>'")
}
