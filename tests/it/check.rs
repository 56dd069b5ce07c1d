//! `git track check`: holding a track's changes to its scope, in every mode.

use crate::common;
use common::TestRepo;
use std::path::Path;

/// A repository with `src/auth/login.rs`, `web/app.ts` and `api/schema.json`, and tracks
/// `auth` (src/auth/**) and `web` (web/**), each with a worktree.
fn two_tracks() -> TestRepo {
    TestRepo::auth_and_web(&[("api/schema.json", "{}\n")])
}

fn edit(dir: &Path, rel: &str, text: &str) {
    common::write_file(&dir.join(rel), text);
}

/// Replaces a stored definition with `toml`, as a hand edit of the ref would.
fn overwrite_definition(repo: &TestRepo, name: &str, toml: &str) {
    let blob = repo.git_fed(&repo.root, &["hash-object", "-w", "--stdin"], toml);
    let tree = repo.git_fed(
        &repo.root,
        &["mktree"],
        &format!("100644 blob {}\ttrack.toml\n", blob.trim()),
    );
    let parent = format!("refs/tracks/{name}");
    let commit = repo.git(&["commit-tree", tree.trim(), "-p", &parent, "-m", "hand edit"]);
    repo.git(&["update-ref", &parent, commit.trim()]);
}

#[test]
fn staged_paths_outside_the_scope_are_violations_naming_who_claims_them() {
    let repo = two_tracks();
    let wt = repo.worktree("auth");
    edit(&wt, "src/auth/login.rs", "fn login() { check() }\n");
    edit(&wt, "web/app.ts", "changed\n");
    edit(&wt, "README.md", "changed\n");
    repo.git_in(&wt, &["add", "-A"]);

    let out = repo.track_in(&wt, &["check", "--staged"]);
    out.code(1)
        .stdout_has("web/app.ts: outside the scope of track 'auth' (claimed by 'web')")
        .stdout_has("README.md: outside the scope of track 'auth'")
        .stderr_has("track 'auth' may change only src/auth/**");
    assert!(!out.stdout.contains("login.rs"), "{}", out.stdout);

    let json = repo
        .track_in(&wt, &["check", "--staged", "--json"])
        .code(1)
        .json();
    assert_eq!(json["track"], "auth");
    assert_eq!(json["mode"], "staged");
    assert_eq!(json["checked"], 3);
    let v = json["violations"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["path"], "README.md");
    assert_eq!(v[0]["reason"], "outside_scope");
    assert_eq!(v[0]["claimed_by"], serde_json::json!([]));
    assert_eq!(v[1]["path"], "web/app.ts");
    assert_eq!(v[1]["claimed_by"], serde_json::json!(["web"]));
    assert_eq!(v[1]["contract_of"], serde_json::Value::Null);
}

#[test]
fn staged_sees_only_the_index_not_unstaged_or_untracked_work() {
    let repo = two_tracks();
    let wt = repo.worktree("auth");
    edit(&wt, "src/auth/login.rs", "staged\n");
    repo.git_in(&wt, &["add", "src/auth/login.rs"]);
    edit(&wt, "web/app.ts", "unstaged\n");
    edit(&wt, "web/new.ts", "untracked\n");
    repo.track_in(&wt, &["check", "--staged"])
        .ok()
        .stderr_has("1 path checked");
}

/// The violations of `check --staged` in `wt` equal `git diff --cached --name-only`
/// (for a track whose scope covers none of the changed paths).
#[track_caller]
fn assert_staged_matches_git(repo: &TestRepo, wt: &Path) {
    let git = repo.git_in(wt, &["diff", "--cached", "--name-only", "--no-renames"]);
    let mut expected: Vec<&str> = git.lines().collect();
    expected.sort();
    assert!(!expected.is_empty());
    let json = repo.track_in(wt, &["check", "--staged", "--json"]).json();
    let ours: Vec<&str> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(ours, expected);
    assert_eq!(json["checked"], expected.len());
}

#[test]
fn staged_agrees_with_git_diff_cached_on_adds_deletes_modes_and_folders() {
    let repo = two_tracks();
    repo.track(&["new", "none", "--scope", "nothing/**"]).ok();
    let wt = repo.worktree("none");
    let change = |round: &str| {
        // An added folder, a deleted folder, a file turned into a folder, a mode change.
        edit(&wt, &format!("new{round}/deep/a.txt"), "a\n");
        edit(&wt, &format!("new{round}/b.txt"), "b\n");
        repo.git_in(&wt, &["rm", "-q", "-r", "api"]);
        repo.git_in(&wt, &["rm", "-q", "README.md"]);
        edit(&wt, "README.md/inside.txt", "x\n");
        repo.git_in(&wt, &["update-index", "--chmod=+x", "web/app.ts"]);
        repo.git_in(&wt, &["add", "-A"]);
    };
    // A fresh worktree's index has no cached trees: everything is compared.
    change("1");
    assert_staged_matches_git(&repo, &wt);
    // After a commit the cached trees are valid, and unchanged folders are skipped.
    repo.git_in(&wt, &["reset", "-q", "--hard"]);
    edit(&wt, "web/deep/x.ts", "x\n");
    edit(&wt, "src/auth/login.rs", "y\n");
    repo.commit_all_in(&wt, "more files");
    edit(&wt, "web/deep/x.ts", "changed\n");
    edit(&wt, "src/auth/zzz.rs", "added\n");
    repo.git_in(&wt, &["rm", "-q", "src/auth/login.rs"]);
    change("2");
    assert_staged_matches_git(&repo, &wt);
}

#[test]
fn staged_on_a_fresh_worktree_without_cached_trees_still_finds_the_change() {
    // Worktrees made by `git track new` come with an index that holds no cached trees.
    let repo = two_tracks();
    let wt = repo.worktree("web");
    edit(&wt, "src/auth/login.rs", "x\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.track_in(&wt, &["check", "--staged"])
        .code(1)
        .stdout_has("src/auth/login.rs: outside the scope of track 'web' (claimed by 'auth')");
}

#[test]
fn default_mode_checks_commits_since_the_fork_point_and_uncommitted_work() {
    let repo = two_tracks();
    let wt = repo.worktree("auth");
    edit(&wt, "web/app.ts", "committed\n");
    repo.commit_all_in(&wt, "touch web");
    edit(&wt, "docs/untracked.md", "new\n");
    // The base moving on does not count against the track.
    repo.write("elsewhere.txt", "main moves\n");
    repo.commit_all("main moves");

    let json = repo.track_in(&wt, &["check", "--json"]).code(1).json();
    assert_eq!(json["mode"], "track");
    let paths: Vec<&str> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["docs/untracked.md", "web/app.ts"]);
    assert_eq!(
        json["from"].as_str().unwrap(),
        repo.git(&["merge-base", "main", "track/auth"]).trim()
    );
    // From elsewhere, naming the track, the same.
    repo.track(&["check", "auth"])
        .code(1)
        .stdout_has("web/app.ts")
        .stdout_has("docs/untracked.md");
}

#[test]
fn a_track_synced_with_the_integration_branch_is_judged_on_its_own_changes() {
    let repo = two_tracks();
    repo.git(&["branch", "integration", "main"]);
    let web = repo.worktree("web");
    edit(&web, "web/app.ts", "web work\n");
    repo.commit_all_in(&web, "web work");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge web", "track/web"]);
    repo.git(&["branch", "-f", "integration", "main"]);
    let auth = repo.worktree("auth");
    edit(&auth, "src/auth/login.rs", "auth work\n");
    repo.commit_all_in(&auth, "auth work");
    repo.git_in(&auth, &["merge", "-q", "--no-edit", "integration"]);
    repo.track_in(&auth, &["check"]).ok();
}

#[test]
fn a_rename_counts_as_its_old_and_its_new_path() {
    let repo = two_tracks();
    let wt = repo.worktree("auth");
    repo.git_in(&wt, &["mv", "web/app.ts", "src/auth/app.ts"]);
    repo.commit_all_in(&wt, "move");
    let base = repo.git(&["rev-parse", "main"]).trim().to_owned();
    let json = repo
        .track_in(
            &wt,
            &["check", "--range", &format!("{base}..HEAD"), "--json"],
        )
        .code(1)
        .json();
    assert_eq!(json["mode"], "range");
    assert_eq!(json["checked"], 2);
    assert_eq!(json["violations"][0]["path"], "web/app.ts");
    assert_eq!(json["violations"].as_array().unwrap().len(), 1);
}

#[test]
fn range_checks_what_b_brings_since_it_met_a() {
    let repo = two_tracks();
    let wt = repo.worktree("auth");
    edit(&wt, "src/auth/login.rs", "ok\n");
    repo.commit_all_in(&wt, "in scope");
    repo.write("web/app.ts", "main's own change\n");
    repo.commit_all("main");
    // main's change to web/app.ts is not in track/auth: not counted.
    repo.track_in(&wt, &["check", "--range", "main..HEAD"]).ok();
    repo.track_in(&wt, &["check", "--range", "main.."]).ok();
    edit(&wt, "web/app.ts", "out of scope\n");
    repo.commit_all_in(&wt, "out of scope");
    repo.track_in(&wt, &["check", "--range", "main..HEAD"])
        .code(1)
        .stdout_has("web/app.ts");
}

#[test]
fn path_mode_answers_for_paths_relative_to_the_current_folder() {
    let repo = two_tracks();
    let wt = repo.worktree("auth");
    repo.track_in(&wt, &["check", "--path", "src/auth/new.rs"])
        .ok();
    repo.track_in(
        &wt.join("src"),
        &["check", "--path", "auth/x.rs", "../web/app.ts"],
    )
    .code(1)
    .stdout_has("web/app.ts: outside the scope of track 'auth' (claimed by 'web')");
    let abs = wt.join("web/app.ts");
    repo.track(&["check", "auth", "--path", abs.to_str().unwrap()])
        .code(1)
        .stdout_has("web/app.ts");
    repo.track_in(&wt, &["check", "--path", "/elsewhere/file"])
        .code(2)
        .stderr_has("error: '/elsewhere/file' is not a file of this repository");
}

#[test]
fn shared_paths_from_config_and_gittracks_are_allowed_for_every_track() {
    let repo = two_tracks();
    repo.write(
        ".gittracks",
        "# shared by all tracks\nCHANGELOG.md\n\n**/*.lock\n",
    );
    repo.commit_all("shared paths");
    repo.git(&["config", "--add", "track.sharedPaths", "README.md"]);
    let wt = repo.worktree("auth");
    repo.track_in(
        &wt,
        &[
            "check",
            "--path",
            "CHANGELOG.md",
            "README.md",
            "web/yarn.lock",
            "Cargo.lock",
        ],
    )
    .ok();
    repo.track_in(&wt, &["check", "--path", "web/app.ts"])
        .code(1);
}

#[test]
fn gittracks_on_the_track_branch_does_not_widen_the_track() {
    let repo = two_tracks();
    let wt = repo.worktree("auth");
    edit(&wt, ".gittracks", "web/**\n");
    repo.commit_all_in(&wt, "try to share web");
    repo.track_in(&wt, &["check", "--path", "web/app.ts"])
        .code(1);
}

#[test]
fn another_tracks_contract_is_a_violation_even_when_shared() {
    let repo = two_tracks();
    repo.track(&[
        "new",
        "api",
        "--scope",
        "api/**",
        "--contract",
        "api/schema.json",
    ])
    .ok();
    repo.git(&["config", "--add", "track.sharedPaths", "api/schema.json"]);
    let auth = repo.worktree("auth");
    let json = repo
        .track_in(&auth, &["check", "--path", "api/schema.json", "--json"])
        .code(1)
        .json();
    assert_eq!(json["violations"][0]["reason"], "contract");
    assert_eq!(json["violations"][0]["contract_of"], "api");
    assert_eq!(
        json["violations"][0]["claimed_by"],
        serde_json::json!(["api"])
    );
    repo.track_in(&auth, &["check", "--path", "api/schema.json"])
        .code(1)
        .stdout_has("api/schema.json: a contract of track 'api' (claimed by 'api')");
    // In the track's own scope a contract may change; and a track may change its own.
    repo.track(&["edit", "auth", "--add-scope", "api/schema.json"])
        .ok();
    repo.track_in(&auth, &["check", "--path", "api/schema.json"])
        .ok();
    repo.track(&["edit", "api", "--scope", "other/**"]).ok();
    repo.track_in(
        &repo.worktree("api"),
        &["check", "--path", "api/schema.json"],
    )
    .ok();
}

#[test]
fn contracts_and_claims_of_finished_tracks_no_longer_count() {
    let repo = two_tracks();
    repo.track(&["edit", "web", "--contract", "web/app.ts"])
        .ok();
    let auth = repo.worktree("auth");
    repo.track_in(&auth, &["check", "--path", "web/app.ts", "--json"])
        .code(1);
    repo.track(&["edit", "web", "--status", "done"]).ok();
    let json = repo
        .track_in(&auth, &["check", "--path", "web/app.ts", "--json"])
        .code(1)
        .json();
    assert_eq!(json["violations"][0]["reason"], "outside_scope");
    assert_eq!(json["violations"][0]["claimed_by"], serde_json::json!([]));
}

#[test]
fn an_empty_scope_allows_everything() {
    let repo = two_tracks();
    repo.track(&["new", "free"]).ok();
    let wt = repo.worktree("free");
    edit(&wt, "web/app.ts", "x\n");
    edit(&wt, "anything/at/all.txt", "x\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.track_in(&wt, &["check", "--staged"])
        .ok()
        .stderr_has("everything (no scope set)");
}

#[test]
fn excludes_carve_out_of_the_scope_and_the_last_match_wins() {
    let repo = two_tracks();
    repo.track(&[
        "edit",
        "auth",
        "--scope",
        "src/**",
        "--add-scope",
        "!src/gen/**",
        "--add-scope",
        "src/gen/keep.rs",
    ])
    .ok();
    let wt = repo.worktree("auth");
    repo.track_in(&wt, &["check", "--path", "src/a.rs", "src/gen/keep.rs"])
        .ok();
    repo.track_in(&wt, &["check", "--path", "src/gen/x.rs"])
        .code(1);
}

#[test]
fn bad_input_exits_2_with_one_clear_error_and_changes_nothing() {
    let repo = two_tracks();
    let before = repo.snapshot();
    repo.track(&["check", "nope"])
        .code(2)
        .stderr_has("error: no track named 'nope'");
    repo.track(&["check"])
        .code(2)
        .stderr_has("error: this worktree does not belong to a track");
    repo.track(&["check", "auth", "--range", "main..no-such-rev"])
        .code(2)
        .stderr_has("error: 'no-such-rev' does not resolve to a commit");
    repo.track(&["check", "auth", "--range", "main"])
        .code(2)
        .stderr_has("error: 'main' is not a range");
    repo.track(&["check", "auth", "--staged", "--path", "x"])
        .code(2);
    repo.track(&["check", "auth", "--format", "yaml"]).code(2);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_malformed_glob_in_a_stored_definition_is_bad_input_naming_the_track() {
    let repo = two_tracks();
    let toml = repo.git(&["show", "refs/tracks/web:track.toml"]);
    overwrite_definition(&repo, "web", &toml.replace("\"web/**\"", "\"web/[\""));
    // Checking web itself, or auth (whose violations name web's claims): both refuse.
    repo.track(&["check", "web", "--path", "x"])
        .code(2)
        .stderr_has("error: track 'web' has an invalid scope: invalid glob 'web/['")
        .stderr_has("hint: fix it with 'git track edit web --scope <glob>...'");
    repo.track(&["check", "auth", "--path", "x"])
        .code(2)
        .stderr_has("track 'web' has an invalid scope");
}

#[test]
fn a_malformed_shared_path_is_bad_input_naming_where_it_is() {
    let repo = two_tracks();
    repo.write(".gittracks", "ok.txt\nsrc/[\n");
    repo.commit_all("bad shared");
    repo.track(&["check", "auth", "--path", "x"])
        .code(2)
        .stderr_has("error: .gittracks line 2: invalid glob 'src/['");
    repo.git(&["rm", "-q", ".gittracks"]);
    repo.git(&["commit", "-q", "-m", "fix"]);
    repo.git(&["config", "--add", "track.sharedPaths", "a{b"]);
    repo.track(&["check", "auth", "--path", "x"])
        .code(2)
        .stderr_has("error: track.sharedPaths: invalid glob 'a{b'");
}

#[test]
fn if_track_does_nothing_outside_a_track() {
    let repo = two_tracks();
    repo.write("web/app.ts", "main edits\n");
    repo.git(&["add", "-A"]);
    let out = repo.track(&["check", "--staged", "--if-track"]);
    out.ok();
    assert_eq!(out.stdout, "");
    let json = repo
        .track(&["check", "--staged", "--if-track", "--json"])
        .ok()
        .json();
    assert_eq!(json["track"], serde_json::Value::Null);
    repo.track_in(&repo.worktree("auth"), &["check", "--staged", "--if-track"])
        .ok();
}

#[test]
fn a_merge_in_progress_in_a_track_is_judged_on_its_own_resolution_only() {
    let repo = two_tracks();
    // main gains a web change; auth merges main with a conflict in its own file.
    repo.write("web/app.ts", "from main\n");
    repo.write("src/auth/login.rs", "main's login\n");
    repo.commit_all("main work");
    let wt = repo.worktree("auth");
    edit(&wt, "src/auth/login.rs", "auth's login\n");
    repo.commit_all_in(&wt, "auth work");
    let merge = repo.try_git_in(&wt, &["merge", "-q", "main"]);
    assert_ne!(merge.code, 0, "expected a conflict");
    edit(&wt, "src/auth/login.rs", "resolved\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.track_in(&wt, &["check", "--staged"])
        .ok()
        .stderr_has("1 path checked");
}
