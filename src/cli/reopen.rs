use super::output::Output;
use git_track::repo::Repo;
use git_track::transition::{self, Request, Transition};

/// Reopen a done, cancelled, archived or blocked track: it becomes active again
///
/// Records the status active (and the reason, if given) on the definition, and adds the
/// track's worktree back under the worktree root when its branch exists and is not
/// checked out elsewhere.
#[derive(clap::Args)]
pub struct Args {
    /// The track
    #[arg(value_name = "name")]
    name: String,
    /// Why (kept in the definition and its history)
    #[arg(long, value_name = "text")]
    reason: Option<String>,
    /// Do not add a worktree back
    #[arg(long)]
    no_worktree: bool,
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    super::done::report(transition::apply(
        repo,
        &Request {
            name: a.name,
            to: Transition::Reopen,
            reason: a.reason,
            force: false,
            keep_worktree: a.no_worktree,
        },
    )?)
}
