use super::output::{Output, Paint, paint, table};
use super::{list_or_dash, or_dash};
use git_track::progress::{Progress, Silent};
use git_track::refs;
use git_track::repo::Repo;
use git_track::scope::paths::quote_list;
use git_track::status::{self, Dashboard, TrackStatus};
use git_track::store;
use git_track::track::Status;
use std::io::{self, Write};

/// The dashboard: where every track stands against the integration branch
///
/// Per track: kind, status, owner, branch, worktree (present or missing, dirty), commits
/// ahead of its fork point and behind the integration branch, last commit ("stale" past
/// track.staleAfter, default 2 days), the tracks it overlaps with (files level, as
/// 'git track overlap' computes it for active and blocked tracks), the dependencies not
/// merged yet (blocked by), committed changes outside its scope (violations, as 'git
/// track check' judges them), and whether it is merged; then a merge run that has not
/// finished (stopped at a conflict or a failed gate, or killed), if there is one.
///
/// Flags: "behind" past track.behindLimit commits behind the integration branch; "needs
/// sync" when it no longer merges cleanly into it ('git track sync'); "stuck" when
/// active with uncommitted work and no commit for track.stuckAfter (default 2h);
/// "stale" when no commit for track.staleAfter (a track without commits of its own counts
/// from its last definition edit). --watch
/// redraws the dashboard whenever it changes, until interrupted.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    filter: super::filter::FilterArgs,
    /// Redraw the dashboard whenever it changes (checked every --interval seconds)
    #[arg(long, conflicts_with = "json")]
    watch: bool,
    /// Seconds between checks with --watch
    #[arg(long, value_name = "s", default_value = "2", requires = "watch")]
    interval: f64,
    /// Print one JSON object: {integration, stale_after_secs, stuck_after_secs,
    /// behind_limit, tracks: [...], merge_in_progress, sync_in_progress} (see the README)
    #[arg(long)]
    pub json: bool,
}

/// Test hook: `GIT_TRACK_TEST_WATCH_ROUNDS=<n>` ends `--watch` after <n> checks.
const WATCH_ROUNDS: &str = "GIT_TRACK_TEST_WATCH_ROUNDS";

pub fn run(repo: &Repo, args: Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    if args.watch {
        return watch(&args);
    }
    dashboard(repo, &args, progress)
}

fn dashboard(repo: &Repo, args: &Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    let filter = args.filter.filter()?;
    let listing = store::list(repo)?;
    let mut dashboard = status::dashboard(repo, &listing.tracks, progress)?;
    dashboard.tracks.retain(|t| {
        listing
            .get(&t.name)
            .is_some_and(|s| filter.matches(&s.track))
    });
    let missing_integration = !dashboard.integration.exists && !dashboard.tracks.is_empty();
    let broken: Vec<(String, String)> = dashboard
        .tracks
        .iter()
        .filter_map(|t| Some((t.name.clone(), t.broken.clone()?)))
        .collect();
    let mut out = Output::new(dashboard, write_dashboard);
    for i in &listing.invalid {
        out = out.warn(format!("{}: {}", i.refname, i.error));
    }
    if missing_integration {
        out = out.warn(format!(
            "the integration branch '{}' does not exist yet; comparing against '{}'",
            repo.settings.integration, repo.settings.base
        ));
    }
    if !broken.is_empty() {
        for (name, why) in broken {
            out = out.warn(format!("track '{name}' is broken: {why}"));
        }
        out = out.hint(
            "point its branch back at a commit with 'git branch -f <branch> <commit>', or remove the track with 'git track remove <name>'",
        );
    }
    Ok(out)
}

/// Draws the dashboard, then again each time it changes.
fn watch(args: &Args) -> anyhow::Result<Output> {
    if !(args.interval.is_finite() && args.interval > 0.0) {
        return Err(crate::cli::failure::Failure::usage(format!(
            "invalid --interval '{}': it must be a positive number of seconds",
            args.interval
        ))
        .into());
    }
    let rounds: Option<u64> = std::env::var(WATCH_ROUNDS)
        .ok()
        .and_then(|v| v.parse().ok());
    let tty = std::io::IsTerminal::is_terminal(&io::stdout());
    let mut shown: Option<Vec<u8>> = None;
    let mut round = 0u64;
    loop {
        // Re-read settings and refs each time: another process may change anything.
        let mut text = Vec::new();
        // Redrawn screens show no progress of their own.
        match Repo::discover().and_then(|fresh| dashboard(&fresh, args, &Silent)) {
            Ok(out) => out.write_text(&mut text)?,
            Err(e) => writeln!(text, "error: {e:#}")?,
        }
        if shown.as_ref() != Some(&text) {
            let stdout = io::stdout();
            let mut w = stdout.lock();
            if tty {
                // Clear the screen and go home, as watch(1) does.
                write!(w, "\x1b[H\x1b[2J")?;
            } else if shown.is_some() {
                writeln!(w)?;
            }
            w.write_all(&text)?;
            w.flush()?;
            shown = Some(text);
        }
        round += 1;
        if rounds.is_some_and(|r| round >= r) {
            return Ok(Output::none());
        }
        std::thread::sleep(std::time::Duration::from_secs_f64(args.interval));
    }
}

fn write_dashboard(d: &Dashboard, w: &mut dyn Write) -> io::Result<()> {
    let tip = refs::short_id(&d.integration.tip);
    if d.integration.exists {
        writeln!(w, "integration: {} at {tip}", d.integration.branch)?;
    } else {
        writeln!(
            w,
            "integration: {} (does not exist yet; compared against {} at {tip})",
            d.integration.branch,
            d.integration.base.as_deref().unwrap_or("the base"),
        )?;
    }
    if d.tracks.is_empty() {
        writeln!(w, "no tracks; start one with 'git track new <name>'")?;
        return write_merge_in_progress(d, w);
    }
    let mut rows = vec![
        [
            "TRACK",
            "KIND",
            "STATUS",
            "OWNER",
            "BRANCH",
            "WORKTREE",
            "AHEAD",
            "BEHIND",
            "LAST COMMIT",
            "OVERLAPS",
            "BLOCKED BY",
            "VIOLATIONS",
            "MERGED",
        ]
        .map(|h| paint(Paint::Heading, h))
        .to_vec(),
    ];
    rows.extend(d.tracks.iter().map(row));
    table(&rows, w)?;
    write_merge_in_progress(d, w)
}

fn write_merge_in_progress(d: &Dashboard, w: &mut dyn Write) -> io::Result<()> {
    if let Some(stop) = d.sync_in_progress.as_ref().and_then(|s| s.stopped.as_ref()) {
        writeln!(
            w,
            "\nsync stopped at a conflict: track '{}' in {}",
            stop.track, stop.worktree
        )?;
        if !stop.paths.is_empty() {
            writeln!(w, "  conflicted: {}", stop.paths.join(", "))?;
        }
        writeln!(
            w,
            "  go on with 'git track sync --continue', or 'git track sync --abort'"
        )?;
    }
    let Some(m) = &d.merge_in_progress else {
        return Ok(());
    };
    let track = m.track.as_deref().unwrap_or("-");
    let state = match m.state.as_str() {
        "conflict" | "gate-failed" => paint(Paint::Conflict, &m.state),
        other => paint(Paint::Attention, other),
    };
    writeln!(
        w,
        "\nmerge in progress: {state} at step {} ({track})",
        m.step
    )?;
    if let Some(wt) = &m.worktree {
        writeln!(w, "  in {wt}")?;
    }
    if !m.paths.is_empty() {
        writeln!(
            w,
            "  conflicted: {}",
            paint(Paint::Conflict, &quote_list(&m.paths))
        )?;
    }
    writeln!(
        w,
        "  go on with 'git track merge --continue', or 'git track merge --skip' / '--abort'"
    )
}

fn row(t: &TrackStatus) -> Vec<String> {
    let number = |n: Option<usize>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let worktree = match &t.worktree {
        None => "-".to_owned(),
        Some(wt) if !wt.present => paint(Paint::Attention, "missing"),
        Some(wt) if wt.dirty == Some(true) => paint(Paint::Attention, "dirty"),
        // Not looked at: the track's branch is broken.
        Some(wt) if wt.dirty.is_none() => "unknown".to_owned(),
        Some(_) => "clean".to_owned(),
    };
    let last = match &t.last_commit {
        None if t.broken.is_some() => paint(Paint::Violation, "broken branch"),
        None => "no branch".to_owned(),
        Some(time) => {
            let mut s = time.replace('T', " ").trim_end_matches('Z').to_owned();
            if t.stuck {
                s.push_str(" (stuck)");
            }
            if t.stale {
                s.push_str(" (stale)");
            }
            match (t.stuck, t.stale) {
                (true, _) => paint(Paint::Violation, &s),
                (false, true) => paint(Paint::Attention, &s),
                (false, false) => s,
            }
        }
    };
    let merged = if t.merged {
        paint(Paint::Good, "yes")
    } else if t.merges_cleanly == Some(false) {
        paint(Paint::Violation, "no (needs sync)")
    } else {
        "no".to_owned()
    };
    let status = match t.status {
        Status::Blocked => paint(Paint::Attention, "blocked"),
        s => s.to_string(),
    };
    vec![
        t.name.clone(),
        t.kind.to_string(),
        status,
        or_dash(t.owner.as_deref()),
        // Say when the work judged is the remote-tracking branch's, ahead of this one.
        match &t.tip_from {
            Some(from) => format!("{} (at {from})", t.branch),
            None => t.branch.clone(),
        },
        worktree,
        number(t.ahead),
        match (t.behind, t.too_far_behind) {
            (Some(b), true) => format!("{b} (too far)"),
            (b, _) => number(b),
        },
        last,
        list_or_dash(&t.overlaps),
        list_or_dash(&t.blocked_by),
        match t.violations.len() {
            0 => "-".to_owned(),
            1 => paint(Paint::Violation, &t.violations[0].path),
            n => paint(
                Paint::Violation,
                &format!("{} (+{} more)", t.violations[0].path, n - 1),
            ),
        },
        merged,
    ]
}
