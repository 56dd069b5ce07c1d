//! Overlap scenarios built with real git: a repository on `main` with an `integration`
//! branch, and tracks whose branches carry known edits. Also git's own answer for a pair:
//! merge A into the integration tip with `git merge-tree --write-tree`, commit that, and
//! merge B into the result.
#![allow(dead_code)]

use crate::common::{TestRepo, write_file};
use std::path::Path;

/// `line 1\n` … `line n\n`.
pub fn numbered(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

/// `text` with (1-based) line `k` replaced, for each `(k, new)`.
pub fn replace(text: &str, edits: &[(usize, &str)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for (k, new) in edits {
        lines[k - 1] = (*new).to_owned();
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// `text` with `new` lines inserted before (1-based) line `k`.
pub fn insert(text: &str, k: usize, new: &[&str]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for (i, l) in new.iter().enumerate() {
        lines.insert(k - 1 + i, (*l).to_owned());
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

pub struct Scenario {
    pub repo: TestRepo,
}

impl Scenario {
    /// `main` with `files`, and the `integration` branch at the same commit.
    pub fn new(files: &[(&str, &str)]) -> Scenario {
        let repo = TestRepo::empty();
        for (path, content) in files {
            repo.write(path, content);
        }
        repo.commit_all("initial");
        repo.git(&["branch", "integration"]);
        Scenario { repo }
    }

    /// A track forked from `from` (default: the integration branch), scope `scope`, whose
    /// worktree gets `edit` and one commit.
    pub fn track(&self, name: &str, scope: &[&str], edit: impl FnOnce(&Path)) -> &Scenario {
        self.track_from(name, "integration", scope, edit)
    }

    pub fn track_from(
        &self,
        name: &str,
        from: &str,
        scope: &[&str],
        edit: impl FnOnce(&Path),
    ) -> &Scenario {
        let mut args = vec!["new", name, "--from", from];
        for s in scope {
            args.push("--scope");
            args.push(s);
        }
        self.repo.track(&args).ok();
        let wt = self.repo.worktree(name);
        edit(&wt);
        self.repo.commit_all_in(&wt, &format!("{name}: work"));
        self
    }

    /// Commits `edit` on the integration branch (checked out in a scratch worktree).
    pub fn advance_integration(&self, message: &str, edit: impl FnOnce(&Path)) {
        let wt = self.repo.tmp.path().join("integration-wt");
        if !wt.exists() {
            self.repo
                .git(&["worktree", "add", "-q", wt.to_str().unwrap(), "integration"]);
        }
        edit(&wt);
        self.repo.commit_all_in(&wt, message);
    }

    /// `git track overlap --level <level> --json`, with the exit code checked.
    #[track_caller]
    pub fn overlap(&self, level: &str, code: i32) -> serde_json::Value {
        let out = self.repo.track(&["overlap", "--level", level, "--json"]);
        out.code(code);
        out.json()
    }

    /// git's verdict on merging `a` into the integration tip and then `b`:
    /// `None` when `a` or `b` does not merge into the integration tip by itself.
    pub fn git_verdict(&self, a: &str, b: &str) -> Option<bool> {
        let root = &self.repo.root;
        let (ba, bb) = (format!("track/{a}"), format!("track/{b}"));
        for branch in [&ba, &bb] {
            let alone = self
                .repo
                .try_git_in(root, &["merge-tree", "--write-tree", "integration", branch]);
            if alone.code != 0 {
                return None;
            }
        }
        let first = self
            .repo
            .try_git_in(root, &["merge-tree", "--write-tree", "integration", &ba]);
        let tree = first.stdout.lines().next().unwrap_or_default().to_owned();
        let merged = self.repo.git(&[
            "commit-tree",
            &tree,
            "-p",
            "integration",
            "-p",
            &ba,
            "-m",
            "merge a",
        ]);
        let second = self
            .repo
            .try_git_in(root, &["merge-tree", "--write-tree", merged.trim(), &bb]);
        assert!(
            second.code == 0 || second.code == 1,
            "merge-tree failed: {}",
            second.stderr
        );
        Some(second.code == 1)
    }

    /// Asserts that every pair's `conflict` in a `--level conflicts` report equals git's
    /// own ordered merge, pairs not listed (no shared file) included.
    #[track_caller]
    pub fn assert_conflicts_agree_with_git(&self, report: &serde_json::Value) {
        let names: Vec<String> = report["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                let git = self.git_verdict(a, b);
                let listed = report["pairs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["a"] == a.as_str() && p["b"] == b.as_str());
                let ours = match listed {
                    Some(p) => p["conflict"].as_bool(),
                    None => git.map(|_| false),
                };
                assert_eq!(ours, git, "pair {a}, {b}: ours vs git's ordered merge");
            }
        }
    }
}

pub fn write(dir: &Path, rel: &str, content: &str) {
    write_file(&dir.join(rel), content);
}

pub fn write_bytes(dir: &Path, rel: &str, content: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// The pair `(a, b)` of a report, if listed.
pub fn pair<'a>(report: &'a serde_json::Value, a: &str, b: &str) -> Option<&'a serde_json::Value> {
    report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["a"] == a && p["b"] == b)
}

/// `(a, b, found)` for every listed pair.
pub fn pairs(report: &serde_json::Value) -> Vec<(String, String, bool)> {
    report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["a"].as_str().unwrap().to_owned(),
                p["b"].as_str().unwrap().to_owned(),
                p["found"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The `[start, end]` line ranges of the hunk overlaps of a pair.
pub fn hunks(pair: &serde_json::Value) -> Vec<(String, [u64; 2], [u64; 2], bool)> {
    pair["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let r = |v: &serde_json::Value| [v[0].as_u64().unwrap(), v[1].as_u64().unwrap()];
            (
                h["path"].as_str().unwrap().to_owned(),
                r(&h["a"]),
                r(&h["b"]),
                h["same_change"].as_bool().unwrap(),
            )
        })
        .collect()
}
