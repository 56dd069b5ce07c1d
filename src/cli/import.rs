use super::output::{Output, table};
use git_track::import::{self, Request, Source};
use git_track::repo::Repo;
use git_track::track::Kind;

/// Adopt existing work as tracks, many at once
///
/// --merges <base>..<integration> takes the second parent of every first-parent merge in
/// the range (as `git rev-list --first-parent <base>..<integration>` lists them) as a
/// track, oldest first, named after the branch the merge's subject names ("Merge branch
/// 'xx/topic' into seen" gives the track xx-topic on a new branch track/xx-topic).
/// --branches <glob> adopts the existing local branches whose names match, as they are.
/// No worktrees unless --worktrees. All or nothing: when any name is invalid or taken,
/// or any branch exists already, nothing is created.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["merges", "branches"])))]
pub struct Args {
    /// Import the topics merged into b since a (a..b, e.g. master..seen)
    #[arg(long, value_name = "a..b")]
    merges: Option<String>,
    /// Import the local branches whose names match this glob (e.g. 'topic/*')
    #[arg(long, value_name = "glob")]
    branches: Option<String>,
    /// The ref the tracks fork from and are compared with [default: track.base]
    #[arg(long, value_name = "rev")]
    base: Option<String>,
    /// What kind of work the tracks are
    #[arg(long, value_name = "kind", default_value = "feat", value_parser = clap::builder::PossibleValuesParser::new(Kind::ALL))]
    kind: String,
    /// Give every track a worktree at <worktreeRoot>/<name>
    #[arg(long)]
    worktrees: bool,
    /// List what would be created, and create nothing
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print one JSON object: {dry_run, base, tracks: [{name, branch, adopted, tip,
    /// fork_point, merge, merged_branch, worktree}]}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let source = match (args.merges, args.branches) {
        (Some(range), _) => Source::Merges(range),
        (None, Some(glob)) => Source::Branches(glob),
        (None, None) => {
            return Err(crate::cli::failure::Failure::usage("give --merges or --branches").into());
        }
    };
    let req = Request {
        source,
        base: args.base,
        kind: args.kind.parse().map_err(anyhow::Error::msg)?,
        worktrees: args.worktrees,
        dry_run: args.dry_run,
    };
    let imported = import::import(repo, &req)?;
    let n = imported.tracks.len();
    let note = if imported.dry_run {
        format!("Would import {n} track{}", if n == 1 { "" } else { "s" })
    } else {
        format!("Imported {n} track{}", if n == 1 { "" } else { "s" })
    };
    Ok(Output::new(imported, |d, w| {
        let rows: Vec<Vec<String>> = d
            .tracks
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    t.branch.clone(),
                    t.tip[..12.min(t.tip.len())].to_owned(),
                    t.worktree.clone().unwrap_or_else(|| "-".to_owned()),
                ]
            })
            .collect();
        table(&rows, w)
    })
    .info(note))
}
