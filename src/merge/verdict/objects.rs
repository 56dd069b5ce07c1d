//! Objects carried between the repository (an in-memory overlay included) and git's
//! scratch object directory: what git's merges need exported to it, what they wrote
//! imported back, and the small trees that hold only the files git merges again.

use super::Stage;
use super::git_side::GitSide;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::bstr::BStr;
use gix::objs::tree::{Entry, EntryKind};
use std::collections::BTreeMap;

impl GitSide {
    /// Makes an object of `repo` that exists only in memory readable by git.
    pub(super) fn export(&self, repo: &gix::Repository, id: ObjectId) -> Result<()> {
        if gix::objs::Exists::exists(&**repo.objects, &id) {
            return Ok(());
        }
        let object = repo.find_object(id)?;
        self.write(object.kind, &object.data)?;
        Ok(())
    }

    /// Makes a commit of `repo` readable by git with everything it reaches that exists
    /// only in memory (parents, trees, blobs).
    pub(super) fn export_all(&self, repo: &gix::Repository, id: ObjectId) -> Result<()> {
        let mut todo = vec![id];
        while let Some(id) = todo.pop() {
            if gix::objs::Exists::exists(&**repo.objects, &id) {
                // On disk, with everything it points to.
                continue;
            }
            let object = repo.find_object(id)?.detach();
            match object.kind {
                gix::objs::Kind::Commit => {
                    let commit = gix::objs::CommitRef::from_bytes(&object.data, self.place.hash)?;
                    todo.push(commit.tree());
                    todo.extend(commit.parents());
                }
                gix::objs::Kind::Tree => {
                    let tree = gix::objs::TreeRef::from_bytes(&object.data, self.place.hash)?;
                    todo.extend(
                        tree.entries
                            .iter()
                            .filter(|e| !e.mode.is_commit())
                            .map(|e| e.oid.to_owned()),
                    );
                }
                _ => {}
            }
            self.write(object.kind, &object.data)?;
        }
        Ok(())
    }

    /// Writes an object to the scratch directory, stored rather than compressed (see
    /// [`crate::loose`]).
    fn write(&self, kind: gix::objs::Kind, data: &[u8]) -> Result<ObjectId> {
        crate::loose::write_in(self.scratch.path(), self.place.hash, kind, data)
    }

    /// Makes a tree git wrote readable through `repo`, with all it holds.
    pub(super) fn import_all(&self, repo: &gix::Repository, tree: ObjectId) -> Result<()> {
        let mut todo = vec![tree];
        while let Some(id) = todo.pop() {
            if repo.has_object(id) {
                continue;
            }
            let (kind, data) = self.read(repo, id)?;
            if kind == gix::objs::Kind::Tree {
                let tree = gix::objs::TreeRef::from_bytes(&data, self.place.hash)?;
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
    pub(super) fn import(&self, repo: &gix::Repository, id: ObjectId) -> Result<()> {
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
    pub(super) fn write_tree(&self, files: &BTreeMap<&str, Stage>) -> Result<ObjectId> {
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
        let mut data = Vec::new();
        gix::objs::WriteTo::write_to(&gix::objs::Tree { entries }, &mut data)?;
        self.write(gix::objs::Kind::Tree, &data)
    }

    /// The entry at `path` of a tree git wrote.
    pub(super) fn entry_at(
        &self,
        repo: &gix::Repository,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<Stage>> {
        let mut id = tree;
        let mut parts = path.split('/').peekable();
        while let Some(name) = parts.next() {
            let (_, data) = self.read(repo, id)?;
            let tree = gix::objs::TreeRef::from_bytes(&data, self.place.hash)?;
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
