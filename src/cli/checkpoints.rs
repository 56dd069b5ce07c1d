use super::output::Output;
use crate::cli::failure::Failure;
use git_track::merge::notes::{self, CheckpointEntry, RecordSource};
use git_track::refs;
use git_track::repo::Repo;
use git_track::scope::paths::{quote, quote_list};
use serde::Serialize;

/// List the checkpoints (Integration Notes) of the integration branch, newest first
///
/// Reads each checkpoint commit on the branch's first-parent history and the TOML note
/// attached to it under refs/notes/tracks; when the note is missing (not fetched), what
/// the commit's trailers hold is shown instead.
#[derive(clap::Args)]
pub struct Args {
    /// The integration branch [default: track.integration]
    #[arg(long, value_name = "branch")]
    branch: Option<String>,
    /// Print one JSON object: {branch, checkpoints: [...]} (keys in the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Listing {
    branch: String,
    checkpoints: Vec<CheckpointEntry>,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let branch = args
        .branch
        .unwrap_or_else(|| repo.settings.integration.clone());
    let tip = repo
        .ref_target(&refs::branch_ref(&branch))?
        .ok_or_else(|| {
            Failure::usage(format!("no branch named '{branch}'"))
                .hint("name the integration branch with --branch <branch>")
        })?;
    let checkpoints = notes::list(repo, tip)?;
    let warnings: Vec<String> = checkpoints
        .iter()
        .filter_map(|e| {
            e.note_error
                .as_ref()
                .map(|err| format!("the note of checkpoint {}: {err}", e.commit))
        })
        .collect();
    let mut out = Output::new(
        Listing {
            branch,
            checkpoints,
        },
        |l, w| {
            if l.checkpoints.is_empty() {
                return writeln!(w, "no checkpoints on '{}'", l.branch);
            }
            for e in &l.checkpoints {
                write_checkpoint(e, w)?;
            }
            Ok(())
        },
    );
    for warning in warnings {
        out = out.warn(warning);
    }
    Ok(out)
}

/// One checkpoint: its number, commit and date, then what it merged and met.
fn write_checkpoint(e: &CheckpointEntry, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let r = &e.record;
    writeln!(
        w,
        "checkpoint {}  {}  {}{}",
        r.checkpoint,
        refs::short_id(&e.commit),
        r.created,
        if e.source == RecordSource::Trailers {
            "  (no note: from trailers)"
        } else {
            ""
        }
    )?;
    for (i, m) in r.merged.iter().enumerate() {
        writeln!(
            w,
            "  {}. {}  {} file{}, +{} -{}",
            i + 1,
            m.track,
            m.files,
            if m.files == 1 { "" } else { "s" },
            m.insertions,
            m.deletions
        )?;
    }
    for o in &r.overlaps {
        writeln!(w, "  overlap: {} ({})", o.path, o.tracks.join(", "))?;
    }
    for c in &r.conflicts {
        writeln!(
            w,
            "  conflict: {} in {} ({})",
            c.track,
            quote_list(&c.paths),
            c.resolution.describe()
        )?;
    }
    for s in &r.skipped {
        writeln!(w, "  skipped: {} ({})", s.track, s.reason)?;
    }
    for p in &r.pending {
        writeln!(w, "  pending: {} ({})", p.track, p.reason)?;
    }
    for v in &r.violations {
        writeln!(
            w,
            "  violation: {} {} ({})",
            v.track,
            quote(&v.path),
            v.reason.replace('_', " ")
        )?;
    }
    Ok(())
}
