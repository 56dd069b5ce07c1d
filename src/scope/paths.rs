//! Turning a path a person or an agent gives (relative to a folder, or absolute) into a
//! repository-relative `/` path, and finding which worktree of the repository holds it.

use crate::repo::{Repo, canonical};
use std::path::{Component, Path, PathBuf};

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
