//! OpenAI Codex CLI: `PreToolUse` hooks in `.codex/hooks.json`. File edits arrive as the
//! `apply_patch` tool, whose `tool_input.command` is the patch envelope naming each file.
//! Codex honours `permissionDecision: "deny"`; `"ask"` is parsed but not enforced, so
//! asking is answered as allowing with a `systemMessage` the person sees.

use super::shape::{self, Paths, Shape};
use super::{Agent, Config};
use crate::hooks::agent::{Answer, Verdict};
use serde_json::json;

static SHAPE: Shape = Shape {
    name: "codex",
    title: "OpenAI Codex CLI",
    event_field: "hook_event_name",
    events: &["PreToolUse"],
    tool_field: "tool_name",
    input_field: "tool_input",
    edits: &[
        ("apply_patch", Paths::Patch("command")),
        // Matcher aliases of apply_patch, should a build send them as the tool name.
        ("Edit", Paths::Patch("command")),
        ("Write", Paths::Patch("command")),
    ],
    cwd_fields: &["cwd"],
    answer,
};

pub static AGENT: Agent = Agent {
    protocol: &SHAPE,
    config: Config {
        file: ".codex/hooks.json",
        command: "git track check --format codex",
        event: "PreToolUse",
        entry: |command| {
            json!({
                "matcher": "apply_patch|Edit|Write",
                "hooks": [{ "type": "command", "command": command }]
            })
        },
        top: &[],
    },
};

fn answer(verdict: &Verdict) -> Answer {
    match verdict {
        Verdict::Allow => shape::silent(),
        Verdict::Deny(reason) => shape::json(json!({
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": reason,
            }
        })),
        Verdict::Ask(message) | Verdict::Warn(message) => {
            shape::json(json!({ "systemMessage": message }))
        }
    }
}
