//! Turning a path a person or an agent gives (relative to a folder, or absolute) into a
//! repository-relative `/` path, and finding which worktree of the repository holds it;
//! and printing a repository path as git prints it.

use crate::repo::{Repo, canonical};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// `core.quotePath`, read once when the repository is opened (git keeps it in a global
/// too): quote bytes above 0x7f as well.
static QUOTE_FULLY: AtomicBool = AtomicBool::new(true);

pub fn set_quote_fully(on: bool) {
    QUOTE_FULLY.store(on, Ordering::Relaxed);
}

/// `path` as git prints it: as it is, or, when it holds a control character, a double
/// quote or a backslash (or, with `core.quotePath` on, a byte above 0x7f), in double
/// quotes with C escapes (`\n`, `\t`, `\"`, `\\`, octal `\303` for other bytes).
pub fn quote(path: &str) -> String {
    let fully = QUOTE_FULLY.load(Ordering::Relaxed);
    let special = |b: u8| b < 0x20 || b == b'"' || b == b'\\' || b == 0x7f || (fully && b >= 0x80);
    if !path.bytes().any(special) {
        return path.to_owned();
    }
    let mut out = String::with_capacity(path.len() + 2);
    out.push('"');
    for (i, c) in path.char_indices() {
        let bytes = &path.as_bytes()[i..i + c.len_utf8()];
        if !bytes.iter().any(|b| special(*b)) {
            out.push(c);
            continue;
        }
        for &b in bytes {
            match b {
                0x07 => out.push_str("\\a"),
                0x08 => out.push_str("\\b"),
                b'\t' => out.push_str("\\t"),
                b'\n' => out.push_str("\\n"),
                0x0b => out.push_str("\\v"),
                0x0c => out.push_str("\\f"),
                b'\r' => out.push_str("\\r"),
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b => out.push_str(&format!("\\{b:03o}")),
            }
        }
    }
    out.push('"');
    out
}

/// Paths as git prints them, comma-separated.
pub fn quote_list(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| quote(p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a file path lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Inside the worktree rooted at `worktree`, at repository-relative `path`.
    Inside { worktree: PathBuf, path: String },
    /// In no worktree of the repository.
    Outside,
}

/// The roots of every worktree of the repository (the main one and the linked ones),
/// read from the administrative files without opening each worktree.
pub fn worktree_roots(repo: &Repo) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(main) = &repo.main_workdir {
        roots.push(main.clone());
    }
    if let Some(here) = &repo.workdir
        && !roots.contains(here)
    {
        roots.push(here.clone());
    }
    if let Ok(dir) = std::fs::read_dir(repo.common_dir.join("worktrees")) {
        for entry in dir.flatten() {
            let Ok(gitdir) = std::fs::read_to_string(entry.path().join("gitdir")) else {
                continue;
            };
            // `gitdir` names the worktree's `.git` file.
            if let Some(root) = Path::new(gitdir.trim()).parent() {
                let root = canonical(root);
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
    }
    roots
}

/// Locates `path` (relative to `cwd` unless absolute) among `roots`; the deepest root
/// that holds it wins, so a worktree nested inside another is found as itself.
pub fn locate(path: &Path, cwd: &Path, roots: &[PathBuf]) -> Located {
    let absolute = resolve(&cwd.join(path));
    let best = roots
        .iter()
        .filter(|r| absolute.starts_with(r))
        .max_by_key(|r| r.components().count());
    let Some(root) = best else {
        return Located::Outside;
    };
    let Ok(rest) = absolute.strip_prefix(root) else {
        return Located::Outside;
    };
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Located::Inside {
        worktree: root.clone(),
        path: parts.join("/"),
    }
}

/// `path` made absolute and free of `.`/`..`, with symbolic links resolved in the part
/// that exists (a file about to be created does not exist yet).
fn resolve(path: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other.as_os_str()),
        }
    }
    let mut existing = clean.as_path();
    let mut missing = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return clean,
        }
    }
    let mut out = canonical(existing);
    for name in missing.iter().rev() {
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_as_git_quotes_them() {
        assert_eq!(quote("src/a.rs"), "src/a.rs");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(quote("tab\there"), "\"tab\\there\"");
        assert_eq!(quote("q\"uote\\"), "\"q\\\"uote\\\\\"");
        assert_eq!(quote("bell\u{7}"), "\"bell\\a\"");
        assert_eq!(quote("del\u{7f}"), "\"del\\177\"");
    }

    #[test]
    fn relative_paths_resolve_against_the_folder_and_the_deepest_root_wins() {
        let roots = vec![PathBuf::from("/r"), PathBuf::from("/r/.wt/a")];
        assert_eq!(
            locate(Path::new("src/x.rs"), Path::new("/r/sub"), &roots),
            Located::Inside {
                worktree: "/r".into(),
                path: "sub/src/x.rs".into()
            }
        );
        assert_eq!(
            locate(Path::new("/r/.wt/a/b/../c.txt"), Path::new("/"), &roots),
            Located::Inside {
                worktree: "/r/.wt/a".into(),
                path: "c.txt".into()
            }
        );
        assert_eq!(
            locate(Path::new("../elsewhere"), Path::new("/r"), &roots),
            Located::Outside
        );
    }
}
