//! Refs made and deleted by compare-and-swap, and the backup refs that keep what a
//! removal, a skip or an abort would otherwise lose.

use super::LifecycleError;
use crate::refs;
use crate::repo::Repo;
use crate::store;
use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::refs::Target;
use gix::refs::transaction::{PreviousValue, RefEdit};

pub const BACKUP_PREFIX: &str = "refs/tracks-backup/";

/// Creates `name` at `id`; fails if it exists, even at `id` (gix lets `MustNotExist`
/// through when the ref already has the new value; a caller that undoes its work must
/// know it made the ref).
pub fn create_ref(repo: &Repo, name: &str, id: ObjectId, message: &str) -> Result<()> {
    let edit = new_ref(name, id, message)?;
    let done =
        crate::repo::edit_reference(&repo.gix, edit).map_err(|e| repo.ref_edit_error(name, e))?;
    if store::existed_before(&done) {
        return Err(LifecycleError::RefExists {
            name: name.to_owned(),
        }
        .into());
    }
    Ok(())
}

/// The edit that creates `name` at `id`, logged with `message`, if it does not exist.
pub fn new_ref(name: &str, id: ObjectId, message: &str) -> Result<RefEdit> {
    Ok(RefEdit::update_with_log(
        refs::full_name(name)?,
        id,
        PreviousValue::MustNotExist,
        refs::logged(message),
    ))
}

/// Deletes `name` if it still points to `expected`.
pub fn delete_ref(repo: &Repo, name: &str, expected: ObjectId) -> Result<()> {
    let edit = RefEdit::delete(
        refs::full_name(name)?,
        PreviousValue::MustExistAndMatch(Target::Object(expected)),
    );
    crate::repo::edit_reference(&repo.gix, edit).map_err(|e| repo.ref_edit_error(name, e))?;
    Ok(())
}

/// Saves `id` under `refs/tracks-backup/<track>/<what>-<time>` and returns the ref name.
pub fn save_backup(repo: &Repo, track: &str, what: &str, id: ObjectId) -> Result<String> {
    let stamp = repo.timestamp().replace([':', '-'], "");
    for n in 1..100 {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let name = format!("{BACKUP_PREFIX}{track}/{what}-{stamp}{suffix}");
        if repo.ref_target(&name)?.is_none() {
            create_ref(
                repo,
                &name,
                id,
                &format!("git track: saved {what} of {track}"),
            )?;
            return Ok(name);
        }
    }
    Err(anyhow!("could not find a free backup ref name for {track}"))
}
