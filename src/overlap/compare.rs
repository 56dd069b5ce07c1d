//! Comparing the effective changes of tracks: which paths two tracks both change, and
//! whether their changed lines overlap or touch.

use super::effect::{Change, ChangeKind, Effect};
use super::hunks::{self, Hunk, Lines};
use crate::scope::Scope;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

/// Where two tracks' changes meet: `path`, and the change of each side (by index into its
/// effect's changes). A side's change may lie below `path` when the other side turns
/// `path` into a file where it had a folder (or back).
#[derive(Debug, Clone)]
pub(super) struct Meeting {
    pub path: String,
    pub a: usize,
    pub b: usize,
    pub how: Met,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Met {
    /// Both change `path`.
    SamePath,
    /// One side has a file at `path`, the other changes something below it.
    FileFolder,
    /// One side adds `path` into `folder`, which the other side empties (renames away):
    /// git's directory-rename detection moves the addition and calls that a conflict.
    EmptiedFolder { folder: String },
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
    /// binary, mode, type, link, rename, delete, add, directory (a file where the other
    /// side has a folder), moved-folder (an addition into a folder the other side renames)
    pub reason: &'static str,
}

/// Every changed path, with the tracks (and change index) that change it.
type ByPath<'e> = BTreeMap<&'e str, Vec<(usize, usize)>>;

/// Every pair of tracks (by index, `a < b`) whose effective changes meet, with where.
/// `emptied(track, folder)` tells whether a track's result no longer has `folder`.
pub(super) fn meetings(
    effects: &[&Effect],
    emptied: &mut dyn FnMut(usize, &str) -> anyhow::Result<bool>,
) -> anyhow::Result<BTreeMap<(usize, usize), Vec<Meeting>>> {
    let mut by_path: ByPath<'_> = BTreeMap::new();
    for (t, effect) in effects.iter().enumerate() {
        for (c, change) in effect.changes.iter().enumerate() {
            by_path
                .entry(change.path.as_str())
                .or_default()
                .push((t, c));
        }
    }
    let mut found = Found::default();
    for (path, touched) in &by_path {
        if touched.len() > 1 {
            for (i, x) in touched.iter().enumerate() {
                for y in &touched[i + 1..] {
                    found.add(path, Met::SamePath, *x, *y);
                }
            }
        }
        // A file where another track changes something below the same name: git meets
        // a file/folder clash there.
        for &(t, c) in touched {
            if effects[t].changes[c].new.is_none() {
                continue;
            }
            for &other in below(&by_path, path) {
                found.add(path, Met::FileFolder, (t, c), other);
            }
            if effects[t].changes[c].old.is_some() {
                continue;
            }
            added_into_emptied(effects, &by_path, path, (t, c), emptied, &mut found)?;
        }
    }
    let mut out = found.out;
    for list in out.values_mut() {
        list.sort_by(|x, y| x.path.cmp(&y.path));
    }
    Ok(out)
}

/// The meetings found so far: the first way a pair meets at a path is the one kept.
#[derive(Default)]
struct Found {
    out: BTreeMap<(usize, usize), Vec<Meeting>>,
    seen: HashSet<(usize, usize, String)>,
}

impl Found {
    /// Two tracks' changes (track, change index) meeting at `path`, in either order; a
    /// track does not meet itself.
    fn add(&mut self, path: &str, how: Met, (ta, ca): (usize, usize), (tb, cb): (usize, usize)) {
        if ta == tb {
            return;
        }
        let ((ta, ca), (tb, cb)) = if ta < tb {
            ((ta, ca), (tb, cb))
        } else {
            ((tb, cb), (ta, ca))
        };
        if self.seen.insert((ta, tb, path.to_owned())) {
            self.out.entry((ta, tb)).or_default().push(Meeting {
                path: path.to_owned(),
                a: ca,
                b: cb,
                how,
            });
        }
    }
}

/// An addition at `path` (track, change index) into a folder, at any depth, that another
/// track empties.
fn added_into_emptied(
    effects: &[&Effect],
    by_path: &ByPath<'_>,
    path: &str,
    (t, c): (usize, usize),
    emptied: &mut dyn FnMut(usize, &str) -> anyhow::Result<bool>,
    found: &mut Found,
) -> anyhow::Result<()> {
    let mut folder = path;
    while let Some(cut) = folder.rfind('/') {
        folder = &folder[..cut];
        // The tracks that remove something below the folder, each by its first such change.
        let mut emptiers: Vec<(usize, usize)> = Vec::new();
        for &(u, d) in below(by_path, folder) {
            if u != t
                && effects[u].changes[d].new.is_none()
                && !emptiers.iter().any(|(v, _)| *v == u)
            {
                emptiers.push((u, d));
            }
        }
        for (u, d) in emptiers {
            if emptied(u, folder)? {
                let how = Met::EmptiedFolder {
                    folder: folder.to_owned(),
                };
                found.add(path, how, (t, c), (u, d));
            }
        }
    }
    Ok(())
}

/// The changes of paths strictly below `folder`, in path order.
fn below<'m>(by_path: &'m ByPath<'_>, folder: &str) -> impl Iterator<Item = &'m (usize, usize)> {
    let lower = format!("{folder}/");
    let upper = format!("{folder}0"); // '0' sorts right after '/'
    by_path
        .range::<str, _>((
            Bound::Included(lower.as_str()),
            Bound::Excluded(upper.as_str()),
        ))
        .flat_map(|(_, changes)| changes)
}

/// Did `effect` rename `folder` as a whole, as git's directory-rename detection sees it:
/// the renames of files below it point, most often and without a tie, to one other folder?
pub(super) fn renames_folder(effect: &Effect, folder: &str) -> bool {
    let prefix = format!("{folder}/");
    let mut targets: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &effect.changes {
        let (ChangeKind::Renamed, Some(to)) = (c.kind, c.other.as_deref()) else {
            continue;
        };
        let Some(rest) = c.path.strip_prefix(&prefix) else {
            continue;
        };
        if let Some(target) = to.strip_suffix(rest).and_then(|t| t.strip_suffix('/')) {
            *targets.entry(target).or_default() += 1;
        }
    }
    let mut counts: Vec<usize> = targets.into_values().collect();
    counts.sort_unstable_by(|x, y| y.cmp(x));
    match counts.as_slice() {
        [] => false,
        [_] => true,
        [first, second, ..] => first > second,
    }
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
    match m.how {
        Met::FileFolder => return Class::Unjudged("directory"),
        Met::EmptiedFolder { .. } => return Class::Unjudged("moved-folder"),
        Met::SamePath => {}
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
