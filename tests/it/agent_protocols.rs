//! The pre-edit check in every agent's hook protocol (Codex, Gemini CLI, Cursor, and
//! Claude Code's ask), from payloads in the shape each documents; `agent-setup`; the
//! collision warning.

use crate::common;
use common::TestRepo;
use serde_json::Value;
use std::path::Path;

fn repo_with_tracks() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("src/auth/login.rs", "fn login() {}\n");
    repo.write(
        "src/shared.rs",
        "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n",
    );
    repo.write("web/app.ts", "app\n");
    repo.commit_all("layout");
    repo.track(&["new", "auth", "--scope", "src/**"]).ok();
    repo.track(&[
        "new",
        "web",
        "--scope",
        "web/**",
        "--scope",
        "src/shared.rs",
        "--owner",
        "agent-2",
    ])
    .ok();
    repo
}

fn payload(agent: &str, fixture: &str, worktree: &Path, file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(agent)
        .join(fixture);
    std::fs::read_to_string(path)
        .expect("fixture")
        .replace("@WORKTREE@", worktree.to_str().expect("utf8"))
        .replace("@FILE@", file)
}

fn ask(repo: &TestRepo, agent: &str, fixture: &str, file: &str) -> common::Out {
    let wt = repo.worktree("auth");
    let out = repo.track_stdin(
        &wt,
        &["check", "--format", agent],
        &payload(agent, fixture, &wt, file),
    );
    out.ok();
    out
}

/// Track web changes lines 3 and 4 of src/shared.rs, and commits.
fn web_changes_shared(repo: &TestRepo) {
    let web = repo.worktree("web");
    common::write_file(
        &web.join("src/shared.rs"),
        "line 1\nline 2\nLINE 3\nLINE 4\nline 5\nline 6\nline 7\nline 8\n",
    );
    repo.commit_all_in(&web, "web: shared lines");
}

const EDITS: &[(&str, &str)] = &[
    ("codex", "pre-tool-use-apply-patch.json"),
    ("gemini", "before-tool-replace.json"),
    ("cursor", "pre-tool-use-write.json"),
];

#[test]
fn each_protocol_denies_an_edit_outside_the_scope_in_its_own_terms() {
    let repo = repo_with_tracks();
    for (agent, fixture) in EDITS {
        let out = ask(&repo, agent, fixture, "web/app.ts");
        let v = out.json();
        let reason = match *agent {
            "codex" => {
                assert_eq!(
                    v["hookSpecificOutput"]["permissionDecision"], "deny",
                    "{agent}"
                );
                v["hookSpecificOutput"]["permissionDecisionReason"].clone()
            }
            "gemini" => {
                assert_eq!(v["decision"], "deny", "{agent}");
                v["reason"].clone()
            }
            _ => {
                assert_eq!(v["permission"], "deny", "{agent}");
                assert_eq!(v["user_message"], v["agent_message"]);
                v["agent_message"].clone()
            }
        };
        let reason = reason.as_str().expect("reason");
        assert!(
            reason.contains("track 'auth' may change only src/**")
                && reason
                    .contains("web/app.ts: outside the scope of track 'auth' (claimed by 'web')"),
            "{agent}: {reason}"
        );
    }
}

#[test]
fn each_protocol_allows_an_edit_in_scope_and_tools_that_edit_nothing() {
    let repo = repo_with_tracks();
    for (agent, fixture) in EDITS {
        let out = ask(&repo, agent, fixture, "src/auth/login.rs");
        match *agent {
            // Codex: nothing, so its own approval rules decide.
            "codex" => assert_eq!(out.stdout, "", "{agent}"),
            // Gemini and Cursor want JSON on every path.
            _ => assert_eq!(out.json(), serde_json::json!({}), "{agent}"),
        }
    }
    for (agent, fixture) in [
        ("codex", "pre-tool-use-bash.json"),
        ("gemini", "before-tool-shell.json"),
        ("cursor", "pre-tool-use-shell.json"),
    ] {
        let out = ask(&repo, agent, fixture, "unused");
        assert!(
            out.stdout.is_empty() || out.json() == serde_json::json!({}),
            "{agent}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_new_file_from_gemini_write_file_outside_the_scope_is_denied() {
    let repo = repo_with_tracks();
    let out = ask(&repo, "gemini", "before-tool-write-file.json", "web/new.ts");
    assert_eq!(out.json()["decision"], "deny");
}

#[test]
fn a_codex_patch_is_judged_on_every_file_it_names() {
    let repo = repo_with_tracks();
    let wt = repo.worktree("auth");
    let patch = payload(
        "codex",
        "pre-tool-use-apply-patch.json",
        &wt,
        "src/auth/login.rs",
    )
    .replace(
        "*** End Patch",
        "*** Add File: web/extra.ts\\n+x\\n*** End Patch",
    );
    let out = repo.track_stdin(&wt, &["check", "--format", "codex"], &patch);
    out.ok();
    let reason = out.json()["hookSpecificOutput"]["permissionDecisionReason"].clone();
    assert!(
        reason.as_str().unwrap().contains("web/extra.ts"),
        "{reason}"
    );
}

#[test]
fn the_collision_warning_names_the_other_track_its_owner_and_its_lines() {
    let repo = repo_with_tracks();
    web_changes_shared(&repo);
    // Claude Code can ask: the person decides, told why.
    let out = ask(
        &repo,
        "claude-code",
        "pre-tool-use-edit.json",
        "src/shared.rs",
    );
    let d = out.json()["hookSpecificOutput"].clone();
    assert_eq!(d["permissionDecision"], "ask");
    let reason = d["permissionDecisionReason"].as_str().unwrap().to_owned();
    assert!(
        reason.contains(
            "src/shared.rs is also changed by track 'web', owner agent-2, which changed lines 3-4"
        ),
        "{reason}"
    );
    // Cursor can ask too.
    let out = ask(&repo, "cursor", "pre-tool-use-write.json", "src/shared.rs");
    assert_eq!(out.json()["permission"], "ask");
    assert!(
        out.json()["user_message"]
            .as_str()
            .unwrap()
            .contains("track 'web'")
    );
    // Codex and Gemini cannot ask: they allow, with the message for the person.
    for (agent, fixture) in [
        ("codex", "pre-tool-use-apply-patch.json"),
        ("gemini", "before-tool-replace.json"),
    ] {
        let v = ask(&repo, agent, fixture, "src/shared.rs").json();
        assert!(
            v["systemMessage"].as_str().unwrap().contains("lines 3-4"),
            "{agent}: {v}"
        );
        assert!(v.get("decision").is_none() && v.get("hookSpecificOutput").is_none());
    }
    // A file nobody else changed is not a collision.
    assert_eq!(
        ask(
            &repo,
            "claude-code",
            "pre-tool-use-edit.json",
            "src/auth/login.rs"
        )
        .stdout,
        ""
    );
}

#[test]
fn track_collision_deny_warn_and_off_change_the_answer() {
    let repo = repo_with_tracks();
    web_changes_shared(&repo);
    let claude = |repo: &TestRepo| {
        ask(
            repo,
            "claude-code",
            "pre-tool-use-edit.json",
            "src/shared.rs",
        )
    };
    repo.git(&["config", "track.collision", "deny"]);
    let v = claude(&repo).json();
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    repo.git(&["config", "track.collision", "warn"]);
    let v = claude(&repo).json();
    assert!(
        v["hookSpecificOutput"].get("permissionDecision").is_none(),
        "{v}"
    );
    assert!(v["systemMessage"].as_str().unwrap().contains("track 'web'"));
    repo.git(&["config", "track.collision", "off"]);
    assert_eq!(claude(&repo).stdout, "");
    repo.git(&["config", "track.collision", "sometimes"]);
    let wt = repo.worktree("auth");
    repo.track_stdin(
        &wt,
        &["check", "--format", "claude-code"],
        &payload(
            "claude-code",
            "pre-tool-use-edit.json",
            &wt,
            "src/shared.rs",
        ),
    )
    .code(2)
    .stderr_has("track.collision is 'sometimes'");
}

#[test]
fn a_done_track_does_not_collide() {
    let repo = repo_with_tracks();
    web_changes_shared(&repo);
    repo.track(&["edit", "web", "--status", "done"]).ok();
    let out = ask(
        &repo,
        "claude-code",
        "pre-tool-use-edit.json",
        "src/shared.rs",
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn agent_setup_merges_into_an_existing_settings_file_and_is_idempotent() {
    let repo = repo_with_tracks();
    let wt = repo.worktree("auth");
    let file = wt.join(".claude/settings.local.json");
    common::write_file(
        &file,
        r#"{
  "permissions": { "allow": ["Bash(cargo test:*)"] },
  "hooks": {
    "PostToolUse": [{ "matcher": "Edit", "hooks": [{ "type": "command", "command": "cargo fmt" }] }],
    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "./guard.sh" }] }]
  }
}
"#,
    );
    repo.track(&["agent-setup", "claude-code", "auth"])
        .ok()
        .stderr_has("Added the hook to");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["permissions"]["allow"][0], "Bash(cargo test:*)");
    assert_eq!(
        v["hooks"]["PostToolUse"][0]["hooks"][0]["command"],
        "cargo fmt"
    );
    let pre = v["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 2);
    assert_eq!(pre[0]["hooks"][0]["command"], "./guard.sh");
    assert_eq!(pre[1]["matcher"], "Write|Edit|MultiEdit|NotebookEdit");
    assert_eq!(
        pre[1]["hooks"][0]["command"],
        "git -C \"$CLAUDE_PROJECT_DIR\" track check --format claude-code"
    );
    // The keys keep their order; a second run changes nothing.
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["permissions", "hooks"]);
    let before = std::fs::read_to_string(&file).unwrap();
    repo.track(&["agent-setup", "claude-code", "auth"])
        .ok()
        .stderr_has("Already fenced");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // The file is not work of the track: the worktree is still clean.
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
}

#[test]
fn agent_setup_writes_each_agents_own_file_from_a_linked_worktree() {
    let repo = repo_with_tracks();
    let wt = repo.worktree("auth");
    common::write_file(&wt.join(".gemini/settings.json"), "{\"theme\": \"dark\"}\n");
    for agent in ["codex", "gemini", "cursor"] {
        // No name: the track of the worktree the command runs in.
        repo.track_in(&wt, &["agent-setup", agent]).ok();
    }
    let read = |rel: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(wt.join(rel)).unwrap()).unwrap()
    };
    let codex = read(".codex/hooks.json");
    assert_eq!(
        codex["hooks"]["PreToolUse"][0]["matcher"],
        "apply_patch|Edit|Write"
    );
    let gemini = read(".gemini/settings.json");
    assert_eq!(gemini["theme"], "dark");
    assert_eq!(
        gemini["hooks"]["BeforeTool"][0]["hooks"][0]["command"],
        "git -C \"$GEMINI_PROJECT_DIR\" track check --format gemini"
    );
    let cursor = read(".cursor/hooks.json");
    assert_eq!(cursor["version"], 1);
    assert_eq!(
        cursor["hooks"]["preToolUse"][0]["command"],
        "git track check --format cursor"
    );
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
}

#[test]
fn new_with_an_agent_fences_the_new_worktree() {
    let repo = repo_with_tracks();
    repo.track(&["new", "api", "--scope", "api/**", "--agent", "codex"])
        .ok();
    assert!(repo.worktree("api").join(".codex/hooks.json").is_file());
}

#[test]
fn agent_setup_refuses_a_settings_file_that_is_not_a_json_object() {
    let repo = repo_with_tracks();
    let file = repo.worktree("auth").join(".claude/settings.local.json");
    common::write_file(&file, "[1, 2]\n");
    repo.track(&["agent-setup", "claude-code", "auth"])
        .code(2)
        .stderr_has("is not a JSON object; it was left as it is");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "[1, 2]\n");
}

#[test]
fn a_payload_that_is_not_the_agents_hook_is_refused_with_how_to_wire_it() {
    let repo = repo_with_tracks();
    let wt = repo.worktree("auth");
    for (format, title) in [
        ("claude-code", "not a Claude Code PreToolUse payload"),
        ("codex", "not a hook payload of OpenAI Codex CLI"),
        ("gemini", "not a hook payload of Gemini CLI"),
        ("cursor", "not a hook payload of Cursor"),
    ] {
        let out = repo.track_stdin(&wt, &["check", "--format", format], "[]");
        out.code(2)
            .stderr_has(&format!("error: {title}: not a JSON object\n"))
            .stderr_has(&format!("hint: wire 'git track check --format {format}'"));
    }
}
