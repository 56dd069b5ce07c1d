//! The freshest tip of a track's branch: the local branch, or the default remote's
//! remote-tracking branch when that is ahead of it (an agent on another machine pushed
//! work this clone has fetched but not merged into its own branch). Callers say which.

use super::Remote;
use crate::refs;
use crate::repo::Repo;
use anyhow::Result;
use gix::ObjectId;

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
    pub fn of(&self, repo: &Repo, branch: &str) -> Result<Option<Tip>> {
        let local = repo.ref_target(&refs::branch_ref(branch))?;
        let Some(remote) = &self.remote else {
            return Ok(local.map(|id| Tip { id, remote: false }));
        };
        let fetched = repo.ref_target(&remote.branch_ref(branch))?;
        Ok(match (local, fetched) {
            (Some(l), Some(f)) if l != f && repo.is_ancestor(l, f)? => Some(Tip {
                id: f,
                remote: true,
            }),
            (None, Some(f)) => Some(Tip {
                id: f,
                remote: true,
            }),
            (l, _) => l.map(|id| Tip { id, remote: false }),
        })
    }
}
