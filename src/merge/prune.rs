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

use anyhow::Result;
use gix::ObjectId;
use gix::objs::tree::Entry;
use std::collections::BTreeMap;

/// The base and theirs with ours put wherever theirs did not change anything, or `None`
/// when the pruned merge might differ from the full one.
pub fn prune(
    repo: &gix::Repository,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
) -> Result<Option<(ObjectId, ObjectId)>> {
    prune_tree(repo, base, ours, theirs)
}

fn entries(repo: &gix::Repository, tree: ObjectId) -> Result<Vec<Entry>> {
    let tree = repo.find_tree(tree)?;
    let decoded = tree.decode()?;
    Ok(decoded.entries.iter().map(|e| (*e).into()).collect())
}

type Sides = (Option<Entry>, Option<Entry>, Option<Entry>);

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
    let mut by_name: BTreeMap<Vec<u8>, Sides> = BTreeMap::new();
    for e in entries(repo, base)? {
        let key = e.filename.to_vec();
        by_name.entry(key).or_default().0 = Some(e);
    }
    for e in entries(repo, ours)? {
        let key = e.filename.to_vec();
        by_name.entry(key).or_default().1 = Some(e);
    }
    for e in entries(repo, theirs)? {
        let key = e.filename.to_vec();
        by_name.entry(key).or_default().2 = Some(e);
    }
    let same = |a: &Option<Entry>, b: &Option<Entry>| match (a, b) {
        (Some(a), Some(b)) => a.mode == b.mode && a.oid == b.oid,
        (None, None) => true,
        _ => false,
    };
    let is_tree = |e: &Option<Entry>| e.as_ref().is_some_and(|e| e.mode.is_tree());
    let is_file = |e: &Option<Entry>| {
        e.as_ref()
            .is_some_and(|e| !e.mode.is_tree() && !e.mode.is_commit())
    };
    let (mut new_base, mut new_theirs) = (Vec::new(), Vec::new());
    for (_, (b, o, t)) in by_name {
        if same(&t, &b) {
            // Theirs left it alone: ours, whatever it is, as if nobody had changed it.
            new_base.extend(o.clone());
            new_theirs.extend(o);
        } else if is_tree(&b) && is_tree(&o) && is_tree(&t) {
            let (Some(b), Some(o), Some(t)) = (b, o, t) else {
                return Ok(None);
            };
            let Some((nb, nt)) = prune_tree(repo, b.oid, o.oid, t.oid)? else {
                return Ok(None);
            };
            new_base.push(Entry { oid: nb, ..b });
            new_theirs.push(Entry { oid: nt, ..t });
        } else if b.is_none() && is_tree(&o) && is_tree(&t) {
            // Both added this folder (tracks of one module each adding files to a new
            // folder, step after step): pruned as a folder the base had empty, so what
            // ours added alone is left out as anywhere else.
            let (Some(o), Some(t)) = (o, t) else {
                return Ok(None);
            };
            let empty = ObjectId::empty_tree(repo.object_hash());
            let Some((nb, nt)) = prune_tree(repo, empty, o.oid, t.oid)? else {
                return Ok(None);
            };
            new_base.push(Entry { oid: nb, ..o });
            new_theirs.push(Entry { oid: nt, ..t });
        } else {
            // Theirs changed it; a change of ours here stays visible, and is only safe
            // when both modified a file.
            let both_modified_a_file = is_file(&b) && is_file(&o) && is_file(&t);
            if !same(&o, &b) && !both_modified_a_file {
                return Ok(None);
            }
            new_base.extend(b);
            new_theirs.extend(t);
        }
    }
    Ok(Some((write(repo, new_base)?, write(repo, new_theirs)?)))
}

fn write(repo: &gix::Repository, mut entries: Vec<Entry>) -> Result<ObjectId> {
    entries.sort();
    let tree = gix::objs::Tree { entries };
    Ok(repo.write_object(&tree)?.detach())
}
