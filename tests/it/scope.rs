//! `git track scope` (who claims which file) and the scope lint of `new` and `edit`.

use crate::common;
use common::TestRepo;

fn layout() -> TestRepo {
    let repo = TestRepo::new();
    for f in [
        "src/auth/login.rs",
        "src/auth/token.rs",
        "src/shared/util.rs",
        "web/app.ts",
        "Cargo.lock",
    ] {
        repo.write(f, "x\n");
    }
    repo.commit_all("layout");
    repo
}

#[test]
fn scope_lists_each_tracks_files_the_contested_ones_and_the_unclaimed() {
    let repo = layout();
    repo.track(&[
        "new",
        "auth",
        "--scope",
        "src/auth/**",
        "--scope",
        "src/shared/**",
    ])
    .ok();
    repo.track(&[
        "new",
        "core",
        "--scope",
        "src/**",
        "--scope",
        "!src/auth/**",
    ])
    .ok();
    repo.track(&["new", "free"]).ok();
    repo.track(&["new", "old", "--scope", "web/**"]).ok();
    repo.track(&["edit", "old", "--status", "cancelled"]).ok();
    repo.git(&["config", "--add", "track.sharedPaths", "Cargo.lock"]);

    let json = repo.track(&["scope", "--json"]).ok().json();
    assert_eq!(json["files"], 6);
    let tracks = json["tracks"].as_array().unwrap();
    assert_eq!(
        tracks.len(),
        2,
        "cancelled and unscoped tracks claim nothing: {json}"
    );
    assert_eq!(tracks[0]["name"], "auth");
    assert_eq!(
        tracks[0]["files"],
        serde_json::json!([
            "src/auth/login.rs",
            "src/auth/token.rs",
            "src/shared/util.rs"
        ])
    );
    assert_eq!(tracks[1]["name"], "core");
    assert_eq!(
        tracks[1]["files"],
        serde_json::json!(["src/shared/util.rs"])
    );
    assert_eq!(json["unscoped"], serde_json::json!(["free"]));
    assert_eq!(
        json["contested"],
        serde_json::json!([{"path": "src/shared/util.rs", "tracks": ["auth", "core"]}])
    );
    assert_eq!(json["shared"], serde_json::json!(["Cargo.lock"]));
    assert_eq!(
        json["unclaimed"],
        serde_json::json!(["README.md", "web/app.ts"])
    );

    let text = repo.track(&["scope"]).ok().stdout.clone();
    assert!(text.contains("claimed by two or more tracks: 1"), "{text}");
    assert!(text.contains("src/shared/util.rs  auth, core"), "{text}");
    assert!(text.contains("claimed by no track: 2"), "{text}");
    assert!(text.contains("everything (no scope set)"), "{text}");
}

#[test]
fn new_warns_when_its_scope_claims_files_another_track_claims_but_still_creates_it() {
    let repo = layout();
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    let out = repo.track(&[
        "new",
        "security",
        "--scope",
        "src/**/token.rs",
        "--scope",
        "src/auth/login.rs",
    ]);
    out.ok()
        .stderr_has("warning: the scope of 'security' claims 2 files that track 'auth' also claims: src/auth/login.rs, src/auth/token.rs");
    repo.track(&["show", "security"]).ok();
    // No overlap, no warning.
    let quiet = repo.track(&["new", "web", "--scope", "web/**"]);
    assert!(!quiet.ok().stderr.contains("warning"), "{}", quiet.stderr);
}

#[test]
fn edit_warns_when_a_scope_change_makes_an_overlap_and_names_only_a_few_files() {
    let repo = layout();
    repo.track(&["new", "auth", "--scope", "src/**"]).ok();
    repo.track(&["new", "web", "--scope", "web/**"]).ok();
    repo.track(&["edit", "web", "--add-scope", "src/**"])
        .ok()
        .stderr_has("warning: the scope of 'web' claims 3 files that track 'auth' also claims: src/auth/login.rs, src/auth/token.rs, src/shared/util.rs");
    repo.write("src/more.rs", "x\n");
    repo.write("src/evenmore.rs", "x\n");
    repo.commit_all("more");
    repo.git_in(&repo.worktree("web"), &["merge", "-q", "main"]);
    repo.track(&["edit", "web", "--remove-scope", "web/**"])
        .ok()
        .stderr_has("claims 5 files that track 'auth' also claims: src/auth/login.rs, src/auth/token.rs, src/evenmore.rs, and 2 more");
    // Edits that leave the scope alone say nothing about it.
    let out = repo.track(&["edit", "web", "--owner", "someone"]);
    assert!(!out.ok().stderr.contains("warning"), "{}", out.stderr);
}
