//! `cargo bench --bench real_history -- --repo <path> --integration seen --base master
//! [--commit-graph] [--tmp <dir>]`: git-track against git doing the same work on a real
//! repository's integration branch. Not run in CI (it needs a real repository, e.g. a clone
//! of git.git). `--tmp` puts the clone in `<dir>`, on another file system (see
//! docs/benchmarks.md: ext4 without a journal makes creating files slow after deletions).
//!
//! The repository is cloned (hard links, no commit-graph unless `--commit-graph` writes
//! one) into a temporary folder, `<base>` becomes `track.base`, and every first-parent
//! merge of `<base>..<integration>` gives a topic: its second parent, merged in that order.
//! Measured, each against git doing the same work (see /work/shared/real-history.md):
//!
//! - `import`: `git track import --merges <base>..<integration>` vs one `git branch` per
//!   topic; `new`: one `git track new <t> --from <tip> --no-worktree` vs one `git branch`;
//! - `merge --dry-run` of all topics vs a chain of `git merge-tree` + `git commit-tree`
//!   that leaves conflicting steps out, as the dry run does;
//! - the ordered rebuild: `git track merge <all topics> --into <b>`, `<b>` checked out in a
//!   worktree beforehand as the git loop's branch is, with each stop resolved with the
//!   recorded merge's tree (`git read-tree --reset -u`, then `git track merge --continue`)
//!   vs a `git merge --no-ff` loop in a worktree resolved the same way; every step's tree
//!   must be the same for both (steps whose recorded merge holds more than git's merge
//!   gives, "evil" merges, are counted);
//! - `overlap --level files|hunks|conflicts`, cold (no cache) and after one topic's tip
//!   moved, vs git's two `merge-tree --stdin` passes that establish the same verdicts;
//! - `status`, cold;
//! - `merge <one topic> --dry-run` with 5 tracks, with the imported ones, and with 1,000
//!   (old topics of `<base>` added), vs `git merge-tree` for the same merge.
//!
//! Times are wall-clock and the CPU time of the child processes (user + system, summed over
//! threads); on a busy machine the CPU figures are the steadier. Ratios are git / git-track:
//! above 1 means git-track is faster.

mod synth;
// The longer measurements, each in its own file.
#[path = "real_history/one_track.rs"]
mod one_track;
#[path = "real_history/overlap.rs"]
mod overlap;
#[path = "real_history/rebuild.rs"]
mod rebuild;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Args {
    repo: PathBuf,
    integration: String,
    base: String,
    commit_graph: bool,
    /// Where the clone goes (`--tmp`; the system's temporary folder by default).
    tmp: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut repo = None;
    let mut integration = "seen".to_owned();
    let mut base = "master".to_owned();
    let mut commit_graph = false;
    let mut tmp = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repo" => repo = it.next().map(PathBuf::from),
            "--integration" => integration = it.next().expect("--integration <branch>"),
            "--base" => base = it.next().expect("--base <rev>"),
            "--commit-graph" => commit_graph = true,
            "--tmp" => tmp = it.next().map(PathBuf::from),
            // cargo bench passes --bench; anything else is a mistake.
            "--bench" => {}
            other => panic!(
                "unknown argument {other}; usage: --repo <path> [--integration <b>] [--base <b>] [--commit-graph] [--tmp <dir>]"
            ),
        }
    }
    Args {
        repo: repo.expect("--repo <path> is required"),
        integration,
        base,
        commit_graph,
        tmp,
    }
}

/// CPU time (user + system) of the waited-for children so far, from /proc (Linux).
fn children_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line: 13 and 14 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(13) + ticks(14)) * 10)
}

/// Wall and CPU time of `f`.
#[derive(Clone, Copy, Default)]
struct Cost {
    wall: Duration,
    cpu: Duration,
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        self.wall += o.wall;
        self.cpu += o.cpu;
    }
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    let (c0, t0) = (children_cpu(), Instant::now());
    let out = f();
    let cost = Cost {
        wall: t0.elapsed(),
        cpu: children_cpu().saturating_sub(c0),
    };
    (out, cost)
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("run a command")
}

fn ok(mut cmd: Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd.output().expect("run a command");
    assert!(
        out.status.success(),
        "{shown} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let mut c = synth::git_cmd(dir);
    c.args(args);
    ok(c)
}

fn track(dir: &Path, args: &[&str]) -> Command {
    let mut c = synth::identified(env!("CARGO_BIN_EXE_git-track"), dir);
    c.args(args);
    c
}

struct Topic {
    merge: String,
    tip: String,
    name: String,
}

fn topics(repo: &Path, base: &str, integration: &str) -> Vec<Topic> {
    let list = git(
        repo,
        &[
            "rev-list",
            "--reverse",
            "--first-parent",
            "--parents",
            &format!("{base}..{integration}"),
        ],
    );
    let mut out = Vec::new();
    for line in list.lines() {
        let ids: Vec<&str> = line.split_whitespace().collect();
        let [merge, _, tip] = ids.as_slice() else {
            continue;
        };
        let subject = git(repo, &["log", "-1", "--format=%s", merge]);
        let name = git_track::import::merged_branch(subject.trim())
            .map(|b| git_track::import::track_name(&b))
            .unwrap_or_else(|| format!("merge-{}", &merge[..12]));
        out.push(Topic {
            merge: (*merge).to_owned(),
            tip: (*tip).to_owned(),
            name,
        });
    }
    out
}

fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

struct Row {
    work: String,
    ours: Cost,
    git: Option<Cost>,
}

fn ratio(git: Duration, ours: Duration) -> String {
    if ours.is_zero() {
        return "-".to_owned();
    }
    format!("{:.1}x", git.as_secs_f64() / ours.as_secs_f64())
}

fn main() {
    let b = setup(parse_args());
    let mut rows: Vec<Row> = Vec::new();
    measure_import(&b, &mut rows);
    measure_new(&b, &mut rows);
    measure_dry_run(&b, &mut rows);
    rebuild::measure_rebuild(&b, &mut rows);
    overlap::measure_overlap(&b, &mut rows);
    overlap::measure_status(&b, &mut rows);
    one_track::merging_one_track(&b, &mut rows);
    print_table(&rows);
}

/// What the measurements share: the arguments, the clone and its topics.
struct Bench {
    args: Args,
    /// Holds the clone and the worktrees; removed when the benchmark ends.
    tmp: tempfile::TempDir,
    repo: PathBuf,
    wt_root: PathBuf,
    topics: Vec<Topic>,
}

impl Bench {
    fn names(&self) -> Vec<&str> {
        self.topics.iter().map(|t| t.name.as_str()).collect()
    }
}

/// Clones the repository and configures git-track in the clone; finds the topics.
fn setup(args: Args) -> Bench {
    let tmp = match &args.tmp {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("tempdir");
    let repo = tmp.path().join("repo");
    ok({
        let mut c = synth::git_cmd(tmp.path());
        c.args(["clone", "-q"])
            .arg(&args.repo)
            .arg(&repo)
            .args(["--branch", &args.base]);
        c
    });
    // The ends of the range as local branches of the clone.
    for b in [&args.integration, &args.base] {
        let _ = run({
            let mut c = synth::git_cmd(&repo);
            c.args(["branch", "-q", b, &format!("origin/{b}")]);
            c
        });
    }
    if args.commit_graph {
        git(&repo, &["commit-graph", "write", "--reachable"]);
    }
    let wt_root = tmp.path().join("worktrees");
    git(&repo, &["config", "track.base", &args.base]);
    git(&repo, &["config", "track.integration", "integ"]);
    git(
        &repo,
        &[
            "config",
            "track.worktreeRoot",
            wt_root.to_str().expect("utf8"),
        ],
    );
    git(&repo, &["config", "gc.auto", "0"]);
    // The clone's checkout written out before anything is measured: otherwise the first
    // row (`import`) pays for the file system writing back the clone's 4,000 files, and
    // git's side, measured seconds later, does not.
    let _ = std::process::Command::new("sync").status();
    let topics = topics(&repo, &args.base, &args.integration);
    eprintln!(
        "{} topics in {}..{} ({} commit-graph)",
        topics.len(),
        args.base,
        args.integration,
        if args.commit_graph { "with a" } else { "no" }
    );
    Bench {
        args,
        tmp,
        repo,
        wt_root,
        topics,
    }
}

/// import vs one `git branch` per topic.
fn measure_import(b: &Bench, rows: &mut Vec<Row>) {
    let (repo, args, topics) = (&b.repo, &b.args, &b.topics);
    let (out, ours) = measure(|| {
        run(track(
            repo,
            &[
                "import",
                "--merges",
                &format!("{}..{}", args.base, args.integration),
            ],
        ))
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ((), theirs) = measure(|| {
        for (i, t) in topics.iter().enumerate() {
            git(repo, &["branch", &format!("bench-{i}"), &t.tip]);
        }
    });
    rows.push(Row {
        work: format!("import {} topics", topics.len()),
        ours,
        git: Some(theirs),
    });
    // Without a commit-graph, import's walk has git-track write its own in the background
    // (src/dag/own_graph.rs); what follows is measured with it, as a user would have it.
    if !args.commit_graph {
        let chain = repo.join(".git/track/objects/info/commit-graphs/commit-graph-chain");
        let started = Instant::now();
        while !chain.exists() && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        println!(
            "git-track's own commit-graph: {} after import returned",
            if chain.exists() {
                format!("written {} ms", started.elapsed().as_millis())
            } else {
                "not written".to_owned()
            }
        );
    }
}

/// new for one topic vs git branch, over every topic, the two taking turns call by call:
/// in two blocks the first met the file system busy with what came before it (the clone,
/// `import`, git-track's graph written in the background) and the second a quieter one.
/// Allocating a file's inode, the bulk of a call, costs more while recently freed ones
/// are about (ext4 without a journal scans them), and `new` creates seven files to
/// `git branch`'s two. The CPU figures come in ticks of 10 ms, so a call's share is
/// approximate; their sum over the 65 calls is not.
fn measure_new(b: &Bench, rows: &mut Vec<Row>) {
    let (repo, topics) = (&b.repo, &b.topics);
    let (mut ours, mut theirs) = (Cost::default(), Cost::default());
    for (i, t) in topics.iter().enumerate() {
        let name = format!("n-{}", t.name);
        let new = || {
            ok(track(
                repo,
                &["new", &name, "--from", &t.tip, "--no-worktree"],
            ))
        };
        let branch = || git(repo, &["branch", &format!("bench-again-{i}"), &t.tip]);
        // Each side first every other call.
        if i % 2 == 0 {
            ours += measure(new).1;
            theirs += measure(branch).1;
        } else {
            theirs += measure(branch).1;
            ours += measure(new).1;
        }
    }
    rows.push(Row {
        work: format!("new --from, {} times (taking turns)", topics.len()),
        ours,
        git: Some(theirs),
    });
}

/// merge --dry-run vs a merge-tree + commit-tree chain leaving conflicts out.
fn measure_dry_run(b: &Bench, rows: &mut Vec<Row>) {
    let (repo, args, topics) = (&b.repo, &b.args, &b.topics);
    let mut dry = vec![
        "merge",
        "--dry-run",
        "--json",
        "--onto",
        &args.base,
        "--into",
        "dry",
    ];
    dry.extend(b.names());
    let (_, ours) = measure(|| run(track(repo, &dry)));
    let ((), theirs) = measure(|| {
        let mut at = git(repo, &["rev-parse", &args.base]).trim().to_owned();
        for t in topics {
            let out = run({
                let mut c = synth::git_cmd(repo);
                c.args(["merge-tree", "--write-tree", "--no-messages", &at, &t.tip]);
                c
            });
            if out.status.success() {
                let tree = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                at = git(
                    repo,
                    &["commit-tree", &tree, "-p", &at, "-p", &t.tip, "-m", "m"],
                )
                .trim()
                .to_owned();
            }
        }
    });
    rows.push(Row {
        work: format!("merge --dry-run of {} topics", topics.len()),
        ours,
        git: Some(theirs),
    });
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<58} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7}",
        "work", "ours wall", "git wall", "ratio", "ours CPU", "git CPU", "ratio"
    );
    for r in rows {
        let (gw, gc, rw, rc) = match r.git {
            Some(g) => (
                secs(g.wall),
                secs(g.cpu),
                ratio(g.wall, r.ours.wall),
                ratio(g.cpu, r.ours.cpu),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:<58} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7}",
            r.work,
            secs(r.ours.wall),
            gw,
            rw,
            secs(r.ours.cpu),
            gc,
            rc
        );
    }
}
