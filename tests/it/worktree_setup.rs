//! Worktrees ready to run: `.worktreeinclude` copying, `track.setup`, the track
//! environment (set-up, gates, `exec`), adopting a foreign worktree, and `prune`.

use crate::common;
use common::TestRepo;
use std::collections::BTreeSet;

/// A repository whose main worktree has ignored files: `.env`, `config/local.toml` and a
/// build folder.
fn repo_with_ignored_files() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".gitignore", ".env\nconfig/local.toml\ntarget/\n");
    repo.write(
        ".worktreeinclude",
        "# files a worktree needs\n.env\nconfig/\n",
    );
    repo.commit_all("ignore rules");
    repo.write(".env", "SECRET=1\n");
    repo.write("config/local.toml", "port = 1\n");
    repo.write("target/big.bin", "build output\n");
    repo.write("notes.txt", "untracked, not ignored\n");
    repo
}

#[test]
fn worktreeinclude_copies_ignored_files_listed_there_and_reports_them() {
    let repo = repo_with_ignored_files();
    let out = repo.track(&["new", "a"]);
    out.ok()
        .stderr_has("Copied .env from the main worktree")
        .stderr_has("Copied config/local.toml from the main worktree");
    let wt = repo.worktree("a");
    assert_eq!(
        std::fs::read_to_string(wt.join(".env")).unwrap(),
        "SECRET=1\n"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("config/local.toml")).unwrap(),
        "port = 1\n"
    );
    // Not listed, or listed but not ignored: not copied.
    assert!(!wt.join("target/big.bin").exists());
    assert!(!wt.join("notes.txt").exists());
    // The copies are ignored there too: the worktree is clean.
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
}

#[test]
fn included_files_never_overwrite_what_the_worktree_has() {
    let repo = repo_with_ignored_files();
    repo.track(&["new", "a"]).ok();
    let wt = repo.worktree("a");
    common::write_file(&wt.join(".env"), "SECRET=mine\n");
    repo.write(".env", "SECRET=2\n");
    repo.track(&["setup", "a"])
        .ok()
        .stderr_has("Kept .env: the worktree has it already");
    assert_eq!(
        std::fs::read_to_string(wt.join(".env")).unwrap(),
        "SECRET=mine\n"
    );
}

#[test]
fn track_include_config_adds_patterns() {
    let repo = repo_with_ignored_files();
    std::fs::remove_file(repo.path(".worktreeinclude")).unwrap();
    repo.commit_all("no include file");
    repo.git(&["config", "--add", "track.include", "target/"]);
    repo.track(&["new", "a"]).ok();
    let wt = repo.worktree("a");
    assert!(wt.join("target/big.bin").is_file());
    assert!(!wt.join(".env").exists());
}

#[test]
fn setup_runs_in_the_new_worktree_with_the_track_environment() {
    let repo = TestRepo::new();
    repo.git(&[
        "config",
        "track.setup",
        "echo \"$GIT_TRACK $GIT_TRACK_INDEX $GIT_TRACK_PORT $(pwd)\" > setup.out; echo progress from setup",
    ]);
    let out = repo.track(&["new", "a"]);
    out.ok()
        .stderr_has("Setting up track 'a': running")
        .stderr_has("progress from setup")
        .stderr_has("Set-up of track 'a' finished");
    // stdout stays the worktree path alone, for cd "$(git track new a)".
    let wt = repo.worktree("a");
    assert_eq!(out.stdout.trim(), wt.display().to_string());
    let seen = std::fs::read_to_string(wt.join("setup.out")).unwrap();
    assert_eq!(seen.trim(), format!("a 1 3010 {}", wt.display()));
}

#[test]
fn a_failed_setup_keeps_the_track_marks_it_and_setup_reruns_it() {
    let repo = TestRepo::new();
    repo.git(&[
        "config",
        "track.setup",
        "test -f ready || { echo not ready >&2; exit 3; }",
    ]);
    let out = repo.track(&["new", "a"]);
    out.code(1)
        .stderr_has("the set-up command 'test -f ready || { echo not ready >&2; exit 3; }' failed (exit 3); track 'a' is kept but not set up")
        .stderr_has("hint: run it again with 'git track setup a'")
        .stderr_has("not ready");
    let wt = repo.worktree("a");
    assert!(wt.is_dir());
    repo.track(&["show", "a"])
        .ok()
        .stderr_has("warning: track 'a' is not set up: its set-up command");
    // Fixed, it runs again and succeeds.
    std::fs::write(wt.join("ready"), "").unwrap();
    repo.track(&["setup", "a"]).ok().stderr_has("finished");
    let shown = repo.track(&["show", "a"]);
    assert!(
        !shown.ok().stderr.contains("not set up"),
        "{}",
        shown.stderr
    );
    // From inside the worktree, the track is found by itself.
    repo.track_in(&wt, &["setup"]).ok();
}

#[test]
fn setup_from_a_file_inside_the_working_tree_is_not_run() {
    let repo = TestRepo::new();
    repo.write("shared.gitconfig", "[track]\n\tsetup = touch pwned\n");
    repo.commit_all("a config someone committed");
    repo.git(&["config", "include.path", "../shared.gitconfig"]);
    repo.track(&["new", "a"])
        .ok()
        .stderr_has("was not run: that file is inside a working tree");
    assert!(!repo.worktree("a").join("pwned").exists());
}

#[test]
fn twenty_tracks_get_twenty_different_ports_and_keep_them() {
    let repo = TestRepo::new();
    let mut ports = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    for i in 0..20 {
        let name = format!("t{i:02}");
        let v = repo
            .track(&["new", &name, "--no-worktree", "--json"])
            .ok()
            .json();
        indexes.insert(v["env"]["index"].as_u64().unwrap());
        ports.insert(v["env"]["port"].as_u64().unwrap());
    }
    assert_eq!(ports.len(), 20);
    assert_eq!(indexes, (1..=20).collect());
    // Stable: asking again gives the same; a removed track's number is given out again.
    repo.track(&["remove", "t04"]).ok();
    let v = repo
        .track(&["new", "late", "--no-worktree", "--json"])
        .ok()
        .json();
    assert_eq!(v["env"]["index"], 5);
    assert_eq!(v["env"]["port"], 3050);
    repo.git(&["config", "track.portBase", "8000"]);
    repo.git(&["config", "track.portStride", "2"]);
    let v = repo
        .track(&["new", "later", "--no-worktree", "--json"])
        .ok()
        .json();
    assert_eq!(v["env"]["index"], 21);
    assert_eq!(v["env"]["port"], 8042);
}

#[test]
fn exec_runs_in_each_worktree_with_prefixed_output_and_a_summary() {
    let repo = TestRepo::new();
    repo.track(&["new", "a"]).ok();
    repo.track(&["new", "bb"]).ok();
    repo.track(&["new", "c", "--no-worktree"]).ok();
    let out = repo.track(&[
        "exec",
        "--all",
        "--parallel",
        "2",
        "--",
        "echo \"$GIT_TRACK $GIT_TRACK_INDEX $GIT_TRACK_PORT\"; echo oops >&2; test \"$GIT_TRACK\" = a",
    ]);
    out.code(1)
        .stdout_has("a  | a 1 3010\n")
        .stdout_has("bb | bb 2 3020\n")
        .stderr_has("a  | oops")
        .stderr_has("c  | skipped: no worktree")
        .stderr_has("bb | exit 1")
        .stderr_has("2 tracks: 1 succeeded, 1 failed");
    // A program and its arguments, one track, JSON.
    let v = repo
        .track(&["exec", "a", "--json", "--", "sh", "-c", "exit 0"])
        .ok()
        .json();
    assert_eq!(v["results"][0]["track"], "a");
    assert_eq!(v["results"][0]["code"], 0);
    assert_eq!(v["failed"], 0);
    repo.track(&["exec", "c", "--", "true"])
        .code(2)
        .stderr_has("track 'c' has no worktree");
    repo.track(&["exec", "nope", "--", "true"]).code(2);
}

#[test]
fn merge_gates_see_the_merged_tracks_environment() {
    let repo = TestRepo::new();
    repo.track(&["new", "p", "--scope", "p/**"]).ok();
    common::write_file(&repo.worktree("p").join("p/x"), "x\n");
    repo.commit_all_in(&repo.worktree("p"), "p");
    let log = repo.tmp.path().join("gates.log");
    let gate = format!(
        "echo \"$GIT_TRACK $GIT_TRACK_INDEX $GIT_TRACK_PORT\" >> {}",
        log.display()
    );
    repo.track(&["merge", "p", "--exec", &gate]).ok();
    assert_eq!(std::fs::read_to_string(log).unwrap(), "p 1 3010\n");
}

#[test]
fn new_adopts_a_worktree_made_by_another_tool() {
    let repo = TestRepo::new();
    let foreign = repo.tmp.path().join("elsewhere");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        foreign.to_str().unwrap(),
    ]);
    let out = repo.track(&[
        "new",
        "feat",
        "--worktree",
        foreign.to_str().unwrap(),
        "--json",
    ]);
    let v = out.ok().json();
    assert_eq!(v["branch"], "feature");
    assert_eq!(
        v["worktree"],
        foreign.canonicalize().unwrap().display().to_string()
    );
    // The adopted worktree is the track's: check finds it from inside.
    repo.track_in(&foreign, &["check"]).ok();
    // Its own worktree was not touched and no second one was made.
    let list = repo.git(&["worktree", "list", "--porcelain"]);
    assert_eq!(list.matches("worktree ").count(), 2, "{list}");
}

#[test]
fn adopting_refuses_what_is_not_a_linked_worktree_of_this_repository() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let plain = repo.tmp.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    repo.track(&["new", "x", "--worktree", plain.to_str().unwrap()])
        .code(2)
        .stderr_has("is not a worktree of this repository");
    repo.track(&["new", "x", "--worktree", repo.root.to_str().unwrap()])
        .code(2)
        .stderr_has("is the main worktree");
    let other = TestRepo::new();
    let theirs = other.tmp.path().join("theirs");
    other.git(&["worktree", "add", "-q", "-b", "t", theirs.to_str().unwrap()]);
    repo.track(&["new", "x", "--worktree", theirs.to_str().unwrap()])
        .code(2)
        .stderr_has("is not a worktree of this repository");
    let detached = repo.tmp.path().join("detached");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        detached.to_str().unwrap(),
    ]);
    repo.track(&["new", "x", "--worktree", detached.to_str().unwrap()])
        .code(2)
        .stderr_has("detached HEAD");
    repo.git(&["worktree", "remove", detached.to_str().unwrap()]);
    assert_eq!(repo.snapshot(), before);
}

/// Tracks: `merged` (merged by git track merge), `squashed` (its change squash-merged by
/// hand), `dirty` (merged, with uncommitted work), `open` (not merged).
fn repo_for_prune() -> TestRepo {
    let repo = TestRepo::new();
    for name in ["merged", "squashed", "dirty", "open"] {
        repo.track(&["new", name, "--scope", &format!("{name}/**")])
            .ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join(format!("{name}/a.txt")), "one\n");
        repo.commit_all_in(&wt, &format!("{name}: one"));
        common::write_file(&wt.join(format!("{name}/b.txt")), "two\n");
        repo.commit_all_in(&wt, &format!("{name}: two"));
    }
    repo.track(&["merge", "merged", "dirty"]).ok();
    // Squash-merge by hand in a scratch worktree of the integration branch.
    let scratch = repo.tmp.path().join("scratch");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        scratch.to_str().unwrap(),
        "integration",
    ]);
    repo.git_in(&scratch, &["merge", "-q", "--squash", "track/squashed"]);
    repo.git_in(&scratch, &["commit", "-q", "-m", "squashed"]);
    repo.git(&["worktree", "remove", scratch.to_str().unwrap()]);
    common::write_file(
        &repo.worktree("dirty").join("dirty/c.txt"),
        "not committed\n",
    );
    repo
}

#[test]
fn prune_dry_run_lists_what_it_would_remove_and_why_the_rest_is_kept() {
    let repo = repo_for_prune();
    let before = repo.snapshot();
    let v = repo.track(&["prune", "--dry-run", "--json"]).ok().json();
    let pruned: Vec<(&str, &str)> = v["pruned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["track"].as_str().unwrap(), p["merged"].as_str().unwrap()))
        .collect();
    assert_eq!(pruned, [("merged", "ancestry"), ("squashed", "content")]);
    let kept: Vec<String> = v["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            format!(
                "{}: {}",
                k["track"].as_str().unwrap(),
                k["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        kept.iter()
            .any(|k| k.starts_with("dirty: uncommitted or untracked changes")),
        "{kept:?}"
    );
    assert!(
        kept.contains(&"open: not merged into 'integration'".to_owned()),
        "{kept:?}"
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn prune_removes_merged_and_squash_merged_worktrees_and_never_unmerged_work() {
    let repo = repo_for_prune();
    let squashed_tip = repo.git(&["rev-parse", "track/squashed"]).trim().to_owned();
    let out = repo.track(&["prune", "--delete-branches"]);
    out.ok()
        .stderr_has("Removed worktree")
        .stderr_has("Saved the tip of 'squashed' to refs/tracks-backup/squashed/branch-")
        .stdout_has("kept: not merged into 'integration'");
    assert!(!repo.worktree("merged").exists());
    assert!(!repo.worktree("squashed").exists());
    assert!(repo.worktree("dirty").join("dirty/c.txt").is_file());
    assert!(repo.worktree("open").is_dir());
    let branches = repo.git(&["branch", "--format=%(refname:short)"]);
    assert!(!branches.contains("track/merged") && !branches.contains("track/squashed"));
    assert!(branches.contains("track/open") && branches.contains("track/dirty"));
    // The squash-merged commits are saved, and the definitions stay, done.
    let backups = repo.git(&[
        "for-each-ref",
        "--format=%(objectname)",
        "refs/tracks-backup/",
    ]);
    assert_eq!(backups.trim(), squashed_tip);
    let v = repo.track(&["show", "merged", "--json"]).ok().json();
    assert_eq!(v["status"], "done");
    assert!(v.get("worktree").is_none());
    // Nothing more to do the second time.
    let v = repo.track(&["prune", "--json"]).ok().json();
    assert_eq!(v["pruned"], serde_json::json!([]));
}

#[test]
fn prune_tidies_the_definition_of_a_merged_track_whose_worktree_was_removed_by_hand() {
    let repo = repo_for_prune();
    std::fs::remove_dir_all(repo.worktree("merged")).unwrap();
    repo.git(&["worktree", "prune"]);
    let v = repo.track(&["prune", "--json"]).ok().json();
    let pruned: Vec<&str> = v["pruned"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["track"].as_str())
        .collect();
    assert!(pruned.contains(&"merged"), "{v}");
    let v = repo.track(&["show", "merged", "--json"]).ok().json();
    assert_eq!(v["status"], "done");
    assert!(v.get("worktree").is_none());
    // The branch stays without --delete-branches.
    repo.git(&["rev-parse", "--verify", "track/merged"]);
}

#[test]
fn attach_sets_up_the_worktree_it_makes() {
    let repo = repo_with_ignored_files();
    repo.git(&[
        "config",
        "track.setup",
        "echo \"$GIT_TRACK $GIT_TRACK_PORT\" > attached.out",
    ]);
    repo.track(&["new", "a", "--no-worktree"]).ok();
    repo.track(&["attach", "a"])
        .ok()
        .stderr_has("Copied .env from the main worktree")
        .stderr_has("Set-up of track 'a' finished");
    let wt = repo.worktree("a");
    assert_eq!(
        std::fs::read_to_string(wt.join("attached.out")).unwrap(),
        "a 3010\n"
    );
}

#[test]
fn compare_exec_commands_see_each_tracks_environment() {
    let repo = TestRepo::new();
    for name in ["x1", "x2"] {
        repo.track(&["new", name, "--experiment", "e", "--hypothesis", "h"])
            .ok();
    }
    let v = repo
        .track(&[
            "compare",
            "e",
            "--json",
            "--exec",
            "echo \"$GIT_TRACK $GIT_TRACK_INDEX $GIT_TRACK_PORT\"",
        ])
        .ok()
        .json();
    let lines: Vec<String> = v["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["runs"][0]["last_line"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(lines, ["x1 1 3010", "x2 2 3020"]);
}
