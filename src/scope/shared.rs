//! Paths every track may change (lock files, changelogs): git config `track.sharedPaths`
//! plus a committed `.gittracks` file at the repository root.
//!
//! `.gittracks` holds one glob per line, with the syntax of a scope (`!` excludes, the
//! last matching pattern wins); blank lines and lines starting with `#` are ignored. It is
//! read from the tip of the integration branch, or from the base while there is no
//! integration branch: never from a track's own branch, so a track cannot widen what it
//! may change by editing the file itself.

use crate::repo::Repo;
use crate::scope::{self, GlobError, Scope};
use anyhow::{Context, Result};
use gix::ObjectId;

pub const FILE_NAME: &str = ".gittracks";

/// Shared paths that are not globs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharedError {
    /// In git config `track.sharedPaths`.
    #[error("track.sharedPaths: {0}")]
    Config(GlobError),
    /// On line `line` of `.gittracks`.
    #[error("{FILE_NAME} line {line}: {cause}")]
    File { line: usize, cause: GlobError },
}

/// The shared paths, ready to match.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// `None` when no pattern includes anything: then nothing is shared.
    matcher: Option<Scope>,
    patterns: Vec<String>,
}

impl Shared {
    pub fn new(patterns: Vec<String>) -> Result<Shared, GlobError> {
        let includes = patterns.iter().any(|p| !p.starts_with('!'));
        let matcher = if includes {
            Some(Scope::new(&patterns)?)
        } else {
            None
        };
        Ok(Shared { matcher, patterns })
    }

    /// May every track change `path`?
    pub fn contains(&self, path: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.contains(path))
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// Reads `track.sharedPaths` and `.gittracks`; a malformed glob in either is bad input.
pub fn load(repo: &Repo) -> Result<Shared> {
    let mut patterns = Vec::new();
    for p in &repo.settings.shared_paths {
        scope::validate(std::slice::from_ref(p)).map_err(SharedError::Config)?;
        patterns.push(p.clone());
    }
    if let Some(commit) = source_commit(repo)?
        && let Some(text) = read_file(repo, commit)?
    {
        patterns.extend(parse(&text)?);
    }
    Ok(Shared::new(patterns)?)
}

/// Where `.gittracks` is read from: the integration branch, else the base.
pub fn source_commit(repo: &Repo) -> Result<Option<ObjectId>> {
    if let Some(id) = repo.ref_target(&repo.settings.integration_ref())? {
        return Ok(Some(id));
    }
    Ok(repo.try_resolve_commit(&repo.settings.base))
}

fn read_file(repo: &Repo, commit: ObjectId) -> Result<Option<String>> {
    let tree = repo
        .gix
        .find_commit(commit)
        .with_context(|| format!("could not read commit {commit}"))?
        .tree()?;
    let Some(entry) = tree.lookup_entry_by_path(FILE_NAME)? else {
        return Ok(None);
    };
    if !entry.mode().is_blob() {
        return Ok(None);
    }
    let data = entry.object()?.detach().data;
    Ok(Some(String::from_utf8_lossy(&data).into_owned()))
}

/// The globs of a `.gittracks` text, each checked, with its line number in errors.
pub fn parse(text: &str) -> Result<Vec<String>, SharedError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        scope::validate(&[line.to_owned()]).map_err(|e| SharedError::File {
            line: n + 1,
            cause: e,
        })?;
        out.push(line.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gittracks_lines_are_globs_with_comments_and_blanks_ignored() {
        let globs = parse("# shared\n\nCargo.lock\n  CHANGELOG.md  \n!docs/private/**\n").unwrap();
        assert_eq!(globs, ["Cargo.lock", "CHANGELOG.md", "!docs/private/**"]);
    }

    #[test]
    fn a_malformed_line_names_its_number() {
        let e = parse("ok\nsrc/[\n").unwrap_err();
        assert!(e.to_string().starts_with(".gittracks line 2:"), "{e}");
    }

    #[test]
    fn no_patterns_share_nothing_and_excludes_alone_share_nothing() {
        assert!(!Shared::new(vec![]).unwrap().contains("a"));
        assert!(!Shared::new(vec!["!a".into()]).unwrap().contains("b"));
        let s = Shared::new(vec!["**/*.lock".into(), "!web/*.lock".into()]).unwrap();
        assert!(s.contains("Cargo.lock"));
        assert!(s.contains("api/Cargo.lock"));
        assert!(!s.contains("web/yarn.lock"));
    }
}
