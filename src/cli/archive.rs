use super::done::Ending;
use super::output::Output;
use git_track::repo::Repo;
use git_track::transition::Transition;

/// Archive a track: keep its definition and branch, out of the way
///
/// Any status can be archived. As with done and cancel, the worktree is removed when it
/// is clean, refused with uncommitted work unless --force (which saves the work under
/// refs/tracks-backup/<name>/ first); the branch is kept. 'git track list --status
/// archived' shows archived tracks; 'git track reopen' takes one up again.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Ending,
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    super::done::end(repo, Transition::Archive, a.common)
}
