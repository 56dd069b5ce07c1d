use super::list_or_dash;
use super::output::{Output, table};
use crate::cli::failure::EXIT_FOUND;
use git_track::plan::experiments::{self, CompareOptions, Comparison};
use git_track::progress::Progress;
use git_track::refs;
use git_track::repo::Repo;
use std::io::Write;

/// Compare the competing tracks of an experiment side by side
///
/// Per track of the group: commits not in the integration branch, the diffstat and the
/// files changed, scope violations, the tracks outside the group it overlaps with
/// (files level, as 'git track overlap'), and whether it merges cleanly into the
/// integration branch. With --exec, each command runs with 'sh -c' in every track's
/// worktree, the tracks in parallel (a temporary detached worktree for a track without
/// one, removed afterwards); its exit code, wall time and last output line are shown,
/// and with --metric the figure its output reports ranks the tracks (lowest first, or
/// highest with --higher-is-better). The comparison is kept so that 'git track pick'
/// can record it. Exit codes: 0, 1 when a command failed, 2 bad input (an unknown
/// group).
#[derive(clap::Args)]
pub struct Args {
    /// The experiment group
    #[arg(value_name = "group")]
    group: String,
    /// A command to run in every track's worktree (repeatable; run in order)
    #[arg(long = "exec", value_name = "cmd")]
    exec: Vec<String>,
    /// A regular expression finding the figure in a command's output: its last match,
    /// the first group if it has one (e.g. 'time: ([0-9.]+)')
    #[arg(long, value_name = "regex", requires = "exec")]
    metric: Option<String>,
    /// Rank the highest figure first (default: the lowest, as for times)
    #[arg(long, requires = "metric")]
    higher_is_better: bool,
    /// Print one JSON object: {group, integration, integration_tip, commands, metric,
    /// tracks: [{track, status, hypothesis, tip, commits, files, insertions, deletions,
    /// violations, overlaps, merges_cleanly, runs, metric, rank}]}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, a: Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    let c = experiments::compare(
        repo,
        &a.group,
        &CompareOptions {
            exec: a.exec,
            metric: a.metric,
            higher_is_better: a.higher_is_better,
        },
        progress,
    )?;
    let code = if c.failed() { EXIT_FOUND } else { 0 };
    Ok(Output::new(c, write_comparison).code(code))
}

fn write_comparison(c: &Comparison, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "experiment {}: {} track{}, against {} at {}",
        c.group,
        c.tracks.len(),
        if c.tracks.len() == 1 { "" } else { "s" },
        c.integration,
        refs::short_id(&c.integration_tip)
    )?;
    write_tracks(c, w)?;
    if c.commands.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    write_runs(c, w)
}

/// A row per track: what it brings, and whether it merges.
fn write_tracks(c: &Comparison, w: &mut dyn Write) -> std::io::Result<()> {
    let mut rows = vec![
        [
            "TRACK",
            "STATUS",
            "COMMITS",
            "DIFFSTAT",
            "VIOLATIONS",
            "OVERLAPS",
            "MERGES",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for t in &c.tracks {
        rows.push(vec![
            t.track.clone(),
            t.status.to_string(),
            t.commits.to_string(),
            format!(
                "{} file{} +{} -{}",
                t.files.len(),
                if t.files.len() == 1 { "" } else { "s" },
                t.insertions,
                t.deletions
            ),
            t.violations.len().to_string(),
            list_or_dash(&t.overlaps),
            match t.merges_cleanly {
                Some(true) => "cleanly".into(),
                Some(false) => "needs sync".into(),
                None => "-".into(),
            },
        ]);
    }
    table(&rows, w)?;
    for t in &c.tracks {
        if let Some(h) = &t.hypothesis {
            writeln!(w, "{}: {h}", t.track)?;
        }
    }
    Ok(())
}

/// The commands' runs, best rank first, a row per run.
fn write_runs(c: &Comparison, w: &mut dyn Write) -> std::io::Result<()> {
    let mut rows = vec![
        [
            "RANK",
            "TRACK",
            "COMMAND",
            "EXIT",
            "TIME",
            "METRIC",
            "LAST LINE",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    let mut order: Vec<&experiments::Row> = c.tracks.iter().collect();
    order.sort_by_key(|t| (t.rank.is_none(), t.rank, t.track.clone()));
    for t in order {
        if t.runs.is_empty() {
            rows.push(vec![
                "-".into(),
                t.track.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "not run: no branch".into(),
            ]);
        }
        for (i, r) in t.runs.iter().enumerate() {
            rows.push(vec![
                if i == 0 {
                    t.rank.map_or_else(|| "-".into(), |r| r.to_string())
                } else {
                    String::new()
                },
                if i == 0 {
                    t.track.clone()
                } else {
                    String::new()
                },
                r.command.clone(),
                r.exit.map_or_else(|| "killed".into(), |e| e.to_string()),
                format!("{:.2}s", r.seconds),
                r.metric.map_or_else(|| "-".into(), |m| m.to_string()),
                r.last_line.clone(),
            ]);
        }
    }
    table(&rows, w)
}
