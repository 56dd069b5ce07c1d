//! Integration Notes from a remote merged with the local ones: the union of the
//! annotated commits, never dropping a record. Where both sides annotated the same
//! commit differently (records are written once per checkpoint commit, so only a
//! rewrite does that), the local record is kept and the remote's stays in the merged
//! notes history.

use super::Remote;
use crate::git;
use crate::merge::notes::NOTES_REF;
use crate::repo::Repo;
use crate::store;
use anyhow::{Context, Result};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotesAction {
    /// No notes on either side, or the same.
    UpToDate,
    /// The remote had notes this clone lacked: taken as they are.
    FastForward,
    /// Both had notes the other lacked: merged.
    Merged,
    /// Only this clone has new notes: a push carries them.
    Ahead,
}

const ATTEMPTS: u32 = 20;

/// Merges the remote's notes (as last fetched) into `refs/notes/tracks`.
pub fn reconcile(repo: &Repo, remote: &Remote) -> Result<NotesAction> {
    let Some(theirs) = repo.ref_target(&remote.notes_ref())? else {
        return Ok(NotesAction::UpToDate);
    };
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let ours = repo.ref_target(NOTES_REF)?;
        let result = match ours {
            Some(o) if o == theirs || repo.is_ancestor(theirs, o)? => {
                return Ok(if o == theirs {
                    NotesAction::UpToDate
                } else {
                    NotesAction::Ahead
                });
            }
            Some(o) if !repo.is_ancestor(o, theirs)? => merged(repo, remote, o, theirs)
                .and_then(|m| {
                    store::swap(
                        repo,
                        NOTES_REF,
                        Some(o),
                        Some(m),
                        "notes: merge from remote",
                    )
                })
                .map(|()| NotesAction::Merged),
            _ => store::swap(
                repo,
                NOTES_REF,
                ours,
                Some(theirs),
                &format!("notes: fast-forward from {}", remote.name),
            )
            .map(|()| NotesAction::FastForward),
        };
        match result {
            Ok(a) => return Ok(a),
            // A checkpoint here wrote a note meanwhile: merge again.
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("could not merge notes")))
}

/// The merge of two notes commits, made on a scratch notes ref so that the real one
/// moves only by compare-and-swap.
fn merged(
    repo: &Repo,
    remote: &Remote,
    ours: gix::ObjectId,
    theirs: gix::ObjectId,
) -> Result<gix::ObjectId> {
    let scratch = format!("refs/notes/track-merge-{}", std::process::id());
    store::swap(repo, &scratch, None, Some(ours), "notes: merge scratch").or_else(|_| {
        // Left behind by a killed process of the same id: start again.
        let old = repo.ref_target(&scratch)?;
        store::swap(repo, &scratch, old, Some(ours), "notes: merge scratch")
    })?;
    let result = git::notes_merge_ours(
        &repo.git_env,
        &super::git_dir_for_commands(repo),
        &scratch,
        &theirs.to_string(),
    )
    .with_context(|| format!("could not merge the notes of {}", remote.name))
    .and_then(|()| {
        repo.ref_target(&scratch)?
            .context("the notes merge left no result")
    });
    let now = repo.ref_target(&scratch)?;
    let _ = store::swap(repo, &scratch, now, None, "notes: merge scratch done");
    result
}
