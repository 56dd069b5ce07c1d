//! The dependency graph: tracks in layers by dependency, coloured by status, the
//! critical path marked.

use super::esc;
use git_track::report::Report;
use git_track::status::TrackStatus;
use git_track::track::Status;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Each track's column in the graph: one more than its deepest dependency.
fn layers(r: &Report) -> BTreeMap<&str, usize> {
    let deps: BTreeMap<&str, Vec<&str>> = r
        .definitions
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.depends_on.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    fn layer<'a>(
        n: &'a str,
        deps: &BTreeMap<&'a str, Vec<&'a str>>,
        memo: &mut BTreeMap<&'a str, usize>,
        seen: &mut Vec<&'a str>,
    ) -> usize {
        if let Some(l) = memo.get(n) {
            return *l;
        }
        if seen.contains(&n) {
            return 0; // a cycle edited in by hand: cut it
        }
        seen.push(n);
        let l = deps
            .get(n)
            .into_iter()
            .flatten()
            .filter(|d| deps.contains_key(*d))
            .map(|d| layer(d, deps, memo, seen) + 1)
            .max()
            .unwrap_or(0);
        seen.pop();
        memo.insert(n, l);
        l
    }
    let mut memo = BTreeMap::new();
    for n in deps.keys() {
        layer(n, &deps, &mut memo, &mut Vec::new());
    }
    memo
}

fn status_colour(t: &TrackStatus, stuck: bool) -> (&'static str, &'static str) {
    if !t.violations.is_empty() || t.merges_cleanly == Some(false) || stuck {
        ("#ffebe9", "#cf222e")
    } else if t.merged || t.status == Status::Done {
        ("#dafbe1", "#1a7f37")
    } else if t.status == Status::Blocked || !t.blocked_by.is_empty() || t.stale {
        ("#fff8c5", "#9a6700")
    } else if matches!(
        t.status,
        Status::Cancelled | Status::Archived | Status::Backlog
    ) {
        ("#f6f8fa", "#8c959f")
    } else {
        ("#ddf4ff", "#0969da")
    }
}

pub(super) fn graph(h: &mut String, r: &Report) {
    h.push_str("<section id=\"graph\"><h2>Dependency graph</h2>");
    if r.status.tracks.is_empty() {
        h.push_str("<p class=\"muted\">No tracks.</p></section>\n");
        return;
    }
    let Layout { at, width, height } = layout(r);
    let _ = write!(
        h,
        "<div class=\"graph\"><svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"dependency graph\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#8c959f\"/></marker>\
         <marker id=\"arrow-crit\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#bc4c00\"/></marker></defs>"
    );
    edges(h, r, &at);
    nodes(h, r, &at);
    h.push_str("</svg></div>");
    h.push_str(LEGEND);
    if !r.graph.critical_path.tracks.is_empty() {
        let _ = write!(
            h,
            "<p>Critical path: <b>{}</b></p>",
            r.graph
                .critical_path
                .tracks
                .iter()
                .map(|n| esc(n))
                .collect::<Vec<_>>()
                .join(" &rarr; ")
        );
    }
    h.push_str("</section>\n");
}

/// A track's box, and the gaps and margin around the boxes.
const BOX_W: f64 = 170.0;
const BOX_H: f64 = 58.0;
const GAP_X: f64 = 56.0;
const GAP_Y: f64 = 16.0;
const PAD: f64 = 16.0;

/// Where each track's box goes (a column per dependency layer), and the picture's size.
struct Layout<'r> {
    at: BTreeMap<&'r str, (f64, f64)>,
    width: f64,
    height: f64,
}

fn layout(r: &Report) -> Layout<'_> {
    let layers = layers(r);
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    let mut at: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for t in &r.status.tracks {
        let l = layers.get(t.name.as_str()).copied().unwrap_or(0);
        let row = rows.entry(l).or_default();
        at.insert(
            &t.name,
            (
                PAD + l as f64 * (BOX_W + GAP_X),
                PAD + *row as f64 * (BOX_H + GAP_Y),
            ),
        );
        *row += 1;
    }
    let cols = rows.keys().max().map_or(1, |m| m + 1);
    let max_rows = rows.values().max().copied().unwrap_or(1);
    Layout {
        at,
        width: PAD * 2.0 + cols as f64 * BOX_W + (cols - 1) as f64 * GAP_X,
        height: PAD * 2.0 + max_rows as f64 * BOX_H + (max_rows - 1) as f64 * GAP_Y,
    }
}

/// An arrow from each dependency to the track that needs it; bold on the critical path.
fn edges(h: &mut String, r: &Report, at: &BTreeMap<&str, (f64, f64)>) {
    let (w, hgt, gap_x) = (BOX_W, BOX_H, GAP_X);
    let critical = &r.graph.critical_path.tracks;
    let on_path = |a: &str, b: &str| critical.windows(2).any(|p| p[0] == a && p[1] == b);
    for d in &r.definitions {
        let Some(&(x2, y2)) = at.get(d.name.as_str()) else {
            continue;
        };
        for dep in &d.depends_on {
            let Some(&(x1, y1)) = at.get(dep.as_str()) else {
                continue;
            };
            let (sx, sy, ex, ey) = (x1 + w, y1 + hgt / 2.0, x2, y2 + hgt / 2.0);
            let crit = on_path(dep, &d.name);
            let _ = write!(
                h,
                "<path class=\"edge{}\" data-from=\"{}\" data-to=\"{}\" d=\"M{sx},{sy} C{},{sy} {},{ey} {ex},{ey}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" marker-end=\"url(#{})\"/>",
                if crit { " critical" } else { "" },
                esc(dep),
                esc(&d.name),
                sx + gap_x / 2.0,
                ex - gap_x / 2.0,
                if crit { "#bc4c00" } else { "#8c959f" },
                if crit { "3" } else { "1.5" },
                if crit { "arrow-crit" } else { "arrow" },
            );
        }
    }
}

/// A box per track: its name, status and owner, coloured by status; an experiment's
/// box dashed.
fn nodes(h: &mut String, r: &Report, at: &BTreeMap<&str, (f64, f64)>) {
    let (w, hgt) = (BOX_W, BOX_H);
    let critical = &r.graph.critical_path.tracks;
    for (i, t) in r.status.tracks.iter().enumerate() {
        let (x, y) = at[t.name.as_str()];
        let stuck = t.stuck;
        let (fill, stroke) = status_colour(t, stuck);
        let crit = critical.contains(&t.name);
        let experiment = r
            .definitions
            .iter()
            .find(|d| d.name == t.name)
            .and_then(|d| d.experiment.as_deref());
        let mut line2 = format!(
            "{} · {}",
            t.status,
            t.owner.as_deref().unwrap_or("no owner")
        );
        if t.merged {
            line2.push_str(" · merged");
        }
        let _ = write!(
            h,
            "<a href=\"#track-{i}\"><g class=\"node\" data-track=\"{}\"><title>{}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{hgt}\" rx=\"8\" fill=\"{fill}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\
             <text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"600\" fill=\"#1f2328\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#656d76\">{}</text>",
            esc(&t.name),
            esc(&format!("{} ({})", t.name, t.status)),
            if crit { "#bc4c00" } else { stroke },
            if crit { 3 } else { 1 },
            if experiment.is_some() {
                " stroke-dasharray=\"6 3\""
            } else {
                ""
            },
            x + 10.0,
            y + 22.0,
            esc(&t.name),
            x + 10.0,
            y + 40.0,
            esc(&line2),
        );
        if let Some(e) = experiment {
            let _ = write!(
                h,
                "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#8250df\">experiment {}</text>",
                x + 10.0,
                y + 52.0,
                esc(e)
            );
        }
        h.push_str("</g></a>");
    }
}

const LEGEND: &str = "<p class=\"legend muted\"><span style=\"color:#0969da\">&#9632; active</span><span style=\"color:#9a6700\">&#9632; blocked or stale</span>\
         <span style=\"color:#1a7f37\">&#9632; merged or done</span><span style=\"color:#cf222e\">&#9632; violations, needs a sync, or stuck</span>\
         <span style=\"color:#8c959f\">&#9632; backlog, cancelled, archived</span><span style=\"color:#bc4c00\">&#9473; critical path</span>\
         <span>- - - experiment</span></p>";
