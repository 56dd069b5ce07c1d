//! The integration tests, in one binary (one link of the crate instead of one per file).
//!
//! Each area is a module under `tests/it/`; the helpers they share (real repositories in
//! temporary folders, the overlap scenarios) are in `tests/common/`. A new test file is
//! declared in `mod it` below; [`no_test_file_is_forgotten`] fails when one is not.

mod common;
/// The benchmarks' synthetic repository generator (`it::synth` checks its promises).
#[path = "../benches/synth/mod.rs"]
mod synth;

mod it {
    mod agent;
    mod agent_protocols;
    mod bad_input;
    mod bad_sources;
    mod check;
    mod cli;
    mod color;
    mod completions;
    mod concurrency;
    mod crash;
    mod dag;
    mod demo;
    mod docs;
    mod fidelity;
    mod hooks;
    mod hostile;
    mod import;
    mod merge;
    mod output;
    mod overlap;
    mod own_graph;
    mod plan;
    mod races;
    mod remote;
    mod report;
    mod scale;
    mod scope;
    mod shapes;
    mod status;
    mod synth;
    mod tracks;
    mod worktree_setup;
}

/// Every file under `tests/it/` is declared above, and `tests/` holds no other test binary
/// (cargo would build each top-level file as a binary of its own).
#[test]
fn no_test_file_is_forgotten() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let names = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&tests), ["tests"], "a test file outside tests/it/");
    let root = std::fs::read_to_string(tests.join("tests.rs")).unwrap();
    let forgotten: Vec<String> = names(&tests.join("it"))
        .into_iter()
        .filter(|name| !root.contains(&format!("    mod {name};\n")))
        .collect();
    assert!(
        forgotten.is_empty(),
        "declare these in tests/tests.rs's `mod it`: {forgotten:?}"
    );
}
