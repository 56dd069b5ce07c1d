//! The overlap matrices, one per level, and the shared files and lines of each pair.

use super::esc;
use crate::cli::overlap::range;
use git_track::overlap::{self, Level, Pair};
use git_track::report::Report;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A pair's heat at a level, 0 (nothing) to 4 (a conflict); `None` when not judged.
fn heat(level: Level, p: &Pair) -> (Option<u8>, String) {
    match level {
        Level::Files => {
            let n = p.files.len();
            let h = match n {
                0 => 0,
                1 => 1,
                2..=3 => 2,
                _ => 3,
            };
            (Some(h), if n == 0 { String::new() } else { n.to_string() })
        }
        Level::Hunks => {
            let n = p.hunks.iter().filter(|h| !h.same_change).count();
            let h = if n > 0 {
                3
            } else if p.files.is_empty() {
                0
            } else {
                1
            };
            (Some(h), if n == 0 { String::new() } else { n.to_string() })
        }
        Level::Conflicts => match p.conflict {
            Some(true) => (Some(4), "!".to_owned()),
            Some(false) if !p.files.is_empty() => (Some(1), String::new()),
            Some(false) => (Some(0), String::new()),
            None => (None, "?".to_owned()),
        },
    }
}

pub(super) fn matrices(h: &mut String, r: &Report) {
    h.push_str("<section id=\"overlap\"><h2>Overlap matrix</h2>");
    let Some(first) = r.overlap.first() else {
        h.push_str("<p class=\"muted\">No active or blocked tracks.</p></section>\n");
        return;
    };
    let names: Vec<&str> = first.tracks.iter().map(|t| t.name.as_str()).collect();
    if names.len() < 2 {
        h.push_str("<p class=\"muted\">Fewer than two active or blocked tracks.</p></section>\n");
        return;
    }
    h.push_str(
        "<p class=\"muted\">Files: how many files both tracks change. Hunks: how many changed line ranges touch. \
         Conflicts: <b>!</b> when merging one and then the other into the integration branch conflicts, as git's merge would. \
         Click a cell for the shared files and lines.</p><div class=\"matrices\">",
    );
    for o in &r.overlap {
        matrix(h, o, &names);
    }
    h.push_str("</div>");
    // One detail block per pair that shares anything, from the most detailed level.
    let detailed = r.overlap.last().unwrap_or(first);
    for p in &detailed.pairs {
        pair_details(h, p, &names);
    }
    h.push_str("</section>\n");
}

/// The id of the detail block of the pair `a`, `b` among `names`.
fn pair_id(names: &[&str], a: &str, b: &str) -> String {
    let ia = names.iter().position(|n| *n == a).unwrap_or(0);
    let ib = names.iter().position(|n| *n == b).unwrap_or(0);
    format!("pair-{}-{}", ia.min(ib), ia.max(ib))
}

/// The matrix of one level: a row and a column per track, a cell per pair.
fn matrix(h: &mut String, o: &overlap::Report, names: &[&str]) {
    let pairs: BTreeMap<(&str, &str), &Pair> = o
        .pairs
        .iter()
        .flat_map(|p| {
            [
                ((p.a.as_str(), p.b.as_str()), p),
                ((p.b.as_str(), p.a.as_str()), p),
            ]
        })
        .collect();
    let unclean: Vec<&str> = o
        .tracks
        .iter()
        .filter(|t| !t.merges_cleanly)
        .map(|t| t.name.as_str())
        .collect();
    let _ = write!(
        h,
        "<div><h3>{}</h3><table class=\"matrix\" data-level=\"{}\"><thead><tr><th></th>",
        o.level.as_str(),
        o.level.as_str()
    );
    for n in names {
        let _ = write!(h, "<th scope=\"col\">{}</th>", esc(n));
    }
    h.push_str("</tr></thead><tbody>");
    for a in names {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", esc(a));
        for b in names {
            if a == b {
                let mark = if o.level == Level::Conflicts && unclean.contains(a) {
                    "<span class=\"bad\" title=\"does not merge cleanly into the integration branch\">&#9888;</span>"
                } else {
                    ""
                };
                let _ = write!(h, "<td class=\"self\">{mark}</td>");
                continue;
            }
            match pairs.get(&(*a, *b)) {
                Some(p) => {
                    let (heat, label) = heat(o.level, p);
                    let class = heat.map_or("na".to_owned(), |h| format!("h{h}"));
                    let _ = write!(
                        h,
                        "<td class=\"{class}\" data-a=\"{}\" data-b=\"{}\" title=\"{} and {}: {} shared file(s)\"><a href=\"#{}\">{label}</a></td>",
                        esc(a),
                        esc(b),
                        esc(a),
                        esc(b),
                        p.files.len(),
                        pair_id(names, a, b)
                    );
                }
                None => {
                    let _ = write!(
                        h,
                        "<td class=\"h0\" data-a=\"{}\" data-b=\"{}\"></td>",
                        esc(a),
                        esc(b)
                    );
                }
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
}

/// The files and lines the pair `p` shares, and whether it conflicts.
fn pair_details(h: &mut String, p: &Pair, names: &[&str]) {
    let _ = write!(
        h,
        "<div class=\"pair\" id=\"{}\"><h3>{} and {}{}</h3><ul>",
        pair_id(names, &p.a, &p.b),
        esc(&p.a),
        esc(&p.b),
        match p.conflict {
            Some(true) => " &mdash; <span class=\"bad\">CONFLICT</span>",
            Some(false) => " &mdash; <span class=\"good\">merge cleanly</span>",
            None => " &mdash; not judged (a track needs a sync)",
        }
    );
    for f in &p.files {
        let _ = write!(
            h,
            "<li><code>{}</code> &mdash; {}: {}{}, {}: {}{}{}",
            esc(&f.path),
            esc(&p.a),
            f.a.change.as_str(),
            if f.a.in_scope {
                ""
            } else {
                " <span class=\"bad\">(outside its scope)</span>"
            },
            esc(&p.b),
            f.b.change.as_str(),
            if f.b.in_scope {
                ""
            } else {
                " <span class=\"bad\">(outside its scope)</span>"
            },
            if f.same_change { " (same change)" } else { "" }
        );
        let hunks: Vec<String> = p
            .hunks
            .iter()
            .filter(|hk| hk.path == f.path)
            .map(|hk| {
                format!(
                    "lines {} ({}) {} lines {} ({})",
                    range(hk.a),
                    esc(&p.a),
                    if hk.same_change { "same as" } else { "touch" },
                    range(hk.b),
                    esc(&p.b)
                )
            })
            .collect();
        if !hunks.is_empty() {
            let _ = write!(h, "<ul><li>{}</li></ul>", hunks.join("</li><li>"));
        }
        if p.conflict_paths.contains(&f.path) {
            h.push_str(" <span class=\"badge bad\">conflict</span>");
        }
        h.push_str("</li>");
    }
    h.push_str("</ul></div>");
}
