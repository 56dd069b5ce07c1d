//! Test helpers: real git repositories in temporary folders, with a fixed identity and
//! dates and an empty global config, driven through the real `git-track` binary.
#![allow(dead_code)]

pub mod scenarios;
pub mod schema;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const DATE: &str = "2026-01-01T12:00:00Z";

/// What a process did.
#[derive(Debug, Clone)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn from(o: Output) -> Out {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn ok(&self) -> &Out {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Out {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Out {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    /// Asserts stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Out {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-track"))
}

/// A scratch repository in its own temporary folder (`<tmp>/repo`, worktrees in `<tmp>/repo.tracks`).
pub struct TestRepo {
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
    home: PathBuf,
}

impl TestRepo {
    /// A repository on `main` with one commit holding `README.md`.
    pub fn new() -> TestRepo {
        let repo = TestRepo::empty();
        repo.write("README.md", "# test\n");
        repo.commit_all("initial");
        repo
    }

    /// [`TestRepo::new`] with a second commit, "layout", holding `files` (path, text).
    pub fn with_files(files: &[(&str, &str)]) -> TestRepo {
        let repo = TestRepo::new();
        for (path, text) in files {
            repo.write(path, text);
        }
        repo.commit_all("layout");
        repo
    }

    /// `src/auth/login.rs` and `web/app.ts` (and `extra` files), with the tracks `auth`
    /// (scope `src/auth/**`) and `web` (scope `web/**`).
    pub fn auth_and_web(extra: &[(&str, &str)]) -> TestRepo {
        let mut files = vec![
            ("src/auth/login.rs", "fn login() {}\n"),
            ("web/app.ts", "app\n"),
        ];
        files.extend_from_slice(extra);
        let repo = TestRepo::with_files(&files);
        repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
        repo.track(&["new", "web", "--scope", "web/**"]).ok();
        repo
    }

    /// `git init -b main`, no commits.
    pub fn empty() -> TestRepo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let tmp_path = tmp.path().canonicalize().expect("canonical tmp");
        let home = tmp_path.join("home");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::write(home.join("gitconfig"), "").expect("global config");
        let root = tmp_path.join("repo");
        std::fs::create_dir_all(&root).expect("repo dir");
        let repo = TestRepo { tmp, root, home };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A repository already made at `<tmp>/repo` (by copying one, see `tests/it/crash.rs`).
    pub fn at(tmp: tempfile::TempDir) -> TestRepo {
        let base = tmp.path().canonicalize().expect("canonical tmp");
        TestRepo {
            root: base.join("repo"),
            home: base.join("home"),
            tmp,
        }
    }

    /// A bare clone of a repository with one commit.
    pub fn bare() -> TestRepo {
        let src = TestRepo::new();
        let tmp = tempfile::tempdir().expect("tempdir");
        let tmp_path = tmp.path().canonicalize().expect("canonical tmp");
        let home = tmp_path.join("home");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::write(home.join("gitconfig"), "").expect("global config");
        let root = tmp_path.join("repo.git");
        let bare = TestRepo {
            tmp,
            root: root.clone(),
            home,
        };
        bare.git_in(
            &tmp_path,
            &[
                "clone",
                "-q",
                "--bare",
                src.root.to_str().expect("utf8"),
                root.to_str().expect("utf8"),
            ],
        );
        bare
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// `<tmp>/repo.tracks/<name>`: where a track's worktree goes by default.
    pub fn worktree(&self, name: &str) -> PathBuf {
        self.root
            .parent()
            .expect("parent")
            .join("repo.tracks")
            .join(name)
    }

    /// The test's home folder (also its `XDG_RUNTIME_DIR`).
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A command with the test environment: fixed identity and dates, empty global config.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", path_with_bin())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", self.home.join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_AUTHOR_DATE", DATE)
            .env("GIT_COMMITTER_NAME", "Test Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_COMMITTER_DATE", DATE)
            .env("LC_ALL", "C")
            .env("TZ", "UTC")
            // git's scratch object folders go inside the test's folder (not /dev/shm),
            // so that a process a test kills leaves nothing behind outside it.
            .env("XDG_RUNTIME_DIR", &self.home)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs git in the repository root; panics on failure.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.root, args)
    }

    #[track_caller]
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.try_git_in(dir, args);
        assert_eq!(
            out.code,
            0,
            "git {args:?} failed in {}:\n{}{}",
            dir.display(),
            out.stdout,
            out.stderr
        );
        out.stdout
    }

    /// Runs git in `dir` with `input` on its standard input; panics on failure.
    #[track_caller]
    pub fn git_fed(&self, dir: &Path, args: &[&str], input: &str) -> String {
        use std::io::Write as _;
        let mut child = self
            .command("git", dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn git");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write to git");
        let out = child.wait_with_output().expect("git");
        assert!(
            out.status.success(),
            "git {args:?} failed in {}",
            dir.display()
        );
        String::from_utf8(out.stdout).expect("utf8")
    }

    pub fn try_git_in(&self, dir: &Path, args: &[&str]) -> Out {
        Out::from(
            self.command("git", dir)
                .args(args)
                .output()
                .expect("run git"),
        )
    }

    /// Runs `git-track` in the repository root.
    pub fn track(&self, args: &[&str]) -> Out {
        self.track_in(&self.root, args)
    }

    /// Runs `git-track` in `dir`; a JSON document it prints is checked against its schema.
    pub fn track_in(&self, dir: &Path, args: &[&str]) -> Out {
        let out = Out::from(
            self.command(bin(), dir)
                .args(args)
                .output()
                .expect("run git-track"),
        );
        schema::check(args, &out.stdout);
        out
    }

    /// Starts `git-track` in the repository root with `env` added, its output piped: for
    /// real concurrent processes, and processes to kill.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        let mut cmd = self.command(bin(), &self.root);
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().expect("spawn git-track")
    }

    /// Runs `git-track` with `stdin` as its standard input.
    pub fn track_stdin(&self, dir: &Path, args: &[&str], stdin: &str) -> Out {
        use std::io::Write;
        let mut child = self
            .command(bin(), dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn git-track");
        // Fed from a thread, so a large payload cannot deadlock against the child's
        // output; a child that stops reading (an oversized payload refused after its
        // first megabytes) closes the pipe, which is its answer, not the test's failure.
        let mut input = child.stdin.take().expect("stdin");
        let payload = stdin.as_bytes().to_vec();
        let writer = std::thread::spawn(move || match input.write_all(&payload) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.expect("write stdin"),
        });
        let out = Out::from(child.wait_with_output().expect("wait git-track"));
        writer.join().expect("stdin writer");
        schema::check(args, &out.stdout);
        out
    }

    /// Writes a file (creating folders) relative to the repository root.
    pub fn write(&self, rel: &str, content: &str) {
        write_file(&self.root.join(rel), content);
    }

    /// `git add -A && git commit` in `dir`.
    #[track_caller]
    pub fn commit_all_in(&self, dir: &Path, message: &str) -> String {
        self.git_in(dir, &["add", "-A"]);
        self.git_in(dir, &["commit", "-q", "--allow-empty", "-m", message]);
        self.git_in(dir, &["rev-parse", "HEAD"]).trim().to_owned()
    }

    #[track_caller]
    pub fn commit_all(&self, message: &str) -> String {
        self.commit_all_in(&self.root.clone(), message)
    }

    /// Points `branch` at `id` the way a broken tool would: git itself refuses to point a
    /// branch at a blob or at an object it does not have, so the loose ref is written.
    pub fn set_branch_by_hand(&self, branch: &str, id: &str) {
        write_file(
            &self.root.join(".git/refs/heads").join(branch),
            &format!("{id}\n"),
        );
    }

    /// Every ref with its target, the worktree list and the status of the main worktree:
    /// compare before and after to show a command changed nothing.
    pub fn snapshot(&self) -> String {
        let refs = self.git(&["for-each-ref", "--format=%(refname) %(objectname)"]);
        let worktrees = self.git(&["worktree", "list", "--porcelain"]);
        let status = if self.root.join(".git").exists() {
            self.git(&["status", "--porcelain", "--untracked-files=all"])
        } else {
            String::new()
        };
        let root = self.root.parent().expect("parent").join("repo.tracks");
        let tracks_dir = list_dir(&root);
        format!(
            "refs:\n{refs}\nworktrees:\n{worktrees}\nstatus:\n{status}\ntracks dir: {tracks_dir:?}\n"
        )
    }
}

pub fn write_file(path: &Path, content: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(path, content).expect("write file");
}

fn list_dir(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The binary's folder first on PATH, so `git track` (and hooks calling it) find it.
fn path_with_bin() -> String {
    let bin_dir = bin().parent().expect("bin dir").to_owned();
    match std::env::var("PATH") {
        Ok(p) => format!("{}:{p}", bin_dir.display()),
        Err(_) => bin_dir.display().to_string(),
    }
}

/// Does `program <probe>` run? When it does not: on CI (`CI` set) that fails the test,
/// since .ci/run installs `package`; elsewhere the test says on stderr that it skipped.
#[track_caller]
pub fn installed(program: &str, probe: &[&str], package: &str) -> bool {
    let found = Command::new(program)
        .args(probe)
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is not installed; .ci/run installs it (apt-get install {package})"
        );
        eprintln!("skipped: {program} is not installed (apt-get install {package})");
    }
    found
}
