//! The data of `git track report`: the documents `status --json`, `overlap --json` (at
//! each level), `checkpoints --json` and `graph --json` print, plus the definitions'
//! scopes. The command line renders it as one self-contained HTML file.

use crate::merge::notes::{self, CheckpointEntry};
use crate::overlap::{self, Level};
use crate::plan::graph::Graph;
use crate::progress::Progress;
use crate::repo::Repo;
use crate::status::{self, Dashboard, is_pending};
use crate::store::{self, Stored};
use anyhow::Result;
use serde::Serialize;

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
    pub checkpoints: Vec<CheckpointEntry>,
    /// What `git track graph --json` prints: dependencies and the critical path.
    pub graph: Graph,
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
    let graph = crate::plan::graph::build(repo, &listing)?;
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
        graph,
    })
}
