//! Is an object in the repository? Answered from the loose files and the pack indexes
//! alone, for the one command that needs no more of the object database.
//!
//! gix's first lookup in a pack reads the pack's index whole (it checks every offset:
//! 850,000 of them in a clone of git.git, over a millisecond), which `git track new
//! --from <commit>` would otherwise need only to learn that the commit the commit-graph
//! names is still there. git's own lookup reads the index's fan-out table and searches
//! the ids of one bucket; so does this, with a dozen small reads. It says "present" only
//! when it found the object; anything it cannot tell (an alternate object folder, an
//! index of another version or out of order, a read that fails) is "don't know", for the
//! object database to answer.

use gix::ObjectId;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes before an index's fan-out table (v2: signature and version).
const V2_HEADER: [u8; 8] = [0xff, b't', b'O', b'c', 0, 0, 0, 2];
/// Where an index's fan-out table starts, and its sorted ids after the table's 256
/// entries.
const FAN_OUT: u64 = 8;
const IDS: u64 = FAN_OUT + 256 * 4;

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

/// Does the v2 pack index at `path` list `id`? `None` if it cannot be read as one. A
/// binary search of the ids the fan-out table gives for `id`'s first byte, reading one id
/// at a time (a dozen reads of a 24 MB index, where reading the bucket whole would move
/// 65 KB).
fn in_index(path: &Path, id: &ObjectId) -> Option<bool> {
    let mut file = File::open(path).ok()?;
    let mut header = [0u8; 8];
    file.read_exact(&mut header).ok()?;
    if header != V2_HEADER {
        return None;
    }
    let first = u64::from(id.as_bytes()[0]);
    // The fan-out table counts the ids whose first byte is at most each value.
    let (mut lo, mut hi) = if first == 0 {
        (0, read_u32(&mut file, FAN_OUT)?)
    } else {
        let before = read_u32(&mut file, FAN_OUT + (first - 1) * 4)?;
        (before, read_u32(&mut file, FAN_OUT + first * 4)?)
    };
    if lo > hi {
        return None;
    }
    let width = id.as_bytes().len() as u64;
    let mut entry = vec![0u8; id.as_bytes().len()];
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        file.seek(SeekFrom::Start(IDS + mid * width)).ok()?;
        file.read_exact(&mut entry).ok()?;
        match entry.as_slice().cmp(id.as_bytes()) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(true),
        }
    }
    Some(false)
}

/// The big-endian `u32` at byte `at` of `file`.
fn read_u32(file: &mut File, at: u64) -> Option<u64> {
    let mut bytes = [0u8; 4];
    file.seek(SeekFrom::Start(at)).ok()?;
    file.read_exact(&mut bytes).ok()?;
    Some(u64::from(u32::from_be_bytes(bytes)))
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
    fn an_index_of_another_version_cut_short_or_out_of_order_is_no_answer() {
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
        // A fan-out table that goes down: the bucket before 0x7f counts more than 0x7f's.
        let mut disordered = whole.clone();
        let before = 8 + 0x7e * 4;
        disordered[before..before + 4].copy_from_slice(&9u32.to_be_bytes());
        std::fs::write(objects.join("pack/pack-a.idx"), &disordered).expect("idx");
        assert_eq!(in_index(&objects.join("pack/pack-a.idx"), &one), None);
    }
}
