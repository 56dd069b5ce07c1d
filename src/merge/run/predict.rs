//! `merge --dry-run`: the whole run in memory, nothing written.

use super::start::{Start, make_plan, start_point};
use super::{FirstConflict, Predicted, Prediction, Request};
use crate::merge::plan::{self, Planned};
use crate::merge::step::{self, Engine, Merged, Session};
use crate::repo::Repo;
use crate::store;
use anyhow::Result;

/// `--dry-run`: predicts every step in memory, folding the tracks one by one (a step
/// predicted to conflict is left out of the fold), and moves nothing.
pub fn dry_run(repo: &Repo, req: &Request) -> Result<Prediction> {
    let mut start = start_point(repo, req)?;
    let listing = store::list(repo)?;
    let work = || -> Result<_> {
        let engine = Engine::new(repo, true)?;
        let mut engine = engine.session()?;
        let (plan, warnings) = make_plan(repo, engine.history(), req, &listing, start.tip)?;
        let predicted = predict_steps(&mut engine, &plan.steps, &start)?;
        Ok((plan, warnings, predicted))
    };
    let ((mut plan, warnings, (steps, first_conflict)), left_out) = if req.names.is_empty() {
        (work()?, Vec::new())
    } else {
        // The tracks the run would leave out are found meanwhile, from the moment the
        // definitions are read.
        plan::not_listed_meanwhile(repo, &listing, &req.names, start.tip, work)?
    };
    plan.leave_out(left_out);
    start.warnings.extend(warnings);
    Ok(Prediction {
        state: "dry-run",
        branch: start.branch,
        tip: start.tip.to_string(),
        create: start.current.is_none(),
        steps,
        first_conflict,
        pending: plan.left_out,
        warnings: start.warnings,
    })
}

/// Each step's prediction, and the first conflict.
fn predict_steps(
    engine: &mut Session<'_>,
    planned: &[Planned],
    start: &Start,
) -> Result<(Vec<Predicted>, Option<FirstConflict>)> {
    let mut at = start.tip;
    let mut steps = Vec::new();
    let mut first_conflict = None;
    for (i, p) in planned.iter().enumerate() {
        let (prediction, paths) = match engine.merge(at, p.tip)? {
            Merged::Contained => ("already-merged", Vec::new()),
            Merged::Clean { tree } => {
                let message = step::message(&p.track, &start.branch, p.tip);
                at = engine.commit(&message, tree, &[at, p.tip])?;
                ("clean", Vec::new())
            }
            Merged::Conflict { paths } => {
                first_conflict.get_or_insert_with(|| FirstConflict {
                    step: i + 1,
                    track: p.track.clone(),
                    paths: paths.clone(),
                });
                ("conflict", paths)
            }
        };
        steps.push(Predicted {
            step: i + 1,
            track: p.track.clone(),
            tip: p.tip.to_string(),
            prediction,
            paths,
            violations: p.violations.clone(),
        });
    }
    Ok((steps, first_conflict))
}
