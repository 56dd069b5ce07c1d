//! The data of `git track report`: the documents `status --json`, `overlap --json` (at
//! each level) and `checkpoints --json` print, plus the dependency plan drawn from the
//! definitions. The command line renders it as one self-contained HTML file.

use crate::merge::notes::{self, Entry};
use crate::overlap::{self, Level};
use crate::progress::Progress;
use crate::repo::Repo;
use crate::status::{self, Dashboard, is_pending};
use crate::store::{self, Stored};
use crate::track::Status;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The repository's folder name, for the title.
    pub repository: String,
    /// When the report was made (UTC; `GIT_COMMITTER_DATE` when set, as commits are).
    pub generated: String,
    /// What `git track status --json` prints.
    pub status: Dashboard,
    /// One definition per track (scope, dependencies, experiment), as `git track show --json`.
    pub definitions: Vec<Definition>,
    /// What `git track overlap --level <level> --json` prints, for files, hunks, conflicts.
    pub overlap: Vec<overlap::Report>,
    /// What `git track checkpoints --json` prints (newest first); empty without the branch.
    pub checkpoints: Vec<Entry>,
    pub plan: Plan,
}

/// The parts of a definition the report shows beside the status.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub name: String,
    pub scope: Vec<String>,
    pub contracts: Vec<String>,
    pub depends_on: Vec<String>,
    pub experiment: Option<String>,
    pub hypothesis: Option<String>,
    pub description: Option<String>,
}

/// The dependency plan.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Plan {
    /// The longest chain of unfinished tracks through their dependencies, first to merge first.
    pub critical_path: Vec<String>,
    /// Each track's depth in the plan: 0 for a track with no unfinished dependency.
    pub depth: BTreeMap<String, usize>,
    /// Active tracks with uncommitted work and no commit for two hours.
    pub stuck: Vec<String>,
}

/// Gathers everything; `progress` hears of the overlap engine's in-memory merges.
pub fn build(repo: &Repo, progress: &dyn Progress) -> Result<Report> {
    let listing = store::list(repo)?;
    let dashboard = status::dashboard(repo, &listing.tracks, progress)?;
    let pending: Vec<Stored> = listing
        .tracks
        .iter()
        .filter(|s| is_pending(s.track.status))
        .cloned()
        .collect();
    let mut overlaps = Vec::new();
    for level in [Level::Files, Level::Hunks, Level::Conflicts] {
        let options = overlap::Options {
            level,
            worktree: false,
        };
        overlaps.push(overlap::analyze_with_progress(
            repo, &pending, &options, progress,
        )?);
    }
    let checkpoints = match repo.ref_target(&repo.settings.integration_ref())? {
        Some(tip) => notes::list(repo, tip)?,
        None => Vec::new(),
    };
    let definitions: Vec<Definition> = listing
        .tracks
        .iter()
        .map(|s| {
            let t = &s.track;
            Definition {
                name: t.name.clone(),
                scope: t.scope.clone(),
                contracts: t.contracts.clone(),
                depends_on: t.depends_on.clone(),
                experiment: t.experiment.clone(),
                hypothesis: t.hypothesis.clone(),
                description: t.description.clone(),
            }
        })
        .collect();
    let plan = plan(&listing.tracks, &dashboard, repo.now().seconds);
    let repository = repo
        .main_workdir
        .as_deref()
        .unwrap_or(&repo.common_dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Report {
        repository,
        generated: repo.timestamp(),
        status: dashboard,
        definitions,
        overlap: overlaps,
        checkpoints,
        plan,
    })
}

/// Two hours without a commit while the worktree holds uncommitted work.
const STUCK_AFTER_SECS: i64 = 2 * 3600;

/// HOOK(plan): issue 11 brings `src/plan/` (critical path weighted by estimates, the
/// stuck flag in `status`). Until it lands, the plan is computed here: every unfinished
/// track weighs 1, and "stuck" is issue 11's first rule with its default of two hours.
/// Replace this function with calls into `crate::plan` when it is merged.
fn plan(tracks: &[Stored], dashboard: &Dashboard, now: i64) -> Plan {
    let unfinished: BTreeMap<&str, &Stored> = tracks
        .iter()
        .filter(|s| {
            !matches!(
                s.track.status,
                Status::Done | Status::Cancelled | Status::Archived
            )
        })
        .filter(|s| {
            !dashboard
                .tracks
                .iter()
                .any(|t| t.name == s.track.name && t.merged)
        })
        .map(|s| (s.track.name.as_str(), s))
        .collect();
    // Longest chain ending at each track (dependencies first), by memoised depth-first walk;
    // a cycle (refused on write, but definitions can be edited by hand) is cut.
    fn chain<'a>(
        name: &'a str,
        unfinished: &BTreeMap<&'a str, &'a Stored>,
        memo: &mut BTreeMap<&'a str, Vec<&'a str>>,
        visiting: &mut Vec<&'a str>,
    ) -> Vec<&'a str> {
        if let Some(c) = memo.get(name) {
            return c.clone();
        }
        if visiting.contains(&name) {
            return Vec::new();
        }
        visiting.push(name);
        let mut best: Vec<&str> = Vec::new();
        if let Some(s) = unfinished.get(name) {
            for dep in &s.track.depends_on {
                if unfinished.contains_key(dep.as_str()) {
                    let c = chain(dep.as_str(), unfinished, memo, visiting);
                    if c.len() > best.len() {
                        best = c;
                    }
                }
            }
        }
        visiting.pop();
        best.push(name);
        memo.insert(name, best.clone());
        best
    }
    let mut memo = BTreeMap::new();
    let mut critical: Vec<&str> = Vec::new();
    let mut depth = BTreeMap::new();
    for name in unfinished.keys() {
        let c = chain(name, &unfinished, &mut memo, &mut Vec::new());
        depth.insert(name.to_string(), c.len() - 1);
        if c.len() > critical.len() {
            critical = c;
        }
    }
    let stuck = dashboard
        .tracks
        .iter()
        .filter(|t| t.status == Status::Active && !t.merged)
        .filter(|t| t.worktree.as_ref().and_then(|w| w.dirty) == Some(true))
        .filter(|t| {
            t.last_commit
                .as_deref()
                .and_then(parse_utc)
                .is_some_and(|at| now - at > STUCK_AFTER_SECS)
        })
        .map(|t| t.name.clone())
        .collect();
    Plan {
        critical_path: critical.into_iter().map(str::to_owned).collect(),
        depth,
        stuck,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` as seconds since the epoch (the inverse of
/// [`crate::repo::utc_timestamp`]; Howard Hinnant's days-from-civil).
fn parse_utc(text: &str) -> Option<i64> {
    let n = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::parse_utc;
    use crate::repo::utc_timestamp;

    #[test]
    fn timestamps_read_back() {
        for secs in [0, 951_782_400, 1_112_911_993, 1_798_761_600] {
            assert_eq!(parse_utc(&utc_timestamp(secs)), Some(secs));
        }
        assert_eq!(parse_utc("not a time"), None);
    }
}
