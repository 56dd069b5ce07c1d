//! Changed line ranges of a file, in the old side's coordinates, computed with `similar`.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How many bytes git looks at to decide that content is binary.
const BINARY_PROBE: usize = 8000;

/// One run of changed lines: old lines `start..end` (0-based, half-open; `start == end`
/// for a pure insertion before line `start`) replaced by new content whose lines hash to
/// `hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hunk {
    pub start: u32,
    pub end: u32,
    pub hash: u64,
}

/// The line changes of one file, or the fact that it is binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lines {
    Binary,
    Text(Vec<Hunk>),
}

/// Does git consider `data` binary (a NUL byte among its first 8000 bytes)?
pub fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(BINARY_PROBE)].contains(&0)
}

/// The hunks turning `old` into `new`.
pub fn compute(old: &[u8], new: &[u8]) -> Lines {
    if is_binary(old) || is_binary(new) {
        return Lines::Binary;
    }
    let old_lines = split(old);
    let new_lines = split(new);
    // Interning makes the diff compare integers instead of byte strings.
    let mut ids: HashMap<&[u8], u32> = HashMap::with_capacity(old_lines.len());
    let old_ids = intern(&old_lines, &mut ids);
    let new_ids = intern(&new_lines, &mut ids);
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_ids, &new_ids);
    let mut hunks = Vec::new();
    let mut current: Option<(usize, usize, usize, usize)> = None;
    for op in ops {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            if let Some(h) = current.take() {
                hunks.push(finish(h, &new_lines));
            }
            continue;
        }
        current = Some(match current {
            Some((os, _, ns, _)) => (os, old_range.end, ns, new_range.end),
            None => (
                old_range.start,
                old_range.end,
                new_range.start,
                new_range.end,
            ),
        });
    }
    if let Some(h) = current {
        hunks.push(finish(h, &new_lines));
    }
    Lines::Text(hunks)
}

fn intern<'a>(lines: &[&'a [u8]], ids: &mut HashMap<&'a [u8], u32>) -> Vec<u32> {
    lines
        .iter()
        .map(|l| {
            let next = ids.len() as u32;
            *ids.entry(l).or_insert(next)
        })
        .collect()
}

fn finish(
    (old_start, old_end, new_start, new_end): (usize, usize, usize, usize),
    new_lines: &[&[u8]],
) -> Hunk {
    let mut hash = Fnv::new();
    for line in &new_lines[new_start..new_end] {
        hash.write(line);
    }
    Hunk {
        start: old_start as u32,
        end: old_end as u32,
        hash: hash.finish(),
    }
}

/// Lines including their `\n`; a last line without one is a line too.
fn split(data: &[u8]) -> Vec<&[u8]> {
    use gix::bstr::ByteSlice;
    let mut lines = Vec::with_capacity(data.len() / 32 + 1);
    lines.extend(data.lines_with_terminator());
    lines
}

/// Do two hunks overlap or touch? git's merge conflicts on changes with no unchanged
/// line between them, so adjacency counts.
pub fn touch(a: &Hunk, b: &Hunk) -> bool {
    b.start <= a.end && a.start <= b.end
}

/// Every pair of hunks (one of each side) that overlap or touch; both lists are sorted.
pub fn overlapping<'a>(a: &'a [Hunk], b: &'a [Hunk]) -> Vec<(&'a Hunk, &'a Hunk)> {
    let mut out = Vec::new();
    let mut first_b = 0;
    for ha in a {
        // Hunks of b that end before this one starts can't touch it or any later one.
        while first_b < b.len() && b[first_b].end < ha.start {
            first_b += 1;
        }
        for hb in &b[first_b..] {
            if hb.start > ha.end {
                break;
            }
            if touch(ha, hb) {
                out.push((ha, hb));
            }
        }
    }
    out
}

/// FNV-1a, 64 bits: stable across builds, so hashes can live in the cache file.
pub struct Fnv(u64);

impl Fnv {
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(old: &str, new: &str) -> Vec<(u32, u32)> {
        match compute(old.as_bytes(), new.as_bytes()) {
            Lines::Text(h) => h.iter().map(|h| (h.start, h.end)).collect(),
            Lines::Binary => panic!("binary"),
        }
    }

    #[test]
    fn hunks_are_in_old_coordinates() {
        assert_eq!(ranges("a\nb\nc\nd\n", "a\nB\nc\nd\n"), vec![(1, 2)]);
        assert_eq!(ranges("a\nb\nc\n", "a\nx\nb\nc\n"), vec![(1, 1)]);
        assert_eq!(ranges("a\nb\nc\n", "a\nc\n"), vec![(1, 2)]);
        assert_eq!(
            ranges("a\nb\nc\nd\ne\n", "A\nb\nc\nd\nE\n"),
            vec![(0, 1), (4, 5)]
        );
    }

    #[test]
    fn adjacent_changes_touch_and_separated_ones_do_not() {
        let h = |start, end| Hunk {
            start,
            end,
            hash: 0,
        };
        assert!(touch(&h(3, 5), &h(5, 7)));
        assert!(touch(&h(5, 5), &h(5, 6)));
        assert!(!touch(&h(3, 5), &h(6, 7)));
        assert!(!touch(&h(5, 5), &h(7, 7)));
        assert_eq!(
            overlapping(&[h(0, 1), h(9, 10)], &[h(1, 2), h(5, 6)]).len(),
            1
        );
    }

    #[test]
    fn a_last_line_without_a_newline_is_a_line() {
        assert_eq!(split(b"a\nb"), [&b"a\n"[..], &b"b"[..]]);
        assert_eq!(split(b"a\n\n"), [&b"a\n"[..], &b"\n"[..]]);
        assert!(split(b"").is_empty());
        assert_eq!(ranges("x", "x\n"), vec![(0, 1)]);
    }

    #[test]
    fn nul_bytes_make_content_binary() {
        assert_eq!(compute(b"a\0b", b"a\0c"), Lines::Binary);
    }
}
