//! `git track merge` and `git track checkpoints` on real repositories.

use crate::common;
use common::{TestRepo, write_file};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const LINES: &str =
    "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\n";

/// A repository whose `main` holds `lines.txt` (10 lines) and `docs/guide.md`.
fn base_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("lines.txt", LINES);
    repo.write(
        "docs/guide.md",
        "# Guide\n\nstep one\nstep two\nstep three\n",
    );
    repo.commit_all("base files");
    repo
}

/// `lines.txt` with line `n` replaced.
fn lines_with(n: usize, text: &str) -> String {
    LINES
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == n {
                format!("{text}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

/// Creates track `name` (extra `git track new` arguments in `extra`), writes `files` in
/// its worktree and commits them; returns the tip.
fn track_with(repo: &TestRepo, name: &str, extra: &[&str], files: &[(&str, &str)]) -> String {
    let mut args = vec!["new", name];
    args.extend_from_slice(extra);
    repo.track(&args).ok();
    let wt = repo.worktree(name);
    for (path, text) in files {
        write_file(&wt.join(path), text);
    }
    repo.commit_all_in(&wt, &format!("{name}: work"))
}

fn rev(repo: &TestRepo, r: &str) -> String {
    repo.git(&["rev-parse", r]).trim().to_owned()
}

fn try_rev(repo: &TestRepo, r: &str) -> Option<String> {
    let out = repo.try_git_in(&repo.root, &["rev-parse", "-q", "--verify", r]);
    (out.code == 0).then(|| out.stdout.trim().to_owned())
}

/// The commits on the first-parent history of `to` after `from`, oldest first.
fn first_parents(repo: &TestRepo, from: &str, to: &str) -> Vec<String> {
    repo.git(&[
        "rev-list",
        "--first-parent",
        "--reverse",
        &format!("{from}..{to}"),
    ])
    .lines()
    .map(str::to_owned)
    .collect()
}

fn parents(repo: &TestRepo, commit: &str) -> Vec<String> {
    repo.git(&["log", "-1", "--format=%P", commit])
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Asserts that `commit`'s tree is what `git merge-tree --write-tree` makes of its parents.
#[track_caller]
fn assert_tree_is_git_merge_tree(repo: &TestRepo, commit: &str) {
    let p = parents(repo, commit);
    assert_eq!(p.len(), 2, "{commit} is not a merge: {p:?}");
    let out = repo.git(&["merge-tree", "--write-tree", &p[0], &p[1]]);
    let expected = out.lines().next().unwrap_or_default().to_owned();
    assert_eq!(
        rev(repo, &format!("{commit}^{{tree}}")),
        expected,
        "tree of {commit} differs from git merge-tree"
    );
}

fn is_ancestor(repo: &TestRepo, a: &str, b: &str) -> bool {
    repo.try_git_in(&repo.root, &["merge-base", "--is-ancestor", a, b])
        .code
        == 0
}

fn status_of(repo: &TestRepo, name: &str) -> String {
    repo.track(&["show", name, "--json"]).ok().json()["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Every file under `dir` (but `.git`) with its content.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if entry.file_name() == ".git" {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.insert(
                    rel.display().to_string(),
                    std::fs::read(&path).expect("read file"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Refs, and a worktree's HEAD, index (with stages), status and files.
/// Branch `integration` at `main`, checked out in its own worktree (`<tmp>/int`).
fn integration_worktree(repo: &TestRepo) -> std::path::PathBuf {
    repo.git(&["branch", "integration"]);
    let wt = repo.tmp.path().join("int");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), "integration"]);
    wt
}

fn exact_state(repo: &TestRepo, wt: &Path) -> String {
    let refs = repo.git(&["for-each-ref", "--format=%(refname) %(objectname)"]);
    let head = repo.git_in(wt, &["symbolic-ref", "HEAD"]);
    let index = repo.git_in(wt, &["ls-files", "-s"]);
    let status = repo.git_in(wt, &["status", "--porcelain", "--untracked-files=all"]);
    let merge_head = repo
        .try_git_in(wt, &["rev-parse", "-q", "--verify", "MERGE_HEAD"])
        .stdout;
    format!(
        "refs:\n{refs}\nhead: {head}\nindex:\n{index}\nstatus:\n{status}\nmerge head: {merge_head}\nfiles: {:?}",
        files_under(wt)
    )
}

fn integration_wt(repo: &TestRepo) -> PathBuf {
    repo.worktree("integration")
}

/// Three tracks where `q` conflicts with `p` on line 3, and `r` is independent.
fn conflicting_tracks(repo: &TestRepo) -> (String, String, String) {
    let p = track_with(
        repo,
        "p",
        &[],
        &[("lines.txt", &lines_with(3, "line 3 by p"))],
    );
    let q = track_with(
        repo,
        "q",
        &[],
        &[
            ("lines.txt", &lines_with(3, "line 3 by q")),
            ("q.txt", "q\n"),
        ],
    );
    let r = track_with(repo, "r", &[], &[("r.txt", "r\n")]);
    (p, q, r)
}

#[test]
fn a_clean_ordered_merge_makes_one_merge_commit_per_track_with_git_merges_trees() {
    let repo = base_repo();
    let c0 = rev(&repo, "main");
    repo.track(&["new", "a"]).ok();
    repo.track(&["new", "b"]).ok();
    // main moves on after a and b forked
    repo.write("lines.txt", &lines_with(5, "line 5 on main"));
    let c1 = repo.commit_all("main moves on");
    repo.track(&["new", "c"]).ok();
    repo.track(&["new", "f"]).ok();

    let wt = |n: &str| repo.worktree(n);
    write_file(&wt("a").join("lines.txt"), &lines_with(1, "line 1 by a"));
    write_file(&wt("a").join("a/new.txt"), "new from a\n");
    let a = repo.commit_all_in(&wt("a"), "a: work");
    repo.git_in(&wt("b"), &["mv", "docs/guide.md", "docs/manual.md"]);
    let b = repo.commit_all_in(&wt("b"), "b: rename the guide");
    write_file(
        &wt("c").join("docs/guide.md"),
        "# Guide\n\nstep one, changed by c\nstep two\nstep three\n",
    );
    write_file(
        &wt("c").join("lines.txt"),
        &lines_with(5, "line 5 on main").replace("line 9", "line 9 by c"),
    );
    let c = repo.commit_all_in(&wt("c"), "c: edit the guide");
    // f forks at main's tip: git would fast-forward it
    write_file(&wt("f").join("f.txt"), "f\n");
    let f = repo.commit_all_in(&wt("f"), "f: work");
    let main_status = repo.git(&["status", "--porcelain"]);

    let out = repo.track(&["merge", "f", "a", "b", "c", "--json"]);
    let json = out.ok().json();
    assert_eq!(json["state"], "merged");
    assert_eq!(json["created"], true);
    assert_eq!(json["from"], Value::Null);
    let tip = rev(&repo, "integration");
    assert_eq!(json["tip"], tip.as_str());

    let merges = first_parents(&repo, &c1, "integration");
    assert_eq!(merges.len(), 4, "one merge commit per track");
    for (m, (name, track_tip)) in merges
        .iter()
        .zip([("f", &f), ("a", &a), ("b", &b), ("c", &c)])
    {
        let p = parents(&repo, m);
        assert_eq!(p.len(), 2, "never a fast-forward");
        assert_eq!(&p[1], track_tip);
        assert_tree_is_git_merge_tree(&repo, m);
        assert_eq!(
            repo.git(&["log", "-1", "--format=%B", m]).trim_end(),
            format!(
                "Merge track '{name}' into integration\n\nTrack: {name}\nTrack-Tip: {track_tip}"
            )
        );
    }
    let steps = json["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 4);
    for (s, m) in steps.iter().zip(&merges) {
        assert_eq!(s["result"], "merged");
        assert_eq!(s["commit"], m.as_str());
    }
    // the rename and the edit of the renamed file met as git meets them
    assert_eq!(
        repo.git(&["show", "integration:docs/manual.md"]),
        "# Guide\n\nstep one, changed by c\nstep two\nstep three\n"
    );

    // The same merges with `git merge --no-ff` in a worktree give the same trees.
    let scratch = repo.tmp.path().join("replay");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        scratch.to_str().unwrap(),
        &c1,
    ]);
    for (m, track_tip) in merges.iter().zip([&f, &a, &b, &c]) {
        repo.git_in(
            &scratch,
            &["merge", "-q", "--no-ff", "--no-edit", track_tip],
        );
        assert_eq!(
            rev(&repo, &format!("{m}^{{tree}}")),
            repo.git_in(&scratch, &["rev-parse", "HEAD^{tree}"]).trim()
        );
    }

    // clean steps touch no worktree; a backup of nothing is not needed (created branch)
    assert!(!integration_wt(&repo).exists());
    assert_eq!(repo.git(&["status", "--porcelain"]), main_status);
    assert!(
        repo.git(&["for-each-ref", "refs/tracks-backup/"])
            .is_empty()
    );
    assert!(!repo.root.join(".git/track/merge-state.json").exists());
    assert!(is_ancestor(&repo, &c0, "integration"));
}

#[test]
fn a_run_backs_up_the_integration_branch_and_keeps_the_backup_when_it_moved() {
    let repo = base_repo();
    repo.git(&["branch", "integration"]);
    let before = rev(&repo, "integration");
    let (p, _, r) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "r"]).ok();
    let backups = repo.git(&[
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        "refs/tracks-backup/integration/",
    ]);
    assert_eq!(backups.lines().count(), 1, "{backups}");
    assert!(backups.contains("before-merge"), "{backups}");
    assert!(backups.trim().ends_with(&before));
    assert!(is_ancestor(&repo, &p, "integration"));
    assert!(is_ancestor(&repo, &r, "integration"));
}

#[test]
fn without_names_ready_tracks_merge_in_dependency_order_ties_by_creation_time() {
    let repo = base_repo();
    let new_at = |name: &str, date: &str, extra: &[&str]| {
        let mut cmd = repo.command(common::bin(), &repo.root);
        cmd.args(["new", name])
            .args(extra)
            .env("GIT_COMMITTER_DATE", date);
        let out = cmd.output().expect("run git-track");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let wt = repo.worktree(name);
        write_file(&wt.join(format!("{name}.txt")), &format!("{name}\n"));
        repo.commit_all_in(&wt, &format!("{name}: work"))
    };
    // Created: c-first at 11:00, b-dep at 10:00 (depends on c-first), a-second at 12:00.
    let c_first = new_at("c-first", "2026-01-01T11:00:00Z", &[]);
    let b_dep = new_at(
        "b-dep",
        "2026-01-01T10:00:00Z",
        &["--depends-on", "c-first"],
    );
    let a_second = new_at("a-second", "2026-01-01T12:00:00Z", &[]);
    // Not ready: a blocked track, one waiting for it, one in the backlog.
    let blk = new_at("blk", "2026-01-01T09:00:00Z", &[]);
    new_at("waiter", "2026-01-01T09:00:00Z", &["--depends-on", "blk"]);
    repo.track(&["edit", "blk", "--status", "blocked"]).ok();
    // A track with nothing to merge is not planned either.
    repo.track(&["new", "empty", "--no-worktree"]).ok();

    let json = repo.track(&["merge", "--json"]).ok().json();
    let order: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["track"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["c-first", "b-dep", "a-second"]);
    let merged_tips: Vec<String> = first_parents(&repo, "main", "integration")
        .iter()
        .map(|m| parents(&repo, m)[1].clone())
        .collect();
    assert_eq!(merged_tips, [c_first, b_dep, a_second]);
    let pending: Vec<(String, String)> = json["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["track"].as_str().unwrap().to_owned(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        pending,
        [
            ("blk".to_owned(), "status is blocked".to_owned()),
            ("waiter".to_owned(), "waits for 'blk'".to_owned())
        ]
    );
    assert!(!is_ancestor(&repo, &blk, "integration"));
}

#[test]
fn with_names_exactly_those_tracks_merge_in_the_given_order() {
    let repo = base_repo();
    let x = track_with(&repo, "x", &[], &[("x.txt", "x\n")]);
    let y = track_with(&repo, "y", &[], &[("y.txt", "y\n")]);
    let other = track_with(&repo, "other", &[], &[("o.txt", "o\n")]);
    let json = repo.track(&["merge", "y", "x", "--json"]).ok().json();
    let merged: Vec<String> = first_parents(&repo, "main", "integration")
        .iter()
        .map(|m| parents(&repo, m)[1].clone())
        .collect();
    assert_eq!(merged, [y, x]);
    assert!(!is_ancestor(&repo, &other, "integration"));
    assert_eq!(json["pending"][0]["track"], "other");
    assert_eq!(json["pending"][0]["reason"], "not listed");
}

#[test]
fn a_listed_track_whose_dependency_is_neither_merged_nor_listed_before_is_refused() {
    let repo = base_repo();
    track_with(&repo, "x", &[], &[("x.txt", "x\n")]);
    track_with(&repo, "z", &["--depends-on", "x"], &[("z.txt", "z\n")]);
    let before = repo.snapshot();

    repo.track(&["merge", "z", "x"])
        .code(2)
        .stderr_has("error: track 'z' depends on 'x', which is neither merged into the integration branch nor listed before it")
        .stderr_has("hint: list 'x' before 'z'");
    repo.track(&["merge", "z"])
        .code(2)
        .stderr_has("hint: merge 'x' first, or list it before 'z': git track merge x z");
    repo.track(&["merge", "nope"])
        .code(2)
        .stderr_has("error: no track named 'nope'");
    repo.track(&["merge", "x", "x"])
        .code(2)
        .stderr_has("error: track 'x' is listed twice");
    repo.track(&["merge", "x", "--into", "bad..name"])
        .code(2)
        .stderr_has("is not a valid branch name");
    assert_eq!(repo.snapshot(), before, "a refused merge changes nothing");

    // Listed in order, or with the dependency merged first, it goes through.
    repo.track(&["merge", "x"]).ok();
    repo.track(&["merge", "z"]).ok();
}

#[test]
fn a_conflict_stops_in_the_integration_worktree_and_continue_takes_the_resolution() {
    let repo = base_repo();
    let (p, q, r) = conflicting_tracks(&repo);
    let out = repo.track(&["merge", "p", "q", "r", "--json"]);
    out.code(1)
        .stderr_has("hint: then run 'git track merge --continue'");
    let json = out.json();
    let wt = integration_wt(&repo);
    assert_eq!(
        json,
        serde_json::json!({
            "version": 1,
            "state": "conflict",
            "track": "q",
            "step": 2,
            "worktree": wt.display().to_string(),
            "paths": ["lines.txt"],
        })
    );
    // git's own view of it: a merge in progress with the conflicted path unmerged
    let status = repo.git_in(&wt, &["status", "--porcelain"]);
    assert!(status.contains("UU lines.txt"), "{status}");
    assert!(status.contains("A  q.txt"), "{status}");
    assert_eq!(repo.git_in(&wt, &["rev-parse", "MERGE_HEAD"]).trim(), q);
    let step1 = rev(&repo, "integration");
    assert_eq!(
        parents(&repo, &step1)[1],
        p,
        "step 1 was merged before the stop"
    );
    assert_eq!(rev(&repo, "HEAD"), rev(&repo, "main"));

    // Another command sees the stop; a new run is refused.
    repo.track(&["merge", "r"])
        .code(2)
        .stderr_has("a git track merge is stopped at a conflict, at step 2 (q)");

    repo.track(&["merge", "--continue"])
        .code(1)
        .stderr_has("error: cannot continue: unmerged paths remain in")
        .stderr_has("lines.txt");
    repo.git_in(&wt, &["add", "lines.txt"]);
    repo.track(&["merge", "--continue"])
        .code(1)
        .stderr_has("error: cannot continue: conflict markers remain in lines.txt");
    write_file(&wt.join("lines.txt"), &lines_with(3, "line 3 by p and q"));
    write_file(&wt.join("extra.txt"), "not staged\n");
    repo.git_in(&wt, &["add", "lines.txt"]);
    repo.git_in(&wt, &["add", "-N", "extra.txt"]);
    repo.track(&["merge", "--continue"])
        .code(2)
        .stderr_has("changes in")
        .stderr_has("are not staged: extra.txt");
    repo.git_in(&wt, &["rm", "-q", "--cached", "extra.txt"]);
    std::fs::remove_file(wt.join("extra.txt")).unwrap();

    let json = repo.track(&["merge", "--continue", "--json"]).ok().json();
    assert_eq!(json["state"], "merged");
    assert_eq!(json["steps"][1]["conflict"]["resolution"], "by-hand");
    assert_eq!(json["steps"][1]["conflict"]["paths"][0], "lines.txt");
    let merges = first_parents(&repo, "main", "integration");
    assert_eq!(merges.len(), 3);
    let q_merge = &merges[1];
    assert_eq!(parents(&repo, q_merge), [step1.clone(), q.clone()]);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%B", q_merge]).trim_end(),
        format!("Merge track 'q' into integration\n\nTrack: q\nTrack-Tip: {q}")
    );
    assert_eq!(
        repo.git(&["show", &format!("{q_merge}:lines.txt")]),
        lines_with(3, "line 3 by p and q")
    );
    assert_eq!(parents(&repo, &merges[2])[1], r);
    assert_tree_is_git_merge_tree(&repo, &merges[2]);
    // The worktree followed the branch and is clean.
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(
        repo.git_in(&wt, &["rev-parse", "HEAD"]).trim(),
        rev(&repo, "integration")
    );
    repo.track(&["merge", "--continue"])
        .code(2)
        .stderr_has("error: no git track merge in progress; nothing to continue");
}

#[test]
fn continue_accepts_a_resolution_committed_by_hand() {
    let repo = base_repo();
    let (_, q, r) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "q", "r"]).code(1);
    let wt = integration_wt(&repo);
    write_file(&wt.join("lines.txt"), &lines_with(3, "line 3 resolved"));
    repo.git_in(&wt, &["add", "lines.txt"]);
    repo.git_in(&wt, &["commit", "-q", "--no-edit"]);
    let by_hand = rev(&repo, "integration");

    let json = repo.track(&["merge", "--continue", "--json"]).ok().json();
    assert_eq!(json["steps"][1]["commit"], by_hand.as_str());
    assert_eq!(json["steps"][1]["conflict"]["resolution"], "by-hand");
    assert_eq!(parents(&repo, &by_hand)[1], q);
    assert!(is_ancestor(&repo, &r, "integration"));
}

#[test]
fn continue_refuses_a_commit_that_still_holds_conflict_markers() {
    let repo = base_repo();
    conflicting_tracks(&repo);
    repo.track(&["merge", "p", "q"]).code(1);
    let wt = integration_wt(&repo);
    repo.git_in(&wt, &["commit", "-q", "-a", "--no-edit"]);
    repo.track(&["merge", "--continue"])
        .code(1)
        .stderr_has("still holds conflict markers in lines.txt")
        .stderr_has("hint: fix them, 'git commit --amend'");
    write_file(&wt.join("lines.txt"), &lines_with(3, "fixed"));
    repo.git_in(&wt, &["commit", "-q", "-a", "--amend", "--no-edit"]);
    repo.track(&["merge", "--continue"]).ok();
}

#[test]
fn skip_leaves_the_conflicting_track_out_and_goes_on() {
    let repo = base_repo();
    let (p, q, r) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "q", "r"]).code(1);
    let json = repo.track(&["merge", "--skip", "--json"]).ok().json();
    assert_eq!(json["steps"][1]["result"], "skipped");
    assert_eq!(json["steps"][1]["reason"], "conflict in lines.txt");
    assert_eq!(json["steps"][1]["conflict"]["resolution"], "skipped");
    assert!(is_ancestor(&repo, &p, "integration"));
    assert!(!is_ancestor(&repo, &q, "integration"));
    assert!(is_ancestor(&repo, &r, "integration"));
    let wt = integration_wt(&repo);
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert!(try_rev(&repo, "MERGE_HEAD").is_none());
    // nothing was changed by hand: no backup of the worktree
    assert!(
        !repo
            .git(&["for-each-ref", "refs/tracks-backup/"])
            .contains("worktree")
    );
}

#[test]
fn abort_restores_refs_index_and_worktree_exactly() {
    let repo = base_repo();
    // An integration branch with its own worktree, an untracked file in it.
    let wt = integration_worktree(&repo);
    write_file(&wt.join("local-notes.txt"), "mine\n");
    conflicting_tracks(&repo);
    let before = exact_state(&repo, &wt);

    let json = repo
        .track(&["merge", "p", "q", "r", "--json"])
        .code(1)
        .json();
    assert_eq!(
        json["worktree"],
        wt.canonicalize().unwrap().display().to_string()
    );
    assert_ne!(exact_state(&repo, &wt), before);
    let json = repo.track(&["merge", "--abort", "--json"]).ok().json();
    assert_eq!(json["state"], "aborted");
    assert_eq!(json["saved"], serde_json::json!([]));
    assert_eq!(exact_state(&repo, &wt), before);
    assert!(!repo.root.join(".git/track/merge-state.json").exists());
}

#[test]
fn abort_keeps_a_begun_resolution_in_a_backup_ref() {
    let repo = base_repo();
    let wt = integration_worktree(&repo);
    conflicting_tracks(&repo);
    let before = exact_state(&repo, &wt);
    repo.track(&["merge", "p", "q"]).code(1);
    write_file(&wt.join("lines.txt"), &lines_with(3, "half done"));

    let json = repo.track(&["merge", "--abort", "--json"]).ok().json();
    let saved = json["saved"][0].as_str().unwrap().to_owned();
    assert!(saved.starts_with("refs/tracks-backup/integration/aborted-worktree-"));
    assert_eq!(
        repo.git(&["show", &format!("{saved}:lines.txt")]),
        lines_with(3, "half done")
    );
    repo.git(&["update-ref", "-d", &saved]);
    assert_eq!(exact_state(&repo, &wt), before);
}

#[test]
fn abort_and_skip_keep_an_edit_to_a_file_that_was_not_in_conflict() {
    for how in ["--abort", "--skip"] {
        let repo = base_repo();
        let wt = integration_worktree(&repo);
        conflicting_tracks(&repo);
        repo.track(&["merge", "p", "q"]).code(1);
        // The conflicted file untouched; another tracked file edited.
        write_file(&wt.join("docs/guide.md"), "# Guide\n\nrewritten\n");

        repo.track(&["merge", how]).ok();
        let backups = repo.git(&["for-each-ref", "--format=%(refname)", "refs/tracks-backup/"]);
        let saved = backups
            .lines()
            .find(|r| r.contains("-worktree-"))
            .unwrap_or_else(|| panic!("{how} saved nothing: {backups}"));
        assert_eq!(
            repo.git(&["show", &format!("{saved}:docs/guide.md")]),
            "# Guide\n\nrewritten\n",
            "{how}"
        );
    }
}

#[test]
fn abort_keeps_a_resolution_staged_without_an_edit() {
    let repo = base_repo();
    let wt = integration_worktree(&repo);
    conflicting_tracks(&repo);
    repo.track(&["merge", "p", "q"]).code(1);
    // `git add` of the file as git left it, markers and all: the index changed.
    repo.git_in(&wt, &["add", "lines.txt"]);

    let json = repo.track(&["merge", "--abort", "--json"]).ok().json();
    let saved = json["saved"][0].as_str().expect("a backup").to_owned();
    assert!(
        repo.git(&["show", &format!("{saved}:lines.txt")])
            .contains("<<<<<<<")
    );
}

#[test]
fn abort_removes_the_branch_and_worktree_the_run_created() {
    let repo = base_repo();
    conflicting_tracks(&repo);
    let before = repo.snapshot();
    repo.track(&["merge", "p", "q", "r"]).code(1);
    assert!(integration_wt(&repo).exists());
    let json = repo.track(&["merge", "--abort", "--json"]).ok().json();
    assert_eq!(json["restored"], Value::Null);
    assert!(try_rev(&repo, "refs/heads/integration").is_none());
    assert!(!integration_wt(&repo).exists());
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_rerun_skips_tracks_already_merged_and_moves_nothing() {
    let repo = base_repo();
    let (p, _, r) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "r"]).ok();
    let before = repo.snapshot();
    let json = repo.track(&["merge", "p", "r", "--json"]).ok().json();
    assert_eq!(json["steps"][0]["result"], "already-merged");
    assert_eq!(json["steps"][1]["result"], "already-merged");
    assert_eq!(repo.snapshot(), before);
    // without names, merged tracks are not even planned
    let json = repo
        .track(&["merge", "q", "--dry-run", "--json"])
        .code(1)
        .json();
    assert_eq!(json["steps"].as_array().unwrap().len(), 1);
    assert!(is_ancestor(&repo, &p, "integration") && is_ancestor(&repo, &r, "integration"));
}

#[test]
fn dry_run_moves_nothing_and_names_the_first_conflicting_step() {
    let repo = base_repo();
    conflicting_tracks(&repo);
    let objects = || repo.git(&["count-objects", "-v"]);
    let (before, objects_before) = (repo.snapshot(), objects());

    let out = repo.track(&["merge", "--dry-run", "--json"]);
    let json = out.code(1).json();
    assert_eq!(json["state"], "dry-run");
    assert_eq!(json["create"], true);
    let predictions: Vec<(&str, &str)> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["track"].as_str().unwrap(),
                s["prediction"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        predictions,
        [("p", "clean"), ("q", "conflict"), ("r", "clean")]
    );
    assert_eq!(
        json["first_conflict"],
        serde_json::json!({"step": 2, "track": "q", "paths": ["lines.txt"]})
    );
    let text = repo.track(&["merge", "--dry-run"]);
    text.code(1)
        .stdout_has("First conflict: step 2 (q) in lines.txt");
    assert_eq!(repo.snapshot(), before);
    assert_eq!(objects(), objects_before, "no object was written");

    // a plan that merges cleanly exits 0
    repo.track(&["merge", "p", "r", "--dry-run"]).ok();
}

#[test]
fn a_run_killed_between_steps_is_reported_and_continue_finishes_it() {
    let repo = base_repo();
    let (p, _, r) = conflicting_tracks(&repo);
    let s = track_with(&repo, "s", &[], &[("s.txt", "s\n")]);
    let mut cmd = repo.command(common::bin(), &repo.root);
    cmd.args(["merge", "p", "r", "s"])
        .env("GIT_TRACK_TEST_EXIT_AFTER_STEP", "1");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(137));
    let after_kill = rev(&repo, "integration");
    assert_eq!(parents(&repo, &after_kill)[1], p);

    // every command reports it
    for args in [&["list"][..], &["show", "p"], &["checkpoints"]] {
        repo.track(args)
            .ok()
            .stderr_has("warning: a git track merge was interrupted at step 2 (r): its process is gone")
            .stderr_has("hint: resume it with 'git track merge --continue', or undo it with 'git track merge --abort'");
    }
    let json = repo.track(&["merge", "--continue", "--json"]).ok().json();
    assert_eq!(json["state"], "merged");
    let merges = first_parents(&repo, "main", "integration");
    let tips: Vec<String> = merges
        .iter()
        .map(|m| parents(&repo, m)[1].clone())
        .collect();
    assert_eq!(tips, [p, r, s], "no step merged twice, none lost");
    for m in &merges {
        assert_tree_is_git_merge_tree(&repo, m);
    }
    repo.track(&["list"]).ok();
    assert!(!repo.track(&["list"]).stderr.contains("warning"));
}

#[test]
fn a_run_killed_between_steps_is_undone_by_abort() {
    let repo = base_repo();
    repo.git(&["branch", "integration"]);
    conflicting_tracks(&repo);
    let before = repo.snapshot();
    let mut cmd = repo.command(common::bin(), &repo.root);
    cmd.args(["merge", "p", "r"])
        .env("GIT_TRACK_TEST_EXIT_AFTER_STEP", "1");
    assert_eq!(cmd.output().unwrap().status.code(), Some(137));
    assert_ne!(repo.snapshot(), before);
    repo.track(&["merge", "--abort"]).ok();
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_run_killed_by_a_signal_in_a_gate_is_continued_and_the_gate_runs_again() {
    let repo = base_repo();
    let (p, _, r) = conflicting_tracks(&repo);
    let log = repo.tmp.path().join("gate.log");
    let marker = repo.tmp.path().join("killed-once");
    // The first gate run kills git-track itself with SIGKILL (its parent process).
    let gate = format!(
        "echo \"$GIT_TRACK_MERGE_TRACK\" >> '{}'; test -e '{}' || {{ touch '{}'; kill -9 $PPID; }}",
        log.display(),
        marker.display(),
        marker.display()
    );
    let out = repo.track(&["merge", "p", "r", "--exec", &gate]);
    assert_eq!(out.code, -1, "killed by a signal: {out:?}");
    repo.track(&["list"])
        .stderr_has("warning: a git track merge was interrupted at step 1 (p)");
    repo.track(&["merge", "--continue"]).ok();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "p\np\nr\n");
    let tips: Vec<String> = first_parents(&repo, "main", "integration")
        .iter()
        .map(|m| parents(&repo, m)[1].clone())
        .collect();
    assert_eq!(tips, [p, r]);
}

#[test]
fn a_failing_gate_stops_the_run_and_continue_runs_it_again() {
    let repo = base_repo();
    let (p, _, r) = conflicting_tracks(&repo);
    // Fails after merging r until lines.txt says "fixed".
    let gate = "test \"$GIT_TRACK_MERGE_TRACK\" != r || grep -q fixed lines.txt";
    let out = repo.track(&["merge", "p", "r", "--exec", gate, "--json"]);
    let json = out.code(1).json();
    let wt = integration_wt(&repo);
    assert_eq!(
        json,
        serde_json::json!({
            "version": 1,
            "state": "gate-failed",
            "track": "r",
            "step": 2,
            "worktree": wt.display().to_string(),
            "paths": [],
        })
    );
    // the gate ran on the merged result
    assert!(wt.join("r.txt").exists());
    repo.track(&["merge", "--continue"]).code(1);
    write_file(&wt.join("lines.txt"), &lines_with(3, "fixed"));
    repo.track(&["merge", "--continue"])
        .code(2)
        .stderr_has("has uncommitted changes");
    repo.commit_all_in(&wt, "fix the gate");
    repo.track(&["merge", "--continue"]).ok();
    let log = repo.git(&["log", "--format=%s", "--first-parent", "main..integration"]);
    assert_eq!(
        log,
        "fix the gate\nMerge track 'r' into integration\nMerge track 'p' into integration\n"
    );
    assert!(is_ancestor(&repo, &p, "integration"));
    assert!(is_ancestor(&repo, &r, "integration"));
}

#[test]
fn skip_after_a_failing_gate_takes_the_merge_out_again() {
    let repo = base_repo();
    let (p, _, r) = conflicting_tracks(&repo);
    let s = track_with(&repo, "s", &[], &[("s.txt", "s\n")]);
    let gate = "test \"$GIT_TRACK_MERGE_TRACK\" != r";
    repo.track(&["merge", "p", "r", "s", "--exec", gate])
        .code(1);
    let json = repo
        .track(&["merge", "--skip", "--checkpoint", "--json"])
        .ok()
        .json();
    assert_eq!(json["steps"][1]["result"], "skipped");
    assert_eq!(
        json["steps"][1]["reason"],
        format!("gate '{gate}' exited with 1")
    );
    assert!(is_ancestor(&repo, &p, "integration"));
    assert!(!is_ancestor(&repo, &r, "integration"));
    assert!(is_ancestor(&repo, &s, "integration"));
    let wt = integration_wt(&repo);
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert!(!wt.join("r.txt").exists());
    let cp = &repo.track(&["checkpoints", "--json"]).ok().json()["checkpoints"][0];
    assert_eq!(cp["skipped"][0]["track"], "r");
}

#[test]
fn rerere_resolves_a_known_conflict_and_the_run_goes_on() {
    let repo = base_repo();
    repo.git(&["config", "rerere.enabled", "true"]);
    let (_, q, r) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "q", "r", "--into", "first"])
        .code(1);
    let wt = repo.worktree("first");
    write_file(
        &wt.join("lines.txt"),
        &lines_with(3, "line 3 as resolved once"),
    );
    repo.git_in(&wt, &["add", "lines.txt"]);
    repo.track(&["merge", "--continue"]).ok();

    // The same conflict again, on another branch: rerere replays the resolution.
    let json = repo
        .track(&[
            "merge", "p", "q", "r", "--into", "second", "--onto", "main", "--json",
        ])
        .ok()
        .json();
    assert_eq!(json["steps"][1]["conflict"]["resolution"], "rerere");
    assert_eq!(json["steps"][1]["conflict"]["paths"][0], "lines.txt");
    let q_merge = json["steps"][1]["commit"].as_str().unwrap();
    assert_eq!(parents(&repo, q_merge)[1], q);
    assert_eq!(
        repo.git(&["show", &format!("{q_merge}:lines.txt")]),
        lines_with(3, "line 3 as resolved once")
    );
    assert!(is_ancestor(&repo, &r, "second"));
}

#[test]
fn checkpoint_notes_record_every_item_and_parse_back_from_the_note() {
    let repo = base_repo();
    repo.write("shared.txt", LINES);
    repo.commit_all("shared file");
    let a = track_with(
        &repo,
        "a",
        &[],
        &[
            ("shared.txt", &lines_with(1, "shared line 1 by a")),
            ("a.txt", "a\n"),
        ],
    );
    let b = track_with(
        &repo,
        "b",
        &[],
        &[
            ("shared.txt", &lines_with(10, "shared line 10 by b")),
            ("lines.txt", &lines_with(3, "line 3 by b")),
        ],
    );
    let c = track_with(
        &repo,
        "c",
        &[],
        &[("lines.txt", &lines_with(3, "line 3 by c"))],
    );
    let d = track_with(&repo, "d", &[], &[("a.txt", "d was here first\n")]);
    track_with(&repo, "e", &[], &[("e.txt", "e\n")]);
    track_with(&repo, "f", &["--depends-on", "e"], &[("f.txt", "f\n")]);
    repo.track(&["edit", "e", "--status", "blocked"]).ok();

    // Order a, b, c, d (creation time ties, then names); c conflicts with b, d with a.
    let json = repo
        .track(&["merge", "--checkpoint", "--json"])
        .code(1)
        .json();
    assert_eq!(json["track"], "c");
    let wt = integration_wt(&repo);
    write_file(&wt.join("lines.txt"), &lines_with(3, "line 3 by b and c"));
    repo.git_in(&wt, &["add", "lines.txt"]);
    let json = repo
        .track(&["merge", "--continue", "--json"])
        .code(1)
        .json();
    assert_eq!(json["track"], "d");
    let json = repo.track(&["merge", "--skip", "--json"]).ok().json();
    let cp_commit = json["checkpoint"]["commit"].as_str().unwrap().to_owned();
    assert_eq!(json["checkpoint"]["number"], 1);
    assert_eq!(
        json["checkpoint"]["done"],
        serde_json::json!(["a", "b", "c"])
    );

    // The commit: tree unchanged, on top of the last merge, readable with trailers.
    assert_eq!(rev(&repo, "integration"), cp_commit);
    let tip = parents(&repo, &cp_commit);
    assert_eq!(tip.len(), 1);
    assert_eq!(
        rev(&repo, &format!("{cp_commit}^{{tree}}")),
        rev(&repo, &format!("{}^{{tree}}", tip[0]))
    );
    let message = repo.git(&["log", "-1", "--format=%B", &cp_commit]);
    assert!(
        message.starts_with("Integration checkpoint 1 of integration: 3 tracks merged\n"),
        "{message}"
    );
    for line in [
        "Checkpoint: 1".to_owned(),
        "Checkpoint-Branch: integration".to_owned(),
        format!("Merged: a {a}"),
        format!("Merged: b {b}"),
        format!("Merged: c {c}"),
        "Overlap: lines.txt".to_owned(),
        "Overlap: shared.txt".to_owned(),
        "Conflict: c lines.txt".to_owned(),
        "Conflict: d a.txt".to_owned(),
        "Skipped: d".to_owned(),
        "Pending: e".to_owned(),
        "Pending: f".to_owned(),
    ] {
        assert!(
            message.contains(&format!("\n{line}\n")),
            "{line} missing:\n{message}"
        );
    }
    // git itself reads the last paragraph as trailers
    let parsed = repo.git(&[
        "log",
        "-1",
        "--format=%(trailers:key=Checkpoint,valueonly)%(trailers:key=Merged,valueonly)",
        &cp_commit,
    ]);
    assert_eq!(parsed.trim_end(), format!("1\na {a}\nb {b}\nc {c}"));

    // The note is TOML and parses back into every item.
    let note = repo.git(&["notes", "--ref=tracks", "show", &cp_commit]);
    assert!(note.contains("checkpoint = 1\n"), "{note}");
    let list = repo.track(&["checkpoints", "--json"]).ok().json();
    assert_eq!(list["branch"], "integration");
    let cp = &list["checkpoints"][0];
    assert_eq!(cp["commit"], cp_commit.as_str());
    assert_eq!(cp["source"], "note");
    assert_eq!(cp["checkpoint"], 1);
    assert_eq!(cp["tip"], tip[0].as_str());
    let merges = first_parents(&repo, "main", &tip[0]);
    for (i, (name, track_tip)) in [("a", &a), ("b", &b), ("c", &c)].iter().enumerate() {
        let m = &cp["merged"][i];
        assert_eq!(m["track"], *name);
        assert_eq!(m["tip"], track_tip.as_str());
        assert_eq!(m["commit"], merges[i].as_str());
        let numstat = repo.git(&[
            "diff",
            "--numstat",
            "--no-renames",
            &format!("{}^1", merges[i]),
            &merges[i],
        ]);
        let (mut ins, mut del) = (0, 0);
        for l in numstat.lines() {
            let f: Vec<&str> = l.split('\t').collect();
            ins += f[0].parse::<u64>().unwrap();
            del += f[1].parse::<u64>().unwrap();
        }
        assert_eq!(m["files"], numstat.lines().count() as u64, "{name}");
        assert_eq!(m["insertions"], ins, "{name}");
        assert_eq!(m["deletions"], del, "{name}");
    }
    assert_eq!(cp["merged"].as_array().unwrap().len(), 3);
    assert_eq!(
        cp["overlaps"],
        serde_json::json!([
            {"path": "lines.txt", "tracks": ["b", "c"]},
            {"path": "shared.txt", "tracks": ["a", "b"]},
        ])
    );
    assert_eq!(
        cp["conflicts"],
        serde_json::json!([
            {"track": "c", "paths": ["lines.txt"], "resolution": "by-hand"},
            {"track": "d", "paths": ["a.txt"], "resolution": "skipped"},
        ])
    );
    assert_eq!(
        cp["skipped"],
        serde_json::json!([{"track": "d", "reason": "conflict in a.txt", "tip": d}])
    );
    assert_eq!(cp["pending"][0]["track"], "e");
    assert_eq!(cp["pending"][0]["reason"], "status is blocked");
    assert_eq!(cp["pending"][1]["track"], "f");
    assert_eq!(cp["pending"][1]["reason"], "waits for 'e'");
    assert_eq!(cp["violations"], serde_json::json!([]));
    for (name, status) in [("a", "done"), ("b", "done"), ("c", "done"), ("d", "active")] {
        assert_eq!(status_of(&repo, name), status, "{name}");
    }

    // A second checkpoint counts up and points back; --keep-active keeps statuses.
    repo.track(&["edit", "e", "--status", "active"]).ok();
    let json = repo
        .track(&["merge", "e", "--checkpoint", "--keep-active", "--json"])
        .ok()
        .json();
    assert_eq!(json["checkpoint"]["number"], 2);
    assert_eq!(status_of(&repo, "e"), "active");
    let list = repo.track(&["checkpoints", "--json"]).ok().json();
    let cps = list["checkpoints"].as_array().unwrap();
    assert_eq!(cps.len(), 2);
    assert_eq!(cps[0]["checkpoint"], 2);
    assert_eq!(cps[0]["previous"], cp_commit.as_str());
    assert_eq!(cps[0]["merged"][0]["track"], "e");
    assert_eq!(cps[1]["checkpoint"], 1);
    let text = repo.track(&["checkpoints"]).ok().stdout.clone();
    assert!(text.starts_with("checkpoint 2  "), "{text}");
    assert!(text.contains("  overlap: shared.txt (a, b)\n"), "{text}");

    // Without the note (not fetched), the trailers still tell the story.
    repo.git(&["update-ref", "-d", "refs/notes/tracks"]);
    let list = repo.track(&["checkpoints", "--json"]).ok().json();
    let cp = &list["checkpoints"][1];
    assert_eq!(cp["source"], "trailers");
    assert_eq!(cp["merged"][2]["tip"], c.as_str());
    assert_eq!(cp["skipped"][0]["track"], "d");
    assert_eq!(cp["conflicts"][0]["paths"][0], "lines.txt");
}

#[test]
fn a_checkpoint_covers_merges_of_earlier_runs_committed_by_hand_with_git_comments() {
    let repo = base_repo();
    let (p, q, _) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "q"]).code(1);
    let wt = integration_wt(&repo);
    write_file(&wt.join("lines.txt"), &lines_with(3, "resolved"));
    repo.git_in(&wt, &["add", "lines.txt"]);
    // `git commit --no-edit` keeps git's "# Conflicts:" lines after our trailers.
    repo.git_in(&wt, &["commit", "-q", "--no-edit"]);
    repo.track(&["merge", "--continue"]).ok();
    repo.track(&["merge", "r", "--checkpoint"]).ok();
    let list = repo.track(&["checkpoints", "--json"]).ok().json();
    let names: Vec<&str> = list["checkpoints"][0]["merged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["track"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p", "q", "r"]);
    assert_eq!(list["checkpoints"][0]["merged"][0]["tip"], p.as_str());
    assert_eq!(list["checkpoints"][0]["merged"][1]["tip"], q.as_str());
}

#[test]
fn a_merge_refuses_to_start_over_a_dirty_integration_worktree() {
    let repo = base_repo();
    let wt = integration_worktree(&repo);
    write_file(&wt.join("lines.txt"), "dirty\n");
    conflicting_tracks(&repo);
    let before = repo.snapshot();
    repo.track(&["merge", "p"])
        .code(2)
        .stderr_has("has uncommitted changes");
    assert_eq!(repo.snapshot(), before);
    repo.track(&["merge", "--abort"])
        .code(2)
        .stderr_has("error: no git track merge in progress; nothing to abort");
    repo.track(&["merge", "--skip"]).code(2);
}

#[test]
fn clean_steps_bring_an_existing_integration_worktree_along() {
    let repo = base_repo();
    let wt = integration_worktree(&repo);
    write_file(&wt.join("untracked.txt"), "kept\n");
    let (p, _, r) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "r"]).ok();
    assert_eq!(
        repo.git_in(&wt, &["status", "--porcelain"]),
        "?? untracked.txt\n"
    );
    assert_eq!(
        repo.git_in(&wt, &["rev-parse", "HEAD"]).trim(),
        rev(&repo, "integration")
    );
    assert!(wt.join("r.txt").exists());
    assert!(is_ancestor(&repo, &p, "integration") && is_ancestor(&repo, &r, "integration"));
}

#[test]
fn into_and_onto_create_another_integration_branch() {
    let repo = base_repo();
    let first = rev(&repo, "main~1");
    let p = track_with(&repo, "p", &[], &[("p.txt", "p\n")]);
    let json = repo
        .track(&[
            "merge",
            "p",
            "--into",
            "release/next",
            "--onto",
            &first,
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(json["branch"], "release/next");
    assert_eq!(json["created"], true);
    let m = rev(&repo, "release/next");
    assert_eq!(parents(&repo, &m), [first.clone(), p]);
    assert_tree_is_git_merge_tree(&repo, &m);
    repo.track(&["merge", "p", "--into", "release/next", "--onto", "main"])
        .ok()
        .stderr_has(
            "warning: 'release/next' exists already; --onto main only applies when it is created",
        );
}

#[test]
fn criss_cross_histories_with_two_merge_bases_merge_to_git_merge_trees_trees() {
    let repo = base_repo();
    repo.write("other.txt", LINES);
    repo.commit_all("other file");
    let x1 = track_with(&repo, "x", &[], &[("lines.txt", &lines_with(1, "x1"))]);
    let y1 = track_with(&repo, "y", &[], &[("lines.txt", &lines_with(10, "y1"))]);
    let (wx, wy) = (repo.worktree("x"), repo.worktree("y"));
    // Each merges the other's first commit: x1 and y1 are both merge bases later on.
    repo.git_in(&wx, &["merge", "-q", "--no-ff", "--no-edit", &y1]);
    repo.git_in(&wy, &["merge", "-q", "--no-ff", "--no-edit", &x1]);
    let lines = repo.git_in(&wx, &["show", "HEAD:lines.txt"]);
    write_file(&wx.join("lines.txt"), &lines.replace("line 4", "x3"));
    write_file(&wx.join("other.txt"), &lines_with(2, "other by x"));
    repo.commit_all_in(&wx, "x3");
    let lines = repo.git_in(&wy, &["show", "HEAD:lines.txt"]);
    write_file(&wy.join("lines.txt"), &lines.replace("line 7", "y3"));
    write_file(&wy.join("other.txt"), &lines_with(9, "other by y"));
    repo.commit_all_in(&wy, "y3");
    let bases = repo.git(&["merge-base", "--all", "track/x", "track/y"]);
    assert_eq!(bases.lines().count(), 2, "criss-cross: {bases}");

    repo.track(&["merge", "x", "y"]).ok();
    for m in first_parents(&repo, "main", "integration") {
        assert_tree_is_git_merge_tree(&repo, &m);
    }
    let merged = repo.git(&["show", "integration:lines.txt"]);
    for word in ["x1", "x3", "y3", "y1"] {
        assert!(merged.contains(word), "{word} missing:\n{merged}");
    }
}

#[test]
fn renames_deletions_and_additions_on_the_integration_side_merge_as_git_merges_them() {
    let repo = base_repo();
    repo.write("src/a.txt", LINES);
    repo.write("src/b.txt", &LINES.replace("line", "bee"));
    repo.write("src/gone.txt", &LINES.replace("line", "gone"));
    repo.commit_all("more files");
    // Merged first, into the integration branch:
    // `mover` moves docs/guide.md to another folder, and src/b.txt too.
    repo.track(&["new", "mover"]).ok();
    let wt = repo.worktree("mover");
    std::fs::create_dir_all(wt.join("manual")).unwrap();
    std::fs::create_dir_all(wt.join("moved")).unwrap();
    repo.git_in(&wt, &["mv", "docs/guide.md", "manual/guide.md"]);
    repo.git_in(&wt, &["mv", "src/b.txt", "moved/b.txt"]);
    repo.commit_all_in(&wt, "mover: move files");
    // `adder` adds a file that `twin` adds too, identically.
    track_with(&repo, "adder", &[], &[("src/new.txt", "same\n")]);
    // `remover` deletes a file that `deleted-edit` edits.
    repo.track(&["new", "remover"]).ok();
    repo.git_in(&repo.worktree("remover"), &["rm", "-q", "src/gone.txt"]);
    repo.commit_all_in(&repo.worktree("remover"), "remover: delete");
    // Merged after them, from the old base:
    track_with(
        &repo,
        "editor",
        &[],
        &[
            (
                "docs/guide.md",
                "# Guide\n\nstep one, edited\nstep two\nstep three\n",
            ),
            ("src/a.txt", &lines_with(2, "a edited")),
        ],
    );
    track_with(
        &repo,
        "twin",
        &[],
        &[
            ("src/new.txt", "same\n"),
            ("src/a.txt", &lines_with(9, "twin")),
        ],
    );
    track_with(
        &repo,
        "deleted-edit",
        &[],
        &[("src/gone.txt", &LINES.replace("gone", "kept"))],
    );

    repo.track(&["merge", "mover", "adder", "remover", "editor", "twin"])
        .ok();
    let merges = first_parents(&repo, "main", "integration");
    assert_eq!(merges.len(), 5);
    for m in &merges {
        assert_tree_is_git_merge_tree(&repo, m);
    }
    // the edit of the moved guide followed it to its new folder, as git does it
    assert_eq!(
        repo.git(&["show", "integration:manual/guide.md"]),
        "# Guide\n\nstep one, edited\nstep two\nstep three\n"
    );
    assert!(try_rev(&repo, "integration:moved/b.txt").is_some());
    assert!(try_rev(&repo, "integration:src/b.txt").is_none());

    // an edit of a file the integration branch deleted conflicts, for git and for us
    let json = repo
        .track(&["merge", "deleted-edit", "--dry-run", "--json"])
        .code(1)
        .json();
    assert_eq!(
        json["first_conflict"]["paths"],
        serde_json::json!(["src/gone.txt"])
    );
    let tip = rev(&repo, "integration");
    let git = repo.try_git_in(
        &repo.root,
        &["merge-tree", "--write-tree", &tip, "track/deleted-edit"],
    );
    assert_eq!(git.code, 1, "git conflicts too: {}", git.stdout);
}

#[test]
fn abort_after_a_kill_restores_an_integration_worktree_the_steps_left_behind() {
    let repo = base_repo();
    let wt = integration_worktree(&repo);
    write_file(&wt.join("local-notes.txt"), "mine\n");
    conflicting_tracks(&repo);
    let before = exact_state(&repo, &wt);
    let mut cmd = repo.command(common::bin(), &repo.root);
    cmd.args(["merge", "p", "r"])
        .env("GIT_TRACK_TEST_EXIT_AFTER_STEP", "1");
    assert_eq!(cmd.output().unwrap().status.code(), Some(137));
    // the branch moved without its worktree
    assert_ne!(exact_state(&repo, &wt), before);
    let json = repo.track(&["merge", "--abort", "--json"]).ok().json();
    assert_eq!(
        json["saved"],
        serde_json::json!([]),
        "nothing of anyone's to save"
    );
    assert_eq!(exact_state(&repo, &wt), before);
}

#[test]
fn a_named_track_with_scope_violations_is_refused_unless_allowed_and_the_notes_record_them() {
    let repo = base_repo();
    let stray = track_with(
        &repo,
        "stray",
        &["--scope", "src/**"],
        &[("src/ok.txt", "ok\n"), ("docs/guide.md", "# Changed\n")],
    );
    let before = repo.snapshot();
    repo.track(&["merge", "stray"])
        .code(1)
        .stderr_has(
            "error: track 'stray' changes paths outside its scope: docs/guide.md (outside scope)",
        )
        .stderr_has("hint: pass --allow-violations to merge it anyway");
    repo.track(&["merge", "stray", "--dry-run"]).code(1);
    assert_eq!(repo.snapshot(), before, "a refused merge changes nothing");

    let json = repo
        .track(&[
            "merge",
            "stray",
            "--allow-violations",
            "--checkpoint",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(json["steps"][0]["violations"][0]["path"], "docs/guide.md");
    assert!(is_ancestor(&repo, &stray, "integration"));
    let message = repo.git(&["log", "-1", "--format=%B", "integration"]);
    assert!(
        message.contains("\nViolation: stray docs/guide.md\n"),
        "{message}"
    );
    assert!(
        message.contains("Scope violations:\n  stray: docs/guide.md (outside scope)\n"),
        "{message}"
    );
    let cp = &repo.track(&["checkpoints", "--json"]).ok().json()["checkpoints"][0];
    assert_eq!(
        cp["violations"],
        serde_json::json!([{"track": "stray", "path": "docs/guide.md", "reason": "outside_scope"}])
    );
}

#[test]
fn without_names_a_track_with_scope_violations_and_its_dependents_are_left_out() {
    let repo = base_repo();
    let good = track_with(
        &repo,
        "good",
        &["--scope", "good/**"],
        &[("good/a.txt", "a\n")],
    );
    track_with(
        &repo,
        "stray",
        &["--scope", "src/**"],
        &[("docs/guide.md", "# Changed\n")],
    );
    track_with(
        &repo,
        "after",
        &["--scope", "after/**", "--depends-on", "stray"],
        &[("after/a.txt", "a\n")],
    );
    let out = repo.track(&["merge", "--json"]);
    // Leaving a track out for scope violations is something found: exit 1.
    out.code(1).stderr_has(
        "warning: left out 'stray': it changes paths outside its scope: docs/guide.md (outside scope)",
    );
    let json = out.json();
    let merged: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["track"].as_str().unwrap())
        .collect();
    assert_eq!(merged, ["good"]);
    assert!(is_ancestor(&repo, &good, "integration"));
    assert_eq!(
        json["pending"],
        serde_json::json!([
            {"track": "after", "reason": "waits for 'stray'", "tip": rev(&repo, "track/after")},
            {"track": "stray", "reason": "scope violations: docs/guide.md (outside scope)", "tip": rev(&repo, "track/stray")},
        ])
    );
    // allowed, both go in, in dependency order
    let json = repo
        .track(&["merge", "--allow-violations", "--json"])
        .ok()
        .json();
    let merged: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["track"].as_str().unwrap())
        .collect();
    assert_eq!(merged, ["stray", "after"]);
}

/// With no identity configured anywhere, the commits a run makes, in memory and by git in
/// the integration worktree (the conflicted step), are all git-track's.
#[test]
fn without_an_identity_every_merge_commit_is_git_tracks() {
    let repo = base_repo();
    conflicting_tracks(&repo);
    let anonymous = |args: &[&str]| {
        repo.command(common::bin(), &repo.root)
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL")
            .args(args)
            .output()
            .unwrap()
    };
    let out = anonymous(&["merge", "p", "q", "r"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let wt = integration_wt(&repo);
    write_file(&wt.join("lines.txt"), &lines_with(3, "line 3 by p and q"));
    repo.git_in(&wt, &["add", "lines.txt"]);
    let out = anonymous(&["merge", "--continue"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let who = repo.git(&[
        "log",
        "--first-parent",
        "--format=%an <%ae>, %cn <%ce>",
        "main..integration",
    ]);
    assert_eq!(
        who,
        "git-track <git-track@localhost>, git-track <git-track@localhost>\n".repeat(3)
    );
}

#[test]
fn tracks_adding_files_to_a_folder_they_all_add_merge_to_git_merge_trees_trees() {
    // Each step's merge leaves out what only the integration side added to the folder
    // both sides added (as if the base had it empty); the trees must stay git's.
    let repo = base_repo();
    track_with(
        &repo,
        "a",
        &[],
        &[("new/a.txt", "a\n"), ("new/deep/a.txt", "a deep\n")],
    );
    track_with(
        &repo,
        "b",
        &[],
        &[("new/b.txt", "b\n"), ("new/deep/b.txt", "b deep\n")],
    );
    track_with(
        &repo,
        "c",
        &[],
        &[("new/c.txt", "c\n"), ("new/deep/a.txt", "a deep\n")],
    );
    track_with(
        &repo,
        "d",
        &[],
        &[("new/d.txt", "d\n"), ("new/a.txt", "not a\n")],
    );
    let json = repo
        .track(&["merge", "--dry-run", "a", "b", "c", "d", "--json"])
        .code(1)
        .json();
    let predicted: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["prediction"].as_str().unwrap())
        .collect();
    assert_eq!(predicted, ["clean", "clean", "clean", "conflict"]);
    repo.track(&["merge", "a", "b", "c", "d"]).code(1);
    let merges = first_parents(&repo, "main", "integration");
    assert_eq!(merges.len(), 3);
    for m in &merges {
        assert_tree_is_git_merge_tree(&repo, m);
    }
    let listed = repo.git(&["ls-tree", "-r", "--name-only", "integration", "new"]);
    assert_eq!(
        listed,
        "new/a.txt\nnew/b.txt\nnew/c.txt\nnew/deep/a.txt\nnew/deep/b.txt\n"
    );
}

// ---- Each refusal and stop of a run, whole: its error line, its hints, its exit code.

/// Asserts that `out` exits with `code` and prints exactly `stderr`, `<tmp>` standing
/// for the repository's temporary folder.
#[track_caller]
fn says(repo: &TestRepo, out: &common::Out, code: i32, stderr: &str) {
    let tmp = repo.tmp.path().canonicalize().unwrap();
    out.code(code);
    assert_eq!(out.stderr.replace(tmp.to_str().unwrap(), "<tmp>"), stderr);
}

#[test]
fn a_run_that_cannot_start_says_why_and_what_to_do() {
    let repo = base_repo();
    let (_, _, r) = conflicting_tracks(&repo);
    says(
        &repo,
        &repo.track(&["merge", "--into", "fresh", "--onto", "nope"]),
        2,
        "error: the integration branch 'fresh' does not exist, and 'nope', where it would start, does not resolve to a commit\n\
         hint: pass --onto <rev>, or set track.base with 'git track init --base <rev>'\n",
    );
    says(
        &repo,
        &repo.track(&["merge", "--into", "bad..name"]),
        2,
        "error: 'bad..name' is not a valid branch name\n",
    );
    let wt = integration_worktree(&repo);
    repo.git_in(&wt, &["merge", "-q", "--no-commit", "--no-ff", &r]);
    says(
        &repo,
        &repo.track(&["merge", "p"]),
        2,
        "error: a merge is in progress in the integration worktree <tmp>/int\n\
         hint: finish it ('git commit') or undo it ('git merge --abort') first\n",
    );
}

#[test]
fn an_integration_worktree_that_cannot_be_added_is_named_with_what_to_do() {
    let repo = base_repo();
    conflicting_tracks(&repo);
    write_file(&integration_wt(&repo).join("keep.txt"), "mine\n");
    says(
        &repo,
        &repo.track(&["merge", "p", "q"]),
        128,
        "fatal: cannot add the integration worktree at '<tmp>/repo.tracks/integration': it exists and is not empty\n\
         hint: check out 'integration' in a worktree of your choice ('git worktree add <path> integration'), then 'git track merge --continue'\n",
    );
    std::fs::remove_file(integration_wt(&repo).join("keep.txt")).unwrap();
    repo.track(&["merge", "--continue"]).code(1);
}

#[test]
fn a_stopped_run_refuses_what_it_did_not_make_and_says_why() {
    let repo = base_repo();
    let (_, q, r) = conflicting_tracks(&repo);
    repo.track(&["merge", "p", "q"]).code(1);
    says(
        &repo,
        &repo.track(&["merge", "r"]),
        2,
        "error: a git track merge is stopped at a conflict, at step 2 (q)\n\
         hint: finish it with 'git track merge --continue', or undo it with 'git track merge --abort'\n",
    );
    let wt = integration_wt(&repo);
    repo.git_in(&wt, &["merge", "--abort"]);
    repo.git_in(&wt, &["merge", "-q", "--no-commit", "--no-ff", &r]);
    says(
        &repo,
        &repo.track(&["merge", "--continue"]),
        128,
        &format!(
            "fatal: the merge in progress in <tmp>/repo.tracks/integration is of {r}, not of track 'q' ({q})\n\
             hint: finish or undo it with git ('git merge --abort'), then 'git track merge --continue'\n"
        ),
    );
    repo.git_in(&wt, &["merge", "--abort"]);
    let main = rev(&repo, "main");
    repo.git(&["update-ref", "refs/heads/integration", &main]);
    says(
        &repo,
        &repo.track(&["merge", "--continue"]),
        128,
        &format!(
            "fatal: the integration branch 'integration' moved to {main}, which this merge did not make\n\
             hint: 'git track merge --abort' restores it as it was before the run (keeping that commit under refs/tracks-backup/)\n"
        ),
    );
    repo.track(&["merge", "--abort"]).ok();
}

#[test]
fn skip_after_the_last_step_and_a_bad_saved_id_are_refused_with_why() {
    let repo = base_repo();
    conflicting_tracks(&repo);
    let mut cmd = repo.command(common::bin(), &repo.root);
    cmd.args(["merge", "p", "r"])
        .env("GIT_TRACK_TEST_EXIT_AFTER_STEP", "2");
    assert_eq!(cmd.output().unwrap().status.code(), Some(137));
    says(
        &repo,
        &repo.track(&["merge", "--skip"]),
        2,
        "error: nothing to skip: every step is done; 'git track merge --continue' finishes the run\n",
    );
    repo.track(&["merge", "--continue"]).ok();

    says(
        &repo,
        &repo.track(&["merge", "--abort"]),
        2,
        "error: no git track merge in progress; nothing to abort\n",
    );
    track_with(&repo, "s", &[], &[("s.txt", "s\n")]);
    repo.track(&["merge", "s", "--exec", "false"]).code(1);
    let state_file = repo.path(".git/track/merge-state.json");
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    state["steps"][0]["before"] = "not-an-id".into();
    std::fs::write(&state_file, state.to_string()).unwrap();
    let out = repo.track(&["merge", "--skip"]);
    out.code(128);
    assert!(
        out.stderr
            .starts_with("fatal: the saved merge state holds a bad object id 'not-an-id': "),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn abort_after_a_run_ended_past_its_checkpoint_says_continue_finishes_it() {
    // Two repositories made alike: the first counts the run's writing steps, the second
    // stops at the removal of the run's state, after the checkpoint was made.
    let made = || {
        let repo = base_repo();
        track_with(&repo, "r", &[], &[("r.txt", "r\n")]);
        repo
    };
    let traced = made();
    let mut cmd = traced.command(common::bin(), &traced.root);
    cmd.args(["merge", "r", "--checkpoint"])
        .env("GIT_TRACK_TEST_CRASH_TRACE", "1");
    let trace = String::from_utf8(cmd.output().unwrap().stderr).unwrap();
    let point = trace
        .lines()
        .filter_map(|l| l.strip_prefix("crash point "))
        .find(|l| l.ends_with("merge-state.json") && l.contains(": remove "))
        .and_then(|l| l.split(':').next())
        .unwrap_or_else(|| panic!("no removal of the state in:\n{trace}"))
        .to_owned();
    let repo = made();
    let mut cmd = repo.command(common::bin(), &repo.root);
    cmd.args(["merge", "r", "--checkpoint"])
        .env("GIT_TRACK_TEST_CRASH_AT", &point);
    assert_eq!(cmd.output().unwrap().status.code(), Some(137));
    says(
        &repo,
        &repo.track(&["merge", "--abort"]),
        2,
        "error: the run had made its checkpoint on 'integration' when its process ended; there is nothing to abort\n\
         hint: 'git track merge --continue' finishes it\n",
    );
    repo.track(&["merge", "--continue"]).ok();
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_another_process_is_at_is_left_to_it() {
    let repo = base_repo();
    conflicting_tracks(&repo);
    let started = repo.tmp.path().join("started");
    let release = repo.tmp.path().join("release");
    let gate = format!(
        "touch '{}'; while [ ! -e '{}' ]; do sleep 0.05; done",
        started.display(),
        release.display()
    );
    let mut child = repo.spawn(&["merge", "p", "--exec", &gate], &[]);
    let waited = std::time::Instant::now();
    while !started.exists() {
        assert!(waited.elapsed().as_secs() < 60, "the gate never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = child.id();
    says(
        &repo,
        &repo.track(&["merge", "--abort"]),
        2,
        &format!("error: a git track merge is running (process {pid}); wait for it to end\n"),
    );
    says(
        &repo,
        &repo.track(&["merge", "r"]),
        2,
        &format!("error: a git track merge is running (process {pid}), at step 1 (p)\n"),
    );
    std::fs::write(&release, "").unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_plan_of_many_tracks_holds_each_to_its_scope_whichever_thread_checks_it() {
    // From 64 tracks on, what each brings is listed on several threads: the first and
    // the last of 70 (in different shares) stray, and only they are left out.
    let repo = base_repo();
    let main = rev(&repo, "HEAD");
    for i in 0..70 {
        repo.git(&["checkout", "-q", "-b", &format!("topic/t{i:02}"), &main]);
        repo.write(&format!("m{i:02}/file.txt"), &format!("t{i:02}\n"));
        repo.commit_all(&format!("t{i:02}"));
    }
    repo.git(&["checkout", "-q", "main"]);
    repo.track(&["import", "--branches", "topic/*"]).ok();
    let names: Vec<String> = repo.track(&["list", "--json"]).ok().json()["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 70, "{names:?}");
    for (i, name) in names.iter().enumerate() {
        let scope = if i == 0 || i == 69 {
            "elsewhere/**".to_owned()
        } else {
            format!("m{i:02}/**")
        };
        repo.track(&["edit", name, "--scope", &scope]).ok();
    }
    let out = repo.track(&["merge", "--dry-run", "--json"]);
    // Leaving a track out is what a dry run predicts, not a failure: every step is clean.
    out.ok();
    for (i, name) in [(0, &names[0]), (69, &names[69])] {
        out.stderr_has(&format!(
            "warning: left out '{name}': it changes paths outside its scope: m{i:02}/file.txt (outside scope)"
        ));
    }
    let json = out.json();
    assert_eq!(json["steps"].as_array().unwrap().len(), 68, "{json}");
    assert_eq!(
        out.stderr.matches("outside its scope").count(),
        2,
        "{}",
        out.stderr
    );
}
