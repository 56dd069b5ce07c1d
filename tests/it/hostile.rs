//! Regressions found by hostile but realistic use (issue 15): each test is named after
//! what broke, and checks the message, the exit code and the refs, worktrees and
//! branches before and after.

use crate::common;
use common::TestRepo;
use std::path::Path;
use std::process::Child;

fn ref_exists(repo: &TestRepo, name: &str) -> bool {
    repo.try_git_in(&repo.root, &["rev-parse", "-q", "--verify", name])
        .code
        == 0
}

fn rev(repo: &TestRepo, name: &str) -> String {
    repo.git(&["rev-parse", name]).trim().to_owned()
}

fn backups(repo: &TestRepo) -> Vec<String> {
    repo.git(&[
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        "refs/tracks-backup/",
    ])
    .lines()
    .map(str::to_owned)
    .collect()
}

/// Waits (bounded) for a file a paused process writes once it holds a lock.
fn wait_for(path: &Path, child: &mut Child) {
    for _ in 0..3000 {
        if path.exists() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the process ended ({status}) before reaching its pause");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("{} never appeared", path.display());
}

/// `git mktree` of `listing`.
fn mktree(repo: &TestRepo, listing: &str) -> String {
    repo.git_fed(&repo.root, &["mktree"], listing)
        .trim()
        .to_owned()
}

fn kill_9(child: &mut Child) {
    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let _ = child.wait();
}

// ---- 1. A branch checked out somewhere, the base or the integration branch is never deleted.

#[test]
fn remove_delete_branch_refuses_the_branch_checked_out_in_the_main_worktree() {
    let repo = TestRepo::new();
    repo.git(&["checkout", "-q", "-b", "feat"]);
    repo.write("feat.txt", "work\n");
    let work = repo.commit_all("work on feat");
    repo.track(&["new", "ft", "--branch", "feat", "--no-worktree"])
        .ok();
    let before = repo.snapshot();
    let out = repo.track(&["remove", "ft", "--delete-branch"]);
    out.code(2)
        .stderr_has("refusing to delete branch 'feat': it is checked out in the worktree at");
    out.stderr_has("without --delete-branch");
    assert_eq!(repo.snapshot(), before, "a refusal changes nothing");
    assert_eq!(rev(&repo, "refs/heads/feat"), work);
    assert_eq!(
        repo.git(&["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/feat"
    );
    // Without --delete-branch the track goes and the branch stays.
    repo.track(&["remove", "ft"]).ok();
    assert!(!ref_exists(&repo, "refs/tracks/ft"));
    assert_eq!(rev(&repo, "refs/heads/feat"), work);
}

#[test]
fn remove_delete_branch_refuses_the_base_branch() {
    let repo = TestRepo::new();
    let main = rev(&repo, "main");
    repo.track(&["new", "t", "--no-worktree"]).ok();
    repo.track(&["edit", "t", "--branch", "main"]).ok();
    // Not checked out anywhere: only being the base protects it.
    repo.git(&["checkout", "-q", "--detach"]);
    let before = repo.snapshot();
    repo.track(&["remove", "t", "--delete-branch"])
        .code(2)
        .stderr_has("refusing to delete branch 'main': it is the base branch (track.base)");
    assert_eq!(repo.snapshot(), before);
    assert_eq!(rev(&repo, "main"), main);
}

#[test]
fn remove_delete_branch_refuses_the_integration_branch() {
    let repo = TestRepo::new();
    repo.git(&["branch", "integration"]);
    repo.track(&["new", "t", "--no-worktree"]).ok();
    repo.track(&["edit", "t", "--branch", "integration"]).ok();
    let before = repo.snapshot();
    repo.track(&["remove", "t", "--delete-branch"])
        .code(2)
        .stderr_has("refusing to delete branch 'integration': it is the integration branch");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn remove_delete_branch_backs_the_branch_up_even_when_merged() {
    let repo = TestRepo::new();
    repo.track(&["new", "t"]).ok();
    let tip = rev(&repo, "track/t");
    let out = repo.track(&["remove", "t", "--delete-branch"]);
    out.ok().stderr_has("Deleted branch track/t");
    assert!(!ref_exists(&repo, "refs/heads/track/t"));
    assert!(!repo.worktree("t").exists());
    let saved = backups(&repo);
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(saved[0].starts_with("refs/tracks-backup/t/branch-"));
    assert!(saved[0].ends_with(&tip));
    out.stderr_has(saved[0].split(' ').next().unwrap());
}

// ---- 2. Concurrent `new` of one name: the losers' undo never touches the winner's work.

#[test]
fn concurrent_new_of_one_name_never_deletes_the_winners_branch() {
    for trial in 0..4 {
        let repo = TestRepo::new();
        let children: Vec<Child> = (0..8).map(|_| repo.spawn(&["new", "same"], &[])).collect();
        let outs: Vec<std::process::Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait"))
            .collect();
        let won = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(won, 1, "trial {trial}: exactly one `new same` succeeds");
        for o in outs.iter().filter(|o| !o.status.success()) {
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "trial {trial}: {err}");
            assert!(
                err.contains("error: a track named 'same' already exists"),
                "trial {trial}: {err}"
            );
        }
        assert!(ref_exists(&repo, "refs/heads/track/same"), "trial {trial}");
        assert!(ref_exists(&repo, "refs/tracks/same"), "trial {trial}");
        let wt = repo.worktree("same");
        assert_eq!(
            repo.git_in(&wt, &["symbolic-ref", "HEAD"]).trim(),
            "refs/heads/track/same"
        );
        repo.git_in(&wt, &["rev-parse", "--verify", "HEAD"]);
        repo.track(&["check", "same"]).ok();
    }
}

#[test]
fn concurrent_new_of_names_differing_by_case_lets_only_one_through() {
    for trial in 0..3 {
        let repo = TestRepo::new();
        let a = repo.spawn(&["new", "Samex", "--no-worktree"], &[]);
        let b = repo.spawn(&["new", "SameX", "--no-worktree"], &[]);
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        assert_eq!(
            outs.iter().filter(|o| o.status.success()).count(),
            1,
            "trial {trial}"
        );
        let loser = outs.iter().find(|o| !o.status.success()).unwrap();
        assert_eq!(loser.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&loser.stderr).contains("differs from it only by case"));
        let defs = repo.git(&["for-each-ref", "--format=%(refname)", "refs/tracks/"]);
        assert_eq!(defs.lines().count(), 1, "trial {trial}: {defs}");
        let branches = repo.git(&["for-each-ref", "--format=%(refname)", "refs/heads/track/"]);
        assert_eq!(branches.lines().count(), 1, "trial {trial}: {branches}");
    }
}

#[test]
fn concurrent_new_of_nfc_and_nfd_spellings_lets_only_one_through() {
    let nfc = "un\u{e9}";
    let nfd = "une\u{301}";
    for trial in 0..3 {
        let repo = TestRepo::new();
        let a = repo.spawn(&["new", nfc, "--no-worktree"], &[]);
        let b = repo.spawn(&["new", nfd, "--no-worktree"], &[]);
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        assert_eq!(
            outs.iter().filter(|o| o.status.success()).count(),
            1,
            "trial {trial}"
        );
        let loser = outs.iter().find(|o| !o.status.success()).unwrap();
        assert_eq!(loser.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&loser.stderr)
                .contains("differs from it in Unicode normalisation (NFC or NFD) only")
        );
        let defs = repo.git(&["for-each-ref", "--format=%(refname)", "refs/tracks/"]);
        assert_eq!(defs.lines().count(), 1, "trial {trial}: {defs}");
    }
}

#[test]
fn new_of_a_name_whose_definition_git_packed_is_refused() {
    // `new` checks names by listing the definition refs' files and the packed refs, not
    // by reading every definition: a definition `git gc` packed is still a taken name,
    // also in another case.
    let repo = TestRepo::new();
    repo.track(&["new", "api", "--no-worktree"]).ok();
    repo.git(&["pack-refs", "--all"]);
    assert!(!repo.root.join(".git/refs/tracks/api").exists(), "packed");
    let before = repo.snapshot();
    repo.track(&["new", "api", "--no-worktree"])
        .code(2)
        .stderr_has("a track named 'api' already exists");
    repo.track(&["new", "API", "--no-worktree"])
        .code(2)
        .stderr_has("a track named 'api' already exists; 'API' differs from it only by case");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn new_of_a_name_taken_by_an_unreadable_definition_but_for_case_is_refused() {
    let repo = TestRepo::new();
    let blob = repo
        .git(&["hash-object", "-w", "README.md"])
        .trim()
        .to_owned();
    repo.git(&["update-ref", "refs/tracks/x", &blob]);
    let before = repo.snapshot();
    repo.track(&["new", "X"])
        .code(2)
        .stderr_has("a track named 'x' already exists; 'X' differs from it only by case");
    assert_eq!(repo.snapshot(), before);
    // And the tool removes it, keeping it in a backup.
    repo.track(&["remove", "x"])
        .code(128)
        .stderr_has("'git track remove --force x' removes it");
    assert_eq!(repo.snapshot(), before);
    repo.track(&["remove", "--force", "x"])
        .ok()
        .stderr_has("Removed unreadable definition refs/tracks/x");
    assert!(!ref_exists(&repo, "refs/tracks/x"));
    let saved = backups(&repo);
    assert_eq!(saved.len(), 1);
    assert!(saved[0].starts_with("refs/tracks-backup/x/definition-"));
    assert!(saved[0].ends_with(&blob));
    repo.track(&["new", "X", "--no-worktree"]).ok();
}

// ---- 3. A process killed while holding a lock does not wedge the tool.

fn killed_while_holding(repo: &TestRepo, lock: &str, args: &[&str]) {
    killed_while_holding_file(repo, lock, &format!(".git/track/{lock}.lock"), args);
}

/// Runs `args` until it holds lock `lock` (file `lock_file`), then kills it with -9.
fn killed_while_holding_file(repo: &TestRepo, lock: &str, lock_file: &str, args: &[&str]) {
    let marker = repo.tmp.path().join(format!("paused-{lock}"));
    let spec = format!("{lock}:{}", marker.display());
    let mut child = repo.spawn(args, &[("GIT_TRACK_TEST_PAUSE_LOCKED", &spec)]);
    wait_for(&marker, &mut child);
    let recorded = std::fs::read_to_string(repo.path(lock_file)).expect("lock file");
    assert!(
        recorded.starts_with(&format!("{} ", child.id())),
        "the lock records its holder's pid and host: {recorded:?}"
    );
    kill_9(&mut child);
    let _ = std::fs::remove_file(&marker);
}

#[test]
fn new_killed_while_holding_the_worktrees_lock_does_not_wedge_new_and_remove() {
    for trial in 0..3 {
        let repo = TestRepo::new();
        repo.track(&["new", "keep"]).ok();
        killed_while_holding(&repo, "worktrees", &["new", "killed"]);
        let out = repo.track(&["new", &format!("next{trial}")]);
        out.ok();
        assert!(!out.stderr.contains("could not lock"), "{}", out.stderr);
        repo.track(&["remove", "keep"]).ok();
        assert!(!repo.worktree("keep").exists());
        assert!(
            repo.worktree(&format!("next{trial}"))
                .join("README.md")
                .exists()
        );
    }
}

#[test]
fn remove_killed_while_holding_the_tracks_lock_does_not_wedge_new_and_remove() {
    for _trial in 0..3 {
        let repo = TestRepo::new();
        repo.track(&["new", "a"]).ok();
        repo.track(&["new", "b"]).ok();
        killed_while_holding(&repo, "tracks", &["remove", "a"]);
        // Killed before it changed anything: the track is whole.
        assert!(ref_exists(&repo, "refs/tracks/a"));
        repo.track(&["remove", "b"]).ok();
        repo.track(&["new", "c"]).ok();
        repo.track(&["remove", "a"]).ok();
        assert!(!ref_exists(&repo, "refs/tracks/a"));
        assert!(!repo.worktree("a").exists());
    }
}

#[test]
fn push_killed_while_holding_the_remote_lock_does_not_wedge_the_next_push() {
    for _trial in 0..3 {
        let repo = TestRepo::new();
        let remote = repo.tmp.path().join("remote.git");
        repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
        repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        repo.track(&["new", "t", "--no-worktree"]).ok();
        killed_while_holding_file(
            &repo,
            "origin",
            ".git/track/remotes/origin.lock",
            &["push", "origin"],
        );
        repo.track(&["push", "origin"]).ok();
        let pushed = repo.git(&["ls-remote", remote.to_str().unwrap(), "refs/tracks/*"]);
        assert!(pushed.contains("refs/tracks/t"), "{pushed}");
    }
}

#[test]
fn a_waiting_new_takes_the_lock_as_soon_as_its_holder_is_killed() {
    let repo = TestRepo::new();
    let marker = repo.tmp.path().join("paused");
    let spec = format!("tracks:{}", marker.display());
    let mut holder = repo.spawn(&["new", "first"], &[("GIT_TRACK_TEST_PAUSE_LOCKED", &spec)]);
    wait_for(&marker, &mut holder);
    // This one waits on the live holder...
    let waiter = repo.spawn(&["new", "second"], &[]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(ref_exists(&repo, "refs/heads/main"));
    assert!(!ref_exists(&repo, "refs/tracks/second"));
    // ...and goes on once the holder is gone.
    kill_9(&mut holder);
    let out = waiter.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ref_exists(&repo, "refs/tracks/second"));
    assert!(!ref_exists(&repo, "refs/tracks/first"));
    assert!(!ref_exists(&repo, "refs/heads/track/first"));
}

// ---- 4. `merge --into` a branch whose worktree has untracked files the merge adds.

#[test]
fn merge_into_refuses_untracked_files_in_the_way_before_moving_the_branch() {
    let repo = TestRepo::new();
    repo.track(&["new", "b"]).ok();
    let wt = repo.worktree("b");
    common::write_file(&wt.join("docs/new.md"), "from the track\n");
    repo.commit_all_in(&wt, "b: docs");
    repo.write("docs/new.md", "mine, not committed\n");
    let main = rev(&repo, "main");
    let before = repo.snapshot();
    let out = repo.track(&["merge", "b", "--into", "main"]);
    out.code(2)
        .stderr_has("error: the merge of track 'b' would overwrite untracked files in")
        .stderr_has("\tdocs/new.md")
        .stderr_has("hint: move or remove them, then merge again");
    assert_eq!(
        repo.snapshot(),
        before,
        "refs, worktrees and files unchanged"
    );
    assert_eq!(rev(&repo, "main"), main);
    assert!(!repo.path(".git/track/merge-state.json").exists());
    assert_eq!(
        std::fs::read_to_string(repo.path("docs/new.md")).unwrap(),
        "mine, not committed\n"
    );
    // Once the file is out of the way, the same merge goes through and brings the
    // worktree along.
    std::fs::remove_file(repo.path("docs/new.md")).unwrap();
    repo.track(&["merge", "b", "--into", "main"]).ok();
    assert_ne!(rev(&repo, "main"), main);
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    assert_eq!(
        std::fs::read_to_string(repo.path("docs/new.md")).unwrap(),
        "from the track\n"
    );
}

// ---- 5. `edit --branch` away from the branch the track's worktree has checked out.

#[test]
fn edit_branch_refuses_to_leave_the_tracks_worktree_out() {
    let repo = TestRepo::new();
    repo.track(&["new", "t"]).ok();
    let before = repo.snapshot();
    let out = repo.track(&["edit", "t", "--branch", "main"]);
    out.code(2)
        .stderr_has("error: track 't' has a worktree at '")
        .stderr_has(
            "on 'track/t'; pointing the track at 'main' would leave the work there out of it",
        )
        .stderr_has("hint: switch that worktree first");
    assert_eq!(repo.snapshot(), before);
    let show = repo.track(&["show", "t", "--json"]).ok().json();
    assert_eq!(show["branch"], "track/t");
}

// ---- 6. A track's worktree folder removed by hand.

fn track_with_missing_worktree(repo: &TestRepo) -> std::path::PathBuf {
    repo.track(&["new", "t", "--scope", "src/**"]).ok();
    let wt = repo.worktree("t");
    common::write_file(&wt.join("src/a.rs"), "fn a() {}\n");
    repo.commit_all_in(&wt, "t: work");
    std::fs::remove_dir_all(&wt).unwrap();
    wt
}

#[test]
fn remove_prunes_a_worktree_whose_folder_was_removed_by_hand() {
    let repo = TestRepo::new();
    let wt = track_with_missing_worktree(&repo);
    let tip = rev(&repo, "track/t");
    let out = repo.track(&["remove", "t"]);
    out.ok()
        .stderr_has(&format!(
            "Pruned worktree {} (its folder was already gone)",
            wt.display()
        ))
        .stderr_has("Removed track 't'");
    assert!(!repo.git(&["worktree", "list"]).contains("repo.tracks/t"));
    assert!(!ref_exists(&repo, "refs/tracks/t"));
    assert_eq!(rev(&repo, "track/t"), tip, "the branch is kept");
    // The branch can be checked out again.
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), "track/t"]);
}

#[test]
fn remove_force_prunes_a_worktree_whose_folder_was_removed_by_hand() {
    let repo = TestRepo::new();
    track_with_missing_worktree(&repo);
    repo.track(&["remove", "--force", "t"])
        .ok()
        .stderr_has("Pruned worktree");
    assert!(!repo.git(&["worktree", "list"]).contains("repo.tracks/t"));
}

#[test]
fn check_and_overlap_say_the_worktree_is_missing_and_how_to_recreate_it() {
    let repo = TestRepo::new();
    let wt = track_with_missing_worktree(&repo);
    let before = repo.snapshot();
    for args in [
        &["check", "t"][..],
        &["check", "t", "--staged"],
        &["overlap", "--worktree"],
    ] {
        repo.track(args)
            .code(128)
            .stderr_has(&format!(
                "fatal: the worktree of track 't' at '{}' is missing (its folder was removed)",
                wt.display()
            ))
            .stderr_has(&format!(
                "hint: recreate it with 'git worktree prune && git worktree add {} track/t'",
                wt.display()
            ));
    }
    // Committed work is still judged without the worktree.
    repo.track(&["check", "t", "--range", "main..track/t"]).ok();
    assert_eq!(repo.snapshot(), before);
}

// ---- 7. `merge --abort` ends a run whose integration worktree was removed by hand.

/// Tracks `a` and `b` change line 1 of `f.txt` two ways; `merge a b` stops on `b`.
fn stopped_on_conflict(repo: &TestRepo) -> std::path::PathBuf {
    repo.write("f.txt", "one\ntwo\n");
    repo.commit_all("f");
    for (name, text) in [("a", "A\ntwo\n"), ("b", "B\ntwo\n")] {
        repo.track(&["new", name]).ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join("f.txt"), text);
        repo.commit_all_in(&wt, name);
    }
    repo.track(&["merge", "a", "b"]).code(1);
    let wt = repo.worktree("integration");
    assert!(wt.join("f.txt").exists());
    wt
}

#[test]
fn merge_abort_ends_a_run_whose_integration_worktree_was_removed_by_hand() {
    let repo = TestRepo::new();
    let wt = stopped_on_conflict(&repo);
    std::fs::remove_dir_all(&wt).unwrap();
    let out = repo.track(&["merge", "--abort"]);
    out.ok();
    assert!(!repo.path(".git/track/merge-state.json").exists());
    assert!(
        !ref_exists(&repo, "refs/heads/integration"),
        "the run had created it"
    );
    assert!(!repo.git(&["worktree", "list"]).contains("integration"));
    // A new run starts from scratch.
    repo.track(&["merge", "a"]).ok();
    assert!(ref_exists(&repo, "refs/heads/integration"));
}

#[test]
fn merge_continue_and_skip_go_on_after_the_integration_worktree_was_removed_by_hand() {
    let repo = TestRepo::new();
    let wt = stopped_on_conflict(&repo);
    std::fs::remove_dir_all(&wt).unwrap();
    // --continue makes the worktree again and stops on the same conflict.
    repo.track(&["merge", "--continue"]).code(1);
    assert_eq!(
        repo.git_in(&wt, &["diff", "--name-only", "--diff-filter=U"]),
        "f.txt\n"
    );
    std::fs::remove_dir_all(&wt).unwrap();
    let integration = rev(&repo, "integration");
    repo.track(&["merge", "--skip"]).ok();
    assert!(!repo.path(".git/track/merge-state.json").exists());
    assert_eq!(rev(&repo, "integration"), integration, "b is left out");
}

// ---- 8. `status` while worktrees vanish.

#[test]
fn status_tolerates_a_worktree_whose_admin_folder_vanished() {
    let repo = TestRepo::new();
    repo.track(&["new", "t"]).ok();
    // What a concurrent `remove` leaves for a moment: the folder, without its admin folder.
    std::fs::remove_dir_all(repo.path(".git/worktrees/t")).unwrap();
    let json = repo.track(&["status", "--json"]).ok().json();
    assert_eq!(json["tracks"][0]["worktree"]["present"], false);
}

#[test]
fn status_in_a_loop_while_remove_runs_never_fails() {
    for _trial in 0..3 {
        let repo = TestRepo::new();
        let names = ["r1", "r2", "r3", "r4"];
        for n in names {
            repo.track(&["new", n]).ok();
        }
        let mut removes: Vec<Child> = names
            .iter()
            .map(|n| repo.spawn(&["remove", n], &[]))
            .collect();
        loop {
            let out = repo.track(&["status"]);
            assert_eq!(out.code, 0, "{}", out.stderr);
            if removes
                .iter_mut()
                .all(|c| matches!(c.try_wait(), Ok(Some(_))))
            {
                break;
            }
        }
        for c in removes {
            assert!(c.wait_with_output().unwrap().status.success());
        }
        repo.track(&["status"]).ok();
    }
}

// ---- 9 and 17. A merge state that no run can have written is unreadable.

fn edit_state(repo: &TestRepo, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = repo.path(".git/track/merge-state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut state);
    std::fs::write(&path, serde_json::to_string(&state).unwrap()).unwrap();
}

#[test]
fn merge_continue_refuses_a_state_whose_current_step_is_out_of_range() {
    let repo = TestRepo::new();
    let wt = stopped_on_conflict(&repo);
    edit_state(&repo, |s| s["current"] = 99.into());
    let before = repo.snapshot();
    repo.track(&["merge", "--continue"])
        .code(128)
        .stderr_has("is unreadable: its current step 99 is past its 2 steps")
        .stderr_has("hint: if no merge is in progress, remove that file");
    assert_eq!(repo.snapshot(), before);
    assert!(repo.path(".git/track/merge-state.json").exists());
    assert!(wt.join(".git").exists());
    assert!(repo.git_in(&wt, &["status"]).contains("Unmerged paths"));
}

#[test]
fn merge_continue_refuses_a_state_without_steps() {
    let repo = TestRepo::new();
    stopped_on_conflict(&repo);
    edit_state(&repo, |s| s["steps"] = serde_json::json!([]));
    let before = repo.snapshot();
    repo.track(&["merge", "--continue"])
        .code(128)
        .stderr_has("is unreadable: it has no steps")
        .stderr_has("hint: if no merge is in progress, remove that file");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_merge_state_that_is_not_utf8_names_the_file_to_remove() {
    let repo = TestRepo::new();
    stopped_on_conflict(&repo);
    std::fs::write(repo.path(".git/track/merge-state.json"), b"{\xff\xfe}").unwrap();
    repo.track(&["merge", "--continue"])
        .code(128)
        .stderr_has("merge-state.json is unreadable: it is not UTF-8")
        .stderr_has("hint: if no merge is in progress, remove that file");
}

// ---- 10. A name longer than a file name can be.

#[test]
fn new_refuses_a_name_too_long_for_a_file_name() {
    let repo = TestRepo::new();
    let long = "a".repeat(300);
    let before = repo.snapshot();
    repo.track(&["new", &long])
        .code(2)
        .stderr_has("it is 300 bytes long; at most 240 fit");
    assert_eq!(repo.snapshot(), before);
    repo.track(&["new", &"a".repeat(240)]).ok();
}

// ---- 11. Commands run from inside the git dir.

#[test]
fn list_and_status_work_from_inside_the_git_dir() {
    let repo = TestRepo::new();
    repo.track(&["new", "t", "--no-worktree"]).ok();
    let git_dir = repo.path(".git");
    repo.track_in(&git_dir, &["list"]).ok().stdout_has("t ");
    let json = repo.track_in(&git_dir, &["status", "--json"]).ok().json();
    assert_eq!(json["tracks"][0]["name"], "t");
}

// ---- 12. Concurrent removes of one track.

#[test]
fn concurrent_removes_of_one_track_say_the_losers_found_it_removed() {
    for trial in 0..3 {
        let repo = TestRepo::new();
        repo.track(&["new", "same"]).ok();
        let children: Vec<Child> = (0..6)
            .map(|_| repo.spawn(&["remove", "same"], &[]))
            .collect();
        let outs: Vec<std::process::Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        assert_eq!(
            outs.iter().filter(|o| o.status.success()).count(),
            1,
            "trial {trial}"
        );
        for o in outs.iter().filter(|o| !o.status.success()) {
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(
                err.contains("error: track 'same' was already removed")
                    || err.contains("error: no track named 'same'"),
                "{err}"
            );
            assert!(!err.contains("uncommitted"), "{err}");
        }
        assert!(!ref_exists(&repo, "refs/tracks/same"));
        assert!(!repo.worktree("same").exists());
        assert!(ref_exists(&repo, "refs/heads/track/same"));
    }
}

#[test]
fn remove_of_a_name_no_ref_can_have_says_there_is_no_such_track() {
    let repo = TestRepo::new();
    repo.track(&["remove", "a b"])
        .code(2)
        .stderr_has("error: no track named 'a b'");
}

// ---- 13. NFC and NFD spellings of one name.

#[test]
fn new_refuses_the_nfd_spelling_of_an_existing_nfc_name() {
    let repo = TestRepo::new();
    repo.track(&["new", "un\u{e9}", "--no-worktree"]).ok();
    let before = repo.snapshot();
    repo.track(&["new", "une\u{301}", "--no-worktree"])
        .code(2)
        .stderr_has("differs from it in Unicode normalisation (NFC or NFD) only");
    assert_eq!(repo.snapshot(), before);
}

// ---- 14. Paths with a newline are quoted as git quotes them.

#[test]
fn check_overlap_and_checkpoint_quote_a_path_with_a_newline() {
    let repo = TestRepo::new();
    for name in ["a", "b"] {
        repo.track(&["new", name, "--scope", "src/**"]).ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join("odd\nname.txt"), name);
        repo.commit_all_in(&wt, name);
    }
    let quoted = "\"odd\\nname.txt\"";
    let check = repo.track(&["check", "a"]);
    check.code(1);
    assert!(
        format!("{}{}", check.stdout, check.stderr)
            .contains(&format!("{quoted}: outside the scope")),
        "{check:?}"
    );
    repo.track(&["overlap"])
        .code(1)
        .stdout_has(&format!("  {quoted}  "));
    repo.track(&["merge", "a", "--checkpoint", "--allow-violations"])
        .ok();
    let message = repo.git(&["log", "-1", "--format=%B", "integration"]);
    assert!(
        message.contains(&format!("a: {quoted} (outside scope)")),
        "{message}"
    );
    assert!(!message.contains("odd\nname"), "{message}");
}

// ---- 16. A checkpoint that leaves out tracks for scope violations has found something.

#[test]
fn merge_checkpoint_leaving_out_every_track_for_violations_exits_1() {
    let repo = TestRepo::new();
    repo.track(&["new", "t", "--scope", "src/**"]).ok();
    let wt = repo.worktree("t");
    common::write_file(&wt.join("docs/x.md"), "out of scope\n");
    repo.commit_all_in(&wt, "t: docs");
    let out = repo.track(&["merge", "--checkpoint"]);
    out.code(1)
        .stderr_has("left out 't': it changes paths outside its scope")
        .stdout_has("scope violations");
    assert!(ref_exists(&repo, "refs/heads/integration"));
    assert!(!repo.path(".git/track/merge-state.json").exists());
}

// ---- 17. Accurate messages.

#[test]
fn new_names_a_worktree_root_that_is_a_file() {
    let repo = TestRepo::new();
    let file = repo.tmp.path().join("root-file");
    std::fs::write(&file, "").unwrap();
    repo.git(&["config", "track.worktreeRoot", file.to_str().unwrap()]);
    let before = repo.snapshot();
    repo.track(&["new", "t"])
        .code(2)
        .stderr_has("is a file, not a folder")
        .stderr_has("hint: set another with 'git track init --worktree-root <dir>'");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_definition_whose_track_toml_is_a_tree_says_so() {
    let repo = TestRepo::new();
    let readme = repo.git(&["rev-parse", "HEAD:README.md"]).trim().to_owned();
    let inner = mktree(&repo, &format!("100644 blob {readme}\tname\n"));
    let outer = mktree(&repo, &format!("040000 tree {inner}\ttrack.toml\n"));
    let commit = repo
        .git(&["commit-tree", &outer, "-m", "odd"])
        .trim()
        .to_owned();
    repo.git(&["update-ref", "refs/tracks/x", &commit]);
    repo.track(&["show", "x"])
        .code(128)
        .stderr_has("track.toml is a folder (a tree), not a file");
}

// ---- 3. A ref lock file left by a killed process is named, with why removing it is safe.

#[test]
fn a_ref_lock_left_by_a_killed_process_is_named_with_why_removing_it_is_safe() {
    let repo = TestRepo::new();
    repo.track(&["new", "t", "--no-worktree"]).ok();
    let def_lock = repo.path(".git/refs/tracks/t.lock");
    std::fs::write(&def_lock, "").unwrap();
    let branch_lock = repo.path(".git/refs/heads/track/u.lock");
    std::fs::write(&branch_lock, "").unwrap();
    let before = repo.snapshot();
    for (args, lock) in [
        (&["edit", "t", "--owner", "me"][..], &def_lock),
        (&["new", "u"], &branch_lock),
        (&["new", "u", "--no-worktree"], &branch_lock),
    ] {
        repo.track(args)
            .code(128)
            .stderr_has(&format!("{} exists", lock.display()))
            .stderr_has("if neither is running, a killed process left it and removing it is safe");
    }
    assert_eq!(repo.snapshot(), before);
    assert!(!repo.worktree("u").exists());
    std::fs::remove_file(&def_lock).unwrap();
    std::fs::remove_file(&branch_lock).unwrap();
    repo.track(&["edit", "t", "--owner", "me"]).ok();
    repo.track(&["new", "u"]).ok();
}

#[test]
fn merge_into_refusing_untracked_files_after_a_first_step_keeps_the_run_to_continue() {
    let repo = TestRepo::new();
    for (name, file) in [("a", "a.txt"), ("b", "docs/new.md")] {
        repo.track(&["new", name]).ok();
        let wt = repo.worktree(name);
        common::write_file(&wt.join(file), name);
        repo.commit_all_in(&wt, name);
    }
    repo.write("docs/new.md", "mine\n");
    let main = rev(&repo, "main");
    repo.track(&["merge", "a", "b", "--into", "main"])
        .code(2)
        .stderr_has("\tdocs/new.md")
        .stderr_has("'git track merge --continue' then goes on from step 2");
    assert_eq!(
        std::fs::read_to_string(repo.path("docs/new.md")).unwrap(),
        "mine\n"
    );
    assert!(repo.path(".git/track/merge-state.json").exists());
    std::fs::remove_file(repo.path("docs/new.md")).unwrap();
    repo.track(&["merge", "--continue"]).ok();
    assert_ne!(rev(&repo, "main"), main);
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    assert!(repo.path("a.txt").exists() && repo.path("docs/new.md").exists());
}

#[test]
fn merge_abort_keeps_a_created_integration_branch_checked_out_in_another_worktree() {
    let repo = TestRepo::new();
    stopped_on_conflict(&repo);
    let elsewhere = repo.tmp.path().join("elsewhere");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--force",
        elsewhere.to_str().unwrap(),
        "integration",
    ]);
    let tip = rev(&repo, "integration");
    repo.track(&["merge", "--abort"])
        .ok()
        .stdout_has("'integration' was created by the run; it is kept, as it is checked out at");
    assert_eq!(rev(&repo, "integration"), tip);
    assert_eq!(
        repo.git_in(&elsewhere, &["rev-parse", "HEAD"]).trim(),
        tip,
        "that worktree is not left on an unborn branch"
    );
    assert!(!repo.path(".git/track/merge-state.json").exists());
    assert!(!repo.worktree("integration").exists());
}

#[test]
fn a_track_branch_set_by_hand_to_a_blob_does_not_stop_merging_another_track() {
    let repo = TestRepo::new();
    repo.track(&["init"]).ok();
    for name in ["x", "y"] {
        repo.track(&["new", name, "--no-worktree"]).ok();
    }
    let wt = repo.path("y.txt");
    std::fs::write(&wt, "y\n").unwrap();
    repo.git(&["add", "y.txt"]);
    let tree = repo.git(&["write-tree"]);
    let tip = repo.git(&["commit-tree", tree.trim(), "-p", "track/y", "-m", "y"]);
    repo.git(&["update-ref", "refs/heads/track/y", tip.trim()]);
    repo.git(&["reset", "-q", "--hard"]);
    let blob = repo.git(&["hash-object", "-w", "README.md"]);
    repo.set_branch_by_hand("track/x", blob.trim());

    let out = repo.track(&["merge", "y", "--dry-run", "--json"]);
    let json = out.ok().json();
    assert_eq!(json["steps"][0]["track"], "y");
    assert_eq!(json["steps"][0]["prediction"], "clean");
    let left: Vec<&str> = json["pending"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["track"].as_str())
        .collect();
    assert_eq!(left, ["x"], "{json}");
}

#[test]
fn a_merge_of_every_ready_track_leaves_out_one_whose_branch_points_to_a_blob_or_a_missing_object() {
    let repo = TestRepo::new();
    repo.track(&["init"]).ok();
    for name in ["x", "y", "z"] {
        repo.track(&["new", name, "--no-worktree"]).ok();
    }
    let blob = repo.git(&["hash-object", "-w", "README.md"]);
    repo.set_branch_by_hand("track/x", blob.trim());
    repo.set_branch_by_hand("track/z", "1234567890123456789012345678901234567890");

    let json = repo.track(&["merge", "--dry-run", "--json"]).ok().json();
    let reasons = pending_reasons(&json);
    assert_eq!(reasons.len(), 2, "{json}");
    assert_eq!(reasons[0].0, "x");
    assert!(
        reasons[0]
            .1
            .contains(&format!("blob {}, not a commit", blob.trim())),
        "{reasons:?}"
    );
    assert_eq!(reasons[1].0, "z");
    assert!(
        reasons[1].1.contains("which is not in the repository"),
        "{reasons:?}"
    );
    repo.track(&["merge"]).ok().stdout_has("points to blob");
}

/// The tracks a merge's JSON report lists as pending, with their reasons.
fn pending_reasons(json: &serde_json::Value) -> Vec<(String, String)> {
    json["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|l| {
            (
                l["track"].as_str().unwrap_or("").to_owned(),
                l["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn with_many_tracks_the_tracks_left_out_are_read_together_and_judged_as_one_by_one() {
    // A plan reads the branches of the tracks it leaves out together (a loose one as one
    // file read, the others from packed-refs): a blob, a missing object, an annotated
    // tag, a deleted branch and a symbolic one must come out as a lookup of each says,
    // packed or not.
    let repo = TestRepo::new();
    repo.track(&["init"]).ok();
    for n in 0..40 {
        repo.track(&["new", &format!("t{n:02}"), "--no-worktree"])
            .ok();
    }
    repo.track(&["new", "go", "--no-worktree"]).ok();
    let wt = repo.track(&["new", "work"]).ok().stdout.trim().to_owned();
    std::fs::write(std::path::Path::new(&wt).join("work.txt"), "work\n").expect("write");
    repo.git_in(std::path::Path::new(&wt), &["add", "work.txt"]);
    repo.git_in(std::path::Path::new(&wt), &["commit", "-q", "-m", "work"]);
    let blob = repo.git(&["hash-object", "-w", "README.md"]);
    repo.set_branch_by_hand("track/t01", blob.trim());
    repo.set_branch_by_hand("track/t02", "1234567890123456789012345678901234567890");
    repo.git(&["tag", "-a", "-m", "tagged", "work-tag", "track/work"]);
    let tag = repo.git(&["rev-parse", "work-tag"]);
    repo.set_branch_by_hand("track/t03", tag.trim());
    repo.git(&["update-ref", "-d", "refs/heads/track/t04"]);
    repo.git(&[
        "symbolic-ref",
        "refs/heads/track/t05",
        "refs/heads/track/work",
    ]);

    let json = repo
        .track(&["merge", "go", "--dry-run", "--json"])
        .ok()
        .json();
    let pending = pending_reasons(&json);
    let reason = |t: &str| pending.iter().find(|(n, _)| n == t).map(|(_, r)| r.clone());
    assert!(
        reason("t01").is_some_and(|r| r.contains(&format!("blob {}, not a commit", blob.trim()))),
        "{pending:?}"
    );
    assert!(
        reason("t02").is_some_and(|r| r.contains("which is not in the repository")),
        "{pending:?}"
    );
    // The tag and the symbolic ref lead to `work`'s commit: work waiting, not broken.
    assert_eq!(reason("t03").as_deref(), Some("not listed"), "{pending:?}");
    assert_eq!(reason("t05").as_deref(), Some("not listed"), "{pending:?}");
    assert_eq!(reason("work").as_deref(), Some("not listed"), "{pending:?}");
    // No branch: nothing waits. The rest are at the integration tip: merged.
    assert_eq!(reason("t04"), None, "{pending:?}");
    assert_eq!(pending.len(), 5, "{pending:?}");

    // Packed, the same; a loose branch written over a packed one is the branch.
    repo.git(&["pack-refs", "--all"]);
    assert!(
        !repo.root.join(".git/refs/heads/track/t01").exists(),
        "packed"
    );
    let again = |repo: &TestRepo| {
        pending_reasons(
            &repo
                .track(&["merge", "go", "--dry-run", "--json"])
                .ok()
                .json(),
        )
    };
    assert_eq!(again(&repo), pending);
    repo.set_branch_by_hand("track/t06", blob.trim());
    let now = again(&repo);
    assert!(
        now.iter()
            .any(|(n, r)| n == "t06" && r.contains("not a commit")),
        "{now:?}"
    );
    assert_eq!(now.len(), 6, "{now:?}");
}

#[test]
fn merging_a_track_by_name_whose_branch_points_to_a_blob_is_refused_and_changes_nothing() {
    let repo = TestRepo::new();
    repo.track(&["init"]).ok();
    repo.track(&["new", "x", "--no-worktree"]).ok();
    let blob = repo.git(&["hash-object", "-w", "README.md"]);
    repo.set_branch_by_hand("track/x", blob.trim());
    let before = repo.snapshot();
    repo.track(&["merge", "x"])
        .code(2)
        .stderr_has("error: track 'x' cannot be merged: its branch 'track/x' points to blob")
        .stderr_has("hint: point it at a commit ('git branch -f track/x <commit>')");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn ready_graph_and_report_go_on_when_a_track_branch_points_to_a_blob() {
    let repo = TestRepo::new();
    repo.track(&["init"]).ok();
    for name in ["x", "y"] {
        repo.track(&["new", name, "--no-worktree"]).ok();
    }
    let blob = repo.git(&["hash-object", "-w", "README.md"]);
    repo.set_branch_by_hand("track/x", blob.trim());
    repo.track(&["ready"])
        .ok()
        .stdout_has("its branch 'track/x' points to blob");
    repo.track(&["graph"]).ok();
    repo.track(&["report"]).ok();
    repo.track(&["check", "x"])
        .code(128)
        .stderr_has("track 'x' has no history to read: its branch 'track/x' points to blob");
}

/// A repository with track `y`, which holds no work, and track `x`, which holds a commit.
fn y_and_x_with_a_commit() -> TestRepo {
    let repo = TestRepo::new();
    repo.track(&["init"]).ok();
    repo.track(&["new", "y", "--no-worktree"]).ok();
    let wt = repo.track(&["new", "x"]).ok().stdout.trim().to_owned();
    std::fs::write(Path::new(&wt).join("x.txt"), "x\n").expect("write");
    repo.commit_all_in(Path::new(&wt), "x");
    repo
}

/// The tracks a dry run of merging `y` into `integ` leaves pending, with why.
fn pending_merging_y(repo: &TestRepo) -> Vec<(String, String)> {
    let json = repo
        .track(&["merge", "y", "--dry-run", "--into", "integ", "--json"])
        .ok()
        .json();
    pending_reasons(&json)
}

#[test]
fn a_track_found_merged_waits_again_once_the_integration_branch_is_reset_before_its_merge() {
    // Tips found in the integration branch are remembered (`.git/track/contained`) for the
    // next plan; a branch moved back past the merge must not keep them.
    let repo = y_and_x_with_a_commit();
    repo.track(&["merge", "x", "--into", "integ", "--onto", "main"])
        .ok();
    assert_eq!(pending_merging_y(&repo), [], "x is merged");
    assert!(repo.path(".git/track/contained").exists());
    repo.git(&["update-ref", "refs/heads/integ", "main"]);
    assert_eq!(
        pending_merging_y(&repo),
        [("x".to_owned(), "not listed".to_owned())]
    );
    // A file that does not parse is not trusted, nor is one naming a commit the branch
    // does not hold.
    let x_tip = repo.git(&["rev-parse", "track/x"]);
    for bad in [
        format!("git-track-contained 2 {}\n{}", "0".repeat(39), x_tip.trim()),
        format!(
            "git-track-contained 9 {}\n{}",
            repo.git(&["rev-parse", "main"]).trim(),
            x_tip.trim()
        ),
        format!("git-track-contained 2 {}\n{}", x_tip.trim(), x_tip.trim()),
    ] {
        std::fs::write(repo.path(".git/track/contained"), bad).expect("write");
        assert_eq!(
            pending_merging_y(&repo),
            [("x".to_owned(), "not listed".to_owned())]
        );
    }
}

#[test]
fn a_track_found_not_merged_is_found_merged_once_the_integration_branch_holds_it() {
    // A tip found outside the integration tip's history is remembered as such for that
    // very commit (`!<tip>` in `.git/track/contained`); once the branch moves on, it is
    // looked for again.
    let repo = y_and_x_with_a_commit();
    repo.git(&["branch", "integ", "main"]);
    let x_waits = [("x".to_owned(), "not listed".to_owned())];
    assert_eq!(pending_merging_y(&repo), x_waits);
    let x_tip = repo.git(&["rev-parse", "track/x"]);
    let kept = std::fs::read_to_string(repo.path(".git/track/contained")).expect("kept");
    assert!(kept.contains(&format!("!{}", x_tip.trim())), "{kept}");
    assert_eq!(
        pending_merging_y(&repo),
        x_waits,
        "the same answer from the file"
    );
    repo.track(&["merge", "x", "--into", "integ"]).ok();
    assert_eq!(pending_merging_y(&repo), [], "x is merged");
    let kept = std::fs::read_to_string(repo.path(".git/track/contained")).expect("kept");
    assert!(!kept.contains('!'), "{kept}");
}
