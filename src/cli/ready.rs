use super::output::{Output, table};
use git_track::plan::ready::{self, Ready, ReadyTrack};
use git_track::repo::Repo;
use git_track::store;
use std::io::Write;

/// The tracks that can start or be merged now
///
/// Can start: backlog or blocked tracks whose dependencies are all merged. Can merge:
/// active tracks with commits of their own whose dependencies are all merged — what
/// 'git track merge' without names takes. A dependency counts as satisfied only once
/// its work is merged into the integration branch, not when it is done on its own
/// branch. Then the unfinished tracks that can do neither, and why.
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object: {integration, start: [{track, status, reason}], merge: [...], waiting: [...]}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, _a: Args) -> anyhow::Result<Output> {
    let listing = store::list(repo)?;
    let r = ready::ready(repo, &listing)?;
    let mut out = Output::new(r, write_ready);
    for i in &listing.invalid {
        out = out.warn(format!("{}: {}", i.refname, i.error));
    }
    Ok(out)
}

fn write_ready(r: &Ready, w: &mut dyn Write) -> std::io::Result<()> {
    let section = |title: &str, entries: &[ReadyTrack], w: &mut dyn Write| -> std::io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        writeln!(w, "{title}:")?;
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                vec![
                    format!("  {}", e.track),
                    e.status.to_string(),
                    e.reason.clone(),
                ]
            })
            .collect();
        table(&rows, w)
    };
    if r.start.is_empty() && r.merge.is_empty() && r.waiting.is_empty() {
        return writeln!(w, "no unfinished tracks");
    }
    section("can start", &r.start, w)?;
    section("can merge", &r.merge, w)?;
    section("waiting", &r.waiting, w)
}
