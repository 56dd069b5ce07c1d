//! A checkpoint's record rebuilt from its commit message's trailers, for when the note
//! is missing.

use super::{
    Conflict, Decision, Left, MergedTrack, NotedViolation, Overlap, Record, Resolution, T_BRANCH,
    T_CANCELLED, T_CHECKPOINT, T_CONFLICT, T_MERGED, T_OVERLAP, T_PENDING, T_PICKED, T_SKIPPED,
    T_VIOLATION, VERSION,
};
use gix::ObjectId;

impl Record {
    /// Rebuilds what the trailers of a checkpoint commit hold; `None` when `message` is
    /// not a checkpoint's. Details only the note has (diffstats, reasons, resolutions)
    /// are left empty.
    pub fn from_message(message: &str, tip: Option<ObjectId>) -> Option<Record> {
        let trailers = trailers(message);
        let checkpoint = trailers
            .iter()
            .find(|(k, _)| k == T_CHECKPOINT)?
            .1
            .parse()
            .ok()?;
        let mut r = Record {
            version: VERSION,
            checkpoint,
            branch: String::new(),
            created: String::new(),
            tip: tip.map(|t| t.to_string()).unwrap_or_default(),
            previous: None,
            merged: Vec::new(),
            overlaps: Vec::new(),
            conflicts: Vec::new(),
            skipped: Vec::new(),
            pending: Vec::new(),
            violations: Vec::new(),
            decisions: Vec::new(),
            efficiency: None,
        };
        for (key, value) in &trailers {
            r.read_trailer(key, value);
        }
        Some(r)
    }

    /// Adds what one trailer says.
    fn read_trailer(&mut self, key: &str, value: &str) {
        let r = self;
        let (first, rest) = value.split_once(' ').unwrap_or((value, ""));
        match key {
            T_BRANCH => r.branch = value.to_owned(),
            T_MERGED => r.merged.push(MergedTrack {
                track: first.to_owned(),
                tip: rest.to_owned(),
                commit: String::new(),
                files: 0,
                insertions: 0,
                deletions: 0,
            }),
            T_OVERLAP => r.overlaps.push(Overlap {
                path: unquote(value),
                tracks: Vec::new(),
            }),
            T_CONFLICT => match r.conflicts.iter_mut().find(|c| c.track == first) {
                Some(c) => c.paths.push(unquote(rest)),
                None => r.conflicts.push(Conflict {
                    track: first.to_owned(),
                    paths: vec![unquote(rest)],
                    resolution: Resolution::Unknown,
                }),
            },
            T_SKIPPED | T_PENDING => {
                let left = Left {
                    track: value.to_owned(),
                    reason: String::new(),
                    tip: None,
                };
                if key == T_SKIPPED {
                    r.skipped.push(left);
                } else {
                    r.pending.push(left);
                }
            }
            T_PICKED => r.decisions.push(Decision {
                group: first.to_owned(),
                winner: rest.to_owned(),
                winner_tip: None,
                reason: String::new(),
                decided: String::new(),
                losers: Vec::new(),
                compare: None,
                recorded: None,
            }),
            T_CANCELLED => {
                let mut words = rest.split(' ');
                let track = words.next().unwrap_or_default().to_owned();
                let tip = words.next().filter(|t| *t != "-").map(str::to_owned);
                if let Some(d) = r.decisions.iter_mut().rev().find(|d| d.group == first) {
                    d.losers.push(crate::plan::experiments::Loser {
                        track,
                        tip,
                        refname: None,
                    });
                }
            }
            T_VIOLATION => r.violations.push(NotedViolation {
                track: first.to_owned(),
                path: unquote(rest),
                reason: String::new(),
                claimed_by: Vec::new(),
                contract_of: None,
            }),
            _ => {}
        }
    }
}

/// The `Key: value` lines of a message's last paragraph. Comment lines are dropped
/// first: `git commit --no-edit` after a conflicted merge keeps git's `# Conflicts:`
/// section after the trailers.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let kept: Vec<&str> = message.lines().filter(|l| !l.starts_with('#')).collect();
    let body = kept.join("\n");
    let body = body.trim_end();
    let last = body.rsplit("\n\n").next().unwrap_or(body);
    last.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(": ")?;
            let valid = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            valid.then(|| (k.to_owned(), v.trim().to_owned()))
        })
        .collect()
}

fn unquote(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return text.to_owned();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let code: String = chars
                    .by_ref()
                    .skip_while(|c| *c == '{')
                    .take_while(|c| *c != '}')
                    .collect();
                if let Some(c) = u32::from_str_radix(&code, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
