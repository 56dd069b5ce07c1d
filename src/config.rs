//! Writing git-track's keys to the repository's own config file.

use crate::repo::Repo;
use anyhow::{Context, Result};

/// A git-track key set to a value it cannot take.
#[derive(Debug, thiserror::Error)]
#[error("{key} is '{value}', not {expected}")]
pub struct BadValue {
    pub key: String,
    pub value: String,
    /// What it must be, e.g. "a number".
    pub expected: String,
    /// A value to set instead, e.g. `<number>`.
    pub example: String,
}

/// Sets `(key, value, overwrite)` in `<common dir>/config`; a key that is already set
/// keeps its value unless `overwrite`.
pub fn set_local(repo: &Repo, values: &[(&str, &str, bool)]) -> Result<()> {
    let path = repo.common_dir.join("config");
    let mut file = repo
        .gix
        .config_file_mut(&path)
        .with_context(|| format!("could not read {}", path.display()))?;
    let mut changed = false;
    for (key, value, overwrite) in values {
        let current = file.string(*key).map(|v| v.to_string());
        if current.as_deref() == Some(*value) || (current.is_some() && !overwrite) {
            continue;
        }
        file.set_raw_value(*key, *value)
            .with_context(|| format!("could not set {key}"))?;
        changed = true;
    }
    if changed {
        file.commit()
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(())
}
