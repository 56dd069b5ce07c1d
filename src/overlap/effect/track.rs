//! A track's merge into the integration tip, and the effective change it leaves: made in
//! memory, found without merging when the track's changes apply as they are, or left for
//! git to judge with the other merges of the run.

use super::{Change, Effect, Worker, clean_effect, commit_tree};
use crate::merge::verdict::{Deferred, Judge, Pending, Settled};
use crate::overlap::Basis;
use anyhow::{Result, anyhow};
use gix::ObjectId;
use std::collections::BTreeMap;

/// A track's effective change, or the merge git still has to judge for it (all such
/// merges of a run go to git together, see [`Judge::finish`]).
#[derive(Clone)]
pub(in crate::overlap) enum PartialEffect {
    Done(Effect),
    Git {
        pending: Pending,
        /// The tree of the fork point and of the tip: what the track is compared by when
        /// git finds a conflict.
        fork_tree: ObjectId,
        tip_tree: ObjectId,
    },
}

impl PartialEffect {
    /// The merge git still has to judge, if any.
    pub fn pending(&self) -> Option<&Pending> {
        match self {
            PartialEffect::Done(_) => None,
            PartialEffect::Git { pending, .. } => Some(pending),
        }
    }
}

impl Worker<'_> {
    /// Merges `tip` into `integration` (their merge bases: `bases`, best first) in memory
    /// and returns what it brings (or the merge git has to finish first).
    pub fn effect(
        &mut self,
        bases: &[ObjectId],
        base_of_bases: Option<ObjectId>,
        integration: ObjectId,
        integration_tree: ObjectId,
        tip: ObjectId,
    ) -> Result<PartialEffect> {
        let repo = self.repo;
        let tip_tree = commit_tree(repo, tip)?;
        let Some(&first_base) = bases.first() else {
            // Unrelated histories: git refuses the merge; compare the whole tip.
            let empty = ObjectId::empty_tree(repo.object_hash());
            return Ok(PartialEffect::Done(Effect {
                clean: false,
                merged: false,
                basis: Basis::ForkPoint,
                conflicts: vec!["(unrelated histories)".to_owned()],
                old_tree: empty,
                changes: self.diff(empty, tip_tree)?,
                lines: BTreeMap::new(),
            }));
        };
        if bases.contains(&tip) {
            let mut e = clean_effect(integration_tree, Vec::new());
            e.merged = true;
            return Ok(PartialEffect::Done(e));
        }
        if bases.len() == 1 && first_base == integration {
            // The track contains the integration tip: the merge is a fast-forward.
            let changes = self.diff(integration_tree, tip_tree)?;
            return Ok(PartialEffect::Done(clean_effect(integration_tree, changes)));
        }
        let fork_tree = commit_tree(repo, first_base)?;
        let by_git = || PartialEffect::Git {
            pending: Judge::by_git_later(bases, base_of_bases, integration, tip),
            fork_tree,
            tip_tree,
        };
        if bases.len() > 1 {
            // git's recursive virtual base is not gix's: git merges these.
            return Ok(by_git());
        }
        // Most tracks change paths the integration branch left alone since they forked:
        // then the merge is the integration tip plus the track's own changes, and those
        // are found without merging (as git's merge resolves untouched folders without
        // looking inside).
        let theirs = self.diff(fork_tree, tip_tree)?;
        if self.applies_as_is(fork_tree, integration_tree, &theirs)? {
            return Ok(PartialEffect::Done(clean_effect(integration_tree, theirs)));
        }
        // What only the integration branch changed since the fork point is left out of
        // the merge: rename detection over everything the branch gained is most of the
        // cost of a merge otherwise.
        let Some((pruned_base, pruned_tip)) =
            self.judge
                .trees_to_merge(repo, fork_tree, integration_tree, tip_tree)?
        else {
            return Ok(by_git());
        };
        match self.merge_trees(pruned_base, integration_tree, pruned_tip)? {
            Deferred::Settled(settled) => Ok(PartialEffect::Done(self.effect_of(
                settled,
                integration_tree,
                fork_tree,
                tip_tree,
            )?)),
            Deferred::Pending(pending) => Ok(PartialEffect::Git {
                pending,
                fork_tree,
                tip_tree,
            }),
        }
    }

    /// `partial` made on the virtual merge base git made for it (`base`, see
    /// [`Judge::on_virtual_base`]): the effective change when gix's merge settles it.
    pub fn on_virtual_base(
        &mut self,
        partial: &PartialEffect,
        base: ObjectId,
        integration_tree: ObjectId,
    ) -> Result<PartialEffect> {
        let PartialEffect::Git {
            pending,
            fork_tree,
            tip_tree,
        } = partial
        else {
            return Ok(partial.clone());
        };
        let (fork_tree, tip_tree) = (*fork_tree, *tip_tree);
        Ok(match self.merge_on_virtual_base(pending, base)? {
            Deferred::Settled(settled) => PartialEffect::Done(self.effect_of(
                settled,
                integration_tree,
                fork_tree,
                tip_tree,
            )?),
            Deferred::Pending(pending) => PartialEffect::Git {
                pending,
                fork_tree,
                tip_tree,
            },
        })
    }

    /// The effective change of a track whose merge into the integration tip ended so.
    pub fn effect_of(
        &mut self,
        merged: Settled,
        integration_tree: ObjectId,
        fork_tree: ObjectId,
        tip_tree: ObjectId,
    ) -> Result<Effect> {
        Ok(match merged {
            Settled::Clean(tree) => {
                clean_effect(integration_tree, self.diff(integration_tree, tree)?)
            }
            Settled::Conflict(conflicts) => Effect {
                clean: false,
                merged: false,
                basis: Basis::ForkPoint,
                conflicts,
                old_tree: fork_tree,
                changes: self.diff(fork_tree, tip_tree)?,
                lines: BTreeMap::new(),
            },
        })
    }

    /// Settles with git every pending merge of `partials`, in one run.
    pub fn finish_effects(
        &mut self,
        partials: Vec<PartialEffect>,
        integration_tree: ObjectId,
    ) -> Result<Vec<Effect>> {
        let mut pending = Vec::new();
        let mut slots = Vec::with_capacity(partials.len());
        for partial in partials {
            slots.push(match partial {
                PartialEffect::Done(effect) => Ok(effect),
                PartialEffect::Git {
                    pending: p,
                    fork_tree,
                    tip_tree,
                } => {
                    pending.push(p);
                    Err((fork_tree, tip_tree))
                }
            });
        }
        let mut settled = self
            .judge
            .finish(self.repo, pending, &mut self.tools)?
            .into_iter();
        slots
            .into_iter()
            .map(|slot| match slot {
                Ok(effect) => Ok(effect),
                Err((fork_tree, tip_tree)) => {
                    let merged = settled
                        .next()
                        .ok_or_else(|| anyhow!("internal error: git's verdict went missing"))?;
                    self.effect_of(merged, integration_tree, fork_tree, tip_tree)
                }
            })
            .collect()
    }

    /// Can `theirs` (a track's changes since the fork point `base_tree`) be applied to the
    /// integration tip as they are? True when, for every changed path, the folder holding
    /// it is the same in both trees: the integration branch changed nothing there, so
    /// git's merge resolves those folders trivially (as merge-ort does, without looking
    /// inside) and the result is the integration tip plus `theirs`. A deletion also needs
    /// every enclosing folder unchanged, so that git's directory-rename detection has
    /// nothing to act on. Anything else is left to a real merge.
    fn applies_as_is(
        &mut self,
        base_tree: ObjectId,
        integration_tree: ObjectId,
        theirs: &[Change],
    ) -> Result<bool> {
        for change in theirs {
            let deletion = change.new.is_none();
            let mut path = change.path.as_str();
            if !path.contains('/') {
                if self.entry_at(base_tree, path)? != self.entry_at(integration_tree, path)? {
                    return Ok(false);
                }
                continue;
            }
            while let Some(cut) = path.rfind('/') {
                path = &path[..cut];
                let before = self.entry_at(base_tree, path)?;
                if before != self.entry_at(integration_tree, path)? {
                    return Ok(false);
                }
                // An unchanged folder settles it (a folder missing on both sides does not).
                if before.is_some() && !deletion {
                    break;
                }
            }
        }
        Ok(true)
    }

    /// The entry at `path` in `tree`: its mode and id, or `None`.
    fn entry_at(&mut self, tree: ObjectId, path: &str) -> Result<Option<(u16, ObjectId)>> {
        let key = (tree, path.to_owned());
        if let Some(found) = self.entries.get(&key) {
            return Ok(*found);
        }
        let found = self
            .repo
            .find_tree(tree)?
            .lookup_entry_by_path(path)?
            .map(|e| (e.mode().value(), e.object_id()));
        self.entries.insert(key, found);
        Ok(found)
    }
}
