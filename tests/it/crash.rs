//! The crash-point walk: every writing step of every writing command is a point where
//! the process can die (`GIT_TRACK_TEST_CRASH_AT`, see `src/fault.rs`). For each command
//! the walk builds a repository once, learns how many points the command passes
//! (`GIT_TRACK_TEST_CRASH_TRACE`), then, for each point, copies the repository, stops the
//! command there and checks what is left:
//!
//! - every ref (and every worktree's HEAD) names an existing object;
//! - no lock file of git's is left, and the next command (`list`) works;
//! - the repository is in the old or the new state in full, or the documented way on
//!   (rerun, `merge --continue`, `merge --abort`, `sync --abort`) brings it there —
//!   never half of each, never a lost commit or edit.
//!
//! `cargo test crash_walk -- --nocapture` prints the number of points tried.

use crate::common::{self, Out, TestRepo};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every point tried by the walks of this run (for the total printed at the end of each).
static TRIED: AtomicUsize = AtomicUsize::new(0);

/// A repository built once, frozen in a folder of its own; each point gets a copy.
struct Fixture {
    frozen: tempfile::TempDir,
    /// The folder the repository was built in (gone now), as written in its files.
    built_at: String,
}

impl Fixture {
    fn freeze(repo: TestRepo) -> Fixture {
        let built_at = repo
            .tmp
            .path()
            .canonicalize()
            .expect("tmp")
            .display()
            .to_string();
        let frozen = tempfile::tempdir().expect("tempdir");
        cp_a(Path::new(&built_at), frozen.path());
        drop(repo);
        Fixture { frozen, built_at }
    }

    /// A working copy at a new place, with the absolute paths in git's and git-track's
    /// files (worktree links, state files, config) moved along. Paths inside committed
    /// definitions still name the old place, which no longer exists.
    fn copy(&self) -> TestRepo {
        copy_repo(self.frozen.path(), &self.built_at)
    }
}

fn copy_repo(from: &Path, written_as: &str) -> TestRepo {
    let tmp = tempfile::tempdir().expect("tempdir");
    cp_a(from, tmp.path());
    let to = tmp
        .path()
        .canonicalize()
        .expect("tmp")
        .display()
        .to_string();
    rewrite_paths(tmp.path(), written_as, &to);
    TestRepo::at(tmp)
}

fn cp_a(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .expect("cp");
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

fn rewrite_paths(dir: &Path, old: &str, new: &str) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        let kind = entry.file_type().expect("file type");
        let name = entry.file_name();
        if kind.is_dir() {
            if name != "objects" {
                rewrite_paths(&path, old, new);
            }
        } else if kind.is_file() && name != "index" {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if text.len() < 1 << 20 && text.contains(old) {
                std::fs::write(&path, text.replace(old, new)).expect("rewrite");
            }
        }
    }
}

/// How a repository left by a killed command is brought to an end state.
struct Way {
    args: &'static [&'static str],
    /// Run it only when this file exists under `<git dir>/track/` (a run in progress).
    when_state: Option<&'static str>,
    ends: End,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum End {
    Old,
    New,
}

struct Walk {
    name: &'static str,
    build: fn() -> TestRepo,
    args: &'static [&'static str],
    /// The folder (relative to the repository) the command runs in.
    dir: &'static str,
    ways: &'static [Way],
}

const RERUN: End = End::New;

fn run(repo: &TestRepo, dir: &str, args: &[&str], env: &[(&str, String)]) -> Out {
    let mut cmd = repo.command(common::bin(), &repo.root.join(dir));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run git-track");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// What the repository holds, in a form two copies can be compared by: refs (backups as a
/// set of saved ids), the remote's refs, worktrees with their HEAD and changes, the
/// git-track state files present, and the track.* settings.
fn snapshot(repo: &TestRepo) -> String {
    let base = repo
        .tmp
        .path()
        .canonicalize()
        .expect("tmp")
        .display()
        .to_string();
    let mut out = String::new();
    let mut backups = std::collections::BTreeSet::new();
    for line in repo
        .git(&["for-each-ref", "--format=%(refname) %(objectname)"])
        .lines()
    {
        if let Some(rest) = line.strip_prefix("refs/tracks-backup/") {
            // The name holds a time and a counter, the message a path; what matters is
            // what was saved: the tree.
            let (name, _) = rest.split_once(' ').expect("ref line");
            let track = name.split('/').next().unwrap_or(name);
            let tree = repo.git(&["rev-parse", &format!("refs/tracks-backup/{name}^{{tree}}")]);
            backups.insert(format!("backup {track} tree {}", tree.trim()));
        } else if let Some(name) = line.strip_prefix("refs/tracks/") {
            // Definitions record absolute worktree paths: compare their text.
            let name = name.split(' ').next().expect("ref line");
            out.push_str(&format!("definition {name}:\n"));
            out.push_str(&repo.git(&["show", &format!("refs/tracks/{name}:track.toml")]));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    for b in backups {
        out.push_str(&b);
        out.push('\n');
    }
    let remote = Path::new(&base).join("remote.git");
    if remote.exists() {
        out.push_str("remote:\n");
        out.push_str(&repo.git_in(
            &remote,
            &["for-each-ref", "--format=%(refname) %(objectname)"],
        ));
    }
    for block in repo.git(&["worktree", "list", "--porcelain"]).split("\n\n") {
        let Some(path) = block
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("worktree "))
        else {
            continue;
        };
        out.push_str(&block.replace(&base, "$T"));
        out.push('\n');
        if Path::new(path).exists() {
            out.push_str(&repo.git_in(
                Path::new(path),
                &["status", "--porcelain", "--untracked-files=all"],
            ));
        } else {
            out.push_str("(missing)\n");
        }
    }
    let state = repo.root.join(".git/track");
    for name in ["merge-state.json", "sync.json"] {
        if state.join(name).exists() {
            out.push_str(&format!("state file {name}\n"));
        }
    }
    out.push_str(
        &repo
            .try_git_in(
                &repo.root,
                &["config", "--local", "--get-regexp", "^track\\."],
            )
            .stdout,
    );
    out.replace(&base, "$T")
}

/// Every ref and every worktree's HEAD names an object the repository has.
fn assert_refs_name_objects(repo: &TestRepo, point: &str) {
    let mut ids: Vec<String> = repo
        .git(&["for-each-ref", "--format=%(objectname) %(refname)"])
        .lines()
        .map(str::to_owned)
        .collect();
    for block in repo.git(&["worktree", "list", "--porcelain"]).split("\n\n") {
        if let Some(head) = block.lines().find_map(|l| l.strip_prefix("HEAD ")) {
            ids.push(format!("{head} worktree HEAD"));
        }
    }
    for line in ids {
        let (id, what) = line.split_once(' ').expect("line");
        let out = repo.try_git_in(&repo.root, &["cat-file", "-e", id]);
        assert_eq!(out.code, 0, "{point}: {what} names missing object {id}");
    }
}

/// No lock file of git's (refs, index, config, packed-refs) is left anywhere in the git
/// folder. git-track's own locks under `track/` are judged by the next command working.
fn assert_no_git_locks(repo: &TestRepo, point: &str) {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                if e.file_name() != "track" && e.file_name() != "objects" {
                    walk(&p, found);
                }
            } else if p.extension().is_some_and(|x| x == "lock") {
                found.push(p);
            }
        }
    }
    let mut found = Vec::new();
    walk(&repo.root.join(".git"), &mut found);
    assert!(found.is_empty(), "{point}: lock files left: {found:?}");
}

fn walk(w: &Walk) {
    let fixture = Fixture::freeze((w.build)());
    let old = {
        let copy = fixture.copy();
        snapshot(&copy)
    };
    // One full run, traced: the new state and the number of points.
    let (new, points) = {
        let copy = fixture.copy();
        let out = run(
            &copy,
            w.dir,
            w.args,
            &[("GIT_TRACK_TEST_CRASH_TRACE", "1".into())],
        );
        assert!(
            out.code == 0 || out.code == 1,
            "{}: the full run failed: {}",
            w.name,
            out.stderr
        );
        let points = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("crash point "))
            .count();
        (snapshot(&copy), points)
    };
    assert!(points > 0, "{}: no crash points", w.name);
    let next = AtomicUsize::new(1);
    let failures = std::sync::Mutex::new(Vec::<String>::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n > points {
                        break;
                    }
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        try_point(w, &fixture, n, &old, &new)
                    }));
                    if let Err(e) = result {
                        let msg = e
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        failures.lock().unwrap().push(msg);
                    }
                }
            });
        }
    });
    TRIED.fetch_add(points, Ordering::SeqCst);
    eprintln!(
        "crash walk {}: {points} crash points tried ({} so far in this run)",
        w.name,
        TRIED.load(Ordering::SeqCst)
    );
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{}: {} of {points} points failed:\n{}",
        w.name,
        failures.len(),
        failures.join("\n---\n")
    );
}

fn try_point(w: &Walk, fixture: &Fixture, n: usize, old: &str, new: &str) {
    let point = format!("{} at point {n}", w.name);
    let copy = fixture.copy();
    let out = run(
        &copy,
        w.dir,
        w.args,
        &[("GIT_TRACK_TEST_CRASH_AT", n.to_string())],
    );
    assert_eq!(out.code, 137, "{point}: did not stop there: {}", out.stderr);
    assert_refs_name_objects(&copy, &point);
    assert_no_git_locks(&copy, &point);
    let list = run(&copy, "", &["list"], &[]);
    assert_eq!(
        list.code, 0,
        "{point}: the next command fails: {}",
        list.stderr
    );
    let left = snapshot(&copy);
    if left == old || left == new {
        return;
    }
    let built_at = copy
        .tmp
        .path()
        .canonicalize()
        .expect("tmp")
        .display()
        .to_string();
    let mut reached = false;
    for way in w.ways {
        if let Some(file) = way.when_state
            && !copy.root.join(".git/track").join(file).exists()
        {
            continue;
        }
        let again = copy_repo(copy.tmp.path(), &built_at);
        let out = run(&again, w.dir, way.args, &[]);
        if out.code == 2 && out.stderr.starts_with("error: ") && snapshot(&again) == left {
            // This way is refused cleanly here (another one must lead on).
            continue;
        }
        reached = true;
        assert!(
            out.code == 0 || out.code == 1,
            "{point}: '{}' fails after the crash (exit {}): {}",
            way.args.join(" "),
            out.code,
            out.stderr
        );
        let end = snapshot(&again);
        let want = if way.ends == End::New { new } else { old };
        assert!(
            end == want,
            "{point}: '{}' (exit {}) does not reach the {:?} state:\n{}\nleft by the crash:\n{}",
            way.args.join(" "),
            out.code,
            way.ends,
            diff(want, &end),
            diff(want, &left)
        );
    }
    assert!(
        reached,
        "{point}: half of each state, and no way on reaches an end:\nleft against old:\n{}\nleft against new:\n{}",
        diff(old, &left),
        diff(new, &left)
    );
}

/// The lines of `got` that differ from `want` (`-` wanted, `+` got).
fn diff(want: &str, got: &str) -> String {
    similar::TextDiff::from_lines(want, got)
        .unified_diff()
        .context_radius(1)
        .to_string()
}

// ---- the repositories the commands run in ----

fn initial() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("src/lib.rs", "fn a() {}\n");
    repo.commit_all("source");
    repo.track(&["init"]).ok();
    repo
}

fn with_track() -> TestRepo {
    let repo = initial();
    repo.track(&["new", "a", "--scope", "src/**"]).ok();
    repo
}

/// Track `a` with a commit and uncommitted work in its worktree.
fn with_dirty_track() -> TestRepo {
    let repo = with_track();
    let wt = repo.worktree("a");
    common::write_file(&wt.join("src/a.rs"), "committed\n");
    repo.commit_all_in(&wt, "a: work");
    common::write_file(&wt.join("src/lib.rs"), "fn a() { /* edited */ }\n");
    common::write_file(&wt.join("src/new.rs"), "untracked\n");
    repo
}

/// Tracks `a` and `b`, each with a commit; they merge cleanly.
fn two_tracks() -> TestRepo {
    let repo = initial();
    for (name, file) in [("a", "src/a.rs"), ("b", "src/b.rs")] {
        repo.track(&["new", name, "--scope", "src/**"]).ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join(file), &format!("{name}\n"));
        repo.commit_all_in(&wt, &format!("{name}: work"));
    }
    repo
}

/// Tracks `a` and `b` change one line two ways: merging stops at `b`.
fn conflicting_tracks() -> TestRepo {
    let repo = initial();
    for name in ["a", "b"] {
        repo.track(&["new", name, "--scope", "src/**"]).ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join("src/lib.rs"), &format!("fn {name}_track() {{}}\n"));
        repo.commit_all_in(&wt, &format!("{name}: work"));
    }
    repo
}

/// A merge stopped at `b`'s conflict, resolved and staged.
fn stopped_merge() -> TestRepo {
    let repo = conflicting_tracks();
    repo.track(&["merge", "a", "b"]).code(1);
    let wt = repo.root.parent().expect("parent").join("repo.tracks");
    let integration = std::fs::read_dir(&wt)
        .expect("worktrees")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("src/lib.rs").exists() && !p.ends_with("a") && !p.ends_with("b"))
        .expect("integration worktree");
    common::write_file(
        &integration.join("src/lib.rs"),
        "fn a_track() {}\nfn b_track() {}\n",
    );
    repo.git_in(&integration, &["add", "src/lib.rs"]);
    repo
}

/// Track `a` is behind main.
fn behind() -> TestRepo {
    let repo = with_track();
    let wt = repo.worktree("a");
    common::write_file(&wt.join("src/a.rs"), "a\n");
    repo.commit_all_in(&wt, "a: work");
    repo.write("docs/x.md", "x\n");
    repo.commit_all("main moves");
    repo
}

/// Topic branches merged one by one into `seen`, ready for `import --merges main..seen`.
fn topics_merged() -> TestRepo {
    let repo = initial();
    repo.git(&["branch", "seen"]);
    for name in ["topic-a", "topic-b"] {
        repo.git(&["checkout", "-q", "-b", name, "main"]);
        repo.write(&format!("src/{name}.rs"), "work\n");
        repo.commit_all(&format!("{name}: work"));
        repo.git(&["checkout", "-q", "seen"]);
        repo.git(&[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            &format!("Merge branch '{name}' into seen"),
            name,
        ]);
    }
    repo.git(&["checkout", "-q", "main"]);
    repo
}

/// Track `a` merged into the integration branch, its worktree clean: `prune` removes it.
fn merged_track() -> TestRepo {
    let repo = two_tracks();
    repo.track(&["merge", "a"]).ok();
    repo
}

/// Track `a` without a worktree, for `attach`.
fn without_worktree() -> TestRepo {
    let repo = initial();
    repo.track(&["new", "a", "--scope", "src/**", "--no-worktree"])
        .ok();
    repo
}

/// Two contenders of experiment `e`, each with a commit, for `pick`.
fn experiment() -> TestRepo {
    let repo = initial();
    for name in ["x", "y"] {
        repo.track(&[
            "new",
            name,
            "--experiment",
            "e",
            "--hypothesis",
            "it is faster",
            "--scope",
            "src/**",
        ])
        .ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join("src/lib.rs"), &format!("fn {name}() {{}}\n"));
        repo.commit_all_in(&wt, &format!("{name}: try"));
    }
    repo
}

/// A bare remote beside the repository, holding main.
fn with_remote(repo: &TestRepo) -> PathBuf {
    let base = repo.root.parent().expect("parent").to_owned();
    let remote = base.join("remote.git");
    repo.git_in(&base, &["init", "-q", "--bare", "-b", "main", "remote.git"]);
    repo.git(&["remote", "add", "origin", remote.to_str().expect("utf8")]);
    repo.git(&["push", "-q", "origin", "main"]);
    remote
}

fn to_push() -> TestRepo {
    let repo = two_tracks();
    with_remote(&repo);
    repo.track(&["edit", "a", "--owner", "someone"]).ok();
    repo
}

/// Another clone pushed new and changed definitions that this one has not fetched.
fn to_fetch() -> TestRepo {
    let repo = two_tracks();
    let remote = with_remote(&repo);
    repo.track(&["push"]).ok();
    let base = repo.root.parent().expect("parent").to_owned();
    repo.git_in(
        &base,
        &["clone", "-q", remote.to_str().expect("utf8"), "other"],
    );
    let other = base.join("other");
    repo.track_in(&other, &["fetch"]).ok();
    repo.track_in(&other, &["new", "c", "--no-worktree", "--scope", "c/**"])
        .ok();
    repo.track_in(&other, &["edit", "a", "--owner", "elsewhere"])
        .ok();
    repo.track_in(&other, &["push"]).ok();
    // This clone changed another field of `a`: the fetch merges the two.
    repo.track(&["edit", "a", "--description", "here"]).ok();
    repo
}

const WALKS: &[Walk] = &[
    Walk {
        name: "new",
        build: initial,
        args: &["new", "a", "--scope", "src/**", "--owner", "me"],
        dir: "",
        ways: &[Way {
            args: &["new", "a", "--scope", "src/**", "--owner", "me"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "edit",
        build: with_track,
        args: &["edit", "a", "--add-scope", "lib/**", "--owner", "you"],
        dir: "",
        ways: &[],
    },
    Walk {
        name: "remove",
        build: with_dirty_track,
        args: &["remove", "a", "--force", "--delete-branch"],
        dir: "",
        ways: &[Way {
            args: &["remove", "a", "--force", "--delete-branch"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "done",
        build: with_dirty_track,
        args: &["done", "a", "--force"],
        dir: "",
        ways: &[Way {
            args: &["done", "a", "--force"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "cancel",
        build: with_dirty_track,
        args: &["cancel", "a", "--force", "--reason", "not needed"],
        dir: "",
        ways: &[Way {
            args: &["cancel", "a", "--force", "--reason", "not needed"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "merge",
        build: two_tracks,
        args: &["merge", "--checkpoint"],
        dir: "",
        ways: &[
            Way {
                args: &["merge", "--continue", "--checkpoint"],
                when_state: Some("merge-state.json"),
                ends: End::New,
            },
            Way {
                args: &["merge", "--abort"],
                when_state: Some("merge-state.json"),
                ends: End::Old,
            },
        ],
    },
    Walk {
        name: "merge to a conflict",
        build: conflicting_tracks,
        args: &["merge", "a", "b"],
        dir: "",
        ways: &[
            Way {
                args: &["merge", "--continue"],
                when_state: Some("merge-state.json"),
                ends: End::New,
            },
            Way {
                args: &["merge", "--abort"],
                when_state: Some("merge-state.json"),
                ends: End::Old,
            },
        ],
    },
    Walk {
        name: "merge --continue",
        build: stopped_merge,
        args: &["merge", "--continue", "--checkpoint"],
        dir: "",
        ways: &[Way {
            args: &["merge", "--continue", "--checkpoint"],
            when_state: Some("merge-state.json"),
            ends: End::New,
        }],
    },
    Walk {
        name: "merge --abort",
        build: stopped_merge,
        args: &["merge", "--abort"],
        dir: "",
        ways: &[Way {
            args: &["merge", "--abort"],
            when_state: Some("merge-state.json"),
            ends: End::New,
        }],
    },
    Walk {
        name: "sync",
        build: behind,
        args: &["sync", "a"],
        dir: "",
        ways: &[Way {
            args: &["sync", "a"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "push",
        build: to_push,
        args: &["push", "--with-branches"],
        dir: "",
        ways: &[Way {
            args: &["push", "--with-branches"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "fetch",
        build: to_fetch,
        args: &["fetch"],
        dir: "",
        ways: &[Way {
            args: &["fetch"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "import",
        build: topics_merged,
        args: &["import", "--merges", "main..seen"],
        dir: "",
        ways: &[Way {
            args: &["import", "--merges", "main..seen"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "prune",
        build: merged_track,
        args: &["prune", "--delete-branches"],
        dir: "",
        ways: &[Way {
            args: &["prune", "--delete-branches"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "agent-setup",
        build: with_track,
        args: &["agent-setup", "claude-code", "a"],
        dir: "",
        ways: &[Way {
            args: &["agent-setup", "claude-code", "a"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "attach",
        build: without_worktree,
        args: &["attach", "a"],
        dir: "",
        ways: &[Way {
            args: &["attach", "a"],
            when_state: None,
            ends: RERUN,
        }],
    },
    Walk {
        name: "pick",
        build: experiment,
        args: &["pick", "x", "--reason", "faster"],
        dir: "",
        ways: &[Way {
            args: &["pick", "x", "--reason", "faster"],
            when_state: None,
            ends: RERUN,
        }],
    },
];

fn walk_named(name: &str) {
    walk(WALKS.iter().find(|w| w.name == name).expect("walk"));
}

#[test]
fn crash_walk_new() {
    walk_named("new");
}

#[test]
fn crash_walk_edit() {
    walk_named("edit");
}

#[test]
fn crash_walk_remove() {
    walk_named("remove");
}

#[test]
fn crash_walk_done() {
    walk_named("done");
}

#[test]
fn crash_walk_cancel() {
    walk_named("cancel");
}

#[test]
fn crash_walk_merge() {
    walk_named("merge");
}

#[test]
fn crash_walk_merge_to_a_conflict() {
    walk_named("merge to a conflict");
}

#[test]
fn crash_walk_merge_continue() {
    walk_named("merge --continue");
}

#[test]
fn crash_walk_merge_abort() {
    walk_named("merge --abort");
}

#[test]
fn crash_walk_sync() {
    walk_named("sync");
}

#[test]
fn crash_walk_push() {
    walk_named("push");
}

#[test]
fn crash_walk_fetch() {
    walk_named("fetch");
}

#[test]
fn crash_walk_import() {
    walk_named("import");
}

#[test]
fn crash_walk_prune() {
    walk_named("prune");
}

#[test]
fn crash_walk_agent_setup() {
    walk_named("agent-setup");
}

#[test]
fn crash_walk_attach() {
    walk_named("attach");
}
