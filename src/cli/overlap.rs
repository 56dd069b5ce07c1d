use super::output::{Output, Paint, paint};
use git_track::overlap::{self, Level, Pair, Report};
use git_track::progress::Progress;
use git_track::refs::short_id;
use git_track::repo::Repo;
use git_track::scope::paths::{quote, quote_list};
use git_track::store::{self, Stored};
use git_track::track::Status;
use std::io::{self, Write};

/// Show which tracks collide: shared files, touching lines, real conflicts
///
/// Each track is merged into the integration branch in memory, and what it brings there
/// is compared with what the others bring. A track that does not merge into the
/// integration branch by itself is reported as such (it needs a sync) and compared by its
/// own diff from its fork point. Nothing is written: no ref, no object, no file outside
/// the cache in $(git rev-parse --git-common-dir)/track/.
///
/// Levels: 'files' lists paths two tracks both change; 'hunks' adds the changed line
/// ranges that overlap or touch (git conflicts on adjacent changes); 'conflicts' merges
/// the pairs in memory and says whether merging A and then B into the integration branch
/// would really conflict, as git's own merge would.
///
/// Exit status: 0 when nothing is found at the level asked, 1 when something is (a pair,
/// or a track that does not merge cleanly into the integration branch).
#[derive(clap::Args)]
pub struct Args {
    /// The tracks to compare (default: every active or blocked track)
    #[arg(value_name = "name")]
    names: Vec<String>,
    /// How far to look
    #[arg(long, value_name = "level", default_value = "files",
          value_parser = ["files", "hunks", "conflicts"])]
    level: String,
    /// Count uncommitted work in each track's worktree (staged, unstaged, untracked)
    #[arg(long)]
    worktree: bool,
    /// Print one JSON object: {integration, tracks, pairs, ...} (see the README)
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, args: Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    let level: Level = args.level.parse()?;
    let tracks = select(repo, &args.names)?;
    let options = overlap::Options {
        level,
        worktree: args.worktree,
    };
    let report = overlap::analyze_with_progress(repo, &tracks, &options, progress)?;
    let mut warnings = Vec::new();
    if !report.integration.exists {
        warnings.push(format!(
            "the integration branch '{}' does not exist yet; comparing against '{}'",
            report.integration.branch,
            report.integration.base.as_deref().unwrap_or("the base")
        ));
    }
    for s in &report.skipped {
        warnings.push(format!("track '{}' left out: {}", s.name, s.reason));
    }
    let code = i32::from(report.found());
    let mut out = Output::new(report, |r, w| write_report(r, w)).code(code);
    for warning in warnings {
        out = out.warn(warning);
    }
    Ok(out)
}

/// The named tracks, or every active or blocked one.
pub fn select(repo: &Repo, names: &[String]) -> anyhow::Result<Vec<Stored>> {
    if names.is_empty() {
        let listing = store::list(repo)?;
        return Ok(listing
            .tracks
            .into_iter()
            .filter(|s| matches!(s.track.status, Status::Active | Status::Blocked))
            .collect());
    }
    names
        .iter()
        .map(|name| store::load_existing(repo, name))
        .collect()
}

fn write_report(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    if r.integration.exists {
        writeln!(
            w,
            "integration: {} at {}",
            r.integration.branch,
            short_id(&r.integration.tip)
        )?;
    } else {
        writeln!(
            w,
            "integration: {} (does not exist yet; compared against {} at {})",
            r.integration.branch,
            r.integration.base.as_deref().unwrap_or("the base"),
            short_id(&r.integration.tip)
        )?;
    }
    writeln!(
        w,
        "level: {}; {} track(s) compared",
        r.level.as_str(),
        r.tracks.len()
    )?;
    for t in r.tracks.iter() {
        if let Some(from) = &t.tip_from {
            writeln!(
                w,
                "{}: compared at {from}, ahead of the local branch",
                t.name
            )?;
        }
    }
    for t in r.tracks.iter().filter(|t| !t.merges_cleanly) {
        let what = format!(
            "{} does not merge cleanly into {} (it needs a sync)",
            t.name, r.integration.branch
        );
        writeln!(
            w,
            "\n{}: {}",
            paint(Paint::Violation, &what),
            quote_list(&t.paths)
        )?;
    }
    let shown: Vec<&Pair> = r.pairs.iter().collect();
    if shown.is_empty() && r.tracks.iter().all(|t| t.merges_cleanly) {
        writeln!(w, "\n{}", paint(Paint::Good, "no overlap"))?;
        return Ok(());
    }
    for p in shown {
        write_pair(r.level, p, w)?;
    }
    Ok(())
}

/// One pair: its headline, each shared file with the lines that touch, its conflicts.
fn write_pair(level: Level, p: &Pair, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "\n{} and {}: {}", p.a, p.b, headline(level, p))?;
    for f in &p.files {
        let mut line = format!(
            "  {}  {} | {}",
            quote(&f.path),
            describe(&f.a, &p.a),
            describe(&f.b, &p.b)
        );
        if f.same_change {
            line.push_str("  (same change)");
        }
        writeln!(w, "{line}")?;
        for h in p.hunks.iter().filter(|h| h.path == f.path) {
            writeln!(
                w,
                "    lines {} ({}) {} lines {} ({})",
                range(h.a),
                p.a,
                if h.same_change { "same as" } else { "touch" },
                range(h.b),
                p.b,
            )?;
        }
        for u in p.unjudged.iter().filter(|u| u.path == f.path) {
            writeln!(w, "    {} change: lines cannot tell", u.reason)?;
        }
    }
    if !p.conflict_paths.is_empty() {
        writeln!(
            w,
            "  conflicts in: {}",
            paint(Paint::Conflict, &quote_list(&p.conflict_paths))
        )?;
    }
    Ok(())
}

fn headline(level: Level, p: &Pair) -> String {
    let files = format!(
        "{} shared file{}",
        p.files.len(),
        if p.files.len() == 1 { "" } else { "s" }
    );
    let verdict = match level {
        Level::Files => String::new(),
        Level::Hunks => {
            if p.found {
                format!(", {}", paint(Paint::Attention, "changes touch"))
            } else if p.files.iter().all(|f| f.same_change) {
                ", same changes".to_owned()
            } else {
                ", separate lines".to_owned()
            }
        }
        Level::Conflicts => match p.conflict {
            Some(true) => format!(", {}", paint(Paint::Conflict, "CONFLICT")),
            Some(false) => format!(", {}", paint(Paint::Good, "merge cleanly")),
            None => ", not judged (a track does not merge into the integration branch)".to_owned(),
        },
    };
    format!("{files}{verdict}")
}

fn describe(side: &overlap::FileSide, track: &str) -> String {
    let mut s = side.change.as_str().to_owned();
    if let Some(to) = &side.to {
        s.push_str(&format!(" to {to}"));
    }
    if let Some(from) = &side.from {
        s.push_str(&format!(" from {from}"));
    }
    if let Some(at) = &side.at {
        s = format!("{s} {at}");
    }
    if !side.in_scope {
        let outside = format!("(outside {track}'s scope)");
        s.push_str(&format!(" {}", paint(Paint::Violation, &outside)));
    }
    s
}

/// `[start, end]` as a person reads it: `10-12`, `10`, or `before 10` for an insertion.
pub fn range([start, end]: [u32; 2]) -> String {
    if end < start {
        format!("before {start}")
    } else if end == start {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
}
