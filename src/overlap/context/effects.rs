//! Each track's effective change: read from the cache, else merged into the integration
//! tip on all cores; and the merge result M_T a clean track leaves, rebuilt in memory.

use super::bases::known_bases;
use super::{IntegrationContext, key};
use crate::overlap::Input;
use crate::overlap::cache::Cache;
use crate::overlap::effect::{Effect, PartialEffect};
use crate::progress;
use crate::tree_edit::TreeEdit;
use anyhow::{Result, anyhow};
use gix::ObjectId;

impl IntegrationContext<'_> {
    /// Each input's effective change: from the cache, else computed on all cores (and
    /// cached, with the merge bases it had).
    pub(super) fn effects(&mut self, inputs: &[Input], cache: &mut Cache) -> Result<Vec<Effect>> {
        let mut effects: Vec<Option<Effect>> =
            inputs.iter().map(|i| cache.track(&key(i))).collect();
        let missing: Vec<usize> = (0..inputs.len())
            .filter(|i| effects[*i].is_none())
            .collect();
        let mut tips = Vec::with_capacity(missing.len());
        for &i in &missing {
            let chain = self.chain(inputs[i].tip)?;
            tips.push((inputs[i].tip, known_bases(cache, &chain, &[])));
        }
        let progress = self.progress;
        let computed = progress::stage(progress, "Merging tracks in memory", tips.len(), || {
            self.compute_effects_on(&tips)
        })?;
        for (slot, (effect, bases)) in missing.iter().zip(computed) {
            let key = key(&inputs[*slot]);
            cache.put_track(&key, &effect);
            cache.put_bases(&key, &bases);
            effects[*slot] = Some(effect);
        }
        for input in inputs {
            if let Some(bases) = cache.bases(&key(input)) {
                self.bases.insert(input.tip, bases);
            }
        }
        let effects: Vec<Effect> = effects.into_iter().flatten().collect();
        if effects.len() != inputs.len() {
            return Err(anyhow!("internal error: an effective change went missing"));
        }
        Ok(effects)
    }

    /// Effective changes of `tips`, on every core; the objects the merges made in memory
    /// are gathered into the main repository's memory.
    pub(super) fn compute_effects(&mut self, tips: &[ObjectId]) -> Result<Vec<Effect>> {
        let tips: Vec<_> = tips
            .iter()
            .map(|t| (*t, self.bases.get(t).cloned()))
            .collect();
        Ok(self
            .compute_effects_on(&tips)?
            .into_iter()
            .map(|(e, _)| e)
            .collect())
    }

    /// [`IntegrationContext::compute_effects`] for tips whose merge bases with the integration tip
    /// may be known already; each effect comes with the merge bases it had.
    fn compute_effects_on(
        &mut self,
        tips: &[(ObjectId, Option<Vec<ObjectId>>)],
    ) -> Result<Vec<(Effect, Vec<ObjectId>)>> {
        let (integration, integration_tree) = (self.integration, self.integration_tree);
        let partials = self.on_all_cores(tips, |worker, walk, (tip, known)| {
            let bases = match known {
                Some(bases) => bases.clone(),
                None => walk.merge_bases(integration, *tip)?,
            };
            let base_of_bases = walk.base_of_bases(&bases)?;
            let partial =
                worker.effect(&bases, base_of_bases, integration, integration_tree, *tip)?;
            Ok((partial, bases))
        })?;
        let (partials, bases): (Vec<_>, Vec<_>) = partials.into_iter().unzip();
        let partials =
            self.on_virtual_bases(partials, PartialEffect::pending, |worker, partial, base| {
                worker.on_virtual_base(partial, base, integration_tree)
            })?;
        // The merges git has to judge, all in one run of git.
        let effects =
            self.finish_with(|worker| worker.finish_effects(partials, integration_tree))?;
        Ok(effects.into_iter().zip(bases).collect())
    }

    /// Makes sure the blobs a (cached) effect brings are readable, merging again when
    /// they were made by a merge in an earlier run and only lived in its memory.
    pub(super) fn ensure_blobs(&mut self, tip: ObjectId, effect: &Effect) -> Result<()> {
        let missing = effect
            .changes
            .iter()
            .filter_map(|c| c.new)
            .any(|e| !e.is_gitlink() && !self.main.has_object(e.id));
        if missing {
            let again = self.compute_effects(&[tip])?;
            let still = again
                .first()
                .map(|e| e.changes.iter().filter_map(|c| c.new))
                .into_iter()
                .flatten()
                .any(|e| !e.is_gitlink() && !self.main.has_object(e.id));
            if still {
                return Err(anyhow!(
                    "merging {tip} into the integration tip again did not give the same result"
                ));
            }
        }
        Ok(())
    }

    /// The merge result M_T of a clean track: the integration tip with its changes applied,
    /// built in memory.
    pub(super) fn materialize(&mut self, tip: ObjectId, effect: &Effect) -> Result<ObjectId> {
        self.ensure_blobs(tip, effect)?;
        self.apply(self.integration_tree, effect)
    }

    /// `tree` with the effect's changes applied (blobs need not be readable).
    pub(super) fn apply(&self, tree: ObjectId, effect: &Effect) -> Result<ObjectId> {
        let mut editor = TreeEdit::of(&self.main, tree)?;
        for change in &effect.changes {
            match change.new {
                Some(entry) => {
                    let kind = gix::objs::tree::EntryMode::try_from(u32::from(entry.mode))
                        .map_err(|_| anyhow!("invalid mode {:o} in the cache", entry.mode))?
                        .kind();
                    editor.upsert(change.path.as_str(), kind, entry.id)?;
                }
                None => {
                    editor.remove(change.path.as_str())?;
                }
            }
        }
        editor.write()
    }
}
