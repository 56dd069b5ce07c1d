//! A three-way merge of two definitions, field by field, against their common
//! definition.
//!
//! A field changed on one side only takes that side's value. Lists (scope, contracts,
//! dependencies) merge as sets: what either side added is in, what either side removed
//! is out, so they never conflict. A field changed to two different values is a
//! conflict: the local value is kept and both are reported. `worktree` is where this
//! machine has the track checked out, so the local value always stands; `updated` takes
//! the later time. The merge works on the fields as serialized, so a field added to
//! the definition later merges the same way.

use crate::track::Track;
use anyhow::{Context, Result, anyhow};
use serde::Serialize;
use serde_json::{Map, Value};

/// The same field changed two ways.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldConflict {
    pub field: String,
    /// The value kept.
    pub local: Value,
    pub remote: Value,
    /// The value both started from; `null` when it was not set (or there is no common
    /// definition).
    pub base: Value,
}

#[derive(Debug, Clone)]
pub struct FieldMerge {
    pub track: Track,
    /// Fields whose value came from the remote side (fully or in part).
    pub from_remote: Vec<String>,
    pub conflicts: Vec<FieldConflict>,
}

/// Fields that belong to one machine: the local value stands.
const LOCAL_ONLY: &[&str] = &["worktree"];
/// Timestamps: the later one (for `created`, the earlier one) without a conflict.
const LATEST: &[&str] = &["updated"];
const EARLIEST: &[&str] = &["created"];

fn fields(track: &Track) -> Result<Map<String, Value>> {
    match serde_json::to_value(track).context("could not represent a definition")? {
        Value::Object(m) => Ok(m),
        _ => Err(anyhow!("a definition is not a table")),
    }
}

/// Merges `remote` into `local` against `base` (`None`: no common definition, so every
/// field set differently on the two sides is a conflict, and lists are unions).
pub fn merge(base: Option<&Track>, local: &Track, remote: &Track) -> Result<FieldMerge> {
    let base = base.map(fields).transpose()?.unwrap_or_default();
    let local_fields = fields(local)?;
    let remote_fields = fields(remote)?;
    let mut keys: Vec<&String> = local_fields.keys().chain(remote_fields.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Map::new();
    let mut from_remote = Vec::new();
    let mut conflicts = Vec::new();
    for key in keys {
        let l = local_fields.get(key).cloned().unwrap_or(Value::Null);
        let r = remote_fields.get(key).cloned().unwrap_or(Value::Null);
        let b = base.get(key).cloned().unwrap_or(Value::Null);
        let value = if LOCAL_ONLY.contains(&key.as_str()) || l == r || r == b {
            l
        } else if LATEST.contains(&key.as_str()) || EARLIEST.contains(&key.as_str()) {
            let later = text(&l) >= text(&r);
            if later == LATEST.contains(&key.as_str()) {
                l
            } else {
                r
            }
        } else if l == b {
            from_remote.push(key.clone());
            r
        } else if let (Some(lv), Some(rv)) = (list(&l), list(&r))
            && let Some(bv) = list(&b)
        {
            let merged = merge_lists(&bv, &lv, &rv);
            if merged != lv {
                from_remote.push(key.clone());
            }
            Value::Array(merged)
        } else {
            conflicts.push(FieldConflict {
                field: key.clone(),
                local: l.clone(),
                remote: r,
                base: b,
            });
            l
        };
        if !value.is_null() {
            out.insert(key.clone(), value);
        }
    }
    let track: Track = serde_json::from_value(Value::Object(out))
        .context("the merged definition is not a valid definition")?;
    Ok(FieldMerge {
        track,
        from_remote,
        conflicts,
    })
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// A list field's items; a field not set reads as an empty list.
fn list(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(items) => Some(items.clone()),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// Local items not removed by the remote, in local order, then the remote's additions
/// in remote order.
fn merge_lists(base: &[Value], local: &[Value], remote: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = local
        .iter()
        .filter(|item| remote.contains(item) || !base.contains(item))
        .cloned()
        .collect();
    for item in remote {
        if !base.contains(item) && !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// A field's value for a person: text as is, lists comma-separated, nothing as "none".
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => format!("'{s}'"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", show(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::{Base, Kind, Status};

    fn track() -> Track {
        Track {
            name: "t".into(),
            kind: Kind::Feat,
            status: Status::Active,
            branch: "track/t".into(),
            base: Base {
                refname: "main".into(),
                commit: "0".repeat(40),
            },
            worktree: None,
            scope: vec!["a/**".into()],
            contracts: vec![],
            depends_on: vec![],
            owner: None,
            experiment: None,
            hypothesis: None,
            description: None,
            reason: None,
            estimate: None,
            created: "2026-01-01T00:00:00Z".into(),
            updated: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn different_fields_merge_and_lists_take_both_additions() {
        let base = track();
        let mut local = base.clone();
        local.owner = Some("alice".into());
        local.scope.push("b/**".into());
        local.updated = "2026-01-02T00:00:00Z".into();
        let mut remote = base.clone();
        remote.description = Some("from afar".into());
        remote.scope = vec!["c/**".into()];
        remote.updated = "2026-01-03T00:00:00Z".into();
        let m = merge(Some(&base), &local, &remote).unwrap();
        assert!(m.conflicts.is_empty());
        assert_eq!(m.track.owner.as_deref(), Some("alice"));
        assert_eq!(m.track.description.as_deref(), Some("from afar"));
        // a/** removed remotely, b/** added locally, c/** added remotely.
        assert_eq!(m.track.scope, vec!["b/**".to_owned(), "c/**".to_owned()]);
        assert_eq!(m.track.updated, "2026-01-03T00:00:00Z");
    }

    #[test]
    fn same_field_two_ways_keeps_local_and_reports_both() {
        let base = track();
        let mut local = base.clone();
        local.status = Status::Done;
        let mut remote = base.clone();
        remote.status = Status::Cancelled;
        remote.worktree = Some("/elsewhere".into());
        let m = merge(Some(&base), &local, &remote).unwrap();
        assert_eq!(m.track.status, Status::Done);
        assert_eq!(m.track.worktree, None, "the worktree stays this machine's");
        assert_eq!(
            m.conflicts,
            vec![FieldConflict {
                field: "status".into(),
                local: "done".into(),
                remote: "cancelled".into(),
                base: "active".into(),
            }]
        );
    }

    #[test]
    fn without_a_common_definition_every_difference_is_a_conflict() {
        let local = track();
        let mut remote = track();
        remote.owner = Some("bob".into());
        remote.kind = Kind::Fix;
        let m = merge(None, &local, &remote).unwrap();
        let fields: Vec<&str> = m.conflicts.iter().map(|c| c.field.as_str()).collect();
        // A field set on one side only is taken; one set to two values conflicts.
        assert_eq!(fields, vec!["kind"]);
        assert_eq!(m.track.kind, Kind::Feat);
        assert_eq!(m.track.owner.as_deref(), Some("bob"));
    }
}
