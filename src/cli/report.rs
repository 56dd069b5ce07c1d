use super::output::Output;
use super::overlap::range;
use git_track::error::Failure;
use git_track::overlap::{Level, Pair};
use git_track::progress::Progress;
use git_track::refs::short_id;
use git_track::repo::Repo;
use git_track::report::{self, Report};
use git_track::status::TrackStatus;
use git_track::track::Status;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Write one HTML page that shows the work: plan, collisions, checkpoints, tracks
///
/// The page holds the dependency graph (each track's status and owner, the critical path
/// marked), the overlap matrix of the active and blocked tracks at the files, hunks and
/// conflicts levels (a heat map; a cell opens the shared files and lines), the timeline
/// of checkpoints with their Integration Notes, and a card per track (scope, commits
/// ahead and behind, violations, stale or stuck). It is built from the data that
/// 'status --json', 'overlap --json' and 'checkpoints --json' print, which it also
/// carries (in a script element of type application/json, id git-track-data).
///
/// The file is self-contained: no network access, no external scripts, fonts or images;
/// it opens offline, e.g. from a mail attachment.
#[derive(clap::Args)]
pub struct Args {
    /// Where to write the page ('-' for stdout) [default: $(git rev-parse --git-common-dir)/track/report.html]
    #[arg(long, short, value_name = "file.html")]
    output: Option<PathBuf>,
    /// Open the page in the default browser afterwards
    #[arg(long)]
    open: bool,
}

pub fn run(repo: &Repo, args: Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    let data = report::build(repo, progress)?;
    let page = html(&data)?;
    if args.output.as_deref() == Some(std::path::Path::new("-")) {
        return Ok(Output::new(page, |p, w| w.write_all(p.as_bytes())));
    }
    let path = match args.output {
        Some(p) => p,
        None => repo.state_dir().join("report.html"),
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::fatal(format!("cannot create '{}': {e}", parent.display())))?;
    }
    std::fs::write(&path, page)
        .map_err(|e| Failure::fatal(format!("cannot write '{}': {e}", path.display())))?;
    let shown = path.display().to_string();
    let mut out = Output::new(shown.clone(), |p, w| writeln!(w, "{p}"));
    if args.open
        && let Err(e) = open(&path)
    {
        out = out.warn(format!("could not open {shown}: {e}"));
    }
    Ok(out)
}

/// Hands the page to the desktop's opener, without waiting for the browser.
fn open(path: &std::path::Path) -> std::io::Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
}

/// Text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#fff;--card:#f6f8fa;--bad:#cf222e;
--warn:#9a6700;--good:#1a7f37;--accent:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;padding:24px;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:10px 0 6px}
.muted{color:var(--muted)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.badge{display:inline-block;border-radius:10px;padding:0 7px;font-size:11px;border:1px solid var(--line);background:#fff;margin-right:3px}
.badge.bad{color:#fff;background:var(--bad);border-color:var(--bad)}
.badge.warn{color:#fff;background:var(--warn);border-color:var(--warn)}
.badge.good{color:#fff;background:var(--good);border-color:var(--good)}
.badge.crit{color:#fff;background:#bc4c00;border-color:#bc4c00}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.summary div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 12px}
.summary b{font-size:18px;display:block}
svg text{font-family:system-ui,sans-serif}
.graph{overflow-x:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
.matrices{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
table.matrix{border-collapse:collapse}
table.matrix th{font-weight:500;font-size:12px;padding:2px 6px;white-space:nowrap}
table.matrix thead th{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;height:auto}
table.matrix td{width:30px;height:30px;text-align:center;border:1px solid #fff;font-size:12px}
table.matrix td a{display:block;line-height:30px;color:inherit;text-decoration:none}
table.matrix td.self{background:#eaeef2}
table.matrix td.h0{background:#f6f8fa;color:#8c959f}
table.matrix td.h1{background:#fff1c2}table.matrix td.h2{background:#ffd275}
table.matrix td.h3{background:#fb8f44;color:#fff}table.matrix td.h4{background:#cf222e;color:#fff}
table.matrix td.na{background:repeating-linear-gradient(45deg,#eaeef2,#eaeef2 4px,#fff 4px,#fff 8px)}
.pair{display:none;border:1px solid var(--accent);border-radius:6px;padding:8px 12px;margin:12px 0;background:#f6faff}
.pair:target{display:block}
.pair ul{margin:4px 0;padding-left:20px}
.timeline{border-left:3px solid var(--line);margin-left:8px;padding-left:18px}
.checkpoint{position:relative;margin-bottom:18px}
.checkpoint:before{content:"";position:absolute;left:-27px;top:4px;width:13px;height:13px;border-radius:50%;background:var(--accent);border:2px solid #fff}
.checkpoint ul{margin:4px 0;padding-left:20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:var(--card)}
.card.crit{border-color:#bc4c00;box-shadow:inset 3px 0 0 #bc4c00}
.card h3{margin:0 0 4px;font-size:15px}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:1px 10px;margin:6px 0 0}
.card dt{color:var(--muted)}.card dd{margin:0}
.bad{color:var(--bad)}.warn{color:var(--warn)}.good{color:var(--good)}
.legend span{margin-right:12px}
"#;

/// The whole page.
pub fn html(r: &Report) -> anyhow::Result<String> {
    let mut h = String::new();
    let title = format!("git track report: {}", r.repository);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"git-track {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    );
    header(&mut h, r);
    graph(&mut h, r);
    matrices(&mut h, r);
    timeline(&mut h, r);
    cards(&mut h, r);
    // The data the page was drawn from, for tools; `</` cannot end the element early.
    let data = serde_json::to_string(r)?.replace("</", "<\\/");
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"git-track-data\">{data}</script>\n</body>\n</html>\n"
    );
    Ok(h)
}

fn header(h: &mut String, r: &Report) {
    let i = &r.status.integration;
    let _ = write!(
        h,
        "<header><h1>git track report: {}</h1><div class=\"muted\">integration branch <code>{}</code> at <code>{}</code>{} &middot; generated {}</div>",
        esc(&r.repository),
        esc(&i.branch),
        short_id(&i.tip),
        if i.exists {
            ""
        } else {
            " (does not exist yet)"
        },
        esc(&r.generated)
    );
    let tracks = &r.status.tracks;
    let count = |f: &dyn Fn(&TrackStatus) -> bool| tracks.iter().filter(|t| f(t)).count();
    let conflicts = r
        .overlap
        .iter()
        .find(|o| o.level == Level::Conflicts)
        .map_or(0, |o| {
            o.pairs.iter().filter(|p| p.conflict == Some(true)).count()
        });
    let _ = write!(
        h,
        "<div class=\"summary\"><div><b>{}</b>tracks</div><div><b>{}</b>active</div><div><b>{}</b>merged</div>\
         <div><b class=\"{}\">{conflicts}</b>conflicting pairs</div><div><b class=\"{}\">{}</b>with violations</div>\
         <div><b>{}</b>checkpoints</div><div><b>{}</b>on the critical path</div></div>",
        tracks.len(),
        count(&|t| t.status == Status::Active),
        count(&|t| t.merged),
        if conflicts > 0 { "bad" } else { "good" },
        if count(&|t| !t.violations.is_empty()) > 0 {
            "bad"
        } else {
            "good"
        },
        count(&|t| !t.violations.is_empty()),
        r.checkpoints.len(),
        r.graph.critical_path.tracks.len()
    );
    if let Some(m) = &r.status.merge_in_progress {
        let _ = write!(
            h,
            "<p class=\"bad\"><b>Merge in progress:</b> {} at step {} ({})</p>",
            esc(&m.state),
            m.step,
            esc(m.track.as_deref().unwrap_or("-"))
        );
    }
    h.push_str("</header>\n");
}

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

fn graph(h: &mut String, r: &Report) {
    h.push_str("<section id=\"graph\"><h2>Dependency graph</h2>");
    if r.status.tracks.is_empty() {
        h.push_str("<p class=\"muted\">No tracks.</p></section>\n");
        return;
    }
    let layers = layers(r);
    let (w, hgt, gap_x, gap_y, pad) = (170.0, 58.0, 56.0, 16.0, 16.0);
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    let mut at: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for t in &r.status.tracks {
        let l = layers.get(t.name.as_str()).copied().unwrap_or(0);
        let row = rows.entry(l).or_default();
        at.insert(
            &t.name,
            (
                pad + l as f64 * (w + gap_x),
                pad + *row as f64 * (hgt + gap_y),
            ),
        );
        *row += 1;
    }
    let cols = rows.keys().max().map_or(1, |m| m + 1);
    let max_rows = rows.values().max().copied().unwrap_or(1);
    let width = pad * 2.0 + cols as f64 * w + (cols - 1) as f64 * gap_x;
    let height = pad * 2.0 + max_rows as f64 * hgt + (max_rows - 1) as f64 * gap_y;
    let critical = &r.graph.critical_path.tracks;
    let on_path = |a: &str, b: &str| critical.windows(2).any(|p| p[0] == a && p[1] == b);
    let _ = write!(
        h,
        "<div class=\"graph\"><svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"dependency graph\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#8c959f\"/></marker>\
         <marker id=\"arrow-crit\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#bc4c00\"/></marker></defs>"
    );
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
    h.push_str("</svg></div>");
    h.push_str(
        "<p class=\"legend muted\"><span style=\"color:#0969da\">&#9632; active</span><span style=\"color:#9a6700\">&#9632; blocked or stale</span>\
         <span style=\"color:#1a7f37\">&#9632; merged or done</span><span style=\"color:#cf222e\">&#9632; violations, needs a sync, or stuck</span>\
         <span style=\"color:#8c959f\">&#9632; backlog, cancelled, archived</span><span style=\"color:#bc4c00\">&#9473; critical path</span>\
         <span>- - - experiment</span></p>",
    );
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

fn matrices(h: &mut String, r: &Report) {
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
    let pair_id = |a: &str, b: &str| {
        let ia = names.iter().position(|n| *n == a).unwrap_or(0);
        let ib = names.iter().position(|n| *n == b).unwrap_or(0);
        format!("pair-{}-{}", ia.min(ib), ia.max(ib))
    };
    for o in &r.overlap {
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
        for n in &names {
            let _ = write!(h, "<th scope=\"col\">{}</th>", esc(n));
        }
        h.push_str("</tr></thead><tbody>");
        for a in &names {
            let _ = write!(h, "<tr><th scope=\"row\">{}</th>", esc(a));
            for b in &names {
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
                            pair_id(a, b)
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
    h.push_str("</div>");
    // One detail block per pair that shares anything, from the most detailed level.
    let detailed = r.overlap.last().unwrap_or(first);
    for p in &detailed.pairs {
        let _ = write!(
            h,
            "<div class=\"pair\" id=\"{}\"><h3>{} and {}{}</h3><ul>",
            pair_id(&p.a, &p.b),
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
    h.push_str("</section>\n");
}

fn timeline(h: &mut String, r: &Report) {
    h.push_str("<section id=\"checkpoints\"><h2>Checkpoints</h2>");
    if r.checkpoints.is_empty() {
        h.push_str("<p class=\"muted\">No checkpoints yet ('git track merge --checkpoint' records one).</p></section>\n");
        return;
    }
    h.push_str("<div class=\"timeline\">");
    for e in &r.checkpoints {
        let c = &e.record;
        let _ = write!(
            h,
            "<div class=\"checkpoint\" data-checkpoint=\"{}\"><b>Checkpoint {}</b> <span class=\"muted\">{} &middot; <code>{}</code> on <code>{}</code>{}</span><ul>",
            c.checkpoint,
            c.checkpoint,
            esc(&c.created),
            short_id(&e.commit),
            esc(&c.branch),
            if e.source == "trailers" {
                " &middot; note missing: from the commit's trailers"
            } else {
                ""
            }
        );
        for (i, m) in c.merged.iter().enumerate() {
            let _ = write!(
                h,
                "<li>{}. merged <b>{}</b> &mdash; {} file{}, <span class=\"good\">+{}</span> <span class=\"bad\">-{}</span></li>",
                i + 1,
                esc(&m.track),
                m.files,
                if m.files == 1 { "" } else { "s" },
                m.insertions,
                m.deletions
            );
        }
        for o in &c.overlaps {
            let _ = write!(
                h,
                "<li class=\"warn\">overlap: <code>{}</code> ({})</li>",
                esc(&o.path),
                esc(&o.tracks.join(", "))
            );
        }
        for x in &c.conflicts {
            let _ = write!(
                h,
                "<li class=\"bad\">conflict: {} in <code>{}</code> ({})</li>",
                esc(&x.track),
                esc(&x.paths.join(", ")),
                esc(x.resolution.describe())
            );
        }
        for s in &c.skipped {
            let _ = write!(
                h,
                "<li>skipped: {} ({})</li>",
                esc(&s.track),
                esc(&s.reason)
            );
        }
        for p in &c.pending {
            let _ = write!(
                h,
                "<li class=\"muted\">pending: {} ({})</li>",
                esc(&p.track),
                esc(&p.reason)
            );
        }
        for v in &c.violations {
            let _ = write!(
                h,
                "<li class=\"bad\">violation: {} <code>{}</code></li>",
                esc(&v.track),
                esc(&v.path)
            );
        }
        h.push_str("</ul></div>");
    }
    h.push_str("</div></section>\n");
}

fn cards(h: &mut String, r: &Report) {
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
        let stuck = t.stuck;
        let _ = write!(
            h,
            "<div class=\"card{}\" id=\"track-{i}\" data-track=\"{}\"><h3>{}</h3><div>",
            if crit { " crit" } else { "" },
            esc(&t.name),
            esc(&t.name)
        );
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
        if stuck {
            h.push_str("<span class=\"badge bad\">stuck</span>");
        }
        if t.stale {
            h.push_str("<span class=\"badge warn\">stale</span>");
        }
        if conflicts.iter().any(|p| p.a == t.name || p.b == t.name) {
            h.push_str("<span class=\"badge bad\">conflict</span>");
        }
        h.push_str("</div><dl>");
        let mut row = |k: &str, v: String| {
            let _ = write!(h, "<dt>{k}</dt><dd>{v}</dd>");
        };
        row("owner", esc(t.owner.as_deref().unwrap_or("-")));
        row("branch", format!("<code>{}</code>", esc(&t.branch)));
        if let Some(d) = def {
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
        h.push_str("</dl></div>");
    }
    h.push_str("</div></section>\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_for_html() {
        assert_eq!(
            super::esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
