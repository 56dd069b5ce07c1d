//! A deterministic synthetic repository for benchmarks (and a small one for tests).
//!
//! Layout: `mNN/dD/fFFF.txt` files of 12 lines (100 modules x 10 folders x N files), plus
//! `shared/pPP.txt` files of 40 lines that pairs of tracks both edit. History:
//! `main` has an initial commit `c0` and five more (`c1`..`c5`) that edit modules the
//! tracks do not own; `integration` starts at `main`'s tip. Track `tNN` (scope
//! `mNN/**` and `shared/**`) forks at `c(i % 6)` — so many are behind — and makes three
//! commits in its module. Pairs of tracks `(t(2p), t(2p+1))` with `p % 4 == 0` also edit
//! `shared/pPP.txt`, in one of four ways, cycling: disjoint lines (same file, no
//! conflict), adjacent lines (touching hunks: git conflicts), the same line differently
//! (conflict), the same change on both sides (no conflict). The last track also edits a
//! line that `main` changes in `c3` (it forks at `c0`): it conflicts with the integration branch.
//!
//! Between the `c` commits, `main` has a deep history (`Spec::history` commits, thousands
//! by default) editing and renaming files no track touches, so fork points lie far apart
//! in a long history and the integration branch renamed files since the tracks forked.
//!
//! Everything is written by one `git fast-import` stream with fixed dates (one minute
//! apart), so the same spec gives the same object ids on every machine.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

// The generator proper: `main`'s history and the tracks, as one fast-import stream.
mod generate;
// Unused in a bench that only reads a real repository (as `dead_code` above allows).
#[allow(unused_imports)]
pub use generate::generate;

pub const DATE: &str = "1767225600 +0000"; // 2026-01-01T00:00:00Z
/// The first generated commit's time: a year before [`DATE`].
const HISTORY_START: u64 = 1767225600 - 365 * 86_400;

#[derive(Debug, Clone)]
pub struct Spec {
    /// Files in the base tree (rounded down to a multiple of 1,000).
    pub files: usize,
    pub tracks: usize,
    /// Extra commits on `main`, spread between `c0`..`c5` (so the tracks' fork points are
    /// spread over a deep history): each edits one file of modules 90..99, and one in 25
    /// renames one instead (renames in the integration branch since tracks forked).
    pub history: usize,
    /// Check `main` out in the main worktree (needed for index/worktree benchmarks).
    pub checkout: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            files: 100_000,
            tracks: 50,
            history: 3_000,
            checkout: true,
        }
    }
}

/// How a pair of tracks meets in `shared/pPP.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meeting {
    DisjointLines,
    AdjacentLines,
    SameLineDifferently,
    SameChange,
}

impl Meeting {
    /// Does git's merge of the two conflict?
    pub fn conflicts(self) -> bool {
        matches!(self, Meeting::AdjacentLines | Meeting::SameLineDifferently)
    }
}

#[derive(Debug, Clone)]
pub struct SynthTrack {
    pub name: String,
    pub branch: String,
    pub scope: Vec<String>,
    /// The commit it forked from (on `main`).
    pub fork: String,
    pub tip: String,
}

#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// Pairs that change a common file (sorted names), with how they meet.
    pub pairs: Vec<(String, String, Meeting)>,
    /// Tracks that do not merge cleanly into the integration branch.
    pub conflict_with_integration: Vec<String>,
}

pub struct Synth {
    pub dir: tempfile::TempDir,
    pub repo: PathBuf,
    pub tracks: Vec<SynthTrack>,
    pub expected: Expected,
    /// `c0`..`c5` on `main`.
    pub main_commits: Vec<String>,
}

/// `program` (git or git-track) in `dir` with no system or global configuration.
pub fn isolated(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C");
    cmd
}

/// [`isolated`], plus a fixed identity and fixed dates, for commands that commit.
pub fn identified(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = isolated(program, dir);
    cmd.env("GIT_AUTHOR_NAME", "Synth")
        .env("GIT_AUTHOR_EMAIL", "synth@example.com")
        .env("GIT_COMMITTER_NAME", "Synth")
        .env("GIT_COMMITTER_EMAIL", "synth@example.com")
        .env("GIT_AUTHOR_DATE", DATE)
        .env("GIT_COMMITTER_DATE", DATE);
    cmd
}

/// `git` with an isolated configuration, a fixed identity and fixed dates.
pub fn git_cmd(dir: &Path) -> Command {
    identified("git", dir)
}

/// Runs git and returns its stdout; panics with its stderr on failure (bench/test code).
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir).args(args).output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn module_path(module: usize, folder: usize, file: usize) -> String {
    format!("m{module:02}/d{folder}/f{file:03}.txt")
}

fn base_lines(path: &str, n: usize) -> Vec<String> {
    (1..=n)
        .map(|l| format!("{path} line {l}: the quick brown fox jumps over the lazy dog"))
        .collect()
}

/// Builds the fast-import stream in memory while tracking file contents per branch.
struct Stream {
    out: Vec<u8>,
    mark: usize,
}

impl Stream {
    fn data(&mut self, bytes: &[u8]) {
        writeln!(self.out, "data {}", bytes.len()).expect("write");
        self.out.extend_from_slice(bytes);
        self.out.push(b'\n');
    }

    /// A commit on `branch`, from `from` (a mark) or nothing; returns its mark.
    fn commit(
        &mut self,
        branch: &str,
        from: Option<usize>,
        message: &str,
        files: &[(String, Vec<String>)],
    ) -> usize {
        self.commit_renaming(branch, from, message, &[], files)
    }

    /// [`Stream::commit`], renaming `renames` (from, to) first. Each commit is a minute
    /// after the one before, ending before [`DATE`], so date-ordered history walks see
    /// a real order.
    fn commit_renaming(
        &mut self,
        branch: &str,
        from: Option<usize>,
        message: &str,
        renames: &[(String, String)],
        files: &[(String, Vec<String>)],
    ) -> usize {
        self.mark += 1;
        let mark = self.mark;
        let when = HISTORY_START + 60 * mark as u64;
        writeln!(self.out, "commit refs/heads/{branch}\nmark :{mark}").expect("write");
        writeln!(
            self.out,
            "author Synth <synth@example.com> {when} +0000\ncommitter Synth <synth@example.com> {when} +0000"
        )
        .expect("write");
        self.data(message.as_bytes());
        if let Some(f) = from {
            writeln!(self.out, "from :{f}").expect("write");
        }
        for (a, b) in renames {
            writeln!(self.out, "R {a} {b}").expect("write");
        }
        for (path, lines) in files {
            writeln!(self.out, "M 100644 inline {path}").expect("write");
            let mut text = lines.join("\n");
            text.push('\n');
            self.data(text.as_bytes());
        }
        mark
    }
}

/// Registers every synthetic track with `git track new --branch ... --no-worktree`.
pub fn register(synth: &Synth, git_track: &Path) {
    for t in &synth.tracks {
        let mut cmd = identified(git_track, &synth.repo);
        cmd.args(["new", &t.name, "--branch", &t.branch, "--no-worktree"]);
        for s in &t.scope {
            cmd.args(["--scope", s]);
        }
        let out = cmd.output().expect("run git-track");
        assert!(
            out.status.success(),
            "git track new {}: {}",
            t.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Registers every synthetic track by writing its definition (`refs/tracks/<name>`, a
/// commit holding `track.toml`) with one `git fast-import` stream: what `register` does,
/// in one process, for a thousand tracks.
pub fn register_fast(synth: &Synth) {
    let mut s = Stream {
        out: Vec::new(),
        mark: 0,
    };
    for t in &synth.tracks {
        let scope: Vec<String> = t.scope.iter().map(|g| format!("{g:?}")).collect();
        let toml = format!(
            "name = \"{name}\"\nkind = \"feat\"\nstatus = \"active\"\nbranch = \"{branch}\"\n\
             scope = [{scope}]\ncontracts = []\ndepends_on = []\n\
             created = \"2026-01-01T00:00:00Z\"\nupdated = \"2026-01-01T00:00:00Z\"\n\n\
             [base]\nref = \"main\"\ncommit = \"{fork}\"\n",
            name = t.name,
            branch = t.branch,
            scope = scope.join(", "),
            fork = t.fork,
        );
        writeln!(s.out, "commit refs/tracks/{}", t.name).expect("write");
        writeln!(s.out, "committer Synth <synth@example.com> {DATE}").expect("write");
        s.data(format!("create track {}\n", t.name).as_bytes());
        writeln!(s.out, "M 100644 inline track.toml").expect("write");
        s.data(toml.as_bytes());
    }
    let mut child = git_cmd(&synth.repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&s.out)
        .expect("write stream");
    assert!(child.wait().expect("wait").success(), "fast-import failed");
}
