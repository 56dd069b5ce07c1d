use super::output::{Output, table};
use git_track::plan::graph::{self, Graph};
use git_track::repo::Repo;
use git_track::store;
use std::io::Write;

/// The dependency graph of the tracks, its critical path and its parallelism
///
/// Every track with its status and estimate, dependencies first. The critical path is
/// the longest chain of unfinished tracks (not done, cancelled or archived, and not
/// merged into the integration branch), each weighing its estimate ('git track edit
/// <name> --estimate <n>'; 1 when not set): no plan finishes sooner. The parallelism is
/// the largest number of unfinished tracks none of which waits for another, directly or
/// not: more agents than that cannot all be busy. --format dot prints Graphviz input
/// ('| dot -Tsvg > plan.svg'), mermaid a Mermaid flowchart, json the data.
#[derive(clap::Args)]
pub struct Args {
    /// text, dot, mermaid or json
    #[arg(long, value_name = "format", default_value = "text", value_parser = ["text", "dot", "mermaid", "json"])]
    format: String,
    /// The same as --format json
    #[arg(long)]
    pub json: bool,
}

impl Args {
    pub fn wants_json(&self) -> bool {
        self.json || self.format == "json"
    }
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    let listing = store::list(repo)?;
    let g = graph::build(repo, &listing)?;
    let mut out = match a.format.as_str() {
        "dot" => Output::new(g, |g, w| w.write_all(graph::to_dot(g).as_bytes())),
        "mermaid" => Output::new(g, |g, w| w.write_all(graph::to_mermaid(g).as_bytes())),
        _ => Output::new(g, write_text),
    };
    for i in &listing.invalid {
        out = out.warn(format!("{}: {}", i.refname, i.error));
    }
    Ok(out)
}

/// A number as a person writes it: 3, 2.5.
pub fn number(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn write_text(g: &Graph, w: &mut dyn Write) -> std::io::Result<()> {
    if g.tracks.is_empty() {
        return writeln!(w, "no tracks; start one with 'git track new <name>'");
    }
    let mut rows = vec![
        ["", "TRACK", "STATUS", "ESTIMATE", "DEPENDS ON"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for n in &g.tracks {
        let status = if n.merged && n.status != git_track::track::Status::Done {
            format!("{} (merged)", n.status)
        } else {
            n.status.to_string()
        };
        rows.push(vec![
            if n.critical { "*" } else { " " }.to_owned(),
            n.name.clone(),
            status,
            n.estimate.map_or_else(|| "-".to_owned(), number),
            super::list_or_dash(&n.depends_on),
        ]);
    }
    table(&rows, w)?;
    writeln!(w)?;
    let cp = &g.critical_path;
    if cp.tracks.is_empty() {
        writeln!(w, "critical path: none (every track is finished)")?;
    } else {
        writeln!(
            w,
            "critical path: {} (length {})",
            cp.tracks.join(" -> "),
            number(cp.length)
        )?;
    }
    let p = &g.parallelism;
    writeln!(
        w,
        "parallelism: {}{}",
        p.width,
        if p.tracks.is_empty() {
            String::new()
        } else {
            format!(" ({})", p.tracks.join(", "))
        }
    )?;
    for m in &g.missing {
        writeln!(
            w,
            "note: '{}' depends on '{}', which has no definition",
            m.track, m.depends_on
        )?;
    }
    Ok(())
}
