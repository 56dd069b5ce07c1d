//! Work split into shares, one thread each: the independent pieces of a command (its
//! worktrees' status, its tracks' tree diffs) on all cores.

use anyhow::{Result, anyhow};

/// `work` applied to `items` split into at most `threads` shares in order, one scoped
/// thread each (none when one share would do); the answers in the order of `items`. A
/// share that fails or panics fails the whole, as `what` says.
pub fn in_shares<T, R>(
    items: &[T],
    threads: usize,
    what: &str,
    work: impl Fn(&[T]) -> Result<Vec<R>> + Sync,
) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
{
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return work(items);
    }
    std::thread::scope(|scope| {
        let running: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|share| {
                let work = &work;
                scope.spawn(move || work(share))
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for share in running {
            out.extend(share.join().map_err(|_| anyhow!("{what} panicked"))??);
        }
        Ok(out)
    })
}

/// How many threads the machine runs at once (1 when it cannot tell).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_come_in_the_order_of_the_items_whatever_the_shares() {
        let items: Vec<u32> = (0..101).collect();
        for threads in [0, 1, 2, 3, 7, 200] {
            let doubled = in_shares(&items, threads, "doubling", |share| {
                Ok(share.iter().map(|i| i * 2).collect())
            })
            .expect("no share fails");
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
        let none: Vec<u32> =
            in_shares(&[], 4, "nothing", |share: &[u32]| Ok(share.to_vec())).expect("empty");
        assert!(none.is_empty());
    }

    #[test]
    fn a_failing_share_fails_the_whole() {
        let items: Vec<u32> = (0..10).collect();
        let err = in_shares(&items, 2, "checking", |share| {
            if share.contains(&7) {
                Err(anyhow!("seven"))
            } else {
                Ok(share.to_vec())
            }
        })
        .expect_err("the second share fails");
        assert_eq!(err.to_string(), "seven");
    }
}
