//! `git track hooks`: pre-commit, pre-push and pre-merge-commit hooks that hold tracks to
//! their scopes, installed beside (never over) the hooks a repository already has.

use crate::common;
use common::TestRepo;
use std::path::{Path, PathBuf};

fn edit(dir: &Path, rel: &str, text: &str) {
    common::write_file(&dir.join(rel), text);
}

/// A repository with tracks `auth` (src/auth/**) and `web` (web/**), hooks installed.
fn with_hooks() -> TestRepo {
    let repo = TestRepo::auth_and_web(&[]);
    repo.track(&["hooks", "install"]).ok();
    repo
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn head(repo: &TestRepo, dir: &Path) -> String {
    repo.git_in(dir, &["rev-parse", "HEAD"]).trim().to_owned()
}

#[test]
fn a_commit_outside_the_scope_is_refused_inside_it_succeeds_and_no_verify_bypasses() {
    let repo = with_hooks();
    let wt = repo.worktree("auth");
    let before = head(&repo, &wt);

    edit(&wt, "web/app.ts", "auth strays into web\n");
    repo.git_in(&wt, &["add", "web/app.ts"]);
    let refused = repo.try_git_in(&wt, &["commit", "-m", "stray"]);
    refused
        .code(1)
        .stderr_has("error: track 'auth' may change only src/auth/**")
        .stderr_has("web/app.ts: outside the scope of track 'auth' (claimed by 'web')")
        .stderr_has("git commit --no-verify");
    assert_eq!(head(&repo, &wt), before);

    repo.git_in(&wt, &["reset", "-q"]);
    repo.git_in(&wt, &["checkout", "--", "web/app.ts"]);
    edit(&wt, "src/auth/login.rs", "fn login() { verify() }\n");
    repo.git_in(&wt, &["add", "src/auth/login.rs"]);
    repo.git_in(&wt, &["commit", "-q", "-m", "in scope"]);
    assert_ne!(head(&repo, &wt), before);

    let in_scope = head(&repo, &wt);
    edit(&wt, "web/app.ts", "on purpose\n");
    repo.git_in(&wt, &["commit", "-q", "--no-verify", "-am", "bypass"]);
    assert_ne!(head(&repo, &wt), in_scope);
}

#[test]
fn commit_all_and_commit_of_paths_are_checked_on_the_index_git_commits() {
    // `git commit -a` and `git commit <path>` hand the hook a temporary index.
    let repo = with_hooks();
    let wt = repo.worktree("auth");
    let before = head(&repo, &wt);
    edit(&wt, "web/app.ts", "stray\n");
    repo.try_git_in(&wt, &["commit", "-am", "all"])
        .code(1)
        .stderr_has("web/app.ts");
    repo.try_git_in(&wt, &["commit", "-m", "only", "web/app.ts"])
        .code(1)
        .stderr_has("web/app.ts");
    assert_eq!(head(&repo, &wt), before);
}

#[test]
fn on_a_branch_that_is_not_a_track_the_hooks_do_nothing() {
    let repo = with_hooks();
    repo.write("web/app.ts", "main may change anything\n");
    repo.git(&["add", "-A"]);
    let out = repo.try_git_in(&repo.root, &["commit", "-m", "main work"]);
    out.ok();
    assert!(!out.stderr.contains("git-track"), "{}", out.stderr);
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
}

#[test]
fn an_existing_hook_still_runs_and_uninstall_restores_it_byte_for_byte() {
    let repo = TestRepo::new();
    repo.write("src/auth/login.rs", "x\n");
    repo.commit_all("layout");
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    let hooks = repo.path(".git/hooks");
    let original = b"#!/bin/sh\n# the team's own hook\necho ran >> \"$(git rev-parse --git-common-dir)/team-hook-ran\"\ntest ! -e \"$(git rev-parse --show-toplevel)/BLOCK\"\n";
    std::fs::write(hooks.join("pre-commit"), original).unwrap();
    make_executable(&hooks.join("pre-commit"));

    repo.track(&["hooks", "install"])
        .ok()
        .stderr_has("the hook that was there runs first");
    let status = repo.track(&["hooks", "status", "--json"]).ok().json();
    assert_eq!(status["hooks"][0]["name"], "pre-commit");
    assert_eq!(status["hooks"][0]["state"], "installed");
    assert!(
        status["hooks"][0]["chained"]
            .as_str()
            .unwrap()
            .ends_with("pre-commit.git-track-chained")
    );

    let wt = repo.worktree("auth");
    edit(&wt, "src/auth/login.rs", "y\n");
    repo.git_in(&wt, &["commit", "-q", "-am", "in scope"]);
    let ran = std::fs::read_to_string(repo.path(".git/team-hook-ran")).unwrap();
    assert_eq!(ran, "ran\n");
    // The team's hook can still refuse a commit on its own.
    edit(&wt, "BLOCK", "");
    edit(&wt, "src/auth/login.rs", "z\n");
    repo.try_git_in(&wt, &["commit", "-q", "-am", "blocked by the team hook"])
        .code(1);

    repo.track(&["hooks", "uninstall"]).ok();
    assert_eq!(std::fs::read(hooks.join("pre-commit")).unwrap(), original);
    assert!(!hooks.join("pre-commit.git-track-chained").exists());
    assert!(!hooks.join("pre-push").exists());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(hooks.join("pre-commit"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
}

#[test]
fn hooks_go_where_core_hooks_path_points() {
    let repo = TestRepo::new();
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    let shared = repo.tmp.path().canonicalize().unwrap().join("team-hooks");
    repo.git(&["config", "core.hooksPath", shared.to_str().unwrap()]);
    let out = repo.track(&["hooks", "install", "--json"]).ok().json();
    assert_eq!(out["dir"], shared.to_str().unwrap());
    assert!(shared.join("pre-commit").exists());
    assert!(!repo.path(".git/hooks/pre-commit").exists());

    let wt = repo.worktree("auth");
    edit(&wt, "web/app.ts", "stray\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.try_git_in(&wt, &["commit", "-m", "stray"])
        .code(1)
        .stderr_has("web/app.ts");

    // Relative to the worktree, as git reads it.
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let out = repo.track(&["hooks", "status", "--json"]).ok().json();
    assert_eq!(out["dir"], repo.path(".githooks").to_str().unwrap());
}

#[test]
fn linked_worktrees_share_the_hooks_installed_from_any_of_them() {
    let repo = TestRepo::new();
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    let wt = repo.worktree("auth");
    let out = repo
        .track_in(&wt, &["hooks", "install", "--json"])
        .ok()
        .json();
    assert_eq!(out["dir"], repo.path(".git/hooks").to_str().unwrap());
    assert!(repo.path(".git/hooks/pre-commit").exists());
}

#[test]
fn install_is_idempotent_and_refuses_rather_than_lose_a_hook() {
    let repo = with_hooks();
    let again = repo.track(&["hooks", "install", "--json"]).ok().json();
    assert_eq!(again["hooks"][0]["action"], "already_installed");
    // Someone replaced our hook while a chained one is still there: refuse, change nothing.
    let hooks = repo.path(".git/hooks");
    std::fs::write(hooks.join("pre-push.git-track-chained"), "#!/bin/sh\n").unwrap();
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\n# someone else's\n").unwrap();
    let listing = |dir: &PathBuf| {
        let mut names: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        names.sort();
        names
    };
    let before = listing(&hooks);
    repo.track(&["hooks", "install"])
        .code(2)
        .stderr_has("error: both")
        .stderr_has("pre-push.git-track-chained");
    assert_eq!(listing(&hooks), before);
    // Uninstall leaves someone else's hook alone.
    repo.track(&["hooks", "uninstall"])
        .ok()
        .stderr_has("is not git-track's hook; left alone");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        "#!/bin/sh\n# someone else's\n"
    );
    assert!(!hooks.join("pre-commit").exists());
    let status = repo.track(&["hooks", "status", "--json"]).ok().json();
    assert_eq!(status["hooks"][0]["state"], "missing");
    assert_eq!(status["hooks"][1]["state"], "other");
}

#[test]
fn without_git_track_on_path_the_hook_warns_and_lets_the_commit_through() {
    let repo = with_hooks();
    let wt = repo.worktree("auth");
    edit(&wt, "web/app.ts", "stray\n");
    let out = repo
        .command("git", &wt)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .args(["commit", "-q", "-am", "no binary"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("git-track is not on PATH"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A bare remote named origin, with main pushed.
fn with_remote(repo: &TestRepo) -> PathBuf {
    let remote = repo.tmp.path().canonicalize().unwrap().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    remote
}

#[test]
fn pushing_a_track_branch_with_commits_outside_its_scope_is_refused() {
    let repo = with_hooks();
    let remote = with_remote(&repo);
    let wt = repo.worktree("auth");
    edit(&wt, "src/auth/login.rs", "in scope\n");
    repo.commit_all_in(&wt, "in scope");
    repo.git_in(&wt, &["push", "-q", "origin", "track/auth"]);

    edit(&wt, "web/app.ts", "stray\n");
    repo.git_in(&wt, &["commit", "-q", "--no-verify", "-am", "stray"]);
    let refused = repo.try_git_in(&wt, &["push", "-q", "origin", "track/auth"]);
    refused
        .code(1)
        .stderr_has("push of refs/heads/track/auth")
        .stderr_has("web/app.ts: outside the scope of track 'auth'")
        .stderr_has("git push --no-verify");
    let remote_tip = repo.git_in(&remote, &["rev-parse", "track/auth"]);
    assert_ne!(remote_tip.trim(), head(&repo, &wt));

    // Pushing another branch, or with --no-verify, is not stopped.
    repo.git(&["push", "-q", "origin", "main"]);
    repo.git_in(&wt, &["push", "-q", "--no-verify", "origin", "track/auth"]);
}

#[test]
fn a_new_track_branch_is_checked_from_its_fork_point_and_a_chained_pre_push_reads_the_same_input() {
    let repo = TestRepo::new();
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    let hooks = repo.path(".git/hooks");
    std::fs::write(
        hooks.join("pre-push"),
        "#!/bin/sh\ncat > \"$(git rev-parse --git-common-dir)/chained-input\"\n",
    )
    .unwrap();
    make_executable(&hooks.join("pre-push"));
    repo.track(&["hooks", "install"]).ok();
    with_remote(&repo);
    let wt = repo.worktree("auth");
    edit(&wt, "web/app.ts", "stray\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.git_in(&wt, &["commit", "-q", "--no-verify", "-m", "stray"]);
    let refused = repo.try_git_in(&wt, &["push", "origin", "track/auth"]);
    refused.code(1).stderr_has("web/app.ts");
    let input = std::fs::read_to_string(repo.path(".git/chained-input")).unwrap();
    assert!(
        input.starts_with(&format!("refs/heads/track/auth {}", head(&repo, &wt))),
        "{input}"
    );
}

#[test]
fn merging_a_track_that_strayed_is_refused_and_one_that_kept_to_its_scope_merges() {
    let repo = with_hooks();
    let auth = repo.worktree("auth");
    edit(&auth, "src/auth/login.rs", "in scope\n");
    repo.commit_all_in(&auth, "auth work");
    let web = repo.worktree("web");
    edit(&web, "src/auth/login.rs", "web strays into auth\n");
    repo.git_in(&web, &["commit", "-q", "--no-verify", "-am", "stray"]);
    edit(&web, "web/app.ts", "web work\n");
    repo.commit_all_in(&web, "web work");
    repo.write("other.txt", "main moved on\n");
    repo.commit_all("main work");
    let before = head(&repo, &repo.root);

    repo.try_git_in(
        &repo.root,
        &["merge", "--no-ff", "-m", "merge web", "track/web"],
    )
    .code(1)
    .stderr_has("merge of track/web")
    .stderr_has("src/auth/login.rs: outside the scope of track 'web' (claimed by 'auth')")
    .stderr_has("git merge --no-verify");
    assert_eq!(head(&repo, &repo.root), before);
    repo.git(&["merge", "--abort"]);

    repo.git(&["merge", "-q", "--no-ff", "-m", "merge auth", "track/auth"]);
    assert_ne!(head(&repo, &repo.root), before);
}

#[test]
fn concluding_a_conflicted_merge_of_a_track_checks_that_track() {
    let repo = with_hooks();
    let web = repo.worktree("web");
    edit(&web, "src/auth/login.rs", "web strays\n");
    repo.git_in(&web, &["commit", "-q", "--no-verify", "-am", "stray"]);
    repo.write("src/auth/login.rs", "main's version\n");
    repo.commit_all("main work");
    let conflict = repo.try_git_in(&repo.root, &["merge", "track/web"]);
    assert_ne!(conflict.code, 0);
    repo.write("src/auth/login.rs", "resolved\n");
    repo.git(&["add", "-A"]);
    repo.try_git_in(&repo.root, &["commit", "--no-edit"])
        .code(1)
        .stderr_has("merge of track/web");
}

#[test]
fn a_track_merging_the_base_in_is_not_held_to_the_base_changes() {
    let repo = with_hooks();
    repo.write("web/app.ts", "main changes web\n");
    repo.commit_all("main work");
    let auth = repo.worktree("auth");
    edit(&auth, "src/auth/login.rs", "auth work\n");
    repo.commit_all_in(&auth, "auth work");
    repo.git_in(&auth, &["merge", "-q", "--no-edit", "main"]);
}

#[test]
fn an_unknown_hook_name_is_bad_input() {
    let repo = TestRepo::new();
    repo.track(&["hooks", "run", "post-checkout"])
        .code(2)
        .stderr_has("error: 'post-checkout' is not a git-track hook");
}

#[test]
fn the_pre_commit_framework_entry_refuses_in_a_track_and_passes_elsewhere() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let entry = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: "))
        .expect("an entry line");
    let words: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(words[0], "git-track");
    let repo = TestRepo::new();
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    let wt = repo.worktree("auth");
    edit(&wt, "web/app.ts", "stray\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.track_in(&wt, &words[1..])
        .code(1)
        .stdout_has("web/app.ts");
    repo.write("web/app.ts", "main\n");
    repo.git(&["add", "-A"]);
    repo.track(&words[1..]).ok();
}
