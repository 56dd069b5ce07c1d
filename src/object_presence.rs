//! Is an object in the repository? Answered from the loose files and the pack indexes
//! alone, for the one command that needs no more of the object database.
//!
//! gix's first lookup in a pack reads the pack's index whole (it checks every offset:
//! 850,000 of them in a clone of git.git, over a millisecond), which `git track new
//! --from <commit>` would otherwise need only to learn that the commit the commit-graph
//! names is still there. git's own lookup reads the index's fan-out table and the ids
//! of one bucket; so does this, with a handful of reads. It says "present" only when it
//! found the object; anything it cannot tell (an alternate object folder, an index of
//! another version, a read that fails) is "don't know", for the object database to
//! answer.

use gix::ObjectId;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes before an index's fan-out table (v2: signature and version).
const V2_HEADER: [u8; 8] = [0xff, b't', b'O', b'c', 0, 0, 0, 2];
/// Buckets larger than this (a repository of over 25 million objects) are not read.
const MAX_BUCKET: u64 = 100_000;

/// `Some(true)` when `id` is a loose object of `objects` (an object folder) or listed by
/// one of its pack indexes whose pack is there; `None` when that cannot be told.
pub fn present(objects: &Path, id: &ObjectId) -> Option<bool> {
    let hex = id.to_hex().to_string();
    let (folder, file) = hex.split_at(2);
    if objects.join(folder).join(file).is_file() {
        return Some(true);
    }
    for entry in std::fs::read_dir(objects.join("pack")).ok()? {
        let path = entry.ok()?.path();
        if path.extension().is_some_and(|e| e == "idx")
            && in_index(&path, id)?
            && path.with_extension("pack").is_file()
        {
            return Some(true);
        }
    }
    None
}

/// Does the v2 pack index at `path` list `id`? `None` if it cannot be read as one.
fn in_index(path: &Path, id: &ObjectId) -> Option<bool> {
    let mut file = File::open(path).ok()?;
    let mut head = [0u8; 8 + 256 * 4];
    file.read_exact(&mut head).ok()?;
    if head[..8] != V2_HEADER {
        return None;
    }
    let fan = |i: usize| -> u64 {
        let at = 8 + i * 4;
        u64::from(u32::from_be_bytes([
            head[at],
            head[at + 1],
            head[at + 2],
            head[at + 3],
        ]))
    };
    let first = usize::from(id.as_bytes()[0]);
    let start = if first == 0 { 0 } else { fan(first - 1) };
    let end = fan(first);
    let count = end.checked_sub(start)?;
    if count > MAX_BUCKET {
        return None;
    }
    let width = id.as_bytes().len() as u64;
    file.seek(SeekFrom::Start(head.len() as u64 + start * width))
        .ok()?;
    let mut ids = vec![0u8; usize::try_from(count * width).ok()?];
    file.read_exact(&mut ids).ok()?;
    let ids: Vec<&[u8]> = ids.chunks_exact(usize::try_from(width).ok()?).collect();
    Some(ids.binary_search(&id.as_bytes()).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index listing `ids` (sorted), as git writes the parts read here.
    fn index(ids: &[ObjectId]) -> Vec<u8> {
        let mut out = V2_HEADER.to_vec();
        for b in 0..256usize {
            let n = ids
                .iter()
                .filter(|i| usize::from(i.as_bytes()[0]) <= b)
                .count();
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        for id in ids {
            out.extend_from_slice(id.as_bytes());
        }
        out
    }

    fn id(hex: &str) -> ObjectId {
        ObjectId::from_hex(hex.as_bytes()).expect("hex")
    }

    #[test]
    fn finds_what_an_index_lists_and_only_that() {
        let dir = tempfile::tempdir().expect("tempdir");
        let objects = dir.path();
        std::fs::create_dir_all(objects.join("pack")).expect("pack folder");
        let listed = [
            id("00aa000000000000000000000000000000000000"),
            id("7f00000000000000000000000000000000000001"),
            id("7f00000000000000000000000000000000000003"),
            id("ff00000000000000000000000000000000000000"),
        ];
        std::fs::write(objects.join("pack/pack-a.idx"), index(&listed)).expect("idx");
        // Without its pack an index lists nothing.
        for i in &listed {
            assert_eq!(present(objects, i), None);
        }
        std::fs::write(objects.join("pack/pack-a.pack"), b"").expect("pack");
        for i in &listed {
            assert_eq!(present(objects, i), Some(true), "{i}");
        }
        for absent in [
            "7f00000000000000000000000000000000000002",
            "0000000000000000000000000000000000000000",
            "8000000000000000000000000000000000000000",
        ] {
            assert_eq!(present(objects, &id(absent)), None, "{absent}");
        }
        let loose = id("8000000000000000000000000000000000000000");
        std::fs::create_dir_all(objects.join("80")).expect("folder");
        std::fs::write(
            objects.join("80").join(&loose.to_hex().to_string()[2..]),
            b"",
        )
        .expect("loose");
        assert_eq!(present(objects, &loose), Some(true));
    }

    #[test]
    fn an_index_of_another_version_or_cut_short_is_no_answer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let objects = dir.path();
        std::fs::create_dir_all(objects.join("pack")).expect("pack folder");
        std::fs::write(objects.join("pack/pack-a.pack"), b"").expect("pack");
        let one = id("7f00000000000000000000000000000000000001");
        let mut v1 = index(&[one]);
        v1[7] = 1;
        std::fs::write(objects.join("pack/pack-a.idx"), &v1).expect("idx");
        assert_eq!(present(objects, &one), None);
        let whole = index(&[one]);
        std::fs::write(objects.join("pack/pack-a.idx"), &whole[..whole.len() - 5]).expect("idx");
        assert_eq!(present(objects, &one), None);
    }
}
