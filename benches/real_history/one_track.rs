//! Merging one track must cost the same whatever number of tracks the repository holds:
//! `merge <first topic> --dry-run` with 5 tracks, with the imported ones, and with 1,000.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Bench, Cost, Row, Topic, git, measure, ok, synth, track};

/// `merge <first topic> --dry-run` in a clone holding 5 tracks, then in the benchmark's
/// repository as it is and after old topics (the second parents of `<base>`'s own
/// first-parent merges, all merged long ago) are imported up to 1,000 tracks; each against
/// git's `merge-tree` + `commit-tree` for the same merge. Best of three runs each.
pub fn merging_one_track(b: &Bench, rows: &mut Vec<Row>) {
    let Some(first) = b.topics.first() else {
        return;
    };
    let small = five_tracks(b);
    rows.push(one_row(b, &small, first, count(&small)));
    let n = count(&b.repo);
    rows.push(one_row(b, &b.repo, first, n));
    import_old_topics(b, n);
    rows.push(one_row(b, &b.repo, first, count(&b.repo)));
}

/// The row for merging `first` in `dir`, which holds `n` tracks.
fn one_row(b: &Bench, dir: &Path, first: &Topic, n: usize) -> Row {
    settle(b, dir);
    Row {
        work: format!("merge one track --dry-run, {n} tracks"),
        ours: dry(b, dir, &first.name),
        git: Some(git_one(b, dir, first)),
    }
}

/// The best of three runs.
fn best(cmd: &dyn Fn() -> Command) -> Cost {
    (0..3)
        .map(|_| measure(|| ok(cmd())).1)
        .min_by_key(|c| c.wall)
        .unwrap_or_default()
}

/// git's merge of the first topic into `<base>`.
fn git_one(b: &Bench, dir: &Path, first: &Topic) -> Cost {
    best(&|| {
        let mut c = synth::git_cmd(dir);
        c.args([
            "merge-tree",
            "--write-tree",
            "--no-messages",
            &b.args.base,
            &first.tip,
        ]);
        c
    })
}

/// `git track merge <name> --dry-run` onto `<base>`.
fn dry(b: &Bench, dir: &Path, name: &str) -> Cost {
    best(&|| {
        track(
            dir,
            &[
                "merge",
                name,
                "--dry-run",
                "--into",
                "one",
                "--onto",
                &b.args.base,
            ],
        )
    })
}

/// Waits for the commit-graph git-track writes of its own in the background (after the
/// commands before read many commits), so that the rows compare repositories in the same
/// state and no writer shares the machine with a measurement: without a commit-graph of
/// the repository's own, until git-track's exists, then while its writer holds the lock.
fn settle(b: &Bench, dir: &Path) {
    let graphs = dir.join(".git/track/objects/info/commit-graphs");
    let (chain, lock) = (
        graphs.join("commit-graph-chain"),
        graphs.join("commit-graph-chain.lock"),
    );
    let started = Instant::now();
    let waiting = || started.elapsed() < Duration::from_secs(60);
    while !b.args.commit_graph && !chain.exists() && waiting() {
        std::thread::sleep(Duration::from_millis(20));
    }
    // A writer just started may not hold its lock yet.
    std::thread::sleep(Duration::from_millis(200));
    while lock.exists() && waiting() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many tracks `dir` holds.
fn count(dir: &Path) -> usize {
    ok(track(dir, &["list", "--json"]))
        .matches("\"name\"")
        .count()
}

/// A clone of the benchmark's repository holding the first five topics as tracks.
fn five_tracks(b: &Bench) -> PathBuf {
    let tmp = b.tmp.path();
    let base = &b.args.base;
    let small = tmp.join("five");
    ok({
        let mut c = synth::git_cmd(tmp);
        c.args(["clone", "-q", "--branch", base])
            .arg(&b.repo)
            .arg(&small);
        c
    });
    git(&small, &["config", "track.base", base]);
    for t in b.topics.iter().take(5) {
        ok(track(
            &small,
            &["new", &t.name, "--from", &t.tip, "--no-worktree"],
        ));
    }
    small
}

/// Imports old topics of `<base>` (as `old/<merge>` branches) up to 1,000 tracks, given
/// that the repository holds `n`.
fn import_old_topics(b: &Bench, n: usize) {
    let repo = &b.repo;
    let old = git(
        repo,
        &[
            "rev-list",
            "--merges",
            "--first-parent",
            "--parents",
            "--skip=1",
            &format!("-n{}", 1000usize.saturating_sub(n)),
            &b.args.base,
        ],
    );
    let refs: String = old
        .lines()
        .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [merge, _, second, ..] => {
                Some(format!("create refs/heads/old/{} {second}\n", &merge[..12]))
            }
            _ => None,
        })
        .collect();
    let mut update = synth::git_cmd(repo);
    update.args(["update-ref", "--stdin"]).stdin(Stdio::piped());
    let mut child = update.spawn().expect("update-ref");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(refs.as_bytes()).expect("refs");
    drop(stdin);
    assert!(child.wait().expect("update-ref").success());
    ok(track(repo, &["import", "--branches", "old/*"]));
}
