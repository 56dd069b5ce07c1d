//! Whole-output snapshots of what every command prints for a person (text, not JSON):
//! exit code, stdout and stderr, so that an extra, missing or reordered line shows. The
//! temporary folder and object ids are normalised; everything else (dates, names) is
//! fixed by the test environment. Review a change with `cargo insta review`, or rerun with
//! `INSTA_UPDATE=always` and read the diff of `tests/it/snapshots/`.

use crate::common::{self, TestRepo, write_file};
use std::fmt::Write;
use std::path::Path;

/// A transcript of commands run in one repository, normalised for a snapshot.
struct Transcript<'r> {
    repo: &'r TestRepo,
    text: String,
}

impl<'r> Transcript<'r> {
    fn new(repo: &'r TestRepo) -> Self {
        Transcript {
            repo,
            text: String::new(),
        }
    }

    /// Runs `git track <args>` in the repository root and records what it showed.
    fn run(&mut self, args: &[&str]) -> &mut Self {
        let root = self.repo.root.clone();
        self.run_in(&root, args)
    }

    /// Runs `git track <args>` in `dir` and records what it showed.
    fn run_in(&mut self, dir: &Path, args: &[&str]) -> &mut Self {
        let out = self.repo.track_in(dir, args);
        self.record(dir, args, &out.stdout, &out.stderr, out.code);
        self
    }

    /// Runs `git track <args>` with `stdin` and records what it showed.
    fn run_stdin(&mut self, dir: &Path, args: &[&str], stdin: &str) -> &mut Self {
        let out = self.repo.track_stdin(dir, args, stdin);
        self.record(dir, args, &out.stdout, &out.stderr, out.code);
        self
    }

    fn record(&mut self, dir: &Path, args: &[&str], stdout: &str, stderr: &str, code: i32) {
        let words: Vec<String> = args.iter().map(|a| quoted(a)).collect();
        let at = if dir == self.repo.root {
            String::new()
        } else {
            format!("(in {}) ", dir.display())
        };
        let _ = writeln!(self.text, "{at}$ git track {}", words.join(" "));
        let _ = writeln!(self.text, "[exit {code}]");
        for (name, text) in [("stdout", stdout), ("stderr", stderr)] {
            if !text.is_empty() {
                let _ = writeln!(self.text, "--- {name}");
                self.text.push_str(text);
                if !text.ends_with('\n') {
                    self.text.push_str("\n[no newline at end]\n");
                }
            }
        }
        self.text.push('\n');
    }

    /// The transcript with the temporary folder as `[TMP]`, object ids as `[ID]` and
    /// measured times as `[TIME]`.
    fn normalised(&self) -> String {
        let tmp = self.repo.tmp.path();
        let canonical = tmp.canonicalize().unwrap_or_else(|_| tmp.to_owned());
        let text = self
            .text
            .replace(&canonical.display().to_string(), "[TMP]")
            .replace(&tmp.display().to_string(), "[TMP]");
        times_normalised(&ids_normalised(&text))
    }
}

/// An argument as a shell would need it.
fn quoted(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// Replaces every hexadecimal word of 7 to 40 digits holding a letter and a digit (full
/// and abbreviated object ids) with `[ID]`, and every word of digits only as long as
/// git-track's short ids (12) or full ones (40): about one short id in 250 is digits only,
/// and leaving it made a snapshot fail now and then. Shorter numbers stay.
fn ids_normalised(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let hex = word
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        let digits_only = word.chars().all(|c| c.is_ascii_digit());
        let id = hex
            && (7..=40).contains(&word.len())
            && word.chars().any(|c| c.is_ascii_digit())
            && (!digits_only || word.len() == 12 || word.len() == 40);
        out.push_str(if id { "[ID]" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Replaces every measured time (`0.01s`, `12.5ms`: digits, a point, digits, a unit)
/// with `[TIME]`, padded to the width it had when that was wider, so that columns stay
/// as they were.
fn times_normalised(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.');
        if starts_word && bytes[i].is_ascii_digit() {
            let digits = |from: usize| {
                (from..bytes.len())
                    .find(|&k| !bytes[k].is_ascii_digit())
                    .unwrap_or(bytes.len())
            };
            let point = digits(i);
            if bytes.get(point) == Some(&b'.') && point + 1 < bytes.len() {
                let end = digits(point + 1);
                let unit = ["ms", "s"]
                    .into_iter()
                    .find(|u| text[end..].starts_with(u))
                    .map(str::len);
                if let Some(unit) = unit
                    && end > point + 1
                    && !bytes
                        .get(end + unit)
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                {
                    let width = end + unit - i;
                    out.push_str(&format!("{:<width$}", "[TIME]"));
                    i = end + unit;
                    continue;
                }
            }
        }
        let c = text[i..].chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[test]
fn ids_and_only_ids_are_normalised() {
    assert_eq!(
        ids_normalised("at ec11b8aa9dc1: 2 files, commit 1234567 m01 deadbeef 2026-01-01"),
        "at [ID]: 2 files, commit 1234567 m01 deadbeef 2026-01-01"
    );
    assert_eq!(
        ids_normalised("before-merge-20260101 (b0a7e2ff3a766bcdd7d20822db6336f758e1fd9d)"),
        "before-merge-20260101 ([ID])"
    );
    assert_eq!(
        times_normalised("0     0.01s  9  took 12.5ms, v1.2 and 3.0.1s"),
        "0     [TIME]  9  took [TIME], v1.2 and 3.0.1s"
    );
}

/// A repository with `src/auth/login.rs`, `web/app.ts` and `docs/guide.md`.
fn layout() -> TestRepo {
    TestRepo::with_files(&[
        ("src/auth/login.rs", "fn login() {}\n"),
        ("web/app.ts", "app\n"),
        ("docs/guide.md", "guide\n"),
    ])
}

#[test]
fn the_track_commands() {
    let repo = layout();
    let mut t = Transcript::new(&repo);
    t.run(&["init"])
        .run(&[
            "new",
            "auth",
            "--scope",
            "src/auth/**",
            "--owner",
            "agent-1",
            "--description",
            "Log-in and tokens",
        ])
        .run(&[
            "new",
            "web",
            "--scope",
            "web/**",
            "--kind",
            "fix",
            "--no-worktree",
        ])
        .run(&[
            "new",
            "docs",
            "--scope",
            "**",
            "--depends-on",
            "auth",
            "--no-worktree",
        ])
        .run(&["new", "bad/name"])
        .run(&["list"])
        .run(&["show", "auth"])
        .run_in(&repo.worktree("auth"), &["show"])
        .run(&[
            "edit",
            "auth",
            "--add-scope",
            "docs/auth/**",
            "--status",
            "blocked",
        ])
        .run(&["edit", "nope", "--status", "done"])
        .run(&["log", "auth"])
        .run(&["log"]);
    write_file(&repo.worktree("auth").join("notes.txt"), "mine\n");
    t.run(&["remove", "auth"])
        .run(&["remove", "auth", "--force"])
        .run(&["remove", "web", "--delete-branch"])
        .run(&["list"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn check_in_every_mode() {
    let repo = layout();
    repo.write("api/schema.json", "{}\n");
    repo.commit_all("api");
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    repo.track(&["new", "web", "--scope", "web/**", "--no-worktree"])
        .ok();
    repo.track(&[
        "new",
        "api",
        "--scope",
        "api/**",
        "--contract",
        "api/schema.json",
        "--no-worktree",
    ])
    .ok();
    let wt = repo.worktree("auth");
    let mut t = Transcript::new(&repo);
    t.run_in(&wt, &["check"]);
    write_file(&wt.join("src/auth/token.rs"), "token\n");
    write_file(&wt.join("web/app.ts"), "changed\n");
    write_file(&wt.join("api/schema.json"), "{\"v\": 2}\n");
    repo.git_in(&wt, &["add", "src/auth/token.rs", "web/app.ts"]);
    t.run_in(&wt, &["check"])
        .run_in(&wt, &["check", "--staged"])
        .run(&[
            "check",
            "auth",
            "--path",
            "src/auth/x.rs",
            "--path",
            "docs/guide.md",
        ])
        .run(&["check", "auth", "--range", "main..main"])
        .run(&["check", "--if-track"])
        .run(&["check"])
        .run(&["check", "nope"]);
    let payload = serde_json::json!({
        "hook_event_name": "PreToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": wt.join("web/app.ts")},
    })
    .to_string();
    t.run_stdin(&wt, &["check", "--format", "claude-code"], &payload);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn hooks_and_scope() {
    let repo = layout();
    repo.track(&["new", "auth", "--scope", "src/**"]).ok();
    repo.track(&["new", "web", "--scope", "web/**", "--no-worktree"])
        .ok();
    let mut t = Transcript::new(&repo);
    t.run(&["hooks", "status"])
        .run(&["hooks", "install"])
        .run(&["hooks", "install"])
        .run(&["hooks", "status"])
        .run(&["scope"])
        .run(&["new", "security", "--scope", "src/auth/**", "--no-worktree"])
        .run(&["hooks", "uninstall"])
        .run(&["hooks", "status"]);
    insta::assert_snapshot!(t.normalised());
}

/// `main` with `lines.txt` (10 lines); tracks `p` and `q` change line 3 differently, `r`
/// adds a file of its own.
fn conflicting() -> TestRepo {
    let repo = TestRepo::new();
    let lines: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    repo.write("lines.txt", &lines);
    repo.commit_all("base");
    for (name, file, text) in [
        ("p", "lines.txt", lines.replace("line 3\n", "line 3 by p\n")),
        ("q", "lines.txt", lines.replace("line 3\n", "line 3 by q\n")),
        ("r", "r.txt", "r\n".to_owned()),
    ] {
        repo.track(&["new", name]).ok();
        let wt = repo.worktree(name);
        write_file(&wt.join(file), &text);
        repo.commit_all_in(&wt, &format!("{name}: work"));
    }
    repo
}

#[test]
fn overlap_and_status() {
    let repo = conflicting();
    let mut t = Transcript::new(&repo);
    t.run(&["overlap"])
        .run(&["overlap", "--level", "hunks"])
        .run(&["overlap", "--level", "conflicts"])
        .run(&["overlap", "p", "r"])
        .run(&["overlap", "--level", "lines"])
        .run(&["status"]);
    write_file(&repo.worktree("r").join("r.txt"), "r, uncommitted\n");
    t.run(&["overlap", "--worktree"]).run(&["status"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn a_merge_run_from_dry_run_to_checkpoints() {
    let repo = conflicting();
    let mut t = Transcript::new(&repo);
    t.run(&["merge", "--dry-run"])
        .run(&["merge", "--checkpoint"])
        .run(&["status"])
        .run(&["merge", "--continue"]);
    let wt = repo.worktree("integration");
    let lines: String = (1..=10)
        .map(|i| match i {
            3 => "line 3 by p and q\n".to_owned(),
            _ => format!("line {i}\n"),
        })
        .collect();
    write_file(&wt.join("lines.txt"), &lines);
    repo.git_in(&wt, &["add", "lines.txt"]);
    t.run(&["merge", "--continue"])
        .run(&["merge"])
        .run(&["checkpoints"])
        .run(&["list"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn a_merge_run_skipped_and_aborted() {
    let repo = conflicting();
    let mut t = Transcript::new(&repo);
    t.run(&["merge", "p", "q", "r"])
        .run(&["merge", "r"])
        .run(&["merge", "--skip"]);
    let repo2 = conflicting();
    let mut t2 = Transcript::new(&repo2);
    t2.run(&["merge", "q", "p", "--exec", "test -f r.txt"])
        .run(&["merge", "--abort"])
        .run(&["merge", "--abort"]);
    insta::assert_snapshot!(format!("{}{}", t.normalised(), t2.normalised()));
}

#[test]
fn the_demo() {
    let repo = TestRepo::new();
    let dir = repo.tmp.path().join("demo");
    let out = repo
        .command(common::bin(), &repo.root)
        .args(["demo", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let mut t = Transcript::new(&repo);
    t.record(
        &repo.root,
        &["demo", dir.to_str().unwrap()],
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1),
    );
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn sharing_through_a_remote() {
    let remote = TestRepo::bare();
    let base = remote.root.parent().unwrap().to_owned();
    let url = remote.root.to_str().unwrap().to_owned();
    let (m1, m2) = (base.join("m1"), base.join("m2"));
    for m in [&m1, &m2] {
        remote.git_in(&base, &["clone", "-q", &url, m.to_str().unwrap()]);
    }
    let mut t = Transcript::new(&remote);
    t.run_in(&m1, &["new", "auth", "--scope", "src/auth/**"])
        .run_in(&m1, &["push", "--with-branches"])
        .run_in(&m2, &["fetch"])
        .run_in(&m2, &["attach", "auth"])
        .run_in(&m2, &["edit", "auth", "--owner", "two"])
        .run_in(&m2, &["push"])
        .run_in(&m1, &["edit", "auth", "--owner", "one"])
        .run_in(&m1, &["push"])
        .run_in(&m1, &["fetch"])
        .run_in(&m1, &["attach", "nope"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn the_plan_and_the_lifecycle() {
    let repo = conflicting();
    repo.track(&["new", "s", "--depends-on", "r", "--no-worktree"])
        .ok();
    let mut t = Transcript::new(&repo);
    t.run(&["graph"])
        .run(&["graph", "--format", "mermaid"])
        .run(&["ready"])
        .run(&["merge", "p"])
        .run(&["sync", "r"])
        .run(&["sync", "q"])
        .run(&["sync", "--abort"])
        .run(&["done", "p"])
        .run(&["cancel", "q", "--reason", "p covers it"])
        .run(&["archive", "s"])
        .run(&["reopen", "q"])
        .run(&["reopen", "r"])
        .run(&["list"])
        .run(&["ready"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn importing_existing_work() {
    let repo = TestRepo::new();
    repo.git(&["checkout", "-q", "-b", "seen"]);
    for (topic, file) in [("ab/first", "first.txt"), ("cd/second", "second.txt")] {
        repo.git(&["checkout", "-q", "-b", topic, "main"]);
        repo.write(file, "one\n");
        repo.commit_all(&format!("{topic}: one"));
        repo.git(&["checkout", "-q", "seen"]);
        repo.git(&["merge", "-q", "--no-ff", "--no-edit", topic]);
    }
    repo.git(&["checkout", "-q", "main"]);
    for branch in ["topic/a", "topic/b"] {
        repo.git(&["branch", branch, "main"]);
    }
    let mut t = Transcript::new(&repo);
    t.run(&["import", "--merges", "main..seen", "--dry-run"])
        .run(&["import", "--merges", "main..seen"])
        .run(&["import", "--merges", "main..seen"])
        .run(&["import", "--merges", "seen"])
        .run(&["import", "--branches", "topic/*", "--worktrees"])
        .run(&["import", "--branches", "nothing/*"])
        .run(&["list"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn an_experiment_compared_and_picked() {
    let repo = TestRepo::new();
    for (name, cost, hypothesis) in [
        ("scan", "40", "a linear scan is enough"),
        ("index", "3", "an index pays off"),
    ] {
        repo.track(&[
            "new",
            name,
            "--experiment",
            "search",
            "--hypothesis",
            hypothesis,
        ])
        .ok();
        let wt = repo.worktree(name);
        write_file(&wt.join("bench.sh"), &format!("echo cost: {cost}\n"));
        repo.commit_all_in(&wt, &format!("{name}: bench"));
    }
    let mut t = Transcript::new(&repo);
    t.run(&["compare", "search"])
        .run(&[
            "compare",
            "search",
            "--exec",
            "sh bench.sh",
            "--metric",
            "cost: ([0-9]+)",
        ])
        .run(&["compare", "nope"])
        .run(&["pick", "index", "--reason", "13 times cheaper"])
        .run(&["pick", "scan", "--reason", "changed my mind"])
        .run(&["list"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn worktrees_set_up_run_in_and_fenced() {
    let repo = TestRepo::new();
    repo.write(".gitignore", ".env\n");
    repo.write(".worktreeinclude", ".env\n");
    repo.commit_all("ignore rules");
    repo.write(".env", "SECRET=1\n");
    repo.git(&["config", "track.setup", "echo set up $GIT_TRACK"]);
    let mut t = Transcript::new(&repo);
    t.run(&["new", "a"]).run(&["new", "b", "--no-worktree"]);
    let wt = repo.worktree("a");
    t.run(&["setup", "a"])
        .run_in(&wt, &["setup"])
        .run(&["setup", "b"])
        .run(&["exec", "a", "--", "cat .env"])
        .run(&[
            "exec",
            "--all",
            "--",
            "sh",
            "-c",
            "echo in $GIT_TRACK on port $GIT_TRACK_PORT; exit 3",
        ])
        .run(&["exec", "b", "--", "true"])
        .run(&["agent-setup", "claude-code", "--all"])
        .run(&["agent-setup", "claude-code", "--all"])
        .run_in(&wt, &["agent-setup", "codex"])
        .run(&["agent-setup", "gemini", "b"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn pruning_merged_worktrees_and_the_report() {
    let repo = conflicting();
    let mut t = Transcript::new(&repo);
    t.run(&["prune"]);
    repo.track(&["merge", "p", "r"]).ok();
    write_file(&repo.worktree("p").join("scratch.txt"), "not committed\n");
    let page = repo.tmp.path().join("report.html");
    t.run(&["prune", "--dry-run"])
        .run(&["prune", "--delete-branches"])
        .run(&["prune"])
        .run(&["report", "--output", page.to_str().unwrap()]);
    assert!(page.is_file());
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn shell_completion_scripts() {
    let repo = TestRepo::new();
    let mut t = Transcript::new(&repo);
    t.run(&["completions", "bash"])
        .run(&["completions", "zsh"])
        .run(&["completions", "fish"])
        .run(&["completions", "nope"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn a_track_branch_set_by_hand_to_a_blob() {
    let repo = conflicting();
    let blob = repo.git(&["hash-object", "-w", "lines.txt"]);
    repo.set_branch_by_hand("track/q", blob.trim());
    let mut t = Transcript::new(&repo);
    t.run(&["status"]).run(&["overlap"]);
    insta::assert_snapshot!(t.normalised());
}

#[test]
fn an_object_id_of_digits_only_is_normalised_like_any_other() {
    assert_eq!(
        ids_normalised("commit 834654111316 after 1a2b3c4d5e6f, 1234567 files"),
        "commit [ID] after [ID], 1234567 files"
    );
}
