//! `cargo bench --bench overlap`: each level of `git track overlap` (the release binary)
//! against git doing the same work on the synthetic repository (`benches/synth`):
//!
//! * one `git diff-tree -r --name-only --stdin` pass over the tracks' (fork point, tip)
//!   pairs, for `--level files` and `--level hunks`;
//! * `git merge-tree --write-tree` establishing the same verdicts as `--level conflicts`:
//!   each track merged into the integration tip, then, for every pair of tracks that merge
//!   cleanly, B merged into the commit of "A merged into the integration tip". git gets its
//!   fastest form: `--stdin` batches (one process per stage) and one `hash-object` for the
//!   merge commits.
//!
//! It checks that the verdicts are identical, and prints times (median of runs), ratios
//! and peak memory (max RSS from `/usr/bin/time`). The overlap cache is deleted before
//! every cold run; warm runs reuse it.
//!
//! Environment: `OVERLAP_BENCH_FILES` (default 100000), `OVERLAP_BENCH_TRACKS` (50),
//! `OVERLAP_BENCH_HISTORY` (3000 commits of history on `main`),
//! `OVERLAP_BENCH_RUNS` (5), `OVERLAP_BENCH_KEEP=1` keeps the repository and prints its path.

mod synth;
// git's verdicts, which ours are checked against.
#[path = "overlap/git.rs"]
mod git;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_num(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One timed process: wall time, peak RSS in KiB (when `/usr/bin/time` is there), stdout.
struct Ran {
    wall: Duration,
    peak_kib: Option<u64>,
    stdout: Vec<u8>,
    code: i32,
}

fn timed(mut cmd: Command, stdin: Option<&[u8]>) -> Ran {
    let time = Path::new("/usr/bin/time");
    let report = std::env::temp_dir().join(format!("overlap-bench-rss.{}", std::process::id()));
    let mut cmd = if time.exists() {
        let mut wrapped = Command::new(time);
        wrapped
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(cmd.get_program())
            .args(cmd.get_args());
        if let Some(dir) = cmd.get_current_dir() {
            wrapped.current_dir(dir);
        }
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => wrapped.env(k, v),
                None => wrapped.env_remove(k),
            };
        }
        wrapped
    } else {
        std::mem::replace(&mut cmd, Command::new("true"))
    };
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    // Feed stdin from another thread: git writes its output while it reads, and a full
    // stdout pipe would otherwise block both sides.
    let out = std::thread::scope(|scope| {
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            scope.spawn(move || pipe.write_all(input).expect("write stdin"));
        }
        child.wait_with_output().expect("wait")
    });
    let wall = start.elapsed();
    let peak_kib = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    let _ = std::fs::remove_file(&report);
    Ran {
        wall,
        peak_kib,
        stdout: out.stdout,
        code: out.status.code().unwrap_or(-1),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_owned(),
        |k| format!("{:.1} MB", k as f64 / 1024.0),
    )
}

struct Bench {
    repo: PathBuf,
    git_track: PathBuf,
}

impl Bench {
    fn git_track(&self, args: &[&str]) -> Command {
        let mut c = synth::isolated(&self.git_track, &self.repo);
        c.args(args);
        c
    }

    fn git(&self, args: &[&str]) -> Command {
        let mut cmd = synth::git_cmd(&self.repo);
        cmd.args(args);
        cmd
    }

    fn clear_cache(&self) {
        let _ = std::fs::remove_file(self.repo.join(".git/track/overlap-cache"));
    }
}

/// One level's figures: cold times and peak, cached times and peak.
type Level = (Times, Option<u64>, Times, Option<u64>);

/// Wall times of several runs: median and best.
#[derive(Clone, Copy)]
struct Times {
    median: Duration,
    best: Duration,
}

impl Times {
    fn of(times: Vec<Duration>) -> Times {
        let best = times.iter().copied().min().unwrap_or_default();
        Times {
            median: median(times),
            best,
        }
    }
}

/// Times `runs` runs of a command line; returns the times and the largest peak RSS.
fn measure(runs: usize, mut one: impl FnMut() -> Ran) -> (Times, Option<u64>, Ran) {
    let mut times = Vec::new();
    let mut peak = None;
    let mut last = None;
    for _ in 0..runs {
        let r = one();
        times.push(r.wall);
        peak = peak.max(r.peak_kib);
        last = Some(r);
    }
    (Times::of(times), peak, last.expect("at least one run"))
}

/// Our verdicts from a `--level conflicts --json` report, in the same shape as git's.
fn our_verdicts(
    report: &serde_json::Value,
) -> (BTreeMap<String, bool>, BTreeMap<(String, String), bool>) {
    let clean: BTreeMap<String, bool> = report["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["merges_cleanly"].as_bool().unwrap(),
            )
        })
        .collect();
    let listed: BTreeMap<(String, String), Option<bool>> = report["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            (
                (
                    p["a"].as_str().unwrap().to_owned(),
                    p["b"].as_str().unwrap().to_owned(),
                ),
                p["conflict"].as_bool(),
            )
        })
        .collect();
    let names: Vec<&String> = clean.keys().filter(|n| clean[*n]).collect();
    let mut pairs = BTreeMap::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let key = ((*a).clone(), (*b).clone());
            let v = listed.get(&key).copied().flatten().unwrap_or(false);
            pairs.insert(key, v);
        }
    }
    (clean, pairs)
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let git = synth::git(Path::new("."), &["--version"]);
    format!("{cores} cores ({cpu}); {}", git.trim())
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let spec = synth::Spec {
        files: env_num("OVERLAP_BENCH_FILES", 100_000),
        tracks: env_num("OVERLAP_BENCH_TRACKS", 50),
        history: env_num("OVERLAP_BENCH_HISTORY", 3_000),
        checkout: true,
    };
    let runs = env_num("OVERLAP_BENCH_RUNS", 5).max(1);
    println!("machine: {}", machine());
    let start = Instant::now();
    let s = synth::generate(&spec);
    let b = Bench {
        repo: s.repo.clone(),
        git_track: PathBuf::from(env!("CARGO_BIN_EXE_git-track")),
    };
    synth::register(&s, &b.git_track);
    let files = synth::git(&s.repo, &["ls-files"]).lines().count();
    println!(
        "repository: {files} files, {} tracks ({} pairs share a file, {} of them conflict; {} track(s) conflict with integration); built in {:.1?}",
        s.tracks.len(),
        s.expected.pairs.len(),
        s.expected.pairs.iter().filter(|p| p.2.conflicts()).count(),
        s.expected.conflict_with_integration.len(),
        start.elapsed()
    );
    let integration = synth::git(&s.repo, &["rev-parse", "integration"])
        .trim()
        .to_owned();
    println!("runs per figure: {runs} (median)\n");

    let diff_tree = measure_diff_tree(&b, &s, runs);
    let (ours, report) = measure_levels(&b, runs);
    let (status, status_peak, _) = measure(runs, || {
        b.clear_cache();
        timed(b.git_track(&["status", "--json"]), None)
    });
    let (git, batch) = measure_batched(&b, &s, &integration, runs);
    let process_runs = env_num("OVERLAP_BENCH_PROCESS_RUNS", 1).max(1);
    let (per_process, per_process_merges) = measure_per_process(&b, &s, &integration, process_runs);
    let f = Figures {
        tracks: s.tracks.len(),
        diff_tree,
        ours,
        status: (status, status_peak),
        git,
        batch,
        per_process,
        per_process_merges,
        process_runs,
    };

    print_table(&f);
    println!();
    print_targets(&f);
    let identical = print_verdicts(&f, &report);
    if std::env::var_os("OVERLAP_BENCH_KEEP").is_some() {
        let kept = s.dir.keep();
        println!("repository kept at {}", kept.join("repo").display());
    }
    if !identical {
        std::process::exit(1);
    }
}

/// Times of several runs and the largest peak RSS among them.
type Measured = (Times, Option<u64>);

/// What the table, the targets and the verdicts are made of.
struct Figures {
    tracks: usize,
    diff_tree: Measured,
    /// git-track's figures per level.
    ours: BTreeMap<&'static str, Level>,
    status: Measured,
    /// git's verdicts (from the last batched run).
    git: git::GitVerdicts,
    batch: Measured,
    per_process: Measured,
    per_process_merges: usize,
    process_runs: usize,
}

/// git: one diff-tree pass over the (fork point, tip) pairs.
fn measure_diff_tree(b: &Bench, s: &synth::Synth, runs: usize) -> Measured {
    let pairs_input: String = s
        .tracks
        .iter()
        .map(|t| format!("{} {}\n", t.fork, t.tip))
        .collect();
    let (diff_tree, diff_tree_peak, _) = measure(runs, || {
        timed(
            b.git(&["diff-tree", "-r", "--name-only", "--stdin"]),
            Some(pairs_input.as_bytes()),
        )
    });
    (diff_tree, diff_tree_peak)
}

/// git-track, each level, cold (no cache) and cached (the previous run's cache); with the
/// conflicts level's last report.
fn measure_levels(b: &Bench, runs: usize) -> (BTreeMap<&'static str, Level>, serde_json::Value) {
    let mut ours: BTreeMap<&str, Level> = BTreeMap::new();
    let mut report = serde_json::Value::Null;
    for level in ["files", "hunks", "conflicts"] {
        let (cold, cold_peak, last) = measure(runs, || {
            b.clear_cache();
            timed(b.git_track(&["overlap", "--level", level, "--json"]), None)
        });
        assert!(last.code == 0 || last.code == 1, "git track overlap failed");
        let (warm, warm_peak, _) = measure(runs, || {
            timed(b.git_track(&["overlap", "--level", level, "--json"]), None)
        });
        if level == "conflicts" {
            report = serde_json::from_slice(&last.stdout).expect("JSON report");
        }
        ours.insert(level, (cold, cold_peak, warm, warm_peak));
    }
    (ours, report)
}

/// git: merge-tree establishing the same verdicts, batched (--stdin).
fn measure_batched(
    b: &Bench,
    s: &synth::Synth,
    integration: &str,
    runs: usize,
) -> (git::GitVerdicts, Measured) {
    let mut batch_runs = Vec::new();
    let mut batch_peak = None;
    let mut verdicts = None;
    for _ in 0..runs {
        let v = git::git_merge_tree_verdicts(b, s, integration);
        batch_runs.push(v.wall);
        batch_peak = batch_peak.max(v.peak_kib);
        verdicts = Some(v);
    }
    let git = verdicts.expect("a run");
    (git, (Times::of(batch_runs), batch_peak))
}

/// git: merge-tree establishing the same verdicts, one process per merge, as a script
/// would run it. Also returns how many merges that is.
fn measure_per_process(
    b: &Bench,
    s: &synth::Synth,
    integration: &str,
    process_runs: usize,
) -> (Measured, usize) {
    let mut per_process_runs = Vec::new();
    let mut per_process_peak = None;
    let mut per_process_merges = 0;
    for _ in 0..process_runs {
        let (wall, peak, merges) = git::git_merge_tree_per_process(b, s, integration);
        per_process_runs.push(wall);
        per_process_peak = per_process_peak.max(peak);
        per_process_merges = merges;
    }
    (
        (Times::of(per_process_runs), per_process_peak),
        per_process_merges,
    )
}

fn ratio(t: Times, reference: Times) -> f64 {
    t.median.as_secs_f64() / reference.median.as_secs_f64()
}

fn print_table(f: &Figures) {
    let fmt_times = |t: Times| format!("{} ({})", ms(t.median), ms(t.best));
    let row = |what: &str, t: Times, peak: Option<u64>, vs: &str| {
        println!("{what:<52} {:>22}  {:>9}  {vs}", fmt_times(t), mib(peak));
    };
    let (diff_tree, diff_tree_peak) = f.diff_tree;
    let (batch, batch_peak) = f.batch;
    let (per_process, per_process_peak) = f.per_process;
    println!(
        "{:<52} {:>22}  {:>9}  ratio (medians)",
        "", "median (best)", "peak RSS"
    );
    row(
        &format!("git diff-tree -r --name-only --stdin ({} pairs)", f.tracks),
        diff_tree,
        diff_tree_peak,
        "reference for files and hunks",
    );
    row(
        &format!(
            "git merge-tree --write-tree --stdin ({} merges)",
            f.git.merges
        ),
        batch,
        batch_peak,
        "reference for conflicts (batched)",
    );
    row(
        &format!(
            "git merge-tree --write-tree, 1 process per merge ({})",
            f.per_process_merges
        ),
        per_process,
        per_process_peak,
        &format!(
            "reference for conflicts (per process; {} run(s))",
            f.process_runs
        ),
    );
    for level in ["files", "hunks", "conflicts"] {
        let (cold, cold_peak, warm, warm_peak) = f.ours[level];
        let describe = |t: Times| {
            if level == "conflicts" {
                format!(
                    "{:.1}x faster than batched merge-tree, {:.0}x than per process",
                    1.0 / ratio(t, batch),
                    1.0 / ratio(t, per_process)
                )
            } else {
                format!("{:.2}x diff-tree", ratio(t, diff_tree))
            }
        };
        row(
            &format!("git track overlap --level {level} (cold)"),
            cold,
            cold_peak,
            &describe(cold),
        );
        row(
            &format!("git track overlap --level {level} (cached)"),
            warm,
            warm_peak,
            &describe(warm),
        );
    }
    let (status, status_peak) = f.status;
    row("git track status (cold cache)", status, status_peak, "");
}

fn print_targets(f: &Figures) {
    let (hunks_cold, ..) = f.ours["hunks"];
    let (conflicts_cold, conflicts_peak, ..) = f.ours["conflicts"];
    let hunks_ratio = ratio(hunks_cold, f.diff_tree.0);
    let vs_batch = 1.0 / ratio(conflicts_cold, f.batch.0);
    let vs_process = 1.0 / ratio(conflicts_cold, f.per_process.0);
    let peak_all = f
        .ours
        .values()
        .flat_map(|o| [o.1, o.3])
        .chain([f.status.1])
        .max()
        .flatten();
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "target: hunks (cold) within 1.5x of diff-tree: {hunks_ratio:.2}x -> {}",
        verdict(hunks_ratio <= 1.5)
    );
    println!(
        "target: conflicts (cold) 20x faster than merge-tree: {vs_batch:.1}x vs batched -> {}; {vs_process:.0}x vs per process -> {}",
        verdict(vs_batch >= 20.0),
        verdict(vs_process >= 20.0)
    );
    println!(
        "target: peak memory under 200 MB: {} (conflicts level: {}) -> {}",
        mib(peak_all),
        mib(conflicts_peak),
        match peak_all {
            Some(k) => verdict(k < 200 * 1024),
            None => "not measured (/usr/bin/time missing)",
        }
    );
}

/// Prints whether our verdicts are git's (and any that differ); returns whether they are.
fn print_verdicts(f: &Figures, report: &serde_json::Value) -> bool {
    let git = &f.git;
    let (our_clean, our_pairs) = our_verdicts(report);
    let identical = our_clean == git.clean && our_pairs == git.pairs;
    let differing: Vec<_> = git
        .pairs
        .iter()
        .filter(|(k, v)| our_pairs.get(*k) != Some(*v))
        .map(|(k, v)| format!("{}+{}: git {v}, ours {:?}", k.0, k.1, our_pairs.get(k)))
        .collect();
    let git_conflicts = git.pairs.values().filter(|c| **c).count();
    println!(
        "verdicts identical to git: {} ({} tracks, {} merge cleanly; {} pairs judged, {} conflict)",
        if identical { "yes" } else { "NO" },
        git.clean.len(),
        git.clean.values().filter(|c| **c).count(),
        git.pairs.len(),
        git_conflicts,
    );
    for d in &differing {
        println!("  differs: {d}");
    }
    identical
}
