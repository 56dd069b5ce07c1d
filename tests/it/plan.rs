//! The life of tracks after `new`: done, cancel, archive, reopen; the plan (graph,
//! ready); experiments (compare, pick); sync; the dashboard's flags and figures.

use crate::common::{self, Out, TestRepo};
use std::path::Path;

/// `text` with the test's temporary folder written as `<tmp>`.
fn norm(repo: &TestRepo, text: &str) -> String {
    let tmp = repo.root.parent().unwrap().display().to_string();
    text.replace(&tmp, "<tmp>")
}

fn commit_file(repo: &TestRepo, dir: &Path, rel: &str, content: &str, message: &str) -> String {
    common::write_file(&dir.join(rel), content);
    repo.commit_all_in(dir, message)
}

fn stderr(repo: &TestRepo, out: &Out) -> String {
    norm(repo, &out.stderr)
}

#[test]
fn done_removes_a_clean_worktree_keeps_the_branch_and_records_the_reason() {
    let repo = TestRepo::new();
    repo.track(&["new", "api"]).ok();
    let wt = repo.worktree("api");
    commit_file(&repo, &wt, "api.txt", "api\n", "api");
    let out = repo.track(&["done", "api", "--reason", "shipped in 1.2"]);
    out.ok();
    assert_eq!(
        stderr(&repo, &out),
        "Removed worktree <tmp>/repo.tracks/api\nTrack 'api': active -> done: shipped in 1.2\n"
    );
    assert!(!wt.exists());
    repo.git(&["rev-parse", "--verify", "track/api"]);
    let log = repo.git(&["log", "-1", "--format=%s", "refs/tracks/api"]);
    assert_eq!(
        log.trim(),
        "track: edit api: status: active -> done (reason: shipped in 1.2)"
    );
    let show = repo.track(&["show", "api", "--json"]).ok().json();
    assert_eq!(show["status"], "done");
    assert_eq!(show["reason"], "shipped in 1.2");
    assert!(show.get("worktree").is_none());
    // Again: nothing to do.
    let again = repo.track(&["done", "api"]);
    assert_eq!(
        again.ok().stderr,
        "Track 'api' already is done; nothing changed\n"
    );
}

#[test]
fn cancel_refuses_a_dirty_worktree_and_with_force_saves_the_work_first() {
    let repo = TestRepo::new();
    repo.track(&["new", "exp"]).ok();
    let wt = repo.worktree("exp");
    common::write_file(&wt.join("notes.txt"), "not committed\n");
    let before = repo.snapshot();
    let out = repo.track(&["cancel", "exp", "--reason", "dead end"]);
    out.code(2);
    assert_eq!(
        stderr(&repo, &out),
        "error: the worktree of 'exp' at '<tmp>/repo.tracks/exp' has uncommitted or untracked changes\n\
         hint: commit them, or pass --force to save them under refs/tracks-backup/ and remove the worktree\n"
    );
    assert_eq!(repo.snapshot(), before, "a refusal changes nothing");

    let out = repo.track(&["cancel", "exp", "--reason", "dead end", "--force"]);
    out.ok();
    let saved = repo.git(&["for-each-ref", "--format=%(refname)", "refs/tracks-backup/"]);
    let saved = saved.trim();
    assert!(
        saved.starts_with("refs/tracks-backup/exp/worktree-"),
        "{saved}"
    );
    assert_eq!(
        stderr(&repo, &out),
        format!(
            "Saved uncommitted work of 'exp' to {saved}\nRemoved worktree <tmp>/repo.tracks/exp\nTrack 'exp': active -> cancelled: dead end\n"
        )
    );
    assert_eq!(
        repo.git(&["show", &format!("{saved}:notes.txt")]),
        "not committed\n"
    );
    repo.git(&["rev-parse", "--verify", "track/exp"]);
}

#[test]
fn done_refuses_a_finished_track_and_reopen_brings_the_worktree_back() {
    let repo = TestRepo::new();
    repo.track(&["new", "ui"]).ok();
    repo.track(&["archive", "ui"]).ok();
    let out = repo.track(&["done", "ui"]);
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: track 'ui' is archived; 'done' takes a track that is not finished\n\
         hint: reopen it first with 'git track reopen ui'\n"
    );
    let out = repo.track(&["reopen", "ui", "--reason", "needed after all"]);
    out.ok();
    assert_eq!(
        stderr(&repo, &out),
        "Track 'ui': archived -> active: needed after all\nAdded worktree <tmp>/repo.tracks/ui\n"
    );
    assert_eq!(
        repo.git_in(&repo.worktree("ui"), &["branch", "--show-current"])
            .trim(),
        "track/ui"
    );
    let out = repo.track(&["reopen", "ui"]);
    assert_eq!(
        out.ok().stderr,
        "Track 'ui' already is active; nothing changed\n"
    );
}

#[test]
fn list_and_status_filter_by_status_kind_owner_and_experiment() {
    let repo = TestRepo::new();
    repo.track(&[
        "new",
        "a",
        "--no-worktree",
        "--owner",
        "ann",
        "--kind",
        "fix",
    ])
    .ok();
    repo.track(&["new", "b", "--no-worktree", "--owner", "bob"])
        .ok();
    repo.track(&[
        "new",
        "c",
        "--no-worktree",
        "--experiment",
        "speed",
        "--hypothesis",
        "cache it",
    ])
    .ok();
    repo.track(&["cancel", "b"]).ok();
    let names = |args: &[&str]| -> Vec<String> {
        let out = repo.track(args);
        out.ok().json()["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&["list", "--json", "--owner", "ann"]), ["a"]);
    assert_eq!(names(&["list", "--json", "--status", "cancelled"]), ["b"]);
    assert_eq!(names(&["list", "--json", "--kind", "feat"]), ["b", "c"]);
    assert_eq!(names(&["list", "--json", "--experiment", "speed"]), ["c"]);
    assert_eq!(
        names(&[
            "list",
            "--json",
            "--status",
            "active",
            "--status",
            "cancelled",
            "--kind",
            "feat"
        ]),
        ["b", "c"]
    );
    assert_eq!(
        names(&["status", "--json", "--status", "active"]),
        ["a", "c"]
    );
    let out = repo.track(&["list", "--status", "finished"]);
    out.code(2)
        .stderr_has("invalid value 'finished' for '--status <status>'");
}

/// Twelve tracks with estimates:
///
/// ```text
///   spec(2) -> api(5) -> sdk(3) -> docs(1)
///   spec(2) -> db(8) -> api(5)
///   spec(2) -> ui(3) -> e2e(2)
///   api(5) -> e2e(2)
///   infra(4) -> deploy(1);  db(8) -> deploy(1)
///   logo(1), blog(2) -> launch(1) <- deploy
///   legacy(9): done
/// ```
///
/// By hand: the heaviest chain is spec, db, api, sdk, docs = 2 + 8 + 5 + 3 + 1 = 19
/// (spec, db, api, e2e is 17; spec, db, deploy, launch is 12). The widest set of tracks
/// none of which depends on another: the sinks docs, e2e, launch, logo and the
/// unrelated infra... infra precedes deploy and launch, not docs, e2e or logo, so
/// {docs, e2e, launch, logo} plus one of infra or blog? blog precedes launch. Taking
/// {docs, e2e, deploy, logo, blog}: deploy and blog are unrelated, none precedes
/// another: 5. Six is impossible: the chains spec-db-api-sdk-docs, ui-e2e,
/// infra-deploy-launch, blog, logo cover the eleven unfinished tracks with 5 chains.
fn twelve_track_plan(repo: &TestRepo) {
    let plan: &[(&str, &str, &[&str])] = &[
        ("spec", "2", &[]),
        ("db", "8", &["spec"]),
        ("api", "5", &["spec", "db"]),
        ("sdk", "3", &["api"]),
        ("docs", "1", &["sdk"]),
        ("ui", "3", &["spec"]),
        ("e2e", "2", &["ui", "api"]),
        ("infra", "4", &[]),
        ("deploy", "1", &["infra", "db"]),
        ("logo", "1", &[]),
        ("blog", "2", &[]),
        ("launch", "1", &["deploy", "blog"]),
        ("legacy", "9", &[]),
    ];
    for (name, estimate, deps) in plan {
        let mut args = vec!["new", name, "--no-worktree", "--estimate", estimate];
        for d in *deps {
            args.extend(["--depends-on", d]);
        }
        repo.track(&args).ok();
    }
    repo.track(&["done", "legacy"]).ok();
}

#[test]
fn graph_prints_the_critical_path_and_the_width_computed_by_hand() {
    let repo = TestRepo::new();
    twelve_track_plan(&repo);
    let out = repo.track(&["graph"]);
    assert_eq!(
        out.ok().stdout,
        "   TRACK   STATUS  ESTIMATE  DEPENDS ON
   blog    active  2         -
   infra   active  4         -
   legacy  done    9         -
   logo    active  1         -
*  spec    active  2         -
*  db      active  8         spec
*  api     active  5         spec, db
   deploy  active  1         infra, db
   launch  active  1         deploy, blog
*  sdk     active  3         api
*  docs    active  1         sdk
   ui      active  3         spec
   e2e     active  2         ui, api

critical path: spec -> db -> api -> sdk -> docs (length 19)
parallelism: 5 (blog, deploy, docs, e2e, logo)
"
    );
    let g = repo.track(&["graph", "--json"]).ok().json();
    assert_eq!(
        g["critical_path"]["tracks"],
        serde_json::json!(["spec", "db", "api", "sdk", "docs"])
    );
    assert_eq!(g["critical_path"]["length"], 19.0);
    assert_eq!(g["parallelism"]["width"], 5);
    // Finishing db's chain shortens the path: once spec, db and api are done, the
    // heaviest chain left is infra -> deploy -> launch (4 + 1 + 1 = 6).
    for t in ["spec", "db", "api"] {
        repo.track(&["done", t]).ok();
    }
    let g = repo.track(&["graph", "--json"]).ok().json();
    assert_eq!(
        g["critical_path"]["tracks"],
        serde_json::json!(["infra", "deploy", "launch"])
    );
}

#[test]
fn graph_as_dot_renders_with_graphviz() {
    let repo = TestRepo::new();
    twelve_track_plan(&repo);
    let out = repo.track(&["graph", "--format", "dot"]);
    let dot = out.ok().stdout.clone();
    assert!(dot.starts_with("digraph tracks {\n"), "{dot}");
    assert!(
        dot.contains("  \"spec\" -> \"db\" [color=red, penwidth=2];\n"),
        "{dot}"
    );
    assert!(dot.contains("  \"infra\" -> \"deploy\";\n"), "{dot}");
    let mermaid = repo
        .track(&["graph", "--format", "mermaid"])
        .ok()
        .stdout
        .clone();
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");

    let have_dot = std::process::Command::new("dot").arg("-V").output().is_ok();
    if !have_dot {
        // CI (.ci/run) installs graphviz and sets this, so there the check always runs.
        assert!(
            std::env::var_os("GIT_TRACK_REQUIRE_DOT").is_none(),
            "GIT_TRACK_REQUIRE_DOT is set but 'dot' (graphviz) is not installed"
        );
        eprintln!("SKIPPED rendering: 'dot' (Debian package graphviz) is not installed");
        return;
    }
    let file = repo.tmp.path().join("plan.dot");
    std::fs::write(&file, &dot).unwrap();
    let svg = std::process::Command::new("dot")
        .args(["-Tsvg", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        svg.status.success(),
        "{}",
        String::from_utf8_lossy(&svg.stderr)
    );
    let svg = String::from_utf8_lossy(&svg.stdout);
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains(">launch</text>"), "{svg}");
}

#[test]
fn a_cycle_in_stored_definitions_is_refused_by_graph() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree"]).ok();
    repo.track(&["new", "b", "--no-worktree", "--depends-on", "a"])
        .ok();
    // Edits refuse the cycle ...
    let out = repo.track(&["edit", "a", "--add-depends-on", "b"]);
    out.code(2);
    assert_eq!(out.stderr, "error: dependency cycle: a -> b -> a\n");
    // ... but a definition written by hand (or fetched) can hold one.
    let text = repo.git(&["show", "refs/tracks/a:track.toml"]);
    let text = text.replace("depends_on = []", "depends_on = [\"b\"]");
    let blob_file = repo.tmp.path().join("a.toml");
    std::fs::write(&blob_file, text).unwrap();
    let blob = repo.git(&["hash-object", "-w", blob_file.to_str().unwrap()]);
    let tree = {
        let out = std::process::Command::new("git")
            .current_dir(&repo.root)
            .args(["mktree"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(format!("100644 blob {}\ttrack.toml\n", blob.trim()).as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let commit = repo.git(&[
        "commit-tree",
        tree.trim(),
        "-p",
        "refs/tracks/a",
        "-m",
        "by hand",
    ]);
    repo.git(&["update-ref", "refs/tracks/a", commit.trim()]);
    let out = repo.track(&["graph"]);
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: dependency cycle: a -> b -> a\n\
         hint: break it with 'git track edit <name> --remove-depends-on <track>'\n"
    );
}

#[test]
fn ready_counts_a_dependency_only_once_it_is_merged() {
    let repo = TestRepo::new();
    repo.track(&["new", "core"]).ok();
    commit_file(&repo, &repo.worktree("core"), "core.txt", "core\n", "core");
    repo.track(&["new", "plugin", "--depends-on", "core"]).ok();
    commit_file(
        &repo,
        &repo.worktree("plugin"),
        "plugin.txt",
        "p\n",
        "plugin",
    );
    repo.track(&["new", "later", "--depends-on", "core"]).ok();
    commit_file(&repo, &repo.worktree("later"), "later.txt", "l\n", "later");
    repo.track(&["edit", "later", "--status", "backlog"]).ok();
    repo.track(&["new", "idle", "--no-worktree"]).ok();
    // core is done on its branch, but not merged: its dependents still wait.
    repo.track(&["done", "core", "--keep-worktree"]).ok();
    let out = repo.track(&["ready"]);
    assert_eq!(
        out.ok().stdout,
        "waiting:
  idle    active   no commits yet
  later   backlog  waits for 'core' (done) to be merged into 'integration'
  plugin  active   waits for 'core' (done) to be merged into 'integration'
"
    );
    // merge without names names what it leaves out, and why.
    repo.track(&["reopen", "core"]).ok();
    let out = repo.track(&["merge", "core"]);
    out.ok();
    let out = repo.track(&["ready"]);
    assert_eq!(
        out.ok().stdout,
        "can start:
  later  backlog  dependencies merged
can merge:
  plugin  active  dependencies merged
waiting:
  idle  active  no commits yet
"
    );
    let out = repo.track(&["merge"]);
    out.ok()
        .stdout_has("plugin  merged")
        .stdout_has("Not merged:\n  later  status is backlog\n");
}

/// Three implementations of one function and a benchmark script printing its figure.
fn experiment(repo: &TestRepo) {
    repo.write(
        "bench.sh",
        "#!/bin/sh\n. ./impl.sh\necho \"checking $NAME\"\necho \"cost: $COST units\"\n",
    );
    repo.write("impl.sh", "NAME=none\nCOST=100\n");
    repo.commit_all("benchmark");
    for (name, cost, hypothesis) in [
        ("sort-quick", "12", "quicksort wins on random input"),
        ("sort-merge", "9", "merge sort is steadier"),
        ("sort-heap", "30", "heapsort needs no memory"),
    ] {
        repo.track(&[
            "new",
            name,
            "--experiment",
            "sorting",
            "--hypothesis",
            hypothesis,
            "--scope",
            "impl.sh",
        ])
        .ok();
        commit_file(
            repo,
            &repo.worktree(name),
            "impl.sh",
            &format!("NAME={name}\nCOST={cost}\n"),
            name,
        );
    }
}

#[test]
fn compare_refuses_an_unknown_group() {
    let repo = TestRepo::new();
    experiment(&repo);
    let before = repo.snapshot();
    let out = repo.track(&["compare", "searching"]);
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: no experiment named 'searching'\nhint: the experiments are: sorting\n"
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn pick_refuses_a_winner_outside_the_group() {
    let repo = TestRepo::new();
    experiment(&repo);
    repo.track(&["new", "other", "--no-worktree"]).ok();
    let before = repo.snapshot();
    let out = repo.track(&["pick", "other", "--reason", "x"]);
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: track 'other' is in no experiment\n\
         hint: put it in one with 'git track edit other --experiment <group> --hypothesis <text>'\n"
    );
    let out = repo.track(&["pick", "other", "--experiment", "sorting", "--reason", "x"]);
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: track 'other' is not in experiment 'sorting'\n\
         hint: the tracks of 'sorting' are: sort-heap, sort-merge, sort-quick\n"
    );
    let out = repo.track(&["pick", "sort-heap", "--experiment", "nope", "--reason", "x"]);
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: no experiment named 'nope'\nhint: the experiments are: sorting\n"
    );
    assert_eq!(repo.snapshot(), before, "refusals change nothing");
}

#[test]
fn an_experiment_is_compared_ranked_picked_and_recorded_at_the_next_checkpoint() {
    let repo = TestRepo::new();
    experiment(&repo);
    // One contender has no worktree: compare makes a temporary one and removes it.
    repo.track(&["edit", "sort-heap", "--status", "backlog"])
        .ok();
    std::fs::remove_dir_all(repo.worktree("sort-heap")).unwrap();
    repo.git(&["worktree", "prune"]);
    let worktrees_before = repo.git(&["worktree", "list", "--porcelain"]);

    let out = repo.track(&[
        "compare",
        "sorting",
        "--exec",
        "sh bench.sh",
        "--metric",
        "cost: ([0-9]+) units",
    ]);
    out.ok();
    // Wall times differ from run to run (and stay under 10 s: the same width).
    let table = times_masked(&out.stdout);
    let tip = repo.git(&["rev-parse", "--short=12", "main"]);
    assert_eq!(
        table,
        format!(
            "experiment sorting: 3 tracks, against integration at {}
TRACK       STATUS   COMMITS  DIFFSTAT      VIOLATIONS  OVERLAPS  MERGES
sort-heap   backlog  1        1 file +2 -2  0           -         cleanly
sort-merge  active   1        1 file +2 -2  0           -         cleanly
sort-quick  active   1        1 file +2 -2  0           -         cleanly
sort-heap: heapsort needs no memory
sort-merge: merge sort is steadier
sort-quick: quicksort wins on random input

RANK  TRACK       COMMAND      EXIT  TIME   METRIC  LAST LINE
1     sort-merge  sh bench.sh  0     N.NNs  9       cost: 9 units
2     sort-quick  sh bench.sh  0     N.NNs  12      cost: 12 units
3     sort-heap   sh bench.sh  0     N.NNs  30      cost: 30 units
",
            tip.trim()
        )
    );
    let json = repo
        .track(&[
            "compare",
            "sorting",
            "--json",
            "--exec",
            "sh bench.sh",
            "--metric",
            "cost: ([0-9]+)",
        ])
        .ok()
        .json();
    let heap = &json["tracks"][0];
    assert_eq!(heap["track"], "sort-heap");
    assert_eq!(heap["runs"][0]["temporary"], true);
    assert_eq!(heap["rank"], 3);
    assert_eq!(
        repo.git(&["worktree", "list", "--porcelain"]),
        worktrees_before,
        "the temporary worktree is gone"
    );

    let heap_tip = repo.git(&["rev-parse", "track/sort-heap"]);
    let quick_tip = repo.git(&["rev-parse", "track/sort-quick"]);
    let out = repo.track(&[
        "pick",
        "sort-merge",
        "--reason",
        "cheapest in the benchmark",
    ]);
    out.ok();
    assert_eq!(
        norm(&repo, &out.stdout),
        format!(
            "experiment sorting: picked sort-merge
  sort-heap: cancelled; tip {} kept as refs/tracks-experiments/sorting/tips/sort-heap
  sort-quick: cancelled; tip {} kept as refs/tracks-experiments/sorting/tips/sort-quick
    removed worktree <tmp>/repo.tracks/sort-quick
reason: cheapest in the benchmark
decision: refs/tracks-experiments/sorting/decision
",
            &heap_tip[..12],
            &quick_tip[..12]
        )
    );
    let show = repo.track(&["show", "sort-quick", "--json"]).ok().json();
    assert_eq!(show["status"], "cancelled");
    assert_eq!(
        show["reason"],
        "lost experiment 'sorting' to 'sort-merge': cheapest in the benchmark"
    );
    // A second pick is refused.
    let out = repo.track(&["pick", "sort-quick", "--reason", "changed my mind"]);
    out.code(2)
        .stderr_has("error: track 'sort-quick' is cancelled; a winner must be unfinished");

    // The losers' branches may go; their tips stay reachable.
    repo.git(&["branch", "-D", "track/sort-heap", "track/sort-quick"]);
    repo.git(&["gc", "-q", "--prune=now"]);
    assert_eq!(
        repo.git(&[
            "rev-parse",
            "refs/tracks-experiments/sorting/tips/sort-heap"
        ]),
        heap_tip
    );
    assert_eq!(
        repo.git(&[
            "show",
            "refs/tracks-experiments/sorting/tips/sort-quick:impl.sh"
        ]),
        "NAME=sort-quick\nCOST=12\n"
    );

    let out = repo.track(&["merge", "--checkpoint"]);
    out.ok().stdout_has("sort-merge  merged");
    let message = repo.git(&["log", "-1", "--format=%B", "integration"]);
    let merge_tip = repo.git(&["rev-parse", "--short=12", "track/sort-merge"]);
    let section = message
        .split("\n\n")
        .find(|p| p.starts_with("Experiments decided:"))
        .unwrap_or_else(|| panic!("{message}"));
    assert_eq!(
        section,
        format!(
            "Experiments decided:
  sorting: picked sort-merge at {}: cheapest in the benchmark
    cancelled sort-heap, tip {} kept as refs/tracks-experiments/sorting/tips/sort-heap
    cancelled sort-quick, tip {} kept as refs/tracks-experiments/sorting/tips/sort-quick
    compared by /cost: ([0-9]+)/:
      sort-heap: 1 commit, 1 file, +2 -2, exit 0, metric 30, rank 3
      sort-merge: 1 commit, 1 file, +2 -2, exit 0, metric 9, rank 1
      sort-quick: 1 commit, 1 file, +2 -2, exit 0, metric 12, rank 2",
            merge_tip.trim(),
            &heap_tip[..12],
            &quick_tip[..12]
        )
    );
    assert!(
        message.contains("Experiment-Picked: sorting sort-merge\n"),
        "{message}"
    );
    let cps = repo.track(&["checkpoints", "--json"]).ok().json();
    let d = &cps["checkpoints"][0]["decisions"][0];
    assert_eq!(d["winner"], "sort-merge");
    assert_eq!(d["losers"][1]["tip"], quick_tip.trim());
    assert_eq!(d["compare"]["rows"][1]["rank"], 1);
    // Recorded once: the next checkpoint does not repeat it.
    let decision = repo.git(&[
        "show",
        "refs/tracks-experiments/sorting/decision:decision.toml",
    ]);
    assert!(
        decision.contains("[recorded]\ncheckpoint = 1\n"),
        "{decision}"
    );
}

/// `1.23s` written as `N.NNs`.
fn times_masked(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let is_time = i + 4 < chars.len()
            && chars[i].is_ascii_digit()
            && chars[i + 1] == '.'
            && chars[i + 2].is_ascii_digit()
            && chars[i + 3].is_ascii_digit()
            && chars[i + 4] == 's'
            && (i == 0 || chars[i - 1] == ' ');
        if is_time {
            out.push_str("N.NNs");
            i += 5;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn conflicting_sync(repo: &TestRepo) {
    repo.write("f.txt", "one\n");
    repo.commit_all("f");
    repo.track(&["new", "t1"]).ok();
    repo.track(&["new", "t2"]).ok();
    commit_file(repo, &repo.worktree("t1"), "f.txt", "t1\n", "t1 edits f");
    commit_file(repo, &repo.worktree("t2"), "g.txt", "g\n", "t2 adds g");
    // The integration branch moves on f.txt in its own way.
    repo.git(&["branch", "integration", "main"]);
    repo.git(&["switch", "-q", "integration"]);
    repo.write("f.txt", "integration\n");
    repo.commit_all("integration edits f");
    repo.git(&["switch", "-q", "main"]);
}

#[test]
fn sync_refuses_a_dirty_worktree() {
    let repo = TestRepo::new();
    conflicting_sync(&repo);
    common::write_file(&repo.worktree("t2").join("wip.txt"), "wip\n");
    let before = repo.snapshot();
    let out = repo.track(&["sync", "t1", "t2"]);
    out.code(2);
    assert_eq!(
        stderr(&repo, &out),
        "error: the worktree of 't2' at '<tmp>/repo.tracks/t2' has uncommitted or untracked changes\n\
         hint: commit or stash them, then sync again\n"
    );
    assert_eq!(repo.snapshot(), before, "not even t1 was synced");
}

#[test]
fn sync_stops_on_a_conflict_and_continues_after_the_resolution() {
    let repo = TestRepo::new();
    conflicting_sync(&repo);
    let t1_before = repo.git(&["rev-parse", "--short=12", "track/t1"]);
    let t2_before = repo.git(&["rev-parse", "--short=12", "track/t2"]);
    let out = repo.track(&["sync", "t2", "t1"]);
    out.code(1);
    let t2_after = repo.git(&["rev-parse", "--short=12", "track/t2"]);
    assert_eq!(
        norm(&repo, &out.stdout),
        format!(
            "t2  merged integration: {} -> {}
CONFLICT merging integration in track 't1', left in <tmp>/repo.tracks/t1:
    f.txt
",
            t2_before.trim(),
            t2_after.trim()
        )
    );
    assert_eq!(
        stderr(&repo, &out),
        "hint: resolve the conflicts in <tmp>/repo.tracks/t1 ('git status', 'git mergetool'), 'git add' them,\n\
         hint: then run 'git track sync --continue'\n\
         hint: or 'git track sync --abort' to put 't1' back as it was\n"
    );
    // Another sync waits for this one.
    repo.track(&["sync", "--all"])
        .code(2)
        .stderr_has("error: a sync is stopped at track 't1'");
    // Continuing with the conflict unresolved stops again.
    repo.track(&["sync", "--continue"]).code(1);
    let wt = repo.worktree("t1");
    common::write_file(&wt.join("f.txt"), "both\n");
    repo.git_in(&wt, &["add", "f.txt"]);
    let out = repo.track(&["sync", "--continue"]);
    out.ok();
    let t1_after = repo.git(&["rev-parse", "--short=12", "track/t1"]);
    assert_eq!(
        out.stdout,
        format!(
            "t2  merged integration: {} -> {}\nt1  merged integration: {} -> {}\n",
            t2_before.trim(),
            t2_after.trim(),
            t1_before.trim(),
            t1_after.trim()
        )
    );
    assert_eq!(
        repo.git_in(&wt, &["log", "-1", "--format=%s%n%P"])
            .lines()
            .next()
            .unwrap(),
        "Sync track 't1' with integration"
    );
    // Up to date now.
    let out = repo.track(&["sync", "--all"]);
    assert_eq!(
        out.ok().stdout,
        "t1  up to date with integration\nt2  up to date with integration\n"
    );
}

#[test]
fn sync_abort_puts_the_stopped_track_back() {
    let repo = TestRepo::new();
    conflicting_sync(&repo);
    let t1_before = repo.git(&["rev-parse", "track/t1"]);
    repo.track(&["sync", "t1", "t2", "--rebase"]).code(1);
    let out = repo.track(&["sync", "--abort"]);
    out.ok();
    assert_eq!(
        out.stdout,
        format!(
            "t1  sync aborted, back at {}\nt2  skipped: the sync was aborted\n",
            &t1_before[..12]
        )
    );
    assert_eq!(repo.git(&["rev-parse", "track/t1"]), t1_before);
    let wt = repo.worktree("t1");
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(
        repo.git_in(&wt, &["branch", "--show-current"]).trim(),
        "track/t1"
    );
    repo.track(&["sync", "--abort"])
        .code(2)
        .stderr_has("error: no sync is stopped");
}

#[test]
fn status_flags_stuck_and_too_far_behind_tracks() {
    let repo = TestRepo::new();
    conflicting_sync(&repo);
    repo.git(&["config", "track.behindLimit", "0"]);
    common::write_file(&repo.worktree("t2").join("wip.txt"), "wip\n");
    // Three hours later: t2 has uncommitted work and no commit since.
    let out = repo
        .command(common::bin(), &repo.root)
        .env("GIT_COMMITTER_DATE", "2026-01-01T15:00:00Z")
        .args(["status", "--json"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = |name: &str| {
        r["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        t("t1")["flags"],
        serde_json::json!(["behind", "needs-sync"])
    );
    assert_eq!(t("t2")["flags"], serde_json::json!(["behind", "stuck"]));
    assert_eq!(t("t2")["times"]["to_first_commit_secs"], 0);
    let text = repo
        .command(common::bin(), &repo.root)
        .env("GIT_COMMITTER_DATE", "2026-01-01T15:00:00Z")
        .args(["status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("1 (too far)"), "{text}");
    assert!(text.contains("2026-01-01 12:00:00 (stuck)"), "{text}");
    assert!(text.contains("no (needs sync)"), "{text}");
}

#[test]
fn status_watch_draws_the_dashboard() {
    let repo = TestRepo::new();
    repo.track(&["new", "w", "--no-worktree"]).ok();
    let out = repo
        .command(common::bin(), &repo.root)
        .env("GIT_TRACK_TEST_WATCH_ROUNDS", "2")
        .args(["status", "--watch", "--interval", "0.05"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    // Nothing changed between the two checks: drawn once.
    assert_eq!(stdout.matches("TRACK").count(), 1, "{stdout}");
    repo.track(&["status", "--watch", "--json"]).code(2);
}

#[test]
fn checkpoint_notes_carry_efficiency_figures() {
    let repo = TestRepo::new();
    let at = |time: &str, args: &[&str], dir: &Path| {
        let out = repo
            .command(common::bin(), dir)
            .env("GIT_COMMITTER_DATE", time)
            .env("GIT_AUTHOR_DATE", time)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let commit_at = |time: &str, dir: &Path, file: &str| {
        common::write_file(&dir.join(file), "x\n");
        repo.git_in(dir, &["add", "-A"]);
        let out = repo
            .command("git", dir)
            .env("GIT_COMMITTER_DATE", time)
            .env("GIT_AUTHOR_DATE", time)
            .args(["commit", "-qm", file])
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    at("2026-01-01T10:00:00Z", &["new", "a"], &repo.root);
    at("2026-01-01T11:00:00Z", &["new", "b"], &repo.root);
    commit_at("2026-01-01T10:30:00Z", &repo.worktree("a"), "a.txt");
    commit_at("2026-01-01T12:00:00Z", &repo.worktree("b"), "b.txt");
    at(
        "2026-01-01T14:00:00Z",
        &["merge", "--checkpoint"],
        &repo.root,
    );
    let cps = repo.track(&["checkpoints", "--json"]).ok().json();
    let e = &cps["checkpoints"][0]["efficiency"];
    // a: 10:00 -> 14:00 (4h), b: 11:00 -> 14:00 (3h); span 10:00 -> 14:00 (4h).
    assert_eq!(e["span_secs"], 4 * 3600);
    assert_eq!(e["sum_secs"], 7 * 3600);
    assert_eq!(e["speedup"], 1.75);
    assert_eq!(e["conflicted"], 0);
    assert_eq!(e["tracks"][0]["to_first_commit_secs"], 1800);
    assert_eq!(e["tracks"][1]["to_first_commit_secs"], 3600);
    let message = repo.git(&["log", "-1", "--format=%B", "integration"]);
    assert!(
        message.contains(
            "Efficiency:\n  span 4h 0m for 7h 0m of work (speed-up 1.75x)\n  0 of 2 tracks conflicted; 0 files resolved by hand\n  a: first commit after 30m, merged after 4h 0m\n  b: first commit after 1h 0m, merged after 3h 0m\n"
        ),
        "{message}"
    );
}
