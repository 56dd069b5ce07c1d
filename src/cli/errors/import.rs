//! The errors of `git track import` (an integration branch's topics, or existing
//! branches, adopted as tracks) as the command line words them.

use crate::cli::failure::Failure;
use git_track::import::ImportError;

use super::{fatal, found, usage};

pub(super) fn import(e: &ImportError) -> Failure {
    use ImportError as E;
    match e {
        E::BaseUnresolved { .. } | E::WorktreePathTaken { .. } | E::BadGlob { .. } => usage(e),
        E::SameName { .. } => usage(e)
            .hint("import them apart, or rename one with 'git track new <name> --from <tip>'"),
        E::BranchTaken { .. } => {
            usage(e).hint("narrow the glob to branches that are not tracks yet")
        }
        E::BranchExists { branch } => usage(e).hint(format!(
            "adopt existing branches with --branches, or remove '{branch}' first"
        )),
        E::BranchCheckedOut { .. } => usage(e).hint("import without --worktrees"),
        E::Unwritable { .. } => {
            fatal(e).hint("nothing was created; if another git-track or git is running, try again")
        }
        E::CreatedMeanwhile => usage(e).hint("'git track list' shows them"),
        E::BadRange { .. } => usage(e).hint("give it as <base>..<integration>, e.g. master..seen"),
        E::NoMerges { .. } => {
            found(e).hint("octopus merges and fast-forwards are not topics to import")
        }
        E::IntegrationBranch { .. } => usage(e).hint("narrow the glob"),
        E::NoBranches { .. } => found(e).hint("'git branch --list' shows the branches"),
    }
}
