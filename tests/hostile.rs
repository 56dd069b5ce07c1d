//! Regressions found by hostile but realistic use (issue 15): each test is named after
//! what broke, and checks the message, the exit code and the refs, worktrees and
//! branches before and after.

mod common;
use common::TestRepo;
use std::path::Path;
use std::process::{Child, Stdio};

fn spawn(repo: &TestRepo, args: &[&str]) -> Child {
    spawn_with(repo, args, &[])
}

fn spawn_with(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = repo.command(common::bin(), &repo.root);
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn git-track")
}

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
    out.code(2).stderr_has(
        "refusing to delete branch 'feat': it is checked out in the worktree at",
    );
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
        let children: Vec<Child> = (0..8).map(|_| spawn(&repo, &["new", "same"])).collect();
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
        let a = spawn(&repo, &["new", "Samex", "--no-worktree"]);
        let b = spawn(&repo, &["new", "SameX", "--no-worktree"]);
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
        let a = spawn(&repo, &["new", nfc, "--no-worktree"]);
        let b = spawn(&repo, &["new", nfd, "--no-worktree"]);
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
    let marker = repo.tmp.path().join(format!("paused-{lock}"));
    let spec = format!("{lock}:{}", marker.display());
    let mut child = spawn_with(repo, args, &[("GIT_TRACK_TEST_PAUSE_LOCKED", &spec)]);
    wait_for(&marker, &mut child);
    let lock_file = repo.path(&format!(".git/track/{lock}.lock"));
    let recorded = std::fs::read_to_string(&lock_file).expect("lock file");
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
        assert!(repo.worktree(&format!("next{trial}")).join("README.md").exists());
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
fn a_waiting_new_takes_the_lock_as_soon_as_its_holder_is_killed() {
    let repo = TestRepo::new();
    let marker = repo.tmp.path().join("paused");
    let spec = format!("tracks:{}", marker.display());
    let mut holder = spawn_with(&repo, &["new", "first"], &[("GIT_TRACK_TEST_PAUSE_LOCKED", &spec)]);
    wait_for(&marker, &mut holder);
    // This one waits on the live holder...
    let waiter = spawn(&repo, &["new", "second"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(ref_exists(&repo, "refs/heads/main"));
    assert!(!ref_exists(&repo, "refs/tracks/second"));
    // ...and goes on once the holder is gone.
    kill_9(&mut holder);
    let out = waiter.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(ref_exists(&repo, "refs/tracks/second"));
    assert!(!ref_exists(&repo, "refs/tracks/first"));
    assert!(!ref_exists(&repo, "refs/heads/track/first"));
}
