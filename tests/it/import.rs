//! `git track import`: topics merged into an integration branch, or existing branches,
//! adopted as tracks all at once.

use crate::common;
use common::TestRepo;

/// main with an integration branch `seen` that merged three topics, in this order:
/// ab/first, cd/second (two commits), ab/third; and a plain commit on seen in between.
fn with_merged_topics() -> TestRepo {
    let repo = TestRepo::new();
    for (topic, file) in [
        ("ab/first", "first.txt"),
        ("cd/second", "second.txt"),
        ("ab/third", "third.txt"),
    ] {
        repo.git(&["checkout", "-q", "-b", topic, "main"]);
        repo.write(file, "one\n");
        repo.commit_all(&format!("{topic}: one"));
        if topic == "cd/second" {
            repo.write(file, "two\n");
            repo.commit_all(&format!("{topic}: two"));
        }
    }
    repo.git(&["checkout", "-q", "-b", "seen", "main"]);
    for topic in ["ab/first", "cd/second"] {
        repo.git(&["merge", "-q", "--no-ff", "--no-edit", topic]);
    }
    repo.write("direct.txt", "on seen\n");
    repo.commit_all("a commit on seen itself");
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "ab/third"]);
    repo.git(&["checkout", "-q", "main"]);
    // The topic branches go away, as in a fresh clone: the merges are all there is.
    for topic in ["ab/first", "cd/second", "ab/third"] {
        repo.git(&["branch", "-q", "-D", topic]);
    }
    repo
}

#[test]
fn import_merges_adopts_each_merged_topic_in_merge_order() {
    let repo = with_merged_topics();
    let out = repo.track(&["import", "--merges", "main..seen", "--json"]);
    let v = out.ok().json();
    let names: Vec<&str> = v["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["ab-first", "cd-second", "ab-third"]);
    assert_eq!(v["tracks"][1]["merged_branch"], "cd/second");
    // Each track's branch is the merge's second parent; no worktrees.
    let tip = repo.git(&["rev-parse", "track/cd-second"]);
    assert_eq!(tip.trim(), repo.git(&["rev-parse", "seen~2^2"]).trim());
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s", "track/cd-second"])
            .trim(),
        "cd/second: two"
    );
    let fork = repo.git(&["rev-parse", "main"]);
    assert_eq!(v["tracks"][0]["fork_point"], fork.trim());
    assert!(v["tracks"][0]["worktree"].is_null());
    assert!(
        !repo
            .root
            .parent()
            .expect("parent")
            .join("repo.tracks")
            .exists()
    );
    let list = repo.track(&["list"]);
    list.ok()
        .stdout_has("ab-first")
        .stdout_has("cd-second")
        .stdout_has("ab-third");
    // Merging the imported tracks in that order rebuilds seen's tree (but for its own commit).
    repo.track(&[
        "merge",
        "ab-first",
        "cd-second",
        "ab-third",
        "--into",
        "rebuilt",
        "--onto",
        "main",
    ])
    .ok();
    let diff = repo.git(&["diff", "--name-only", "rebuilt", "seen"]);
    assert_eq!(diff.trim(), "direct.txt");
}

#[test]
fn import_merges_takes_only_the_merges_the_base_does_not_have_when_the_base_moved_on() {
    let repo = with_merged_topics();
    // main moved on and merged part of seen since: main is no longer on seen's
    // first-parent chain, and the first two merges are in main.
    repo.write("later.txt", "main moves on\n");
    repo.commit_all("main moves on");
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "seen~2"]);
    let git_says = repo.git(&["rev-list", "--first-parent", "--merges", "main..seen"]);
    assert_eq!(git_says.lines().count(), 1, "{git_says}");
    let v = repo
        .track(&["import", "--merges", "main..seen", "--json"])
        .ok()
        .json();
    let tracks = v["tracks"].as_array().expect("tracks");
    assert_eq!(tracks.len(), 1, "{v}");
    assert_eq!(tracks[0]["name"], "ab-third");
    assert_eq!(tracks[0]["merge"].as_str(), Some(git_says.trim()));
}

#[test]
fn import_dry_run_lists_the_tracks_and_changes_nothing() {
    let repo = with_merged_topics();
    let before = repo.snapshot();
    let out = repo.track(&["import", "--merges", "main..seen", "--dry-run"]);
    out.ok()
        .stderr_has("Would import 3 tracks")
        .stdout_has("ab-first")
        .stdout_has("track/ab-third");
    assert_eq!(before, repo.snapshot());
}

#[test]
fn import_with_worktrees_gives_each_track_one() {
    let repo = with_merged_topics();
    repo.track(&["import", "--merges", "main..seen", "--worktrees"])
        .ok();
    for name in ["ab-first", "cd-second", "ab-third"] {
        assert!(repo.worktree(name).join("README.md").exists(), "{name}");
    }
    assert!(repo.worktree("cd-second").join("second.txt").exists());
}

#[test]
fn import_refuses_a_bad_range() {
    let repo = with_merged_topics();
    let before = repo.snapshot();
    repo.track(&["import", "--merges", "seen"])
        .code(2)
        .stderr_has("bad range 'seen'")
        .stderr_has("hint: give it as <base>..<integration>");
    repo.track(&["import", "--merges", "main..nope"])
        .code(2)
        .stderr_has("'nope' does not resolve to a commit");
    repo.track(&["import", "--merges", "main...seen"])
        .code(2)
        .stderr_has("symmetric difference");
    repo.track(&["import", "--merges", "seen..main"])
        .code(1)
        .stderr_has("no first-parent merge");
    repo.track(&["import"]).code(2);
    repo.track(&["import", "--merges", "main..seen", "--branches", "x"])
        .code(2);
    assert_eq!(before, repo.snapshot());
}

#[test]
fn import_is_all_or_nothing_when_a_track_exists() {
    let repo = with_merged_topics();
    repo.track(&["new", "cd-second", "--no-worktree"]).ok();
    let before = repo.snapshot();
    repo.track(&["import", "--merges", "main..seen"])
        .code(2)
        .stderr_has("a track named 'cd-second' already exists");
    assert_eq!(before, repo.snapshot());
}

#[test]
fn import_is_all_or_nothing_when_a_branch_exists() {
    let repo = with_merged_topics();
    repo.git(&["branch", "track/ab-third", "main"]);
    let before = repo.snapshot();
    repo.track(&["import", "--merges", "main..seen"])
        .code(2)
        .stderr_has("a branch named 'track/ab-third' already exists");
    assert_eq!(before, repo.snapshot());
}

#[test]
fn import_refuses_two_topics_that_make_the_same_name() {
    let repo = TestRepo::new();
    repo.git(&["checkout", "-q", "-b", "seen"]);
    for (i, topic) in ["ab/x", "ab-x"].iter().enumerate() {
        repo.git(&["checkout", "-q", "-b", topic, "main"]);
        repo.write(&format!("f{i}.txt"), "x\n");
        repo.commit_all(topic);
        repo.git(&["checkout", "-q", "seen"]);
        repo.git(&["merge", "-q", "--no-ff", "--no-edit", topic]);
    }
    let before = repo.snapshot();
    repo.track(&["import", "--merges", "main..seen"])
        .code(2)
        .stderr_has("two tracks would be named 'ab-x': from 'ab/x' and from 'ab-x'");
    assert_eq!(before, repo.snapshot());
}

#[test]
fn import_writes_its_refs_into_packed_refs_as_a_clone_does() {
    let repo = with_merged_topics();
    repo.track(&["import", "--merges", "main..seen"]).ok();
    let git_dir = repo.path(".git");
    // No file per ref: a later listing of a thousand tracks reads one file.
    for loose in ["refs/tracks/ab-first", "refs/heads/track/ab-first"] {
        assert!(!git_dir.join(loose).exists(), "{loose} is a loose file");
    }
    let packed = std::fs::read_to_string(git_dir.join("packed-refs")).expect("packed-refs");
    assert!(packed.contains("refs/tracks/cd-second"), "{packed}");
    assert!(packed.contains("refs/heads/track/cd-second"), "{packed}");
    // git reads them as any ref, reflogs included; the tracks work as made by `new`.
    let tip = repo.git(&["rev-parse", "track/cd-second"]);
    assert_eq!(tip.trim(), repo.git(&["rev-parse", "seen~2^2"]).trim());
    repo.git(&["reflog", "exists", "refs/heads/track/cd-second"]);
    // The definitions' objects are one pack, not a file each; none held by a .keep.
    let definition = repo.git(&["rev-parse", "refs/tracks/cd-second"]);
    let (dir, file) = definition.trim().split_at(2);
    assert!(!git_dir.join("objects").join(dir).join(file).exists());
    let packs: Vec<String> = std::fs::read_dir(git_dir.join("objects/pack"))
        .expect("pack folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(packs.iter().any(|p| p.ends_with(".idx")), "{packs:?}");
    assert!(!packs.iter().any(|p| p.ends_with(".keep")), "{packs:?}");
    repo.git(&["fsck", "--strict"]);
    repo.track(&["edit", "cd-second", "--owner", "someone"])
        .ok();
    repo.track(&["remove", "ab-first"]).ok();
    let list = repo.track(&["list"]);
    list.ok().stdout_has("cd-second");
    assert!(!list.stdout.contains("ab-first"), "{}", list.stdout);
}

#[test]
fn import_names_the_lock_file_a_killed_process_left() {
    let repo = with_merged_topics();
    // A packed-refs file, and the lock a process killed while writing it left.
    repo.git(&["pack-refs", "--all"]);
    std::fs::write(repo.path(".git/packed-refs.lock"), "").expect("lock");
    repo.track(&["import", "--merges", "main..seen"])
        .code(128)
        .stderr_has("packed-refs.lock exists")
        .stderr_has("removing it is safe");
    assert!(repo.git(&["for-each-ref", "refs/tracks"]).trim().is_empty());
    std::fs::remove_file(repo.path(".git/packed-refs.lock")).expect("unlock");
    repo.track(&["import", "--merges", "main..seen"]).ok();
}

#[test]
fn import_branches_adopts_matching_branches_as_they_are() {
    let repo = TestRepo::new();
    for b in ["topic/a", "topic/b", "other"] {
        repo.git(&["branch", b, "main"]);
    }
    let out = repo.track(&["import", "--branches", "topic/*", "--json"]);
    let v = out.ok().json();
    assert_eq!(v["tracks"].as_array().expect("tracks").len(), 2);
    assert_eq!(v["tracks"][0]["name"], "topic-a");
    assert_eq!(v["tracks"][0]["branch"], "topic/a");
    assert_eq!(v["tracks"][0]["adopted"], true);
    repo.track(&["show", "topic-b"]).ok().stdout_has("topic/b");
    // Adopting them again is refused: they are tracks already.
    repo.track(&["import", "--branches", "topic/*"])
        .code(2)
        .stderr_has("already exists");
    repo.track(&["import", "--branches", "nothing/*"])
        .code(1)
        .stderr_has("no branch matches 'nothing/*'");
    repo.track(&["import", "--branches", "["])
        .code(2)
        .stderr_has("bad glob");
}

#[test]
fn import_branches_refuses_the_integration_branch() {
    let repo = TestRepo::new();
    repo.git(&["branch", "integration", "main"]);
    repo.track(&["import", "--branches", "*"])
        .code(2)
        .stderr_has("'integration' is the integration branch");
}

#[test]
fn import_refusals_say_what_is_wrong_and_what_to_do() {
    let repo = with_merged_topics();
    repo.track(&["new", "mine", "--no-worktree"]).ok();
    repo.git(&["branch", "topic/a", "main"]);
    repo.git(&["worktree", "add", "-q", "../elsewhere", "topic/a"]);
    let before = repo.snapshot();
    let elsewhere = repo.root.parent().unwrap().join("elsewhere");
    for (args, code, expected) in [
        (
            &["import", "--merges", "main..seen", "--base", "nope"][..],
            2,
            "error: the base 'nope' does not resolve to a commit\n",
        ),
        (
            &["import", "--merges", "..seen"],
            2,
            "error: bad range '..seen': both ends must be given\nhint: give it as <base>..<integration>, e.g. master..seen\n",
        ),
        (
            &["import", "--merges", "seen..main"],
            1,
            "error: no first-parent merge of two parents in 'seen..main'\nhint: octopus merges and fast-forwards are not topics to import\n",
        ),
        (
            &["import", "--branches", "track/*"],
            2,
            "error: branch 'track/mine' is already the branch of track 'mine'\nhint: narrow the glob to branches that are not tracks yet\n",
        ),
        (
            &["import", "--branches", "topic/*", "--worktrees"],
            2,
            "error: branch 'topic/a' is already checked out at '[ELSEWHERE]'\nhint: import without --worktrees\n",
        ),
        (
            &["import", "--branches", "nothing/*"],
            1,
            "error: no branch matches 'nothing/*'\nhint: 'git branch --list' shows the branches\n",
        ),
    ] {
        let out = repo.track(args);
        let stderr = out
            .stderr
            .replace(
                &elsewhere.canonicalize().unwrap().display().to_string(),
                "[ELSEWHERE]",
            )
            .replace(&elsewhere.display().to_string(), "[ELSEWHERE]");
        assert_eq!(stderr, expected, "{args:?}");
        out.code(code);
    }
    assert_eq!(before, repo.snapshot());
}
