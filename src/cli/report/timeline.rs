//! The timeline of checkpoints with their Integration Notes.

use super::esc;
use git_track::merge::notes::RecordSource;
use git_track::refs::short_id;
use git_track::report::Report;
use std::fmt::Write as _;

pub(super) fn timeline(h: &mut String, r: &Report) {
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
            if e.source == RecordSource::Trailers {
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
