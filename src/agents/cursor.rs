//! Cursor: `preToolUse` hooks in `.cursor/hooks.json` (`{"version": 1, "hooks": {...}}`,
//! each hook a flat `{command}` object). The payload names the tool in `tool_name` and its
//! arguments in `tool_input`; the workspace is `cwd` or the first of `workspace_roots`.
//! The answer is `{"permission": "allow" | "deny" | "ask", "user_message",
//! "agent_message"}`; Cursor wants JSON on every path, so allowing is `{}`.

use super::shape::{self, Paths, Shape};
use super::{Agent, Config};
use crate::hooks::agent::{Answer, Verdict};
use serde_json::json;

const PATH_FIELDS: &[&str] = &["file_path", "path", "target_file"];

static SHAPE: Shape = Shape {
    name: "cursor",
    title: "Cursor",
    event_field: "hook_event_name",
    events: &["preToolUse"],
    tool_field: "tool_name",
    input_field: "tool_input",
    edits: &[
        ("Write", Paths::Field(PATH_FIELDS)),
        ("Edit", Paths::Field(PATH_FIELDS)),
        ("StrReplace", Paths::Field(PATH_FIELDS)),
        ("MultiEdit", Paths::Field(PATH_FIELDS)),
        ("Delete", Paths::Field(PATH_FIELDS)),
        ("EditNotebook", Paths::Field(PATH_FIELDS)),
    ],
    cwd_fields: &["cwd", "workspace_roots"],
    answer,
};

pub static AGENT: Agent = Agent {
    protocol: &SHAPE,
    config: Config {
        file: ".cursor/hooks.json",
        command: "git track check --format cursor",
        event: "preToolUse",
        entry: |command| json!({ "command": command }),
        top: &[("version", 1)],
    },
};

fn answer(verdict: &Verdict) -> Answer {
    let with = |permission: &str, message: &str| {
        shape::json(json!({
            "permission": permission,
            "user_message": message,
            "agent_message": message,
        }))
    };
    match verdict {
        Verdict::Allow => shape::json(json!({})),
        Verdict::Deny(m) => with("deny", m),
        Verdict::Ask(m) => with("ask", m),
        Verdict::Warn(m) => with("allow", m),
    }
}
