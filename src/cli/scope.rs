use super::output::{Output, table};
use crate::cli::failure::Failure;
use git_track::refs;
use git_track::repo::Repo;
use git_track::scope::claims::{self, Report};
use git_track::scope::paths::quote;
use git_track::scope::shared;
use git_track::store;
use git_track::track::Track;
use std::io::{self, Write};

/// Show which files of the current tree each track's scope claims
///
/// For HEAD's tree (the base's in a bare repository): the files each active, backlog or
/// blocked track claims, the files two or more tracks claim, the shared files
/// (track.sharedPaths, .gittracks) and the files no track claims. A track with no scope
/// may change everything and claims nothing in particular; it is listed as unscoped.
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object: {tree, files, tracks: [{name, scope, files}], unscoped,
    /// contested: [{path, tracks}], unclaimed, shared}
    #[arg(long)]
    pub json: bool,
}

/// How many files of a list the text output shows.
const SHOWN: usize = 20;

pub fn run(repo: &Repo, _args: Args) -> anyhow::Result<Output> {
    let listing = store::list(repo)?;
    let shared = shared::load(repo)?;
    let commit = match repo.try_resolve_commit("HEAD") {
        Some(c) => c,
        None => repo
            .try_resolve_commit(&repo.settings.base)
            .ok_or_else(|| {
                Failure::usage("there is no commit to look at yet")
                    .hint("make a first commit, then run 'git track scope' again")
            })?,
    };
    let tree = git_track::scope::changes::tree_of(&repo.gix, commit)?;
    let report = claims::report(repo, &listing, &shared, tree)?;
    Ok(Output::new(report, write_report))
}

fn write_report(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "tree {}: {} files", refs::short_id(&r.tree), r.files)?;
    let mut rows = vec![vec![
        "track".to_owned(),
        "files".to_owned(),
        "scope".to_owned(),
    ]];
    for t in &r.tracks {
        rows.push(vec![
            t.name.clone(),
            t.files.len().to_string(),
            t.scope.join(" "),
        ]);
    }
    for u in &r.unscoped {
        rows.push(vec![
            u.clone(),
            "-".to_owned(),
            "everything (no scope set)".to_owned(),
        ]);
    }
    if rows.len() > 1 {
        writeln!(w)?;
        table(&rows, w)?;
    }
    writeln!(w)?;
    writeln!(w, "claimed by two or more tracks: {}", r.contested.len())?;
    let contested: Vec<Vec<String>> = r
        .contested
        .iter()
        .take(SHOWN)
        .map(|c| vec![format!("    {}", quote(&c.path)), c.tracks.join(", ")])
        .collect();
    table(&contested, w)?;
    more(r.contested.len(), w)?;
    writeln!(w, "shared: {}", r.shared.len())?;
    writeln!(w, "claimed by no track: {}", r.unclaimed.len())?;
    for p in r.unclaimed.iter().take(SHOWN) {
        writeln!(w, "    {p}")?;
    }
    more(r.unclaimed.len(), w)
}

fn more(n: usize, w: &mut dyn Write) -> io::Result<()> {
    if n > SHOWN {
        writeln!(w, "    ... and {} more (--json lists all)", n - SHOWN)?;
    }
    Ok(())
}

/// Warnings for a track whose scope was just set: files of its branch's tree that other
/// tracks' scopes claim too. Never an error: a lint that fails says so and stops.
pub fn lint_warnings(repo: &Repo, track: &Track) -> Vec<String> {
    match lint(repo, track) {
        Ok(w) => w,
        Err(e) => vec![format!(
            "could not check the scope of '{}' for overlaps: {e:#}",
            track.name
        )],
    }
}

fn lint(repo: &Repo, track: &Track) -> anyhow::Result<Vec<String>> {
    if !claims::claims_something(&track.scope) || !claims::is_live(track) {
        return Ok(Vec::new());
    }
    let tip = repo
        .ref_target(&track.branch_ref())?
        .or_else(|| repo.try_resolve_commit("HEAD"));
    let Some(tip) = tip else {
        return Ok(Vec::new());
    };
    let listing = store::list(repo)?;
    let tree = git_track::scope::changes::tree_of(&repo.gix, tip)?;
    let overlaps = claims::overlaps(repo, &listing, track, tree, 3)?;
    Ok(overlaps
        .iter()
        .map(|o| {
            let more = if o.count > o.examples.len() {
                format!(", and {} more", o.count - o.examples.len())
            } else {
                String::new()
            };
            format!(
                "the scope of '{}' claims {} that track '{}' also claims: {}{more}",
                track.name,
                if o.count == 1 {
                    "1 file".to_owned()
                } else {
                    format!("{} files", o.count)
                },
                o.track,
                o.examples.join(", ")
            )
        })
        .collect())
}
