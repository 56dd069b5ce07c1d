//! Adopting existing work as tracks, many at once: the topics merged into an integration
//! branch (`--merges <base>..<integration>`) or existing branches (`--branches <glob>`).
//! All or nothing, like `git track new`: every branch and definition is created in one
//! reference transaction, after every check has passed.

use crate::error::Failure;
use crate::lifecycle;
use crate::linked_worktree as worktree;
use crate::repo::Repo;
use crate::store;
use crate::track::{self, Base, Kind, Status, Track};
use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::refs::transaction::{LogChange, PreviousValue, RefEdit, RefLog};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where the tracks come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `<base>..<integration>`: the second parent of every first-parent merge.
    Merges(String),
    /// A glob over local branch names.
    Branches(String),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub source: Source,
    /// What the tracks fork from (default: `track.base`).
    pub base: Option<String>,
    pub kind: Kind,
    /// Give each track a worktree.
    pub worktrees: bool,
    /// Check everything, create nothing.
    pub dry_run: bool,
}

/// One track the import creates.
#[derive(Debug, Clone, Serialize)]
pub struct Adopted {
    pub name: String,
    pub branch: String,
    /// Was the branch there already (`--branches`), rather than made at `tip`?
    pub adopted: bool,
    pub tip: String,
    /// Where the branch left the base.
    pub fork_point: String,
    /// The merge it was taken from (`--merges`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge: Option<String>,
    /// The branch name the merge's subject gives (`--merges`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_branch: Option<String>,
    pub worktree: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Imported {
    pub dry_run: bool,
    pub base: String,
    pub tracks: Vec<Adopted>,
}

/// One candidate before checks: a name, a tip, and where it came from.
struct Candidate {
    name: String,
    tip: ObjectId,
    /// The existing branch to adopt (full name), for `--branches`.
    branch: Option<String>,
    merge: Option<ObjectId>,
    merged_branch: Option<String>,
}

pub fn import(repo: &Repo, req: &Request) -> Result<Imported> {
    let listing = store::list(repo)?;
    let base_ref = req
        .base
        .clone()
        .unwrap_or_else(|| repo.settings.base.clone());
    let base_commit = repo.try_resolve_commit(&base_ref);
    if req.base.is_some() && base_commit.is_none() {
        usage!("the base '{base_ref}' does not resolve to a commit");
    }
    let candidates = match &req.source {
        Source::Merges(range) => from_merges(repo, range)?,
        Source::Branches(glob) => from_branches(repo, glob)?,
    };

    // Every name valid, new, and unique in the batch (also ignoring case).
    let mut seen: BTreeMap<String, &Candidate> = BTreeMap::new();
    for c in &candidates {
        lifecycle::check_new_name(&listing, &c.name)?;
        if let Some(first) = seen.insert(c.name.to_lowercase(), c) {
            let origin = |c: &Candidate| match (&c.merged_branch, &c.branch) {
                (Some(b), _) => format!("'{b}'"),
                (None, Some(b)) => format!("'{}'", &b["refs/heads/".len()..]),
                (None, None) => c.tip.to_string(),
            };
            return Err(Failure::usage(format!(
                "two tracks would be named '{}': from {} and from {}",
                c.name,
                origin(first),
                origin(c)
            ))
            .hint("import them apart, or rename one with 'git track new <name> --from <tip>'")
            .into());
        }
    }
    // The branches the tracks get: adopted as they are, or new at the tip.
    let taken: BTreeMap<&str, &str> = listing
        .tracks
        .iter()
        .map(|s| (s.track.branch.as_str(), s.track.name.as_str()))
        .collect();
    let mut branches = Vec::with_capacity(candidates.len());
    for c in &candidates {
        let full = match &c.branch {
            Some(full) => {
                let short = &full["refs/heads/".len()..];
                if let Some(owner) = taken.get(short) {
                    return Err(Failure::usage(format!(
                        "branch '{short}' is already the branch of track '{owner}'"
                    ))
                    .hint("narrow the glob to branches that are not tracks yet")
                    .into());
                }
                full.clone()
            }
            None => {
                let full = format!("refs/heads/{}", Track::default_branch(&c.name));
                if repo.ref_target(&full)?.is_some() {
                    return Err(Failure::usage(format!(
                        "a branch named '{}' already exists",
                        &full["refs/heads/".len()..]
                    ))
                    .hint(format!(
                        "adopt existing branches with --branches, or remove '{}' first",
                        &full["refs/heads/".len()..]
                    ))
                    .into());
                }
                full
            }
        };
        branches.push(full);
    }
    let worktrees: Vec<Option<PathBuf>> = if req.worktrees {
        let checked_out = repo.worktrees()?;
        candidates
            .iter()
            .zip(&branches)
            .map(|(c, full)| {
                let path = lifecycle::worktree_path(repo, &c.name)?;
                if !worktree::is_free(&path) {
                    return Err(Failure::usage(format!(
                        "'{}' already exists and is not empty",
                        path.display()
                    ))
                    .into());
                }
                if let Some(wt) = checked_out
                    .iter()
                    .find(|w| w.branch.as_deref() == Some(full))
                {
                    return Err(Failure::usage(format!(
                        "branch '{}' is already checked out at '{}'",
                        &full["refs/heads/".len()..],
                        wt.path.display()
                    ))
                    .hint("import without --worktrees")
                    .into());
                }
                Ok(Some(path))
            })
            .collect::<Result<_>>()?
    } else {
        vec![None; candidates.len()]
    };

    // Fork points: one shared walk of history for all of them.
    let mut history = repo.history()?;
    let now = repo.timestamp();
    let mut tracks = Vec::with_capacity(candidates.len());
    for ((c, full), wt) in candidates.iter().zip(&branches).zip(&worktrees) {
        let fork_point = match base_commit {
            Some(b) => history.merge_base(c.tip, b)?.unwrap_or(c.tip),
            None => c.tip,
        };
        let track = Track {
            name: c.name.clone(),
            kind: req.kind,
            status: Status::Active,
            branch: full["refs/heads/".len()..].to_owned(),
            base: Base {
                refname: base_ref.clone(),
                commit: fork_point.to_string(),
            },
            worktree: wt.as_ref().map(|p| p.display().to_string()),
            scope: Vec::new(),
            contracts: Vec::new(),
            depends_on: Vec::new(),
            owner: None,
            estimate: None,
            experiment: None,
            hypothesis: None,
            description: c
                .merged_branch
                .as_ref()
                .map(|b| format!("Imported from the merge of '{b}'")),
            reason: None,
            created: now.clone(),
            updated: now.clone(),
        };
        tracks.push(track);
    }
    let adopted: Vec<Adopted> = candidates
        .iter()
        .zip(&tracks)
        .map(|(c, t)| Adopted {
            name: t.name.clone(),
            branch: t.branch.clone(),
            adopted: c.branch.is_some(),
            tip: c.tip.to_string(),
            fork_point: t.base.commit.clone(),
            merge: c.merge.map(|m| m.to_string()),
            merged_branch: c.merged_branch.clone(),
            worktree: t.worktree.clone(),
        })
        .collect();
    let out = Imported {
        dry_run: req.dry_run,
        base: base_ref,
        tracks: adopted,
    };
    if req.dry_run || candidates.is_empty() {
        return Ok(out);
    }

    // Branches and definitions in one transaction: all of them, or none.
    let mut edits = Vec::with_capacity(2 * candidates.len());
    for (c, t) in candidates.iter().zip(&tracks) {
        if c.branch.is_none() {
            edits.push(RefEdit::update_with_log(
                format!("refs/heads/{}", t.branch)
                    .try_into()
                    .map_err(|e| anyhow!("invalid branch name '{}': {e}", t.branch))?,
                c.tip,
                PreviousValue::MustNotExist,
                LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: true,
                    message: format!("branch: Created by git track import {}", t.name).into(),
                },
            ));
        }
        edits.push(store::new_definition(repo, t)?.1);
    }
    let done = crate::repo::edit_references(&repo.gix, edits).map_err(|e| {
        anyhow::Error::from(
            Failure::fatal(format!("could not create the tracks: {e}"))
                .hint("nothing was created; if another git-track or git is running, try again"),
        )
    })?;
    if store::existed_before(&done) {
        // A concurrent import wrote the very same refs (same content, same second).
        return Err(
            Failure::usage("the tracks were created meanwhile by another import")
                .hint("'git track list' shows them")
                .into(),
        );
    }
    let made: Vec<(&Track, &Candidate, PathBuf)> = tracks
        .iter()
        .zip(&candidates)
        .zip(&worktrees)
        .filter_map(|((t, c), w)| w.clone().map(|w| (t, c, w)))
        .collect();
    if !made.is_empty()
        && let Err(e) = add_worktrees(repo, &made)
    {
        undo(repo, &tracks, &candidates);
        return Err(e);
    }
    Ok(out)
}

/// Adds the worktrees; on failure removes the ones it made.
fn add_worktrees(repo: &Repo, made: &[(&Track, &Candidate, PathBuf)]) -> Result<()> {
    let mut added: Vec<&PathBuf> = Vec::new();
    for (t, _, path) in made {
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| anyhow!("could not create {}: {e}", path.display()))
            .and_then(|()| worktree::add_for_track(repo, path, t));
        if let Err(e) = result {
            for p in added {
                let _ = worktree::remove(repo, p, true);
            }
            return Err(e);
        }
        added.push(path);
    }
    Ok(())
}

/// Takes away the branches and definitions an import made.
fn undo(repo: &Repo, tracks: &[Track], candidates: &[Candidate]) {
    for (t, c) in tracks.iter().zip(candidates) {
        if let Ok(Some(stored)) = store::load(repo, &t.name) {
            let _ = store::delete(repo, &stored);
        }
        if c.branch.is_none() {
            let _ = lifecycle::delete_ref(repo, &format!("refs/heads/{}", t.branch), c.tip);
        }
    }
}

/// The topics merged by the first-parent merges of `range`, oldest first.
fn from_merges(repo: &Repo, range: &str) -> Result<Vec<Candidate>> {
    let bad = |why: String| -> anyhow::Error {
        Failure::usage(format!("bad range '{range}': {why}"))
            .hint("give it as <base>..<integration>, e.g. master..seen")
            .into()
    };
    let Some((from, to)) = range.split_once("..") else {
        return Err(bad("it has no '..'".into()));
    };
    if to.starts_with('.') {
        return Err(bad(
            "a symmetric difference ('...') is not a range of merges".into(),
        ));
    }
    if from.is_empty() || to.is_empty() {
        return Err(bad("both ends must be given".into()));
    }
    let resolve = |rev: &str| {
        repo.try_resolve_commit(rev)
            .ok_or_else(|| bad(format!("'{rev}' does not resolve to a commit")))
    };
    let (from, to) = (resolve(from)?, resolve(to)?);
    let walk = repo
        .gix
        .rev_walk([to])
        .first_parent_only()
        .with_hidden([from])
        .all()?;
    let mut out = Vec::new();
    for info in walk {
        // A first-parent walk reports the first parent only; the commit has them all.
        let id = info?.id;
        let commit = repo.gix.find_commit(id)?;
        let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
        let [_, topic] = parents.as_slice() else {
            continue;
        };
        let subject = commit.message()?.summary().to_string();
        let merged_branch = merged_branch(&subject);
        let name = match &merged_branch {
            Some(b) => track_name(b),
            None => format!("merge-{}", id.to_hex_with_len(12)),
        };
        out.push(Candidate {
            name,
            tip: *topic,
            branch: None,
            merge: Some(id),
            merged_branch,
        });
    }
    out.reverse();
    if out.is_empty() {
        return Err(
            Failure::found(format!("no first-parent merge of two parents in '{range}'"))
                .hint("octopus merges and fast-forwards are not topics to import")
                .into(),
        );
    }
    Ok(out)
}

/// Existing local branches whose names match `glob`, by name.
fn from_branches(repo: &Repo, glob: &str) -> Result<Vec<Candidate>> {
    let matcher = globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map_err(|e| Failure::usage(format!("bad glob '{glob}': {e}")))?
        .compile_matcher();
    let integration = format!("refs/heads/{}", repo.settings.integration);
    let mut out = Vec::new();
    for r in repo.gix.references()?.local_branches()? {
        let mut r = r.map_err(|e| anyhow!("could not read the branches: {e}"))?;
        let full = r.name().as_bstr().to_string();
        let short = &full["refs/heads/".len()..];
        if !matcher.is_match(short) {
            continue;
        }
        if full == integration {
            return Err(Failure::usage(format!(
                "'{short}' is the integration branch; it cannot be a track"
            ))
            .hint("narrow the glob")
            .into());
        }
        let tip = r.peel_to_id()?.detach();
        out.push(Candidate {
            name: track_name(short),
            tip,
            branch: Some(full),
            merge: None,
            merged_branch: None,
        });
    }
    if out.is_empty() {
        return Err(Failure::found(format!("no branch matches '{glob}'"))
            .hint("'git branch --list' shows the branches")
            .into());
    }
    Ok(out)
}

/// The branch a merge's subject names: `Merge branch 'x' ...`, `Merge remote-tracking
/// branch 'x' ...`, `Merge track 'x' ...`, or `Merge pull request #n from x`.
pub fn merged_branch(subject: &str) -> Option<String> {
    for prefix in [
        "Merge branch '",
        "Merge remote-tracking branch '",
        "Merge track '",
    ] {
        if let Some(rest) = subject.strip_prefix(prefix) {
            return rest
                .split_once('\'')
                .map(|(b, _)| b.to_owned())
                .filter(|b| !b.is_empty());
        }
    }
    let rest = subject.strip_prefix("Merge pull request #")?;
    let (_, from) = rest.split_once(" from ")?;
    from.split_whitespace().next().map(str::to_owned)
}

/// A valid track name for a branch name: `/` and every other character a track name
/// cannot hold become `-`, and what a name cannot start or end with is trimmed.
pub fn track_name(branch: &str) -> String {
    let mut name: String = branch
        .chars()
        .map(|c| {
            if c.is_control()
                || c.is_whitespace()
                || matches!(
                    c,
                    '/' | '\\' | '~' | '^' | ':' | '?' | '*' | '[' | '@' | '{'
                )
            {
                '-'
            } else {
                c
            }
        })
        .collect();
    while name.contains("..") {
        name = name.replace("..", ".");
    }
    let mut name = name.trim_matches(['-', '.']).to_owned();
    while let Some(stripped) = name.strip_suffix(".lock") {
        name = stripped.trim_end_matches(['-', '.']).to_owned();
    }
    if track::validate_name(&name).is_err() {
        return "imported".to_owned();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::{merged_branch, track_name};

    #[test]
    fn merge_subjects_name_their_branch() {
        assert_eq!(
            merged_branch("Merge branch 'ps/test-set-e-clean' into seen").as_deref(),
            Some("ps/test-set-e-clean")
        );
        assert_eq!(
            merged_branch("Merge branch 'topic'").as_deref(),
            Some("topic")
        );
        assert_eq!(
            merged_branch("Merge remote-tracking branch 'origin/x' into next").as_deref(),
            Some("origin/x")
        );
        assert_eq!(
            merged_branch("Merge pull request #12 from user/fix-it").as_deref(),
            Some("user/fix-it")
        );
        assert_eq!(merged_branch("Merge tag 'v1.0'"), None);
        assert_eq!(merged_branch("Merge branch ''"), None);
    }

    #[test]
    fn branch_names_become_valid_track_names() {
        assert_eq!(track_name("ps/test-set-e-clean"), "ps-test-set-e-clean");
        assert_eq!(track_name("a/b/c"), "a-b-c");
        assert_eq!(track_name("x..y"), "x.y");
        assert_eq!(track_name("topic.lock"), "topic");
        assert_eq!(track_name("/lead"), "lead");
        assert_eq!(track_name("we ird:name"), "we-ird-name");
        assert_eq!(track_name("..."), "imported");
    }
}
