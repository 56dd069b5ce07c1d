//! The merge bases a track whose tip moved on had before: its chain of earlier tips, and
//! the bases the cache holds for one of them.

use super::IntegrationContext;
use crate::overlap::cache::Cache;
use anyhow::Result;
use gix::ObjectId;

impl IntegrationContext<'_> {
    /// `tip` and the commits before it, newest first, as long as each has exactly one
    /// parent (at most [`CHAIN`] of them): the commits a tip that moved on may have had.
    pub(super) fn chain(&mut self, tip: ObjectId) -> Result<Vec<ObjectId>> {
        if let Some(chain) = self.chains.get(&tip) {
            return Ok(chain.clone());
        }
        let chain = self.walk_chain(tip)?;
        self.chains.insert(tip, chain.clone());
        Ok(chain)
    }

    /// [`IntegrationContext::chain`], walked.
    fn walk_chain(&self, tip: ObjectId) -> Result<Vec<ObjectId>> {
        let mut chain = vec![tip];
        let mut at = tip;
        // Where a shallow clone's history ends, the commit graph sees no parent: nor
        // does the chain.
        let shallow = self.main.shallow_commits()?;
        while chain.len() < CHAIN {
            if shallow.as_ref().is_some_and(|s| s.contains(&at)) {
                break;
            }
            let Ok(commit) = self.main.find_commit(at) else {
                break;
            };
            let mut parents = commit.parent_ids();
            let (Some(parent), None) = (parents.next(), parents.next()) else {
                break;
            };
            at = parent.detach();
            chain.push(at);
        }
        Ok(chain)
    }
}

/// How many commits back a moved tip is followed to find the merges bases it had.
const CHAIN: usize = 16;

/// The merge bases of a merge of a track whose tip moved on, when the cache holds them
/// for one of its earlier tips: for a track's merge into the integration tip, `a` is the
/// track's [`IntegrationContext::chain`] (and `b` empty); for a pair's ordered merge, the chains of
/// A and B.
///
/// New commits on top of a tip T, one parent each, change no merge base while T itself
/// is no ancestor of the other side: then none of them is either, so the common
/// ancestors of the two sides are the ones they had. T is an ancestor of the other side
/// exactly when T was one of the merge bases (of the integration tip and T; or, for a
/// pair, of "A merged into the integration tip" and B, where that holds for A and B
/// alike). Only a single merge base is reused: several go to git, which finds its own.
pub(super) fn known_bases(cache: &Cache, a: &[ObjectId], b: &[ObjectId]) -> Option<Vec<ObjectId>> {
    let single = |key: String, tips: &[ObjectId]| {
        cache
            .bases(&key)
            .filter(|bases| bases.len() == 1 && !tips.contains(&bases[0]))
    };
    if b.is_empty() {
        return a.iter().find_map(|t| single(t.to_string(), &[*t]));
    }
    a.iter().find_map(|ta| {
        b.iter()
            .find_map(|tb| single(format!("{ta} {tb}"), &[*ta, *tb]))
    })
}
