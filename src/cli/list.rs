use super::or_dash;
use super::output::{Output, table};
use super::show::TrackJson;
use git_track::repo::Repo;
use git_track::store::{self, Invalid};
use serde::Serialize;

/// List the tracks: name, kind, status, owner, branch, worktree
///
/// A definition that cannot be read is reported with its ref name on stderr; the other
/// tracks are still listed.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    filter: super::filter::FilterArgs,
    /// Print one JSON object: {tracks: [...], invalid: [{ref, error}]}
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Listing {
    tracks: Vec<TrackJson>,
    invalid: Vec<Invalid>,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let filter = args.filter.filter()?;
    let mut listing = store::list(repo)?;
    listing.tracks.retain(|s| filter.matches(&s.track));
    let mut warnings = Vec::new();
    for i in &listing.invalid {
        warnings.push(format!("{}: {}", i.refname, i.error));
    }
    let data = Listing {
        tracks: listing.tracks.iter().map(TrackJson::new).collect(),
        invalid: listing.invalid,
    };
    let mut out = Output::new(data, |d, w| {
        let rows: Vec<Vec<String>> = d
            .tracks
            .iter()
            .map(|t| {
                let t = &t.track;
                vec![
                    t.name.clone(),
                    t.kind.to_string(),
                    t.status.to_string(),
                    or_dash(t.owner.as_deref()),
                    t.branch.clone(),
                    or_dash(t.worktree.as_deref()),
                ]
            })
            .collect();
        table(&rows, w)
    });
    for w in warnings {
        out = out.warn(w);
    }
    Ok(out)
}
