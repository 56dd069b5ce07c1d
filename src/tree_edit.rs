//! Trees edited and written without gix's checks of every entry.
//!
//! gix's `Repository::edit_tree` validates each tree it writes: every entry's name, and
//! that every entry's object exists — a lookup in the pack index per entry of each
//! changed tree (1,300 for git.git's `t/`), and for a tree just made, a miss searched
//! through every index. The edits made here put in entries taken from trees git or gix
//! wrote (names already valid) whose objects were written first, so the checks are
//! skipped: on git.git they were most of the time `overlap --level conflicts` spent
//! applying merge results. The trees go straight to the object database, which for a
//! repository with an in-memory overlay is memory.

use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::objs::tree::EntryKind;

/// An edit of one tree of `repo`.
pub struct TreeEdit<'r> {
    repo: &'r gix::Repository,
    editor: gix::objs::tree::Editor<'r>,
}

impl<'r> TreeEdit<'r> {
    /// Starts editing `tree`.
    pub fn of(repo: &'r gix::Repository, tree: ObjectId) -> Result<TreeEdit<'r>> {
        let root: gix::objs::Tree = repo.find_tree(tree)?.decode()?.into();
        Ok(TreeEdit {
            repo,
            editor: gix::objs::tree::Editor::new(root, &repo.objects, repo.object_hash()),
        })
    }

    /// Puts `id` at `path` (folders separated by `/`), making folders as needed.
    pub fn upsert(&mut self, path: &str, kind: EntryKind, id: ObjectId) -> Result<()> {
        self.editor
            .upsert(path.split('/'), kind, id)
            .map_err(|e| anyhow!("could not put {path} in a tree: {e}"))?;
        Ok(())
    }

    /// Takes out what is at `path`, if anything.
    pub fn remove(&mut self, path: &str) -> Result<()> {
        self.editor
            .remove(path.split('/'))
            .map_err(|e| anyhow!("could not take {path} out of a tree: {e}"))?;
        Ok(())
    }

    /// Writes the changed trees; the root's id.
    pub fn write(mut self) -> Result<ObjectId> {
        let objects = &self.repo.objects;
        self.editor
            .write(|tree| gix::objs::Write::write(objects, tree))
            .map_err(|e| anyhow!("could not write an edited tree: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::TreeEdit;
    use gix::objs::tree::EntryKind;

    #[test]
    fn an_edit_writes_the_tree_gix_would_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = gix::init_bare(dir.path()).expect("init");
        let blob = |text: &str| repo.write_blob(text).expect("blob").detach();
        let (a, b, c) = (blob("a\n"), blob("b\n"), blob("c\n"));
        let empty = gix::ObjectId::empty_tree(repo.object_hash());
        let mut gix_editor = repo.edit_tree(empty).expect("edit");
        gix_editor
            .upsert("x/a", EntryKind::Blob, a)
            .expect("upsert");
        gix_editor
            .upsert("x/y/b", EntryKind::Blob, b)
            .expect("upsert");
        gix_editor
            .upsert("c", EntryKind::BlobExecutable, c)
            .expect("upsert");
        let start = gix_editor.write().expect("write").detach();

        let mut ours = TreeEdit::of(&repo, start).expect("edit");
        ours.upsert("x/y/z/c", EntryKind::Blob, c).expect("upsert");
        ours.remove("x/a").expect("remove");
        ours.upsert("d", EntryKind::Link, a).expect("upsert");
        let mine = ours.write().expect("write");

        let mut theirs = repo.edit_tree(start).expect("edit");
        theirs
            .upsert("x/y/z/c", EntryKind::Blob, c)
            .expect("upsert");
        theirs.remove("x/a").expect("remove");
        theirs.upsert("d", EntryKind::Link, a).expect("upsert");
        assert_eq!(mine, theirs.write().expect("write").detach());
    }
}
