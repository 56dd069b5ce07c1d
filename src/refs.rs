//! Names of refs and objects as git-track writes and shows them: branch refs (and what a
//! branch points to, which need not be a commit), abbreviated object ids, and the reflog
//! entry of each ref update.

use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::refs::FullName;
use gix::refs::transaction::{LogChange, RefLog};

/// Where branches live.
pub const BRANCHES: &str = "refs/heads/";

/// `refs/heads/<branch>`.
pub fn branch_ref(branch: &str) -> String {
    format!("{BRANCHES}{branch}")
}

/// A branch as a person names it (`topic` or `refs/heads/topic`), as a full ref name.
pub fn branch_ref_given(given: &str) -> String {
    if given.starts_with(BRANCHES) {
        given.to_owned()
    } else {
        branch_ref(given)
    }
}

/// The branch a full ref name names, when it is one (`refs/heads/<branch>`).
pub fn branch_name(full: &str) -> Option<&str> {
    full.strip_prefix(BRANCHES)
}

/// What a branch points to, read without trusting it to be a commit.
#[derive(Debug, Clone)]
pub enum BranchTarget {
    /// There is no such branch.
    Missing,
    Commit(ObjectId),
    NotACommit(NotACommit),
}

/// A branch set by hand (or by a broken tool) to an object no history can be read
/// from: a blob, a tree, or an object that is not in the repository.
#[derive(Debug, Clone, thiserror::Error)]
#[error("its branch '{branch}' points to {}", match kind {
    Some(kind) => format!("{kind} {target}, not a commit"),
    None => format!("{target}, which is not in the repository"),
})]
pub struct NotACommit {
    pub branch: String,
    pub target: ObjectId,
    /// The object's kind; `None` when it is missing.
    pub kind: Option<gix::object::Kind>,
}

/// What `branch` (a short branch name) points to, peeled.
pub fn branch_target(repo: &gix::Repository, branch: &str) -> Result<BranchTarget> {
    let Some(mut r) = repo.try_find_reference(branch_ref(branch).as_str())? else {
        return Ok(BranchTarget::Missing);
    };
    // The id as stored: peeling needs the object, which may be gone.
    let stored = r.target().try_id().map(|id| id.to_owned());
    let broken = |target, kind| {
        BranchTarget::NotACommit(NotACommit {
            branch: branch.to_owned(),
            target,
            kind,
        })
    };
    let id = match r.peel_to_id() {
        Ok(id) => id.detach(),
        Err(e) => {
            return match stored {
                Some(target) if !repo.has_object(target) => Ok(broken(target, None)),
                _ => Err(e.into()),
            };
        }
    };
    Ok(match repo.find_header(id)?.kind() {
        gix::object::Kind::Commit => BranchTarget::Commit(id),
        kind => broken(id, Some(kind)),
    })
}

/// What each of `branches` (short names) points to, as [`branch_target`] says, for many
/// branches at once. A loose branch is one file read (gix reads a ref in six system calls,
/// and a thousand loose branches were most of merging one track among 1,000 tracks), the
/// others are looked up in `packed-refs`; an object the commit-graph holds is a commit,
/// and every other object's kind is looked up once. A branch stored any other way (a
/// symbolic ref, a tag, a file that does not read as an id) is read the careful way.
pub fn branch_targets(
    repo: &gix::Repository,
    commit_graph: Option<&gix::commitgraph::Graph>,
    branches: &[&str],
) -> Result<Vec<BranchTarget>> {
    let common = repo.common_dir();
    let packed = repo.refs.cached_packed_buffer()?;
    let mut kinds: gix::hashtable::HashMap<ObjectId, Option<gix::object::Kind>> =
        Default::default();
    let mut out = Vec::with_capacity(branches.len());
    for branch in branches {
        let refname = branch_ref(branch);
        // Only a valid name is a path under the refs (a definition fetched from elsewhere
        // may name any branch); gix reports the others.
        let loose = match FullName::try_from(refname.as_str()) {
            Ok(_) => loose_id(&common.join(&refname)),
            Err(_) => Loose::Other,
        };
        let id = match loose {
            Loose::Id(id) => id,
            Loose::Absent => {
                let found = match &packed {
                    Some(p) => p.try_find(refname.as_str()).ok().flatten(),
                    None => None,
                };
                match found {
                    Some(r) => r.target(),
                    None => {
                        out.push(BranchTarget::Missing);
                        continue;
                    }
                }
            }
            Loose::Other => {
                out.push(branch_target(repo, branch)?);
                continue;
            }
        };
        let kind = match kinds.get(&id) {
            Some(kind) => *kind,
            None if commit_graph.is_some_and(|g| g.lookup(id).is_some()) => {
                Some(gix::object::Kind::Commit)
            }
            None => {
                let kind = repo.try_find_header(id)?.map(|h| h.kind());
                kinds.insert(id, kind);
                kind
            }
        };
        out.push(match kind {
            Some(gix::object::Kind::Commit) => BranchTarget::Commit(id),
            Some(gix::object::Kind::Tag) => branch_target(repo, branch)?,
            kind => BranchTarget::NotACommit(NotACommit {
                branch: (*branch).to_owned(),
                target: id,
                kind,
            }),
        });
    }
    Ok(out)
}

/// A loose ref file as [`loose_id`] read it.
enum Loose {
    /// An object id and a newline, as git writes them.
    Id(ObjectId),
    /// No such file: the ref is packed, or there is none.
    Absent,
    /// Anything else: for gix to read.
    Other,
}

/// Reads the loose ref at `path` in one open, read and close.
fn loose_id(path: &std::path::Path) -> Loose {
    use std::io::{ErrorKind, Read};
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Loose::Absent;
        }
        Err(_) => return Loose::Other,
    };
    // One byte more than an id and a newline: a longer file is not one.
    let mut buf = [0u8; 42];
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Loose::Other,
        }
    }
    match &buf[..len] {
        [hex @ .., b'\n'] if hex.len() == 40 => match ObjectId::from_hex(hex) {
            Ok(id) => Loose::Id(id),
            Err(_) => Loose::Other,
        },
        _ => Loose::Other,
    }
}

/// An object id as people read it: its first 12 hex digits.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// `name` as a full ref name, or an error naming it.
pub fn full_name(name: &str) -> Result<FullName> {
    name.try_into()
        .map_err(|e| anyhow!("invalid ref name '{name}': {e}"))
}

/// A ref update that writes its reflog entry (creating the reflog when needed).
pub fn logged(message: &str) -> LogChange {
    LogChange {
        mode: RefLog::AndReference,
        force_create_reflog: true,
        message: message.into(),
    }
}

/// A ref update logged as git logs it: a reflog is made where `core.logAllRefUpdates`
/// says (branches, remote-tracking refs, notes; every ref with `always`) and appended to
/// where it exists. For refs that keep their own history, as a definition's commits do:
/// a reflog besides is one more file for each track made (65 more for an `import` of
/// git.git's `seen`).
pub fn logged_as_git_would(message: &str) -> LogChange {
    LogChange {
        force_create_reflog: false,
        ..logged(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_and_short_ids() {
        assert_eq!(branch_ref("track/a"), "refs/heads/track/a");
        assert_eq!(branch_ref_given("topic"), "refs/heads/topic");
        assert_eq!(branch_ref_given("refs/heads/topic"), "refs/heads/topic");
        assert_eq!(branch_name("refs/heads/track/a"), Some("track/a"));
        assert_eq!(branch_name("refs/tracks/a"), None);
        assert_eq!(
            short_id("b0a7e2ff3a766bcdd7d20822db6336f758e1fd9d"),
            "b0a7e2ff3a76"
        );
        assert_eq!(short_id("b0a7"), "b0a7");
    }
}
