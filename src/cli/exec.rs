use super::output::Output;
use crate::cli::failure::Failure;
use git_track::exec::{self, Job, JobResult, Stream};
use git_track::lifecycle;
use git_track::progress::Progress;
use git_track::repo::Repo;
use git_track::store;
use git_track::track_env;
use serde::Serialize;
use std::io::Write;

/// Run a command in the worktree of each named track (or of every track)
///
/// Runs <cmd> in each track's worktree with GIT_TRACK, GIT_TRACK_INDEX and GIT_TRACK_PORT
/// set. One argument is a shell command line (run with 'sh -c'); several are a program
/// and its arguments. Each line of output is prefixed with its track ('name | line'),
/// stdout to stdout and stderr to stderr; a summary with each track's exit status follows
/// on stderr. With --all, tracks without a worktree are skipped.
///
/// Exit status: 0 when the command succeeded everywhere, 1 when it failed somewhere.
#[derive(clap::Args)]
pub struct Args {
    /// The tracks to run in
    #[arg(
        value_name = "name",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    names: Vec<String>,
    /// Every track that has a worktree
    #[arg(long)]
    all: bool,
    /// How many tracks to run at once
    #[arg(long, value_name = "n", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    parallel: u32,
    /// Print one JSON object on stdout: {results: [{track, worktree, code, success, seconds}], failed};
    /// the command's output then goes to stderr
    #[arg(long)]
    pub json: bool,
    /// The command, after --
    #[arg(last = true, required = true, value_name = "cmd")]
    command: Vec<String>,
}

#[derive(Serialize)]
struct ExecJson {
    results: Vec<JobResult>,
    failed: usize,
    skipped: Vec<String>,
}

pub fn run(repo: &Repo, args: Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    let (jobs, skipped) = jobs(repo, &args)?;
    let width = jobs.iter().map(|j| j.env.track.len()).max().unwrap_or(0);
    let json = args.json;
    let line = move |track: &str, stream: Stream, text: &str| {
        let prefixed = format!("{track:<width$} | {text}\n");
        // Each line is written whole, so lines of tracks running at once never mix.
        let _ = if stream == Stream::Stdout && !json {
            std::io::stdout().lock().write_all(prefixed.as_bytes())
        } else {
            std::io::stderr().lock().write_all(prefixed.as_bytes())
        };
    };
    let results = exec::run(
        &jobs,
        &args.command,
        args.parallel as usize,
        &line,
        progress,
    );
    Ok(summary(results, skipped, width))
}

/// A job per chosen track with a worktree; with `--all`, the tracks without one are
/// skipped (named), otherwise refused.
fn jobs(repo: &Repo, args: &Args) -> anyhow::Result<(Vec<Job>, Vec<String>)> {
    let listing = store::list(repo)?;
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    let chosen: Vec<&store::Stored> = if args.all {
        listing.tracks.iter().collect()
    } else {
        listing.select(&args.names)?
    };
    for s in chosen {
        match lifecycle::find_worktree(repo, &s.track)? {
            Some(worktree) => jobs.push(Job {
                env: track_env::for_track(repo, &s.track.name)?,
                worktree,
            }),
            None if args.all => skipped.push(s.track.name.clone()),
            None => {
                return Err(Failure::usage(format!(
                    "track '{}' has no worktree to run in",
                    s.track.name
                ))
                .into());
            }
        }
    }
    Ok((jobs, skipped))
}

/// A line per track (how its command ended, how long it took) and the count; exit 1
/// when any failed.
fn summary(results: Vec<JobResult>, skipped: Vec<String>, width: usize) -> Output {
    let failed = results.iter().filter(|r| !r.success).count();
    let mut out = Output::new(
        ExecJson {
            results: results.clone(),
            failed,
            skipped: skipped.clone(),
        },
        |_, _| Ok(()),
    );
    for name in &skipped {
        out = out.info(format!("{name:<width$} | skipped: no worktree"));
    }
    for r in &results {
        let how = match (&r.error, r.code) {
            (Some(e), _) => e.clone(),
            (None, Some(0)) => "ok".to_owned(),
            (None, Some(c)) => format!("exit {c}"),
            (None, None) => "killed by a signal".to_owned(),
        };
        out = out.info(format!("{:<width$} | {how} ({:.1}s)", r.track, r.seconds));
    }
    let n = results.len();
    out = out.info(format!(
        "{n} {}: {} succeeded, {failed} failed",
        if n == 1 { "track" } else { "tracks" },
        n - failed
    ));
    out.code(if failed > 0 { 1 } else { 0 })
}
