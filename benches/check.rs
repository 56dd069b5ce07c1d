//! `git track check --staged` against `git diff --cached --name-only` on the synthetic
//! repository (100,000 files, 50 tracks): `cargo bench --bench check`.
//!
//! The main worktree checks out track t05 (scope `m05/**`, `shared/**`) and commits once
//! (so the index is as it is after any commit), then stages a change. Both commands run
//! on that same staged change, alternating, after warm-up runs; the medians and their
//! ratio are printed. Also timed: the pre-commit hook on a branch that is not a track, and
//! an agent's pre-edit check (`check --format claude-code` reading a PreToolUse payload)
//! with the collision warning off, on without a collision, and on with one.
//! `BENCH_FILES=10000` makes a smaller repository for a quick look; `BENCH_KEEP=1` keeps
//! the repository (its path is printed) for looking into it afterwards.

mod synth;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WARMUP: usize = 3;
const RUNS: usize = 21;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-track"))
}

/// `git` (or `git track`, through git, as a user types it) in `dir`, with git-track on PATH.
fn command(dir: &Path, program: &str, args: &[&str]) -> Command {
    let mut cmd = if program == "git" {
        synth::git_cmd(dir)
    } else {
        synth::isolated(program, dir)
    };
    let bin_dir = bin().parent().expect("bin dir").to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.args(args).env("PATH", path);
    cmd
}

/// Runs once and returns the wall time and the exit code.
fn time(dir: &Path, program: &str, args: &[&str]) -> (Duration, i32) {
    let mut cmd = command(dir, program, args);
    let start = Instant::now();
    let out = cmd.output().expect("run");
    (start.elapsed(), out.status.code().unwrap_or(-1))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Alternates the commands for `RUNS` rounds after `WARMUP`; returns each one's medians
/// and minimums, and checks each exits as expected every time.
fn race(dir: &Path, cmds: &[(&str, Vec<&str>, i32)]) -> Vec<(Duration, Duration)> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cmds.len()];
    for round in 0..WARMUP + RUNS {
        for (i, (program, args, expected)) in cmds.iter().enumerate() {
            let (t, code) = time(dir, program, args);
            assert_eq!(code, *expected, "{program} {args:?} exited {code}");
            if round >= WARMUP {
                times[i].push(t);
            }
        }
    }
    times
        .into_iter()
        .map(|t| {
            let min = *t.iter().min().expect("runs");
            (median(t), min)
        })
        .collect()
}

fn main() {
    if let Some(repo) = std::env::var_os(MEASURE) {
        measure(Path::new(&repo));
        return;
    }
    let files = std::env::var("BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let spec = synth::Spec {
        files,
        ..synth::Spec::default()
    };
    let built = Instant::now();
    let s = synth::generate(&spec);
    synth::register(&s, &bin());
    eprintln!("built {} tracks in {:.1?}", s.tracks.len(), built.elapsed());
    // Time from a fresh, small process: spawning from this one, which built the whole
    // repository in memory, costs each command several milliseconds more.
    let exe = std::env::current_exe().expect("bench executable");
    let status = Command::new(exe)
        .env(MEASURE, &s.repo)
        .env("BENCH_TRACKS", s.tracks.len().to_string())
        .status()
        .expect("run the measuring process");
    assert!(status.success(), "measuring failed");
    if std::env::var_os("BENCH_KEEP").is_some() {
        let synth::Synth { dir, repo, .. } = s;
        let _ = dir.keep();
        eprintln!("kept the repository at {}", repo.display());
    }
}

/// Set (to the repository) in the process that measures.
const MEASURE: &str = "BENCH_MEASURE_REPO";

fn measure(repo: &Path) {
    let tracks = std::env::var("BENCH_TRACKS").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n_files = synth::git(repo, &["ls-files"]).lines().count();
    let staged = stage_change(repo);
    let bin_path = bin();
    let direct = bin_path.to_str().expect("utf8");
    let races = race_all(repo, direct);
    println!(
        "git track check --staged vs git diff --cached --name-only ({n_files} files, {tracks} tracks, {cores} cores; median of {RUNS} runs after {WARMUP} warm-up runs)"
    );
    print_races(&races, staged);
    pre_edit(repo, direct);
}

/// Writes `text` to `rel` in the main worktree.
fn edit(repo: &Path, rel: &str, text: &str) {
    std::fs::write(repo.join(rel), text).expect("write");
}

/// Makes the main worktree track t05's, with one commit of its own, and stages a change
/// there: ten files in scope, one new folder. Returns how many paths are staged.
fn stage_change(repo: &Path) -> usize {
    synth::git(repo, &["checkout", "-q", "track/t05"]);
    edit(repo, "m05/d0/f000.txt", "committed on t05\n");
    synth::git(repo, &["commit", "-q", "-am", "t05: one more"]);

    for d in 0..10 {
        edit(
            repo,
            &format!("m05/d{d}/f001.txt"),
            &format!("staged change {d}\n"),
        );
    }
    std::fs::create_dir_all(repo.join("m05/extra")).expect("mkdir");
    edit(repo, "m05/extra/new.txt", "new\n");
    synth::git(repo, &["add", "-A"]);
    synth::git(repo, &["diff", "--cached", "--name-only"])
        .lines()
        .count()
}

/// Medians and minimums of each race, in the order [`race`] takes its commands.
struct Races {
    /// `git diff`, `git track check`, the binary itself: all in scope.
    clean: Vec<(Duration, Duration)>,
    /// `git diff`, `git track check`: one path outside the scope.
    stray: Vec<(Duration, Duration)>,
    /// `git rev-parse HEAD`, the pre-commit hook off any track.
    off_track: Vec<(Duration, Duration)>,
}

/// The races, in order: the change all in scope, with one path outside the scope, and
/// the pre-commit hook on `main` (after stashing the change).
fn race_all(repo: &Path, direct: &str) -> Races {
    let git_diff = vec!["diff", "--cached", "--name-only"];
    let check = vec!["track", "check", "--staged"];
    let clean = race(
        repo,
        &[
            ("git", git_diff.clone(), 0),
            ("git", check.clone(), 0),
            (direct, check[1..].to_vec(), 0),
        ],
    );

    // The same with one path outside the scope (the report names who claims it).
    edit(repo, "m42/d0/f000.txt", "stray\n");
    synth::git(repo, &["add", "-A"]);
    let stray = race(
        repo,
        &[("git", git_diff.clone(), 0), ("git", check.clone(), 1)],
    );

    // The pre-commit hook on a branch that is not a track, and `git rev-parse HEAD` (one
    // git process doing next to nothing) for scale.
    synth::git(repo, &["stash", "-q"]);
    synth::git(repo, &["checkout", "-q", "main"]);
    let installed = command(repo, "git", &["track", "hooks", "install"])
        .output()
        .expect("install hooks");
    assert!(installed.status.success(), "hooks install failed");
    let hook = repo.join(".git/hooks/pre-commit");
    let hook = hook.to_str().expect("utf8");
    let off_track = race(
        repo,
        &[("git", vec!["rev-parse", "HEAD"], 0), (hook, vec![], 0)],
    );
    Races {
        clean,
        stray,
        off_track,
    }
}

/// One row per command (its median and minimum), with the ratios to `git diff`.
fn print_races(races: &Races, staged: usize) {
    let Races {
        clean,
        stray,
        off_track,
    } = races;
    let row = |label: &str, (med, min): (Duration, Duration)| {
        println!("  {label:<62} median {:>9}  (min {})", ms(med), ms(min));
    };
    row(
        &format!("git diff --cached --name-only ({staged} paths)"),
        clean[0],
    );
    row("git track check --staged (all in scope)", clean[1]);
    println!(
        "  ratio: {:.2}x (target: at most 2x)",
        clean[1].0.as_secs_f64() / clean[0].0.as_secs_f64()
    );
    row(
        "git-track check --staged (the binary itself, as hooks run it)",
        clean[2],
    );
    println!(
        "  ratio: {:.2}x",
        clean[2].0.as_secs_f64() / clean[0].0.as_secs_f64()
    );
    row(
        &format!("git diff --cached --name-only ({} paths)", staged + 1),
        stray[0],
    );
    row(
        "git track check --staged (1 path outside the scope)",
        stray[1],
    );
    println!(
        "  ratio: {:.2}x",
        stray[1].0.as_secs_f64() / stray[0].0.as_secs_f64()
    );
    row("git rev-parse HEAD (for scale)", off_track[0]);
    row(
        "pre-commit hook on a branch that is not a track",
        off_track[1],
    );
}

/// Runs once with `input` on stdin; returns the wall time, the exit code and stdout.
fn time_with_input(
    dir: &Path,
    program: &str,
    args: &[&str],
    input: &str,
) -> (Duration, i32, String) {
    use std::io::Write;
    let mut cmd = command(dir, program, args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        start.elapsed(),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The pre-edit check as Claude Code runs it, in track t05's worktree: an edit in scope
/// that no other track touches, and one of `shared/p00.txt`, which tracks t00 and t01
/// changed. Warm: the collision cache is filled by the warm-up runs.
fn pre_edit(repo: &Path, direct: &str) {
    let payload = |file: &str| {
        format!(
            r#"{{"session_id":"s","transcript_path":"/t","cwd":"{dir}","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{{"file_path":"{dir}/{file}","old_string":"a","new_string":"b"}},"tool_use_id":"t"}}"#,
            dir = repo.display()
        )
    };
    synth::git(repo, &["checkout", "-q", "track/t05"]);
    let quiet = payload("m05/d1/f002.txt");
    let colliding = payload("shared/p00.txt");
    let args = ["check", "--format", "claude-code"];
    let mut rows: Vec<(String, Duration, Duration)> = Vec::new();
    for (label, mode, input, expect_ask) in [
        ("collision warning off", "off", &quiet, false),
        (
            "collision warning on, no other track changed the file",
            "ask",
            &quiet,
            false,
        ),
        (
            "collision warning on, two other tracks changed the file",
            "ask",
            &colliding,
            true,
        ),
    ] {
        synth::git(repo, &["config", "track.collision", mode]);
        let mut times = Vec::new();
        for round in 0..WARMUP + RUNS {
            let (t, code, stdout) = time_with_input(repo, direct, &args, input);
            assert_eq!(code, 0, "pre-edit check exited {code}");
            assert_eq!(stdout.contains("\"ask\""), expect_ask, "{label}: {stdout}");
            if round >= WARMUP {
                times.push(t);
            }
        }
        let min = *times.iter().min().expect("runs");
        rows.push((label.to_owned(), median(times), min));
    }
    println!(
        "pre-edit check (git-track check --format claude-code, a PreToolUse payload on stdin, track t05)"
    );
    for (label, med, min) in &rows {
        println!("  {label:<62} median {:>9}  (min {})", ms(*med), ms(*min));
    }
    println!(
        "  collision warning costs {:+.1} ms (no collision) / {:+.1} ms (collision) over off (target: whole check under 30 ms)",
        (rows[1].1.as_secs_f64() - rows[0].1.as_secs_f64()) * 1000.0,
        (rows[2].1.as_secs_f64() - rows[0].1.as_secs_f64()) * 1000.0
    );
}
