//! `git track exec`: one command run in the worktrees of several tracks, each with its
//! track's environment, output passed on line by line as it comes, exit status kept per
//! track.

use crate::progress::Progress;
use crate::track_env::TrackEnv;
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// One worktree to run in.
#[derive(Debug, Clone)]
pub struct Job {
    pub env: TrackEnv,
    pub worktree: PathBuf,
}

/// Which stream a line came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How the command ended in one worktree.
#[derive(Debug, Clone, Serialize)]
pub struct JobResult {
    pub track: String,
    pub worktree: String,
    /// The exit code; `None` when killed by a signal or when it could not start.
    pub code: Option<i32>,
    pub success: bool,
    /// Why it could not start, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub seconds: f64,
}

/// Runs `argv` in every job's worktree, at most `parallel` at a time; `line` gets each
/// line of output with its track as it comes. A single argument is a shell command line
/// (`sh -c`), several are a program and its arguments. Results come back in job order.
pub fn run(
    jobs: &[Job],
    argv: &[String],
    parallel: usize,
    line: &(dyn Fn(&str, Stream, &str) + Sync),
    progress: &dyn Progress,
) -> Vec<JobResult> {
    progress.start("Running in tracks", jobs.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<JobResult>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..parallel.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let ran = run_one(job, argv, line);
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(ran);
                    }
                    progress.tick();
                }
            });
        }
    });
    progress.finish();
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

fn run_one(job: &Job, argv: &[String], line: &(dyn Fn(&str, Stream, &str) + Sync)) -> JobResult {
    let started = Instant::now();
    let mut cmd = match argv {
        [one] => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(one);
            c
        }
        [program, args @ ..] => {
            let mut c = Command::new(program);
            c.args(args);
            c
        }
        [] => Command::new("true"),
    };
    cmd.current_dir(&job.worktree)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    job.env.apply(&mut cmd);
    let track = job.env.track.as_str();
    let mut ran = JobResult {
        track: track.to_owned(),
        worktree: job.worktree.display().to_string(),
        code: None,
        success: false,
        error: None,
        seconds: 0.0,
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            ran.error = Some(format!("could not run '{}': {e}", argv.join(" ")));
            return ran;
        }
    };
    let out = child.stdout.take();
    let err = child.stderr.take();
    std::thread::scope(|scope| {
        if let Some(out) = out {
            scope.spawn(move || pass_lines(out, |l| line(track, Stream::Stdout, l)));
        }
        if let Some(err) = err {
            scope.spawn(move || pass_lines(err, |l| line(track, Stream::Stderr, l)));
        }
    });
    match child.wait() {
        Ok(status) => {
            ran.code = status.code();
            ran.success = status.success();
        }
        Err(e) => ran.error = Some(format!("could not wait for '{}': {e}", argv.join(" "))),
    }
    ran.seconds = started.elapsed().as_secs_f64();
    ran
}

fn pass_lines(source: impl Read, mut each: impl FnMut(&str)) {
    let mut reader = BufReader::new(source);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf);
                each(text.trim_end_matches(['\n', '\r']));
            }
        }
    }
}
