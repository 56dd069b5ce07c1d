//! `git track report`: one self-contained HTML page of the work. `mod.rs` holds the
//! command, the page's frame (style, header, data) and escaping; each section of the
//! page has a file: `graph` (the dependency graph by layers), `matrix` (the overlap
//! matrices and the shared lines of each pair), `timeline` (checkpoints and their
//! notes) and `cards` (a card per track).

mod cards;
mod graph;
mod matrix;
mod timeline;

use crate::cli::failure::Failure;
use crate::cli::output::Output;
use cards::cards;
use git_track::overlap::Level;
use git_track::progress::Progress;
use git_track::refs::short_id;
use git_track::repo::Repo;
use git_track::report::{self, Report};
use git_track::status::TrackStatus;
use git_track::track::Status;
use graph::graph;
use matrix::matrices;
use std::fmt::Write as _;
use std::path::PathBuf;
use timeline::timeline;

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
