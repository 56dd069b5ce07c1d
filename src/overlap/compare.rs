//! Comparing the effective changes of tracks: which paths two tracks both change, and
//! whether their changed lines overlap or touch.

use super::effect::{Change, ChangeKind, Effect};
use super::hunks::{self, Hunk, Lines};
use crate::scope::Scope;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// Where two tracks' changes meet: `path`, and the change of each side (by index into its
/// effect's changes). A side's change may lie below `path` when the other side turns
/// `path` into a file where it had a folder (or back).
#[derive(Debug, Clone)]
pub(super) struct Meeting {
    pub path: String,
    pub a: usize,
    pub b: usize,
}

/// One side of a shared file, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct FileSide {
    pub change: ChangeKind,
    /// Destination of a rename away from this path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Source of a rename into this path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The changed path, when it lies below the shared path (a file/folder clash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Is the change inside this track's declared scope?
    pub in_scope: bool,
}

/// A path both tracks change.
#[derive(Debug, Clone, Serialize)]
pub struct SharedFile {
    pub path: String,
    pub a: FileSide,
    pub b: FileSide,
    /// Both make exactly the same change.
    pub same_change: bool,
}

/// Changed line ranges of both sides that overlap or touch, as 1-based inclusive line
/// numbers of the integration tip; `[s, s-1]` is an insertion before line `s`.
#[derive(Debug, Clone, Serialize)]
pub struct HunkOverlap {
    pub path: String,
    pub a: [u32; 2],
    pub b: [u32; 2],
    /// Both sides replace the same lines with the same content.
    pub same_change: bool,
}

/// A shared change that line ranges cannot judge.
#[derive(Debug, Clone, Serialize)]
pub struct Unjudged {
    pub path: String,
    /// binary, mode, type, link, rename, delete, add, directory
    pub reason: &'static str,
}

/// Every pair of tracks (by index, `a < b`) whose effective changes meet, with where.
pub(super) fn meetings(effects: &[&Effect]) -> BTreeMap<(usize, usize), Vec<Meeting>> {
    // Every changed path, with the tracks (and change index) that change it.
    let mut by_path: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (t, effect) in effects.iter().enumerate() {
        for (c, change) in effect.changes.iter().enumerate() {
            by_path
                .entry(change.path.as_str())
                .or_default()
                .push((t, c));
        }
    }
    let mut out: BTreeMap<(usize, usize), Vec<Meeting>> = BTreeMap::new();
    let mut seen: HashSet<(usize, usize, String)> = HashSet::new();
    let mut add = |out: &mut BTreeMap<(usize, usize), Vec<Meeting>>,
                   path: &str,
                   (ta, ca): (usize, usize),
                   (tb, cb): (usize, usize)| {
        if ta == tb {
            return;
        }
        let ((ta, ca), (tb, cb)) = if ta < tb {
            ((ta, ca), (tb, cb))
        } else {
            ((tb, cb), (ta, ca))
        };
        if seen.insert((ta, tb, path.to_owned())) {
            out.entry((ta, tb)).or_default().push(Meeting {
                path: path.to_owned(),
                a: ca,
                b: cb,
            });
        }
    };
    for (path, touched) in &by_path {
        if touched.len() > 1 {
            for (i, x) in touched.iter().enumerate() {
                for y in &touched[i + 1..] {
                    add(&mut out, path, *x, *y);
                }
            }
        }
        // A file where another track changes something below the same name: git meets
        // a file/folder clash there.
        for &(t, c) in touched {
            if effects[t].changes[c].new.is_none() {
                continue;
            }
            let lower = format!("{path}/");
            let upper = format!("{path}0"); // '0' sorts right after '/'
            for (_, below) in by_path.range(lower.as_str()..upper.as_str()) {
                for &other in below {
                    add(&mut out, path, (t, c), other);
                }
            }
        }
    }
    for list in out.values_mut() {
        list.sort_by(|x, y| x.path.cmp(&y.path));
    }
    out
}

/// What line-level comparison of a meeting needs: the hunks of both sides at this path.
pub(super) fn needs_lines(m: &Meeting, a: &Effect, b: &Effect) -> bool {
    let (ca, cb) = (&a.changes[m.a], &b.changes[m.b]);
    matches!(classify(m, ca, cb), Class::Lines)
}

enum Class {
    Same,
    Lines,
    Unjudged(&'static str),
}

fn classify(m: &Meeting, ca: &Change, cb: &Change) -> Class {
    if ca.path != m.path || cb.path != m.path {
        return Class::Unjudged("directory");
    }
    if ca.kind == cb.kind && ca.new == cb.new && ca.other == cb.other {
        return Class::Same;
    }
    use ChangeKind::*;
    match (ca.kind, cb.kind) {
        (Modified, Modified) => {
            let (Some(oa), Some(na), Some(ob), Some(nb)) = (ca.old, ca.new, cb.old, cb.new) else {
                return Class::Unjudged("type");
            };
            let kind = |mode: u16| mode & 0o170000;
            if kind(oa.mode) != kind(na.mode) || kind(ob.mode) != kind(nb.mode) {
                return Class::Unjudged("type");
            }
            if oa.mode != na.mode || ob.mode != nb.mode {
                return Class::Unjudged("mode");
            }
            if !na.is_blob() {
                return Class::Unjudged("link");
            }
            Class::Lines
        }
        (Renamed | RenamedInto, _) | (_, Renamed | RenamedInto) => Class::Unjudged("rename"),
        (Deleted, _) | (_, Deleted) => Class::Unjudged("delete"),
        _ => Class::Unjudged("add"),
    }
}

/// How a pair compares at the file and line levels.
pub(super) struct Judged {
    pub files: Vec<SharedFile>,
    pub hunks: Vec<HunkOverlap>,
    pub unjudged: Vec<Unjudged>,
    /// Is any shared file changed differently by the two sides?
    pub differs: bool,
}

impl Judged {
    /// A finding at the hunks level: touching lines changed differently, or a shared
    /// change lines cannot judge.
    pub fn found_at_hunks(&self) -> bool {
        !self.unjudged.is_empty() || self.hunks.iter().any(|h| !h.same_change)
    }
}

/// Compares one pair; `with_lines` asks for the line level (hunks must be present in
/// the effects for every meeting that `needs_lines`).
pub(super) fn judge(
    meetings: &[Meeting],
    (a, scope_a): (&Effect, &Scope),
    (b, scope_b): (&Effect, &Scope),
    with_lines: bool,
) -> Judged {
    let mut judged = Judged {
        files: Vec::new(),
        hunks: Vec::new(),
        unjudged: Vec::new(),
        differs: false,
    };
    for m in meetings {
        let (ca, cb) = (&a.changes[m.a], &b.changes[m.b]);
        let class = classify(m, ca, cb);
        let same = matches!(class, Class::Same);
        judged.differs |= !same;
        judged.files.push(SharedFile {
            path: m.path.clone(),
            a: side(&m.path, ca, scope_a),
            b: side(&m.path, cb, scope_b),
            same_change: same,
        });
        if !with_lines {
            continue;
        }
        match class {
            Class::Same => {}
            Class::Unjudged(reason) => judged.unjudged.push(Unjudged {
                path: m.path.clone(),
                reason,
            }),
            Class::Lines => match (a.lines.get(&m.path), b.lines.get(&m.path)) {
                (Some(Lines::Text(ha)), Some(Lines::Text(hb))) => {
                    for (x, y) in hunks::overlapping(ha, hb) {
                        judged.hunks.push(HunkOverlap {
                            path: m.path.clone(),
                            a: shown(x),
                            b: shown(y),
                            same_change: x == y,
                        });
                    }
                }
                _ => judged.unjudged.push(Unjudged {
                    path: m.path.clone(),
                    reason: "binary",
                }),
            },
        }
    }
    judged
}

fn side(path: &str, change: &Change, scope: &Scope) -> FileSide {
    let (to, from) = match change.kind {
        ChangeKind::Renamed => (change.other.clone(), None),
        ChangeKind::RenamedInto => (None, change.other.clone()),
        _ => (None, None),
    };
    // A rename is inside the scope only if both of its ends are.
    let in_scope =
        scope.contains(&change.path) && change.other.as_deref().is_none_or(|o| scope.contains(o));
    FileSide {
        change: change.kind,
        to,
        from,
        at: (change.path != path).then(|| change.path.clone()),
        in_scope,
    }
}

/// 0-based half-open `[start, end)` to 1-based inclusive `[start+1, end]`.
fn shown(h: &Hunk) -> [u32; 2] {
    [h.start + 1, h.end]
}
