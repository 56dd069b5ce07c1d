use super::output::{Output, Paint, paint, table};
use crate::cli::failure::EXIT_FOUND;
use git_track::merge::notes::Resolution;
use git_track::merge::run::{Finished, StepReport, Stopped};
use git_track::merge::{self, Aborted, Also, Outcome, Prediction, Request};
use git_track::progress::Progress;
use git_track::refs::short_id;
use git_track::remote::{Remote, integration};
use git_track::repo::Repo;
use git_track::scope::paths::quote_list;
use std::io::{self, Write};

/// Merge tracks into the integration branch, one merge commit per track
///
/// With names, merges exactly those tracks in that order; without, every active track
/// that is ready (not blocked, not merged yet, its dependencies merged) in dependency
/// order, ties broken by creation time. Each step is computed in memory and makes a real
/// merge commit ("Merge track '<name>' into <branch>", trailers Track: and Track-Tip:),
/// moving the branch with compare-and-swap; clean steps touch no worktree. Tracks
/// already in the branch are skipped, so a re-run is safe.
///
/// A step that conflicts is left in the integration worktree (added under the worktree
/// root when the branch has none) for git's tools: resolve, 'git add', then --continue.
/// When rerere resolves every path, the merge is committed and the run goes on. Exit
/// codes: 0 merged, 1 stopped (conflict, failed gate), tracks left out for scope
/// violations, or a conflict predicted by --dry-run, 2 bad input, 128 fatal.
#[derive(clap::Args)]
pub struct Args {
    /// Tracks to merge, in this order (default: every ready track, in dependency order)
    #[arg(value_name = "name", conflicts_with_all = ["resume", "skip", "abort"])]
    names: Vec<String>,
    /// The branch to merge into [default: track.integration]
    #[arg(long, value_name = "branch", conflicts_with_all = ["resume", "skip", "abort"])]
    into: Option<String>,
    /// Where the integration branch starts when it does not exist yet [default: track.base]
    #[arg(long, value_name = "rev", conflicts_with_all = ["resume", "skip", "abort"])]
    onto: Option<String>,
    /// After the last step, record an Integration Notes commit (and its note under
    /// refs/notes/tracks); merged tracks become done. Also with --continue and --skip
    #[arg(long, conflicts_with_all = ["abort", "dry_run"])]
    checkpoint: bool,
    /// With --checkpoint: leave the merged tracks' status as it is
    #[arg(long, requires = "checkpoint")]
    keep_active: bool,
    /// Run <cmd> (with sh -c) in the integration worktree after each merged step; a
    /// failure stops the run like a conflict (repeatable)
    #[arg(long = "exec", value_name = "cmd", conflicts_with_all = ["resume", "skip", "abort", "dry_run"])]
    exec: Vec<String>,
    /// Merge tracks that change paths outside their scope (the violations go into the
    /// notes) instead of refusing them
    #[arg(long, conflicts_with_all = ["resume", "skip", "abort"])]
    allow_violations: bool,
    /// Print the plan and predict every step in memory; move nothing
    #[arg(long, conflicts_with_all = ["resume", "skip", "abort"])]
    dry_run: bool,
    /// Take the resolution of the stopped step (staged, or committed) and go on
    #[arg(long = "continue", id = "resume", conflicts_with_all = ["skip", "abort"])]
    resume: bool,
    /// Leave the stopped step's track out and go on
    #[arg(long, conflicts_with = "abort")]
    skip: bool,
    /// Put the integration branch, its index and its worktree back as before the run
    #[arg(long)]
    abort: bool,
    /// Share the result: first fetch the remote's integration branch (and bring this one
    /// up to it), then push it with a lease, with the definitions and notes. When someone
    /// else pushed meanwhile, refuses with a hint (exit 1) and keeps the merges here
    /// [default remote: the integration branch's upstream, else origin]
    #[arg(long, value_name = "remote", num_args = 0..=1, require_equals = true, default_missing_value = "", conflicts_with_all = ["abort", "dry_run"])]
    push: Option<String>,
    /// Print one JSON object (keys in the README)
    #[arg(long)]
    pub json: bool,
}

impl Args {
    /// Does this invocation deal with the run in progress (so need not be warned of it)?
    pub fn resolves(&self) -> bool {
        self.resume || self.skip || self.abort
    }
}

pub fn run(repo: &Repo, args: Args, progress: &dyn Progress) -> anyhow::Result<Output> {
    if args.abort {
        return Ok(render_aborted(merge::abort(repo)?));
    }
    let mut hook = git_track::fault::after_merge_step;
    let also = Also {
        checkpoint: args.checkpoint,
        keep_active: args.keep_active,
    };
    let remote = match args.push.as_deref() {
        Some(r) => Some(Remote::resolve(repo, Some(r).filter(|r| !r.is_empty()))?),
        None => None,
    };
    if args.resume {
        let outcome = merge::resume(repo, also, &mut hook, progress)?;
        return Ok(render(share(repo, remote.as_ref(), outcome)?));
    }
    if args.skip {
        let outcome = merge::skip(repo, also, &mut hook, progress)?;
        return Ok(render(share(repo, remote.as_ref(), outcome)?));
    }
    let req = Request {
        names: args.names,
        into: args.into,
        onto: args.onto,
        checkpoint: args.checkpoint,
        keep_active: args.keep_active,
        exec: args.exec,
        allow_violations: args.allow_violations,
    };
    if args.dry_run {
        return Ok(render_plan(merge::dry_run(repo, &req)?));
    }
    if let Some(r) = &remote {
        let branch = req.into.as_deref().unwrap_or(&repo.settings.integration);
        integration::prepare(repo, r, branch)?;
    }
    let outcome = merge::start(repo, &req, &mut hook, progress)?;
    Ok(render(share(repo, remote.as_ref(), outcome)?))
}

fn render_aborted(aborted: Aborted) -> Output {
    Output::new(aborted, |a, w| {
        match &a.restored {
            Some(tip) => writeln!(w, "'{}' is back at {}", a.branch, short_id(tip))?,
            None => match &a.kept_checked_out_at {
                Some(at) => writeln!(
                    w,
                    "'{}' was created by the run; it is kept, as it is checked out at {at}",
                    a.branch
                )?,
                None => writeln!(w, "'{}' was created by the run and is deleted", a.branch)?,
            },
        }
        if let Some(wt) = &a.removed_worktree {
            writeln!(w, "removed the integration worktree {wt}")?;
        }
        for s in &a.saved {
            writeln!(w, "saved: {s}")?;
        }
        Ok(())
    })
}

/// `--dry-run`: the plan, each step's predicted result, the first conflict.
fn render_plan(p: Prediction) -> Output {
    let code = if p.first_conflict.is_some() {
        EXIT_FOUND
    } else {
        0
    };
    let warnings = p.warnings.clone();
    let mut out = Output::new(p, |p, w| {
        let create = if p.create { " (to be created)" } else { "" };
        writeln!(
            w,
            "Plan for '{}'{create}, from {}:",
            p.branch,
            short_id(&p.tip)
        )?;
        let rows: Vec<Vec<String>> = p
            .steps
            .iter()
            .map(|s| {
                let what = match s.prediction {
                    "conflict" => paint(
                        Paint::Conflict,
                        &format!("conflict in {}", quote_list(&s.paths)),
                    ),
                    other => other.replace('-', " "),
                };
                vec![
                    format!("  {}.", s.step),
                    s.track.clone(),
                    short_id(&s.tip).to_owned(),
                    what,
                ]
            })
            .collect();
        if rows.is_empty() {
            writeln!(w, "  nothing to merge")?;
        }
        table(&rows, w)?;
        write_pending(&p.pending, w)?;
        match &p.first_conflict {
            Some(c) => writeln!(
                w,
                "{}: step {} ({}) in {}",
                paint(Paint::Conflict, "First conflict"),
                c.step,
                c.track,
                quote_list(&c.paths)
            ),
            None => Ok(()),
        }
    })
    .code(code);
    for warning in warnings {
        out = out.warn(warning);
    }
    out
}

/// With `--push`, a finished run's branch, then definitions and notes, go to `remote`.
fn share(repo: &Repo, remote: Option<&Remote>, outcome: Outcome) -> anyhow::Result<Outcome> {
    match (remote, outcome) {
        (Some(remote), Outcome::Finished(mut f)) => {
            f.pushed = Some(integration::push(repo, remote, &f.branch)?);
            git_track::remote::push::push(repo, remote, &Default::default())?;
            Ok(Outcome::Finished(f))
        }
        (_, outcome) => Ok(outcome),
    }
}

fn write_pending(pending: &[git_track::merge::notes::Left], w: &mut dyn Write) -> io::Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    writeln!(w, "Not merged:")?;
    let rows: Vec<Vec<String>> = pending
        .iter()
        .map(|l| vec![format!("  {}", l.track), l.reason.clone()])
        .collect();
    table(&rows, w)
}

fn render(outcome: Outcome) -> Output {
    match outcome {
        Outcome::Finished(f) => render_finished(f),
        Outcome::Stopped(s) => render_stopped(s),
    }
}

fn render_finished(f: Box<Finished>) -> Output {
    let warnings = f.warnings.clone();
    // Tracks refused for scope violations are something found, as `check` says.
    let code = if f.pending.iter().any(|l| l.for_violations()) {
        EXIT_FOUND
    } else {
        0
    };
    let mut out = Output::new(*f, |f, w| {
        let merged = f
            .steps
            .iter()
            .filter(|s| s.result == Some(merge::state::StepResult::Merged))
            .count();
        match &f.from {
            Some(from) if *from != f.tip => writeln!(
                w,
                "'{}': {} -> {} ({merged} merged)",
                f.branch,
                short_id(from),
                short_id(&f.tip)
            )?,
            Some(_) => writeln!(w, "'{}' is up to date", f.branch)?,
            None => writeln!(
                w,
                "'{}' created at {} ({merged} merged)",
                f.branch,
                short_id(&f.tip)
            )?,
        }
        let rows: Vec<Vec<String>> = f
            .steps
            .iter()
            .map(|s| vec![format!("  {}.", s.step), s.track.clone(), step_result(s)])
            .collect();
        table(&rows, w)?;
        write_pending(&f.pending, w)?;
        if let Some(c) = &f.checkpoint {
            writeln!(w, "Checkpoint {}: {}", c.number, short_id(&c.commit))?;
            if !c.done.is_empty() {
                writeln!(w, "Now done: {}", c.done.join(", "))?;
            }
        }
        if let Some(p) = &f.pushed {
            match (p.pushed, &p.from) {
                (false, _) => writeln!(w, "'{}' on {} is up to date", p.branch, p.remote)?,
                (true, Some(from)) => writeln!(
                    w,
                    "pushed '{}' to {}: {} -> {}",
                    p.branch,
                    p.remote,
                    short_id(from),
                    short_id(&p.to)
                )?,
                (true, None) => writeln!(w, "pushed '{}' to {} (new)", p.branch, p.remote)?,
            }
        }
        Ok(())
    });
    for warning in warnings {
        out = out.warn(warning);
    }
    out.code(code)
}

/// What became of one step of the run, as its row says it.
fn step_result(s: &StepReport) -> String {
    match s.result {
        Some(merge::state::StepResult::Merged) => {
            let mut r = format!(
                "{} {}",
                paint(Paint::Good, "merged"),
                short_id(s.commit.as_deref().unwrap_or_default())
            );
            if let Some(c) = &s.conflict {
                let how = c.resolution.unwrap_or(Resolution::Unknown);
                let conflict = format!("conflict in {}", quote_list(&c.paths));
                r.push_str(&format!(
                    " ({}, {})",
                    paint(Paint::Conflict, &conflict),
                    how.describe()
                ));
            }
            r
        }
        Some(merge::state::StepResult::AlreadyMerged) => "already merged".to_owned(),
        Some(merge::state::StepResult::Skipped) => {
            format!("skipped: {}", s.reason.as_deref().unwrap_or("skipped"))
        }
        None => "not done".to_owned(),
    }
}

fn render_stopped(s: Stopped) -> Output {
    let hints = stop_hints(&s);
    let warnings = s.warnings.clone();
    let mut out = Output::new(s, |s, w| {
        let at = &s.at;
        let track = at.track.as_deref().unwrap_or("-");
        if at.state == "gate-failed" {
            writeln!(
                w,
                "{} after merging track '{track}' (step {} of {}) into '{}': {}",
                paint(Paint::Conflict, "GATE FAILED"),
                at.step,
                s.total,
                s.branch,
                s.gate.as_deref().unwrap_or("a gate failed")
            )?;
            writeln!(w, "in {}", at.worktree.as_deref().unwrap_or("-"))
        } else {
            writeln!(
                w,
                "{} merging track '{track}' (step {} of {}) into '{}', left in {}:",
                paint(Paint::Conflict, "CONFLICT"),
                at.step,
                s.total,
                s.branch,
                at.worktree.as_deref().unwrap_or("-")
            )?;
            for p in &at.paths {
                writeln!(w, "    {}", paint(Paint::Conflict, p))?;
            }
            Ok(())
        }
    })
    .code(EXIT_FOUND);
    for warning in warnings {
        out = out.warn(warning);
    }
    for h in hints {
        out = out.hint(h);
    }
    out
}

/// What to do next about a stopped run: resolve and continue, skip or abort.
fn stop_hints(s: &Stopped) -> Vec<String> {
    let at = &s.at;
    let track = at.track.clone().unwrap_or_default();
    let wt = at.worktree.clone().unwrap_or_default();
    let mut hints = Vec::new();
    if at.state == "gate-failed" {
        hints.push(format!(
            "fix it in {wt} and commit, then 'git track merge --continue' runs the gate again"
        ));
        hints.push(format!(
            "or 'git track merge --skip' to take '{track}' out again, 'git track merge --abort' to undo the run"
        ));
    } else {
        hints.push(format!(
            "resolve the conflicts in {wt} ('git status', 'git mergetool'), 'git add' them,"
        ));
        hints.push("then run 'git track merge --continue'".to_owned());
        hints.push(format!(
            "or 'git track merge --skip' to leave '{track}' out, 'git track merge --abort' to undo the run"
        ));
    }
    hints
}
