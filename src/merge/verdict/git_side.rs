//! git's side of the verdicts: where git runs and the scratch object directory it
//! writes to ([`GitSide`]), asking it for merges — one `git merge-tree` for one merge,
//! batches over one process per core for many ([`batch_on_all_cores`]) — and its answers
//! read back as verdicts.

use super::scratch::Scratch;
use super::{Pending, Settled, Stage, Text, TextAnswer, TextKey, Work};
use crate::git::TreeMerge;
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
}

impl GitSide {
    /// Makes the scratch object directory.
    pub(super) fn new(place: &Place) -> Result<GitSide> {
        let scratch = Scratch::new(&place.state_dir)?;
        Ok(GitSide {
            place: place.clone(),
            store: gix::odb::loose::Store::at(scratch.path().to_owned(), place.hash),
            scratch,
        })
    }

    /// git's answers to `merges`, in order: one `git merge-tree` for one merge, else
    /// [`batch_on_all_cores`].
    pub(super) fn merge_trees(&self, merges: &[Merge]) -> Result<Vec<TreeMerge>> {
        match merges {
            [(base, ours, theirs)] => Ok(vec![crate::git::merge_trees(
                &self.place.dir,
                self.scratch.path(),
                &self.place.objects,
                base.as_deref(),
                [ours, theirs],
            )?]),
            _ => self.batch(merges),
        }
    }

    /// git's answers to `merges`, in order, from [`batch_on_all_cores`]; one for each.
    fn batch(&self, merges: &[Merge]) -> Result<Vec<TreeMerge>> {
        let Place { dir, objects, .. } = &self.place;
        let answers = batch_on_all_cores(dir, self.scratch.path(), objects, merges)?;
        if answers.len() != merges.len() {
            return Err(anyhow!(
                "git merge-tree answered {} merges of {}",
                answers.len(),
                merges.len()
            ));
        }
        Ok(answers)
    }

    /// For each pending merge, git's virtual merge base when the merge has one to be
    /// made first ([`Pending::on_virtual_base`]) and that merge is clean: all made in one
    /// run of git.
    pub(super) fn virtual_bases(
        &self,
        repo: &gix::Repository,
        pending: &[Pending],
    ) -> Result<Vec<Option<ObjectId>>> {
        let mut out = vec![None; pending.len()];
        // Per pending merge, which merge of bases gives its virtual base (pairs of tracks
        // often share one).
        let mut slots = Vec::new();
        let mut merges = Vec::new();
        let mut asked: BTreeMap<(ObjectId, ObjectId, ObjectId), usize> = BTreeMap::new();
        for (i, Pending(work)) in pending.iter().enumerate() {
            if let Work::Whole {
                virtual_base: Some(v),
                ..
            } = work
            {
                let key = (v.base, v.first, v.second);
                let n = match asked.get(&key) {
                    Some(n) => *n,
                    None => {
                        for id in [v.base, v.first, v.second] {
                            self.export_all(repo, id)?;
                        }
                        merges.push((
                            Some(v.base.to_string()),
                            v.first.to_string(),
                            v.second.to_string(),
                        ));
                        asked.insert(key, merges.len() - 1);
                        merges.len() - 1
                    }
                };
                slots.push((i, n));
            }
        }
        if merges.is_empty() {
            return Ok(out);
        }
        let answers = self.batch(&merges)?;
        for (i, n) in slots {
            let merged = &answers[n];
            if merged.clean {
                out[i] = Some(
                    ObjectId::from_hex(merged.tree.as_bytes())
                        .with_context(|| format!("git merge-tree answered {:?}", merged.tree))?,
                );
            }
        }
        Ok(out)
    }

    /// The merge git is to make of `texts`: three trees holding only them, at their
    /// paths (so that attributes apply), written to the scratch directory.
    pub(super) fn text_merge(&self, repo: &gix::Repository, texts: &[&Text]) -> Result<Merge> {
        let mut sides: [BTreeMap<&str, Stage>; 3] = Default::default();
        for text in texts {
            for (side, stage) in sides.iter_mut().zip(text.stages) {
                if let Some((mode, id)) = stage {
                    self.export(repo, id)?;
                    side.insert(&text.path, (mode, id));
                }
            }
        }
        let [base, ours, theirs] = sides;
        Ok((
            Some(self.write_tree(&base)?.to_string()),
            self.write_tree(&ours)?.to_string(),
            self.write_tree(&theirs)?.to_string(),
        ))
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
        let mut editor = repo.edit_tree(tree)?;
        for (path, (mode, id)) in resolved {
            self.import(repo, id)?;
            editor.upsert(path.as_str(), mode.kind(), id)?;
        }
        Ok(Settled::Clean(editor.write()?.detach()))
    }

    /// The verdict on a merge git made whole.
    pub(super) fn conclude_whole(
        &self,
        repo: &gix::Repository,
        merged: TreeMerge,
    ) -> Result<Settled> {
        if !merged.clean {
            let mut paths = merged.conflicted;
            paths.sort();
            paths.dedup();
            return Ok(Settled::Conflict(paths));
        }
        let tree = tree_id(&merged)?;
        self.import_all(repo, tree)?;
        Ok(Settled::Clean(tree))
    }
}

/// The tree git's merge wrote.
fn tree_id(merged: &TreeMerge) -> Result<ObjectId> {
    ObjectId::from_hex(merged.tree.as_bytes())
        .with_context(|| format!("git merge-tree answered {:?}", merged.tree))
}

/// [`crate::git::merge_trees_batch`] split over one git process per core. Merges git
/// must find merge bases for (several of them) cost it most, so they are dealt out
/// first, round the processes. The answers come in the order of `merges`.
fn batch_on_all_cores(
    dir: &Path,
    objects: &Path,
    alternates: &Path,
    merges: &[Merge],
) -> Result<Vec<TreeMerge>> {
    let processes = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(merges.len());
    if processes <= 1 {
        return crate::git::merge_trees_batch(dir, objects, alternates, merges);
    }
    // Merges with no base given first, then the rest, dealt round.
    let mut order: Vec<usize> = (0..merges.len()).collect();
    order.sort_by_key(|&i| merges[i].0.is_some());
    let mut shares: Vec<Vec<usize>> = vec![Vec::new(); processes];
    for (n, i) in order.into_iter().enumerate() {
        shares[n % processes].push(i);
    }
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
