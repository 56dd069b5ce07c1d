//! The ordered rebuild: `git track merge` of every topic against a `git merge --no-ff`
//! loop, each stop resolved with the recorded merge's tree; both must give the same trees.

use std::path::Path;

use crate::{Bench, Cost, Row, git, measure, run, synth, track};

/// The ordered rebuild, conflicts resolved with the recorded merges.
pub fn measure_rebuild(b: &Bench, rows: &mut Vec<Row>) {
    let (repo, base, topics) = (&b.repo, &b.args.base, &b.topics);
    let (stops, ours) = rebuild_ours(b);
    let ours_trees = first_parent_trees(repo, &format!("{base}..rebuilt"));
    let recorded_trees: Vec<String> = topics
        .iter()
        .map(|t| {
            git(repo, &["rev-parse", &format!("{}^{{tree}}", t.merge)])
                .trim()
                .to_owned()
        })
        .collect();
    // A maintainer's merge may hold more than git's merge gives (an "evil" merge): those
    // steps are counted, and both tools must agree on every step.
    let differing = ours_trees
        .lines()
        .zip(&recorded_trees)
        .filter(|(a, b)| a != b)
        .count();
    let (git_stops, theirs) = rebuild_git(b);
    let git_trees = first_parent_trees(repo, &format!("{base}..git-loop"));
    assert_eq!(
        ours_trees, git_trees,
        "git track merge's steps differ from git's"
    );
    rows.push(Row {
        work: format!(
            "ordered rebuild: {} merges, {stops} stops ({git_stops} for git), {differing} recorded merges not git's",
            topics.len()
        ),
        ours,
        git: Some(theirs),
    });
}

/// The tree of each first-parent commit of `range`, oldest first, a line each.
fn first_parent_trees(repo: &Path, range: &str) -> String {
    git(
        repo,
        &["log", "--first-parent", "--reverse", "--format=%T", range],
    )
}

/// `git track merge` of every topic into `rebuilt`, each stop resolved and continued.
/// Returns the number of stops and the cost.
fn rebuild_ours(b: &Bench) -> (usize, Cost) {
    let (repo, topics) = (&b.repo, &b.topics);
    // The integration branch checked out in a worktree beforehand, as the git loop's is.
    let rebuilt_wt = b.wt_root.join("rebuilt");
    git(
        repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "rebuilt",
            rebuilt_wt.to_str().expect("utf8"),
            &b.args.base,
        ],
    );
    let mut merge = vec!["merge", "--json", "--into", "rebuilt"];
    merge.extend(b.names());
    let mut stops = 0;
    let ((), ours) = measure(|| {
        let mut out = run(track(repo, &merge));
        while out.status.code() == Some(1) {
            stops += 1;
            let v: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("merge --json output");
            let step = v["at"]["step"]
                .as_u64()
                .or_else(|| v["step"].as_u64())
                .expect("the step it stopped at") as usize;
            let recorded = &topics[step - 1].merge;
            git(
                &rebuilt_wt,
                &[
                    "read-tree",
                    "--reset",
                    "-u",
                    &format!("{recorded}^{{tree}}"),
                ],
            );
            out = run(track(&rebuilt_wt, &["merge", "--continue", "--json"]));
        }
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    (stops, ours)
}

/// A `git merge --no-ff` loop in a worktree on `git-loop`, each stop resolved with the
/// recorded merge's tree. Returns the number of stops and the cost.
fn rebuild_git(b: &Bench) -> (usize, Cost) {
    let loop_wt = b.tmp.path().join("git-loop");
    git(
        &b.repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "git-loop",
            loop_wt.to_str().expect("utf8"),
            &b.args.base,
        ],
    );
    let mut git_stops = 0;
    let ((), theirs) = measure(|| {
        for t in &b.topics {
            let out = run({
                let mut c = synth::git_cmd(&loop_wt);
                c.args(["merge", "-q", "--no-ff", "--no-edit", &t.tip]);
                c
            });
            if !out.status.success() {
                git_stops += 1;
                git(
                    &loop_wt,
                    &[
                        "read-tree",
                        "--reset",
                        "-u",
                        &format!("{}^{{tree}}", t.merge),
                    ],
                );
                git(&loop_wt, &["commit", "-q", "--no-edit"]);
            }
        }
    });
    (git_stops, theirs)
}
