//! Gemini CLI: `BeforeTool` hooks in `.gemini/settings.json`. `write_file` and `replace`
//! name their file in `tool_input.file_path`. A denial is `{"decision": "deny", "reason"}`
//! (the reason goes to the agent); Gemini CLI has no "ask", so asking is answered as
//! allowing with a `systemMessage` the person sees. stdout must always be JSON.

use super::shape::{self, Paths, Shape};
use super::{Agent, Config};
use crate::hooks::agent::{Answer, Verdict};
use serde_json::json;

static SHAPE: Shape = Shape {
    name: "gemini",
    title: "Gemini CLI",
    event_field: "hook_event_name",
    events: &["BeforeTool"],
    tool_field: "tool_name",
    input_field: "tool_input",
    edits: &[
        ("write_file", Paths::Field(&["file_path"])),
        ("replace", Paths::Field(&["file_path"])),
    ],
    cwd_fields: &["cwd"],
    answer,
};

pub static AGENT: Agent = Agent {
    protocol: &SHAPE,
    config: Config {
        file: ".gemini/settings.json",
        command: "git -C \"$GEMINI_PROJECT_DIR\" track check --format gemini",
        event: "BeforeTool",
        entry: |command| {
            json!({
                "matcher": "write_file|replace",
                "hooks": [{ "type": "command", "name": "git-track", "command": command }]
            })
        },
        top: &[],
    },
};

fn answer(verdict: &Verdict) -> Answer {
    match verdict {
        Verdict::Allow => shape::json(json!({})),
        Verdict::Deny(reason) => shape::json(json!({ "decision": "deny", "reason": reason })),
        Verdict::Ask(message) | Verdict::Warn(message) => {
            shape::json(json!({ "systemMessage": message }))
        }
    }
}
