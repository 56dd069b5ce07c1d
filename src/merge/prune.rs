//! Leaving out of a three-way merge what only one side changed.
//!
//! gix's tree merge applies *both* sides' changes to the merge base. Merging a small
//! track into an integration branch that moved far since the track forked therefore costs
//! as much as everything the branch gained — and more with every step of a run. git's
//! merge-ort avoids that by taking a directory whole when only one side changed it. This
//! does the same before the merge: wherever the track's side ("theirs") left an entry as
//! it was in the base, the base and theirs are given our entry, so the merge sees no
//! change there and keeps ours. The merged tree is the same, provided rename detection
//! sees the same pairs; that is only certain when the changes of ours that stay visible
//! are modifications of files theirs modified too (or files ours added beside theirs in a
//! folder both added). When anything else remains (ours
//! deleted, added or retyped a path theirs changed), the caller merges the full trees.

use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::bstr::BStr;
use gix::objs::tree::{EntryMode, EntryRef};

/// The base and theirs with ours put wherever theirs did not change anything, or `None`
/// when the pruned merge might differ from the full one. The pruned trees are written
/// without asking whether they exist, so `repo` should hold its writes in memory (as the
/// merge engines' do).
pub fn prune(
    repo: &gix::Repository,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
) -> Result<Option<(ObjectId, ObjectId)>> {
    prune_tree(repo, base, ours, theirs)
}

/// One name's entries in the base, ours and theirs.
type Sides<'a> = [Option<EntryRef<'a>>; 3];

/// An entry of a pruned tree.
struct Out<'a> {
    mode: EntryMode,
    name: &'a BStr,
    id: ObjectId,
}

impl<'a> From<EntryRef<'a>> for Out<'a> {
    fn from(e: EntryRef<'a>) -> Out<'a> {
        Out {
            mode: e.mode,
            name: e.filename,
            id: e.oid.to_owned(),
        }
    }
}

fn prune_tree(
    repo: &gix::Repository,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
) -> Result<Option<(ObjectId, ObjectId)>> {
    if theirs == base {
        return Ok(Some((ours, ours)));
    }
    if ours == base {
        return Ok(Some((base, theirs)));
    }
    let trees = [
        repo.find_tree(base)?,
        repo.find_tree(ours)?,
        repo.find_tree(theirs)?,
    ];
    let same = |a: &Option<EntryRef<'_>>, b: &Option<EntryRef<'_>>| match (a, b) {
        (Some(a), Some(b)) => a.mode == b.mode && a.oid == b.oid,
        (None, None) => true,
        _ => false,
    };
    let is_tree = |e: &Option<EntryRef<'_>>| e.is_some_and(|e| e.mode.is_tree());
    let is_file =
        |e: &Option<EntryRef<'_>>| e.is_some_and(|e| !e.mode.is_tree() && !e.mode.is_commit());
    let (mut new_base, mut new_theirs): (Vec<Out<'_>>, Vec<Out<'_>>) = (Vec::new(), Vec::new());
    for [b, o, t] in by_name(&trees)? {
        if same(&t, &b) {
            // Theirs left it alone: ours, whatever it is, as if nobody had changed it.
            new_base.extend(o.map(Out::from));
            new_theirs.extend(o.map(Out::from));
        } else if is_tree(&b) && is_tree(&o) && is_tree(&t) {
            let (Some(b), Some(o), Some(t)) = (b, o, t) else {
                return Ok(None);
            };
            let Some((nb, nt)) =
                prune_tree(repo, b.oid.to_owned(), o.oid.to_owned(), t.oid.to_owned())?
            else {
                return Ok(None);
            };
            new_base.push(Out { id: nb, ..b.into() });
            new_theirs.push(Out { id: nt, ..t.into() });
        } else if b.is_none() && is_tree(&o) && is_tree(&t) {
            // Both added this folder (tracks of one module each adding files to a new
            // folder, step after step): pruned as a folder the base had empty, so what
            // ours added alone is left out as anywhere else.
            let (Some(o), Some(t)) = (o, t) else {
                return Ok(None);
            };
            let empty = ObjectId::empty_tree(repo.object_hash());
            let Some((nb, nt)) = prune_tree(repo, empty, o.oid.to_owned(), t.oid.to_owned())?
            else {
                return Ok(None);
            };
            new_base.push(Out { id: nb, ..o.into() });
            new_theirs.push(Out { id: nt, ..t.into() });
        } else {
            // Theirs changed it; a change of ours here stays visible, and is only safe
            // when both modified a file.
            let both_modified_a_file = is_file(&b) && is_file(&o) && is_file(&t);
            if !same(&o, &b) && !both_modified_a_file {
                return Ok(None);
            }
            new_base.extend(b.map(Out::from));
            new_theirs.extend(t.map(Out::from));
        }
    }
    Ok(Some((write(repo, new_base)?, write(repo, new_theirs)?)))
}

/// The entries of the three trees, joined by name (a name that is a file on one side and
/// a folder on another is one name, as git sees a path).
fn by_name<'a>(trees: &'a [gix::Tree<'_>; 3]) -> Result<Vec<Sides<'a>>> {
    let mut sides: [Vec<EntryRef<'a>>; 3] = Default::default();
    for (entries, tree) in sides.iter_mut().zip(trees) {
        *entries = gix::objs::TreeRefIter::from_bytes(&tree.data, tree.repo.object_hash())
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow!("could not read tree {}: {e}", tree.id))?;
        // Tree order puts a folder `a` after `a.c`; by name it comes first. Trees are
        // nearly in name order, which a stable sort takes in one pass.
        entries.sort_by(|x, y| x.filename.cmp(y.filename));
    }
    let [b, o, t] = sides;
    let mut out = Vec::with_capacity(b.len().max(o.len()).max(t.len()));
    let mut heads = [
        b.into_iter().peekable(),
        o.into_iter().peekable(),
        t.into_iter().peekable(),
    ];
    loop {
        let Some(name) = heads
            .iter_mut()
            .filter_map(|h| h.peek().map(|e| e.filename))
            .min()
        else {
            return Ok(out);
        };
        let mut row: Sides<'a> = [None, None, None];
        for (slot, head) in row.iter_mut().zip(heads.iter_mut()) {
            if head.peek().is_some_and(|e| e.filename == name) {
                *slot = head.next();
            }
        }
        out.push(row);
    }
}

/// Writes a tree of `entries` (sorted by name) in git's tree order.
fn write(repo: &gix::Repository, mut entries: Vec<Out<'_>>) -> Result<ObjectId> {
    entries.sort_by(|a, b| {
        gix::objs::tree::name_order(a.name, a.mode.is_tree(), b.name, b.mode.is_tree())
    });
    let mut buf = Vec::with_capacity(entries.len() * 48);
    let mut mode = [0u8; 6];
    for e in &entries {
        buf.extend_from_slice(e.mode.as_bytes(&mut mode));
        buf.push(b' ');
        buf.extend_from_slice(e.name);
        buf.push(0);
        buf.extend_from_slice(e.id.as_bytes());
    }
    Ok(gix::objs::Write::write_buf(
        &repo.objects,
        gix::objs::Kind::Tree,
        &buf,
    )?)
}
