//! Tips known to be in an integration tip's history, or known not to be, kept across
//! commands in `<common dir>/track/contained`.
//!
//! Which tracks a branch already holds is asked by every plan (the tracks it leaves out
//! are reported unless merged) and by `status`, for every track. Tracks merged long ago
//! sit deep in history, and the walk that finds them grows with their number: with 1,000
//! tracks it was the largest cost of merging one track. "This commit is in that one's
//! history" never stops being true, and stays true of every descendant: so the tips found
//! contained are kept with the tip they were found in, and a later question about that
//! tip, or one that descends from it, walks only for the others.
//!
//! A tip that is not contained costs the longest walk of all when it forked long ago (the
//! walk goes down to its age): "not in that commit's history" is kept too, but holds for
//! that very commit only, and is dropped as soon as the integration tip moves.
//!
//! The file is a line `git-track-contained 2 <commit>`, then one tip per line: a tip
//! contained, or `!<tip>` for one that is not. A walk by commit dates may miss a
//! contained tip under clock skew, never claim one; kept, the miss lasts until the
//! integration tip moves, as it would have been made anew by each walk. A file that does
//! not parse whole is ignored and rewritten.

use super::{Dag, Source};
use anyhow::Result;
use gix::ObjectId;
use std::collections::HashSet;
use std::path::PathBuf;

const MAGIC: &str = "git-track-contained 2";
pub const FILE_NAME: &str = "contained";

/// Past this many tips, only those of the last question are kept.
const MAX_TIPS: usize = 50_000;

/// [`Dag::contained`], with the tips kept from before: the answer for each of `tips`, and
/// the file brought up to date when a tip was found either way or the integration tip
/// moved on.
pub fn contained(
    dag: &Dag,
    src: Source<'_>,
    tips: &[ObjectId],
    descendant: ObjectId,
) -> Result<Vec<bool>> {
    let repo = src.repo;
    if super::parents_rewritten(repo) {
        return dag.contained(src, tips, descendant);
    }
    // The tips kept are in `descendant` too when their commit is in its history: the one
    // walk for the other tips asks for that commit too, when the integration tip moved.
    let read_back = read(repo);
    let moved_from = read_back
        .as_ref()
        .map(|k| k.commit)
        .filter(|c| *c != descendant);
    let mut unknown: Vec<ObjectId> = tips
        .iter()
        .filter(|&t| {
            read_back
                .as_ref()
                .is_none_or(|k| !k.tips.contains(t) && (moved_from.is_some() || !k.not.contains(t)))
        })
        .copied()
        .collect();
    unknown.extend(moved_from);
    let mut found = dag.contained(src, &unknown, descendant)?;
    let holds = match moved_from {
        None => true,
        Some(_) => {
            unknown.pop();
            found.pop() == Some(true)
        }
    };
    let known = match read_back {
        // What was not in the commit kept may be in its descendant.
        Some(k) if holds => Some(Known {
            not: if moved_from.is_some() {
                HashSet::new()
            } else {
                k.not
            },
            ..k
        }),
        _ => {
            if !holds {
                // The branch no longer holds that commit (it was reset): nothing kept
                // counts.
                unknown = tips.to_vec();
                found = dag.contained(src, &unknown, descendant)?;
            }
            None
        }
    };
    let (mut new, mut new_not) = (HashSet::new(), HashSet::new());
    for (t, f) in unknown.iter().zip(&found) {
        if *f {
            new.insert(*t);
        } else {
            new_not.insert(*t);
        }
    }
    let answer: Vec<bool> = tips
        .iter()
        .map(|t| new.contains(t) || known.as_ref().is_some_and(|k| k.tips.contains(t)))
        .collect();
    if new.is_empty() && new_not.is_empty() && moved_from.is_none() {
        return Ok(answer);
    }
    let asked: HashSet<ObjectId> = tips
        .iter()
        .zip(&answer)
        .filter_map(|(t, a)| a.then_some(*t))
        .collect();
    let mut now = known.unwrap_or(Known {
        commit: descendant,
        tips: HashSet::new(),
        not: HashSet::new(),
    });
    now.commit = descendant;
    now.tips.extend(new);
    now.not.extend(new_not.iter().copied());
    write(repo, &now, &asked, &new_not);
    Ok(answer)
}

/// Tips contained in `commit`, and tips not contained in it.
struct Known {
    commit: ObjectId,
    tips: HashSet<ObjectId>,
    not: HashSet<ObjectId>,
}

fn path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("track").join(FILE_NAME)
}

/// What the file holds, if it parses whole.
fn read(repo: &gix::Repository) -> Option<Known> {
    let text = std::fs::read_to_string(path(repo)).ok()?;
    let mut lines = text.lines();
    let commit = lines.next()?.strip_prefix(MAGIC)?.strip_prefix(' ')?;
    let mut known = Known {
        commit: parse(commit)?,
        tips: HashSet::new(),
        not: HashSet::new(),
    };
    for line in lines {
        match line.strip_prefix('!') {
            Some(tip) => known.not.insert(parse(tip)?),
            None => known.tips.insert(parse(line)?),
        };
    }
    Some(known)
}

fn parse(hex: &str) -> Option<ObjectId> {
    ObjectId::from_hex(hex.as_bytes()).ok()
}

/// Keeps `known` (or, of a kind grown past [`MAX_TIPS`], only the tips of the last
/// question: `asked` found contained, `asked_not` not). A cache that cannot be written is
/// simply not kept.
fn write(
    repo: &gix::Repository,
    known: &Known,
    asked: &HashSet<ObjectId>,
    asked_not: &HashSet<ObjectId>,
) {
    let tips = if known.tips.len() > MAX_TIPS {
        asked
    } else {
        &known.tips
    };
    let not = if known.not.len() > MAX_TIPS {
        asked_not
    } else {
        &known.not
    };
    let mut text = format!("{MAGIC} {}\n", known.commit);
    for tip in tips {
        text.push_str(&tip.to_string());
        text.push('\n');
    }
    for tip in not {
        text.push('!');
        text.push_str(&tip.to_string());
        text.push('\n');
    }
    // Write then rename: a reader never sees half a file.
    let _ = crate::fault::write_file(&path(repo), text.as_bytes());
}
