//! Changes to a track's definition, each described for the commit message.

use crate::lifecycle;
use crate::refs;
use crate::repo::Repo;
use crate::scope;
use crate::store::{self, Stored};
use crate::track::{Kind, Status, Track};
use anyhow::Result;
use std::path::PathBuf;

/// A change to a list field: replace it, or add and remove items.
/// What an edit can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("nothing to change")]
    NothingToChange,
    #[error("no branch named '{branch}'")]
    NoSuchBranch { branch: String },
    /// The track's worktree has `on` checked out, not the `branch` the edit names.
    #[error("track '{name}' has a worktree at '{}' on '{on}'; pointing the track at '{branch}' would leave the work there out of it", path.display())]
    WorktreeElsewhere {
        name: String,
        path: PathBuf,
        on: String,
        branch: String,
    },
}

#[derive(Debug, Default, Clone)]
pub struct ListEdit {
    pub set: Option<Vec<String>>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl ListEdit {
    fn is_empty(&self) -> bool {
        self.set.is_none() && self.add.is_empty() && self.remove.is_empty()
    }

    fn apply(&self, list: &[String]) -> Vec<String> {
        let mut out: Vec<String> = self.set.clone().unwrap_or_else(|| list.to_vec());
        for a in &self.add {
            if !out.contains(a) {
                out.push(a.clone());
            }
        }
        out.retain(|x| !self.remove.contains(x));
        let mut seen = Vec::with_capacity(out.len());
        out.retain(|x| {
            let fresh = !seen.contains(x);
            seen.push(x.clone());
            fresh
        });
        out
    }
}

/// Every field `git track edit` can change; `None`/empty leaves a field as it is, and
/// `Some("")` clears an optional text.
#[derive(Debug, Default, Clone)]
pub struct Edit {
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub owner: Option<String>,
    pub description: Option<String>,
    pub experiment: Option<String>,
    pub hypothesis: Option<String>,
    pub reason: Option<String>,
    /// `Some(None)` clears the estimate.
    pub estimate: Option<Option<f64>>,
    pub branch: Option<String>,
    pub base: Option<String>,
    pub scope: ListEdit,
    pub contracts: ListEdit,
    pub depends_on: ListEdit,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.status.is_none()
            && self.owner.is_none()
            && self.description.is_none()
            && self.experiment.is_none()
            && self.hypothesis.is_none()
            && self.reason.is_none()
            && self.estimate.is_none()
            && self.branch.is_none()
            && self.base.is_none()
            && self.scope.is_empty()
            && self.contracts.is_empty()
            && self.depends_on.is_empty()
    }
}

fn show_opt(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "none".to_owned(), |s| format!("'{s}'"))
}

fn show_list(v: &[String]) -> String {
    format!("[{}]", v.join(", "))
}

/// Applies `edit` to `track`, returning what changed (empty when nothing did).
fn apply(repo: &Repo, edit: &Edit, track: &mut Track) -> Result<Vec<String>> {
    let mut changes = apply_fields(edit, track);
    if let Some(b) = &edit.branch {
        changes.extend(apply_branch(repo, b, track)?);
    }
    if let Some(base) = &edit.base {
        changes.extend(apply_base(repo, base, track)?);
    }
    Ok(changes)
}

/// The fields that are set as given: words, texts, lists and the estimate.
fn apply_fields(edit: &Edit, track: &mut Track) -> Vec<String> {
    let mut changes = Vec::new();
    macro_rules! word {
        ($field:ident) => {
            if let Some(v) = edit.$field
                && v != track.$field
            {
                changes.push(format!("{}: {} -> {}", stringify!($field), track.$field, v));
                track.$field = v;
            }
        };
    }
    macro_rules! text {
        ($field:ident) => {
            if let Some(v) = &edit.$field {
                let v = if v.is_empty() { None } else { Some(v.clone()) };
                if v != track.$field {
                    changes.push(format!(
                        "{}: {} -> {}",
                        stringify!($field),
                        show_opt(&track.$field),
                        show_opt(&v)
                    ));
                    track.$field = v;
                }
            }
        };
    }
    macro_rules! list {
        ($field:ident) => {
            let v = edit.$field.apply(&track.$field);
            if v != track.$field {
                changes.push(format!(
                    "{}: {} -> {}",
                    stringify!($field),
                    show_list(&track.$field),
                    show_list(&v)
                ));
                track.$field = v;
            }
        };
    }
    word!(kind);
    word!(status);
    text!(owner);
    text!(description);
    text!(experiment);
    text!(hypothesis);
    text!(reason);
    if let Some(v) = edit.estimate
        && v != track.estimate
    {
        let show = |e: Option<f64>| e.map_or_else(|| "none".to_owned(), |e| e.to_string());
        changes.push(format!("estimate: {} -> {}", show(track.estimate), show(v)));
        track.estimate = v;
    }
    list!(scope);
    list!(contracts);
    list!(depends_on);
    changes
}

/// Points the track at branch `b`, refused while its worktree has another checked out.
fn apply_branch(repo: &Repo, b: &str, track: &mut Track) -> Result<Option<String>> {
    let b = refs::branch_name(b).unwrap_or(b).to_owned();
    if b != track.branch {
        // The worktree's commits would no longer count as the track's work.
        if let Some(w) = lifecycle::track_worktree(repo, track)?
            && w.branch.as_deref() != Some(refs::branch_ref(&b).as_str())
        {
            let on = w
                .branch
                .as_deref()
                .and_then(refs::branch_name)
                .unwrap_or("a detached HEAD");
            return Err(EditError::WorktreeElsewhere {
                name: track.name.clone(),
                path: w.path,
                on: on.to_owned(),
                branch: b,
            }
            .into());
        }
        let change = format!("branch: {} -> {b}", track.branch);
        track.branch = b;
        return Ok(Some(change));
    }
    Ok(None)
}

/// Moves the track's base to `base`, and its fork point to where its branch left it.
fn apply_base(repo: &Repo, base: &str, track: &mut Track) -> Result<Option<String>> {
    let base_commit = repo.resolve_commit(base)?;
    let tip = repo
        .try_resolve_commit(&track.branch_ref())
        .unwrap_or(base_commit);
    let fork = repo
        .merge_base(tip, base_commit)?
        .unwrap_or(base_commit)
        .to_string();
    if base != track.base.refname || fork != track.base.commit {
        let change = format!(
            "base: {}@{} -> {base}@{}",
            track.base.refname,
            refs::short_id(&track.base.commit),
            refs::short_id(&fork)
        );
        track.base.refname = base.to_owned();
        track.base.commit = fork;
        return Ok(Some(change));
    }
    Ok(None)
}

/// Validates and applies an edit with compare-and-swap. Returns the new definition and
/// the summary of what changed (`None` when the edit changed nothing).
pub fn edit(repo: &Repo, name: &str, edit: &Edit) -> Result<(Stored, Option<String>)> {
    if edit.is_empty() {
        return Err(EditError::NothingToChange.into());
    }
    for list in [&edit.scope, &edit.contracts] {
        if let Some(set) = &list.set {
            scope::validate(set)?;
        }
        scope::validate(&list.add)?;
    }
    if let Some(Some(e)) = edit.estimate {
        crate::track::validate_estimate(e)?;
    }
    if let Some(group) = edit.experiment.as_deref().filter(|g| !g.is_empty()) {
        crate::plan::experiments::validate_group(group)?;
    }
    if let Some(b) = &edit.branch {
        let full = refs::branch_ref_given(b);
        if repo.ref_target(&full)?.is_none() {
            return Err(EditError::NoSuchBranch { branch: b.clone() }.into());
        }
    }
    if let Some(base) = &edit.base {
        repo.resolve_commit(base)?;
    }
    store::update(repo, name, |track| {
        let changes = apply(repo, edit, track)?;
        if !edit.depends_on.is_empty() {
            let listing = store::list(repo)?;
            lifecycle::check_dependencies(&listing, track)?;
        }
        Ok(if changes.is_empty() {
            None
        } else {
            Some(changes.join("; "))
        })
    })
}
