//! git's side of the verdicts: where git runs and the scratch object directory it
//! writes to ([`GitSide`]), asking it for merges — one `git merge-tree` for one merge,
//! batches over one process per core for many ([`batch_on_all_cores`]) — and its answers
//! read back as verdicts.

use super::scratch::Scratch;
use super::{Pending, Settled, Stage, Text, TextAnswer, TextKey, Work};
use crate::git::TreeMerge;
use crate::tree_edit::TreeEdit;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One merge for git: the merge base (`None`: git finds it), ours, theirs.
pub(super) type Merge = (Option<String>, String, String);

/// Where git's side goes, read from the repository when the `Judge` is made.
#[derive(Clone)]
pub(super) struct Place {
    /// Where git runs, and the object directory it reads besides the scratch one.
    dir: PathBuf,
    objects: PathBuf,
    /// `<git common dir>/track`, where the scratch directories go.
    state_dir: PathBuf,
    pub(super) hash: gix::hash::Kind,
}

impl Place {
    pub(super) fn of(repo: &gix::Repository) -> Place {
        Place {
            dir: repo.workdir().unwrap_or(repo.git_dir()).to_owned(),
            objects: repo.objects.store_ref().path().to_owned(),
            state_dir: repo.common_dir().join("track"),
            hash: repo.object_hash(),
        }
    }
}

/// git's side: the scratch object directory its merges read from and write to.
pub(super) struct GitSide {
    pub(super) place: Place,
    pub(super) store: gix::odb::loose::Store,
    pub(super) scratch: Scratch,
    /// The virtual merge bases git made so far (`None`: their merge conflicts), by
    /// (base, first, second). A merge whose bases conflict comes back to git whole, and
    /// would otherwise have them merged again first (in `overlap`, several runs of git
    /// asked only that).
    virtual_made: HashMap<(ObjectId, ObjectId, ObjectId), Option<ObjectId>>,
}

impl GitSide {
    /// Makes the scratch object directory.
    pub(super) fn new(place: &Place) -> Result<GitSide> {
        let scratch = Scratch::new(&place.state_dir)?;
        Ok(GitSide {
            place: place.clone(),
            store: gix::odb::loose::Store::at(scratch.path().to_owned(), place.hash),
            scratch,
            virtual_made: HashMap::new(),
        })
    }

    /// git's answers to `merges`, in order: one `git merge-tree` for one merge, else
    /// [`batch_on_all_cores`], which shares them out by their `costs` (see [`Cost`]).
    pub(super) fn merge_trees(&self, merges: &[Merge], costs: &[Cost]) -> Result<Vec<TreeMerge>> {
        match merges {
            [(base, ours, theirs)] => Ok(vec![crate::git::merge_trees(
                &self.place.dir,
                self.scratch.path(),
                &self.place.objects,
                base.as_deref(),
                [ours, theirs],
            )?]),
            _ => {
                let Place { dir, objects, .. } = &self.place;
                let answers = batch_on_all_cores(dir, self.scratch.path(), objects, merges, costs)?;
                if answers.len() != merges.len() {
                    return Err(anyhow!(
                        "git merge-tree answered {} merges of {}",
                        answers.len(),
                        merges.len()
                    ));
                }
                Ok(answers)
            }
        }
    }

    /// For each pending merge, git's virtual merge base when the merge has one to be
    /// made first ([`Pending::on_virtual_base`]) and that merge is clean: those not made
    /// before, all in one run of git.
    pub(super) fn virtual_bases(
        &mut self,
        repo: &gix::Repository,
        pending: &[&Pending],
    ) -> Result<Vec<Option<ObjectId>>> {
        let keys: Vec<Option<(ObjectId, ObjectId, ObjectId)>> = pending
            .iter()
            .map(|&Pending(work)| match work {
                Work::Whole {
                    virtual_base: Some(v),
                    ..
                } => Some((v.base, v.first, v.second)),
                _ => None,
            })
            .collect();
        // Each merge of bases asked once (pairs of tracks often share one), and not
        // again when an earlier run of git made it.
        let mut asked: Vec<(ObjectId, ObjectId, ObjectId)> = Vec::new();
        for &key in keys.iter().flatten() {
            if !self.virtual_made.contains_key(&key) && !asked.contains(&key) {
                asked.push(key);
            }
        }
        if !asked.is_empty() {
            let mut merges = Vec::with_capacity(asked.len());
            for &(base, first, second) in &asked {
                for id in [base, first, second] {
                    self.export_all(repo, id)?;
                }
                merges.push((
                    Some(base.to_string()),
                    first.to_string(),
                    second.to_string(),
                ));
            }
            let costs = vec![Cost::WHOLE_ON_BASE; merges.len()];
            let answers = self.merge_trees(&merges, &costs)?;
            for (key, merged) in asked.into_iter().zip(answers) {
                let made =
                    if merged.clean {
                        Some(ObjectId::from_hex(merged.tree.as_bytes()).with_context(|| {
                            format!("git merge-tree answered {:?}", merged.tree)
                        })?)
                    } else {
                        None
                    };
                self.virtual_made.insert(key, made);
            }
        }
        Ok(keys
            .into_iter()
            .map(|key| key.and_then(|key| self.virtual_made.get(&key).copied().flatten()))
            .collect())
    }

    /// The merge git is to make of `texts`: three trees holding only them, at their
    /// paths (so that attributes apply), written to the scratch directory; and its cost.
    pub(super) fn text_merge(
        &self,
        repo: &gix::Repository,
        texts: &[&Text],
    ) -> Result<(Merge, Cost)> {
        let mut sides: [BTreeMap<&str, Stage>; 3] = Default::default();
        let mut bytes = 0;
        for text in texts {
            for (side, stage) in sides.iter_mut().zip(text.stages) {
                if let Some((mode, id)) = stage {
                    self.export(repo, id)?;
                    // A size unknown counts as none: it only weighs the merge.
                    bytes += repo.find_header(id).map_or(0, |h| h.size());
                    side.insert(&text.path, (mode, id));
                }
            }
        }
        let [base, ours, theirs] = sides;
        let merge = (
            Some(self.write_tree(&base)?.to_string()),
            self.write_tree(&ours)?.to_string(),
            self.write_tree(&theirs)?.to_string(),
        );
        Ok((merge, Cost(bytes)))
    }

    /// git's answer for each of `texts` from its merge of them.
    pub(super) fn text_answers(
        &self,
        repo: &gix::Repository,
        texts: &[&Text],
        merged: &TreeMerge,
    ) -> Result<Vec<(TextKey, TextAnswer)>> {
        let tree = tree_id(merged)?;
        let conflicted: BTreeSet<&str> = merged.conflicted.iter().map(String::as_str).collect();
        let mut out = Vec::with_capacity(texts.len());
        for text in texts {
            let answer = if conflicted.contains(text.path.as_str()) {
                None
            } else {
                let stage = self
                    .entry_at(repo, tree, &text.path)?
                    .ok_or_else(|| anyhow!("git's merge of {} lost the file", text.path))?;
                Some(stage)
            };
            out.push((text.key(), answer));
        }
        Ok(out)
    }

    /// The verdict on a merge whose texts git merged (`answers`): gix's `tree` with git's
    /// merged blobs in place (unless `write` is false: then gix's tree as it is, for a
    /// caller that keeps the verdict alone), or the paths left unresolved.
    pub(super) fn conclude_texts(
        &self,
        repo: &gix::Repository,
        tree: Option<ObjectId>,
        mut unresolved: BTreeSet<String>,
        texts: Vec<Text>,
        answers: &HashMap<TextKey, TextAnswer>,
        write: bool,
    ) -> Result<Settled> {
        let mut resolved = Vec::with_capacity(texts.len());
        for text in texts {
            match answers.get(&text.key()) {
                Some(Some(stage)) => resolved.push((text.path, *stage)),
                Some(None) => {
                    unresolved.insert(text.path);
                }
                None => {
                    return Err(anyhow!(
                        "internal error: git's merge of {} went missing",
                        text.path
                    ));
                }
            }
        }
        let Some(tree) = tree.filter(|_| unresolved.is_empty()) else {
            return Ok(Settled::Conflict(unresolved.into_iter().collect()));
        };
        if !write {
            return Ok(Settled::Clean(tree));
        }
        // git's merged blobs replace gix's.
        let mut editor = TreeEdit::of(repo, tree)?;
        for (path, (mode, id)) in resolved {
            self.import(repo, id)?;
            editor.upsert(&path, mode.kind(), id)?;
        }
        Ok(Settled::Clean(editor.write()?))
    }

    /// The verdict on a merge git made whole; its tree made readable through `repo`
    /// unless `write` is false (a caller that keeps the verdict alone).
    pub(super) fn conclude_whole(
        &self,
        repo: &gix::Repository,
        merged: TreeMerge,
        write: bool,
    ) -> Result<Settled> {
        if !merged.clean {
            let mut paths = merged.conflicted;
            paths.sort();
            paths.dedup();
            return Ok(Settled::Conflict(paths));
        }
        let tree = tree_id(&merged)?;
        if write {
            self.import_all(repo, tree)?;
        }
        Ok(Settled::Clean(tree))
    }
}

/// The tree git's merge wrote.
fn tree_id(merged: &TreeMerge) -> Result<ObjectId> {
    ObjectId::from_hex(merged.tree.as_bytes())
        .with_context(|| format!("git merge-tree answered {:?}", merged.tree))
}

/// What a merge costs git, in bytes of text merged: its three versions of the files it
/// merges (xdiff's work, and reading and writing them, grow with them), or, for a merge
/// of whole trees, a fixed guess of about as much time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Cost(pub(super) u64);

impl Cost {
    /// A whole merge on a given base: rename detection over the trees (a guess).
    pub(super) const WHOLE_ON_BASE: Cost = Cost(300 << 10);
    /// A whole merge of commits whose merge bases git looks for: a walk of history
    /// first (on git.git without a commit-graph, 20–30 ms, where a text merge of 100 KB
    /// takes about 3 ms).
    pub(super) const WHOLE: Cost = Cost(1 << 20);
}

/// [`crate::git::merge_trees_batch`] split over one git process per core: the costliest
/// merge first, each to the process with least to do so far, so that the processes end
/// together (dealt round, one of two often ran 20–50 ms after the other on git.git).
/// Shared out beforehand, not handed out as processes answer: before git 2.49,
/// `merge-tree --stdin` writes its answers to a pipe only when its buffer fills or it
/// exits, so a process waiting for its next merge would never say it had done the last.
/// The answers come in the order of `merges`.
fn batch_on_all_cores(
    dir: &Path,
    objects: &Path,
    alternates: &Path,
    merges: &[Merge],
    costs: &[Cost],
) -> Result<Vec<TreeMerge>> {
    let processes = crate::shares::cores().min(merges.len());
    if processes <= 1 {
        return crate::git::merge_trees_batch(dir, objects, alternates, merges);
    }
    let shares = share_out(merges.len(), costs, processes);
    let answers: Vec<Result<Vec<TreeMerge>>> = std::thread::scope(|s| {
        let running: Vec<_> = shares
            .iter()
            .map(|share| {
                let batch: Vec<Merge> = share.iter().map(|&i| merges[i].clone()).collect();
                s.spawn(move || crate::git::merge_trees_batch(dir, objects, alternates, &batch))
            })
            .collect();
        running
            .into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| Err(anyhow!("a git merge-tree run panicked")))
            })
            .collect()
    });
    let mut out: Vec<Option<TreeMerge>> = vec![None; merges.len()];
    for (share, answer) in shares.iter().zip(answers) {
        for (&i, merged) in share.iter().zip(answer?) {
            out[i] = Some(merged);
        }
    }
    out.into_iter()
        .map(|m| m.ok_or_else(|| anyhow!("internal error: a merge went unanswered")))
        .collect()
}

/// The merges (by index) each of `processes` makes: costliest first, each to the one
/// with the least cost so far (longest processing time first). A merge whose cost is
/// missing counts as a whole one.
fn share_out(merges: usize, costs: &[Cost], processes: usize) -> Vec<Vec<usize>> {
    let cost = |i: usize| costs.get(i).copied().unwrap_or(Cost::WHOLE);
    let mut order: Vec<usize> = (0..merges).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(i)));
    let mut shares: Vec<(u64, Vec<usize>)> = vec![(0, Vec::new()); processes.max(1)];
    for i in order {
        // Among equal loads (merges of empty files weigh nothing), the shorter share.
        if let Some(least) = shares
            .iter_mut()
            .min_by_key(|(load, share)| (*load, share.len()))
        {
            least.0 = least.0.saturating_add(cost(i).0);
            least.1.push(i);
        }
    }
    shares.into_iter().map(|(_, share)| share).collect()
}

#[cfg(test)]
mod tests {
    use super::{Cost, share_out};

    #[test]
    fn merges_are_shared_out_so_that_the_processes_end_together() {
        let costs = [7, 5, 4, 3, 3, 2].map(Cost);
        let shares = share_out(costs.len(), &costs, 2);
        let load = |share: &Vec<usize>| share.iter().map(|&i| costs[i].0).sum::<u64>();
        assert_eq!(shares.iter().map(load).collect::<Vec<_>>(), [12, 12]);
        assert_eq!(shares.iter().map(Vec::len).sum::<usize>(), costs.len());
    }

    #[test]
    fn merges_that_weigh_nothing_are_still_shared_out() {
        let shares = share_out(4, &[Cost(0); 4], 2);
        assert_eq!(shares, [vec![0, 2], vec![1, 3]]);
    }

    #[test]
    fn a_merge_without_a_cost_is_shared_out_as_a_whole_one() {
        let shares = share_out(3, &[Cost(1)], 2);
        assert_eq!(shares, [vec![1, 0], vec![2]]);
    }
}
