//! The errors of wiring git-track into agents and hooks, of a new worktree's set-up
//! command, and of the demo's folder, as the command line words them.

use crate::cli::failure::Failure;
use git_track::agents::{AgentError, NAMES as AGENTS};
use git_track::demo::FolderTaken;
use git_track::hooks::agent::BadPayload;
use git_track::hooks::install::ChainTaken;
use git_track::setup::CouldNotRun;

use super::{fatal, usage};

pub(super) fn agent(e: &AgentError) -> Failure {
    match e {
        AgentError::Unknown { .. } => {
            usage(e).hint(format!("the agents are: {}", AGENTS.join(", ")))
        }
        AgentError::NotAnObject { command, event, .. } => usage(e).hint(format!(
            "fix it, or add the hook yourself: run '{command}' on the {event} event"
        )),
        AgentError::BadShape { .. } => usage(e),
    }
}

/// How to wire each agent's hook, for a payload that was not its hook's.
pub(super) fn bad_payload(e: &BadPayload) -> Failure {
    usage(e).hint(match e.protocol {
        "claude-code" => {
            "wire 'git track check --format claude-code' as a PreToolUse hook; it reads the hook's JSON on stdin"
        }
        "codex" => {
            "wire 'git track check --format codex' as a PreToolUse hook in .codex/hooks.json ('git track agent-setup codex' does it)"
        }
        "cursor" => {
            "wire 'git track check --format cursor' as a preToolUse hook in .cursor/hooks.json ('git track agent-setup cursor' does it)"
        }
        "gemini" => {
            "wire 'git track check --format gemini' as a BeforeTool hook in .gemini/settings.json ('git track agent-setup gemini' does it)"
        }
        other => return usage(e).hint(format!("wire 'git track check --format {other}' as its pre-edit hook")),
    })
}

pub(super) fn chain_taken(e: &ChainTaken) -> Failure {
    usage(e).hint(format!(
        "merge them into one hook, or move {} away, and install again",
        e.chained.display()
    ))
}

pub(super) fn folder_taken(e: &FolderTaken) -> Failure {
    usage(e).hint("name a new or empty folder, or leave it out to use a temporary one")
}

pub(super) fn could_not_run(e: &CouldNotRun) -> Failure {
    fatal(e)
}
