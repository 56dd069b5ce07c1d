use super::output::{Output, table};
use crate::cli::failure::EXIT_FOUND;
use git_track::remote::Remote;
use git_track::remote::push::{self, PushedReport, Request};
use git_track::repo::Repo;

/// Share track definitions (and Integration Notes) through a remote
///
/// Pushes refs/tracks/* and refs/notes/tracks to the remote, each ref with
/// --force-with-lease on what this clone last fetched, all in one --atomic push. First
/// the local definitions are reconciled with the fetched ones (as 'git track fetch'
/// does), so a push never drops another machine's edit. When another machine pushed
/// first, this fetches, reconciles and tries again (up to 30 times). With
/// --with-branches (or track.pushBranches=true) each track's branch is pushed too,
/// fast-forward only. Worktrees and local state never travel. Exit 1 when a conflict
/// was reported.
#[derive(clap::Args)]
pub struct Args {
    /// The remote [default: the remote of the integration branch's upstream, else origin]
    #[arg(value_name = "remote")]
    remote: Option<String>,
    /// Only these tracks (default: all). Naming a track held by a removal against an
    /// edit pushes this side: recreates it there, or removes it there
    #[arg(value_name = "name")]
    names: Vec<String>,
    /// Push each track's branch too [config: track.pushBranches]
    #[arg(long)]
    with_branches: bool,
    /// Print one JSON object: {remote, tracks, invalid, notes, notes_pushed, branches, attempts}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let remote = Remote::resolve(repo, args.remote.as_deref())?;
    let req = Request {
        names: args.names,
        with_branches: args.with_branches,
    };
    let report = push::push(repo, &remote, &req)?;
    let conflicts = report.has_conflicts();
    let nothing = !report.tracks.iter().any(|t| t.pushed) && !report.notes_pushed;
    let mut out = super::fetch::messages(
        Output::new(report.clone(), |r: &PushedReport, w| {
            super::fetch::write_outcomes(&r.remote, &r.tracks, w)?;
            if r.notes_pushed {
                writeln!(w, "notes pushed to {}", r.remote)?;
            }
            let rows: Vec<Vec<String>> = r
                .branches
                .iter()
                .map(|b| {
                    let detail = b
                        .detail
                        .as_deref()
                        .map(|d| format!(" {d}"))
                        .unwrap_or_default();
                    vec![
                        format!("branch {}", b.branch),
                        format!("{}{detail}", b.result),
                    ]
                })
                .collect();
            table(&rows, w)
        }),
        &remote.name,
        &report.tracks,
        &report.invalid,
    );
    if nothing && !conflicts {
        out = out.info(format!("Everything up-to-date with '{}'", remote.name));
    }
    if report.branches.iter().any(|b| b.result == "rejected") {
        out = out.hint(
            "a branch was refused because the remote has commits it lacks: pull them into it, then push again",
        );
    }
    Ok(out.code(if conflicts { EXIT_FOUND } else { 0 }))
}
