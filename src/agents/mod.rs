//! Coding agents: the pre-edit hook protocol each one speaks, the hook configuration that
//! fences an agent started in a track's worktree, and the collision warning.
//!
//! - [`Agent`]: one agent = a protocol (read its hook payload, answer a verdict in its
//!   terms) and a [`Config`] (which file holds its hooks, which event, which entry). Claude
//!   Code's protocol is `crate::hooks::agent::ClaudeCode`; the others are [`shape::Shape`]
//!   values, data describing a JSON hook protocol, so the next agent is one more value.
//! - [`configure`]: `git track agent-setup` / `new --agent`: merges the agent's hook entry
//!   into the worktree's configuration file, keeping everything else there.
//! - [`collision`]: which other live tracks changed the files an agent is about to edit.

mod codex;
pub mod collision;
mod cursor;
mod gemini;
pub mod shape;

use crate::git;
use crate::hooks::agent::{ClaudeCode, Protocol};
use crate::repo::Repo;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::path::Path;

/// One agent git-track can fence.
pub struct Agent {
    pub protocol: &'static (dyn Protocol + Sync),
    pub config: Config,
}

/// Where an agent reads its hooks from, inside the worktree it is started in.
pub struct Config {
    /// The file, relative to the worktree root.
    pub file: &'static str,
    /// The command the hook runs. The track is the one of the worktree the agent works
    /// in, so the same file works in any track's worktree (and does nothing elsewhere).
    /// Where the agent names its project folder in the environment, `git -C` starts
    /// there, whatever folder the agent's shell moved to (`-C ""` changes nothing).
    pub command: &'static str,
    /// The hook event, a key under the file's `hooks` object holding a list.
    pub event: &'static str,
    /// The entry that runs a command before an edit.
    pub entry: fn(&str) -> Value,
    /// Top-level keys the file must have (set only when missing).
    pub top: &'static [(&'static str, i64)],
}

static CLAUDE_CODE: Agent = Agent {
    protocol: &ClaudeCode,
    config: Config {
        // The local settings file, which Claude Code reads and nobody commits: the hook
        // is this worktree's, not the project's.
        file: ".claude/settings.local.json",
        command: "git -C \"$CLAUDE_PROJECT_DIR\" track check --format claude-code",
        event: "PreToolUse",
        entry: |command| {
            json!({
                "matcher": "Write|Edit|MultiEdit|NotebookEdit",
                "hooks": [{ "type": "command", "command": command }]
            })
        },
        top: &[],
    },
};

static AGENTS: &[&Agent] = &[&CLAUDE_CODE, &codex::AGENT, &gemini::AGENT, &cursor::AGENT];

/// The agents by the name `--format`, `agent-setup` and `new --agent` take.
pub const NAMES: &[&str] = &["claude-code", "codex", "gemini", "cursor"];

pub fn agent(name: &str) -> Option<&'static Agent> {
    AGENTS.iter().copied().find(|a| a.protocol.name() == name)
}

/// The protocol of an agent other than Claude Code (see `crate::hooks::agent::protocol`).
pub fn protocol(name: &str) -> Option<Box<dyn Protocol>> {
    agent(name).map(|a| Box::new(Forward(a.protocol)) as Box<dyn Protocol>)
}

struct Forward(&'static (dyn Protocol + Sync));

impl Protocol for Forward {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn read_request(
        &self,
        payload: &str,
    ) -> Result<Option<crate::hooks::agent::EditRequest>, crate::hooks::agent::BadPayload> {
        self.0.read_request(payload)
    }
    fn answer(&self, verdict: &crate::hooks::agent::Verdict) -> crate::hooks::agent::Answer {
        self.0.answer(verdict)
    }
}

/// What configuring did to the agent's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileAction {
    Created,
    Updated,
    /// The hook was there already.
    Unchanged,
}

/// What [`configure`] did to one worktree.
#[derive(Debug, Clone, Serialize)]
pub struct Configured {
    pub agent: String,
    /// The configuration file, absolute.
    pub file: String,
    pub action: FileAction,
    /// Added to the repository's `info/exclude`, so the file is not taken for work.
    pub excluded: bool,
}

/// What configuring an agent's hook can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("'{name}' is not an agent git-track knows")]
    Unknown { name: String },
    /// The hook to add by hand instead: run `command` on `event`.
    #[error("{} is not a JSON object; it was left as it is", path.display())]
    NotAnObject {
        path: std::path::PathBuf,
        command: &'static str,
        event: &'static str,
    },
    #[error("{}: {what}; it was left as it is", path.display())]
    BadShape {
        path: std::path::PathBuf,
        what: String,
    },
}

/// Writes `agent`'s pre-edit hook into its configuration file in `worktree`, merged with
/// what the file has. A file that is not a JSON object is refused, never replaced.
pub fn configure(repo: &Repo, agent_name: &str, worktree: &Path) -> Result<Configured> {
    let Some(agent) = agent(agent_name) else {
        return Err(AgentError::Unknown {
            name: agent_name.to_owned(),
        }
        .into());
    };
    let cfg = &agent.config;
    let path = worktree.join(cfg.file);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(anyhow::anyhow!("could not read {}: {e}", path.display())),
    };
    let mut doc: Map<String, Value> = match existing.as_deref() {
        None => Map::new(),
        Some(text) if text.trim().is_empty() => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) | Err(_) => {
                return Err(AgentError::NotAnObject {
                    path,
                    command: cfg.command,
                    event: cfg.event,
                }
                .into());
            }
        },
    };
    let before = Value::Object(doc.clone());
    merge_entry(&mut doc, cfg, cfg.command, &path)?;
    let after = Value::Object(doc);
    let action = match (&existing, before == after) {
        (Some(_), true) => FileAction::Unchanged,
        (Some(_), false) => FileAction::Updated,
        (None, _) => FileAction::Created,
    };
    if action != FileAction::Unchanged {
        let mut text = serde_json::to_string_pretty(&after)?;
        text.push('\n');
        crate::fault::write_file(&path, text.as_bytes())?;
    }
    let excluded = exclude(repo, worktree, cfg.file)?;
    Ok(Configured {
        agent: agent_name.to_owned(),
        file: path.display().to_string(),
        action,
        excluded,
    })
}

/// Adds the hook entry under `hooks.<event>`, replacing an earlier git-track entry.
fn merge_entry(
    doc: &mut Map<String, Value>,
    cfg: &Config,
    command: &str,
    path: &Path,
) -> Result<()> {
    let shape_error = |what: &str| -> anyhow::Error {
        AgentError::BadShape {
            path: path.to_owned(),
            what: what.to_owned(),
        }
        .into()
    };
    for (key, value) in cfg.top {
        doc.entry(*key).or_insert(json!(value));
    }
    let hooks = doc
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| shape_error("'hooks' is not an object"))?;
    let list = hooks
        .entry(cfg.event)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| shape_error(&format!("'hooks.{}' is not a list", cfg.event)))?;
    let ours = (cfg.entry)(command);
    if list.contains(&ours) {
        return Ok(());
    }
    // An entry of ours from another version is replaced, not doubled.
    list.retain(|e| !runs_git_track_check(e));
    list.push(ours);
    Ok(())
}

/// Does this hook entry (or a hook inside it) run `git track check --format`?
fn runs_git_track_check(entry: &Value) -> bool {
    let is_ours = |v: &Value| {
        v.get("command")
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("track check --format"))
    };
    is_ours(entry)
        || entry
            .get("hooks")
            .and_then(Value::as_array)
            .is_some_and(|hs| hs.iter().any(is_ours))
}

/// Lists `file` in the repository's `info/exclude` unless the worktree tracks it, so a
/// worktree holding only agent configuration still counts as clean. Returns whether it is
/// (now) listed.
fn exclude(repo: &Repo, worktree: &Path, file: &str) -> Result<bool> {
    if git::is_tracked(worktree, file)? {
        return Ok(false);
    }
    let path = repo.common_dir.join("info").join("exclude");
    let line = format!("/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    if text.lines().any(|l| l.trim() == line) {
        return Ok(true);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
    }
    let mut new = text;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&format!(
        "# git-track: agent hook configuration of track worktrees\n{line}\n"
    ));
    std::fs::write(&path, new).with_context(|| format!("could not write {}", path.display()))?;
    Ok(true)
}
