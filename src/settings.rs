//! Settings from git config keys under `track.*`, with their defaults.

use crate::refs;
use anyhow::Result;
use std::path::{Path, PathBuf};

pub const KEY_INTEGRATION: &str = "track.integration";
pub const KEY_BASE: &str = "track.base";
pub const KEY_WORKTREE_ROOT: &str = "track.worktreeRoot";
pub const KEY_STALE_AFTER: &str = "track.staleAfter";
pub const KEY_SHARED_PATHS: &str = "track.sharedPaths";
pub const KEY_STUCK_AFTER: &str = "track.stuckAfter";
pub const KEY_BEHIND_LIMIT: &str = "track.behindLimit";
/// Whether git-track colours its output; `color.ui` when unset.
pub const KEY_COLOR: &str = "color.track";

pub const DEFAULT_INTEGRATION: &str = "integration";
/// Two days.
pub const DEFAULT_STALE_AFTER_SECS: i64 = 2 * 24 * 3600;
/// Two hours.
pub const DEFAULT_STUCK_AFTER_SECS: i64 = 2 * 3600;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Short name of the integration branch.
    pub integration: String,
    /// The rev tracks fork from and the integration branch starts at.
    pub base: String,
    /// Where track worktrees go; `None` in a bare repository without `track.worktreeRoot`.
    pub worktree_root: Option<PathBuf>,
    pub stale_after_secs: i64,
    /// An active track with uncommitted work and no commit for this long is stuck.
    pub stuck_after_secs: i64,
    /// A track more commits behind the integration branch than this is flagged.
    pub behind_limit: Option<usize>,
    /// Paths every track may touch.
    pub shared_paths: Vec<String>,
    /// When to colour: `color.track`, else `color.ui` (as git config spells it).
    pub color: Option<String>,
}

impl Settings {
    pub fn read(
        repo: &gix::Repository,
        common_dir: &Path,
        main_workdir: Option<&Path>,
    ) -> Result<Settings> {
        let cfg = repo.config_snapshot();
        let string = |key: &str| {
            cfg.string(key)
                .map(|v| v.to_string())
                .filter(|v| !v.is_empty())
        };
        let integration = string(KEY_INTEGRATION).unwrap_or_else(|| DEFAULT_INTEGRATION.to_owned());
        let base = string(KEY_BASE).unwrap_or_else(|| default_branch(repo));
        let worktree_root = match string(KEY_WORKTREE_ROOT) {
            Some(value) => {
                let value = expand_home(&value);
                // Relative values are relative to the main worktree (or the git dir when bare).
                let anchor = main_workdir.unwrap_or(common_dir);
                Some(anchor.join(value))
            }
            None => main_workdir.map(default_worktree_root),
        };
        crate::scope::paths::set_quote_fully(cfg.boolean("core.quotePath").unwrap_or(true));
        let stale_after_secs = string(KEY_STALE_AFTER)
            .and_then(|v| parse_duration(&v))
            .unwrap_or(DEFAULT_STALE_AFTER_SECS);
        let stuck_after_secs = string(KEY_STUCK_AFTER)
            .and_then(|v| parse_duration(&v))
            .unwrap_or(DEFAULT_STUCK_AFTER_SECS);
        let behind_limit = string(KEY_BEHIND_LIMIT).and_then(|v| v.trim().parse().ok());
        let shared_paths = cfg
            .plumbing()
            .strings(KEY_SHARED_PATHS)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_string())
            .filter(|v| !v.is_empty())
            .collect();
        let color = string(KEY_COLOR).or_else(|| string("color.ui"));
        Ok(Settings {
            integration,
            base,
            worktree_root,
            stale_after_secs,
            stuck_after_secs,
            behind_limit,
            shared_paths,
            color,
        })
    }

    pub fn integration_ref(&self) -> String {
        refs::branch_ref(&self.integration)
    }
}

/// `<parent>/<name>.tracks` beside the main worktree.
pub fn default_worktree_root(main_workdir: &Path) -> PathBuf {
    let name = main_workdir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repo".into());
    main_workdir
        .parent()
        .unwrap_or(main_workdir)
        .join(format!("{name}.tracks"))
}

/// The repository's default branch: the branch the main worktree's HEAD names,
/// else `main` or `master` when one exists, else `main`.
pub fn default_branch(repo: &gix::Repository) -> String {
    let main = repo.main_repo().ok();
    let head_branch = main.as_ref().and_then(|m| {
        let head = m.head().ok()?;
        let name = head.referent_name()?;
        refs::branch_name(&name.as_bstr().to_string()).map(str::to_owned)
    });
    if let Some(b) = head_branch {
        return b;
    }
    for candidate in ["main", "master"] {
        if repo
            .try_find_reference(refs::branch_ref(candidate).as_str())
            .ok()
            .flatten()
            .is_some()
        {
            return candidate.to_owned();
        }
    }
    "main".to_owned()
}

fn expand_home(value: &str) -> PathBuf {
    if let Some(rest) = value.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(value)
}

/// Parses `90`, `90s`, `30m`, `12h`, `2d`, `1w` into seconds.
pub fn parse_duration(value: &str) -> Option<i64> {
    let value = value.trim();
    let (digits, unit) = value.split_at(
        value
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(value.len()),
    );
    let n: i64 = digits.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("3h"), Some(10_800));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("5y"), None);
    }
}
