//! `git track status`: the dashboard of every track against the integration branch.

use crate::common::scenarios;

use scenarios::{Scenario, numbered, replace, write};

fn track<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no track {name} in {report}"))
}

#[test]
fn status_shows_each_track_against_the_integration_branch() {
    let s = Scenario::new(&[("f.txt", &numbered(20)), ("g.txt", "g\n")]);
    s.track("api", &["src/**"], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(3, "api")]))
    });
    s.repo
        .track(&["edit", "api", "--owner", "agent-1", "--kind", "fix"])
        .ok();
    s.track("web", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(15, "web")]))
    });
    s.repo
        .commit_all_in(&s.repo.worktree("web"), "web: second commit");
    s.track("docs", &[], |wt| write(wt, "g.txt", "docs\n"));
    s.advance_integration("integration moves", |wt| write(wt, "h.txt", "h\n"));
    // web is dirty; docs' worktree went missing.
    write(&s.repo.worktree("web"), "scratch.txt", "not committed\n");
    std::fs::remove_dir_all(s.repo.worktree("docs")).unwrap();

    let out = s.repo.track(&["status", "--json"]);
    let r = out.ok().json();
    assert_eq!(r["integration"]["branch"], "integration");
    assert_eq!(r["integration"]["exists"], true);
    let api = track(&r, "api");
    assert_eq!(api["kind"], "fix");
    assert_eq!(api["status"], "active");
    assert_eq!(api["owner"], "agent-1");
    assert_eq!(api["branch"], "track/api");
    assert_eq!(api["ahead"], 1);
    assert_eq!(api["behind"], 1);
    assert_eq!(api["worktree"]["present"], true);
    assert_eq!(api["worktree"]["dirty"], false);
    assert_eq!(api["overlaps"], serde_json::json!(["web"]));
    assert_eq!(api["merged"], false);
    assert_eq!(api["merges_cleanly"], true);
    assert_eq!(api["stale"], false);
    assert_eq!(api["last_commit"], "2026-01-01T12:00:00Z");
    let web = track(&r, "web");
    assert_eq!(web["ahead"], 2);
    assert_eq!(web["worktree"]["dirty"], true);
    assert_eq!(web["overlaps"], serde_json::json!(["api"]));
    let docs = track(&r, "docs");
    assert_eq!(docs["worktree"]["present"], false);
    assert_eq!(docs["worktree"]["dirty"], serde_json::Value::Null);
    assert_eq!(docs["overlaps"], serde_json::json!([]));

    let text = s.repo.track(&["status"]);
    text.ok()
        .stdout_has("TRACK")
        .stdout_has("OVERLAPS")
        .stdout_has("missing")
        .stdout_has("dirty");
}

#[test]
fn blocked_by_lists_dependencies_until_they_are_merged() {
    let s = Scenario::new(&[("f.txt", "f\n")]);
    s.track("base-work", &[], |wt| write(wt, "a.txt", "a\n"));
    s.repo
        .track(&["new", "ui", "--no-worktree", "--depends-on", "base-work"])
        .ok();
    let r = s.repo.track(&["status", "--json"]).ok().json();
    assert_eq!(
        track(&r, "ui")["blocked_by"],
        serde_json::json!(["base-work"])
    );
    assert_eq!(track(&r, "base-work")["merged"], false);

    s.repo
        .git(&["branch", "-f", "integration", "track/base-work"]);
    let r = s.repo.track(&["status", "--json"]).ok().json();
    assert_eq!(track(&r, "ui")["blocked_by"], serde_json::json!([]));
    assert_eq!(track(&r, "base-work")["merged"], true);
    assert_eq!(track(&r, "base-work")["ahead"], 0);
}

#[test]
fn a_track_without_commits_for_longer_than_stale_after_is_stale() {
    let s = Scenario::new(&[("f.txt", "f\n")]);
    s.repo.track(&["new", "old"]).ok();
    let wt = s.repo.worktree("old");
    write(&wt, "f.txt", "old\n");
    s.repo.git_in(&wt, &["add", "-A"]);
    let out = s
        .repo
        .command("git", &wt)
        .args(["commit", "-q", "-m", "long ago"])
        .env("GIT_COMMITTER_DATE", "2025-12-20T12:00:00Z")
        .output()
        .unwrap();
    assert!(out.status.success());
    let r = s.repo.track(&["status", "--json"]).ok().json();
    assert_eq!(track(&r, "old")["stale"], true);
    assert_eq!(r["stale_after_secs"], 172800);
    s.repo.git(&["config", "track.staleAfter", "30d"]);
    let r = s.repo.track(&["status", "--json"]).ok().json();
    assert_eq!(track(&r, "old")["stale"], false);
    s.repo.git(&["config", "track.staleAfter", "1w"]);
    s.repo.track(&["status"]).ok().stdout_has("(stale)");
}

#[test]
fn a_track_that_needs_a_sync_says_so() {
    let s = Scenario::new(&[("f.txt", "one\n")]);
    s.track("behind", &[], |wt| write(wt, "f.txt", "track\n"));
    s.advance_integration("integration edits the same line", |wt| {
        write(wt, "f.txt", "integration\n")
    });
    let r = s.repo.track(&["status", "--json"]).ok().json();
    assert_eq!(track(&r, "behind")["merges_cleanly"], false);
    s.repo.track(&["status"]).ok().stdout_has("no (needs sync)");
}

#[test]
fn status_without_tracks_or_integration_branch_explains() {
    let s = Scenario::new(&[("f.txt", "f\n")]);
    s.repo.track(&["status"]).ok().stdout_has("no tracks");
    s.repo.track(&["new", "a", "--no-worktree"]).ok();
    s.repo.git(&["branch", "-D", "integration"]);
    let out = s.repo.track(&["status", "--json"]);
    out.ok()
        .stderr_has("does not exist yet; comparing against 'main'");
    assert_eq!(out.json()["integration"]["exists"], false);
}

#[test]
fn status_changes_nothing() {
    let s = Scenario::new(&[("f.txt", "f\n")]);
    s.track("a", &[], |wt| write(wt, "f.txt", "a\n"));
    let before = s.repo.snapshot();
    let objects = s.repo.git(&["count-objects", "-v"]);
    s.repo.track(&["status"]).ok();
    assert_eq!(before, s.repo.snapshot());
    assert_eq!(objects, s.repo.git(&["count-objects", "-v"]));
}

#[test]
fn status_shows_a_merge_stopped_on_a_conflict_until_it_is_aborted() {
    let s = Scenario::new(&[("f.txt", &numbered(20))]);
    s.track("a", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(5, "a")]))
    });
    s.track("b", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(5, "b")]))
    });
    s.repo.track(&["merge"]).code(1);

    let text = s.repo.track(&["status"]);
    text.ok()
        .stdout_has("merge in progress: conflict at step 2 (b)")
        .stdout_has("conflicted: f.txt");
    let json = s.repo.track(&["status", "--json"]).ok().json();
    let m = &json["merge_in_progress"];
    assert_eq!(m["state"], "conflict");
    assert_eq!(m["track"], "b");
    assert_eq!(m["paths"], serde_json::json!(["f.txt"]));

    s.repo.track(&["merge", "--abort"]).ok();
    let json = s.repo.track(&["status", "--json"]).ok().json();
    assert!(json["merge_in_progress"].is_null(), "{json}");
}

/// Tracks `a` and `b` editing `f.txt` (so they overlap) and `x`, whose branch is then set
/// by hand to `target` (made from the repository by `make`).
fn with_a_broken_track(make: impl FnOnce(&Scenario) -> String) -> (Scenario, String) {
    let s = Scenario::new(&[("f.txt", &numbered(20))]);
    s.track("a", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(3, "a")]))
    });
    s.track("b", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(15, "b")]))
    });
    s.track("x", &[], |wt| write(wt, "x.txt", "x\n"));
    let target = make(&s);
    s.repo.set_branch_by_hand("track/x", &target);
    (s, target)
}

/// Every track is shown, `x` as broken (with `why` in its warning and its JSON), and the
/// others as if `x` were fine.
fn assert_other_tracks_shown(s: &Scenario, why: &str) {
    let text = s.repo.track(&["status"]);
    text.ok()
        .stderr_has(&format!("warning: track 'x' is broken: {why}\n"))
        .stderr_has(
            "hint: point its branch back at a commit with 'git branch -f <branch> <commit>'",
        );
    let rows: Vec<&str> = text.stdout.lines().skip(2).collect();
    assert_eq!(rows.len(), 3, "{}", text.stdout);
    assert!(
        rows[0].starts_with("a ") && rows[0].contains(" b "),
        "{}",
        text.stdout
    );
    assert!(
        rows[1].starts_with("b ") && rows[1].contains(" a "),
        "{}",
        text.stdout
    );
    assert!(
        rows[2].starts_with("x ") && rows[2].contains("broken branch"),
        "{}",
        text.stdout
    );

    let out = s.repo.track(&["status", "--json"]);
    let r = out.ok().json();
    let x = track(&r, "x");
    assert_eq!(x["broken"], why);
    assert_eq!(x["flags"], serde_json::json!(["broken"]));
    assert!(x["tip"].is_null() && x["ahead"].is_null(), "{x}");
    assert_eq!(x["merged"], false);
    let a = track(&r, "a");
    assert_eq!(a["overlaps"], serde_json::json!(["b"]));
    assert_eq!(a["ahead"], 1);
    assert!(a.get("broken").is_none(), "{a}");
    assert_eq!(track(&r, "b")["merges_cleanly"], true);
}

#[test]
fn status_shows_other_tracks_when_one_branch_points_to_a_blob() {
    let (s, blob) = with_a_broken_track(|s| {
        s.repo
            .git(&["hash-object", "-w", "f.txt"])
            .trim()
            .to_owned()
    });
    assert_other_tracks_shown(
        &s,
        &format!("its branch 'track/x' points to blob {blob}, not a commit"),
    );
}

#[test]
fn status_shows_other_tracks_when_one_branch_points_to_a_missing_object() {
    let gone = "1234567812345678123456781234567812345678";
    let (s, _) = with_a_broken_track(|_| gone.to_owned());
    assert_other_tracks_shown(
        &s,
        &format!("its branch 'track/x' points to {gone}, which is not in the repository"),
    );
}
