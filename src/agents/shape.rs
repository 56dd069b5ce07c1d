//! A hook protocol described as data: where a JSON payload names its event, its tool and
//! the files the tool would write, and how a verdict is answered. An agent whose pre-tool
//! hook speaks JSON on stdin is one more [`Shape`] value.

use crate::hooks::agent::{Answer, BadPayload, EditRequest, Protocol, Verdict};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// How the files a tool writes are named in its input.
#[derive(Debug, Clone, Copy)]
pub enum Paths {
    /// The first of these fields that holds a non-empty string.
    Field(&'static [&'static str]),
    /// An `apply_patch` envelope in this field (`*** Add File: <path>`, `*** Update File:`,
    /// `*** Delete File:`, `*** Move to:`).
    Patch(&'static str),
}

pub struct Shape {
    /// The name `--format` and `agent-setup` take.
    pub name: &'static str,
    /// What people call the agent.
    pub title: &'static str,
    /// The field naming the hook event and the events this check answers.
    pub event_field: &'static str,
    pub events: &'static [&'static str],
    pub tool_field: &'static str,
    pub input_field: &'static str,
    /// The tools that write files; any other tool is allowed without a look.
    pub edits: &'static [(&'static str, Paths)],
    /// Fields that may name the agent's working folder, in order; a list takes its first.
    pub cwd_fields: &'static [&'static str],
    /// The verdict as the agent reads it.
    pub answer: fn(&Verdict) -> Answer,
}

impl Protocol for Shape {
    fn name(&self) -> &'static str {
        self.name
    }

    fn read_request(&self, payload: &str) -> Result<Option<EditRequest>, BadPayload> {
        let bad = |why: &str| BadPayload {
            protocol: self.name,
            what: format!("not a hook payload of {}", self.title),
            why: why.to_owned(),
        };
        let value: Value =
            serde_json::from_str(payload).map_err(|e| bad(&format!("invalid JSON ({e})")))?;
        let Some(obj) = value.as_object() else {
            return Err(bad("not a JSON object"));
        };
        if let Some(event) = obj.get(self.event_field).and_then(Value::as_str)
            && !self.events.contains(&event)
        {
            return Err(bad(&format!("the hook event is '{event}'")));
        }
        let tool = obj
            .get(self.tool_field)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&format!("no {}", self.tool_field)))?;
        let Some((_, how)) = self.edits.iter().find(|(t, _)| *t == tool) else {
            return Ok(None);
        };
        let input = obj.get(self.input_field);
        let paths = match how {
            Paths::Field(fields) => fields
                .iter()
                .find_map(|f| {
                    input
                        .and_then(|i| i.get(*f))
                        .and_then(Value::as_str)
                        .filter(|p| !p.is_empty())
                })
                .map(|p| vec![PathBuf::from(p)])
                .ok_or_else(|| {
                    bad(&format!(
                        "{tool} without {}.{}",
                        self.input_field,
                        fields.join(" or ")
                    ))
                })?,
            Paths::Patch(field) => {
                let patch = input
                    .and_then(|i| i.get(*field))
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(&format!("{tool} without {}.{field}", self.input_field)))?;
                let paths = patch_paths(patch);
                if paths.is_empty() {
                    return Err(bad(&format!("{tool} names no file in its patch")));
                }
                paths
            }
        };
        Ok(Some(EditRequest {
            tool: tool.to_owned(),
            paths,
            cwd: cwd(obj, self.cwd_fields),
        }))
    }

    fn answer(&self, verdict: &Verdict) -> Answer {
        (self.answer)(verdict)
    }
}

fn cwd(obj: &Map<String, Value>, fields: &[&str]) -> Option<PathBuf> {
    fields.iter().find_map(|f| {
        let v = obj.get(*f)?;
        let s = v.as_str().or_else(|| v.as_array()?.first()?.as_str())?;
        (!s.is_empty()).then(|| PathBuf::from(s))
    })
}

/// The files an `apply_patch` envelope adds, updates, deletes or moves to.
pub fn patch_paths(patch: &str) -> Vec<PathBuf> {
    const MARKERS: &[&str] = &[
        "*** Add File: ",
        "*** Update File: ",
        "*** Delete File: ",
        "*** Move to: ",
    ];
    let mut out: Vec<PathBuf> = Vec::new();
    for line in patch.lines() {
        for m in MARKERS {
            if let Some(path) = line.strip_prefix(m).map(str::trim)
                && !path.is_empty()
                && !out.iter().any(|p| p.as_os_str() == path)
            {
                out.push(PathBuf::from(path));
            }
        }
    }
    out
}

/// An answer that is one JSON document on stdout, exit 0.
pub fn json(value: Value) -> Answer {
    Answer {
        stdout: Some(value.to_string()),
        code: 0,
    }
}

/// Nothing on stdout, exit 0.
pub fn silent() -> Answer {
    Answer {
        stdout: None,
        code: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_names_each_file_it_adds_updates_deletes_or_moves_to_once() {
        let patch = "*** Begin Patch\n*** Update File: src/a.rs\n@@\n-a\n+b\n*** Move to: src/b.rs\n*** Add File: web/c.ts\n+x\n*** Delete File: old.txt\n*** Update File: src/a.rs\n*** End Patch\n";
        let got: Vec<String> = patch_paths(patch)
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(got, ["src/a.rs", "src/b.rs", "web/c.ts", "old.txt"]);
        assert!(patch_paths("no patch here").is_empty());
    }
}
