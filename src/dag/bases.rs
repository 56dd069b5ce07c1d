//! The merge-base candidates of many tips with one base, in one walk: `import` finds the
//! fork point of every topic it adopts against the same base.
//!
//! Each pair's walk ([`Nodes::paint_down_to_common`]) goes on until every queued commit
//! is reachable from both sides, which on git.git is often thousands of commits past the
//! fork point: 65 topics walked one by one took half a million steps over the same
//! commits. Here one walk paints each commit with a bit per tip, the base's mark, and a
//! bit per tip for "below a common ancestor of that tip and the base" (stale), in the
//! pairwise walks' order; a tip's part of the walk ends where its own walk would have
//! ended, and from then on its bits are left as they were.

use super::{Nodes, Queued, Source, UNKNOWN_GENERATION};
use anyhow::Result;
use std::collections::BinaryHeap;

/// How many tips one walk paints (one bit each).
const TIPS_PER_WALK: usize = Mask::BITS as usize;

/// One bit per tip of a walk.
type Mask = u128;

/// The paint of the commits one walk reached, by node.
#[derive(Default)]
struct Paint {
    /// Bit `i`: reachable from tip `i`.
    tips: Vec<Mask>,
    /// Reachable from the base.
    base: Vec<bool>,
    /// Bit `i`: reachable from a common ancestor of tip `i` and the base.
    stale: Vec<Mask>,
    /// Bit `i`: already a candidate of tip `i`.
    found: Vec<Mask>,
    queued: Vec<bool>,
}

impl Paint {
    fn grow(&mut self, n: u32) {
        let len = n as usize + 1;
        if self.tips.len() < len {
            self.tips.resize(len, 0);
            self.base.resize(len, false);
            self.stale.resize(len, 0);
            self.found.resize(len, 0);
            self.queued.resize(len, false);
        }
    }

    /// The tips for which queued commit `n` keeps the walk going (a pairwise walk's
    /// "not stale"), and those for which it carries the tip's or the base's paint.
    fn live(&self, n: u32, active: Mask) -> (Mask, Mask, Mask) {
        let n = n as usize;
        let not_stale = !self.stale[n] & active;
        let one = self.tips[n] & not_stale;
        let two = if self.base[n] { not_stale } else { 0 };
        (one | two, one, two)
    }
}

/// Per tip, how many queued commits are live for it, painted by it, and by the base.
struct Live {
    all: [u32; TIPS_PER_WALK],
    one: [u32; TIPS_PER_WALK],
    two: [u32; TIPS_PER_WALK],
}

impl Live {
    fn count(&mut self, (all, one, two): (Mask, Mask, Mask), add: bool) {
        for (counts, mut bits) in [
            (&mut self.all, all),
            (&mut self.one, one),
            (&mut self.two, two),
        ] {
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                counts[i] = if add {
                    counts[i] + 1
                } else {
                    counts[i].saturating_sub(1)
                };
            }
        }
    }
}

impl Nodes {
    /// For each of `tips`, its merge-base candidates with `base` in the order found, the
    /// ones found stale left out: what [`Nodes::paint_down_to_common`] of the pair gives
    /// and [`super::Dag::merge_bases`] keeps. A tip equal to the base has itself.
    pub(super) fn candidates_many(
        &mut self,
        src: Source<'_>,
        tips: &[u32],
        base: u32,
    ) -> Result<Vec<Vec<u32>>> {
        let mut out = Vec::with_capacity(tips.len());
        for chunk in tips.chunks(TIPS_PER_WALK) {
            out.extend(self.candidates_walk(src, chunk, base)?);
        }
        Ok(out)
    }

    fn candidates_walk(
        &mut self,
        src: Source<'_>,
        tips: &[u32],
        base: u32,
    ) -> Result<Vec<Vec<u32>>> {
        let mut paint = Paint::default();
        let mut found: Vec<Vec<u32>> = vec![Vec::new(); tips.len()];
        let mut active: Mask = 0;
        let mut queue = BinaryHeap::new();
        let mut live = Live {
            all: [0; TIPS_PER_WALK],
            one: [0; TIPS_PER_WALK],
            two: [0; TIPS_PER_WALK],
        };
        self.load(src, base)?;
        for (i, &tip) in tips.iter().enumerate() {
            self.load(src, tip)?;
            if tip == base {
                found[i].push(tip);
            } else {
                active |= bit(i);
                paint.grow(tip);
                paint.tips[tip as usize] |= bit(i);
            }
        }
        paint.grow(base);
        paint.base[base as usize] = true;
        for &n in tips.iter().chain([&base]) {
            if !paint.queued[n as usize] && (n == base || paint.tips[n as usize] != 0) {
                paint.queued[n as usize] = true;
                queue.push(self.queued(n));
                live.count(paint.live(n, active), true);
            }
        }
        while active != 0 {
            let Some(top) = queue.peek() else {
                break;
            };
            // Where each tip's own walk would stop, its part of this one stops.
            let by_generation = top.generation != UNKNOWN_GENERATION;
            let mut bits = active;
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let goes_on = if by_generation {
                    live.one[i] > 0 && live.two[i] > 0
                } else {
                    live.all[i] > 0
                };
                if !goes_on {
                    active &= !(bit(i));
                }
            }
            if active == 0 {
                break;
            }
            let Some(Queued { node: n, .. }) = queue.pop() else {
                break;
            };
            let ni = n as usize;
            paint.queued[ni] = false;
            live.count(paint.live(n, active), false);
            // Painted by a tip and the base, and not stale for that tip: a candidate.
            let common = if paint.base[ni] {
                paint.tips[ni] & !paint.stale[ni] & active
            } else {
                0
            };
            let mut new = common & !paint.found[ni];
            paint.found[ni] |= new;
            while new != 0 {
                let i = new.trailing_zeros() as usize;
                new &= new - 1;
                found[i].push(n);
            }
            let give = (
                paint.tips[ni] & active,
                paint.base[ni],
                (paint.stale[ni] | common) & active,
            );
            self.paint_parents_of_many(src, n, give, active, &mut paint, &mut queue, &mut live)?;
        }
        Ok(found
            .into_iter()
            .enumerate()
            .map(|(i, candidates)| {
                candidates
                    .into_iter()
                    .filter(|&c| tips[i] == base || paint.stale[c as usize] & (bit(i)) == 0)
                    .collect()
            })
            .collect())
    }

    /// Paints `n`'s parents with `give` (tips, base, stale), queueing those that gain any.
    #[allow(clippy::too_many_arguments)]
    fn paint_parents_of_many(
        &mut self,
        src: Source<'_>,
        n: u32,
        (tips, base, stale): (Mask, bool, Mask),
        active: Mask,
        paint: &mut Paint,
        queue: &mut BinaryHeap<Queued>,
        live: &mut Live,
    ) -> Result<()> {
        for k in 0..self.parent_count(src, n)? {
            let p = self.parent(n, k);
            paint.grow(p);
            let pi = p as usize;
            let gains = tips & !paint.tips[pi] != 0
                || (base && !paint.base[pi])
                || stale & !paint.stale[pi] != 0;
            if !gains {
                continue;
            }
            if paint.queued[pi] {
                live.count(paint.live(p, active), false);
            } else {
                self.load(src, p)?;
                paint.queued[pi] = true;
                queue.push(self.queued(p));
            }
            paint.tips[pi] |= tips;
            paint.base[pi] |= base;
            paint.stale[pi] |= stale;
            live.count(paint.live(p, active), true);
        }
        Ok(())
    }
}

/// Tip `i`'s bit.
fn bit(i: usize) -> Mask {
    1 << i
}
