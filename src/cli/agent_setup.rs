use super::output::Output;
use crate::cli::failure::Failure;
use git_track::agents::{self, Configured, FileAction};
use git_track::lifecycle;
use git_track::repo::Repo;
use git_track::store;
use serde::Serialize;

/// Fence an agent: write its pre-edit hook into each track's worktree
///
/// Writes the hook configuration of <agent> into the worktree of each named track (or of
/// every track with --all, or of the current worktree's track), merged with what the file
/// already holds: claude-code .claude/settings.local.json (PreToolUse), codex
/// .codex/hooks.json (PreToolUse), gemini .gemini/settings.json (BeforeTool), cursor
/// .cursor/hooks.json (preToolUse). The hook runs 'git track check --format <agent>', so
/// an agent started in the worktree is held to the track's scope and warned of collisions
/// with other tracks. A file the worktree does not track is listed in the repository's
/// info/exclude, so it never counts as uncommitted work.
#[derive(clap::Args)]
pub struct Args {
    /// The agent
    #[arg(value_name = "agent", value_parser = clap::builder::PossibleValuesParser::new(agents::NAMES))]
    agent: String,
    /// The tracks (default: the track of the current worktree)
    #[arg(value_name = "name", conflicts_with = "all")]
    names: Vec<String>,
    /// Every track that has a worktree
    #[arg(long)]
    all: bool,
    /// Print one JSON object: {agent, configured: [{track, file, action, excluded}], skipped}
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Done {
    track: String,
    #[serde(flatten)]
    configured: Configured,
}

#[derive(Serialize)]
struct Report {
    agent: String,
    configured: Vec<Done>,
    skipped: Vec<String>,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let listing = store::list(repo)?;
    let tracks: Vec<store::Stored> = if args.all {
        listing.tracks.clone()
    } else if args.names.is_empty() {
        vec![lifecycle::current_track(repo, &listing)?]
    } else {
        args.names
            .iter()
            .map(|n| store::load_existing(repo, n))
            .collect::<anyhow::Result<_>>()?
    };
    let mut report = Report {
        agent: args.agent.clone(),
        configured: Vec::new(),
        skipped: Vec::new(),
    };
    for s in &tracks {
        match lifecycle::find_worktree(repo, &s.track)? {
            Some(wt) => report.configured.push(Done {
                track: s.track.name.clone(),
                configured: agents::configure(repo, &args.agent, &wt)?,
            }),
            None if args.all => report.skipped.push(s.track.name.clone()),
            None => {
                return Err(Failure::usage(format!(
                    "track '{}' has no worktree to configure",
                    s.track.name
                ))
                .into());
            }
        }
    }
    let mut notes = Vec::new();
    for d in &report.configured {
        notes.push(note(&d.track, &d.configured));
    }
    for name in &report.skipped {
        notes.push(format!("Skipped '{name}': no worktree"));
    }
    let mut out = Output::new(report, |_, _| Ok(()));
    for n in notes {
        out = out.info(n);
    }
    Ok(out)
}

/// One note on what was written where.
pub fn report(out: Output, track: &str, c: &Configured) -> Output {
    out.info(note(track, c))
}

fn note(track: &str, c: &Configured) -> String {
    let what = match c.action {
        FileAction::Created => "Wrote",
        FileAction::Updated => "Added the hook to",
        FileAction::Unchanged => "Already fenced:",
    };
    format!("{what} {} ({} hook for track '{track}')", c.file, c.agent)
}
