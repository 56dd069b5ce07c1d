//! 1,000 tracks on a 100,000-file repository: `cargo bench --bench scale`.
//!
//! Builds the synthetic repository (`benches/synth/`) with 1,000 tracks (eleven or so
//! share each module, so overlaps abound), registers them in one `git fast-import`, checks
//! out track t05 in the main worktree and stages a change, then times `list`, `status`,
//! `overlap --level files`, `check --staged` and `merge --dry-run` (release build, the
//! whole process; median of `SCALE_RUNS`, default 5, after one warm-up) and measures each
//! one's peak resident memory with `/usr/bin/time -f %M`. Prints each against its budget.
//! `SCALE_FILES` and `SCALE_TRACKS` change the size; `SCALE_KEEP=1` keeps the repository
//! (its path is printed) for profiling a command by hand.

mod synth;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// (command, budget in milliseconds).
const BUDGETS: &[(&[&str], u64)] = &[
    (&["list"], 50),
    (&["status"], 2000),
    (&["overlap", "--level", "files"], 2000),
    (&["check", "--staged"], 500),
    (&["merge", "--dry-run"], 5000),
];
const MEMORY_BUDGET_MB: f64 = 500.0;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-track"))
}

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs git-track once under `/usr/bin/time`; returns wall time, exit code, peak RSS (MB).
fn run(repo: &Path, args: &[&str]) -> (Duration, i32, f64) {
    let rss_file = repo.parent().expect("parent").join("rss");
    let mut cmd = synth::isolated("/usr/bin/time", repo);
    cmd.arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(bin())
        .args(args);
    let start = Instant::now();
    let out = cmd.output().expect("run git-track");
    let took = start.elapsed();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "git track {args:?} failed ({code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kb: f64 = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.lines().last()?.trim().parse().ok())
        .unwrap_or(f64::NAN);
    (took, code, kb / 1024.0)
}

fn main() {
    let files = env_or("SCALE_FILES", 100_000);
    let tracks = env_or("SCALE_TRACKS", 1000);
    let runs = env_or("SCALE_RUNS", 5);
    let started = Instant::now();
    let s = synth::generate(&synth::Spec {
        files,
        tracks,
        checkout: true,
        ..Default::default()
    });
    synth::register_fast(&s);
    synth::git(&s.repo, &["checkout", "-q", "track/t05"]);
    std::fs::write(s.repo.join("m05/d0/f000.txt"), "staged change\n").expect("write");
    synth::git(&s.repo, &["add", "m05/d0/f000.txt"]);
    println!(
        "scale: {tracks} tracks, {files} files, built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if std::env::var_os("SCALE_KEEP").is_some() {
        println!("kept at {}", s.repo.display());
    }
    println!("| command | median | budget | peak memory | verdict |");
    println!("|---|---|---|---|---|");
    let mut all_met = true;
    for (args, budget_ms) in BUDGETS {
        let _ = run(&s.repo, args);
        let mut times = Vec::new();
        let mut peak: f64 = 0.0;
        for _ in 0..runs {
            let (t, _, rss) = run(&s.repo, args);
            times.push(t);
            peak = peak.max(rss);
        }
        times.sort();
        let median = times[times.len() / 2];
        let ms = median.as_secs_f64() * 1000.0;
        let met = ms <= *budget_ms as f64 && peak <= MEMORY_BUDGET_MB;
        all_met &= met;
        println!(
            "| `{}` | {ms:.1} ms | {budget_ms} ms | {peak:.0} MB | {} |",
            args.join(" "),
            if met { "met" } else { "**not met**" }
        );
    }
    println!("memory budget: {MEMORY_BUDGET_MB} MB per command; all met: {all_met}");
    if std::env::var_os("SCALE_KEEP").is_some() {
        let _ = s.dir.keep();
    }
}
