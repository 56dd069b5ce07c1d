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

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

pub fn generate(spec: &Spec) -> Synth {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().canonicalize().expect("canonical").join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);

    let files_per_folder = (spec.files / 1000).max(1);
    let mut s = Stream {
        out: Vec::with_capacity(spec.files * 700),
        mark: 0,
    };

    // c0: the whole tree.
    let mut base: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in 0..100 {
        for d in 0..10 {
            for f in 0..files_per_folder {
                let p = module_path(m, d, f);
                let lines = base_lines(&p, 12);
                base.insert(p, lines);
            }
        }
    }
    let pairs = spec.tracks / 2;
    for p in (0..pairs).filter(|p| p % 4 == 0 && 2 * p + 1 < spec.tracks.saturating_sub(1)) {
        let path = format!("shared/p{p:02}.txt");
        let lines = base_lines(&path, 40);
        base.insert(path, lines);
    }
    let all: Vec<(String, Vec<String>)> =
        base.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut main_marks = vec![s.commit("main", None, "c0: initial tree\n", &all)];

    // c1..c5 on main: edits in modules 90..99 (no track owns them, up to 90 tracks).
    let last = spec.tracks.saturating_sub(1);
    let conflict_file = module_path(90 + last % 10, 0, 0);
    let mut main_state = base.clone();
    for c in 1..=5 {
        let mut changed = Vec::new();
        for k in 0..50 {
            let path = module_path(90 + (k % 10), (k / 10) % 10, (c * 7 + k) % files_per_folder);
            let lines = main_state.get_mut(&path).expect("exists");
            lines[(c + k) % 12] = format!("{path} changed on main in c{c}");
            changed.push((path.clone(), lines.clone()));
        }
        if c == 3 {
            let lines = main_state.get_mut(&conflict_file).expect("exists");
            lines[2] = format!("{conflict_file} line 3 as main has it since c3");
            changed.push((conflict_file.clone(), lines.clone()));
        }
        changed.sort();
        changed.dedup_by(|a, b| a.0 == b.0);
        let mut from = *main_marks.last().expect("c0");
        // History before c{c}: folder d8 edited, folder d9 moved to `moved/` bit by bit
        // (no track and no c-commit touches either).
        for h in 0..spec.history / 5 {
            let j = (c - 1) * (spec.history / 5) + h;
            let module = 90 + j % 10;
            let file = (j / 10) % files_per_folder;
            if j % 25 == 24 {
                let old = module_path(module, 9, file);
                let new = format!("m{module:02}/moved/f{file:03}.txt");
                if let Some(lines) = main_state.remove(&old) {
                    main_state.insert(new.clone(), lines);
                    from = s.commit_renaming(
                        "main",
                        Some(from),
                        &format!("history {j}: move {old}\n"),
                        &[(old, new)],
                        &[],
                    );
                    continue;
                }
            }
            let path = module_path(module, 8, file);
            let lines = main_state.get_mut(&path).expect("exists");
            lines[j % 12] = format!("{path} changed on main in history commit {j}");
            let changed = [(path.clone(), lines.clone())];
            from = s.commit("main", Some(from), &format!("history {j}\n"), &changed);
        }
        main_marks.push(s.commit(
            "main",
            Some(from),
            &format!("c{c}: main moves on\n"),
            &changed,
        ));
    }

    // Tracks.
    let mut track_marks = Vec::new();
    let mut meetings: BTreeMap<usize, Meeting> = BTreeMap::new();
    for i in 0..spec.tracks {
        let name = format!("t{i:02}");
        let branch = format!("track/{name}");
        // The last track forks at c0 so that main's c3 lands after it forked.
        let fork = if i == last { 0 } else { i % 6 };
        let mut state: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut from = main_marks[fork];
        let module = i % 90;
        for c in 0..3 {
            let mut changed = Vec::new();
            for k in 0..5 {
                let path =
                    module_path(module, (c * 5 + k) % 10, (i + k * 3 + c) % files_per_folder);
                let lines = state
                    .entry(path.clone())
                    .or_insert_with(|| base[&path].clone());
                lines[(k * 2 + c) % 12] = format!("{path} edited by {name} in commit {c}");
                changed.push((path, lines.clone()));
            }
            let new_file = format!("m{module:02}/new/{name}-{c}.txt");
            changed.push((new_file.clone(), base_lines(&new_file, 5)));
            if c == 1 {
                let p = i / 2;
                // The last track conflicts with integration on its own; keep it out of the pairs.
                if p % 4 == 0 && p < pairs && 2 * p + 1 < last {
                    let meeting = [
                        Meeting::DisjointLines,
                        Meeting::AdjacentLines,
                        Meeting::SameLineDifferently,
                        Meeting::SameChange,
                    ][(p / 4) % 4];
                    meetings.insert(p, meeting);
                    let path = format!("shared/p{p:02}.txt");
                    let mut lines = base[&path].clone();
                    let second = i % 2 == 1;
                    let (line, text) = match (meeting, second) {
                        (Meeting::DisjointLines, false) => {
                            (5, format!("{path} line 6 changed by {name}"))
                        }
                        (Meeting::DisjointLines, true) => {
                            (30, format!("{path} line 31 changed by {name}"))
                        }
                        (Meeting::AdjacentLines, false) => {
                            (10, format!("{path} line 11 changed by {name}"))
                        }
                        (Meeting::AdjacentLines, true) => {
                            (11, format!("{path} line 12 changed by {name}"))
                        }
                        (Meeting::SameLineDifferently, _) => {
                            (20, format!("{path} line 21 changed by {name}"))
                        }
                        (Meeting::SameChange, _) => {
                            (25, format!("{path} line 26 changed the same way"))
                        }
                    };
                    lines[line] = text;
                    changed.push((path, lines));
                }
            }
            if c == 2 && i == last {
                // Edit the line main changes in c3, after this track forked: conflicts with integration.
                let lines = state
                    .entry(conflict_file.clone())
                    .or_insert_with(|| base[&conflict_file].clone());
                lines[2] = format!("{conflict_file} line 3 as {name} has it");
                changed.push((conflict_file.clone(), lines.clone()));
            }
            from = s.commit(
                &branch,
                Some(from),
                &format!("{name}: work {c}\n"),
                &changed,
            );
        }
        track_marks.push((name, branch, fork, module));
    }

    let mut child = git_cmd(&repo)
        .args(["fast-import", "--quiet", "--force"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&s.out)
        .expect("feed fast-import");
    assert!(
        child.wait().expect("fast-import").success(),
        "fast-import failed"
    );

    let main_commits: Vec<String> = (0..=5)
        .map(|c| {
            // c{c} is followed by (5 - c) c-commits, each after history/5 history commits.
            let back = (5 - c) * (spec.history / 5 + 1);
            git(&repo, &["rev-parse", &format!("main~{back}")])
                .trim()
                .to_owned()
        })
        .collect();
    git(&repo, &["branch", "integration", "main"]);
    if spec.checkout {
        git(&repo, &["checkout", "-q", "-f", "main"]);
    }

    let tracks: Vec<SynthTrack> = track_marks
        .into_iter()
        .map(|(name, branch, fork, module)| {
            let tip = git(&repo, &["rev-parse", &branch]).trim().to_owned();
            let scope = vec![format!("m{module:02}/**"), "shared/**".to_owned()];
            SynthTrack {
                name,
                branch,
                scope,
                fork: main_commits[fork].clone(),
                tip,
            }
        })
        .collect();
    let mut expected = Expected::default();
    for (p, meeting) in meetings {
        expected.pairs.push((
            format!("t{:02}", 2 * p),
            format!("t{:02}", 2 * p + 1),
            meeting,
        ));
    }
    if spec.tracks > 0 {
        expected
            .conflict_with_integration
            .push(format!("t{last:02}"));
    }
    Synth {
        dir,
        repo,
        tracks,
        expected,
        main_commits,
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
