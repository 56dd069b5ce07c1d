use super::output::{Output, table};
use super::{list_or_dash, or_dash};
use git_track::lifecycle;
use git_track::refs;
use git_track::repo::Repo;
use git_track::store::{self, Stored};
use git_track::track::Track;
use serde::Serialize;
use std::io::{self, Write};

/// Show one track's definition
#[derive(clap::Args)]
pub struct Args {
    /// The track (default: the track of the current worktree)
    #[arg(value_name = "name")]
    name: Option<String>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

/// A definition as `show`, `list` and `new` print it in JSON.
#[derive(Serialize)]
pub struct TrackJson {
    #[serde(flatten)]
    pub track: Track,
    #[serde(rename = "ref")]
    pub refname: String,
    /// The definition commit the ref points to.
    pub definition: String,
}

impl TrackJson {
    pub fn new(s: &Stored) -> Self {
        TrackJson {
            track: s.track.clone(),
            refname: store::ref_name(&s.track.name),
            definition: s.commit.to_string(),
        }
    }
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let stored = match &args.name {
        Some(name) => store::load_existing(repo, name)?,
        None => lifecycle::current_track(repo, &store::list(repo)?)?,
    };
    let out = Output::new(TrackJson::new(&stored), |t, w| write_track(&t.track, w));
    Ok(match git_track::setup::failed(repo, &stored.track.name) {
        Some(what) => out
            .warn(format!(
                "track '{}' is not set up: its set-up command {what} failed",
                stored.track.name
            ))
            .hint(format!(
                "run it again with 'git track setup {}'",
                stored.track.name
            )),
        None => out,
    })
}

pub fn write_track(t: &Track, w: &mut dyn Write) -> io::Result<()> {
    let scope = if t.scope.is_empty() {
        "everything (no scope set)".to_owned()
    } else {
        t.scope.join(" ")
    };
    let mut rows = vec![
        vec!["name:".to_owned(), t.name.clone()],
        vec!["kind:".to_owned(), t.kind.to_string()],
        vec!["status:".to_owned(), t.status.to_string()],
        vec!["branch:".to_owned(), t.branch.clone()],
        vec![
            "base:".to_owned(),
            format!(
                "{} (forked at {})",
                t.base.refname,
                refs::short_id(&t.base.commit)
            ),
        ],
        vec!["worktree:".to_owned(), or_dash(t.worktree.as_deref())],
        vec!["scope:".to_owned(), scope],
        vec!["contracts:".to_owned(), list_or_dash(&t.contracts)],
        vec!["depends on:".to_owned(), list_or_dash(&t.depends_on)],
        vec!["owner:".to_owned(), or_dash(t.owner.as_deref())],
    ];
    for (label, value) in [
        ("experiment:", &t.experiment),
        ("hypothesis:", &t.hypothesis),
        ("description:", &t.description),
        ("reason:", &t.reason),
    ] {
        if let Some(v) = value {
            rows.push(vec![label.to_owned(), v.clone()]);
        }
    }
    rows.push(vec!["created:".to_owned(), t.created.clone()]);
    rows.push(vec!["updated:".to_owned(), t.updated.clone()]);
    table(&rows, w)
}
