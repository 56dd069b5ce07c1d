//! git-track's git hooks: installing, removing and inspecting the hook files.
//!
//! The hooks go into the folder git really uses (`core.hooksPath`, else the common
//! `hooks` folder that linked worktrees share). A hook that is already there is never
//! overwritten: it is moved aside to `<name>.git-track-chained`, our hook runs it first
//! (same arguments, same input), and uninstall moves it back, byte for byte.

use crate::git;
use crate::repo::{Repo, canonical};
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The hooks git-track installs.
pub const NAMES: &[&str] = &["pre-commit", "pre-push", "pre-merge-commit"];

/// The line that marks a hook file as ours.
pub const MARKER: &str = "# git-track hook v1";

pub const CHAINED_SUFFIX: &str = ".git-track-chained";

/// The hooks folder git uses in this repository.
pub fn dir(repo: &Repo) -> Result<PathBuf> {
    let from = repo.workdir.as_deref().unwrap_or(&repo.common_dir);
    let dir = git::hooks_dir(from)?;
    Ok(canonical(&dir))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookState {
    /// Our hook is there.
    Installed,
    /// No hook of that name.
    Missing,
    /// Someone else's hook.
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct HookStatus {
    pub name: String,
    pub path: String,
    pub state: HookState,
    /// The hook ours runs first (the one that was there before install), if any.
    pub chained: Option<String>,
}

fn paths(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    (dir.join(name), dir.join(format!("{name}{CHAINED_SUFFIX}")))
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn state_of(path: &Path) -> HookState {
    if !exists(path) {
        return HookState::Missing;
    }
    match std::fs::read(path) {
        Ok(bytes) if is_ours(&bytes) => HookState::Installed,
        _ => HookState::Other,
    }
}

fn is_ours(bytes: &[u8]) -> bool {
    bytes
        .split(|b| *b == b'\n')
        .take(3)
        .any(|line| line == MARKER.as_bytes())
}

/// The state of each of our hooks in `dir`.
pub fn status(dir: &Path) -> Vec<HookStatus> {
    NAMES
        .iter()
        .map(|name| {
            let (path, chained) = paths(dir, name);
            HookStatus {
                name: (*name).to_owned(),
                path: path.display().to_string(),
                state: state_of(&path),
                chained: exists(&chained).then(|| chained.display().to_string()),
            }
        })
        .collect()
}

/// What install or uninstall did to one hook.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub name: String,
    pub path: String,
    pub action: HookAction,
    /// The other hook involved: the one now chained (install) or put back (uninstall).
    pub chained: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookAction {
    Installed,
    /// An older version of our hook was replaced.
    Updated,
    AlreadyInstalled,
    Removed,
    NotInstalled,
    /// Someone else's hook took our hook's place after install; left alone.
    LeftAlone,
}

/// A hook of someone else's that cannot be chained: the name it would be kept under
/// holds another hook already.
#[derive(Debug, thiserror::Error)]
#[error("both {} and {} exist; cannot chain the first without losing the second", path.display(), chained.display())]
pub struct ChainTaken {
    pub path: PathBuf,
    pub chained: PathBuf,
}

/// Installs our hooks into `dir`, chaining any hook already there. Checks every hook
/// before changing any, so a refusal changes nothing.
pub fn install(dir: &Path) -> Result<Vec<Done>> {
    for name in NAMES {
        let (path, chained) = paths(dir, name);
        if state_of(&path) == HookState::Other && exists(&chained) {
            return Err(ChainTaken { path, chained }.into());
        }
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("could not create the hooks folder {}", dir.display()))?;
    let mut done = Vec::new();
    for name in NAMES {
        let (path, chained) = paths(dir, name);
        let script = script(name);
        let action = match state_of(&path) {
            HookState::Installed => {
                if std::fs::read(&path).ok().as_deref() == Some(script.as_bytes()) {
                    HookAction::AlreadyInstalled
                } else {
                    write_hook(&path, &script)?;
                    HookAction::Updated
                }
            }
            HookState::Other => {
                std::fs::rename(&path, &chained).with_context(|| {
                    format!("could not move {} to {}", path.display(), chained.display())
                })?;
                write_hook(&path, &script)?;
                HookAction::Installed
            }
            HookState::Missing => {
                write_hook(&path, &script)?;
                HookAction::Installed
            }
        };
        done.push(Done {
            name: (*name).to_owned(),
            path: path.display().to_string(),
            action,
            chained: exists(&chained).then(|| chained.display().to_string()),
        });
    }
    Ok(done)
}

/// Removes our hooks from `dir` and puts back the hooks they chained.
pub fn uninstall(dir: &Path) -> Result<Vec<Done>> {
    let mut done = Vec::new();
    for name in NAMES {
        let (path, chained) = paths(dir, name);
        let state = state_of(&path);
        let action = match state {
            HookState::Installed => {
                std::fs::remove_file(&path)
                    .with_context(|| format!("could not remove {}", path.display()))?;
                HookAction::Removed
            }
            HookState::Missing => HookAction::NotInstalled,
            HookState::Other => HookAction::LeftAlone,
        };
        let mut restored = None;
        if state != HookState::Other && exists(&chained) {
            std::fs::rename(&chained, &path).with_context(|| {
                format!(
                    "could not move {} back to {}",
                    chained.display(),
                    path.display()
                )
            })?;
            restored = Some(path.display().to_string());
        }
        done.push(Done {
            name: (*name).to_owned(),
            path: path.display().to_string(),
            action,
            chained: restored.or_else(|| {
                (state == HookState::Other && exists(&chained))
                    .then(|| chained.display().to_string())
            }),
        });
    }
    Ok(done)
}

fn write_hook(path: &Path, script: &str) -> Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.git-track-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    std::fs::write(&tmp, script).with_context(|| format!("could not write {}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("could not make {} executable", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}

/// The hook script for `name`. It runs the chained hook first, then `git-track hooks run`;
/// the pre-push input is kept in a temporary file so both read all of it.
pub fn script(name: &str) -> String {
    let header = format!(
        "#!/bin/sh\n\
         {MARKER}\n\
         # Holds work to the scope of its track. Installed by 'git track hooks install';\n\
         # 'git track hooks uninstall' removes it and puts back the hook it chained\n\
         # (kept beside it as {name}{CHAINED_SUFFIX}). Bypass once with --no-verify.\n\
         chained=\"$0{CHAINED_SUFFIX}\"\n"
    );
    let missing = "echo \"warning: git-track is not on PATH; track scopes are not checked\" >&2\n";
    if name == "pre-push" {
        format!(
            "{header}\
             if test -x \"$chained\"; then\n\
             \tinput=$(mktemp \"${{TMPDIR:-/tmp}}/git-track-{name}.XXXXXX\") || exit 1\n\
             \ttrap 'rm -f \"$input\"' EXIT\n\
             \tcat >\"$input\"\n\
             \t\"$chained\" \"$@\" <\"$input\" || exit $?\n\
             \texec <\"$input\"\n\
             fi\n\
             if command -v git-track >/dev/null 2>&1; then\n\
             \tgit-track hooks run {name} \"$@\"\n\
             \texit $?\n\
             fi\n\
             {missing}"
        )
    } else {
        format!(
            "{header}\
             if test -x \"$chained\"; then\n\
             \t\"$chained\" \"$@\" || exit $?\n\
             fi\n\
             if command -v git-track >/dev/null 2>&1; then\n\
             \texec git-track hooks run {name} \"$@\"\n\
             fi\n\
             {missing}"
        )
    }
}
