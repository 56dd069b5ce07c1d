//! What a merge leaves unresolved: one rule for `git track merge`, its `--dry-run` and
//! `overlap --level conflicts`, and it is git's.
//!
//! gix's tree merge decides what happens to paths (renames, deletions, modes, files
//! against folders). Its text merge is not git's: it diffs with imara-diff and slides
//! ambiguous hunks with an indentation heuristic that git's merge does not use, so two
//! insertions git sees at the same place can land a line apart and merge "cleanly"
//! (git.git's merge 6a5621b6, `ci/run-build-and-tests.sh`). So every file whose content
//! both sides changed is merged again by git itself — one `git merge-tree` of three small
//! trees holding only those files, per merge — and git's answer wins: its merged blob
//! replaces gix's, and a file it leaves conflicted is a conflict. Merges in which the two
//! sides changed no file in common never start git.
//!
//! Merges gix could settle otherwise at the level of paths are git's
//! ([`Judge::merge_commits_by_git`]): several merge bases (git's recursive virtual base is
//! not gix's), and merges that rename detection decides ([`Judge::renames_decide`]). git
//! is given the merge bases found here, so that it need not walk history again: the one
//! base, or the virtual base it would make of two ([`Pending::on_virtual_base`]). A
//! virtual base git made cleanly is a merge base like any other: the merge on it is gix's
//! again, texts redone by git, and only merges renames decide (or whose bases conflict)
//! stay git's whole.
//!
//! What git has to finish can wait ([`Judge::settle_later`], [`Judge::by_git_later`]): a
//! caller judging many merges at once (`overlap`) hands them all to [`Judge::finish`],
//! which asks one `git merge-tree --stdin` for every one of them — one process instead of
//! one per merge.
//!
//! gix is spared the content merges git redoes: [`contents`] sets its tree merges up to
//! judge blobs by their headers alone.
//!
//! The pieces: this file holds the rule — the [`Judge`], the verdicts it gives
//! ([`Settled`]) and the merges that wait for git ([`Pending`], [`Deferred`]) — and
//! which conflicts are text merges for git to redo. `renames` says when rename detection
//! decides a merge. The rest is git's side: `git_side` (where git runs, asking it, its
//! answers read back as verdicts), `objects` (objects carried to and from the scratch
//! directory git works in, and the small trees of the files it merges again) and
//! `scratch` (that directory, removed when done).

pub mod contents;
mod git_side;
mod objects;
mod renames;
mod scratch;

use crate::git::TreeMerge;
use crate::merge::tools::MergeTools;
use anyhow::{Context, Result, anyhow};
use git_side::{Cost, GitSide, Merge, Place};
use gix::ObjectId;
use gix::bstr::{BStr, ByteSlice};
use gix::diff::tree_with_rewrites::Change;
use gix::merge::plumbing::tree::{
    Conflict, ConflictIndexEntry, Outcome, Resolution, ResolutionFailure, TreatAsUnresolved,
};
use gix::objs::tree::{EntryKind, EntryMode};
use std::collections::{BTreeMap, BTreeSet};

/// How a merge ends, as git would end it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The merged tree, written to the repository handle (memory or disk) given.
    Clean(ObjectId),
    /// The paths git would leave conflicted, sorted.
    Conflict(Vec<String>),
}

/// A merge whose verdict git still has to give: see [`Judge::finish`].
#[derive(Clone)]
pub struct Pending(Work);

#[derive(Clone)]
enum Work {
    /// gix settled the paths; git merges the files both sides changed.
    Texts {
        /// gix's merged tree, written, when nothing but the texts is in question.
        tree: Option<ObjectId>,
        /// Paths unresolved whatever git makes of the texts.
        unresolved: BTreeSet<String>,
        texts: Vec<Text>,
    },
    /// git's merge of two commits, all of it, on their one merge base when known.
    Whole {
        base: Option<ObjectId>,
        ours: ObjectId,
        theirs: ObjectId,
        /// For two merge bases: git's virtual merge base is their merge, made first
        /// (see [`Pending::on_virtual_base`]).
        virtual_base: Option<VirtualBase>,
    },
}

/// Two merge bases, in the order git merges them into its virtual base, and their one
/// merge base.
#[derive(Clone, Copy)]
struct VirtualBase {
    base: ObjectId,
    first: ObjectId,
    second: ObjectId,
}

impl Pending {
    /// A whole merge of commits with exactly two merge `bases` (git's order, best first)
    /// that have one merge base themselves, `base_of_bases`.
    ///
    /// git merges such commits on a virtual base: the merge of the two bases (the later
    /// one as ours, then the earlier, as merge-ort's recursion takes them), itself merged
    /// on their merge base. Without a commit-graph, finding those merge bases is most of
    /// what git spends on the merge; they are known here, so [`Judge::finish`] asks git
    /// for the merge of the bases on their given base first. When that merge is clean its
    /// tree is exactly git's virtual base (merge-ort's inner merges differ from outer ones
    /// only in how they record conflicts), and the merge itself is made on it, as git
    /// would (by gix, texts by git, see [`Judge::finish`]); when not, git makes the whole
    /// merge its own way.
    pub fn on_virtual_base(self, bases: [ObjectId; 2], base_of_bases: ObjectId) -> Pending {
        match self.0 {
            Work::Whole {
                base: None,
                ours,
                theirs,
                ..
            } => Pending(Work::Whole {
                base: None,
                ours,
                theirs,
                virtual_base: Some(VirtualBase {
                    base: base_of_bases,
                    first: bases[1],
                    second: bases[0],
                }),
            }),
            other => Pending(other),
        }
    }

    /// Is this a merge on a virtual base git is to make first ([`Judge::virtual_bases`])?
    pub fn needs_virtual_base(&self) -> bool {
        matches!(
            self.0,
            Work::Whole {
                virtual_base: Some(_),
                ..
            }
        )
    }
}

/// A merge settled as git would, or waiting for git.
pub enum Deferred {
    Settled(Settled),
    Pending(Pending),
}

/// The rule, and what git needs to judge text merges (set up on first need).
pub struct Judge {
    /// `merge.directoryRenames=conflict` (git's default): a file that the merge moves
    /// because the other side renamed its folder is a conflict.
    directory_rename_conflicts: bool,
    /// Where git's side goes, made on first need.
    place: Place,
    git: Option<GitSide>,
    /// By merge base: the last integration side compared with it, and the files that
    /// differ between them (a run compares one growing side with a few merge bases).
    ours_changes: std::collections::HashMap<ObjectId, (ObjectId, renames::ChangedFiles)>,
    /// git's answer for each file it merged again in this run: a merge of many tracks
    /// meets the same three versions of a file again and again (a pair's merge repeats
    /// most of its tracks' own), and git is asked once.
    texts: std::collections::HashMap<TextKey, TextAnswer>,
}

/// A text merge: the path (attributes apply by path) and its three stages. Texts share
/// no merge with each other: all of them are changed on both sides, so nothing is
/// deleted and no rename pairs one with another.
type TextKey = (String, [Option<Stage>; 3]);

/// git's merge of a text: its mode and blob, or `None` when git leaves it conflicted.
type TextAnswer = Option<Stage>;

/// A file's mode and blob.
type Stage = (EntryMode, ObjectId);

/// One file whose content both sides changed, as gix merged it.
#[derive(Clone)]
struct Text {
    path: String,
    /// Base (absent for an add/add), ours, theirs.
    stages: [Option<Stage>; 3],
}

impl Text {
    fn key(&self) -> TextKey {
        (self.path.clone(), self.stages)
    }
}

impl Judge {
    pub fn new(repo: &gix::Repository) -> Judge {
        Judge {
            directory_rename_conflicts: directory_rename_conflicts(repo),
            place: Place::of(repo),
            git: None,
            ours_changes: Default::default(),
            texts: Default::default(),
        }
    }

    /// Is this conflict one git stops on? (Text merges are left to [`Judge::settle`].)
    fn is_unresolved(&self, c: &Conflict) -> bool {
        c.is_unresolved(TreatAsUnresolved::git())
            || (self.directory_rename_conflicts
                && matches!(
                    c.resolution,
                    Ok(Resolution::SourceLocationAffectedByRename { .. })
                ))
    }

    /// Ends gix's tree merge as git would: text merges redone by git, then the rule.
    /// Writes the merged tree (and git's merged blobs) through `repo` when clean.
    pub fn settle(
        &mut self,
        repo: &gix::Repository,
        outcome: &mut Outcome<'_>,
        tools: &mut MergeTools,
    ) -> Result<Settled> {
        match self.settle_later(repo, outcome)? {
            Deferred::Settled(settled) => Ok(settled),
            Deferred::Pending(pending) => self.finish_one(repo, pending, tools),
        }
    }

    /// [`Judge::settle`] up to what git has to do: the verdict when gix's merge needs no
    /// text merged again, else the work left for [`Judge::finish`]. Writes gix's merged
    /// tree through `repo` when no path is unresolved.
    pub fn settle_later(
        &self,
        repo: &gix::Repository,
        outcome: &mut Outcome<'_>,
    ) -> Result<Deferred> {
        let mut unresolved = BTreeSet::new();
        let mut texts = Vec::new();
        let mut gitlinks = Vec::new();
        for c in &outcome.conflicts {
            if let Some(text) = text_merge(c) {
                texts.push(text);
            } else if let Some(gitlink) = super::submodule::settled(repo, c) {
                gitlinks.push(gitlink);
            } else if self.is_unresolved(c) {
                let (ours, theirs) = c.changes_in_resolution();
                unresolved.insert(ours.location().to_str_lossy().into_owned());
                unresolved.insert(theirs.location().to_str_lossy().into_owned());
            }
        }
        for (path, id) in gitlinks {
            outcome
                .tree
                .upsert(path.split('/').map(BStr::new), EntryKind::Commit, id)
                .map_err(|e| anyhow!("{e}"))?;
        }
        if texts.is_empty() && !unresolved.is_empty() {
            return Ok(Deferred::Settled(Settled::Conflict(
                unresolved.into_iter().collect(),
            )));
        }
        let tree = if unresolved.is_empty() {
            Some(
                outcome
                    .tree
                    .write(|tree| repo.write_object(tree).map(|id| id.detach()))
                    .map_err(|e| anyhow!("{e}"))
                    .context("could not write the merged tree")?,
            )
        } else {
            None
        };
        match tree {
            Some(tree) if texts.is_empty() => Ok(Deferred::Settled(Settled::Clean(tree))),
            _ => Ok(Deferred::Pending(Pending(Work::Texts {
                tree,
                unresolved,
                texts,
            }))),
        }
    }

    /// git's whole merge of two commits (see [`Judge::merge_commits_by_git`]), left for
    /// [`Judge::finish`]. `bases` are their merge bases (git's order); `base_of_bases` the
    /// one merge base of two of them, when they have one (see [`Pending::on_virtual_base`]).
    pub fn by_git_later(
        bases: &[ObjectId],
        base_of_bases: Option<ObjectId>,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Pending {
        let whole = |base| {
            Pending(Work::Whole {
                base,
                ours,
                theirs,
                virtual_base: None,
            })
        };
        match (bases, base_of_bases) {
            ([base], _) => whole(Some(*base)),
            ([first, second], Some(base)) => whole(None).on_virtual_base([*first, *second], base),
            _ => whole(None),
        }
    }

    fn finish_one(
        &mut self,
        repo: &gix::Repository,
        pending: Pending,
        tools: &mut MergeTools,
    ) -> Result<Settled> {
        self.finish(repo, vec![pending], tools)?
            .pop()
            .ok_or_else(|| anyhow!("internal error: git's verdict went missing"))
    }

    /// git's verdicts on `pending` merges, in order, from one `git merge-tree` run (and
    /// one before it for the virtual merge bases). Merged trees (and git's merged blobs)
    /// are made readable through `repo`, which must be able to read every object the
    /// merges name.
    ///
    /// A merge on two merge bases whose own merge is clean is made on git's virtual base
    /// as any merge on one base: by gix with `tools`, what only ours changed left out,
    /// texts merged again by git. Only merges renames decide stay git's whole.
    pub fn finish(
        &mut self,
        repo: &gix::Repository,
        pending: Vec<Pending>,
        tools: &mut MergeTools,
    ) -> Result<Vec<Settled>> {
        self.settle_all(repo, pending, tools, true)
    }

    /// [`Judge::finish`] for callers that need the verdicts alone (`overlap`'s pairs):
    /// `None` when clean, else the paths. No merged tree is written for them.
    pub fn finish_verdicts(
        &mut self,
        repo: &gix::Repository,
        pending: Vec<Pending>,
        tools: &mut MergeTools,
    ) -> Result<Vec<Option<Vec<String>>>> {
        Ok(self
            .settle_all(repo, pending, tools, false)?
            .into_iter()
            .map(|settled| match settled {
                Settled::Clean(_) => None,
                Settled::Conflict(paths) => Some(paths),
            })
            .collect())
    }

    /// [`Judge::finish`]; with `trees` false a clean verdict's tree is not made readable
    /// (a text merge's carries gix's tree, git's blobs not put in; a whole merge's is
    /// git's, left in the scratch directory): only [`Judge::finish_verdicts`] asks so.
    fn settle_all(
        &mut self,
        repo: &gix::Repository,
        pending: Vec<Pending>,
        tools: &mut MergeTools,
        trees: bool,
    ) -> Result<Vec<Settled>> {
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        // Virtual merge bases git would make, where their merge is clean.
        let virtual_bases = self.virtual_bases(repo, &pending.iter().collect::<Vec<_>>())?;
        let mut settled: Vec<Option<Settled>> = vec![None; pending.len()];
        let mut left = Vec::with_capacity(pending.len());
        for (n, (pending, virtual_base)) in pending.into_iter().zip(virtual_bases).enumerate() {
            let pending = match virtual_base {
                Some(base) => match self.on_virtual_base(repo, pending, base, tools)? {
                    Deferred::Settled(s) => {
                        settled[n] = Some(s);
                        continue;
                    }
                    Deferred::Pending(p) => p,
                },
                None => pending,
            };
            left.push((n, pending));
        }
        self.git_side()?;
        let Judge { git, texts, .. } = self;
        let git = git
            .as_ref()
            .ok_or_else(|| anyhow!("no scratch object directory"))?;
        // Per merge git makes: which of `left` asked it, and the merge base (trees only),
        // ours, theirs. A text merge asks only for the files git has not merged yet in
        // this run (nor been asked for in this batch).
        let mut asking: Vec<(usize, Vec<&Text>)> = Vec::new();
        let mut merges: Vec<Merge> = Vec::with_capacity(left.len());
        let mut costs: Vec<Cost> = Vec::with_capacity(left.len());
        let mut asked: BTreeSet<TextKey> = BTreeSet::new();
        for (i, (_, Pending(work))) in left.iter().enumerate() {
            match work {
                Work::Texts { texts: files, .. } => {
                    let new: Vec<&Text> = files
                        .iter()
                        .filter(|t| !texts.contains_key(&t.key()) && asked.insert(t.key()))
                        .collect();
                    if new.is_empty() {
                        continue;
                    }
                    let (merge, cost) = git.text_merge(repo, &new)?;
                    merges.push(merge);
                    costs.push(cost);
                    asking.push((i, new));
                }
                Work::Whole {
                    base, ours, theirs, ..
                } => {
                    git.export_all(repo, *ours)?;
                    git.export_all(repo, *theirs)?;
                    merges.push((
                        base.map(|b| b.to_string()),
                        ours.to_string(),
                        theirs.to_string(),
                    ));
                    costs.push(if base.is_some() {
                        Cost::WHOLE_ON_BASE
                    } else {
                        Cost::WHOLE
                    });
                    asking.push((i, Vec::new()));
                }
            }
        }
        let answers = if merges.is_empty() {
            Vec::new()
        } else {
            git.merge_trees(&merges, &costs)?
        };
        let mut whole: BTreeMap<usize, TreeMerge> = BTreeMap::new();
        for ((i, files), merged) in asking.into_iter().zip(answers) {
            if files.is_empty() {
                whole.insert(i, merged);
                continue;
            }
            for (key, answer) in git.text_answers(repo, &files, &merged)? {
                texts.insert(key, answer);
            }
        }
        for (i, (n, Pending(work))) in left.into_iter().enumerate() {
            settled[n] = Some(match work {
                Work::Texts {
                    tree,
                    unresolved,
                    texts: files,
                } => git.conclude_texts(repo, tree, unresolved, files, texts, trees)?,
                Work::Whole { .. } => {
                    let merged = whole
                        .remove(&i)
                        .ok_or_else(|| anyhow!("internal error: git's verdict went missing"))?;
                    git.conclude_whole(repo, merged, trees)?
                }
            });
        }
        settled
            .into_iter()
            .map(|s| s.ok_or_else(|| anyhow!("internal error: git's verdict went missing")))
            .collect()
    }

    /// For each of `pending`, git's virtual merge base when the merge has one to be made
    /// first ([`Pending::needs_virtual_base`]) and that merge is clean: all made in one
    /// run of git, and made readable through `repo` (a caller may then make the merges on
    /// them with [`Judge::on_virtual_base`] wherever it likes, with any repository that
    /// holds what `repo` holds).
    pub fn virtual_bases(
        &mut self,
        repo: &gix::Repository,
        pending: &[&Pending],
    ) -> Result<Vec<Option<ObjectId>>> {
        if !pending.iter().any(|p| p.needs_virtual_base()) {
            return Ok(vec![None; pending.len()]);
        }
        let git = self.git_side()?;
        let bases = git.virtual_bases(repo, pending)?;
        for base in bases.iter().flatten() {
            git.import_all(repo, *base)?;
        }
        Ok(bases)
    }

    /// A whole merge whose virtual merge base git made (`base`, a tree readable through
    /// `repo`, see [`Judge::virtual_bases`]): made by gix on it as a merge on one base,
    /// or left to git on that base when renames decide it.
    pub fn on_virtual_base(
        &mut self,
        repo: &gix::Repository,
        pending: Pending,
        base: ObjectId,
        tools: &mut MergeTools,
    ) -> Result<Deferred> {
        let Pending(Work::Whole { ours, theirs, .. }) = pending else {
            return Ok(Deferred::Pending(pending));
        };
        let tree_of =
            |id: ObjectId| -> Result<ObjectId> { Ok(repo.find_commit(id)?.tree_id()?.detach()) };
        let (ours_tree, theirs_tree) = (tree_of(ours)?, tree_of(theirs)?);
        let Some((base, theirs_tree)) = self.trees_to_merge(repo, base, ours_tree, theirs_tree)?
        else {
            return Ok(Deferred::Pending(Pending(Work::Whole {
                base: Some(base),
                ours,
                theirs,
                virtual_base: None,
            })));
        };
        let mut outcome = tools.merge_trees(repo, base, ours_tree, theirs_tree)?;
        self.settle_later(repo, &mut outcome)
    }

    /// The trees gix merges for a merge on one base: `base` and `theirs` with what only
    /// `ours` changed left out ([`crate::merge::prune`]) when that is safe, else as they
    /// are; `None` when renames decide the merge ([`Judge::renames_decide`], asked of the
    /// trees gix would merge), which git then makes whole.
    ///
    /// Leaving out what only ours changed is what lets a track merge into an integration
    /// branch that moved far since the track forked without rename detection over all of
    /// that: the pruned trees keep ours' changes only where both sides modified a file,
    /// so no rename of ours can meet a change of theirs, and directory renames cannot
    /// either (a folder one side removed and the other changed makes pruning refuse).
    pub fn trees_to_merge(
        &mut self,
        repo: &gix::Repository,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<Option<(ObjectId, ObjectId)>> {
        let (base, theirs) =
            crate::merge::prune::prune(repo, base, ours, theirs)?.unwrap_or((base, theirs));
        Ok((!self.renames_decide(repo, base, ours, theirs)?).then_some((base, theirs)))
    }

    /// git's merge of two commits, all of it: for commits that have several merge bases
    /// (git merges the bases into a virtual one recursively, and gix's virtual base is not
    /// always git's: add/add and content conflicts between the bases settle differently),
    /// and merges renames decide. `bases` are their merge bases, given to git (which then
    /// need not search history for them) as [`Judge::by_git_later`] says. The merged tree
    /// is made readable through `repo` when clean.
    pub fn merge_commits_by_git(
        &mut self,
        repo: &gix::Repository,
        bases: &[ObjectId],
        base_of_bases: Option<ObjectId>,
        ours: ObjectId,
        theirs: ObjectId,
        tools: &mut MergeTools,
    ) -> Result<Settled> {
        self.finish_one(
            repo,
            Judge::by_git_later(bases, base_of_bases, ours, theirs),
            tools,
        )
    }

    fn git_side(&mut self) -> Result<&mut GitSide> {
        if self.git.is_none() {
            self.git = Some(GitSide::new(&self.place)?);
        }
        self.git
            .as_mut()
            .ok_or_else(|| anyhow!("no scratch object directory"))
    }
}

/// The file of a conflict whose tree-level outcome is settled and whose content gix
/// merged: both sides modified it (or added it), possibly with a rename; or one file
/// both sides changed that gix could not settle (see below).
fn text_merge(c: &Conflict) -> Option<Text> {
    let (ours, theirs) = c.changes_in_resolution();
    let path = match &c.resolution {
        Ok(Resolution::OursModifiedTheirsModifiedThenBlobContentMerge { .. }) => ours.location(),
        Ok(Resolution::OursModifiedTheirsRenamedAndChangedThenRename {
            merged_blob: Some(_),
            final_location: None,
            ..
        }) => theirs.location(),
        // gix gives up on some changes of one file git settles by its own rules (both
        // sides made it the same content, one of them also changed its mode): git
        // merges it like any text, and its answer wins.
        Err(ResolutionFailure::Unknown) if in_place(ours, theirs) => ours.location(),
        _ => return None,
    };
    let [base, ours, theirs] = c.entries();
    let blob = |e: Option<ConflictIndexEntry>| {
        e.filter(|e| e.mode.is_blob_or_symlink())
            .map(|e| (e.mode, e.id))
    };
    let stages = [blob(base), Some(blob(ours)?), Some(blob(theirs)?)];
    if base.is_some() && stages[0].is_none() {
        return None;
    }
    Some(Text {
        path: path.to_str_lossy().into_owned(),
        stages,
    })
}

/// Do both sides modify (or both add) one path? Then no rename brings another file's
/// version in, and a conflict's three stages are that path's own.
fn in_place(ours: &Change, theirs: &Change) -> bool {
    ours.location() == theirs.location()
        && matches!(
            (ours, theirs),
            (Change::Modification { .. }, Change::Modification { .. })
                | (Change::Addition { .. }, Change::Addition { .. })
        )
}

/// Does `merge.directoryRenames` make a file moved by a folder rename a conflict? It
/// does unless set to true (or false, which turns the detection off).
pub fn directory_rename_conflicts(repo: &gix::Repository) -> bool {
    let value = repo
        .config_snapshot()
        .string("merge.directoryRenames")
        .map(|v| v.to_string().to_ascii_lowercase());
    !matches!(
        value.as_deref(),
        Some("true" | "yes" | "on" | "1" | "false" | "no" | "off" | "0")
    )
}
