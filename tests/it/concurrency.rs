//! Concurrent writers never silently overwrite each other's definitions.

use crate::common;
use common::TestRepo;
use std::process::Child;

#[test]
fn ten_parallel_new_of_different_names_all_succeed() {
    let repo = TestRepo::new();
    let names: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
    let children: Vec<Child> = names
        .iter()
        .map(|n| repo.spawn(&["new", n, "--scope", &format!("{n}/**")], &[]))
        .collect();
    for (name, child) in names.iter().zip(children) {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "new {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json = repo.track(&["list", "--json"]).ok().json();
    let listed: Vec<&str> = json["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names.iter().map(String::as_str).collect::<Vec<_>>());
    for n in &names {
        assert!(
            repo.worktree(n).join("README.md").exists(),
            "worktree of {n}"
        );
        repo.git(&["rev-parse", "--verify", &format!("track/{n}")]);
    }
}

#[test]
fn ten_parallel_edits_of_one_track_all_land_in_its_history() {
    let repo = TestRepo::new();
    repo.track(&["new", "shared", "--no-worktree"]).ok();
    let globs: Vec<String> = (0..10).map(|i| format!("dir{i}/**")).collect();
    let children: Vec<Child> = globs
        .iter()
        .map(|g| repo.spawn(&["edit", "shared", "--add-scope", g], &[]))
        .collect();
    for (glob, child) in globs.iter().zip(children) {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "edit {glob}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json = repo.track(&["show", "shared", "--json"]).ok().json();
    let mut scope: Vec<String> = json["scope"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    scope.sort();
    assert_eq!(scope, globs, "every edit's glob survives");
    let log = repo.git(&["log", "--format=%s", "refs/tracks/shared"]);
    assert_eq!(log.lines().count(), 11, "create + ten edits:\n{log}");
    for g in &globs {
        let adding = log
            .lines()
            .filter(|l| l.ends_with(&format!(", {g}]")) || l.ends_with(&format!("-> [{g}]")));
        assert_eq!(adding.count(), 1, "one commit adds {g}:\n{log}");
    }
}
