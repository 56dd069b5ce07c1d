use super::output::{Output, table};
use super::{list_or_dash, or_dash};
use git_track::refs;
use git_track::repo::Repo;
use git_track::status::{self, Dashboard, TrackStatus};
use git_track::store;
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
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object: {integration, stale_after_secs, tracks: [...], merge_in_progress} (see the README)
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, _args: Args) -> anyhow::Result<Output> {
    let listing = store::list(repo)?;
    let dashboard = status::dashboard(repo, &listing.tracks)?;
    let missing_integration = !dashboard.integration.exists && !dashboard.tracks.is_empty();
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
    Ok(out)
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
        .map(str::to_owned)
        .to_vec(),
    ];
    rows.extend(d.tracks.iter().map(row));
    table(&rows, w)?;
    write_merge_in_progress(d, w)
}

fn write_merge_in_progress(d: &Dashboard, w: &mut dyn Write) -> io::Result<()> {
    let Some(m) = &d.merge_in_progress else {
        return Ok(());
    };
    let track = m.track.as_deref().unwrap_or("-");
    writeln!(
        w,
        "\nmerge in progress: {} at step {} ({track})",
        m.state, m.step
    )?;
    if let Some(wt) = &m.worktree {
        writeln!(w, "  in {wt}")?;
    }
    if !m.paths.is_empty() {
        writeln!(w, "  conflicted: {}", m.paths.join(", "))?;
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
        Some(wt) if !wt.present => "missing".to_owned(),
        Some(wt) if wt.dirty == Some(true) => "dirty".to_owned(),
        Some(_) => "clean".to_owned(),
    };
    let last = match &t.last_commit {
        None => "no branch".to_owned(),
        Some(time) => {
            let mut s = time.replace('T', " ").trim_end_matches('Z').to_owned();
            if t.stale {
                s.push_str(" (stale)");
            }
            s
        }
    };
    let mut merged = if t.merged { "yes" } else { "no" }.to_owned();
    if t.merges_cleanly == Some(false) {
        merged.push_str(" (needs sync)");
    }
    vec![
        t.name.clone(),
        t.kind.to_string(),
        t.status.to_string(),
        or_dash(t.owner.as_deref()),
        // Say when the work judged is the remote-tracking branch's, ahead of this one.
        match &t.tip_from {
            Some(from) => format!("{} (at {from})", t.branch),
            None => t.branch.clone(),
        },
        worktree,
        number(t.ahead),
        number(t.behind),
        last,
        list_or_dash(&t.overlaps),
        list_or_dash(&t.blocked_by),
        match t.violations.len() {
            0 => "-".to_owned(),
            1 => t.violations[0].path.clone(),
            n => format!("{} (+{} more)", t.violations[0].path, n - 1),
        },
        merged,
    ]
}
