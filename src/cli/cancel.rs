use super::done::Ending;
use super::output::Output;
use git_track::repo::Repo;
use git_track::transition::Transition;

/// Cancel a track: its work will not be merged
///
/// Records the status cancelled and the reason as a commit on the definition. The
/// worktree is removed when it is clean; one with uncommitted or untracked work is
/// refused unless --force, which saves that work under refs/tracks-backup/<name>/
/// first. The branch is always kept, so the work stays reachable; 'git track reopen'
/// takes the track up again.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Ending,
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    super::done::end(repo, Transition::Cancel, a.common)
}
