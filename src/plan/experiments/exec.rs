//! The commands `compare` runs in every track's worktree, in parallel, and the figure
//! read from their output.

use super::CommandRun;
use crate::lifecycle;
use crate::progress::Progress;
use crate::repo::Repo;
use crate::store::Stored;
use crate::track::{self};
use crate::track_env::{self, TrackEnv};
use anyhow::{Context, Result};
use regex_automata::meta::Regex;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs `commands` in every track's worktree, the tracks in parallel and each track's
/// commands one after the other; returns the runs per track, in the order of `tracks`.
pub(super) fn exec_all(
    repo: &Repo,
    tracks: &[&Stored],
    commands: &[String],
    metric: Option<&Regex>,
    progress: &dyn Progress,
) -> Result<Vec<Vec<CommandRun>>> {
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
    let envs: Vec<TrackEnv> = tracks
        .iter()
        .map(|s| track_env::for_track(repo, &s.track.name))
        .collect::<Result<_>>()?;
    let dirs: Vec<Option<(PathBuf, bool)>> = places
        .iter()
        .map(|p| p.as_ref().map(|p| (p.path.clone(), p.temporary)))
        .collect();
    progress.start("Running commands", tracks.len() * commands.len());
    let results: Vec<Vec<CommandRun>> = std::thread::scope(|scope| {
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
) -> CommandRun {
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
    CommandRun {
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
