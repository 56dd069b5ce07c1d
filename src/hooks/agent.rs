//! Coding agents' pre-edit hook protocols: reading what the agent is about to edit, and
//! answering in the agent's own terms. Each protocol is one [`Protocol`]; adding an agent
//! means adding one implementation and naming it in [`protocol`].

use serde_json::{Value, json};
use std::path::PathBuf;

/// The names `--format` accepts for agent protocols.
pub const NAMES: &[&str] = crate::agents::NAMES;

/// What the agent is about to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRequest {
    /// The tool the agent called, as it names it.
    pub tool: String,
    /// The files the tool would write, as given (usually absolute).
    pub paths: Vec<PathBuf>,
    /// The agent's working folder, when the payload says.
    pub cwd: Option<PathBuf>,
}

/// The answer to an edit request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing against it: the agent's own permission rules decide as usual.
    Allow,
    /// Refused, with the reason the agent is shown.
    Deny(String),
    /// Put to the person: the agent's permission prompt, with the reason (agents that
    /// cannot ask allow with the message instead).
    Ask(String),
    /// Allowed, with a message for the person and the agent.
    Warn(String),
}

/// What to print on stdout and how to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub stdout: Option<String>,
    pub code: i32,
}

/// A hook payload the protocol cannot read: `what` it is not, and `why`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {why}")]
pub struct BadPayload {
    /// The protocol's name (`--format`), which says how to wire its hook.
    pub protocol: &'static str,
    pub what: String,
    pub why: String,
}

pub trait Protocol {
    fn name(&self) -> &'static str;
    /// Reads a hook payload; `Ok(None)` when the tool call edits no file.
    fn read_request(&self, payload: &str) -> Result<Option<EditRequest>, BadPayload>;
    fn answer(&self, verdict: &Verdict) -> Answer;
}

pub fn protocol(name: &str) -> Option<Box<dyn Protocol>> {
    match name {
        "claude-code" => Some(Box::new(ClaudeCode)),
        other => crate::agents::protocol(other),
    }
}

/// Claude Code's `PreToolUse` hook: a JSON payload on stdin naming the tool and its
/// input; a denial is a JSON answer on stdout with exit 0. Allowing prints nothing, which
/// lets Claude Code's permission rules decide as if no hook ran (a hook's explicit
/// "allow" would skip the user's permission prompt, which a scope check must not do).
pub struct ClaudeCode;

/// The tools that write files, and the input field that names the file.
const CLAUDE_EDIT_TOOLS: &[(&str, &str)] = &[
    ("Write", "file_path"),
    ("Edit", "file_path"),
    ("MultiEdit", "file_path"),
    ("NotebookEdit", "notebook_path"),
];

impl Protocol for ClaudeCode {
    fn name(&self) -> &'static str {
        "claude-code"
    }

    fn read_request(&self, payload: &str) -> Result<Option<EditRequest>, BadPayload> {
        let bad = |why: &str| BadPayload {
            protocol: "claude-code",
            what: "not a Claude Code PreToolUse payload".to_owned(),
            why: why.to_owned(),
        };
        let value: Value =
            serde_json::from_str(payload).map_err(|e| bad(&format!("invalid JSON ({e})")))?;
        let Some(obj) = value.as_object() else {
            return Err(bad("not a JSON object"));
        };
        if let Some(event) = obj.get("hook_event_name").and_then(Value::as_str)
            && event != "PreToolUse"
        {
            return Err(bad(&format!("the hook event is '{event}'")));
        }
        let tool = obj
            .get("tool_name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no tool_name"))?;
        let Some((_, field)) = CLAUDE_EDIT_TOOLS.iter().find(|(t, _)| *t == tool) else {
            return Ok(None);
        };
        let path = obj
            .get("tool_input")
            .and_then(|i| i.get(*field))
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| bad(&format!("{tool} without tool_input.{field}")))?;
        Ok(Some(EditRequest {
            tool: tool.to_owned(),
            paths: vec![PathBuf::from(path)],
            cwd: obj
                .get("cwd")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(PathBuf::from),
        }))
    }

    fn answer(&self, verdict: &Verdict) -> Answer {
        match verdict {
            Verdict::Allow => Answer {
                stdout: None,
                code: 0,
            },
            Verdict::Deny(reason) | Verdict::Ask(reason) => Answer {
                stdout: Some(
                    json!({
                        "hookSpecificOutput": {
                            "hookEventName": "PreToolUse",
                            "permissionDecision": if matches!(verdict, Verdict::Deny(_)) { "deny" } else { "ask" },
                            "permissionDecisionReason": reason,
                        }
                    })
                    .to_string(),
                ),
                code: 0,
            },
            // No permission decision: the user's rules decide, the message is shown.
            Verdict::Warn(message) => Answer {
                stdout: Some(
                    json!({
                        "systemMessage": message,
                        "hookSpecificOutput": {
                            "hookEventName": "PreToolUse",
                            "additionalContext": message,
                        }
                    })
                    .to_string(),
                ),
                code: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_code_reads_the_file_of_an_edit_and_ignores_other_tools() {
        let p = protocol("claude-code").unwrap();
        let req = p
            .read_request(r#"{"hook_event_name":"PreToolUse","tool_name":"Edit","cwd":"/w","tool_input":{"file_path":"/w/a.rs","old_string":"a","new_string":"b"}}"#)
            .unwrap()
            .unwrap();
        assert_eq!(req.paths, [PathBuf::from("/w/a.rs")]);
        assert_eq!(req.cwd, Some(PathBuf::from("/w")));
        let read = p
            .read_request(r#"{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/w/a.rs"}}"#)
            .unwrap();
        assert_eq!(read, None);
    }

    #[test]
    fn claude_code_refuses_what_is_not_a_payload() {
        let p = protocol("claude-code").unwrap();
        assert!(p.read_request("").is_err());
        assert!(p.read_request("[]").is_err());
        assert!(
            p.read_request(r#"{"tool_name":"Write","tool_input":{}}"#)
                .is_err()
        );
    }

    #[test]
    fn claude_code_denies_in_json_and_allows_silently() {
        let p = protocol("claude-code").unwrap();
        let deny = p.answer(&Verdict::Deny("no".into()));
        let v: Value = serde_json::from_str(deny.stdout.as_deref().unwrap()).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        assert_eq!(v["hookSpecificOutput"]["permissionDecisionReason"], "no");
        assert_eq!(p.answer(&Verdict::Allow).stdout, None);
    }
}
