//! Repositories of the shapes people have: submodules, LFS pointers, a sparse checkout,
//! a shallow clone, SHA-256 objects, a default branch of another name, file names that
//! differ only in case.

use crate::common::scenarios::Scenario;
use crate::common::{self, TestRepo};

fn track_with(repo: &TestRepo, name: &str, scope: &str, files: &[(&str, &str)]) {
    repo.track(&["new", name, "--scope", scope]).ok();
    let wt = repo.worktree(name);
    for (path, text) in files {
        common::write_file(&wt.join(path), text);
    }
    repo.commit_all_in(&wt, &format!("{name}: work"));
}

/// The tree git's own merge machinery makes of `ours` and `theirs`.
fn merge_tree(repo: &TestRepo, ours: &str, theirs: &str) -> (i32, String) {
    let out = repo.try_git_in(&repo.root, &["merge-tree", "--write-tree", ours, theirs]);
    (
        out.code,
        out.stdout.lines().next().unwrap_or_default().to_owned(),
    )
}

fn tree_of(repo: &TestRepo, rev: &str) -> String {
    repo.git(&["rev-parse", &format!("{rev}^{{tree}}")])
        .trim()
        .to_owned()
}

/// Points the gitlink `path` at `commit` in the worktree's index and commits.
fn move_gitlink(repo: &TestRepo, wt: &std::path::Path, path: &str, commit: &str) {
    repo.git_in(
        wt,
        &[
            "update-index",
            "--cacheinfo",
            &format!("160000,{commit},{path}"),
        ],
    );
    repo.git_in(wt, &["commit", "-q", "-m", &format!("move {path}")]);
}

/// A repository whose `vendor/sub` is a submodule (checked out, its repository under
/// `.git/modules/vendor/sub`) at the first of three commits `v0`, `v1`, `v2` made one
/// on the other; the submodule's origin is returned too.
fn with_submodule() -> (TestRepo, std::path::PathBuf, Vec<String>) {
    let repo = TestRepo::new();
    let base = repo.root.parent().expect("parent").to_owned();
    let sub = base.join("sub");
    std::fs::create_dir_all(&sub).expect("sub");
    repo.git_in(&sub, &["init", "-q", "-b", "main"]);
    let mut subs = Vec::new();
    for i in 0..3 {
        common::write_file(&sub.join("lib.txt"), &format!("v{i}\n"));
        subs.push(repo.commit_all_in(&sub, &format!("v{i}")));
    }
    repo.git_in(&sub, &["checkout", "-q", &subs[0]]);
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.to_str().expect("utf8"),
        "vendor/sub",
    ]);
    repo.git_in(&repo.path("vendor/sub"), &["checkout", "-q", &subs[0]]);
    repo.commit_all("add the submodule");
    repo.track(&["init"]).ok();
    (repo, sub, subs)
}

#[test]
fn submodules_changed_by_tracks_merge_as_git_merges_gitlinks() {
    let (repo, sub, subs) = with_submodule();

    // One track moves the submodule, another changes a file: a clean merge.
    repo.track(&["new", "bump", "--scope", "vendor/**"]).ok();
    move_gitlink(&repo, &repo.worktree("bump"), "vendor/sub", &subs[1]);
    track_with(&repo, "docs", "docs/**", &[("docs/a.md", "a\n")]);
    let (code, expected) = merge_tree(&repo, "main", "track/bump");
    assert_eq!(code, 0);
    repo.track(&["merge", "bump", "docs"]).ok();
    let merged = repo.git(&["ls-tree", "integration", "vendor/sub"]);
    assert!(merged.contains(&subs[1]), "{merged}");
    let first = repo.git(&["rev-parse", "integration^1^2"]);
    assert_eq!(tree_of(&repo, "integration^"), expected, "{first}");

    // Another track moves it to a commit beside the first one's that the submodule's
    // repository does not have: git calls that a conflict; so do we.
    repo.git_in(&sub, &["checkout", "-q", "-b", "side", &subs[0]]);
    common::write_file(&sub.join("side.txt"), "side\n");
    let side = repo.commit_all_in(&sub, "side");
    repo.track(&["new", "bump2", "--scope", "vendor/**"]).ok();
    move_gitlink(&repo, &repo.worktree("bump2"), "vendor/sub", &side);
    let (git_code, _) = merge_tree(&repo, "integration", "track/bump2");
    assert_eq!(git_code, 1, "git conflicts");
    repo.track(&["merge", "bump2", "--dry-run"])
        .code(1)
        .stdout_has("conflict in vendor/sub");
}

/// Asserts that `merge <track> --dry-run` and `overlap --level conflicts` judge merging
/// `track` into the integration branch (the base while there is none) as
/// `git merge-tree` does, and that every pair's ordered merge agrees with git's too.
/// Returns git's exit code.
#[track_caller]
fn judged_as_git(s: &Scenario, track: &str) -> i32 {
    let repo = &s.repo;
    let exists = repo
        .try_git_in(&repo.root, &["rev-parse", "-q", "--verify", "integration"])
        .code
        == 0;
    let into = if exists { "integration" } else { "main" };
    let (code, _) = merge_tree(repo, into, &format!("track/{track}"));
    assert!(code == 0 || code == 1, "git merge-tree exit {code}");
    let dry = repo.track(&["merge", track, "--dry-run"]);
    assert_eq!(
        dry.code, code,
        "merge --dry-run against git merge-tree: {}{}",
        dry.stdout, dry.stderr
    );
    if code == 1 {
        dry.stdout_has("conflict in vendor/sub");
    }
    let overlap = repo.track(&["overlap", "--level", "conflicts", "--json"]);
    assert!(overlap.code == 0 || overlap.code == 1, "{}", overlap.stderr);
    let report = overlap.json();
    let judged = report["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .find(|t| t["name"] == track)
        .expect("the track is listed");
    assert_eq!(judged["merges_cleanly"], code == 0, "{report}");
    if exists {
        s.assert_conflicts_agree_with_git(&report);
    }
    code
}

#[test]
fn a_submodule_both_tracks_move_forward_fast_forwards_as_git_does() {
    let (repo, _origin, subs) = with_submodule();
    let s = Scenario { repo };
    let repo = &s.repo;
    repo.track(&["new", "near", "--scope", "vendor/**"]).ok();
    move_gitlink(repo, &repo.worktree("near"), "vendor/sub", &subs[1]);
    repo.track(&["new", "far", "--scope", "vendor/**"]).ok();
    move_gitlink(repo, &repo.worktree("far"), "vendor/sub", &subs[2]);
    assert_eq!(judged_as_git(&s, "near"), 0);
    // v1 merged: far's v2 contains it (theirs contains ours).
    repo.track(&["merge", "near"]).ok();
    assert_eq!(judged_as_git(&s, "far"), 0);
    let (_, expected) = merge_tree(repo, "integration", "track/far");
    repo.track(&["merge", "far"]).ok();
    assert_eq!(tree_of(repo, "integration"), expected);
    let merged = repo.git(&["ls-tree", "integration", "vendor/sub"]);
    assert!(merged.contains(&subs[2]), "{merged}");
    // A third moving it to v1 after v2 is in (ours contains theirs): v2 stays.
    repo.track(&["new", "older", "--scope", "vendor/**"]).ok();
    move_gitlink(repo, &repo.worktree("older"), "vendor/sub", &subs[1]);
    assert_eq!(judged_as_git(&s, "older"), 0);
    let (_, expected) = merge_tree(repo, "integration", "track/older");
    repo.track(&["merge", "older"]).ok();
    assert_eq!(tree_of(repo, "integration"), expected);
    let merged = repo.git(&["ls-tree", "integration", "vendor/sub"]);
    assert!(merged.contains(&subs[2]), "{merged}");
}

#[test]
fn a_submodule_whose_repository_is_absent_is_a_conflict_as_for_git() {
    let (repo, _origin, subs) = with_submodule();
    let s = Scenario { repo };
    let repo = &s.repo;
    repo.track(&["new", "near", "--scope", "vendor/**"]).ok();
    move_gitlink(repo, &repo.worktree("near"), "vendor/sub", &subs[1]);
    repo.track(&["new", "far", "--scope", "vendor/**"]).ok();
    move_gitlink(repo, &repo.worktree("far"), "vendor/sub", &subs[2]);
    repo.track(&["merge", "near"]).ok();
    assert_eq!(judged_as_git(&s, "far"), 0, "checked out");
    // Not checked out: git finds the repository under .git/modules by its name.
    repo.git(&["submodule", "deinit", "-q", "-f", "vendor/sub"]);
    assert!(!repo.path("vendor/sub/.git").exists());
    assert_eq!(judged_as_git(&s, "far"), 0, "under .git/modules");
    // Nowhere: git cannot tell that v2 contains v1.
    std::fs::remove_dir_all(repo.path(".git/modules/vendor/sub")).expect("remove");
    assert_eq!(judged_as_git(&s, "far"), 1, "absent");
    let before = repo.git(&["rev-parse", "integration"]);
    repo.track(&["merge", "far"])
        .code(1)
        .stdout_has("vendor/sub");
    repo.track(&["merge", "--abort"]).ok();
    assert_eq!(repo.git(&["rev-parse", "integration"]), before);
}

#[test]
fn a_submodule_moved_backward_or_aside_is_a_conflict_as_for_git() {
    let (repo, origin, subs) = with_submodule();
    let s = Scenario { repo };
    let repo = &s.repo;
    repo.track(&["new", "mid", "--scope", "vendor/**"]).ok();
    move_gitlink(repo, &repo.worktree("mid"), "vendor/sub", &subs[1]);
    repo.track(&["merge", "mid"]).ok();
    // From v1, one track goes back to v0 and one on to v2: v0 is in v2, but the move to
    // it does not go forward from the merge base, and git stops.
    for (name, to) in [("back", &subs[0]), ("ahead", &subs[2])] {
        repo.track(&["new", name, "--from", "integration", "--scope", "vendor/**"])
            .ok();
        move_gitlink(repo, &repo.worktree(name), "vendor/sub", to);
    }
    repo.track(&["merge", "ahead"]).ok();
    assert_eq!(judged_as_git(&s, "back"), 1, "a rewind");
    // A commit beside v2 that the submodule's repository has: neither contains the other.
    repo.git_in(&origin, &["checkout", "-q", "-b", "side", &subs[1]]);
    common::write_file(&origin.join("side.txt"), "side\n");
    let side = repo.commit_all_in(&origin, "side");
    repo.git_in(&repo.path("vendor/sub"), &["fetch", "-q", "origin", "side"]);
    repo.track(&[
        "new",
        "aside",
        "--from",
        "integration~",
        "--scope",
        "vendor/**",
    ])
    .ok();
    move_gitlink(repo, &repo.worktree("aside"), "vendor/sub", &side);
    assert_eq!(judged_as_git(&s, "aside"), 1, "beside");
}

#[test]
fn lfs_pointer_files_merge_as_the_text_they_are() {
    let repo = TestRepo::new();
    let pointer = |oid: char, size: usize| {
        format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {size}\n",
            oid.to_string().repeat(64)
        )
    };
    repo.write(
        ".gitattributes",
        "*.bin filter=lfs diff=lfs merge=lfs -text\n",
    );
    repo.write("assets/a.bin", &pointer('a', 10));
    repo.write("assets/b.bin", &pointer('b', 20));
    repo.commit_all("pointers");
    track_with(
        &repo,
        "a",
        "assets/a.bin",
        &[("assets/a.bin", &pointer('c', 30))],
    );
    track_with(
        &repo,
        "b",
        "assets/b.bin",
        &[("assets/b.bin", &pointer('d', 40))],
    );
    repo.track(&["overlap", "--level", "conflicts"]).ok();
    repo.track(&["merge", "a", "b"]).ok();
    let a = repo.git(&["show", "integration:assets/a.bin"]);
    assert_eq!(a, pointer('c', 30));
    // A change staged outside the scope is caught as for any file.
    let wt = repo.worktree("a");
    common::write_file(&wt.join("assets/b.bin"), &pointer('e', 1));
    repo.git_in(&wt, &["add", "assets/b.bin"]);
    repo.track_in(&wt, &["check", "--staged"])
        .code(1)
        .stdout_has("assets/b.bin");
}

#[test]
fn a_sparse_checkout_main_worktree_works() {
    let repo = TestRepo::new();
    repo.write("src/lib.rs", "lib\n");
    repo.write("docs/a.md", "a\n");
    repo.commit_all("layout");
    repo.git(&["sparse-checkout", "set", "docs"]);
    assert!(!repo.path("src/lib.rs").exists());
    track_with(&repo, "docs", "docs/**", &[("docs/a.md", "a changed\n")]);
    // The track's worktree is sparse like the one it was made from, as with
    // 'git worktree add'.
    assert!(!repo.worktree("docs").join("src/lib.rs").exists());
    repo.track(&["status"]).ok();
    repo.track(&["overlap", "--level", "conflicts"]).ok();
    repo.track(&["merge", "docs", "--checkpoint"]).ok();
    assert_eq!(repo.git(&["show", "integration:docs/a.md"]), "a changed\n");
    assert_eq!(repo.git(&["show", "integration:src/lib.rs"]), "lib\n");
    assert!(!repo.path("src/lib.rs").exists(), "main stays sparse");
}

/// The sparse-checkout patterns of a worktree, one a line.
fn sparse_list(repo: &TestRepo, wt: &std::path::Path) -> String {
    repo.git_in(wt, &["sparse-checkout", "list"])
}

#[test]
fn a_track_worktree_from_a_sparse_main_worktree_holds_its_scope() {
    let repo = TestRepo::new();
    for (path, text) in [
        ("src/lib.rs", "lib\n"),
        ("src/auth/login.rs", "login\n"),
        ("docs/a.md", "a\n"),
        ("web/app.js", "app\n"),
        ("tools/run.sh", "run\n"),
    ] {
        repo.write(path, text);
    }
    repo.commit_all("layout");
    repo.git(&["sparse-checkout", "set", "docs"]);
    assert!(!repo.path("src/auth/login.rs").exists());
    // Before: the worktree was sparse by main's patterns only, so the track's own files
    // were missing and git refused to stage them.
    track_with(
        &repo,
        "auth",
        "src/auth/**",
        &[("src/auth/login.rs", "login changed\n")],
    );
    let wt = repo.worktree("auth");
    assert_eq!(sparse_list(&repo, &wt), "docs\nsrc/auth\n");
    assert!(wt.join("docs/a.md").exists(), "main's patterns are kept");
    assert!(
        !wt.join("web/app.js").exists(),
        "still sparse outside the scope"
    );
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(
        repo.git_in(&wt, &["show", "HEAD:src/auth/login.rs"]),
        "login changed\n"
    );
    // A file pattern brings in its folder; a scope that could be anywhere keeps the
    // user's sparse checkout, and so does an empty one.
    repo.track(&["new", "run", "--scope", "tools/run.sh"]).ok();
    assert!(repo.worktree("run").join("tools/run.sh").exists());
    // A worktree made again (reopen) holds the scope too.
    repo.track(&["cancel", "run"]).ok();
    assert!(!repo.worktree("run").exists());
    repo.track(&["reopen", "run"]).ok();
    assert!(repo.worktree("run").join("tools/run.sh").exists());
    repo.track(&["new", "rust", "--scope", "**/*.rs"]).ok();
    assert_eq!(sparse_list(&repo, &repo.worktree("rust")), "docs\n");
    repo.track(&["new", "all"]).ok();
    assert_eq!(sparse_list(&repo, &repo.worktree("all")), "docs\n");
    // Main is untouched; the work merges.
    assert_eq!(sparse_list(&repo, &repo.root), "docs\n");
    assert!(!repo.path("src/auth/login.rs").exists());
    repo.track(&["merge", "auth"]).ok();
    assert_eq!(
        repo.git(&["show", "integration:src/auth/login.rs"]),
        "login changed\n"
    );
}

#[test]
fn a_track_worktree_from_a_non_cone_sparse_worktree_holds_its_scope() {
    let repo = TestRepo::new();
    for (path, text) in [
        ("src/auth/login.rs", "login\n"),
        ("src/lib.rs", "lib\n"),
        ("docs/a.md", "a\n"),
        ("Cargo.toml", "[package]\n"),
    ] {
        repo.write(path, text);
    }
    repo.commit_all("layout");
    repo.git(&["sparse-checkout", "set", "--no-cone", "/docs/"]);
    assert!(!repo.path("Cargo.toml").exists());
    repo.track(&["new", "auth", "--scope", "src/auth/", "--scope", "*.toml"])
        .ok();
    let wt = repo.worktree("auth");
    assert!(wt.join("src/auth/login.rs").exists());
    assert!(wt.join("Cargo.toml").exists());
    assert!(wt.join("docs/a.md").exists());
    assert!(!wt.join("src/lib.rs").exists());
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
}

#[test]
fn a_shallow_clone_refuses_clearly_where_history_is_missing() {
    let origin = TestRepo::new();
    for i in 0..3 {
        origin.write("main.txt", &format!("{i}\n"));
        origin.commit_all(&format!("main {i}"));
    }
    origin.git(&["branch", "topic", "HEAD~2"]);
    origin.git(&["checkout", "-q", "topic"]);
    origin.write("topic.txt", "topic\n");
    origin.commit_all("topic work");
    origin.git(&["checkout", "-q", "main"]);
    let base = origin.root.parent().expect("parent").to_owned();
    origin.git_in(
        &base,
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &format!("file://{}", origin.root.display()),
            "shallow",
        ],
    );
    let shallow = base.join("shallow");
    origin.git_in(&shallow, &["branch", "topic", "origin/topic"]);
    let run = |args: &[&str]| origin.track_in(&shallow, args);
    run(&["init"]).ok();
    // A track made here has all the history it needs.
    run(&["new", "fresh", "--no-worktree", "--scope", "f/**"]).ok();
    // One adopted from a branch whose fork point was cut off cannot be merged.
    run(&["new", "topic", "--branch", "topic", "--no-worktree"]).ok();
    let before = origin.git_in(&shallow, &["for-each-ref"]);
    let out = run(&["merge", "topic"]);
    assert!(
        out.code == 2 || out.code == 128 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    assert!(
        out.stderr.contains("shallow clone") && out.stderr.contains("--unshallow"),
        "names the cause: {}",
        out.stderr
    );
    let integration = origin.try_git_in(&shallow, &["rev-parse", "-q", "--verify", "integration"]);
    if integration.code == 0 {
        // Never a merge of unrelated histories.
        let log = origin.git_in(&shallow, &["log", "--oneline", "integration"]);
        assert!(!log.contains("topic"), "{log}");
    }
    let _ = before;
}

#[test]
fn a_sha256_repository_works_or_is_refused_naming_the_object_format() {
    let repo = TestRepo::empty();
    let dir = repo.root.parent().expect("parent").join("sha256");
    repo.git_in(
        repo.root.parent().expect("parent"),
        &[
            "init",
            "-q",
            "-b",
            "main",
            "--object-format=sha256",
            "sha256",
        ],
    );
    common::write_file(&dir.join("a.txt"), "a\n");
    repo.commit_all_in(&dir, "first");
    let out = repo.track_in(&dir, &["new", "a", "--scope", "a/**"]);
    if out.code == 0 {
        repo.track_in(&dir, &["list"]).ok();
    } else {
        assert!(out.code == 128 || out.code == 2, "{}", out.stderr);
        assert!(
            out.stderr
                .starts_with("fatal: this repository uses SHA-256"),
            "names the object format: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

#[test]
fn a_default_branch_named_trunk_is_the_base() {
    let repo = TestRepo::empty();
    repo.git(&["checkout", "-q", "-b", "trunk"]);
    repo.write("README.md", "x\n");
    repo.commit_all("first");
    repo.track(&["init"]).ok();
    track_with(&repo, "a", "a/**", &[("a/x.txt", "x\n")]);
    let show = repo.track(&["show", "a", "--json"]).ok().json();
    assert_eq!(show["base"]["ref"], "trunk", "{show}");
    repo.track(&["merge", "a"]).ok();
    assert!(
        repo.git(&["log", "--oneline", "integration"])
            .contains("first")
    );
}

#[test]
fn names_differing_only_in_case_from_two_tracks_are_both_kept() {
    let repo = TestRepo::new();
    track_with(&repo, "upper", "docs/**", &[("docs/Guide.md", "upper\n")]);
    track_with(&repo, "lower", "docs/**", &[("docs/guide.md", "lower\n")]);
    let overlap = repo.track(&["overlap", "--level", "files"]);
    assert!(overlap.code == 0 || overlap.code == 1, "{}", overlap.stderr);
    repo.track(&["merge", "upper", "lower"]).ok();
    let files = repo.git(&["ls-tree", "--name-only", "integration", "docs/"]);
    assert_eq!(files, "docs/Guide.md\ndocs/guide.md\n");
}
