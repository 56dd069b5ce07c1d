//! The first step of an import: the candidates, each a name and a tip, from the topics
//! merged into an integration branch or from existing branches, and the track names
//! made from branch names.

use super::{Candidate, ImportError, RangeProblem, short};
use crate::repo::Repo;
use crate::track;
use anyhow::{Result, anyhow};
use gix::ObjectId;

/// The topics merged by the first-parent merges of `range`, oldest first.
pub(super) fn from_merges(repo: &Repo, range: &str) -> Result<Vec<Candidate>> {
    let (from, to) = range_ends(repo, range)?;
    // The walk is the process's shared one: the fork points found next walk the same
    // commits again without reading them.
    let mut out = Vec::new();
    for id in repo.first_parent_range(from, to)? {
        if let Some(topic) = topic_of(repo, id)? {
            out.push(topic);
        }
    }
    out.reverse();
    if out.is_empty() {
        return Err(ImportError::NoMerges {
            range: range.to_owned(),
        }
        .into());
    }
    Ok(out)
}

/// The two ends of `<base>..<integration>`, as commits.
fn range_ends(repo: &Repo, range: &str) -> Result<(ObjectId, ObjectId)> {
    let bad = |problem| ImportError::BadRange {
        range: range.to_owned(),
        problem,
    };
    let Some((from, to)) = range.split_once("..") else {
        return Err(bad(RangeProblem::NoDots).into());
    };
    if to.starts_with('.') {
        return Err(bad(RangeProblem::Symmetric).into());
    }
    if from.is_empty() || to.is_empty() {
        return Err(bad(RangeProblem::MissingEnd).into());
    }
    let resolve = |rev: &str| {
        repo.try_resolve_commit(rev).ok_or_else(|| {
            bad(RangeProblem::Unresolved {
                rev: rev.to_owned(),
            })
        })
    };
    Ok((resolve(from)?, resolve(to)?))
}

/// The topic the merge `id` brought in, when it has two parents: its second parent,
/// named after the branch the merge's subject names (else after the merge).
fn topic_of(repo: &Repo, id: ObjectId) -> Result<Option<Candidate>> {
    // A first-parent walk reports the first parent only; the commit has them all.
    let commit = repo.gix.find_commit(id)?;
    let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
    let [_, topic] = parents.as_slice() else {
        return Ok(None);
    };
    let subject = commit.message()?.summary().to_string();
    let merged_branch = merged_branch(&subject);
    let name = match &merged_branch {
        Some(b) => track_name(b),
        None => format!("merge-{}", id.to_hex_with_len(12)),
    };
    Ok(Some(Candidate {
        name,
        tip: *topic,
        branch: None,
        merge: Some(id),
        merged_branch,
    }))
}

/// Existing local branches whose names match `glob`, by name.
pub(super) fn from_branches(repo: &Repo, glob: &str) -> Result<Vec<Candidate>> {
    let matcher = globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map_err(|e| ImportError::BadGlob {
            glob: glob.to_owned(),
            cause: e.to_string(),
        })?
        .compile_matcher();
    let integration = repo.settings.integration_ref();
    let mut out = Vec::new();
    for r in repo.gix.references()?.local_branches()? {
        let mut r = r.map_err(|e| anyhow!("could not read the branches: {e}"))?;
        let full = r.name().as_bstr().to_string();
        let name = short(&full);
        if !matcher.is_match(name) {
            continue;
        }
        if full == integration {
            return Err(ImportError::IntegrationBranch {
                branch: name.to_owned(),
            }
            .into());
        }
        let tip = r.peel_to_id()?.detach();
        out.push(Candidate {
            name: track_name(name),
            tip,
            branch: Some(full),
            merge: None,
            merged_branch: None,
        });
    }
    if out.is_empty() {
        return Err(ImportError::NoBranches {
            glob: glob.to_owned(),
        }
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
