//! Where pairs of tracks meet, and how they compare on what they share: files, then,
//! from [`Level::Hunks`], the changed lines of shared files (hunked on demand).

use super::{IntegrationContext, JudgedPair, Meetings, key};
use crate::overlap::cache::Cache;
use crate::overlap::compare;
use crate::overlap::effect::Effect;
use crate::overlap::hunks;
use crate::overlap::{Input, Level};
use crate::progress;
use crate::scope::Scope;
use anyhow::Result;
use gix::ObjectId;
use std::collections::BTreeMap;

impl IntegrationContext<'_> {
    /// Where the effective changes meet, pair by pair. Whether a track empties a folder
    /// is read from the tree it leaves, built once per track.
    pub(super) fn meetings(&self, effects: &[Effect]) -> Result<Meetings> {
        let refs: Vec<&Effect> = effects.iter().collect();
        let mut shapes: BTreeMap<usize, ObjectId> = BTreeMap::new();
        let mut emptied = |t: usize, folder: &str| -> Result<bool> {
            let tree = match shapes.get(&t) {
                Some(tree) => *tree,
                None => {
                    let tree = self.apply(effects[t].old_tree, &effects[t])?;
                    shapes.insert(t, tree);
                    tree
                }
            };
            Ok(self
                .main
                .find_tree(tree)?
                .lookup_entry_by_path(folder)?
                .is_none())
        };
        compare::meetings(&refs, &mut emptied)
    }

    /// Computes the line hunks every meeting needs, for files not hunked before: the
    /// files' diffs on every core (a tenth of a cold `overlap --level conflicts` on
    /// git.git's `seen` when they were made one after another).
    pub(super) fn fill_lines(
        &mut self,
        inputs: &[Input],
        effects: &mut [Effect],
        meetings: &Meetings,
        cache: &mut Cache,
    ) -> Result<()> {
        // (track, change index) pairs whose lines are needed.
        let mut wanted: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (&(ia, ib), list) in meetings {
            for m in list {
                if compare::needs_lines(m, &effects[ia], &effects[ib]) {
                    wanted.entry(ia).or_default().push(m.a);
                    wanted.entry(ib).or_default().push(m.b);
                }
            }
        }
        // Per file to diff: its track, its path, and the blobs before and after.
        let mut diffs: Vec<(usize, String, ObjectId, ObjectId)> = Vec::new();
        let mut hunked = std::collections::BTreeSet::new();
        for (t, mut changes) in wanted {
            changes.sort_unstable();
            changes.dedup();
            let todo: Vec<usize> = changes
                .into_iter()
                .filter(|c| !effects[t].lines.contains_key(&effects[t].changes[*c].path))
                .collect();
            if todo.is_empty() {
                continue;
            }
            hunked.insert(t);
            let snapshot = effects[t].clone();
            self.ensure_blobs(inputs[t].tip, &snapshot)?;
            for c in todo {
                let change = &effects[t].changes[c];
                if let (Some(old), Some(new)) = (change.old, change.new) {
                    diffs.push((t, change.path.clone(), old.id, new.id));
                }
            }
        }
        let progress = self.progress;
        let lines = progress::stage(progress, "Diffing shared files", diffs.len(), || {
            self.on_all_cores(&diffs, |worker, _, (_, _, old, new)| {
                let old_data = worker.repo.find_blob(*old)?.detach().data;
                let new_data = worker.repo.find_blob(*new)?.detach().data;
                Ok(hunks::compute(&old_data, &new_data))
            })
        })?;
        for ((t, path, _, _), lines) in diffs.into_iter().zip(lines) {
            effects[t].lines.insert(path, lines);
        }
        for t in hunked {
            cache.put_track(&key(&inputs[t]), &effects[t]);
        }
        Ok(())
    }
}

/// Each pair that meets, judged on what the two share (and, from [`Level::Hunks`], on
/// their lines) and on their scopes.
pub(super) fn judge_pairs(
    inputs: &[Input],
    effects: &[Effect],
    meetings: &Meetings,
    level: Level,
) -> Result<Vec<JudgedPair>> {
    let scopes = scopes(inputs, meetings)?;
    Ok(meetings
        .iter()
        .map(|(&(ia, ib), list)| {
            let j = compare::judge(
                list,
                (&effects[ia], &scopes[&ia]),
                (&effects[ib], &scopes[&ib]),
                level >= Level::Hunks,
            );
            ((ia, ib), j)
        })
        .collect())
}

/// The scope of each track that meets another, compiled once.
fn scopes(inputs: &[Input], meetings: &Meetings) -> Result<BTreeMap<usize, Scope>> {
    let mut scopes: BTreeMap<usize, Scope> = BTreeMap::new();
    for &(ia, ib) in meetings.keys() {
        for t in [ia, ib] {
            if let std::collections::btree_map::Entry::Vacant(slot) = scopes.entry(t) {
                // A stored scope that no longer parses (edited by hand) counts as everything.
                let scope = Scope::new(&inputs[t].scope).or_else(|_| Scope::new(&[]))?;
                slot.insert(scope);
            }
        }
    }
    Ok(scopes)
}
