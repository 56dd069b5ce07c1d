//! Sharing tracks through a git remote: the remote is the distributed engine.
//!
//! What travels: definitions (`refs/tracks/*`), the Integration Notes records
//! (`refs/notes/tracks`) and, when asked, the tracks' branches. Worktrees, caches and a
//! merge in progress stay local. Fetched data is only ever read as data.
//!
//! - [`fetch`]: brings the remote's definitions into the remote-tracking namespace
//!   `refs/track-remotes/<remote>/<name>`, its notes into
//!   `refs/notes/track-remotes/<remote>/tracks`, its branches into
//!   `refs/remotes/<remote>/*`; then reconciles.
//! - [`reconcile`]: per track, brings `refs/tracks/<name>` and the remote-tracking ref
//!   together: create, fast-forward, stay ahead, or merge field by field ([`fields`])
//!   into a merge commit; removals against edits are reported and held.
//! - [`synced`]: what each track was when this clone and the remote last agreed, which
//!   tells a track removed on one side from one never seen there.
//! - [`lease`]: one push with compare-and-swap (`--force-with-lease` per ref,
//!   `--atomic`) and what git said about each ref.
//! - [`push`]: reconcile, push with leases, and on a lost race fetch, reconcile and
//!   try again, a bounded number of times.
//! - [`notes`]: the union of fetched and local Integration Notes.
//! - [`tips`]: the freshest tip of a track's branch, local or remote-tracking.
//! - [`attach`]: a local worktree for a track defined on another machine.
//! - [`integration`]: pushing the integration branch after `merge --push`.
//!
//! Every remote operation of one clone holds a lock per remote, so that the processes
//! of one machine take turns; machines race only through the remote's
//! compare-and-swap.

pub mod attach;
pub mod fetch;
pub mod fields;
pub mod integration;
pub mod lease;
pub mod notes;
pub mod push;
pub mod reconcile;
pub mod synced;
pub mod tips;

use crate::repo::Repo;
use anyhow::Result;
use std::path::PathBuf;

pub const TRACKING_PREFIX: &str = "refs/track-remotes/";
pub const NOTES_TRACKING_PREFIX: &str = "refs/notes/track-remotes/";
/// `track.pushBranches`: push each track's branch along with its definition.
pub const KEY_PUSH_BRANCHES: &str = "track.pushBranches";

/// What naming a remote or attaching a track from one can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// `remotes`: the remotes there are.
    #[error("no remote given, and there is no 'origin'")]
    NoDefault { remotes: Vec<String> },
    #[error("no remote named '{name}'")]
    NoSuchRemote { name: String },
    #[error("the remote name '{name}' cannot be part of a ref name")]
    UnusableName { name: String },
    /// `attach` of a name no definition here has.
    #[error("no track named '{name}'")]
    NotFetched { name: String },
    #[error("the definition of '{name}' names an invalid branch '{}'", branch.escape_debug())]
    InvalidBranch { name: String, branch: String },
    #[error("track '{name}' already has a worktree at '{}'", path.display())]
    AlreadyAttached { name: String, path: PathBuf },
    #[error("branch '{branch}' is already checked out at '{}'", at.display())]
    BranchCheckedOut { branch: String, at: PathBuf },
    #[error("'{}' already exists and is not empty", path.display())]
    PathTaken { path: PathBuf },
    #[error("branch '{branch}' of track '{name}' is neither here nor on '{remote}'")]
    BranchNowhere {
        name: String,
        branch: String,
        remote: String,
    },
    /// `losses`: what the remote refused on the last attempt.
    #[error(
        "could not push to '{remote}' after {attempts} attempts: other machines kept pushing first"
    )]
    Contended {
        remote: String,
        attempts: u32,
        losses: Vec<String>,
    },
    /// `worktree`: where the local integration branch is checked out, if anywhere.
    #[error("'{branch}' and '{theirs}' have diverged: both have merges the other lacks")]
    Diverged {
        branch: String,
        theirs: String,
        worktree: Option<PathBuf>,
    },
    #[error("there is no branch '{branch}' to push")]
    NoBranchToPush { branch: String },
    /// Someone else pushed the integration branch while this clone merged (found: exit 1).
    #[error("'{branch}' moved on '{remote}' while merging here: someone else merged into it ({})", refused.join("; "))]
    MovedMeanwhile {
        branch: String,
        remote: String,
        refused: Vec<String>,
    },
    /// `nothing_pushed`: no ref was judged, so nothing changed on the remote.
    #[error("`{command}` failed: {stderr}")]
    PushFailed {
        command: String,
        stderr: String,
        nothing_pushed: bool,
    },
}

/// A configured remote of the repository.
#[derive(Debug, Clone)]
pub struct Remote {
    pub name: String,
}

impl Remote {
    /// The remote named `name`, or the default one: the remote of the integration
    /// branch's upstream, else `origin`.
    pub fn resolve(repo: &Repo, name: Option<&str>) -> Result<Remote> {
        let names: Vec<String> = repo
            .gix
            .remote_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect();
        let name = match name {
            Some(n) => n.to_owned(),
            None => default_name(repo).ok_or_else(|| RemoteError::NoDefault {
                remotes: names.clone(),
            })?,
        };
        if !names.contains(&name) {
            return Err(RemoteError::NoSuchRemote { name }.into());
        }
        // The name becomes a ref component of the remote-tracking namespaces.
        let probe = format!("{TRACKING_PREFIX}{name}/x");
        if gix::validate::reference::name(probe.as_str().into()).is_err() || name.contains('*') {
            return Err(RemoteError::UnusableName { name }.into());
        }
        Ok(Remote { name })
    }

    /// `refs/track-remotes/<remote>/`
    pub fn tracking_prefix(&self) -> String {
        format!("{TRACKING_PREFIX}{}/", self.name)
    }

    /// `refs/track-remotes/<remote>/<track>`: the definition as last fetched.
    pub fn tracking_ref(&self, track: &str) -> String {
        format!("{}{track}", self.tracking_prefix())
    }

    /// `refs/notes/track-remotes/<remote>/tracks`: the notes as last fetched.
    pub fn notes_ref(&self) -> String {
        format!("{NOTES_TRACKING_PREFIX}{}/tracks", self.name)
    }

    /// `refs/remotes/<remote>/<branch>`: a branch as last fetched.
    pub fn branch_ref(&self, branch: &str) -> String {
        format!("refs/remotes/{}/{branch}", self.name)
    }

    /// What `git track fetch` asks for: definitions, notes and branches, each into its
    /// remote-tracking namespace (forced, as remote-tracking refs are).
    pub fn fetch_refspecs(&self) -> Vec<String> {
        vec![
            format!("+{}*:{}*", crate::store::REF_PREFIX, self.tracking_prefix()),
            // A pattern, so that a remote without notes is not an error.
            format!("+{}*:{}*", crate::merge::notes::NOTES_REF, self.notes_ref()),
            format!("+refs/heads/*:refs/remotes/{}/*", self.name),
        ]
    }
}

/// Adds the definitions' and notes' refspecs to `remote.<name>.fetch`, so that a plain
/// `git fetch` fills the remote-tracking namespaces too; returns those it added.
pub fn add_fetch_refspecs(repo: &Repo, remote: &Remote) -> Result<Vec<String>> {
    let key = format!("remote.{}.fetch", remote.name);
    let present: Vec<String> = repo
        .gix
        .config_snapshot()
        .plumbing()
        .strings(key.as_str())
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    let mut added = Vec::new();
    for spec in &remote.fetch_refspecs()[..2] {
        if !present.contains(spec) {
            crate::git::config_add(&git_dir_for_commands(repo), &key, spec)?;
            added.push(spec.clone());
        }
    }
    Ok(added)
}

/// The remote of the integration branch's upstream, else `origin` when it exists.
pub fn default_name(repo: &Repo) -> Option<String> {
    let cfg = repo.gix.config_snapshot();
    let key = format!("branch.{}.remote", repo.settings.integration);
    if let Some(r) = cfg.string(key.as_str()).map(|v| v.to_string())
        && r != "."
        && !r.is_empty()
    {
        return Some(r);
    }
    repo.gix
        .remote_names()
        .iter()
        .any(|n| *n == "origin")
        .then(|| "origin".to_owned())
}

/// Where git subprocesses run: the worktree, or the git dir of a bare repository.
pub fn git_dir_for_commands(repo: &Repo) -> PathBuf {
    repo.workdir
        .clone()
        .unwrap_or_else(|| repo.common_dir.clone())
}

/// Makes the processes of this clone take turns with one remote.
pub fn lock(repo: &Repo, remote: &Remote) -> Result<crate::lock::Held> {
    crate::lock::remote(repo, &synced::file_stem(&remote.name))
}
