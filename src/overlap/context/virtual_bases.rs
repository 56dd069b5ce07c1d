//! Merges on git's virtual merge bases, made on all cores: git makes the bases for a
//! whole run at once, then each merge on its base is gix's work like any other (see
//! [`Judge::on_virtual_base`](crate::merge::verdict::Judge::on_virtual_base)).

use super::IntegrationContext;
use crate::merge::verdict::Pending;
use crate::overlap::effect::Worker;
use anyhow::Result;
use gix::ObjectId;

impl IntegrationContext<'_> {
    /// `partials` with each merge that waits on a virtual merge base made on it: git
    /// makes the bases (one run of git), then `on_base` merges each on its base on all
    /// cores. `pending` tells which partial waits for git, and on what; the others, and
    /// those whose bases do not merge cleanly, come back as they were.
    pub(super) fn on_virtual_bases<P, F>(
        &mut self,
        mut partials: Vec<P>,
        pending: impl Fn(&P) -> Option<&Pending>,
        on_base: F,
    ) -> Result<Vec<P>>
    where
        P: Sync + Send,
        F: Fn(&mut Worker<'_>, &P, ObjectId) -> Result<P> + Sync,
    {
        let waiting: Vec<(usize, &Pending)> = partials
            .iter()
            .enumerate()
            .filter_map(|(i, p)| pending(p).map(|p| (i, p)))
            .filter(|(_, p)| p.needs_virtual_base())
            .collect();
        if waiting.is_empty() {
            return Ok(partials);
        }
        let asked: Vec<&Pending> = waiting.iter().map(|(_, p)| *p).collect();
        let bases = self.finish_with(|worker| worker.virtual_bases(&asked))?;
        let on: Vec<(usize, ObjectId)> = waiting
            .iter()
            .zip(bases)
            .filter_map(|((i, _), base)| Some((*i, base?)))
            .collect();
        let made = {
            let partials = &partials;
            self.on_all_cores(&on, |worker, _, (i, base)| {
                on_base(worker, &partials[*i], *base)
            })?
        };
        for ((i, _), partial) in on.into_iter().zip(made) {
            partials[i] = partial;
        }
        Ok(partials)
    }
}
