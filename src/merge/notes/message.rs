//! The checkpoint commit's message: a summary a person reads in `git log`, then the
//! trailers [`super::parse`] reads back.

use super::{
    Decision, Efficiency, Record, T_BRANCH, T_CANCELLED, T_CHECKPOINT, T_CONFLICT, T_MERGED,
    T_OVERLAP, T_PENDING, T_PICKED, T_SKIPPED, T_VIOLATION,
};
use crate::refs::short_id as short;

use crate::scope::paths;
use std::fmt::Write as _;

impl Record {
    /// The checkpoint commit's message: a readable summary, then the trailers.
    pub fn message(&self) -> String {
        let mut m = String::new();
        self.write_merged(&mut m);
        for (title, lines) in self.sections() {
            if !lines.is_empty() {
                let _ = writeln!(m, "{title}:");
                for l in lines {
                    let _ = writeln!(m, "  {l}");
                }
                m.push('\n');
            }
        }
        self.write_trailers(&mut m);
        m
    }

    /// The title line and the tracks merged, in order.
    fn write_merged(&self, m: &mut String) {
        let n = self.merged.len();
        let _ = writeln!(
            m,
            "Integration checkpoint {} of {}: {n} track{} merged\n",
            self.checkpoint,
            self.branch,
            if n == 1 { "" } else { "s" }
        );
        let conflict_of = |track: &str| self.conflicts.iter().find(|c| c.track == track);
        if !self.merged.is_empty() {
            m.push_str("Merged, in order:\n");
            for (i, t) in self.merged.iter().enumerate() {
                let _ = write!(
                    m,
                    "  {}. {} at {}: {} file{}, +{} -{}",
                    i + 1,
                    t.track,
                    short(&t.tip),
                    t.files,
                    if t.files == 1 { "" } else { "s" },
                    t.insertions,
                    t.deletions
                );
                if let Some(c) = conflict_of(&t.track) {
                    let _ = write!(m, " (conflict, {})", c.resolution.describe());
                }
                m.push('\n');
            }
            m.push('\n');
        }
    }

    /// The summary's sections, titled; an empty one is left out.
    fn sections(&self) -> Vec<(&'static str, Vec<String>)> {
        let mut out = Vec::new();
        let mut section = |title: &'static str, lines: Vec<String>| out.push((title, lines));
        section(
            "Overlaps (files changed by two or more of these tracks)",
            self.overlaps
                .iter()
                .map(|o| format!("{}: {}", paths::quote(&o.path), o.tracks.join(", ")))
                .collect(),
        );
        section(
            "Conflicts",
            self.conflicts
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} ({})",
                        c.track,
                        paths::quote_list(&c.paths),
                        c.resolution.describe()
                    )
                })
                .collect(),
        );
        section(
            "Skipped",
            self.skipped
                .iter()
                .map(|s| format!("{}: {}", s.track, s.reason))
                .collect(),
        );
        section(
            "Pending",
            self.pending
                .iter()
                .map(|s| format!("{}: {}", s.track, s.reason))
                .collect(),
        );
        section(
            "Scope violations",
            self.violations
                .iter()
                .map(|v| {
                    let reason = v.reason.replace('_', " ");
                    let path = paths::quote(&v.path);
                    match &v.contract_of {
                        Some(owner) => format!("{}: {path} ({reason} of {owner})", v.track),
                        None => format!("{}: {path} ({reason})", v.track),
                    }
                })
                .collect(),
        );

        section(
            "Experiments decided",
            self.decisions.iter().flat_map(decision_lines).collect(),
        );
        if let Some(e) = &self.efficiency {
            section("Efficiency", efficiency_lines(e));
        }
        out
    }

    /// The last paragraph: the trailers `parse` reads back.
    fn write_trailers(&self, m: &mut String) {
        let _ = writeln!(m, "{T_CHECKPOINT}: {}", self.checkpoint);
        let _ = writeln!(m, "{T_BRANCH}: {}", self.branch);
        for t in &self.merged {
            let _ = writeln!(m, "{T_MERGED}: {} {}", t.track, t.tip);
        }
        for o in &self.overlaps {
            let _ = writeln!(m, "{T_OVERLAP}: {}", quote(&o.path));
        }
        for c in &self.conflicts {
            for p in &c.paths {
                let _ = writeln!(m, "{T_CONFLICT}: {} {}", c.track, quote(p));
            }
        }
        for s in &self.skipped {
            let _ = writeln!(m, "{T_SKIPPED}: {}", s.track);
        }
        for s in &self.pending {
            let _ = writeln!(m, "{T_PENDING}: {}", s.track);
        }
        for v in &self.violations {
            let _ = writeln!(m, "{T_VIOLATION}: {} {}", v.track, quote(&v.path));
        }
        for d in &self.decisions {
            let _ = writeln!(m, "{T_PICKED}: {} {}", d.group, d.winner);
            for l in &d.losers {
                let tip = l.tip.as_deref().unwrap_or("-");
                let _ = writeln!(m, "{T_CANCELLED}: {} {} {tip}", d.group, l.track);
            }
        }
    }
}

/// A decision as the commit message tells it.
fn decision_lines(d: &Decision) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: picked {}{}: {}",
        d.group,
        d.winner,
        d.winner_tip
            .as_deref()
            .map(|t| format!(" at {}", short(t)))
            .unwrap_or_default(),
        d.reason
    )];
    for l in &d.losers {
        let kept = match (&l.tip, &l.refname) {
            (Some(tip), Some(r)) => format!(", tip {} kept as {r}", short(tip)),
            (Some(tip), None) => format!(", tip {}", short(tip)),
            _ => String::new(),
        };
        lines.push(format!("  cancelled {}{kept}", l.track));
    }
    if let Some(c) = &d.compare {
        let what = c
            .metric
            .as_deref()
            .map(|m| format!(" by /{m}/"))
            .unwrap_or_default();
        lines.push(format!("  compared{what}:"));
        for row in &c.rows {
            let mut line = format!(
                "    {}: {} commit{}, {} file{}, +{} -{}",
                row.track,
                row.commits,
                if row.commits == 1 { "" } else { "s" },
                row.files,
                if row.files == 1 { "" } else { "s" },
                row.insertions,
                row.deletions
            );
            if row.violations > 0 {
                line.push_str(&format!(", {} violation(s)", row.violations));
            }
            if row.merges_cleanly == Some(false) {
                line.push_str(", needs sync");
            }
            if !row.exits.is_empty() {
                let exits: Vec<String> = row.exits.iter().map(i64::to_string).collect();
                line.push_str(&format!(", exit {}", exits.join("/")));
            }
            if let Some(v) = row.metric {
                line.push_str(&format!(", metric {v}"));
            }
            if let Some(r) = row.rank {
                line.push_str(&format!(", rank {r}"));
            }
            lines.push(line);
        }
    }
    lines
}

fn efficiency_lines(e: &Efficiency) -> Vec<String> {
    use crate::plan::efficiency::human;
    let mut lines = Vec::new();
    let speedup = e
        .speedup
        .map(|s| format!(" (speed-up {s:.2}x)"))
        .unwrap_or_default();
    lines.push(format!(
        "span {} for {} of work{speedup}",
        human(e.span_secs),
        human(e.sum_secs)
    ));
    lines.push(format!(
        "{} of {} track{} conflicted; {} file{} resolved by hand",
        e.conflicted,
        e.merged,
        if e.merged == 1 { "" } else { "s" },
        e.hand_resolved_files,
        if e.hand_resolved_files == 1 { "" } else { "s" }
    ));
    for t in &e.tracks {
        let first = t.to_first_commit_secs.map_or_else(|| "-".to_owned(), human);
        let merge = t.to_merge_secs.map_or_else(|| "-".to_owned(), human);
        lines.push(format!(
            "{}: first commit after {first}, merged after {merge}",
            t.track
        ));
    }
    lines
}

/// A path as one trailer word-run: C-quoted (like git) when it holds a quote, a
/// backslash, a control character or leading/trailing spaces.
fn quote(path: &str) -> String {
    let needs = path.starts_with([' ', '"'])
        || path.ends_with(' ')
        || path.chars().any(|c| c.is_control() || c == '\\');
    if !needs {
        return path.to_owned();
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
