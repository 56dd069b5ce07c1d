use super::output::Output;
use git_track::plan::experiments::{self, PickRequest, Picked};
use git_track::refs;
use git_track::repo::Repo;
use std::io::Write;

/// Pick the winner of an experiment; cancel the other tracks of its group
///
/// The winner becomes ready to merge (active, if it was in the backlog or blocked).
/// Every other track of the group is cancelled with the reason; its tip is kept under
/// refs/tracks-experiments/<group>/tips/<track>, never deleted, and its branch stays.
/// The decision (group, winner, losers and their tips, reason, and the last 'git track
/// compare' of the group if one was run here) is a commit under
/// refs/tracks-experiments/<group>/decision, and the next 'git track merge --checkpoint'
/// copies it into its Integration Notes. Worktrees of the losers are removed when clean;
/// uncommitted work refuses the pick unless --force, which saves it to a ref first.
#[derive(clap::Args)]
pub struct Args {
    /// The winning track
    #[arg(value_name = "winner")]
    winner: String,
    /// Why it won (recorded in the decision, the losers' definitions and the notes)
    #[arg(long, value_name = "text", required = true)]
    reason: String,
    /// The experiment the winner must belong to (a check against picking by mistake)
    #[arg(long, value_name = "group")]
    experiment: Option<String>,
    /// Cancel losers whose worktrees hold uncommitted work, saving that work first
    #[arg(long, short)]
    force: bool,
    /// Print one JSON object: {decision, ref, cancelled, winner}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    let picked = experiments::pick(
        repo,
        &PickRequest {
            winner: a.winner,
            reason: a.reason,
            group: a.experiment,
            force: a.force,
        },
    )?;
    let mut out = Output::new(picked.clone(), write_picked);
    for c in picked.cancelled.iter().chain(picked.winner.as_ref()) {
        if let Some(note) = &c.worktree_note {
            out = out.warn(note.clone());
        }
    }
    Ok(out.hint(format!(
        "the next 'git track merge --checkpoint' records the decision; 'git track merge {}' merges the winner",
        picked.decision.winner
    )))
}

fn write_picked(p: &Picked, w: &mut dyn Write) -> std::io::Result<()> {
    let d = &p.decision;
    writeln!(w, "experiment {}: picked {}", d.group, d.winner)?;
    for l in &d.losers {
        let status = match p.cancelled.iter().find(|c| c.name == l.track) {
            Some(_) => "cancelled",
            None => "already finished",
        };
        match (&l.tip, &l.refname) {
            (Some(tip), Some(r)) => writeln!(
                w,
                "  {}: {status}; tip {} kept as {r}",
                l.track,
                refs::short_id(tip)
            )?,
            _ => writeln!(w, "  {}: {status}; no branch", l.track)?,
        }
        if let Some(c) = p.cancelled.iter().find(|c| c.name == l.track) {
            for s in &c.saved {
                writeln!(w, "    uncommitted work saved to {s}")?;
            }
            if let Some(wt) = &c.worktree_removed {
                writeln!(w, "    removed worktree {wt}")?;
            }
        }
    }
    writeln!(w, "reason: {}", d.reason)?;
    writeln!(w, "decision: {}", p.refname)
}
