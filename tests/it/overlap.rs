//! `git track overlap`: fixture scenarios with known answers at each level, and the
//! `conflicts` verdicts checked against git's own ordered merges.

use crate::common::scenarios;

use scenarios::{Scenario, hunks, insert, numbered, pair, pairs, replace, write, write_bytes};

fn f20() -> String {
    numbered(20)
}

fn two_tracks_editing(a_edits: &[(usize, &str)], b_edits: &[(usize, &str)]) -> Scenario {
    let s = Scenario::new(&[("f.txt", &f20()), ("other.txt", "other\n")]);
    let (a, b) = (replace(&f20(), a_edits), replace(&f20(), b_edits));
    s.track("a", &[], |wt| write(wt, "f.txt", &a));
    s.track("b", &[], |wt| write(wt, "f.txt", &b));
    s
}

fn names(list: &[(String, String, bool)]) -> Vec<(&str, &str, bool)> {
    list.iter()
        .map(|(a, b, f)| (a.as_str(), b.as_str(), *f))
        .collect()
}

#[test]
fn same_file_with_disjoint_hunks_shares_the_file_but_not_the_lines() {
    let s = two_tracks_editing(&[(3, "a3")], &[(15, "b15")]);
    let files = s.overlap("files", 1);
    assert_eq!(names(&pairs(&files)), vec![("a", "b", true)]);
    assert_eq!(pair(&files, "a", "b").unwrap()["files"][0]["path"], "f.txt");
    let h = s.overlap("hunks", 0);
    assert_eq!(names(&pairs(&h)), vec![("a", "b", false)]);
    assert!(hunks(pair(&h, "a", "b").unwrap()).is_empty());
    let c = s.overlap("conflicts", 0);
    assert_eq!(pair(&c, "a", "b").unwrap()["conflict"], false);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn adjacent_hunks_touch_and_conflict_like_git() {
    let s = two_tracks_editing(&[(5, "a5")], &[(6, "b6")]);
    let h = s.overlap("hunks", 1);
    assert_eq!(
        hunks(pair(&h, "a", "b").unwrap()),
        vec![("f.txt".to_owned(), [5, 5], [6, 6], false)]
    );
    let c = s.overlap("conflicts", 1);
    let p = pair(&c, "a", "b").unwrap();
    assert_eq!(p["conflict"], true);
    assert_eq!(p["conflict_paths"], serde_json::json!(["f.txt"]));
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn overlapping_hunks_conflict() {
    let s = two_tracks_editing(&[(5, "a5"), (6, "a6")], &[(6, "b6"), (7, "b7")]);
    let h = s.overlap("hunks", 1);
    assert_eq!(
        hunks(pair(&h, "a", "b").unwrap()),
        vec![("f.txt".to_owned(), [5, 6], [6, 7], false)]
    );
    let c = s.overlap("conflicts", 1);
    assert_eq!(pair(&c, "a", "b").unwrap()["conflict"], true);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn one_identical_change_on_both_sides_is_the_same_change_not_a_conflict() {
    let s = two_tracks_editing(&[(8, "same")], &[(8, "same")]);
    let files = s.overlap("files", 1);
    assert_eq!(
        pair(&files, "a", "b").unwrap()["files"][0]["same_change"],
        true
    );
    let h = s.overlap("hunks", 0);
    assert_eq!(names(&pairs(&h)), vec![("a", "b", false)]);
    let c = s.overlap("conflicts", 0);
    assert_eq!(pair(&c, "a", "b").unwrap()["conflict"], false);
    s.assert_conflicts_agree_with_git(&c);

    // The same line changed alike, plus other lines apart: the touching hunk is the same.
    let s = two_tracks_editing(&[(8, "same"), (2, "a2")], &[(8, "same"), (18, "b18")]);
    let h = s.overlap("hunks", 0);
    assert_eq!(
        hunks(pair(&h, "a", "b").unwrap()),
        vec![("f.txt".to_owned(), [8, 8], [8, 8], true)]
    );
    let c = s.overlap("conflicts", 0);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn rename_against_edit_is_followed_to_the_source_path() {
    let s = Scenario::new(&[("f.txt", &f20())]);
    s.track("mover", &[], |wt| {
        std::fs::rename(wt.join("f.txt"), wt.join("g.txt")).unwrap();
    });
    s.track("editor", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(4, "edited")]))
    });
    let files = s.overlap("files", 1);
    let p = pair(&files, "editor", "mover").unwrap();
    assert_eq!(p["files"][0]["path"], "f.txt");
    assert_eq!(p["files"][0]["b"]["change"], "renamed");
    assert_eq!(p["files"][0]["b"]["to"], "g.txt");
    let h = s.overlap("hunks", 1);
    assert_eq!(
        pair(&h, "editor", "mover").unwrap()["unjudged"][0]["reason"],
        "rename"
    );
    // git carries the edit over to the new name: no conflict.
    let c = s.overlap("conflicts", 0);
    assert_eq!(pair(&c, "editor", "mover").unwrap()["conflict"], false);
    s.assert_conflicts_agree_with_git(&c);

    // Renamed and edited on the same line as the other side's edit: a real conflict.
    let s = Scenario::new(&[("f.txt", &f20())]);
    s.track("mover", &[], |wt| {
        std::fs::remove_file(wt.join("f.txt")).unwrap();
        write(wt, "g.txt", &replace(&f20(), &[(4, "moved and edited")]));
    });
    s.track("editor", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(4, "edited")]))
    });
    let c = s.overlap("conflicts", 1);
    assert_eq!(pair(&c, "editor", "mover").unwrap()["conflict"], true);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn delete_against_edit_conflicts() {
    let s = Scenario::new(&[("f.txt", &f20())]);
    s.track("deleter", &[], |wt| {
        std::fs::remove_file(wt.join("f.txt")).unwrap()
    });
    s.track("editor", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(4, "edited")]))
    });
    let h = s.overlap("hunks", 1);
    let p = pair(&h, "deleter", "editor").unwrap();
    assert_eq!(p["files"][0]["a"]["change"], "deleted");
    assert_eq!(p["unjudged"][0]["reason"], "delete");
    let c = s.overlap("conflicts", 1);
    assert_eq!(pair(&c, "deleter", "editor").unwrap()["conflict"], true);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn binary_files_cannot_be_judged_by_lines_but_conflicts_are_exact() {
    let blob = |tag: u8| {
        let mut v = vec![0u8, 1, 2, 3];
        v.extend(std::iter::repeat_n(tag, 64));
        v
    };
    let s = Scenario::new(&[("img.bin", "placeholder\n")]);
    write_bytes(&s.repo.root, "img.bin", &blob(7));
    s.repo.commit_all("binary");
    s.repo.git(&["branch", "-f", "integration", "main"]);
    s.track("a", &[], |wt| write_bytes(wt, "img.bin", &blob(1)));
    s.track("b", &[], |wt| write_bytes(wt, "img.bin", &blob(2)));
    s.track("c", &[], |wt| write_bytes(wt, "img.bin", &blob(1)));
    let h = s.overlap("hunks", 1);
    assert_eq!(
        pair(&h, "a", "b").unwrap()["unjudged"][0]["reason"],
        "binary"
    );
    assert_eq!(pair(&h, "a", "c").unwrap()["files"][0]["same_change"], true);
    assert_eq!(pair(&h, "a", "c").unwrap()["found"], false);
    let c = s.overlap("conflicts", 1);
    assert_eq!(pair(&c, "a", "b").unwrap()["conflict"], true);
    assert_eq!(pair(&c, "a", "c").unwrap()["conflict"], false);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn the_scratch_folder_git_merged_texts_in_is_gone_when_done() {
    let s = Scenario::new(&[("run.sh", &f20())]);
    s.track("top", &[], |wt| {
        write(wt, "run.sh", &replace(&f20(), &[(1, "top")]))
    });
    s.track("bottom", &[], |wt| {
        write(wt, "run.sh", &replace(&f20(), &[(18, "bottom")]))
    });
    let c = s.overlap("conflicts", 0);
    assert_eq!(pair(&c, "bottom", "top").unwrap()["conflict"], false);
    s.assert_conflicts_agree_with_git(&c);
    let left: Vec<String> = std::fs::read_dir(s.repo.home())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("git-track-objects."))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn mode_change_against_edit_is_flagged_and_merges_cleanly() {
    let s = Scenario::new(&[("run.sh", &f20())]);
    s.track("chmod", &[], |wt| {
        use std::os::unix::fs::PermissionsExt;
        let path = wt.join("run.sh");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    });
    s.track("edit", &[], |wt| {
        write(wt, "run.sh", &replace(&f20(), &[(1, "#!/bin/sh")]))
    });
    let files = s.overlap("files", 1);
    assert_eq!(names(&pairs(&files)), vec![("chmod", "edit", true)]);
    let h = s.overlap("hunks", 1);
    assert_eq!(
        pair(&h, "chmod", "edit").unwrap()["unjudged"][0]["reason"],
        "mode"
    );
    let c = s.overlap("conflicts", 0);
    assert_eq!(pair(&c, "chmod", "edit").unwrap()["conflict"], false);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn a_track_outside_its_scope_is_named_as_the_one_that_strayed() {
    let s = Scenario::new(&[("src/shared.rs", &f20()), ("src/a/x.rs", "x\n")]);
    s.track("a", &["src/a/**"], |wt| {
        write(wt, "src/shared.rs", &replace(&f20(), &[(2, "a")]))
    });
    s.track("b", &["src/**"], |wt| {
        write(wt, "src/shared.rs", &replace(&f20(), &[(12, "b")]))
    });
    let files = s.overlap("files", 1);
    let f = &pair(&files, "a", "b").unwrap()["files"][0];
    assert_eq!(f["path"], "src/shared.rs");
    assert_eq!(f["a"]["in_scope"], false);
    assert_eq!(f["b"]["in_scope"], true);
    let text = s.repo.track(&["overlap"]);
    text.code(1).stdout_has("(outside a's scope)");
}

#[test]
fn a_track_far_behind_the_integration_branch_brings_only_its_own_lines() {
    let s = Scenario::new(&[("f.txt", &f20()), ("g.txt", "g\n")]);
    // The old track forks now; the integration branch then moves on, many times.
    s.track("old", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(15, "old15")]))
    });
    let mut current = f20();
    for i in 0..12 {
        s.advance_integration(&format!("integration {i}"), |wt| {
            write(wt, &format!("more/{i}.txt"), "more\n");
            if i == 0 {
                // Five lines at the top move every later line down by five.
                current = insert(&current, 1, &["i1", "i2", "i3", "i4", "i5"]);
                write(wt, "f.txt", &current);
            }
        });
    }
    s.track("new", &[], |wt| {
        write(wt, "f.txt", &replace(&current, &[(3, "new3")]))
    });
    let h = s.overlap("hunks", 0);
    let old = h["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "old")
        .unwrap()
        .clone();
    assert_eq!(old["merges_cleanly"], true);
    assert_eq!(
        old["changed"], 1,
        "only f.txt: not the integration's own changes"
    );
    assert_eq!(names(&pairs(&h)), vec![("new", "old", false)]);

    // The old track's line 15 is line 20 of the integration tip: coordinates are I's.
    s.repo.track(&["new", "near", "--from", "integration"]).ok();
    let near = s.repo.worktree("near");
    write(&near, "f.txt", &replace(&current, &[(21, "near21")]));
    s.repo.commit_all_in(&near, "near");
    let h = s.overlap("hunks", 1);
    assert_eq!(
        hunks(pair(&h, "near", "old").unwrap()),
        vec![("f.txt".to_owned(), [21, 21], [20, 20], false)]
    );
    let c = s.overlap("conflicts", 1);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn a_track_that_conflicts_with_the_integration_branch_needs_a_sync_and_pairs_are_unjudged() {
    let s = Scenario::new(&[("f.txt", &f20()), ("g.txt", "g\n")]);
    s.track("stale", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(10, "stale10")]))
    });
    s.advance_integration("integration edits line 10", |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(10, "int10")]))
    });
    s.track("fresh", &[], |wt| {
        write(
            wt,
            "f.txt",
            &replace(&f20(), &[(10, "int10"), (2, "fresh2")]),
        )
    });
    s.track("apart", &[], |wt| write(wt, "g.txt", "apart\n"));
    let files = s.overlap("files", 1);
    let stale = files["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "stale")
        .unwrap()
        .clone();
    assert_eq!(stale["merges_cleanly"], false);
    assert_eq!(stale["paths"], serde_json::json!(["f.txt"]));
    assert_eq!(stale["compared_by"], "fork-point");
    assert_eq!(names(&pairs(&files)), vec![("fresh", "stale", true)]);
    let c = s.overlap("conflicts", 1);
    assert_eq!(
        pair(&c, "fresh", "stale").unwrap()["conflict"],
        serde_json::Value::Null
    );
    s.assert_conflicts_agree_with_git(&c);
    let text = s.repo.track(&["overlap"]);
    text.code(1)
        .stdout_has("stale does not merge cleanly into integration (it needs a sync): f.txt");
}

#[test]
fn nothing_shared_exits_zero_at_every_level() {
    let s = Scenario::new(&[("a.txt", "a\n"), ("b.txt", "b\n")]);
    s.track("a", &[], |wt| write(wt, "a.txt", "A\n"));
    s.track("b", &[], |wt| write(wt, "b.txt", "B\n"));
    for level in ["files", "hunks", "conflicts"] {
        let r = s.overlap(level, 0);
        assert!(r["pairs"].as_array().unwrap().is_empty(), "{level}");
    }
    let text = s.repo.track(&["overlap"]);
    text.ok().stdout_has("no overlap");
}

#[test]
fn a_file_where_the_other_track_makes_a_folder_is_a_clash() {
    let s = Scenario::new(&[("README.md", "r\n")]);
    s.track("file", &[], |wt| write(wt, "docs", "a file\n"));
    s.track("folder", &[], |wt| write(wt, "docs/guide.md", "a guide\n"));
    let h = s.overlap("hunks", 1);
    let p = pair(&h, "file", "folder").unwrap();
    assert_eq!(p["files"][0]["path"], "docs");
    assert_eq!(p["files"][0]["b"]["at"], "docs/guide.md");
    assert_eq!(p["unjudged"][0]["reason"], "directory");
    let c = s.overlap("conflicts", 1);
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn both_adding_the_same_path_differently_conflicts() {
    let s = Scenario::new(&[("README.md", "r\n")]);
    s.track("a", &[], |wt| write(wt, "new.txt", "from a\n"));
    s.track("b", &[], |wt| write(wt, "new.txt", "from b\n"));
    s.track("c", &[], |wt| write(wt, "new.txt", "from a\n"));
    let c = s.overlap("conflicts", 1);
    assert_eq!(pair(&c, "a", "b").unwrap()["conflict"], true);
    assert_eq!(pair(&c, "a", "c").unwrap()["conflict"], false);
    assert_eq!(pair(&c, "a", "b").unwrap()["unjudged"][0]["reason"], "add");
    s.assert_conflicts_agree_with_git(&c);
}

#[test]
fn a_merged_track_brings_nothing() {
    let s = Scenario::new(&[("f.txt", &f20())]);
    s.track("done", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(1, "x")]))
    });
    s.repo.git(&["branch", "-f", "integration", "track/done"]);
    s.track("next", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(1, "y")]))
    });
    let r = s.overlap("conflicts", 0);
    let done = &r["tracks"][0];
    assert_eq!(done["name"], "done");
    assert_eq!(done["merged"], true);
    assert_eq!(done["changed"], 0);
    assert!(r["pairs"].as_array().unwrap().is_empty());
}

#[test]
fn without_an_integration_branch_the_base_is_used_and_the_report_says_so() {
    let s = Scenario::new(&[("f.txt", &f20())]);
    s.track("a", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(3, "a")]))
    });
    s.track("b", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(3, "b")]))
    });
    s.repo.git(&["branch", "-D", "integration"]);
    let out = s.repo.track(&["overlap", "--level", "conflicts", "--json"]);
    out.code(1).stderr_has(
        "the integration branch 'integration' does not exist yet; comparing against 'main'",
    );
    let r = out.json();
    assert_eq!(r["integration"]["exists"], false);
    assert_eq!(r["integration"]["base"], "main");
    assert_eq!(
        r["integration"]["tip"].as_str().unwrap(),
        s.repo.git(&["rev-parse", "main"]).trim()
    );
    assert_eq!(pair(&r, "a", "b").unwrap()["conflict"], true);
}

#[test]
fn named_tracks_are_compared_with_each_other_only() {
    let s = two_tracks_editing(&[(5, "a")], &[(5, "b")]);
    s.track("c", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(5, "c")]))
    });
    let r = s.repo.track(&["overlap", "a", "c", "--json"]);
    let r = r.code(1).json();
    assert_eq!(names(&pairs(&r)), vec![("a", "c", true)]);
    assert_eq!(r["tracks"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let s = two_tracks_editing(&[(5, "a")], &[(9, "b")]);
    let before = s.repo.snapshot();
    s.repo
        .track(&["overlap", "nope"])
        .code(2)
        .stderr_has("error: no track named 'nope'");
    s.repo.track(&["overlap", "--level", "lines"]).code(2);
    assert_eq!(before, s.repo.snapshot());
}

#[test]
fn overlap_writes_no_object_and_no_ref() {
    let s = two_tracks_editing(&[(5, "a")], &[(6, "b")]);
    let objects = || s.repo.git(&["count-objects", "-v"]);
    let (before, refs) = (objects(), s.repo.snapshot());
    s.overlap("conflicts", 1);
    s.repo
        .track(&["overlap", "--level", "conflicts", "--worktree"])
        .code(1);
    assert_eq!(before, objects());
    assert_eq!(refs, s.repo.snapshot());
}

#[test]
fn worktree_counts_uncommitted_work_only_when_asked() {
    let s = Scenario::new(&[("f.txt", &f20()), ("g.txt", "g\n")]);
    s.track("a", &[], |wt| {
        write(wt, "f.txt", &replace(&f20(), &[(5, "a")]))
    });
    s.track("b", &[], |wt| write(wt, "g.txt", "b\n"));
    // b's uncommitted edit (unstaged) and a new untracked file.
    let wt = s.repo.worktree("b");
    write(&wt, "f.txt", &replace(&f20(), &[(5, "b, not committed")]));
    write(&wt, "untracked.txt", "u\n");
    let r = s.overlap("conflicts", 0);
    assert!(r["pairs"].as_array().unwrap().is_empty());
    let out = s
        .repo
        .track(&["overlap", "--level", "conflicts", "--worktree", "--json"]);
    let r = out.code(1).json();
    assert_eq!(pair(&r, "a", "b").unwrap()["conflict"], true);
    assert_eq!(r["tracks"][1]["worktree"], true);
    assert_eq!(r["tracks"][1]["changed"], 3);
}

#[test]
fn a_corrupt_cache_is_detected_and_rebuilt() {
    let s = two_tracks_editing(&[(5, "a")], &[(6, "b")]);
    let first = s.overlap("conflicts", 1);
    let cache = s.repo.root.join(".git/track/overlap-cache");
    let good = std::fs::read(&cache).expect("the cache is written");
    // A damaged body (one flipped verdict) fails its checksum.
    let damaged = String::from_utf8(good.clone())
        .unwrap()
        .replace("\"conflict\":true", "\"conflict\":false");
    assert_ne!(damaged.as_bytes(), good.as_slice());
    std::fs::write(&cache, damaged).unwrap();
    assert_eq!(s.overlap("conflicts", 1), first);
    // Garbage, and a truncated file.
    std::fs::write(&cache, "not a cache").unwrap();
    assert_eq!(s.overlap("conflicts", 1), first);
    std::fs::write(&cache, &good[..good.len() / 2]).unwrap();
    assert_eq!(s.overlap("conflicts", 1), first);
    assert_eq!(std::fs::read(&cache).unwrap(), good, "rewritten whole");
}

#[test]
fn a_moved_tip_is_recomputed_and_the_others_come_from_the_cache() {
    let s = two_tracks_editing(&[(5, "a")], &[(12, "b")]);
    s.overlap("conflicts", 0);
    let cache = s.repo.root.join(".git/track/overlap-cache");
    let a_tip = s.repo.git(&["rev-parse", "track/a"]).trim().to_owned();
    // b moves next to a's line: only b's entry and the pair are new.
    let wt = s.repo.worktree("b");
    write(&wt, "f.txt", &replace(&f20(), &[(6, "b6")]));
    s.repo.commit_all_in(&wt, "b moves");
    let r = s.overlap("conflicts", 1);
    assert_eq!(pair(&r, "a", "b").unwrap()["conflict"], true);
    s.assert_conflicts_agree_with_git(&r);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(text.contains(&a_tip));
    // The integration branch moving invalidates everything.
    s.advance_integration("move", |wt| write(wt, "other.txt", "moved\n"));
    let r = s.overlap("conflicts", 1);
    s.assert_conflicts_agree_with_git(&r);
    let text = std::fs::read_to_string(&cache).unwrap();
    let tip = s.repo.git(&["rev-parse", "integration"]);
    assert!(text.contains(tip.trim()));
}

#[test]
fn a_tip_moved_on_by_a_merge_is_merged_on_its_new_merge_base_not_the_cached_one() {
    // A moved tip keeps its cached merge bases only over new single-parent commits: here
    // b first moves by plain commits (bases kept), then merges a and rewrites a's line,
    // which merges cleanly after a only on the new merge base (a's tip).
    let s = two_tracks_editing(&[(5, "a")], &[(12, "b")]);
    s.overlap("conflicts", 0);
    let wt = s.repo.worktree("b");
    write(&wt, "f.txt", &replace(&f20(), &[(12, "b12")]));
    s.repo.commit_all_in(&wt, "b again");
    write(&wt, "other.txt", "b's other\n");
    s.repo.commit_all_in(&wt, "b once more");
    let r = s.overlap("conflicts", 0);
    s.assert_conflicts_agree_with_git(&r);
    s.repo.git_in(&wt, &["merge", "-q", "--no-edit", "track/a"]);
    write(&wt, "f.txt", &replace(&f20(), &[(5, "b5"), (12, "b12")]));
    s.repo.commit_all_in(&wt, "b rewrites a's line");
    let r = s.overlap("conflicts", 0);
    assert_eq!(pair(&r, "a", "b").unwrap()["conflict"], false);
    s.assert_conflicts_agree_with_git(&r);
}

/// Tiny deterministic generator, so the mixed scenario is the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn conflicts_agree_with_git_on_every_pair_of_mixed_scenarios() {
    // Seeds picked for variety: renames (of files and of a folder), deletes, insertions,
    // additions into a folder another track renames, the integration branch moving.
    for seed in [7, 11, 24, 29] {
        mixed_scenario_agrees_with_git(seed);
    }
}

/// `n` lines that name their file, so that no two files look alike to rename detection.
/// (With near-identical files, git's merge pairs renames by which sources the other side
/// touched, and gix by similarity alone: see docs/overlap.md.)
fn own_lines(path: &str, n: usize) -> String {
    (1..=n).map(|i| format!("{path} line {i}\n")).collect()
}

fn mixed_scenario_agrees_with_git(seed: u64) {
    let mut files: Vec<(String, String)> = (0..4)
        .map(|i| {
            let path = format!("src/f{i}.txt");
            let text = own_lines(&path, 40);
            (path, text)
        })
        .collect();
    files.push(("lib/one.txt".to_owned(), own_lines("lib/one.txt", 30)));
    files.push(("lib/two.txt".to_owned(), own_lines("lib/two.txt", 20)));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let s = Scenario::new(&refs);
    let mut rng = Lcg(seed);
    for t in 0..8 {
        let name = format!("t{t}");
        let mut plan = Vec::new();
        for _ in 0..3 {
            plan.push((rng.next(4), rng.next(12), rng.next(38) + 1));
        }
        s.track(&name, &[], |wt| {
            for (file, what, line) in &plan {
                // Folder-level moves: rename lib/ away, or add into it.
                if *what == 10 {
                    if wt.join("lib").exists() {
                        std::fs::rename(wt.join("lib"), wt.join(format!("lib-{t}"))).unwrap();
                    }
                    continue;
                }
                if *what == 11 {
                    write(wt, &format!("lib/new-{t}.txt"), "new\n");
                    continue;
                }
                let path = format!("src/f{file}.txt");
                let full = wt.join(&path);
                let Ok(text) = std::fs::read_to_string(&full) else {
                    continue;
                };
                match what {
                    0 => std::fs::remove_file(&full).unwrap(),
                    1 => std::fs::rename(&full, wt.join(format!("src/moved-{t}-{file}.txt")))
                        .unwrap(),
                    2 => write(wt, &path, &insert(&text, *line, &[&format!("ins {t}")])),
                    _ => {
                        let lines = text.lines().count();
                        let k = (*line).min(lines.max(1));
                        write(
                            wt,
                            &path,
                            &replace(&text, &[(k, &format!("t{t} was here"))]),
                        )
                    }
                }
            }
        });
        if t == 3 {
            s.advance_integration("integration moves", |wt| {
                let text = own_lines("src/f0.txt", 40);
                write(wt, "src/f0.txt", &replace(&text, &[(20, "integration 20")]));
            });
        }
    }
    let c = s.overlap("conflicts", 1);
    assert_tracks_agree_with_git(&s, &c);
    s.assert_conflicts_agree_with_git(&c);
    let pairs_found = c["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["conflict"] == true)
        .count();
    assert!(
        pairs_found > 0,
        "the scenario should contain real conflicts"
    );
}

/// Each track's `merges_cleanly` must be git's own answer for merging it into the
/// integration tip, whichever way the engine found it (applied as is, or merged).
#[track_caller]
fn assert_tracks_agree_with_git(s: &Scenario, report: &serde_json::Value) {
    for t in report["tracks"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let git = s.repo.try_git_in(
            &s.repo.root,
            &[
                "merge-tree",
                "--write-tree",
                "integration",
                &format!("track/{name}"),
            ],
        );
        assert_eq!(
            t["merges_cleanly"].as_bool().unwrap(),
            git.code == 0,
            "track {name}: ours vs git merge-tree\n{}",
            git.stdout
        );
    }
}

#[test]
fn folder_renames_on_either_side_are_judged_by_a_real_merge() {
    let files = [
        ("lib/a.txt", numbered(10)),
        ("lib/b.txt", numbered(12)),
        ("lib/sub/c.txt", numbered(14)),
        ("app/main.txt", numbered(8)),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let s = Scenario::new(&refs);
    // Forked before the integration branch renames lib/ to core/.
    s.track("adds-to-lib", &[], |wt| write(wt, "lib/new.txt", "new\n"));
    s.track("edits-lib", &[], |wt| {
        write(wt, "lib/b.txt", &replace(&numbered(12), &[(3, "edited")]))
    });
    s.track("same-folder", &[], |wt| {
        write(wt, "app/other.txt", "other\n")
    });
    s.advance_integration("lib becomes core", |wt| {
        std::fs::rename(wt.join("lib"), wt.join("core")).unwrap();
        write(
            wt,
            "app/main.txt",
            &replace(&numbered(8), &[(1, "integration")]),
        );
    });
    // Forked after: renames app/ while another adds into it.
    s.track("renames-app", &[], |wt| {
        std::fs::rename(wt.join("app"), wt.join("application")).unwrap();
    });
    s.track("adds-to-app", &[], |wt| {
        write(wt, "app/extra.txt", "extra\n")
    });
    let r = s.overlap("conflicts", 1);
    assert_tracks_agree_with_git(&s, &r);
    s.assert_conflicts_agree_with_git(&r);
    let p = pair(&r, "adds-to-app", "renames-app").expect("the folder clash is a meeting");
    assert_eq!(p["conflict"], true);
}

#[test]
fn overlap_leaves_out_a_track_whose_branch_points_to_a_blob() {
    let s = two_tracks_editing(&[(3, "a")], &[(3, "b")]);
    s.track("x", &[], |wt| write(wt, "x.txt", "x\n"));
    let blob = s.repo.git(&["hash-object", "-w", "f.txt"]);
    s.repo.set_branch_by_hand("track/x", blob.trim());
    let out = s.repo.track(&["overlap", "--level", "conflicts", "--json"]);
    out.code(1).stderr_has(&format!(
        "warning: track 'x' left out: its branch 'track/x' points to blob {}, not a commit",
        blob.trim()
    ));
    let r = out.json();
    assert_eq!(r["skipped"][0]["name"], "x");
    assert_eq!(names(&pairs(&r)), [("a", "b", true)]);
}

#[test]
fn merge_bases_that_conflict_are_merged_by_git_once() {
    use crate::common::{Out, TestRepo, bin};
    // Two merge bases (b1, b2) whose own merge conflicts: git's recursive merge of the
    // track into the integration branch has them merged first. git-track asks git for
    // that merge of bases, finds it conflicted, and hands the whole merge to git: the
    // merge of bases must not be asked of git a second time on the way (it was once,
    // in a run of git of its own, for every such merge on git.git).
    let repo = TestRepo::with_files(&[("f.txt", "a\n")]);
    let side = |branch: &str, from: &str, content: &str| {
        repo.git(&["checkout", "-q", "-b", branch, from]);
        repo.write("f.txt", content);
        repo.commit_all(branch);
    };
    side("b1", "main", "b1\n");
    side("b2", "main", "b2\n");
    let criss_cross = |branch: &str, first: &str, second: &str, content: &str| {
        repo.git(&["checkout", "-q", "-b", branch, first]);
        let _ = repo.try_git_in(&repo.path(""), &["merge", "-q", "--no-edit", second]);
        repo.write("f.txt", content);
        repo.commit_all(&format!("{branch}: settled"));
    };
    criss_cross("integration", "b1", "b2", "x\n");
    criss_cross("topic", "b2", "b1", "y\n");
    repo.git(&["checkout", "-q", "main"]);
    let bases = repo.git(&["merge-base", "--all", "integration", "topic"]);
    assert_eq!(bases.lines().count(), 2, "criss-cross: {bases}");
    repo.track(&["new", "t", "--from", "topic", "--no-worktree"])
        .ok();

    let trace = repo.home().join("trace2.txt");
    let out = Out::from(
        repo.command(bin(), &repo.path(""))
            .args(["overlap", "--level", "conflicts", "--json", "t"])
            .env("GIT_TRACE2", &trace)
            .output()
            .expect("run git-track"),
    );
    let json = out.code(1).json();
    assert_eq!(json["tracks"][0]["merges_cleanly"], false, "{json}");
    assert_eq!(json["tracks"][0]["paths"][0], "f.txt", "{json}");
    let git = repo.try_git_in(
        &repo.path(""),
        &["merge-tree", "--write-tree", "integration", "topic"],
    );
    assert_eq!(git.code, 1, "git stops on this merge too: {}", git.stdout);
    let merge_trees = std::fs::read_to_string(&trace)
        .expect("trace")
        .lines()
        .filter(|l| l.contains(" start ") && l.contains("merge-tree"))
        .count();
    // One for the merge of the bases, one for the whole merge.
    assert_eq!(merge_trees, 2, "runs of git merge-tree");
}
