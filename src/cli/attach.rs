use super::output::Output;
use git_track::remote::attach::{self, Attached, Request};
use git_track::repo::Repo;
use std::path::PathBuf;

/// Add a worktree here for a track defined on another machine
///
/// Checks out the track's branch in a new linked worktree at --path or
/// <worktreeRoot>/<name>. When this clone has no such branch, it is created from the
/// remote-tracking branch (fetched when missing), tracking it. Records the worktree in
/// the definition. Prints the worktree path, so that `cd "$(git track attach x)"` works.
#[derive(clap::Args)]
pub struct Args {
    /// The track
    #[arg(value_name = "name")]
    name: String,
    /// Where the worktree goes [default: <worktreeRoot>/<name>]
    #[arg(long, value_name = "dir")]
    path: Option<PathBuf>,
    /// Where to fetch the branch from when this clone lacks it [default: origin]
    #[arg(long, value_name = "remote")]
    remote: Option<String>,
    /// Print one JSON object: {name, branch, worktree, branch_from}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let attached = attach::attach(
        repo,
        &Request {
            name: args.name,
            path: args.path,
            remote: args.remote,
        },
    )?;
    let note = match &attached.branch_from {
        Some(from) => format!(
            "Attached track '{}': branch '{}' (from '{from}') at {}",
            attached.name, attached.branch, attached.worktree
        ),
        None => format!(
            "Attached track '{}': branch '{}' at {}",
            attached.name, attached.branch, attached.worktree
        ),
    };
    Ok(Output::new(attached, |a: &Attached, w| writeln!(w, "{}", a.worktree)).info(note))
}
