use super::output::Output;
use git_track::remote::attach::{self, Attached, Request};
use git_track::repo::Repo;
use git_track::setup::Prepared;
use git_track::track_env::TrackEnv;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Add a worktree here for a track defined on another machine
///
/// Checks out the track's branch in a new linked worktree at --path or
/// <worktreeRoot>/<name>. When this clone has no such branch, it is created from the
/// remote-tracking branch (fetched when missing), tracking it. Records the worktree in
/// the definition. Prints the worktree path, so that `cd "$(git track attach x)"` works.
/// Then the worktree is set up as 'git track setup' does: the ignored files listed in
/// .worktreeinclude or track.include are copied from the main worktree and track.setup is
/// run (a failed set-up keeps the worktree and exits 1).
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
    /// Copy no included files and run no track.setup command
    #[arg(long)]
    no_setup: bool,
    /// Print one JSON object: {name, branch, worktree, branch_from, env, prepared}
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct AttachJson {
    #[serde(flatten)]
    attached: Attached,
    env: TrackEnv,
    prepared: Option<Prepared>,
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
    let (env, prepared) = super::setup::set_up_new(
        repo,
        &attached.name,
        Some(Path::new(&attached.worktree)),
        args.no_setup,
    )?;
    let name = attached.name.clone();
    let data = AttachJson {
        attached,
        env,
        prepared: prepared.clone(),
    };
    let mut out = Output::new(data, |a: &AttachJson, w| {
        writeln!(w, "{}", a.attached.worktree)
    })
    .info(note);
    if let Some(p) = &prepared {
        out = super::setup::report(out, &name, p);
    }
    Ok(out)
}
