//! Tips known to be in an integration tip's history, kept across commands in
//! `<common dir>/track/contained`.
//!
//! Which tracks a branch already holds is asked by every plan (the tracks it leaves out
//! are reported unless merged) and by `status`, for every track. Tracks merged long ago
//! sit deep in history, and the walk that finds them grows with their number: with 1,000
//! tracks it was the largest cost of merging one track. "This commit is in that one's
//! history" never stops being true, and stays true of every descendant: so the tips found
//! contained are kept with the tip they were found in, and a later question about that
//! tip, or one that descends from it, walks only for the others.
//!
//! The file is a line `git-track-contained 1 <commit>` and one tip per line. Only tips
//! found contained are kept (a walk by commit dates may miss one under clock skew, never
//! claim one); a file that does not parse whole is ignored and rewritten.

use super::{Dag, Source};
use anyhow::Result;
use gix::ObjectId;
use std::collections::HashSet;
use std::path::PathBuf;

const MAGIC: &str = "git-track-contained 1";
pub const FILE_NAME: &str = "contained";

/// Past this many tips, only those of the last question are kept.
const MAX_TIPS: usize = 50_000;

/// [`Dag::contained`], with the tips kept from before: the answer for each of `tips`, and
/// the file brought up to date when a tip was found or the integration tip moved on.
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
    let kept_of = |k: &Option<Known>, t: &ObjectId| k.as_ref().is_some_and(|k| k.tips.contains(t));
    let mut unknown: Vec<ObjectId> = tips
        .iter()
        .filter(|t| !kept_of(&read_back, t))
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
    let known = if holds {
        read_back
    } else {
        // The branch no longer holds that commit (it was reset): nothing kept counts.
        unknown = tips.to_vec();
        found = dag.contained(src, &unknown, descendant)?;
        None
    };
    let is_known = |t: &ObjectId| kept_of(&known, t);
    let new: HashSet<ObjectId> = unknown
        .iter()
        .zip(&found)
        .filter_map(|(t, f)| f.then_some(*t))
        .collect();
    let answer: Vec<bool> = tips
        .iter()
        .map(|t| is_known(t) || new.contains(t))
        .collect();
    let moved = known.as_ref().is_some_and(|k| k.commit != descendant);
    if !new.is_empty() || moved {
        let mut kept = known.map(|k| k.tips).unwrap_or_default();
        kept.extend(new);
        let asked: HashSet<ObjectId> = tips
            .iter()
            .zip(&answer)
            .filter_map(|(t, a)| a.then_some(*t))
            .collect();
        let now = Known {
            commit: descendant,
            tips: kept,
        };
        write(repo, &now, &asked);
    }
    Ok(answer)
}

/// Tips contained in `commit`.
struct Known {
    commit: ObjectId,
    tips: HashSet<ObjectId>,
}

fn path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("track").join(FILE_NAME)
}

/// What the file holds, if it parses whole.
fn read(repo: &gix::Repository) -> Option<Known> {
    let text = std::fs::read_to_string(path(repo)).ok()?;
    let mut lines = text.lines();
    let commit = lines.next()?.strip_prefix(MAGIC)?.strip_prefix(' ')?;
    let commit = parse(commit)?;
    let tips = lines.map(parse).collect::<Option<HashSet<_>>>()?;
    Some(Known { commit, tips })
}

fn parse(hex: &str) -> Option<ObjectId> {
    ObjectId::from_hex(hex.as_bytes()).ok()
}

/// Keeps `known` (or, when it has grown past [`MAX_TIPS`], only the tips of the last
/// question found contained, `asked`). A cache that cannot be written is simply not kept.
fn write(repo: &gix::Repository, known: &Known, asked: &HashSet<ObjectId>) {
    let tips = if known.tips.len() > MAX_TIPS {
        asked
    } else {
        &known.tips
    };
    let mut text = format!("{MAGIC} {}\n", known.commit);
    for tip in tips {
        text.push_str(&tip.to_string());
        text.push('\n');
    }
    // Write then rename: a reader never sees half a file.
    let _ = crate::fault::write_file(&path(repo), text.as_bytes());
}
