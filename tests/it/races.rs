//! Concurrency beyond edits: two merges at once, `new` racing `remove` of one name,
//! `status` while a merge runs, hooks firing in sixteen worktrees at once. Real
//! processes, started together.

use crate::common::{self, TestRepo};
use std::process::{Child, Output};

fn wait(child: Child) -> Output {
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn two_tracks() -> TestRepo {
    let repo = TestRepo::new();
    for name in ["a", "b"] {
        repo.track(&["new", name, "--scope", &format!("{name}/**")])
            .ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join(format!("{name}/x.txt")), "x\n");
        repo.commit_all_in(&wt, &format!("{name}: work"));
    }
    repo
}

/// Every ref names an object the repository has.
fn refs_are_whole(repo: &TestRepo) {
    for line in repo
        .git(&["for-each-ref", "--format=%(objectname) %(refname)"])
        .lines()
    {
        let (id, name) = line.split_once(' ').expect("line");
        assert_eq!(
            repo.try_git_in(&repo.root, &["cat-file", "-e", id]).code,
            0,
            "{name}"
        );
    }
}

#[test]
fn merge_started_twice_at_once_one_wins_the_other_refuses_clearly() {
    for _ in 0..3 {
        let repo = two_tracks();
        // A gate that takes a moment keeps the first run going while the second starts.
        let args = ["merge", "--exec", "sleep 0.3"];
        let first = repo.spawn(&args, &[]);
        let second = repo.spawn(&args, &[]);
        let outs = [wait(first), wait(second)];
        let won = outs.iter().filter(|o| o.status.success()).count();
        assert!(
            won >= 1,
            "one wins: {:?}",
            outs.iter().map(|o| text(&o.stderr)).collect::<Vec<_>>()
        );
        for o in outs.iter().filter(|o| !o.status.success()) {
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(
                err.starts_with("error: ")
                    && (err.contains("in progress") || err.contains("running")),
                "{err}"
            );
        }
        // Each track merged exactly once.
        let merges = repo.git(&["log", "--merges", "--format=%s", "integration"]);
        assert_eq!(merges.lines().count(), 2, "{merges}");
        refs_are_whole(&repo);
        repo.track(&["status"]).ok();
    }
}

#[test]
fn new_racing_remove_of_the_same_name_leaves_one_whole_state() {
    let repo = TestRepo::new();
    for round in 0..6 {
        if round % 2 == 0 {
            let _ = repo.track(&["new", "x", "--scope", "x/**"]);
        }
        let remove = repo.spawn(&["remove", "x", "--force", "--delete-branch"], &[]);
        let new = repo.spawn(&["new", "x", "--scope", "x/**"], &[]);
        for o in [wait(remove), wait(new)] {
            let code = o.status.code().unwrap_or(-1);
            assert!(
                [0, 2, 128].contains(&code),
                "exit {code}: {}",
                text(&o.stderr)
            );
            assert!(!text(&o.stderr).contains("panicked"), "{}", text(&o.stderr));
        }
        refs_are_whole(&repo);
        let listed = repo.track(&["list", "--json"]).ok().json();
        let exists = listed["tracks"]
            .as_array()
            .expect("tracks")
            .iter()
            .any(|t| t["name"] == "x");
        if exists {
            // A whole track: its branch is there.
            repo.git(&["rev-parse", "--verify", "track/x"]);
        }
        // Whatever happened, the next commands work.
        let _ = repo.track(&["remove", "x", "--force", "--delete-branch"]);
        repo.track(&["new", "x", "--scope", "x/**"]).ok();
        repo.track(&["remove", "x", "--force", "--delete-branch"])
            .ok();
    }
}

#[test]
fn status_during_a_merge_reports_it_and_changes_nothing() {
    let repo = two_tracks();
    let merge = repo.spawn(&["merge", "--exec", "sleep 0.5"], &[]);
    let mut seen = false;
    for _ in 0..20 {
        let out = repo.track(&["status"]);
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
        seen |= (out.stdout.to_lowercase() + &out.stderr.to_lowercase()).contains("merge");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = wait(merge);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(seen, "status mentions the merge in progress");
    refs_are_whole(&repo);
}

#[test]
fn hooks_firing_in_sixteen_worktrees_at_once() {
    let repo = TestRepo::new();
    repo.track(&["hooks", "install"]).ok();
    let names: Vec<String> = (0..16).map(|i| format!("t{i:02}")).collect();
    for n in &names {
        repo.track(&["new", n, "--scope", &format!("{n}/**")]).ok();
        let wt = repo.worktree(n);
        common::write_file(&wt.join(format!("{n}/ok.txt")), "ok\n");
        common::write_file(&wt.join("outside.txt"), "no\n");
        repo.git_in(&wt, &["add", "-A"]);
    }
    // All at once: each commit stages a path outside its scope, and each is refused.
    let spawn_commits = || -> Vec<Child> {
        names
            .iter()
            .map(|n| {
                repo.command("git", &repo.worktree(n))
                    .args(["commit", "-q", "-m", "work"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("git commit")
            })
            .collect()
    };
    for (n, child) in names.iter().zip(spawn_commits()) {
        let o = wait(child);
        assert!(!o.status.success(), "{n}: the hook lets it through");
        assert!(
            text(&o.stderr).contains("outside.txt"),
            "{n}: {}",
            text(&o.stderr)
        );
    }
    // Then, without the stray file, all at once again: each goes through.
    for n in &names {
        repo.git_in(&repo.worktree(n), &["rm", "-q", "--cached", "outside.txt"]);
    }
    for (n, child) in names.iter().zip(spawn_commits()) {
        let o = wait(child);
        assert!(o.status.success(), "{n}: {}", text(&o.stderr));
    }
    refs_are_whole(&repo);
}
