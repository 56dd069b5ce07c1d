use super::output::{Output, table};
use git_track::progress::Progress;
use git_track::prune::{self, MergedBy, Options};
use git_track::repo::Repo;

/// Remove the worktrees of tracks already merged into the integration branch
///
/// A track is merged when its branch tip is in the integration branch's history, or when
/// its change is already in the integration tip (it was squash- or rebase-merged: merging
/// it again would change nothing). Its worktree is removed only when it holds no
/// uncommitted or untracked work; every other track is listed with the reason it was
/// kept. The definition stays, without its worktree, and an active or blocked track
/// becomes done. --delete-branches also deletes merged branches; one merged by content
/// has commits the integration branch lacks, so its tip is first saved under
/// refs/tracks-backup/<name>/. Unmerged commits are never deleted.
#[derive(clap::Args)]
pub struct Args {
    /// Say what would be removed and kept, and change nothing
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Delete the branches of merged tracks too
    #[arg(long)]
    delete_branches: bool,
    /// Print one JSON object: {integration, dry_run, pruned: [...], kept: [{track, reason}]}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, args: Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    let report = prune::prune(
        repo,
        Options {
            dry_run: args.dry_run,
            delete_branches: args.delete_branches,
        },
        progress,
    )?;
    let mut notes = Vec::new();
    for p in &report.pruned {
        let how = match p.merged {
            MergedBy::Ancestry => "merged",
            MergedBy::Content => "merged by content (squash or rebase)",
        };
        let verb = if report.dry_run {
            "Would remove"
        } else {
            "Removed"
        };
        let mut what = Vec::new();
        if let Some(w) = &p.worktree {
            what.push(format!("worktree {w}"));
        }
        if let Some(b) = &p.branch {
            what.push(format!("branch {b}"));
        }
        notes.push(format!(
            "{verb} {} of '{}' ({how})",
            what.join(" and "),
            p.track
        ));
        for s in &p.saved {
            notes.push(format!("Saved the tip of '{}' to {s}", p.track));
        }
    }
    let mut out = Output::new(report, |r, w| {
        let rows: Vec<Vec<String>> = r
            .kept
            .iter()
            .map(|k| vec![k.track.clone(), format!("kept: {}", k.reason)])
            .collect();
        table(&rows, w)
    });
    for n in notes {
        out = out.info(n);
    }
    Ok(out)
}
