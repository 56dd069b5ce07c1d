use super::output::{Output, Paint, paint};
use git_track::refs;
use git_track::repo::{Repo, utc_timestamp};
use git_track::store;
use serde::Serialize;

/// Show the history of definition changes, newest first
///
/// Without a name, the history of every track. The same history is in git:
/// `git log -p refs/tracks/<name>`.
#[derive(clap::Args)]
pub struct Args {
    /// The track (default: every track)
    #[arg(value_name = "name")]
    name: Option<String>,
    /// Print one JSON object: {entries: [{track, commit, time, author, message}]}
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct History {
    entries: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    track: String,
    commit: String,
    time: String,
    author: String,
    message: String,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let names: Vec<String> = match args.name {
        Some(n) => vec![n],
        None => store::list(repo)?
            .tracks
            .into_iter()
            .map(|s| s.track.name)
            .collect(),
    };
    let mut entries = Vec::new();
    for name in names {
        for h in store::history(repo, &name)? {
            entries.push((
                h.time,
                Entry {
                    track: name.clone(),
                    commit: h.commit.to_string(),
                    time: utc_timestamp(h.time),
                    author: h.author,
                    message: h.message,
                },
            ));
        }
    }
    // Newest first; a stable sort keeps each track's own order on equal times.
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    let entries: Vec<Entry> = entries.into_iter().map(|(_, e)| e).collect();
    Ok(Output::new(History { entries }, |h, w| {
        for e in &h.entries {
            let id = paint(Paint::Commit, refs::short_id(&e.commit));
            writeln!(w, "{id} {} {}", e.time, e.message)?;
        }
        Ok(())
    }))
}
