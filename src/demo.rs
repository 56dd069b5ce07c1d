//! The scenario `git track demo` plays: parsed from `fixtures/demo/webshop.toml` (built
//! into the binary) and set up as a real repository with real tracks and commits.

use crate::git;
use crate::lifecycle::{self, NewTrack};
use crate::repo::Repo;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const WEBSHOP: &str = include_str!("../fixtures/demo/webshop.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub title: String,
    pub files: BTreeMap<String, String>,
    pub tracks: Vec<ScenarioTrack>,
    pub steps: Vec<DemoStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioTrack {
    pub name: String,
    #[serde(default)]
    pub scope: Vec<String>,
    pub owner: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    pub experiment: Option<String>,
    pub hypothesis: Option<String>,
    pub estimate: Option<f64>,
    #[serde(default)]
    pub commits: Vec<ScenarioCommit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioCommit {
    pub message: String,
    pub files: BTreeMap<String, String>,
}

/// One thing the demo shows: a sentence, then a git-track command, a git command, or a
/// conflict resolved by hand.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoStep {
    pub say: Option<String>,
    pub run: Option<Vec<String>>,
    pub git: Option<Vec<String>>,
    pub resolve: Option<Resolve>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    pub path: String,
    pub content: String,
}

/// The built-in scenario.
pub fn webshop() -> Result<Scenario> {
    toml::from_str(WEBSHOP)
        .map_err(|e| anyhow::anyhow!("the built-in demo scenario is malformed: {e}"))
}

/// The folder named for the demo holds something already.
#[derive(Debug, thiserror::Error)]
#[error("'{}' exists and is not empty", path.display())]
pub struct FolderTaken {
    pub path: PathBuf,
}

/// The folder the demo builds in: `dir` (which must not exist or be empty), or a new
/// folder under the system's temporary folder.
pub fn prepare_dir(dir: Option<&Path>) -> Result<PathBuf> {
    match dir {
        Some(d) => {
            if crate::linked_worktree::is_free(d) {
                std::fs::create_dir_all(d)
                    .with_context(|| format!("could not create {}", d.display()))?;
                Ok(crate::repo::canonical(d))
            } else {
                Err(FolderTaken { path: d.to_owned() }.into())
            }
        }
        None => {
            let base = std::env::temp_dir();
            for n in 0..1000u32 {
                let d = base.join(format!("git-track-demo-{}-{n}", std::process::id()));
                if std::fs::create_dir(&d).is_ok() {
                    return Ok(crate::repo::canonical(&d));
                }
            }
            Err(anyhow::anyhow!(
                "could not create a folder under {}",
                base.display()
            ))
        }
    }
}

/// What building the scenario did, as commands a person could type.
pub struct Built {
    pub root: PathBuf,
    pub actions: Vec<String>,
}

/// Builds the scenario's repository at `<dir>/shop`: the first commit, then each track
/// with its worktree and commits.
pub fn build(dir: &Path, scenario: &Scenario) -> Result<Built> {
    let mut actions = Vec::new();
    let root = dir.join("shop");
    std::fs::create_dir_all(&root)
        .with_context(|| format!("could not create {}", root.display()))?;
    git::init_repository(&root, "main")?;
    write_files(&root, &scenario.files)?;
    git::commit_all(&root, "Start the web shop")?;
    actions.push(format!(
        "git init {} && git commit  # {} files",
        root.display(),
        scenario.files.len()
    ));

    let repo = Repo::open(&root)?;
    for t in &scenario.tracks {
        let created = lifecycle::create(
            &repo,
            &NewTrack {
                name: t.name.clone(),
                scope: t.scope.clone(),
                owner: t.owner.clone(),
                description: t.description.clone(),
                depends_on: t.depends_on.clone(),
                experiment: t.experiment.clone(),
                hypothesis: t.hypothesis.clone(),
                estimate: t.estimate,
                ..NewTrack::default()
            },
        )?;
        let worktree = created
            .worktree
            .context("the demo's tracks have worktrees")?;
        let mut line = format!("git track new {}", t.name);
        for s in &t.scope {
            line.push_str(&format!(" --scope '{s}'"));
        }
        for d in &t.depends_on {
            line.push_str(&format!(" --depends-on {d}"));
        }
        if let Some(o) = &t.owner {
            line.push_str(&format!(" --owner {o}"));
        }
        if let (Some(e), Some(h)) = (&t.experiment, &t.hypothesis) {
            line.push_str(&format!(" --experiment {e} --hypothesis '{h}'"));
        }
        if let Some(e) = t.estimate {
            line.push_str(&format!(" --estimate {e}"));
        }
        actions.push(line);
        for c in &t.commits {
            write_files(&worktree, &c.files)?;
            git::commit_all(&worktree, &c.message)?;
            let files: Vec<&str> = c.files.keys().map(String::as_str).collect();
            actions.push(format!(
                "  (in {}) git commit -m '{}'  # {}",
                t.name,
                c.message,
                files.join(", ")
            ));
        }
    }
    Ok(Built { root, actions })
}

fn write_files(root: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    for (path, content) in files {
        write_file(&root.join(path), content)?;
    }
    Ok(())
}

pub fn write_file(path: &Path, content: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create {}", parent.display()))?;
    }
    std::fs::write(path, content).with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_scenario_parses() {
        let s = super::webshop().unwrap();
        let names: Vec<&str> = s.tracks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "backend",
                "frontend",
                "infra",
                "search-scan",
                "search-index"
            ]
        );
        assert!(s.steps.iter().any(|st| st.resolve.is_some()));
    }
}
