//! The freshest tip of a track's branch: the local branch, or the default remote's
//! remote-tracking branch when that is ahead of it (an agent on another machine pushed
//! work this clone has fetched but not merged into its own branch). Callers say which.

use super::Remote;
use crate::refs::{self, BranchTarget, NotACommit};
use crate::repo::Repo;
use anyhow::Result;
use gix::ObjectId;

/// A track's branch as [`Tips::of`] finds it.
#[derive(Debug, Clone)]
pub enum Branch {
    /// Neither the local branch nor the remote-tracking one exists.
    Missing,
    Tip(Tip),
    /// The local branch points to something other than a commit: there is no work to
    /// judge until it is mended.
    Broken(NotACommit),
}

#[derive(Debug, Clone, Copy)]
pub struct Tip {
    pub id: ObjectId,
    /// Is it the remote-tracking branch's (not the local branch's)?
    pub remote: bool,
}

/// Finds tips against the default remote, if the repository has one.
pub struct Tips {
    remote: Option<Remote>,
}

impl Tips {
    pub fn new(repo: &Repo) -> Tips {
        let remote = super::default_name(repo).and_then(|n| Remote::resolve(repo, Some(&n)).ok());
        Tips { remote }
    }

    /// `<remote>/<branch>`, the name a person knows the remote-tracking branch by.
    pub fn remote_name(&self, branch: &str) -> Option<String> {
        self.remote.as_ref().map(|r| format!("{}/{branch}", r.name))
    }

    /// The tip of `branch` (a short branch name) to judge the track by.
    pub fn of(&self, repo: &Repo, branch: &str) -> Result<Branch> {
        let local = match refs::branch_target(&repo.gix, branch)? {
            BranchTarget::Missing => None,
            BranchTarget::Commit(id) => Some(id),
            BranchTarget::NotACommit(broken) => return Ok(Branch::Broken(broken)),
        };
        let fetched = match &self.remote {
            Some(remote) => repo.ref_target(&remote.branch_ref(branch))?,
            None => None,
        };
        let tip = |id, remote| Branch::Tip(Tip { id, remote });
        Ok(match (local, fetched) {
            (Some(l), Some(f)) if l != f && repo.is_ancestor(l, f)? => tip(f, true),
            (None, Some(f)) => tip(f, true),
            (Some(l), _) => tip(l, false),
            (None, None) => Branch::Missing,
        })
    }
}
