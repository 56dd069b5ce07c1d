//! `git track demo` plays the whole loop on its built-in scenario.

use crate::common;
use common::TestRepo;

#[test]
fn the_demo_shows_the_whole_loop_and_ends_with_the_integration_notes() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let dir = repo.tmp.path().join("demo");
    // No identity at all: the demo sets one for its own repository only.
    let out = repo
        .command(common::bin(), &repo.root)
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .args(["demo", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");

    // Each step shows the command it runs, in the order of the loop.
    let steps = [
        "$ git track status",
        "$ git track check infra",
        "$ git track overlap --level files",
        "$ git track overlap --level hunks",
        "$ git track overlap --level conflicts",
        "$ git track compare search --exec sh bench.sh --metric cost: ([0-9]+)",
        "$ git track pick search-index --reason",
        "$ git track graph",
        "$ git track ready",
        "$ git track merge --dry-run --allow-violations",
        "$ git track merge --checkpoint --allow-violations",
        "$ git add config/app.json",
        "$ git track merge --continue",
        "$ git track checkpoints",
        "$ git log -1 --format=%B integration",
    ];
    let mut at = 0;
    for step in steps {
        let found = stdout[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order:\n{stdout}"));
        at += found + step.len();
    }
    let section = |from: &str, to: &str| {
        let a = stdout
            .find(from)
            .unwrap_or_else(|| panic!("{from:?} missing"));
        let b = stdout[a..].find(to).map_or(stdout.len(), |b| a + b);
        stdout[a..b].to_owned()
    };

    // The stray path: infra changed the API server outside deploy/**.
    let check = section("$ git track check infra", "\n# ");
    assert!(
        check.contains("src/api/server.js: outside the scope of track 'infra'"),
        "{check}"
    );
    // The conflicting pair: backend and frontend both change config/app.json's features,
    // and only the conflicts level says they really collide.
    let conflicts = section("$ git track overlap --level conflicts", "\n# ");
    assert!(
        conflicts.contains("backend and frontend: 1 shared file, CONFLICT"),
        "{conflicts}"
    );
    assert!(
        conflicts.contains("backend and infra: 1 shared file, merge cleanly"),
        "{conflicts}"
    );
    let dry_run = section("$ git track merge --dry-run --allow-violations", "\n# ");
    assert!(
        dry_run.contains("First conflict: step 2 (frontend) in config/app.json"),
        "{dry_run}"
    );
    let stopped = section("$ git track merge --checkpoint", "\n# ");
    assert!(
        stopped.contains("CONFLICT merging track 'frontend' (step 2 of 4)"),
        "{stopped}"
    );

    // The experiment: the benchmark ranked the index first, and pick cancelled the scan.
    let compare = section("$ git track compare search", "\n# ");
    assert!(
        compare.contains("1     search-index  sh bench.sh  0"),
        "{compare}"
    );
    let pick = section("$ git track pick search-index", "\n# ");
    assert!(pick.contains("search-scan: cancelled; tip "), "{pick}");
    let graph = section("$ git track graph", "\n# ");
    assert!(
        graph.contains("critical path: backend -> infra (length 2)"),
        "{graph}"
    );
    assert!(
        graph.contains("parallelism: 3 (frontend, infra, search-index)"),
        "{graph}"
    );

    // The checkpoint: an Integration Notes commit on integration, with its note.
    let shop = dir.join("shop");
    let git = |args: &[&str]| repo.git_in(&shop, args);
    let message = git(&["log", "-1", "--format=%B", "integration"]);
    for trailer in [
        "Checkpoint: 1",
        "Conflict: frontend config/app.json",
        "Violation: infra src/api/server.js",
        "Experiment-Picked: search search-index",
    ] {
        assert!(message.contains(trailer), "{trailer} missing:\n{message}");
    }
    assert!(
        stdout
            .trim_end()
            .ends_with("Experiment-Cancelled: search search-scan")
            || stdout
                .trim_end()
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.starts_with("Experiment-Cancelled: search search-scan ")),
        "the demo ends with the notes:\n{stdout}"
    );
    git(&[
        "rev-parse",
        "--verify",
        "refs/tracks-experiments/search/tips/search-scan",
    ]);
    git(&["notes", "--ref", "refs/notes/tracks", "show", "integration"]);
    let merged = git(&["log", "--format=%s", "integration"]);
    for track in ["backend", "frontend", "infra", "search-index"] {
        assert!(
            merged.contains(&format!("Merge track '{track}' into integration")),
            "{merged}"
        );
    }
    // The resolution kept both features.
    let config = git(&["show", "integration:config/app.json"]);
    assert!(
        config.contains("\"features\": [\"cart\", \"orders\", \"dark-mode\"]"),
        "{config}"
    );

    // The repository it was run from is untouched.
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn the_demo_refuses_a_folder_that_is_not_empty() {
    let repo = TestRepo::new();
    let dir = repo.tmp.path().join("full");
    common::write_file(&dir.join("keep.txt"), "mine\n");
    let out = repo.track(&["demo", dir.to_str().unwrap()]);
    out.code(2).stderr_has("exists and is not empty");
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine\n"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn the_demo_ignores_a_repository_named_by_the_environment() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let dir = repo.tmp.path().join("demo");
    let out = repo
        .command(common::bin(), &repo.root)
        .env("GIT_DIR", repo.root.join(".git"))
        .env("GIT_WORK_TREE", &repo.root)
        .env("GIT_INDEX_FILE", repo.root.join(".git/index"))
        .args(["demo", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.git_in(
        &dir.join("shop"),
        &["rev-parse", "--verify", "refs/notes/tracks"],
    );
    assert_eq!(repo.snapshot(), before);
}
