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
//! Merges gix could settle otherwise at the level of paths are git's whole
//! ([`Judge::merge_commits_by_git`]): several merge bases (git's recursive virtual base is
//! not gix's), and merges that rename detection decides ([`Judge::renames_decide`]). git
//! is given the merge bases found here, so that it need not walk history again: the one
//! base, or the virtual base it would make of two ([`Pending::on_virtual_base`]).
//!
//! What git has to finish can wait ([`Judge::settle_later`], [`Judge::by_git_later`]): a
//! caller judging many merges at once (`overlap`) hands them all to [`Judge::finish`],
//! which asks one `git merge-tree --stdin` for every one of them — one process instead of
//! one per merge.

use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::bstr::{BStr, ByteSlice};
use gix::merge::plumbing::tree::{
    Conflict, ConflictIndexEntry, Outcome, Resolution, TreatAsUnresolved,
};
use gix::objs::tree::{Entry, EntryKind, EntryMode};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// How a merge ends, as git would end it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The merged tree, written to the repository handle (memory or disk) given.
    Clean(ObjectId),
    /// The paths git would leave conflicted, sorted.
    Conflict(Vec<String>),
}

/// A merge whose verdict git still has to give: see [`Judge::finish`].
pub struct Pending(Work);

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
    /// would; when not, git makes the whole merge its own way.
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
    /// Where git runs, and the object directory it reads.
    dir: PathBuf,
    objects: PathBuf,
    /// `<git common dir>/track`, where the scratch directories go.
    state_dir: PathBuf,
    hash: gix::hash::Kind,
    git: Option<GitSide>,
    /// By merge base: the last integration side compared with it, and the files that
    /// differ between them (a run compares one growing side with a few merge bases).
    ours_changes: std::collections::HashMap<ObjectId, (ObjectId, BTreeMap<Vec<u8>, Changed>)>,
}

/// git's side: the scratch object directory its merges read from and write to.
struct GitSide {
    store: gix::odb::loose::Store,
    scratch: Scratch,
    hash: gix::hash::Kind,
}

/// A file's mode and blob.
type Stage = (EntryMode, ObjectId);

/// One file whose content both sides changed, as gix merged it.
struct Text {
    path: String,
    /// Base (absent for an add/add), ours, theirs.
    stages: [Option<Stage>; 3],
}

impl Judge {
    pub fn new(repo: &gix::Repository) -> Judge {
        Judge {
            directory_rename_conflicts: directory_rename_conflicts(repo),
            dir: repo.workdir().unwrap_or(repo.git_dir()).to_owned(),
            objects: repo.objects.store_ref().path().to_owned(),
            state_dir: repo.common_dir().join("track"),
            hash: repo.object_hash(),
            git: None,
            ours_changes: Default::default(),
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
    pub fn settle(&mut self, repo: &gix::Repository, outcome: &mut Outcome<'_>) -> Result<Settled> {
        match self.settle_later(repo, outcome)? {
            Deferred::Settled(settled) => Ok(settled),
            Deferred::Pending(pending) => self.finish_one(repo, pending),
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

    fn finish_one(&mut self, repo: &gix::Repository, pending: Pending) -> Result<Settled> {
        self.finish(repo, vec![pending])?
            .pop()
            .ok_or_else(|| anyhow!("internal error: git's verdict went missing"))
    }

    /// git's verdicts on `pending` merges, in order, from one `git merge-tree` run. Merged
    /// trees (and git's merged blobs) are made readable through `repo`, which must be able
    /// to read every object the merges name.
    pub fn finish(
        &mut self,
        repo: &gix::Repository,
        pending: Vec<Pending>,
    ) -> Result<Vec<Settled>> {
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let dir = self.dir.clone();
        let objects = self.objects.clone();
        let git = self.git_side()?;
        // Virtual merge bases git would make, where their merge is clean.
        let virtual_bases = git.virtual_bases(repo, &dir, &objects, &pending)?;
        // Per merge: the merge base (trees only), ours, theirs.
        let mut merges: Vec<(Option<String>, String, String)> = Vec::with_capacity(pending.len());
        for (Pending(work), virtual_base) in pending.iter().zip(virtual_bases) {
            merges.push(match work {
                Work::Texts { texts, .. } => {
                    // The three trees hold the texts at their paths, so that attributes apply.
                    let mut sides: [BTreeMap<&str, Stage>; 3] = Default::default();
                    for text in texts {
                        for (side, stage) in sides.iter_mut().zip(text.stages) {
                            if let Some((mode, id)) = stage {
                                git.export(repo, id)?;
                                side.insert(&text.path, (mode, id));
                            }
                        }
                    }
                    let [base, ours, theirs] = sides;
                    (
                        Some(git.write_tree(&base)?.to_string()),
                        git.write_tree(&ours)?.to_string(),
                        git.write_tree(&theirs)?.to_string(),
                    )
                }
                Work::Whole {
                    base, ours, theirs, ..
                } => {
                    git.export_all(repo, *ours)?;
                    git.export_all(repo, *theirs)?;
                    (
                        base.or(virtual_base).map(|b| b.to_string()),
                        ours.to_string(),
                        theirs.to_string(),
                    )
                }
            });
        }
        let answers = match merges.as_slice() {
            [(base, ours, theirs)] => vec![crate::git::merge_trees(
                &dir,
                &git.scratch.0,
                &objects,
                base.as_deref(),
                [ours, theirs],
            )?],
            _ => batch_on_all_cores(&dir, &git.scratch.0, &objects, &merges)?,
        };
        if answers.len() != pending.len() {
            return Err(anyhow!(
                "git merge-tree answered {} merges of {}",
                answers.len(),
                pending.len()
            ));
        }
        let mut out = Vec::with_capacity(pending.len());
        for (Pending(work), merged) in pending.into_iter().zip(answers) {
            out.push(git.conclude(repo, work, merged)?);
        }
        Ok(out)
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

    /// Can rename detection decide this merge? When one side added files and deleted a
    /// file the other changed (or deleted too), whether that was a rename decides the
    /// outcome; when the other side added a file in a folder the first deleted from,
    /// git's directory-rename detection may move it. gix pairs renames by another
    /// similarity measure than git's (binary files it does not pair at all) and does not
    /// detect every directory rename git does: such merges are git's whole
    /// ([`Judge::merge_commits_by_git`]). Other deletions and additions merge the same
    /// whether they were renames or not.
    pub fn renames_decide(
        &mut self,
        repo: &gix::Repository,
        base: ObjectId,
        ours: ObjectId,
        theirs: ObjectId,
    ) -> Result<bool> {
        let theirs = changed_files(repo, base, theirs)?;
        let ours = self.changes_since(repo, base, ours)?;
        let decides = |x: &BTreeMap<Vec<u8>, Changed>, y: &BTreeMap<Vec<u8>, Changed>| {
            if !x.values().any(|c| *c == Changed::Added) {
                return false;
            }
            // Folders x deleted files from: x may have renamed them, and git then moves
            // what y added there (directory renames).
            let mut emptied = BTreeSet::new();
            for (path, c) in x {
                if *c == Changed::Deleted {
                    if y.contains_key(path) {
                        return true;
                    }
                    emptied.extend(folders(path));
                }
            }
            y.iter()
                .any(|(path, c)| *c == Changed::Added && folders(path).any(|f| emptied.contains(f)))
        };
        Ok(decides(ours, &theirs) || decides(&theirs, ours))
    }

    /// The files that differ from `base` to `ours`: updated from the last ones computed
    /// for `base` by what changed since, rather than the whole difference each step.
    fn changes_since(
        &mut self,
        repo: &gix::Repository,
        base: ObjectId,
        ours: ObjectId,
    ) -> Result<&BTreeMap<Vec<u8>, Changed>> {
        let entry = match self.ours_changes.remove(&base) {
            Some((prev, mut map)) if prev != ours => {
                let (base_tree, ours_tree) = (repo.find_tree(base)?, repo.find_tree(ours)?);
                let file_at = |tree: &gix::Tree<'_>, path: &[u8]| -> Result<Option<Stage>> {
                    Ok(tree
                        .lookup_entry(path.split(|b| *b == b'/'))?
                        .filter(|e| !e.mode().is_tree())
                        .map(|e| (e.mode(), e.object_id())))
                };
                for path in changed_files(repo, prev, ours)?.into_keys() {
                    let status = match (file_at(&base_tree, &path)?, file_at(&ours_tree, &path)?) {
                        (None, None) => None,
                        (Some(b), Some(o)) if b == o => None,
                        (None, Some(_)) => Some(Changed::Added),
                        (Some(_), None) => Some(Changed::Deleted),
                        (Some(_), Some(_)) => Some(Changed::Modified),
                    };
                    match status {
                        Some(s) => map.insert(path, s),
                        None => map.remove(&path),
                    };
                }
                (ours, map)
            }
            Some(same) => same,
            None => (ours, changed_files(repo, base, ours)?),
        };
        Ok(&self.ours_changes.entry(base).or_insert(entry).1)
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
    ) -> Result<Settled> {
        self.finish_one(
            repo,
            Judge::by_git_later(bases, base_of_bases, ours, theirs),
        )
    }

    fn git_side(&mut self) -> Result<&mut GitSide> {
        if self.git.is_none() {
            let scratch = Scratch::new(&self.state_dir)?;
            let store = gix::odb::loose::Store::at(scratch.0.clone(), self.hash);
            self.git = Some(GitSide {
                store,
                scratch,
                hash: self.hash,
            });
        }
        self.git
            .as_mut()
            .ok_or_else(|| anyhow!("no scratch object directory"))
    }
}

impl GitSide {
    /// For each pending merge, git's virtual merge base when the merge has one to be
    /// made first ([`Pending::on_virtual_base`]) and that merge is clean: all made in one
    /// run of git.
    fn virtual_bases(
        &self,
        repo: &gix::Repository,
        dir: &std::path::Path,
        objects: &std::path::Path,
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
        let answers = batch_on_all_cores(dir, &self.scratch.0, objects, &merges)?;
        if answers.len() != merges.len() {
            return Err(anyhow!(
                "git merge-tree answered {} merges of {}",
                answers.len(),
                merges.len()
            ));
        }
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

    /// The verdict on one merge from git's answer.
    fn conclude(
        &self,
        repo: &gix::Repository,
        work: Work,
        merged: crate::git::TreeMerge,
    ) -> Result<Settled> {
        let tree = ObjectId::from_hex(merged.tree.as_bytes())
            .with_context(|| format!("git merge-tree answered {:?}", merged.tree))?;
        let (gix_tree, mut unresolved, texts) = match work {
            Work::Whole { .. } => {
                if !merged.clean {
                    let mut paths = merged.conflicted;
                    paths.sort();
                    paths.dedup();
                    return Ok(Settled::Conflict(paths));
                }
                self.import_all(repo, tree)?;
                return Ok(Settled::Clean(tree));
            }
            Work::Texts {
                tree,
                unresolved,
                texts,
            } => (tree, unresolved, texts),
        };
        let conflicted: BTreeSet<&str> = merged.conflicted.iter().map(String::as_str).collect();
        let mut resolved = Vec::with_capacity(texts.len());
        for text in texts {
            if conflicted.contains(text.path.as_str()) {
                unresolved.insert(text.path);
            } else {
                resolved.push(text.path);
            }
        }
        let Some(gix_tree) = gix_tree.filter(|_| unresolved.is_empty()) else {
            return Ok(Settled::Conflict(unresolved.into_iter().collect()));
        };
        // git's merged blobs replace gix's.
        let mut editor = repo.edit_tree(gix_tree)?;
        for path in resolved {
            let (mode, id) = self
                .entry_at(repo, tree, &path)?
                .ok_or_else(|| anyhow!("git's merge of {path} lost the file"))?;
            self.import(repo, id)?;
            editor.upsert(path.as_str(), mode.kind(), id)?;
        }
        Ok(Settled::Clean(editor.write()?.detach()))
    }

    /// Makes an object of `repo` that exists only in memory readable by git.
    fn export(&self, repo: &gix::Repository, id: ObjectId) -> Result<()> {
        if gix::objs::Exists::exists(&**repo.objects, &id) {
            return Ok(());
        }
        let object = repo.find_object(id)?;
        gix::objs::Write::write_buf(&self.store, object.kind, &object.data)
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("could not write {id} to {}", self.scratch.0.display()))?;
        Ok(())
    }

    /// Makes a commit of `repo` readable by git with everything it reaches that exists
    /// only in memory (parents, trees, blobs).
    fn export_all(&self, repo: &gix::Repository, id: ObjectId) -> Result<()> {
        let mut todo = vec![id];
        while let Some(id) = todo.pop() {
            if gix::objs::Exists::exists(&**repo.objects, &id) {
                // On disk, with everything it points to.
                continue;
            }
            let object = repo.find_object(id)?.detach();
            match object.kind {
                gix::objs::Kind::Commit => {
                    let commit = gix::objs::CommitRef::from_bytes(&object.data, self.hash)?;
                    todo.push(commit.tree());
                    todo.extend(commit.parents());
                }
                gix::objs::Kind::Tree => {
                    let tree = gix::objs::TreeRef::from_bytes(&object.data, self.hash)?;
                    todo.extend(
                        tree.entries
                            .iter()
                            .filter(|e| !e.mode.is_commit())
                            .map(|e| e.oid.to_owned()),
                    );
                }
                _ => {}
            }
            gix::objs::Write::write_buf(&self.store, object.kind, &object.data)
                .map_err(|e| anyhow!("{e}"))?;
        }
        Ok(())
    }

    /// Makes a tree git wrote readable through `repo`, with all it holds.
    fn import_all(&self, repo: &gix::Repository, tree: ObjectId) -> Result<()> {
        let mut todo = vec![tree];
        while let Some(id) = todo.pop() {
            if repo.has_object(id) {
                continue;
            }
            let (kind, data) = self.read(repo, id)?;
            if kind == gix::objs::Kind::Tree {
                let tree = gix::objs::TreeRef::from_bytes(&data, self.hash)?;
                todo.extend(
                    tree.entries
                        .iter()
                        .filter(|e| !e.mode.is_commit())
                        .map(|e| e.oid.to_owned()),
                );
            }
            gix::objs::Write::write_buf(repo, kind, &data).map_err(|e| anyhow!("{e}"))?;
        }
        Ok(())
    }

    /// Makes an object git wrote readable through `repo` (in its memory, if it has one).
    fn import(&self, repo: &gix::Repository, id: ObjectId) -> Result<()> {
        if repo.has_object(id) {
            return Ok(());
        }
        let (kind, data) = self.read(repo, id)?;
        gix::objs::Write::write_buf(repo, kind, &data).map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }

    /// An object git wrote, or (git writes nothing the repository has) one of `repo`.
    fn read(&self, repo: &gix::Repository, id: ObjectId) -> Result<(gix::objs::Kind, Vec<u8>)> {
        let mut buf = Vec::new();
        if let Some(data) = self
            .store
            .try_find(&id, &mut buf)
            .map_err(|e| anyhow!("{e}"))?
        {
            return Ok((data.kind, data.data.to_vec()));
        }
        let object = repo
            .find_object(id)
            .with_context(|| format!("git merge-tree answered {id}, which is nowhere"))?;
        Ok((object.kind, object.detach().data))
    }

    /// Writes the tree holding `files` (paths with `/`) to the scratch directory.
    fn write_tree(&self, files: &BTreeMap<&str, Stage>) -> Result<ObjectId> {
        let mut entries = Vec::new();
        let mut folders: BTreeMap<&str, BTreeMap<&str, Stage>> = BTreeMap::new();
        for (path, entry) in files {
            match path.split_once('/') {
                Some((folder, rest)) => {
                    folders.entry(folder).or_default().insert(rest, *entry);
                }
                None => entries.push(Entry {
                    mode: entry.0,
                    filename: (*path).into(),
                    oid: entry.1,
                }),
            }
        }
        for (folder, files) in folders {
            entries.push(Entry {
                mode: EntryKind::Tree.into(),
                filename: folder.into(),
                oid: self.write_tree(&files)?,
            });
        }
        entries.sort();
        let tree = gix::objs::Tree { entries };
        gix::objs::Write::write(&self.store, &tree).map_err(|e| anyhow!("{e}"))
    }

    /// The entry at `path` of a tree git wrote.
    fn entry_at(
        &self,
        repo: &gix::Repository,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<Stage>> {
        let mut id = tree;
        let mut parts = path.split('/').peekable();
        while let Some(name) = parts.next() {
            let (_, data) = self.read(repo, id)?;
            let tree = gix::objs::TreeRef::from_bytes(&data, self.hash)?;
            let Some(entry) = tree.entries.iter().find(|e| e.filename == BStr::new(name)) else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                return Ok(Some((entry.mode, entry.oid.to_owned())));
            }
            id = entry.oid.to_owned();
        }
        Ok(None)
    }
}

/// [`crate::git::merge_trees_batch`] split over one git process per core. Merges git
/// must find merge bases for (several of them) cost it most, so they are dealt out
/// first, round the processes. The answers come in the order of `merges`.
fn batch_on_all_cores(
    dir: &std::path::Path,
    objects: &std::path::Path,
    alternates: &std::path::Path,
    merges: &[(Option<String>, String, String)],
) -> Result<Vec<crate::git::TreeMerge>> {
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
    let answers: Vec<Result<Vec<crate::git::TreeMerge>>> = std::thread::scope(|s| {
        let running: Vec<_> = shares
            .iter()
            .map(|share| {
                let batch: Vec<(Option<String>, String, String)> =
                    share.iter().map(|&i| merges[i].clone()).collect();
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
    let mut out: Vec<Option<crate::git::TreeMerge>> = vec![None; merges.len()];
    for (share, answer) in shares.iter().zip(answers) {
        for (&i, merged) in share.iter().zip(answer?) {
            out[i] = Some(merged);
        }
    }
    out.into_iter()
        .map(|m| m.ok_or_else(|| anyhow!("internal error: a merge went unanswered")))
        .collect()
}

/// The file of a conflict whose tree-level outcome is settled and whose content gix
/// merged: both sides modified it (or added it), possibly with a rename.
fn text_merge(c: &Conflict) -> Option<Text> {
    let (ours, theirs) = c.changes_in_resolution();
    let path = match &c.resolution {
        Ok(Resolution::OursModifiedTheirsModifiedThenBlobContentMerge { .. }) => ours.location(),
        Ok(Resolution::OursModifiedTheirsRenamedAndChangedThenRename {
            merged_blob: Some(_),
            final_location: None,
            ..
        }) => theirs.location(),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Changed {
    Added,
    Deleted,
    Modified,
}

/// The files (not folders) that differ from `old` to `new`, without rename detection.
fn changed_files(
    repo: &gix::Repository,
    old: ObjectId,
    new: ObjectId,
) -> Result<BTreeMap<Vec<u8>, Changed>> {
    use gix::diff::tree::recorder::Change;
    let mut out = BTreeMap::new();
    if old == new {
        return Ok(out);
    }
    let (old, new) = (
        repo.find_tree(old)?.detach().data,
        repo.find_tree(new)?.detach().data,
    );
    for change in crate::scope::changes::tree_diff(repo, &old, &new)? {
        let (path, what) = match change {
            Change::Addition {
                path, entry_mode, ..
            } if !entry_mode.is_tree() => (path, Changed::Added),
            Change::Deletion {
                path, entry_mode, ..
            } if !entry_mode.is_tree() => (path, Changed::Deleted),
            Change::Modification {
                path,
                previous_entry_mode,
                entry_mode,
                ..
            } => match (previous_entry_mode.is_tree(), entry_mode.is_tree()) {
                (false, false) => (path, Changed::Modified),
                (true, false) => (path, Changed::Added),
                (false, true) => (path, Changed::Deleted),
                (true, true) => continue,
            },
            _ => continue,
        };
        out.insert(path.into(), what);
    }
    Ok(out)
}

/// The folders holding `path`, innermost first.
fn folders(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let cut = rest.iter().rposition(|b| *b == b'/')?;
        rest = &rest[..cut];
        Some(rest)
    })
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

/// A private scratch object directory, removed when dropped.
struct Scratch(PathBuf);

/// Scratch directories older than this belong to no live process: a process killed with
/// `kill -9` leaves its own behind, and the next one sweeps it away.
const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

impl Scratch {
    /// A new directory under the repository's `track/` folder (so that what a killed
    /// process leaves stays inside the repository), or the system's temporary folder when
    /// that cannot be written.
    fn new(state_dir: &std::path::Path) -> Result<Scratch> {
        let base = state_dir.join("scratch");
        if std::fs::create_dir_all(&base).is_ok() {
            sweep(&base);
            if let Ok(scratch) = Scratch::new_in(&base) {
                return Ok(scratch);
            }
        }
        Scratch::new_in(&std::env::temp_dir())
    }

    fn new_in(base: &std::path::Path) -> Result<Scratch> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        for _ in 0..100 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("git-track-objects.{}.{n}", std::process::id()));
            // create_dir fails on an existing path: the directory is ours alone.
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("could not create {}", dir.display()));
                }
            }
        }
        Err(anyhow!(
            "could not create a scratch directory in {}",
            base.display()
        ))
    }
}

/// Removes the scratch directories under `base` older than [`STALE`].
fn sweep(base: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if stale
            && entry
                .file_name()
                .to_string_lossy()
                .starts_with("git-track-objects.")
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
