//! Scopes: which paths a track may change, and holding it to them.
//!
//! - [`Scope`] (this file): a track's patterns, globs over repository-relative `/` paths,
//!   `**` aware, `!` to exclude, the last matching pattern wins (as in `.gitignore`). An
//!   empty scope means everything.
//! - [`shared`]: paths every track may change (`track.sharedPaths`, `.gittracks`).
//! - [`claims`]: which tracks claim a path, all tracks' globs in one matcher.
//! - [`changes`]: which paths changed (between commits, in the index, in a worktree).
//! - [`paths`]: a path a person or an agent gives, made repository-relative.
//! - [`rules`]: the rules that join them: of the paths a track changed, which it may
//!   not change, and why. `git track check`, the git hooks ([`crate::hooks`]), merge
//!   planning and the dashboard all judge through [`rules::Rules`].

pub mod changes;
pub mod claims;
pub mod paths;
pub mod rules;
pub mod shared;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// Patterns that are not globs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    #[error("invalid glob '{pattern}': {why}")]
    Pattern { pattern: String, why: String },
    /// Each pattern parsed, but together they do not make a matcher.
    #[error("invalid scope: {why}")]
    Set { why: String },
}

#[derive(Debug, Clone)]
pub struct Scope {
    set: GlobSet,
    /// For each glob in `set`: does a match include the path (or exclude it)?
    include: Vec<bool>,
    /// What a path matching no pattern gets: included when every pattern excludes.
    default: bool,
    patterns: Vec<String>,
}

impl Scope {
    pub fn new(patterns: &[String]) -> Result<Scope, GlobError> {
        let mut builder = GlobSetBuilder::new();
        let mut include = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let (is_include, glob) = parse(pattern)?;
            builder.add(glob);
            include.push(is_include);
        }
        let set = builder
            .build()
            .map_err(|e| GlobError::Set { why: e.to_string() })?;
        let default = include.iter().all(|i| !i);
        Ok(Scope {
            set,
            include,
            default,
            patterns: patterns.to_vec(),
        })
    }

    /// May `path` (repository-relative, `/`-separated) be changed under this scope?
    pub fn contains(&self, path: &str) -> bool {
        let mut last = None;
        // GlobSet reports matches in pattern order; the last one decides.
        for index in self.set.matches(path) {
            last = Some(index);
        }
        last.map_or(self.default, |i| self.include[i])
    }

    pub fn is_everything(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// How a person reads this scope.
    pub fn describe(&self) -> String {
        if self.is_everything() {
            "everything (no scope set)".to_owned()
        } else {
            self.patterns.join(" ")
        }
    }
}

/// Checks patterns without keeping a matcher.
pub fn validate(patterns: &[String]) -> Result<(), GlobError> {
    Scope::new(patterns).map(|_| ())
}

/// One pattern as a glob and whether it includes (`false` for a `!` exclude).
pub fn parse_pattern(pattern: &str) -> Result<(bool, Glob), GlobError> {
    parse(pattern)
}

fn parse(pattern: &str) -> Result<(bool, Glob), GlobError> {
    let (include, body) = match pattern.strip_prefix('!') {
        Some(rest) => (false, rest),
        None => (true, pattern),
    };
    let invalid = |why: String| GlobError::Pattern {
        pattern: pattern.to_owned(),
        why,
    };
    if body.is_empty() {
        return Err(invalid("it is empty".to_owned()));
    }
    let body = body.strip_prefix('/').unwrap_or(body);
    // `dir/` means everything below dir, as in .gitignore.
    let body = match body.strip_suffix('/') {
        Some(dir) => format!("{dir}/**"),
        None => body.to_owned(),
    };
    let glob = GlobBuilder::new(&body)
        .literal_separator(true)
        .backslash_escape(true)
        .empty_alternates(true)
        .build()
        .map_err(|e| invalid(e.kind().to_string()))?;
    Ok((include, glob))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(p: &[&str]) -> Scope {
        Scope::new(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn double_star_spans_folders_and_single_star_does_not() {
        let s = scope(&["src/auth/**", "docs/*.md"]);
        assert!(s.contains("src/auth/login.rs"));
        assert!(s.contains("src/auth/deep/x/y.rs"));
        assert!(s.contains("docs/a.md"));
        assert!(!s.contains("docs/sub/a.md"));
        assert!(!s.contains("web/app.ts"));
    }

    #[test]
    fn last_matching_pattern_wins() {
        let s = scope(&["src/**", "!src/gen/**", "src/gen/keep.rs"]);
        assert!(s.contains("src/a.rs"));
        assert!(!s.contains("src/gen/x.rs"));
        assert!(s.contains("src/gen/keep.rs"));
    }

    #[test]
    fn empty_scope_is_everything_and_only_excludes_start_from_everything() {
        assert!(scope(&[]).contains("any/thing"));
        let s = scope(&["!docs/**"]);
        assert!(s.contains("src/a.rs"));
        assert!(!s.contains("docs/a.md"));
    }

    #[test]
    fn trailing_slash_means_the_folder() {
        assert!(scope(&["web/"]).contains("web/app.ts"));
    }

    #[test]
    fn malformed_globs_are_refused() {
        assert!(Scope::new(&["src/[".to_owned()]).is_err());
        assert!(Scope::new(&["!".to_owned()]).is_err());
        assert!(Scope::new(&["a{b".to_owned()]).is_err());
    }
}
