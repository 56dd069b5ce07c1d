//! Every bad input gets one clear error, exit code 2 (128 when not in a repository), and
//! changes nothing: refs, branches, worktrees and files are as they were.

use crate::common;
use common::TestRepo;

/// Runs `args`, asserts the exit code and message, and that nothing changed.
#[track_caller]
fn refused(repo: &TestRepo, args: &[&str], code: i32, message: &str) {
    let before = repo.snapshot();
    let out = repo.track(args);
    out.code(code).stderr_has(message);
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") || first.starts_with("fatal: "),
        "git-style first line: {}",
        out.stderr
    );
    assert_eq!(repo.snapshot(), before, "{args:?} changed something");
}

#[test]
fn invalid_names_are_refused() {
    let repo = TestRepo::new();
    for (name, why) in [
        ("a/b", "contains '/'"),
        ("a..b", "contains '..'"),
        ("a@{1}", "'@{'"),
        ("-x", "starts with '-'"),
        (".x", "starts with '.'"),
        ("x.lock", "ends with '.lock'"),
        ("a b", "a space"),
        ("a\tb", "contains"),
        ("a\u{1}b", "contains"),
    ] {
        let args = if name.starts_with('-') {
            vec!["new", "--", name]
        } else {
            vec!["new", name]
        };
        refused(
            &repo,
            &args,
            2,
            &format!("invalid track name '{}'", name.escape_debug()),
        );
        refused(&repo, &args, 2, why);
    }
}

#[test]
fn a_duplicate_name_is_refused() {
    let repo = TestRepo::new();
    repo.track(&["new", "auth"]).ok();
    refused(
        &repo,
        &["new", "auth"],
        2,
        "a track named 'auth' already exists",
    );
}

#[test]
fn a_name_differing_only_by_case_is_refused() {
    let repo = TestRepo::new();
    repo.track(&["new", "auth"]).ok();
    refused(&repo, &["new", "Auth"], 2, "differs from it only by case");
}

#[test]
fn an_unknown_dependency_is_refused() {
    let repo = TestRepo::new();
    refused(
        &repo,
        &["new", "a", "--depends-on", "nope"],
        2,
        "unknown track 'nope'",
    );
}

#[test]
fn a_dependency_cycle_is_refused() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree"]).ok();
    repo.track(&["new", "b", "--no-worktree", "--depends-on", "a"])
        .ok();
    repo.track(&["new", "c", "--no-worktree", "--depends-on", "b"])
        .ok();
    refused(
        &repo,
        &["edit", "a", "--add-depends-on", "c"],
        2,
        "dependency cycle: a -> c -> b -> a",
    );
    refused(
        &repo,
        &["new", "d", "--depends-on", "d"],
        2,
        "track 'd' cannot depend on itself",
    );
    refused(
        &repo,
        &["edit", "a", "--depends-on", "a"],
        2,
        "cannot depend on itself",
    );
}

#[test]
fn malformed_globs_are_refused() {
    let repo = TestRepo::new();
    refused(
        &repo,
        &["new", "a", "--scope", "src/["],
        2,
        "invalid glob 'src/['",
    );
    refused(
        &repo,
        &["new", "a", "--contract", "api/{x"],
        2,
        "invalid glob 'api/{x'",
    );
    repo.track(&["new", "b", "--no-worktree"]).ok();
    refused(
        &repo,
        &["edit", "b", "--add-scope", "x/[z"],
        2,
        "invalid glob 'x/[z'",
    );
}

#[test]
fn a_from_that_does_not_resolve_is_refused() {
    let repo = TestRepo::new();
    refused(
        &repo,
        &["new", "a", "--from", "no-such-rev"],
        2,
        "'no-such-rev' does not resolve to a commit",
    );
    refused(
        &repo,
        &["new", "a", "--base", "no-such-base"],
        2,
        "'no-such-base' does not resolve",
    );
    refused(
        &repo,
        &["new", "a", "--branch", "no-such-branch"],
        2,
        "no branch named 'no-such-branch'",
    );
}

#[test]
fn a_worktree_path_that_exists_and_is_not_empty_is_refused() {
    let repo = TestRepo::new();
    common::write_file(&repo.worktree("a").join("keep.txt"), "mine\n");
    refused(&repo, &["new", "a"], 2, "already exists and is not empty");
    assert_eq!(
        std::fs::read_to_string(repo.worktree("a").join("keep.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn a_branch_checked_out_in_another_worktree_is_refused() {
    let repo = TestRepo::new();
    refused(
        &repo,
        &["new", "m", "--branch", "main"],
        2,
        "branch 'main' is already checked out at",
    );
    let out = repo.track(&["new", "m", "--branch", "main"]);
    out.stderr_has("hint: pass --no-worktree");
}

#[test]
fn an_existing_track_branch_is_not_taken_over_silently() {
    let repo = TestRepo::new();
    repo.git(&["branch", "track/a"]);
    refused(
        &repo,
        &["new", "a"],
        2,
        "a branch named 'track/a' already exists",
    );
}

#[test]
fn unknown_tracks_are_refused_by_every_command() {
    let repo = TestRepo::new();
    refused(&repo, &["show", "nope"], 2, "no track named 'nope'");
    refused(
        &repo,
        &["edit", "nope", "--owner", "x"],
        2,
        "no track named 'nope'",
    );
    refused(&repo, &["remove", "nope"], 2, "no track named 'nope'");
    refused(&repo, &["log", "nope"], 2, "no track named 'nope'");
}

#[test]
fn an_edit_with_nothing_to_change_is_refused() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree"]).ok();
    refused(&repo, &["edit", "a"], 2, "nothing to change");
}

#[test]
fn usage_errors_exit_2() {
    let repo = TestRepo::new();
    refused(&repo, &["new"], 2, "error:");
    refused(
        &repo,
        &["new", "a", "--kind", "weird"],
        2,
        "invalid value 'weird'",
    );
    refused(&repo, &["frobnicate"], 2, "unrecognized subcommand");
}

#[test]
fn a_failed_last_step_undoes_the_branch_and_the_worktree() {
    let repo = TestRepo::new();
    // Another writer holds the lock of the definition ref: writing it fails after the
    // branch and the worktree were made, and both must go again.
    std::fs::create_dir_all(repo.path(".git/refs/tracks")).unwrap();
    std::fs::write(repo.path(".git/refs/tracks/b.lock"), "").unwrap();
    let before = repo.snapshot();
    let out = repo.track(&["new", "b"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("refs/tracks/b"), "{}", out.stderr);
    assert_eq!(
        repo.snapshot(),
        before,
        "no branch, worktree or ref remains"
    );
    assert!(!repo.worktree("b").exists());
    std::fs::remove_file(repo.path(".git/refs/tracks/b.lock")).unwrap();
    repo.track(&["new", "b"]).ok();
}

#[test]
fn without_a_worktree_a_failed_definition_leaves_no_branch() {
    let repo = TestRepo::new();
    // The branch and the definition are one ref transaction: both or neither.
    std::fs::create_dir_all(repo.path(".git/refs/tracks")).unwrap();
    std::fs::write(repo.path(".git/refs/tracks/b.lock"), "").unwrap();
    let before = repo.snapshot();
    repo.track(&["new", "b", "--no-worktree"])
        .code(128)
        .stderr_has("refs/tracks/b.lock exists");
    assert_eq!(repo.snapshot(), before, "no branch or ref remains");
    std::fs::remove_file(repo.path(".git/refs/tracks/b.lock")).unwrap();
    repo.track(&["new", "b", "--no-worktree"]).ok();
    assert_eq!(
        repo.git(&["rev-parse", "track/b"]),
        repo.git(&["rev-parse", "main"])
    );
}

#[test]
fn outside_a_repository_is_fatal_128() {
    let repo = TestRepo::new();
    let outside = repo.tmp.path().join("home");
    let out = repo.track_in(&outside, &["list"]);
    out.code(128).stderr_has("fatal: not a git repository");
}

#[test]
fn checking_a_track_whose_branch_is_gone_says_how_to_point_it_at_one() {
    let repo = TestRepo::new();
    repo.track(&["new", "x", "--no-worktree"]).ok();
    repo.git(&["branch", "-q", "-D", "track/x"]);
    refused(
        &repo,
        &["check", "x"],
        2,
        "error: the branch 'track/x' of track 'x' does not exist\nhint: point the track at a branch with 'git track edit x --branch <branch>'\n",
    );
}

#[test]
fn without_an_integration_branch_or_a_base_nothing_is_compared() {
    let repo = TestRepo::new();
    repo.git(&["config", "track.base", "nope"]);
    for command in ["status", "overlap", "ready", "graph"] {
        refused(
            &repo,
            &[command],
            2,
            "error: neither the integration branch 'integration' nor the base 'nope' exists\nhint: set them with 'git track init --integration <branch> --base <rev>'\n",
        );
    }
}
