//! `git track check --format claude-code`: an agent's pre-edit hook, answered in Claude
//! Code's PreToolUse protocol, from payloads in the shape Claude Code sends.

use crate::common;
use common::TestRepo;
use std::path::Path;

fn repo_with_auth() -> TestRepo {
    TestRepo::auth_and_web(&[])
}

/// A payload fixture with the worktree and the file filled in.
fn payload(fixture: &str, worktree: &Path, file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/claude-code")
        .join(fixture);
    std::fs::read_to_string(path)
        .expect("fixture")
        .replace("@WORKTREE@", worktree.to_str().expect("utf8"))
        .replace("@FILE@", file)
}

fn decision(out: &common::Out) -> serde_json::Value {
    out.json()["hookSpecificOutput"].clone()
}

#[test]
fn an_edit_outside_the_scope_is_denied_naming_the_track_and_its_scope() {
    let repo = repo_with_auth();
    let wt = repo.worktree("auth");
    let out = repo.track_stdin(
        &wt,
        &["check", "--format", "claude-code"],
        &payload("pre-tool-use-edit.json", &wt, "web/app.ts"),
    );
    out.ok();
    let d = decision(&out);
    assert_eq!(d["hookEventName"], "PreToolUse");
    assert_eq!(d["permissionDecision"], "deny");
    let reason = d["permissionDecisionReason"].as_str().unwrap();
    assert!(
        reason.contains("track 'auth' may change only src/auth/**"),
        "{reason}"
    );
    assert!(
        reason.contains("web/app.ts: outside the scope of track 'auth' (claimed by 'web')"),
        "{reason}"
    );
}

#[test]
fn an_edit_inside_the_scope_is_allowed_by_answering_nothing() {
    let repo = repo_with_auth();
    let wt = repo.worktree("auth");
    for (fixture, file) in [
        ("pre-tool-use-edit.json", "src/auth/login.rs"),
        ("pre-tool-use-write.json", "src/auth/session.rs"),
        ("pre-tool-use-bash.json", "unused"),
    ] {
        let out = repo.track_stdin(
            &wt,
            &["check", "--format", "claude-code"],
            &payload(fixture, &wt, file),
        );
        out.ok();
        assert_eq!(out.stdout, "", "{fixture}");
    }
}

#[test]
fn a_new_file_outside_the_scope_is_denied_too() {
    let repo = repo_with_auth();
    let wt = repo.worktree("auth");
    let out = repo.track_stdin(
        &wt,
        &["check", "--format", "claude-code"],
        &payload("pre-tool-use-write.json", &wt, "docs/new/notes.md"),
    );
    assert_eq!(decision(out.ok())["permissionDecision"], "deny");
}

#[test]
fn an_edit_in_another_tracks_worktree_is_denied() {
    let repo = repo_with_auth();
    let wt = repo.worktree("auth");
    let other = repo.worktree("web");
    let mut text = payload("pre-tool-use-edit.json", &wt, "x");
    text = text.replace(
        &format!("{}/x", wt.display()),
        &format!("{}/src/auth/login.rs", other.display()),
    );
    let out = repo.track_stdin(&wt, &["check", "--format", "claude-code"], &text);
    let d = decision(out.ok());
    assert_eq!(d["permissionDecision"], "deny");
    assert!(
        d["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("not in the worktree of track 'auth'")
    );
}

#[test]
fn outside_any_track_or_outside_the_repository_there_is_nothing_to_deny() {
    let repo = repo_with_auth();
    let main = repo.root.clone();
    let out = repo.track_stdin(
        &main,
        &["check", "--format", "claude-code"],
        &payload("pre-tool-use-edit.json", &main, "web/app.ts"),
    );
    out.ok();
    assert_eq!(out.stdout, "");
    let wt = repo.worktree("auth");
    let elsewhere = repo.tmp.path().join("notes.md");
    let out = repo.track_in(
        &wt,
        &[
            "check",
            "--format",
            "claude-code",
            "--path",
            elsewhere.to_str().unwrap(),
        ],
    );
    out.ok();
    assert_eq!(out.stdout, "");
}

#[test]
fn path_mode_answers_in_the_protocol_without_a_payload() {
    let repo = repo_with_auth();
    let wt = repo.worktree("auth");
    let out = repo.track_in(
        &wt,
        &["check", "--format", "claude-code", "--path", "web/app.ts"],
    );
    assert_eq!(decision(out.ok())["permissionDecision"], "deny");
    let out = repo.track_in(
        &wt,
        &[
            "check",
            "auth",
            "--format",
            "claude-code",
            "--path",
            "src/auth/a.rs",
        ],
    );
    out.ok();
    assert_eq!(out.stdout, "");
}

#[test]
fn a_payload_that_is_not_one_blocks_with_exit_2() {
    let repo = repo_with_auth();
    let wt = repo.worktree("auth");
    repo.track_stdin(&wt, &["check", "--format", "claude-code"], "not json")
        .code(2)
        .stderr_has("error: not a Claude Code PreToolUse payload: invalid JSON");
    repo.track_stdin(
        &wt,
        &["check", "--format", "claude-code"],
        r#"{"hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{}}"#,
    )
    .code(2)
    .stderr_has("Edit without tool_input.file_path");
    repo.track_in(&wt, &["check", "--format", "claude-code", "--json"])
        .code(2);
}
