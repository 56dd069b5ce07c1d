//! The verdicts of pairs at [`Level::Conflicts`](crate::overlap::Level::Conflicts): from
//! the cache, or by git's ordered merge (B into the commit of A merged into the
//! integration tip), made in memory.

use super::bases::known_bases;
use super::{IntegrationContext, JudgedPair, Meetings, key};
use crate::overlap::Input;
use crate::overlap::cache::{Cache, Verdict};
use crate::overlap::compare::{self, Meeting};
use crate::overlap::effect::{Effect, PartialVerdict};
use crate::progress;
use anyhow::Result;
use gix::ObjectId;
use std::collections::BTreeMap;

impl IntegrationContext<'_> {
    /// The verdict of each judged pair: from the cache, or by git's ordered merge (B into
    /// the commit of A merged into the integration tip); `None` for a pair of which a
    /// track does not merge into the integration tip by itself.
    pub(super) fn pair_verdicts(
        &mut self,
        inputs: &[Input],
        effects: &[Effect],
        meetings: &Meetings,
        judged: &[JudgedPair],
        cache: &mut Cache,
    ) -> Result<Vec<Option<Verdict>>> {
        let (mut verdicts, todo) = known_verdicts(inputs, effects, judged, cache);
        let merges = self.ordered_merges(inputs, effects, judged, &todo, cache)?;
        let progress = self.progress;
        let made = progress::stage(progress, "Merging pairs in memory", merges.len(), || {
            self.merge_pairs(&merges)
        })?;
        for ((n, key), (mut verdict, bases)) in todo.iter().zip(made) {
            cache.put_bases(key, &bases);
            let (ia, ib) = judged[*n].0;
            if self.directory_rename_conflicts
                && let Some(met) = meetings.get(&(ia, ib))
            {
                add_directory_rename_conflicts(&mut verdict, met, &effects[ia], &effects[ib]);
            }
            cache.put_pair(key, verdict.clone());
            verdicts[*n] = Some(verdict);
        }
        Ok(verdicts)
    }

    /// The ordered merge of each pair in `todo`: the commit of A merged into the
    /// integration tip (made once per A), B's tip, and the merge bases the cache holds
    /// for earlier tips of the two.
    fn ordered_merges(
        &mut self,
        inputs: &[Input],
        effects: &[Effect],
        judged: &[JudgedPair],
        todo: &[(usize, String)],
        cache: &Cache,
    ) -> Result<Vec<PairMerge>> {
        let mut merged_a: BTreeMap<usize, ObjectId> = BTreeMap::new();
        let mut merges = Vec::with_capacity(todo.len());
        for (n, _) in todo {
            let (ia, ib) = judged[*n].0;
            let commit = match merged_a.get(&ia) {
                Some(c) => *c,
                None => {
                    let tree = self.materialize(inputs[ia].tip, &effects[ia])?;
                    let c = self.merge_commit(tree, inputs[ia].tip)?;
                    merged_a.insert(ia, c);
                    c
                }
            };
            let (chain_a, chain_b) = (self.chain(inputs[ia].tip)?, self.chain(inputs[ib].tip)?);
            let known = known_bases(cache, &chain_a, &chain_b);
            merges.push((commit, inputs[ib].tip, known));
        }
        Ok(merges)
    }

    /// The ordered merge of each pair, in memory: B merged into the commit of A merged
    /// into the integration tip, with the merge bases git would find (given when known);
    /// each verdict comes with the merge bases the merge had.
    pub(super) fn merge_pairs(
        &mut self,
        merges: &[PairMerge],
    ) -> Result<Vec<(Verdict, Vec<ObjectId>)>> {
        let partials = self.on_all_cores(merges, |worker, walk, (ours, theirs, known)| {
            let bases = match known {
                Some(bases) => bases.clone(),
                None => walk.merge_bases(*ours, *theirs)?,
            };
            let partial = worker.merge_commits(walk, &bases, *ours, *theirs)?;
            Ok((partial, bases))
        })?;
        let (partials, bases): (Vec<_>, Vec<_>) = partials.into_iter().unzip();
        let partials = self.on_virtual_bases(
            partials,
            PartialVerdict::pending,
            |worker, partial, base| worker.verdict_on_virtual_base(partial, base),
        )?;
        // The merges git has to judge, all in one run of git.
        let verdicts = self.finish_with(|worker| worker.finish_verdicts(partials))?;
        Ok(verdicts
            .into_iter()
            .map(|conflicts| Verdict {
                conflict: conflicts.is_some(),
                paths: conflicts.unwrap_or_default(),
            })
            .zip(bases)
            .collect())
    }

    /// The merge commit of a track into the integration tip, in memory.
    pub(super) fn merge_commit(&self, tree: ObjectId, tip: ObjectId) -> Result<ObjectId> {
        let commit =
            crate::overlap::fixed_commit(&self.main, tree, &[self.integration, tip], "merge\n")?;
        Ok(self.main.write_object(&commit)?.detach())
    }
}

/// A pair's ordered merge: the commit of A merged into the integration tip, B's tip, and
/// their merge bases when known.
type PairMerge = (ObjectId, ObjectId, Option<Vec<ObjectId>>);

/// The verdicts known without a merge: none for a pair of which a track does not merge
/// cleanly by itself, clean for a pair whose shared changes do not differ, else the
/// cache's; and the pairs left to merge, with their cache keys.
fn known_verdicts(
    inputs: &[Input],
    effects: &[Effect],
    judged: &[JudgedPair],
    cache: &mut Cache,
) -> (Vec<Option<Verdict>>, Vec<(usize, String)>) {
    let mut verdicts: Vec<Option<Verdict>> = vec![None; judged.len()];
    let mut todo = Vec::new();
    for (n, ((ia, ib), j)) in judged.iter().enumerate() {
        if !(effects[*ia].clean && effects[*ib].clean) {
            continue;
        }
        if !j.differs {
            verdicts[n] = Some(Verdict {
                conflict: false,
                paths: Vec::new(),
            });
            continue;
        }
        let key = format!("{} {}", key(&inputs[*ia]), key(&inputs[*ib]));
        match cache.pair(&key) {
            Some(v) => verdicts[n] = Some(v),
            None => todo.push((n, key)),
        }
    }
    (verdicts, todo)
}

/// git (merge.directoryRenames=conflict) stops on an addition its directory-rename
/// detection moves; gix's merge does not always see it: such an addition, where one
/// track adds to a folder the other renames away, makes the pair conflict.
fn add_directory_rename_conflicts(
    verdict: &mut Verdict,
    meetings: &[Meeting],
    a: &Effect,
    b: &Effect,
) {
    for m in meetings {
        let compare::Met::EmptiedFolder { folder } = &m.how else {
            continue;
        };
        let adder_is_a = a.changes[m.a].path == m.path;
        let emptier = if adder_is_a { b } else { a };
        if compare::renames_folder(emptier, folder) {
            verdict.conflict = true;
            if !verdict.paths.contains(&m.path) {
                verdict.paths.push(m.path.clone());
                verdict.paths.sort();
            }
        }
    }
}
