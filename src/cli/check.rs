use super::output::{Output, Paint, paint};
use crate::cli::failure::Failure;
use crate::usage;
use git_track::agents::collision;
use git_track::hooks::agent::{self, Protocol, Verdict};
use git_track::repo::Repo;
use git_track::scope::changes;
use git_track::scope::paths::{self, Located};
use git_track::scope::rules::{self, Own, Reason, Rules, Violation};
use git_track::store::{self, Stored};
use git_track::track::Track;
use serde::Serialize;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Check that a track's changes stay within its scope
///
/// By default checks everything the track changed since its fork point with the
/// integration branch, uncommitted work in its worktree included. --staged checks what a
/// commit would record (as the pre-commit hook does), --range <a>..<b> the changes of
/// those commits (as the pre-push hook does), --path whether the given files may be
/// changed (as an agent's pre-edit hook asks). A rename counts as its old and its new
/// path. A path is allowed when the track's scope contains it, when it is one of the
/// track's own contracts, or when it is shared (track.sharedPaths, .gittracks) and not
/// another track's contract.
///
/// Exit status: 0 when every path is allowed, 1 when some are not, 2 on bad input.
/// --format claude-code, codex, gemini or cursor answers in that agent's pre-edit hook
/// protocol instead: it reads the hook's JSON payload on stdin (unless --path is given)
/// and answers with a denial naming the track and its scope, or allows; outside any track
/// it allows. An edit within scope of a file another live track has changed is answered
/// as track.collision says: ask (the default; agents that cannot ask allow it with a
/// message), deny, warn (allow with a message naming the track, its owner and the lines
/// it changed) or off.
#[derive(clap::Args)]
pub struct Args {
    /// The track (default: the track of the current worktree)
    #[arg(value_name = "name")]
    name: Option<String>,
    /// Check the staged changes: the index against HEAD
    #[arg(long, group = "mode")]
    staged: bool,
    /// Check the changes of the commits in <a>..<b> (from where a and b meet)
    #[arg(long, value_name = "a..b", group = "mode")]
    range: Option<String>,
    /// May these files be changed? Relative to the current folder, or absolute
    #[arg(long = "path", value_name = "path", num_args = 1.., group = "mode")]
    paths: Vec<String>,
    /// How to answer: text, json, or an agent's hook protocol (claude-code)
    #[arg(long, value_name = "format", default_value = "text",
          value_parser = clap::builder::PossibleValuesParser::new(formats()))]
    format: String,
    /// Same as --format json: {track, scope, mode, from, to, worktree, checked, violations}
    #[arg(long)]
    json: bool,
    /// When no track is named and the worktree belongs to none, do nothing and exit 0
    /// (for hook frameworks that run on every branch)
    #[arg(long)]
    if_track: bool,
}

/// text, json and every agent protocol.
fn formats() -> Vec<&'static str> {
    let mut v = vec!["text", "json"];
    v.extend(agent::NAMES);
    v
}

impl Args {
    pub fn wants_json(&self) -> bool {
        self.json || self.format == "json"
    }
}

/// What `check` judged: the track's changes, the index, a range, or given paths.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Track,
    Staged,
    Range,
    Path,
}

/// What `check` found, as `--json` prints it.
#[derive(Serialize)]
struct Report {
    track: String,
    scope: Vec<String>,
    mode: Mode,
    from: Option<String>,
    to: Option<String>,
    /// The worktree whose uncommitted or staged work was checked.
    worktree: Option<String>,
    /// How many paths were checked.
    checked: usize,
    violations: Vec<Violation>,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    if args.json && args.format != "text" && args.format != "json" {
        usage!("--json cannot be combined with --format {}", args.format);
    }
    if let Some(protocol) = agent::protocol(&args.format) {
        return agent_check(repo, &args, protocol.as_ref());
    }
    let Some(stored) = select(repo, args.name.as_deref(), args.if_track)? else {
        // Still one JSON document for --json: no track, nothing checked.
        return Ok(Output::new(
            serde_json::json!({"track": null, "checked": 0, "violations": []}),
            |_, _| Ok(()),
        ));
    };
    let track = &stored.track;
    let mut report = Report {
        track: track.name.clone(),
        scope: track.scope.clone(),
        mode: Mode::Track,
        from: None,
        to: None,
        worktree: None,
        checked: 0,
        violations: Vec::new(),
    };
    let paths = paths_to_judge(repo, &args, track, &mut report)?;
    report.checked = paths.len();
    report.violations = rules::judge(repo, track, &paths)?;
    let count = report.violations.len();
    let scope = Own::new(track)?.scope().describe();
    let name = track.name.clone();
    let out = Output::new(report, |r, w| {
        for v in &r.violations {
            writeln!(w, "{}", paint(Paint::Violation, &describe(v, &r.track)))?;
        }
        Ok(())
    });
    if count == 0 {
        return Ok(out.info(format!(
            "track '{name}': {} checked, all allowed by its scope ({scope})",
            plural(paths.len(), "path", "paths")
        )));
    }
    Ok(out
        .code(1)
        .info(format!(
            "error: track '{name}' may change only {scope}; {} not allowed:",
            plural(count, "path is", "paths are")
        ))
        .hint(format!(
            "widen the scope with 'git track edit {name} --add-scope <glob>' if the change belongs to this track"
        )))
}

/// The paths the mode asks to judge (staged, a range, given paths, or the track's
/// changes), noting in `report` the mode and what was compared.
fn paths_to_judge(
    repo: &Repo,
    args: &Args,
    track: &Track,
    report: &mut Report,
) -> anyhow::Result<Vec<String>> {
    Ok(if args.staged {
        report.mode = Mode::Staged;
        let wt = rules::track_worktree(repo, track)?;
        let gix_repo = wt.as_ref().map_or(&repo.gix, |w| w.repo(repo));
        report.worktree = Some(
            wt.as_ref()
                .map(|w| w.path().to_owned())
                .or_else(|| repo.workdir.clone())
                .unwrap_or_default()
                .display()
                .to_string(),
        );
        rules::staged_own(gix_repo)?
    } else if let Some(range) = &args.range {
        report.mode = Mode::Range;
        let (from, to) = parse_range(repo, range)?;
        report.from = Some(from.to_string());
        report.to = Some(to.to_string());
        changes::between(&repo.gix, from, to)?
    } else if !args.paths.is_empty() {
        report.mode = Mode::Path;
        given_paths(repo, &args.paths)?
    } else {
        let changed = rules::track_changes(repo, track, true)?;
        report.from = Some(changed.from.to_string());
        report.to = Some(changed.to.to_string());
        report.worktree = changed.worktree.map(|p| p.display().to_string());
        changed.paths
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One violation for a person: the path, why, and who claims it.
pub fn describe(v: &Violation, track: &str) -> String {
    let why = match (&v.reason, &v.contract_of) {
        (Reason::Contract, Some(owner)) => format!("a contract of track '{owner}'"),
        _ => format!("outside the scope of track '{track}'"),
    };
    let claimed = if v.claimed_by.is_empty() {
        String::new()
    } else {
        format!(
            " (claimed by {})",
            v.claimed_by
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("{}: {why}{claimed}", paths::quote(&v.path))
}

/// The named track, or the track of the current worktree; `None` with `if_track` when
/// there is none.
fn select(repo: &Repo, name: Option<&str>, if_track: bool) -> anyhow::Result<Option<Stored>> {
    match name {
        Some(n) => Ok(Some(store::load_existing(repo, n)?)),
        None => match rules::current_track(repo)? {
            Some(s) => Ok(Some(s)),
            None if if_track => Ok(None),
            None => Err(Failure::usage("this worktree does not belong to a track")
                .hint("name a track, or run the command inside a track's worktree")
                .into()),
        },
    }
}

/// `a..b` (or `a...b`) as (where a and b meet, b); an empty side means HEAD.
fn parse_range(repo: &Repo, range: &str) -> anyhow::Result<(gix::ObjectId, gix::ObjectId)> {
    let (a, b) = range
        .split_once("...")
        .or_else(|| range.split_once(".."))
        .ok_or_else(|| {
            Failure::usage(format!("'{range}' is not a range"))
                .hint("give two revisions as <a>..<b>, e.g. origin/main..HEAD")
        })?;
    let side = |s: &str| {
        if s.is_empty() {
            "HEAD".to_owned()
        } else {
            s.to_owned()
        }
    };
    let (a, b) = (side(a), side(b));
    let from = repo.resolve_commit(&a)?;
    let to = repo.resolve_commit(&b)?;
    Ok((repo.merge_base(from, to)?.unwrap_or(from), to))
}

/// `--path` arguments as repository-relative paths; a path outside the repository is
/// bad input.
fn given_paths(repo: &Repo, given: &[String]) -> anyhow::Result<Vec<String>> {
    let cwd = std::env::current_dir()?;
    let roots = paths::worktree_roots(repo);
    let mut out = Vec::new();
    for p in given {
        match paths::locate(Path::new(p), &cwd, &roots) {
            Located::Inside { path, .. } if !path.is_empty() => out.push(path),
            _ => {
                return Err(Failure::usage(format!(
                    "'{p}' is not a file of this repository"
                ))
                .hint("give paths relative to the current folder, or absolute paths inside a worktree")
                .into());
            }
        }
    }
    Ok(out)
}

/// An agent's pre-edit hook: read its request, answer in its protocol.
fn agent_check(repo: &Repo, args: &Args, protocol: &dyn Protocol) -> anyhow::Result<Output> {
    let request = if args.paths.is_empty() {
        if args.staged || args.range.is_some() {
            usage!(
                "--format {} checks edits: give --path, or the hook payload on stdin",
                protocol.name()
            );
        }
        let mut payload = String::new();
        io::stdin().read_to_string(&mut payload).map_err(|e| {
            Failure::usage(format!("could not read the hook payload on stdin: {e}"))
        })?;
        protocol.read_request(&payload)?
    } else {
        Some(agent::EditRequest {
            tool: "path".to_owned(),
            paths: args.paths.iter().map(PathBuf::from).collect(),
            cwd: None,
        })
    };
    let verdict = match request {
        None => Verdict::Allow,
        Some(request) => judge_edit(repo, args.name.as_deref(), &request)?,
    };
    let answer = protocol.answer(&verdict);
    let out = match answer.stdout {
        Some(text) => Output::new(text, |t, w| writeln!(w, "{t}")),
        None => Output::none(),
    };
    Ok(out.code(answer.code))
}

fn judge_edit(
    repo: &Repo,
    name: Option<&str>,
    request: &agent::EditRequest,
) -> anyhow::Result<Verdict> {
    // Outside any track there is no fence to hold.
    let Some(stored) = select(repo, name, true)? else {
        return Ok(Verdict::Allow);
    };
    let track = &stored.track;
    let own = Own::new(track)?;
    let mut rules: Option<Rules> = None;
    let home = if rules::is_current(repo, track) {
        repo.workdir.clone()
    } else {
        track.recorded_worktree()
    };
    let cwd = match &request.cwd {
        Some(c) => c.clone(),
        None => std::env::current_dir()?,
    };
    let roots = paths::worktree_roots(repo);
    let mut reasons = Vec::new();
    let mut in_scope = Vec::new();
    for p in &request.paths {
        let Located::Inside { worktree, path } = paths::locate(p, &cwd, &roots) else {
            continue; // not a file of this repository: not ours to judge
        };
        if path.is_empty() {
            continue;
        }
        if let Some(home) = &home
            && worktree != *home
        {
            reasons.push(format!(
                "{} is in the worktree {}, not in the worktree of track '{}' ({})",
                p.display(),
                worktree.display(),
                track.name,
                home.display()
            ));
            continue;
        }
        if own.allows(&path) {
            in_scope.push(path);
            continue;
        }
        if rules.is_none() {
            rules = Some(Rules::new(repo, &store::list(repo)?, track)?);
        }
        match rules.as_ref().and_then(|r| r.judge(&path)) {
            Some(v) => reasons.push(describe(&v, &track.name)),
            None => in_scope.push(path),
        }
    }
    if reasons.is_empty() {
        return collision_verdict(repo, track, &in_scope);
    }
    Ok(Verdict::Deny(format!(
        "git-track: track '{}' may change only {}. Refused: {}. Keep to the files in scope; if this change belongs to the track, ask for its scope to be widened (git track edit {} --add-scope <glob>).",
        track.name,
        own.scope().describe(),
        reasons.join("; "),
        track.name
    )))
}

/// An edit the scope allows, judged against what other live tracks changed.
fn collision_verdict(
    repo: &Repo,
    track: &git_track::track::Track,
    paths: &[String],
) -> anyhow::Result<Verdict> {
    let mode = collision::Mode::read(repo)?;
    if mode == collision::Mode::Off || paths.is_empty() {
        return Ok(Verdict::Allow);
    }
    let found = collision::find(repo, &store::list(repo)?, track, paths)?;
    if found.is_empty() {
        return Ok(Verdict::Allow);
    }
    let message = collision::message(&track.name, &found);
    Ok(match mode {
        collision::Mode::Deny => Verdict::Deny(message),
        collision::Mode::Ask => Verdict::Ask(message),
        collision::Mode::Warn | collision::Mode::Off => Verdict::Warn(message),
    })
}
