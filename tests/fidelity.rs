//! Every merge verdict of git-track is git's: `git track merge`, its `--dry-run` and
//! `overlap --level conflicts` against `git merge-tree`, on a real case that once
//! differed and on many generated histories.

mod common;
use common::TestRepo;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/merge-6a5621b6");
const FILE: &str = "ci/run-build-and-tests.sh";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURE}/{name}")).expect("fixture")
}

/// git.git's merge 6a5621b6: `main` at the first parent's version of the file, track
/// `topic` at the second parent's, both from the merge base's.
fn insertions_after_the_same_line() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(FILE, &fixture("base.sh"));
    repo.commit_all("base");
    repo.git(&["branch", "topic"]);
    repo.write(FILE, &fixture("ours.sh"));
    repo.commit_all("ours: rust in the musl meson job");
    repo.git(&["checkout", "-q", "topic"]);
    repo.write(FILE, &fixture("theirs.sh"));
    repo.commit_all("theirs: set -e in the linux jobs");
    repo.git(&["checkout", "-q", "main"]);
    repo.track(&["new", "topic", "--from", "topic", "--no-worktree"])
        .ok();
    repo
}

#[test]
fn insertions_gix_merges_a_line_apart_stop_as_a_conflict_like_git() {
    let repo = insertions_after_the_same_line();
    let git = repo.try_git_in(&repo.root, &["merge-tree", "--write-tree", "main", "topic"]);
    assert_eq!(git.code, 1, "git itself stops here:\n{}", git.stdout);

    let dry = repo.track(&["merge", "--dry-run", "--json"]);
    let json = dry.code(1).json();
    assert_eq!(json["steps"][0]["prediction"], "conflict");
    assert_eq!(json["first_conflict"]["paths"], serde_json::json!([FILE]));

    let overlap = repo.track(&["overlap", "--level", "conflicts", "--json"]);
    let json = overlap.code(1).json();
    let text = json.to_string();
    assert!(
        text.contains(FILE) && text.contains("topic"),
        "overlap names the track that does not merge cleanly:\n{text}"
    );

    let merge = repo.track(&["merge"]);
    merge.code(1).stderr_has(FILE);
    let wt = repo.root.parent().expect("parent").join("repo.tracks");
    let conflicted = walk_for_markers(&wt);
    assert!(
        conflicted.iter().any(|p| p.ends_with(FILE)),
        "the conflict is left for the user in the integration worktree: {conflicted:?}"
    );
}

/// Files under `dir` holding conflict markers.
fn walk_for_markers(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                todo.push(p);
            } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains("<<<<<<< ")) {
                found.push(p.display().to_string());
            }
        }
    }
    found
}
