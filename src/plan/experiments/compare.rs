//! `compare`: what each track of an experiment brings, side by side, and its ranking.

use super::exec::exec_all;
use super::{ExperimentError, members};
use crate::merge::diffstat;
use crate::overlap::{self, Level};
use crate::progress::Progress;
use crate::repo::Repo;
use crate::scope::rules::{self as check, Violation};
use crate::store::{self, Listing, Stored};
use crate::track::Status;
use anyhow::Result;
use gix::ObjectId;
use regex_automata::meta::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::PathBuf;

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
    pub runs: Vec<CommandRun>,
    /// The figure the ranking uses: from the last run whose output matched `metric`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<f64>,
    /// 1 for the best figure; `None` without a figure or when a command failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
}

/// One command run in one track's worktree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandRun {
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

impl CommandRun {
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
        rows.push(row(repo, &listing, &report, &in_group, s, integration_tip)?);
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

/// What track `s` of the group brings, against the integration branch at
/// `integration_tip`; the commands' runs are added later.
fn row(
    repo: &Repo,
    listing: &Listing,
    report: &overlap::Report,
    in_group: &BTreeSet<&str>,
    s: &Stored,
    integration_tip: ObjectId,
) -> Result<Row> {
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
        row.violations = check::check_track(repo, listing, t, false)?
            .into_iter()
            .map(|v: Violation| v.path)
            .collect();
        row.merges_cleanly = report
            .tracks
            .iter()
            .find(|r| r.name == t.name)
            .map(|r| r.merges_cleanly);
        row.overlaps = overlaps_outside(report, &t.name, in_group);
    }
    Ok(row)
}

/// The tracks outside the group whose changes overlap track `name`'s.
fn overlaps_outside(
    report: &overlap::Report,
    name: &str,
    in_group: &BTreeSet<&str>,
) -> Vec<String> {
    let mut others: BTreeSet<String> = BTreeSet::new();
    for p in report.pairs.iter().filter(|p| p.found) {
        let other = if p.a == name {
            &p.b
        } else if p.b == name {
            &p.a
        } else {
            continue;
        };
        if !in_group.contains(other.as_str()) {
            others.insert(other.clone());
        }
    }
    others.into_iter().collect()
}

/// Ranks the rows whose commands all succeeded and gave a figure: 1 is the best.
fn rank(rows: &mut [Row], higher_is_better: bool) {
    let mut ranked: Vec<(f64, String)> = rows
        .iter()
        .filter(|r| r.runs.iter().all(CommandRun::succeeded))
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
