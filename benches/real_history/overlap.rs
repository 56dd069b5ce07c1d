//! `overlap` and `status` on the imported topics, and git's two `merge-tree --stdin`
//! passes that establish the same verdicts as `overlap --level conflicts`.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::{Bench, Cost, Row, Topic, git, measure, run, synth, track};

/// `overlap --level files|hunks|conflicts`, cold and after one topic's tip moved, each
/// against git establishing the integration-context verdicts.
pub fn measure_overlap(b: &Bench, rows: &mut Vec<Row>) {
    let (repo, topics) = (&b.repo, &b.topics);
    let git_overlap = git_overlap(b);
    // overlap and status read the integration branch: put it at the base.
    git(repo, &["branch", "-f", "integ", &b.args.base]);
    let names = b.names();
    let overlap_args = |level: &'static str| -> Vec<String> {
        let mut v: Vec<String> = vec!["overlap".into(), "--level".into(), level.into()];
        v.extend(names.iter().map(|n| (*n).to_owned()));
        v
    };
    let run_overlap = |level: &'static str| {
        let a = overlap_args(level);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run(track(repo, &a))
    };
    let moved = &topics[topics.len() / 2];
    for level in ["files", "hunks", "conflicts"] {
        let _ = std::fs::remove_file(cache(b));
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
        move_tip(repo, &format!("track/{}", moved.name));
        let (_, ours) = measure(|| run_overlap(level));
        rows.push(Row {
            work: format!("overlap --level {level}, one tip moved"),
            ours,
            git: Some(git_overlap),
        });
    }
}

/// `status`, cold.
pub fn measure_status(b: &Bench, rows: &mut Vec<Row>) {
    let _ = std::fs::remove_file(cache(b));
    let (_, ours) = measure(|| run(track(&b.repo, &["status"])));
    rows.push(Row {
        work: format!(
            "status, {} tracks (+{} from new), cold",
            b.topics.len(),
            b.topics.len()
        ),
        ours,
        git: None,
    });
}

fn cache(b: &Bench) -> std::path::PathBuf {
    b.repo.join(".git/track/overlap-cache")
}

/// One tip moves: a new commit on `branch`.
fn move_tip(repo: &Path, branch: &str) {
    let tip = git(repo, &["rev-parse", branch]).trim().to_owned();
    let tree = git(repo, &["rev-parse", &format!("{tip}^{{tree}}")])
        .trim()
        .to_owned();
    let next = git(repo, &["commit-tree", &tree, "-p", &tip, "-m", "moved"])
        .trim()
        .to_owned();
    git(
        repo,
        &["update-ref", &format!("refs/heads/{branch}"), &next, &tip],
    );
}

/// git establishing the integration-context verdicts: two merge-tree passes. Returns
/// their cost (and says how many topics and pairs conflict).
fn git_overlap(b: &Bench) -> Cost {
    let base_id = git(&b.repo, &["rev-parse", &b.args.base]).trim().to_owned();
    let ((unclean, colliding), git_overlap) =
        measure(|| git_verdicts(&b.repo, &b.topics, &base_id));
    eprintln!(
        "git: {unclean} topics do not merge into {} cleanly, {colliding} pairs collide",
        b.args.base
    );
    git_overlap
}

/// Each topic merged into `base_id`, then each pair of clean ones (B into "A merged"):
/// how many topics do not merge cleanly, and how many pairs conflict.
fn git_verdicts(repo: &Path, topics: &[Topic], base_id: &str) -> (usize, usize) {
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
                    &["commit-tree", tree, "-p", base_id, "-p", &t.tip, "-m", "m"],
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
