//! Ahead/behind counts of many tips against one base in a single walk (git's
//! `ahead_behind` of `for-each-ref --format=%(ahead-behind:<base>)`).
//!
//! Counting is the dearest walk there is: it ends only when every queued commit is
//! reachable from every side, and on a real history that is after the oldest fork point
//! of any branch merged since, often most of history. `status` asks it for every track
//! against the same integration tip; one walk painting a set of bits per commit (one bit
//! per tip, one for the base) costs what one pair costs.

use super::{Nodes, QUEUED, Queued, SLOP, Source, UNKNOWN_GENERATION};
use anyhow::Result;
use std::collections::BinaryHeap;

/// The bits that paint each commit the walk reaches: bit `i` for `tips[i]`, the last for
/// the base. Rows are allocated as commits are reached.
struct Paint {
    words: usize,
    full: Vec<u64>,
    /// Row of each node, `u32::MAX` for none yet.
    row: Vec<u32>,
    bits: Vec<u64>,
    /// The nodes painted, in the order reached.
    painted: Vec<u32>,
}

impl Paint {
    fn new(sides: usize) -> Paint {
        let words = sides.div_ceil(64);
        let full = (0..words)
            .map(|w| match sides - w * 64 {
                n if n >= 64 => u64::MAX,
                n => (1u64 << n) - 1,
            })
            .collect();
        Paint {
            words,
            full,
            row: Vec::new(),
            bits: Vec::new(),
            painted: Vec::new(),
        }
    }

    fn row_of(&mut self, n: u32) -> usize {
        if self.row.len() <= n as usize {
            self.row.resize(n as usize + 1, u32::MAX);
        }
        if self.row[n as usize] == u32::MAX {
            self.row[n as usize] = self.painted.len() as u32;
            self.painted.push(n);
            self.bits.resize(self.bits.len() + self.words, 0);
        }
        self.row[n as usize] as usize
    }

    fn get(&self, n: u32) -> &[u64] {
        match self.row.get(n as usize) {
            Some(&r) if r != u32::MAX => {
                &self.bits[r as usize * self.words..(r as usize + 1) * self.words]
            }
            _ => &[],
        }
    }

    fn is_full(&self, n: u32) -> bool {
        let bits = self.get(n);
        !bits.is_empty() && bits == self.full.as_slice()
    }

    /// Adds `paint` (a row's worth of bits) to `n`; did it add anything?
    fn add(&mut self, n: u32, paint: &[u64]) -> bool {
        let r = self.row_of(n) * self.words;
        let mut grew = false;
        for (have, add) in self.bits[r..r + self.words].iter_mut().zip(paint) {
            grew |= *add & !*have != 0;
            *have |= add;
        }
        grew
    }

    fn set(&mut self, n: u32, side: usize) {
        let mut one = vec![0u64; self.words];
        one[side / 64] = 1 << (side % 64);
        self.add(n, &one);
    }

    fn has(bits: &[u64], side: usize) -> bool {
        bits[side / 64] & (1 << (side % 64)) != 0
    }
}

impl Nodes {
    /// For each tip, how many commits it has that `base` has not, and `base` has that it
    /// has not. The walk is the pairwise one's: newest first; with generation numbers it
    /// ends when every queued commit is painted by every side; by dates alone it goes on
    /// while a queued commit is newer than a commit visited with part of the paint, and
    /// [`SLOP`] commits further, for clock skew.
    pub(super) fn ahead_behind_many(
        &mut self,
        src: Source<'_>,
        tips: &[u32],
        base: u32,
    ) -> Result<Vec<(usize, usize)>> {
        self.clear();
        let mut paint = Paint::new(tips.len() + 1);
        let mut queue = BinaryHeap::new();
        // Queued commits not yet painted by every side.
        let mut live = 0usize;
        for (side, &n) in tips.iter().chain([&base]).enumerate() {
            self.load(src, n)?;
            paint.set(n, side);
            if self.flags[n as usize] & QUEUED == 0 {
                self.mark(n, QUEUED);
                queue.push(self.queued(n));
                live += 1;
            }
        }
        live -= queue.iter().filter(|q| paint.is_full(q.node)).count();
        let mut oldest_partial = (u32::MAX, i64::MAX);
        let mut slop = SLOP;
        while let Some(top) = queue.peek() {
            if top.generation != UNKNOWN_GENERATION {
                if live == 0 {
                    break;
                }
            } else if live > 0 || (top.generation, top.time) > oldest_partial {
                slop = SLOP;
            } else {
                slop = slop.saturating_sub(1);
                if slop == 0 {
                    break;
                }
            }
            let Some(Queued {
                node: n,
                generation,
                time,
            }) = queue.pop()
            else {
                break;
            };
            self.flags[n as usize] &= !QUEUED;
            if !paint.is_full(n) {
                live -= 1;
                oldest_partial = oldest_partial.min((generation, time));
            }
            self.paint_parents_many(src, n, &mut paint, &mut queue, &mut live)?;
        }
        let counts = count(&paint, tips.len());
        self.clear();
        Ok(counts)
    }

    /// Paints `n`'s parents with `n`'s bits, queueing again those that gain any.
    fn paint_parents_many(
        &mut self,
        src: Source<'_>,
        n: u32,
        paint: &mut Paint,
        queue: &mut BinaryHeap<Queued>,
        live: &mut usize,
    ) -> Result<()> {
        let bits = paint.get(n).to_vec();
        for k in 0..self.parent_count(src, n)? {
            let p = self.parent(n, k);
            let was_full = paint.is_full(p);
            if !paint.add(p, &bits) {
                continue;
            }
            if self.flags[p as usize] & QUEUED != 0 {
                if !was_full && paint.is_full(p) {
                    *live -= 1;
                }
            } else {
                self.load(src, p)?;
                self.mark(p, QUEUED);
                queue.push(self.queued(p));
                if !paint.is_full(p) {
                    *live += 1;
                }
            }
        }
        Ok(())
    }
}

/// Every commit not painted is reachable from all sides, or from none: only the painted
/// ones count.
fn count(paint: &Paint, tips: usize) -> Vec<(usize, usize)> {
    let mut counts = vec![(0, 0); tips];
    for &n in &paint.painted {
        let bits = paint.get(n);
        let in_base = Paint::has(bits, tips);
        for (i, c) in counts.iter_mut().enumerate() {
            match (Paint::has(bits, i), in_base) {
                (true, false) => c.0 += 1,
                (false, true) => c.1 += 1,
                _ => {}
            }
        }
    }
    counts
}
