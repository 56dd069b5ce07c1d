//! A card per track: scope, commits ahead and behind, violations, stale or stuck.

use super::esc;
use git_track::overlap::{Level, Pair};
use git_track::report::{Definition, Report};
use git_track::status::TrackStatus;
use std::fmt::Write as _;

pub(super) fn cards(h: &mut String, r: &Report) {
    h.push_str("<section id=\"tracks\"><h2>Tracks</h2><div class=\"cards\">");
    let conflicts: Vec<&Pair> = r
        .overlap
        .iter()
        .find(|o| o.level == Level::Conflicts)
        .map(|o| {
            o.pairs
                .iter()
                .filter(|p| p.conflict == Some(true))
                .collect()
        })
        .unwrap_or_default();
    for (i, t) in r.status.tracks.iter().enumerate() {
        let def = r.definitions.iter().find(|d| d.name == t.name);
        let crit = r.graph.critical_path.tracks.contains(&t.name);
        let conflicted = conflicts.iter().any(|p| p.a == t.name || p.b == t.name);
        let _ = write!(
            h,
            "<div class=\"card{}\" id=\"track-{i}\" data-track=\"{}\"><h3>{}</h3><div>",
            if crit { " crit" } else { "" },
            esc(&t.name),
            esc(&t.name)
        );
        badges(h, t, crit, conflicted);
        h.push_str("</div><dl>");
        for (k, v) in fields(t, def) {
            let _ = write!(h, "<dt>{k}</dt><dd>{v}</dd>");
        }
        h.push_str("</dl></div>");
    }
    h.push_str("</div></section>\n");
}

/// The card's badges: kind, status, and what needs attention.
fn badges(h: &mut String, t: &TrackStatus, crit: bool, conflicted: bool) {
    let _ = write!(
        h,
        "<span class=\"badge\">{}</span><span class=\"badge\">{}</span>",
        t.kind, t.status
    );
    if t.merged {
        h.push_str("<span class=\"badge good\">merged</span>");
    }
    if crit {
        h.push_str("<span class=\"badge crit\">critical path</span>");
    }
    if !t.violations.is_empty() {
        h.push_str("<span class=\"badge bad\">violations</span>");
    }
    if t.merges_cleanly == Some(false) {
        h.push_str("<span class=\"badge bad\">needs sync</span>");
    }
    if t.stuck {
        h.push_str("<span class=\"badge bad\">stuck</span>");
    }
    if t.stale {
        h.push_str("<span class=\"badge warn\">stale</span>");
    }
    if conflicted {
        h.push_str("<span class=\"badge bad\">conflict</span>");
    }
}

/// A card's fields, as (name, HTML) pairs.
type Fields = Vec<(&'static str, String)>;

/// The card's fields in order: who has the track and where, what its definition plans,
/// then how it stands.
fn fields(t: &TrackStatus, def: Option<&Definition>) -> Fields {
    let mut out = vec![
        ("owner", esc(t.owner.as_deref().unwrap_or("-"))),
        ("branch", format!("<code>{}</code>", esc(&t.branch))),
    ];
    if let Some(d) = def {
        planned(&mut out, d);
    }
    standing(&mut out, t);
    out
}

/// The definition's fields: scope, contracts, dependencies, experiment.
fn planned(out: &mut Fields, d: &Definition) {
    let mut row = |k: &'static str, v: String| out.push((k, v));
    let globs = |g: &[String]| {
        if g.is_empty() {
            "everything".to_owned()
        } else {
            g.iter()
                .map(|s| format!("<code>{}</code>", esc(s)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    row("scope", globs(&d.scope));
    if !d.contracts.is_empty() {
        row("contracts", globs(&d.contracts));
    }
    if !d.depends_on.is_empty() {
        row("depends on", esc(&d.depends_on.join(", ")));
    }
    if let Some(e) = &d.experiment {
        row(
            "experiment",
            format!(
                "{} &mdash; {}",
                esc(e),
                esc(d.hypothesis.as_deref().unwrap_or(""))
            ),
        );
    }
}

/// How the track stands: ahead and behind, its last commit, its worktree, and what
/// holds it up or goes wrong.
fn standing(out: &mut Fields, t: &TrackStatus) {
    let mut row = |k: &'static str, v: String| out.push((k, v));
    let n = |v: Option<usize>| v.map_or("-".to_owned(), |v| v.to_string());
    row(
        "ahead / behind",
        format!("{} / {}", n(t.ahead), n(t.behind)),
    );
    row(
        "last commit",
        format!(
            "{}{}",
            esc(t.last_commit.as_deref().unwrap_or("no branch")),
            if t.stale {
                " <span class=\"warn\">(stale)</span>"
            } else {
                ""
            }
        ),
    );
    if let Some(wt) = &t.worktree {
        let state = if !wt.present {
            "<span class=\"warn\">missing</span>"
        } else if wt.dirty == Some(true) {
            "<span class=\"warn\">uncommitted work</span>"
        } else {
            "clean"
        };
        row("worktree", state.to_owned());
    }
    if !t.blocked_by.is_empty() {
        row(
            "blocked by",
            format!(
                "<span class=\"warn\">{}</span>",
                esc(&t.blocked_by.join(", "))
            ),
        );
    }
    if !t.overlaps.is_empty() {
        row("overlaps", esc(&t.overlaps.join(", ")));
    }
    if !t.violations.is_empty() {
        row(
            "violations",
            t.violations
                .iter()
                .map(|v| format!("<code class=\"bad\">{}</code>", esc(&v.path)))
                .collect::<Vec<_>>()
                .join("<br>"),
        );
    }
}
