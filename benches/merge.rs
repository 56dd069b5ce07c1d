//! `cargo bench --bench merge`: `git track merge` against git's own ways of merging the
//! same tracks in the same order, on the shared synthetic repository (`synth/`).
//!
//! The tracks are every synthetic track that merges cleanly in order (the second track
//! of each conflicting pair and the track that conflicts with `integration` are left
//! out, so that git's merge loop does not stop). Three ways, each starting from
//! `integration`:
//!
//! 1. `git track merge <tracks> --into <new branch> --onto integration` (the release
//!    binary, one process: planning, one in-memory merge and merge commit per track,
//!    compare-and-swap ref moves, saved state);
//! 2. a loop of `git merge --no-ff --no-edit <branch>` in a worktree that has the branch
//!    checked out (the worktree exists before timing starts, as an integration worktree
//!    would);
//! 3. a chain of `git merge-tree --write-tree <current> <track>` plus
//!    `git commit-tree -p <current> -p <track>` per track, and one `git update-ref` at
//!    the end, so that the chain also produces merge commits.
//!
//! The tree of every step is checked to be the same in all three. Prints the median of
//! `BENCH_RUNS` runs (default 3, after one warm-up run) and the ratios. The repository's
//! size is `BENCH_FILES` (default 100000) files, `BENCH_TRACKS` (default 50) tracks and
//! `BENCH_HISTORY` (default 3000) commits of history on `main`;
//! `BENCH_KEEP=1` keeps the repository (and prints its path) instead of the figures.

mod synth;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn git_track(repo: &Path) -> Command {
    synth::identified(env!("CARGO_BIN_EXE_git-track"), repo)
}

/// The tree of each first-parent commit after `integration`, oldest first.
fn step_trees(repo: &Path, branch: &str) -> Vec<String> {
    synth::git(
        repo,
        &[
            "log",
            "--first-parent",
            "--reverse",
            "--format=%T",
            &format!("integration..{branch}"),
        ],
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let spec = synth::Spec {
        files: env_usize("BENCH_FILES", 100_000),
        tracks: env_usize("BENCH_TRACKS", 50),
        history: env_usize("BENCH_HISTORY", 3_000),
        checkout: true,
    };
    let runs = env_usize("BENCH_RUNS", 3).max(1);
    let started = Instant::now();
    let s = synth::generate(&spec);
    synth::register(&s, Path::new(env!("CARGO_BIN_EXE_git-track")));
    let repo = s.repo.clone();
    let tracks = mergeable(&s, started);

    let loop_wt = s.dir.path().join("loop-worktree");
    synth::git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "bench/loop-0",
            loop_wt.to_str().expect("utf-8 path"),
            "integration",
        ],
    );

    let mut times: [Vec<Duration>; 3] = Default::default();
    let mut trees: [Vec<String>; 3] = Default::default();
    for run in 0..=runs {
        let (took, gt_trees) = merge_git_track(&repo, &tracks, run);
        let (took_loop, loop_trees) = merge_loop(&repo, &loop_wt, &tracks, run);
        let (took_chain, chain_trees) = merge_chain(&repo, &tracks, run);

        assert_eq!(gt_trees.len(), tracks.len(), "one merge per track");
        assert_eq!(gt_trees, loop_trees, "git track and git merge differ");
        assert_eq!(gt_trees, chain_trees, "git track and git merge-tree differ");
        if run == 0 {
            continue; // warm-up
        }
        for (i, d) in [took, took_loop, took_chain].into_iter().enumerate() {
            times[i].push(d);
        }
        trees = [gt_trees, loop_trees, chain_trees];
    }

    if std::env::var_os("BENCH_KEEP").is_some() {
        // For profiling: leave the repository behind and say where it is.
        println!("kept: {}", s.dir.keep().display());
        return;
    }
    report(times, &trees, runs);
}

/// The tracks that merge cleanly in order (printed with the repository's size): the
/// second of each conflicting pair and the one that conflicts with `integration` are out.
fn mergeable(s: &synth::Synth, started: Instant) -> Vec<&synth::SynthTrack> {
    let left_out: Vec<String> = s
        .expected
        .pairs
        .iter()
        .filter(|(_, _, meeting)| meeting.conflicts())
        .map(|(_, second, _)| second.clone())
        .chain(s.expected.conflict_with_integration.iter().cloned())
        .collect();
    let tracks: Vec<&synth::SynthTrack> = s
        .tracks
        .iter()
        .filter(|t| !left_out.contains(&t.name))
        .collect();
    let files = synth::git(&s.repo, &["ls-files"]).lines().count();
    println!(
        "synthetic repository: {files} files; merging {} of {} tracks in order ({} left out: {}); set up in {:.1?}",
        tracks.len(),
        s.tracks.len(),
        left_out.len(),
        left_out.join(", "),
        started.elapsed()
    );
    tracks
}

/// 1. `git track merge`: its time and the trees of its steps.
fn merge_git_track(
    repo: &Path,
    tracks: &[&synth::SynthTrack],
    run: usize,
) -> (Duration, Vec<String>) {
    let branch = format!("bench/gt-{run}");
    let mut cmd = git_track(repo);
    cmd.args(["merge", "--into", &branch, "--onto", "integration"]);
    cmd.args(tracks.iter().map(|t| t.name.as_str()));
    let t0 = Instant::now();
    let out = cmd.output().expect("run git-track");
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "git track merge failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (took, step_trees(repo, &branch))
}

/// 2. A loop of `git merge --no-ff` in a worktree (reset to integration, untimed).
fn merge_loop(
    repo: &Path,
    loop_wt: &Path,
    tracks: &[&synth::SynthTrack],
    run: usize,
) -> (Duration, Vec<String>) {
    let branch_loop = format!("bench/loop-{run}");
    synth::git(
        loop_wt,
        &["checkout", "-q", "-B", &branch_loop, "integration"],
    );
    let t1 = Instant::now();
    for t in tracks {
        synth::git(loop_wt, &["merge", "-q", "--no-ff", "--no-edit", &t.branch]);
    }
    let took_loop = t1.elapsed();
    (took_loop, step_trees(repo, &branch_loop))
}

/// 3. A chain of `git merge-tree --write-tree` + `commit-tree`, one `update-ref`.
fn merge_chain(repo: &Path, tracks: &[&synth::SynthTrack], run: usize) -> (Duration, Vec<String>) {
    let branch_chain = format!("bench/chain-{run}");
    let t2 = Instant::now();
    let mut current = synth::git(repo, &["rev-parse", "integration"])
        .trim()
        .to_owned();
    for t in tracks {
        let out = synth::git(repo, &["merge-tree", "--write-tree", &current, &t.tip]);
        let tree = out.lines().next().expect("a tree id").to_owned();
        let message = format!("Merge track '{}' into {branch_chain}", t.name);
        current = synth::git(
            repo,
            &[
                "commit-tree",
                &tree,
                "-p",
                &current,
                "-p",
                &t.tip,
                "-m",
                &message,
            ],
        )
        .trim()
        .to_owned();
    }
    synth::git(
        repo,
        &[
            "update-ref",
            &format!("refs/heads/{branch_chain}"),
            &current,
        ],
    );
    let took_chain = t2.elapsed();
    (took_chain, step_trees(repo, &branch_chain))
}

/// The medians of the three ways and their ratios to `git track merge`.
fn report(times: [Vec<Duration>; 3], trees: &[Vec<String>; 3], runs: usize) {
    let [gt, lp, ch] = times.map(median);
    let ratio_loop = lp.as_secs_f64() / gt.as_secs_f64();
    let ratio_chain = ch.as_secs_f64() / gt.as_secs_f64();
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "trees identical at all {} steps in all three ways: yes",
        trees[0].len()
    );
    println!("median of {runs} runs (after one warm-up):");
    println!("  git track merge (release binary)          {:>9}", ms(gt));
    println!(
        "  git merge --no-ff loop in a worktree      {:>9}   {ratio_loop:.1}x git track (target >= 3x: {})",
        ms(lp),
        verdict(ratio_loop >= 3.0)
    );
    println!(
        "  git merge-tree + commit-tree chain        {:>9}   {ratio_chain:.1}x git track (target >= 1x: {})",
        ms(ch),
        verdict(ratio_chain >= 1.0)
    );
}
