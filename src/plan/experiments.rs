//! Experiments: tracks that try competing approaches to one problem (`--experiment
//! <group> --hypothesis <text>`), compared side by side and decided between.
//!
//! `compare` reports, per track of the group, what it brings (commits, diffstat,
//! files), its scope violations, the tracks outside the group it overlaps with, and
//! whether it merges cleanly into the integration branch; with commands, it runs them in
//! every track's worktree in parallel (a temporary detached worktree for a track without
//! one, always removed afterwards) and ranks the tracks by a figure read from their
//! output. The last comparison of a group is kept locally so that `pick` can record it.
//!
//! `pick` makes one track the winner and cancels the others with the reason; each
//! loser's tip is kept under `refs/tracks-experiments/<group>/tips/<track>`, and the
//! decision is a commit under `refs/tracks-experiments/<group>/decision` (shared by
//! push and fetch like the definitions). The next checkpoint copies every decision not
//! yet recorded into its Integration Notes and marks it recorded.

use crate::error::EXIT_FOUND;
use crate::lifecycle;
use crate::merge::diffstat;
use crate::overlap::{self, Level};
use crate::progress::Progress;
use crate::refs;
use crate::repo::Repo;
use crate::scope::rules::{self as check, Violation};
use crate::store::{self, Listing, Stored};
use crate::track::{self, Status};
use crate::track_env::{self, TrackEnv};
use crate::transition::{self, Transition};
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::objs::tree::EntryKind;
use gix::refs::Target;
use gix::refs::transaction::{PreviousValue, RefEdit};
use regex_automata::meta::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

pub const REF_PREFIX: &str = "refs/tracks-experiments/";
const DECISION_FILE: &str = "decision.toml";

/// What comparing an experiment or picking its winner can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// `groups`: the experiments there are.
    #[error("no experiment named '{group}'")]
    NoSuchGroup { group: String, groups: Vec<String> },
    #[error("invalid metric regular expression '{metric}': {cause}")]
    InvalidMetric { metric: String, cause: String },
    #[error("a pick needs a reason")]
    NoReason,
    /// `actual`: the experiment the track is in; `members`: the tracks of `group`.
    #[error("track '{track}' is not in experiment '{group}'{}", in_group(actual))]
    NotInGroup {
        track: String,
        group: String,
        actual: Option<String>,
        members: Vec<String>,
    },
    #[error("track '{track}' is in no experiment")]
    InNoGroup { track: String },
    #[error("track '{track}' is {status}; a winner must be unfinished")]
    WinnerFinished { track: String, status: Status },
    /// `file`: the decision, as `<ref>:<file>`.
    #[error("experiment '{group}' was decided already: '{winner}' won ({decided})")]
    Decided {
        group: String,
        winner: String,
        decided: String,
        file: String,
    },
    #[error("{refname}: malformed {DECISION_FILE}: {cause}")]
    MalformedDecision { refname: String, cause: String },
    /// Another pick wrote the decision first.
    #[error("{refname} changed meanwhile: {cause}")]
    DecisionChanged { refname: String, cause: String },
}

fn in_group(actual: &Option<String>) -> String {
    actual
        .as_ref()
        .map(|g| format!(" (it is in '{g}')"))
        .unwrap_or_default()
}

/// Checks that `group` can name an experiment: one ref component, as a track name.
pub fn validate_group(group: &str) -> Result<(), track::InvalidName> {
    track::validate_name(group).map_err(|e| track::InvalidName {
        what: track::NameOf::ExperimentGroup,
        ..e
    })
}

/// The tracks of experiment `group`, by name; refuses a group no track is in.
pub fn members<'a>(listing: &'a Listing, group: &str) -> Result<Vec<&'a Stored>> {
    let found: Vec<&Stored> = listing
        .tracks
        .iter()
        .filter(|s| s.track.experiment.as_deref() == Some(group))
        .collect();
    if found.is_empty() {
        let groups: BTreeSet<&str> = listing
            .tracks
            .iter()
            .filter_map(|s| s.track.experiment.as_deref())
            .collect();
        return Err(ExperimentError::NoSuchGroup {
            group: group.to_owned(),
            groups: groups.into_iter().map(str::to_owned).collect(),
        }
        .into());
    }
    Ok(found)
}

/// What `compare` asks for.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// Commands to run (with `sh -c`) in every track's worktree.
    pub exec: Vec<String>,
    /// A regular expression whose last match in a command's output is the figure to
    /// rank by (its first group when it has one).
    pub metric: Option<String>,
    /// Rank the highest figure first (default: the lowest, as for times).
    pub higher_is_better: bool,
}

/// The side-by-side comparison of an experiment's tracks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub group: String,
    /// The integration branch and the commit compared against.
    pub integration: String,
    pub integration_tip: String,
    pub commands: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(default)]
    pub higher_is_better: bool,
    pub tracks: Vec<Row>,
}

/// One track of the comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub track: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypothesis: Option<String>,
    /// The branch tip compared; `None` when the branch does not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
    /// Commits not in the integration branch.
    pub commits: usize,
    /// What the track changes since its merge base with the integration branch.
    pub files: Vec<String>,
    pub insertions: u64,
    pub deletions: u64,
    /// Changed paths its scope does not allow.
    pub violations: Vec<String>,
    /// Tracks outside the group whose effective changes share files with this one's.
    pub overlaps: Vec<String>,
    /// Does it merge into the integration branch without conflict?
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merges_cleanly: Option<bool>,
    /// The commands' runs, in the order given.
    #[serde(default)]
    pub runs: Vec<Run>,
    /// The figure the ranking uses: from the last run whose output matched `metric`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<f64>,
    /// 1 for the best figure; `None` without a figure or when a command failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
}

/// One command run in one track's worktree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub command: String,
    /// `None` when killed by a signal or when it could not start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The last non-empty line of its output (stdout, else stderr).
    pub last_line: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<f64>,
    /// Where it ran.
    pub worktree: String,
    /// In a temporary worktree made for the run (and removed after it).
    pub temporary: bool,
}

impl Run {
    pub fn succeeded(&self) -> bool {
        self.exit == Some(0)
    }
}

impl Comparison {
    /// Did any command fail?
    pub fn failed(&self) -> bool {
        self.tracks
            .iter()
            .flat_map(|t| &t.runs)
            .any(|r| !r.succeeded())
    }

    /// The exit code `compare` ends with: 1 when a command failed.
    pub fn code(&self) -> i32 {
        if self.failed() { EXIT_FOUND } else { 0 }
    }
}

/// Compares the tracks of `group`.
pub fn compare(
    repo: &Repo,
    group: &str,
    options: &CompareOptions,
    progress: &dyn Progress,
) -> Result<Comparison> {
    let listing = store::list(repo)?;
    let group_tracks = members(&listing, group)?;
    let metric = options
        .metric
        .as_deref()
        .map(|m| {
            Regex::new(m).map_err(|e| ExperimentError::InvalidMetric {
                metric: m.to_owned(),
                cause: e.to_string(),
            })
        })
        .transpose()?;
    let (integration, integration_tip) = overlap::integration(repo)?;

    // Overlaps are judged among the group and every pending track, as status does.
    let mut compared: Vec<Stored> = listing
        .tracks
        .iter()
        .filter(|s| {
            crate::status::is_pending(s.track.status)
                || s.track.experiment.as_deref() == Some(group)
        })
        .cloned()
        .collect();
    compared.sort_by(|a, b| a.track.name.cmp(&b.track.name));
    let report = overlap::analyze(
        repo,
        &compared,
        &overlap::Options {
            level: Level::Files,
            worktree: false,
        },
    )?;
    let in_group: BTreeSet<&str> = group_tracks.iter().map(|s| s.track.name.as_str()).collect();

    let mut rows = Vec::with_capacity(group_tracks.len());
    for s in &group_tracks {
        let t = &s.track;
        let tip = repo.ref_target(&t.branch_ref())?;
        let mut row = Row {
            track: t.name.clone(),
            status: t.status,
            hypothesis: t.hypothesis.clone(),
            tip: tip.map(|t| t.to_string()),
            commits: 0,
            files: Vec::new(),
            insertions: 0,
            deletions: 0,
            violations: Vec::new(),
            overlaps: Vec::new(),
            merges_cleanly: None,
            runs: Vec::new(),
            metric: None,
            rank: None,
        };
        if let Some(tip) = tip {
            row.commits = crate::status::count(repo, tip, integration_tip)?;
            let base = repo.merge_base(tip, integration_tip)?.unwrap_or(tip);
            let stat = diffstat::between(&repo.gix, base, tip)?;
            row.files = stat.paths;
            row.insertions = stat.insertions;
            row.deletions = stat.deletions;
            row.violations = check::check_track(repo, &listing, t, false)?
                .into_iter()
                .map(|v: Violation| v.path)
                .collect();
            row.merges_cleanly = report
                .tracks
                .iter()
                .find(|r| r.name == t.name)
                .map(|r| r.merges_cleanly);
            let mut others: BTreeSet<String> = BTreeSet::new();
            for p in report.pairs.iter().filter(|p| p.found) {
                let other = if p.a == t.name {
                    &p.b
                } else if p.b == t.name {
                    &p.a
                } else {
                    continue;
                };
                if !in_group.contains(other.as_str()) {
                    others.insert(other.clone());
                }
            }
            row.overlaps = others.into_iter().collect();
        }
        rows.push(row);
    }

    if !options.exec.is_empty() {
        let runs = exec_all(
            repo,
            &group_tracks,
            &options.exec,
            metric.as_ref(),
            progress,
        )?;
        for (row, runs) in rows.iter_mut().zip(runs) {
            row.metric = runs.iter().rev().find_map(|r| r.metric);
            row.runs = runs;
        }
        rank(&mut rows, options.higher_is_better);
    }
    let comparison = Comparison {
        group: group.to_owned(),
        integration: integration.branch,
        integration_tip: integration_tip.to_string(),
        commands: options.exec.clone(),
        metric: options.metric.clone(),
        higher_is_better: options.higher_is_better,
        tracks: rows,
    };
    save_comparison(repo, &comparison);
    Ok(comparison)
}

/// Ranks the rows whose commands all succeeded and gave a figure: 1 is the best.
fn rank(rows: &mut [Row], higher_is_better: bool) {
    let mut ranked: Vec<(f64, String)> = rows
        .iter()
        .filter(|r| r.runs.iter().all(Run::succeeded))
        .filter_map(|r| Some((r.metric?, r.track.clone())))
        .collect();
    ranked.sort_by(|a, b| {
        let order = a.0.total_cmp(&b.0);
        let order = if higher_is_better {
            order.reverse()
        } else {
            order
        };
        order.then_with(|| a.1.cmp(&b.1))
    });
    for (i, (_, name)) in ranked.iter().enumerate() {
        if let Some(r) = rows.iter_mut().find(|r| &r.track == name) {
            r.rank = Some(i + 1);
        }
    }
}

/// Runs `commands` in every track's worktree, the tracks in parallel and each track's
/// commands one after the other; returns the runs per track, in the order of `tracks`.
fn exec_all(
    repo: &Repo,
    tracks: &[&Stored],
    commands: &[String],
    metric: Option<&Regex>,
    progress: &dyn Progress,
) -> Result<Vec<Vec<Run>>> {
    let temp_root = repo.state_dir().join("compare");
    remove_abandoned_worktrees(repo, &temp_root);
    // Every place first (a temporary worktree where there is none); the guards remove
    // the temporary ones whatever happens next.
    let mut places: Vec<Option<Place<'_>>> = Vec::with_capacity(tracks.len());
    for s in tracks {
        places.push(place(repo, &s.track, &temp_root)?);
    }
    // Each track's own environment (GIT_TRACK, GIT_TRACK_INDEX, GIT_TRACK_PORT), given out
    // before the commands run at once.
    let listing = crate::store::list(repo)?;
    let envs: Vec<TrackEnv> = tracks
        .iter()
        .map(|s| track_env::for_track(repo, &listing, &s.track.name))
        .collect::<Result<_>>()?;
    let dirs: Vec<Option<(PathBuf, bool)>> = places
        .iter()
        .map(|p| p.as_ref().map(|p| (p.path.clone(), p.temporary)))
        .collect();
    progress.start("Running commands", tracks.len() * commands.len());
    let results: Vec<Vec<Run>> = std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .iter()
            .enumerate()
            .map(|(index, dir)| {
                let env = &envs[index];
                scope.spawn(move || {
                    let Some((path, temporary)) = dir else {
                        return Vec::new();
                    };
                    commands
                        .iter()
                        .map(|c| {
                            let run = run_command(env, path, c, metric, *temporary);
                            progress.tick();
                            run
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    progress.finish();
    drop(places);
    Ok(results)
}

/// Runs one command for one track in `dir` with `sh -c` and the track's environment,
/// capturing its output. The only place where compare starts a command.
pub fn run_command(
    env: &TrackEnv,
    dir: &Path,
    command: &str,
    metric: Option<&Regex>,
    temporary: bool,
) -> Run {
    let start = Instant::now();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(Stdio::null());
    // The command works on this worktree, whatever git-track was started with.
    env.apply(&mut cmd);
    let output = cmd.output();
    let seconds = start.elapsed().as_secs_f64();
    let (exit, stdout, stderr) = match output {
        Ok(o) => (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
        Err(e) => (None, String::new(), format!("could not run sh: {e}")),
    };
    let last = |text: &str| {
        text.lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
    };
    Run {
        command: command.to_owned(),
        exit,
        seconds,
        last_line: last(&stdout).or_else(|| last(&stderr)).unwrap_or_default(),
        metric: metric.and_then(|re| figure(re, &stdout).or_else(|| figure(re, &stderr))),
        worktree: dir.display().to_string(),
        temporary,
    }
}

/// The figure of the last match of `re` in `text`: its first group, else the match.
pub fn figure(re: &Regex, text: &str) -> Option<f64> {
    let mut caps = re.create_captures();
    let mut last = None;
    let mut at = 0;
    while at <= text.len() {
        let input = regex_automata::Input::new(text).range(at..);
        re.captures(input, &mut caps);
        let Some(m) = caps.get_match() else { break };
        let span = caps.get_group(1).unwrap_or_else(|| m.span());
        last = Some(text[span.start..span.end].to_owned());
        at = if m.end() > m.start() {
            m.end()
        } else {
            m.end() + 1
        };
    }
    let text = last?;
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    cleaned.parse().ok()
}

/// Where a track's commands run.
struct Place<'r> {
    path: PathBuf,
    /// A worktree made for this comparison, removed on drop.
    temporary: bool,
    repo: &'r Repo,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if self.temporary {
            let _ = crate::linked_worktree::remove(self.repo, &self.path, true);
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn place<'r>(repo: &'r Repo, t: &track::Track, temp_root: &Path) -> Result<Option<Place<'r>>> {
    if let Some(path) = lifecycle::find_worktree(repo, t)?
        && path.is_dir()
    {
        return Ok(Some(Place {
            path,
            temporary: false,
            repo,
        }));
    }
    let Some(tip) = repo.ref_target(&t.branch_ref())? else {
        return Ok(None);
    };
    std::fs::create_dir_all(temp_root)
        .with_context(|| format!("could not create {}", temp_root.display()))?;
    let path = temp_root.join(format!("{}.{}", t.name, std::process::id()));
    let place = Place {
        path: path.clone(),
        temporary: true,
        repo,
    };
    crate::linked_worktree::add_detached(repo, &path, tip)?;
    Ok(Some(place))
}

/// Removes temporary worktrees left by a compare whose process was killed.
fn remove_abandoned_worktrees(repo: &Repo, temp_root: &Path) {
    let root = crate::repo::canonical(temp_root);
    let Ok(worktrees) = repo.worktrees() else {
        return;
    };
    for w in worktrees.iter().filter(|w| w.path.starts_with(&root)) {
        let pid = w
            .path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(|e| e.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| {
            p == std::process::id() || crate::merge::state::process_is_git_track(p)
        });
        if !alive {
            let _ = crate::linked_worktree::remove(repo, &w.path, true);
        }
    }
}

fn comparison_path(repo: &Repo, group: &str) -> PathBuf {
    repo.state_dir()
        .join("compare")
        .join(format!("{group}.json"))
}

/// Keeps the comparison for `pick`; a failure to keep it only loses that record.
fn save_comparison(repo: &Repo, c: &Comparison) {
    let path = comparison_path(repo, &c.group);
    let Ok(bytes) = serde_json::to_vec_pretty(c) else {
        return;
    };
    let _ = crate::fault::write_file(&path, &bytes);
}

/// The last comparison of `group` run in this clone, if it can be read.
pub fn last_comparison(repo: &Repo, group: &str) -> Option<Comparison> {
    let bytes = std::fs::read(comparison_path(repo, group)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The record of a pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub group: String,
    pub winner: String,
    /// The winner's branch tip when it was picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner_tip: Option<String>,
    pub reason: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub decided: String,
    #[serde(default)]
    pub losers: Vec<Loser>,
    /// The last `compare` of the group, when one was run in the clone that picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareTable>,
    /// The checkpoint whose notes recorded the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loser {
    pub track: String,
    /// Its branch tip when the winner was picked (none when it had no branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
    /// The ref that keeps that tip reachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "ref")]
    pub refname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub checkpoint: u64,
    pub branch: String,
    pub commit: String,
}

/// A comparison as the notes keep it: one line per track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareTable {
    pub commands: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub rows: Vec<CompareRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareRow {
    pub track: String,
    pub commits: u64,
    pub files: u64,
    pub insertions: u64,
    pub deletions: u64,
    pub violations: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merges_cleanly: Option<bool>,
    /// Exit codes of the commands, in order (-1: killed or not started).
    #[serde(default)]
    pub exits: Vec<i64>,
    #[serde(default)]
    pub seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u64>,
}

impl CompareTable {
    pub fn of(c: &Comparison) -> CompareTable {
        CompareTable {
            commands: c.commands.clone(),
            metric: c.metric.clone(),
            rows: c
                .tracks
                .iter()
                .map(|r| CompareRow {
                    track: r.track.clone(),
                    commits: r.commits as u64,
                    files: r.files.len() as u64,
                    insertions: r.insertions,
                    deletions: r.deletions,
                    violations: r.violations.len() as u64,
                    merges_cleanly: r.merges_cleanly,
                    exits: r
                        .runs
                        .iter()
                        .map(|x| x.exit.map_or(-1, i64::from))
                        .collect(),
                    seconds: r.runs.iter().map(|x| x.seconds).sum(),
                    metric: r.metric,
                    rank: r.rank.map(|r| r as u64),
                })
                .collect(),
        }
    }
}

/// What `pick` asks for.
#[derive(Debug, Clone, Default)]
pub struct PickRequest {
    pub winner: String,
    pub reason: String,
    /// The group the winner must be in, when the caller names it.
    pub group: Option<String>,
    /// Cancel losers whose worktrees hold uncommitted work, saving it first.
    pub force: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Picked {
    pub decision: Decision,
    /// The ref holding the decision commit.
    #[serde(rename = "ref")]
    pub refname: String,
    /// Losers cancelled now, with what happened to their worktrees.
    pub cancelled: Vec<transition::Changed>,
    /// The winner's status change, if it had to become active.
    pub winner: Option<transition::Changed>,
}

pub fn decision_ref(group: &str) -> String {
    format!("{REF_PREFIX}{group}/decision")
}

fn tip_ref(group: &str, track: &str) -> String {
    format!("{REF_PREFIX}{group}/tips/{track}")
}

/// Picks the winner of its experiment. Every refusal comes before any change.
pub fn pick(repo: &Repo, req: &PickRequest) -> Result<Picked> {
    if req.reason.trim().is_empty() {
        return Err(ExperimentError::NoReason.into());
    }
    let listing = store::list(repo)?;
    let winner = store::load_existing(repo, &req.winner)?;
    let group = match (&winner.track.experiment, &req.group) {
        (Some(g), Some(wanted)) if g != wanted => {
            return Err(ExperimentError::NotInGroup {
                track: req.winner.clone(),
                group: wanted.clone(),
                actual: Some(g.clone()),
                members: names(&members(&listing, wanted)?),
            }
            .into());
        }
        (Some(g), _) => g.clone(),
        (None, Some(wanted)) => {
            return Err(ExperimentError::NotInGroup {
                track: req.winner.clone(),
                group: wanted.clone(),
                actual: None,
                members: names(&members(&listing, wanted)?),
            }
            .into());
        }
        (None, None) => {
            return Err(ExperimentError::InNoGroup {
                track: req.winner.clone(),
            }
            .into());
        }
    };
    if winner.track.is_finished() {
        return Err(ExperimentError::WinnerFinished {
            track: req.winner.clone(),
            status: winner.track.status,
        }
        .into());
    }
    let decision_refname = decision_ref(&group);
    if let Some(existing) = load_decision(repo, &decision_refname)? {
        return Err(ExperimentError::Decided {
            group,
            winner: existing.1.winner,
            decided: existing.1.decided,
            file: format!("{decision_refname}:{DECISION_FILE}"),
        }
        .into());
    }
    let group_members = members(&listing, &group)?;
    let losers: Vec<&Stored> = group_members
        .iter()
        .copied()
        .filter(|s| s.track.name != req.winner)
        .collect();
    // Refuse dirty worktrees of the tracks to cancel before anything is written.
    for l in losers.iter().filter(|l| !l.track.is_finished()) {
        if let Some(path) = lifecycle::find_worktree(repo, &l.track)?
            && repo.workdir.as_deref() != Some(path.as_path())
        {
            lifecycle::worktree_to_retire(repo, &l.track, req.force)?;
        }
    }

    // Keep the losers' tips first: nothing below may leave one unreachable.
    let mut kept = Vec::with_capacity(losers.len());
    for l in &losers {
        let tip = repo.ref_target(&l.track.branch_ref())?;
        let refname = match tip {
            Some(tip) => Some(keep_tip(repo, &group, &l.track.name, tip)?),
            None => None,
        };
        kept.push(Loser {
            track: l.track.name.clone(),
            tip: tip.map(|t| t.to_string()),
            refname,
        });
    }
    let winner_tip = repo.ref_target(&winner.track.branch_ref())?;
    let decision = Decision {
        group: group.clone(),
        winner: req.winner.clone(),
        winner_tip: winner_tip.map(|t| t.to_string()),
        reason: req.reason.clone(),
        decided: repo.timestamp(),
        losers: kept,
        compare: last_comparison(repo, &group).map(|c| CompareTable::of(&c)),
        recorded: None,
    };
    write_decision(repo, &decision_refname, &decision, None)?;

    let reason = format!(
        "lost experiment '{group}' to '{}': {}",
        req.winner, req.reason
    );
    let mut cancelled = Vec::new();
    for l in losers.iter().filter(|l| !l.track.is_finished()) {
        cancelled.push(transition::apply(
            repo,
            &transition::Request {
                name: l.track.name.clone(),
                to: Transition::Cancel,
                reason: Some(reason.clone()),
                force: req.force,
                keep_worktree: false,
            },
        )?);
    }
    let picked_reason = format!("picked in experiment '{group}': {}", req.reason);
    let winner_change = if matches!(winner.track.status, Status::Backlog | Status::Blocked) {
        Some(transition::apply(
            repo,
            &transition::Request {
                name: req.winner.clone(),
                to: Transition::Reopen,
                reason: Some(picked_reason),
                force: false,
                keep_worktree: true,
            },
        )?)
    } else {
        store::update(repo, &req.winner, |t| {
            if t.reason.as_deref() == Some(picked_reason.as_str()) {
                return Ok(None);
            }
            t.reason = Some(picked_reason.clone());
            Ok(Some(format!("reason: {picked_reason}")))
        })?;
        None
    };
    Ok(Picked {
        decision,
        refname: decision_refname,
        cancelled,
        winner: winner_change,
    })
}

fn names(tracks: &[&Stored]) -> Vec<String> {
    tracks.iter().map(|s| s.track.name.clone()).collect()
}

/// Points `refs/tracks-experiments/<group>/tips/<track>` at `tip` (a new name when that
/// ref holds another commit already: a kept tip is never moved).
fn keep_tip(repo: &Repo, group: &str, track: &str, tip: ObjectId) -> Result<String> {
    for n in 1..100 {
        let name = if n == 1 {
            tip_ref(group, track)
        } else {
            format!("{}-{n}", tip_ref(group, track))
        };
        match repo.ref_target(&name)? {
            Some(existing) if existing == tip => return Ok(name),
            Some(_) => continue,
            None => {
                lifecycle::create_ref(
                    repo,
                    &name,
                    tip,
                    &format!("git track pick: keep the tip of {track}"),
                )?;
                return Ok(name);
            }
        }
    }
    Err(anyhow!("could not find a free ref for the tip of {track}"))
}

fn load_decision(repo: &Repo, refname: &str) -> Result<Option<(ObjectId, Decision)>> {
    let Some(commit) = repo.ref_target(refname)? else {
        return Ok(None);
    };
    let text = (|| -> Result<String> {
        let tree = repo.gix.find_commit(commit)?.tree()?;
        let entry = tree
            .lookup_entry_by_path(DECISION_FILE)?
            .ok_or_else(|| anyhow!("no {DECISION_FILE} in its tree"))?;
        Ok(String::from_utf8_lossy(&entry.object()?.detach().data).into_owned())
    })()
    .with_context(|| format!("could not read {refname}"))?;
    let decision: Decision =
        toml::from_str(&text).map_err(|e| ExperimentError::MalformedDecision {
            refname: refname.to_owned(),
            cause: e.message().to_owned(),
        })?;
    Ok(Some((commit, decision)))
}

/// Writes `decision` as a commit on `refname`: a new ref (`parent` none), or the next
/// commit after `parent` with compare-and-swap.
fn write_decision(
    repo: &Repo,
    refname: &str,
    decision: &Decision,
    parent: Option<ObjectId>,
) -> Result<ObjectId> {
    let text = toml::to_string(decision).context("could not serialize the decision")?;
    let blob = repo.gix.write_blob(text.as_bytes())?.detach();
    let mut editor = repo.gix.empty_tree().edit()?;
    editor.upsert(DECISION_FILE, EntryKind::Blob, blob)?;
    let tree = editor.write()?.detach();
    let message = match &decision.recorded {
        None => format!(
            "experiment {}: pick {}\n\n{}\n",
            decision.group, decision.winner, decision.reason
        ),
        Some(r) => format!(
            "experiment {}: recorded at checkpoint {} of {}\n",
            decision.group, r.checkpoint, r.branch
        ),
    };
    let commit = repo.gix.new_commit(message.clone(), tree, parent)?.id;
    let expected = match parent {
        None => PreviousValue::MustNotExist,
        Some(p) => PreviousValue::MustExistAndMatch(Target::Object(p)),
    };
    let edit = RefEdit::update_with_log(
        refs::full_name(refname)?,
        commit,
        expected,
        refs::logged(message.lines().next().unwrap_or_default()),
    );
    crate::repo::edit_reference(&repo.gix, edit).map_err(|e| ExperimentError::DecisionChanged {
        refname: refname.to_owned(),
        cause: format!("{:#}", anyhow::Error::from(e)),
    })?;
    Ok(commit)
}

/// Decisions no checkpoint has recorded yet, by group.
pub fn unrecorded(repo: &Repo) -> Result<Vec<(String, ObjectId, Decision)>> {
    let mut out = Vec::new();
    for reference in crate::store::references_under(repo, REF_PREFIX)? {
        let name = reference.name().as_bstr().to_string();
        if !name.ends_with("/decision") {
            continue;
        }
        if let Some((commit, d)) = load_decision(repo, &name)?
            && d.recorded.is_none()
        {
            out.push((name, commit, d));
        }
    }
    out.sort_by(|a, b| a.2.group.cmp(&b.2.group));
    Ok(out)
}

/// Marks decisions as recorded at a checkpoint. A decision another process changed
/// meanwhile is left as it is.
pub fn mark_recorded(
    repo: &Repo,
    decisions: &[(String, ObjectId, Decision)],
    recorded: &Recorded,
) -> Result<()> {
    for (refname, commit, d) in decisions {
        let mut d = d.clone();
        d.recorded = Some(recorded.clone());
        let _ = write_decision(repo, refname, &d, Some(*commit));
    }
    Ok(())
}
