//! `cargo bench --bench real_history -- --repo <path> --integration seen --base master
//! [--commit-graph]`: git-track against git doing the same work on a real repository's
//! integration branch. Not run in CI (it needs a real repository, e.g. a clone of git.git).
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

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Args {
    repo: PathBuf,
    integration: String,
    base: String,
    commit_graph: bool,
}

fn parse_args() -> Args {
    let mut repo = None;
    let mut integration = "seen".to_owned();
    let mut base = "master".to_owned();
    let mut commit_graph = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repo" => repo = it.next().map(PathBuf::from),
            "--integration" => integration = it.next().expect("--integration <branch>"),
            "--base" => base = it.next().expect("--base <rev>"),
            "--commit-graph" => commit_graph = true,
            // cargo bench passes --bench; anything else is a mistake.
            "--bench" => {}
            other => panic!(
                "unknown argument {other}; usage: --repo <path> [--integration <b>] [--base <b>] [--commit-graph]"
            ),
        }
    }
    Args {
        repo: repo.expect("--repo <path> is required"),
        integration,
        base,
        commit_graph,
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

/// `git merge-tree --stdin --write-tree --name-only --no-messages` over `lines`: for each
/// line, the merged tree when clean, `None` when it conflicts.
fn merge_tree_stdin(repo: &Path, lines: &[String]) -> Vec<Option<String>> {
    let mut child = synth::git_cmd(repo)
        .args([
            "merge-tree",
            "--stdin",
            "--write-tree",
            "--name-only",
            "--no-messages",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn merge-tree");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = lines.join("\n") + "\n";
    // Fed from a thread so that a large batch cannot deadlock on full pipes.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("merge-tree");
    let _ = feeder.join();
    // Per merge: `<status>\0<tree>\0[<path>\0...]\0`, status 1 = clean.
    let mut fields = out.stdout.split(|b| *b == 0).map(String::from_utf8_lossy);
    let mut results = Vec::new();
    while let Some(status) = fields.next() {
        if status.is_empty() {
            break;
        }
        let tree = fields.next().expect("tree").into_owned();
        for path in fields.by_ref() {
            if path.is_empty() {
                break;
            }
        }
        results.push((status == "1").then_some(tree));
    }
    results
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
    let args = parse_args();
    let tmp = tempfile::tempdir().expect("tempdir");
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
    let topics = topics(&repo, &args.base, &args.integration);
    eprintln!(
        "{} topics in {}..{} ({} commit-graph)",
        topics.len(),
        args.base,
        args.integration,
        if args.commit_graph { "with a" } else { "no" }
    );
    let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
    let mut rows: Vec<Row> = Vec::new();

    // import vs one `git branch` per topic.
    let (out, ours) = measure(|| {
        run(track(
            &repo,
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
            git(&repo, &["branch", &format!("bench-{i}"), &t.tip]);
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
    // new for one topic vs git branch, over every topic.
    let ((), ours) = measure(|| {
        for t in &topics {
            ok(track(
                &repo,
                &[
                    "new",
                    &format!("n-{}", t.name),
                    "--from",
                    &t.tip,
                    "--no-worktree",
                ],
            ));
        }
    });
    let ((), theirs) = measure(|| {
        for (i, t) in topics.iter().enumerate() {
            git(&repo, &["branch", &format!("bench-again-{i}"), &t.tip]);
        }
    });
    rows.push(Row {
        work: format!("new --from, {} times", topics.len()),
        ours,
        git: Some(theirs),
    });

    // merge --dry-run vs a merge-tree + commit-tree chain leaving conflicts out.
    let mut dry = vec![
        "merge",
        "--dry-run",
        "--json",
        "--onto",
        &args.base,
        "--into",
        "dry",
    ];
    dry.extend(names.iter().copied());
    let (_, ours) = measure(|| run(track(&repo, &dry)));
    let ((), theirs) = measure(|| {
        let mut at = git(&repo, &["rev-parse", &args.base]).trim().to_owned();
        for t in &topics {
            let out = run({
                let mut c = synth::git_cmd(&repo);
                c.args(["merge-tree", "--write-tree", "--no-messages", &at, &t.tip]);
                c
            });
            if out.status.success() {
                let tree = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                at = git(
                    &repo,
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

    // The ordered rebuild, conflicts resolved with the recorded merges.
    // The integration branch checked out in a worktree beforehand, as the git loop's is.
    let rebuilt_wt = wt_root.join("rebuilt");
    git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "rebuilt",
            rebuilt_wt.to_str().expect("utf8"),
            &args.base,
        ],
    );
    let mut merge = vec!["merge", "--json", "--into", "rebuilt"];
    merge.extend(names.iter().copied());
    let mut stops = 0;
    let ((), ours) = measure(|| {
        let mut out = run(track(&repo, &merge));
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
    let ours_trees = git(
        &repo,
        &[
            "log",
            "--first-parent",
            "--reverse",
            "--format=%T",
            &format!("{}..rebuilt", args.base),
        ],
    );
    let recorded_trees: Vec<String> = topics
        .iter()
        .map(|t| {
            git(&repo, &["rev-parse", &format!("{}^{{tree}}", t.merge)])
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
    let loop_wt = tmp.path().join("git-loop");
    git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "git-loop",
            loop_wt.to_str().expect("utf8"),
            &args.base,
        ],
    );
    let mut git_stops = 0;
    let ((), theirs) = measure(|| {
        for t in &topics {
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
    let git_trees = git(
        &repo,
        &[
            "log",
            "--first-parent",
            "--reverse",
            "--format=%T",
            &format!("{}..git-loop", args.base),
        ],
    );
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

    // git establishing the integration-context verdicts: two merge-tree passes.
    let base_id = git(&repo, &["rev-parse", &args.base]).trim().to_owned();
    let git_verdicts = |repo: &Path| -> (usize, usize) {
        let lines: Vec<String> = topics
            .iter()
            .map(|t| format!("{base_id} {}", t.tip))
            .collect();
        let first = merge_tree_stdin(repo, &lines);
        let mut merged = Vec::new();
        let mut unclean = 0;
        for (t, r) in topics.iter().zip(&first) {
            match r {
                Some(tree) => merged.push((
                    git(
                        repo,
                        &["commit-tree", tree, "-p", &base_id, "-p", &t.tip, "-m", "m"],
                    )
                    .trim()
                    .to_owned(),
                    t.tip.clone(),
                )),
                None => unclean += 1,
            }
        }
        let mut pairs = Vec::new();
        for (i, (ma, _)) in merged.iter().enumerate() {
            for (_, tb) in &merged[i + 1..] {
                pairs.push(format!("{ma} {tb}"));
            }
        }
        let second = merge_tree_stdin(repo, &pairs);
        (unclean, second.iter().filter(|r| r.is_none()).count())
    };
    let ((unclean, colliding), git_overlap) = measure(|| git_verdicts(&repo));
    eprintln!(
        "git: {unclean} topics do not merge into {} cleanly, {colliding} pairs collide",
        args.base
    );

    // overlap and status read the integration branch: put it at the base.
    git(&repo, &["branch", "-f", "integ", &args.base]);
    let cache = repo.join(".git/track/overlap-cache");
    let overlap_args = |level: &'static str| -> Vec<String> {
        let mut v: Vec<String> = vec!["overlap".into(), "--level".into(), level.into()];
        v.extend(names.iter().map(|n| (*n).to_owned()));
        v
    };
    let run_overlap = |level: &'static str| {
        let a = overlap_args(level);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run(track(&repo, &a))
    };
    let moved = &topics[topics.len() / 2];
    for level in ["files", "hunks", "conflicts"] {
        let _ = std::fs::remove_file(&cache);
        let (out, ours) = measure(|| run_overlap(level));
        if level == "conflicts" {
            eprintln!(
                "git-track overlap --level conflicts: {}",
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
        }
        rows.push(Row {
            work: format!("overlap --level {level}, cold"),
            ours,
            git: Some(git_overlap),
        });
        // One tip moves: a new commit on one topic's branch.
        let branch = format!("track/{}", moved.name);
        let tip = git(&repo, &["rev-parse", &branch]).trim().to_owned();
        let tree = git(&repo, &["rev-parse", &format!("{tip}^{{tree}}")])
            .trim()
            .to_owned();
        let next = git(&repo, &["commit-tree", &tree, "-p", &tip, "-m", "moved"])
            .trim()
            .to_owned();
        git(
            &repo,
            &["update-ref", &format!("refs/heads/{branch}"), &next, &tip],
        );
        let (_, ours) = measure(|| run_overlap(level));
        rows.push(Row {
            work: format!("overlap --level {level}, one tip moved"),
            ours,
            git: Some(git_overlap),
        });
    }
    let _ = std::fs::remove_file(&cache);
    let (_, ours) = measure(|| run(track(&repo, &["status"])));
    rows.push(Row {
        work: format!(
            "status, {} tracks (+{} from new), cold",
            topics.len(),
            topics.len()
        ),
        ours,
        git: None,
    });

    merging_one_track(&args, tmp.path(), &repo, &topics, &mut rows);

    println!(
        "{:<58} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7}",
        "work", "ours wall", "git wall", "ratio", "ours CPU", "git CPU", "ratio"
    );
    for r in &rows {
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

/// Merging one track must cost the same whatever number of tracks the repository holds:
/// `merge <first topic> --dry-run` in a clone holding 5 tracks, then in the benchmark's
/// repository as it is and after old topics (the second parents of `<base>`'s own
/// first-parent merges, all merged long ago) are imported up to 1,000 tracks; each against
/// git's `merge-tree` + `commit-tree` for the same merge. Best of three runs each.
fn merging_one_track(args: &Args, tmp: &Path, repo: &Path, topics: &[Topic], rows: &mut Vec<Row>) {
    let Some(first) = topics.first() else {
        return;
    };
    let best = |cmd: &dyn Fn() -> Command| {
        (0..3)
            .map(|_| measure(|| ok(cmd())).1)
            .min_by_key(|c| c.wall)
            .unwrap_or_default()
    };
    let git_one = |dir: &Path| {
        best(&|| {
            let mut c = synth::git_cmd(dir);
            c.args([
                "merge-tree",
                "--write-tree",
                "--no-messages",
                &args.base,
                &first.tip,
            ]);
            c
        })
    };
    let dry = |dir: &Path, name: &str| {
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
                    &args.base,
                ],
            )
        })
    };
    let count = |dir: &Path| {
        ok(track(dir, &["list", "--json"]))
            .matches("\"name\"")
            .count()
    };

    let small = tmp.join("five");
    ok({
        let mut c = synth::git_cmd(tmp);
        c.args(["clone", "-q", "--branch", &args.base])
            .arg(repo)
            .arg(&small);
        c
    });
    git(&small, &["config", "track.base", &args.base]);
    for t in topics.iter().take(5) {
        ok(track(
            &small,
            &["new", &t.name, "--from", &t.tip, "--no-worktree"],
        ));
    }
    let n = count(&small);
    rows.push(Row {
        work: format!("merge one track --dry-run, {n} tracks"),
        ours: dry(&small, &first.name),
        git: Some(git_one(&small)),
    });
    let n = count(repo);
    rows.push(Row {
        work: format!("merge one track --dry-run, {n} tracks"),
        ours: dry(repo, &first.name),
        git: Some(git_one(repo)),
    });
    let old = git(
        repo,
        &[
            "rev-list",
            "--merges",
            "--first-parent",
            "--parents",
            "--skip=1",
            &format!("-n{}", 1000usize.saturating_sub(n)),
            &args.base,
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
    let n = count(repo);
    rows.push(Row {
        work: format!("merge one track --dry-run, {n} tracks"),
        ours: dry(repo, &first.name),
        git: Some(git_one(repo)),
    });
}
