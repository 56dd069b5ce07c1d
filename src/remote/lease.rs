//! One push with compare-and-swap on the remote.
//!
//! Every ref carries `--force-with-lease=<ref>:<what this clone last fetched>` (empty:
//! the ref must not exist there yet), and several refs move together with `--atomic`:
//! git sends the expected old value with each update and the remote applies it under
//! its ref lock, so a writer that raced us is never overwritten, whatever the transport.

use super::Remote;
use crate::git;
use crate::repo::Repo;
use anyhow::Result;
use gix::ObjectId;

/// One ref to move on the remote.
#[derive(Debug, Clone)]
pub struct Update {
    /// The full ref name on the remote.
    pub remote_ref: String,
    /// What the remote must still have there (`None`: nothing).
    pub expect: Option<ObjectId>,
    /// What it becomes (`None`: deleted).
    pub new: Option<ObjectId>,
}

#[derive(Debug)]
pub enum PushOutcome {
    /// Every ref moved.
    Done,
    /// Another writer moved a ref first (or the remote refused the update under its
    /// lock): nothing moved when atomic. Each entry is `<ref>: <what git said>`.
    Lost(Vec<String>),
}

/// Pushes `updates` to `remote`, all or nothing when there are several.
pub fn push(repo: &Repo, remote: &Remote, updates: &[Update]) -> Result<PushOutcome> {
    if updates.is_empty() {
        return Ok(PushOutcome::Done);
    }
    let refspecs: Vec<String> = updates
        .iter()
        .map(|u| match u.new {
            Some(id) => format!("{id}:{}", u.remote_ref),
            None => format!(":{}", u.remote_ref),
        })
        .collect();
    let leases: Vec<(String, Option<String>)> = updates
        .iter()
        .map(|u| (u.remote_ref.clone(), u.expect.map(|id| id.to_string())))
        .collect();
    let pushed = git::push(
        &super::git_dir_for_commands(repo),
        &remote.name,
        &refspecs,
        &leases,
        updates.len() > 1,
    )?;
    if pushed.success {
        return Ok(PushOutcome::Done);
    }
    let lost: Vec<String> = pushed
        .rejected()
        .map(|r| format!("{}: {}", r.to, r.summary))
        .collect();
    if lost.is_empty() {
        // No ref was judged: the remote could not be reached or refused the session.
        return Err(super::RemoteError::PushFailed {
            command: pushed.command,
            stderr: pushed.stderr.trim().to_owned(),
            nothing_pushed: true,
        }
        .into());
    }
    Ok(PushOutcome::Lost(lost))
}
