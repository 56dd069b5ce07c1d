//! git's side of the conflicts level: the verdicts of `git merge-tree --write-tree`,
//! batched (`--stdin`, git's fastest form) and one process per merge (as a script runs it).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::{Bench, Ran, synth, timed};

/// git's verdicts: which tracks merge cleanly into the integration tip, and for each
/// pair of clean tracks (in name order) whether B conflicts after A was merged.
pub struct GitVerdicts {
    pub clean: BTreeMap<String, bool>,
    pub pairs: BTreeMap<(String, String), bool>,
    pub wall: Duration,
    pub peak_kib: Option<u64>,
    pub merges: usize,
}

/// Parses `git merge-tree --stdin --name-only --no-messages` output: per merge
/// `<status>\0<tree>\0[<path>\0...]\0`, status 1 = clean.
fn parse_batch(out: &[u8]) -> Vec<(bool, String)> {
    let mut fields = out
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut merges = Vec::new();
    while let Some(status) = fields.next() {
        if status.is_empty() {
            break;
        }
        let tree = fields.next().expect("tree");
        for path in fields.by_ref() {
            if path.is_empty() {
                break;
            }
        }
        merges.push((status == "1", tree));
    }
    merges
}

pub fn git_merge_tree_verdicts(b: &Bench, s: &synth::Synth, integration: &str) -> GitVerdicts {
    let start = Instant::now();
    let mut peak: Option<u64> = None;
    // 1. Every track into the integration tip.
    let input: String = s
        .tracks
        .iter()
        .map(|t| format!("{integration} {}\n", t.tip))
        .collect();
    let ran = batch_merge_tree(b, &input);
    peak = peak.max(ran.peak_kib);
    let first = parse_batch(&ran.stdout);
    assert_eq!(
        first.len(),
        s.tracks.len(),
        "merge-tree --stdin gave every merge"
    );
    // 2. The merge commits M_A (parents: integration tip, A), in one process.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = String::new();
    let mut clean = BTreeMap::new();
    for (t, (ok, tree)) in s.tracks.iter().zip(&first) {
        clean.insert(t.name.clone(), *ok);
        if *ok {
            let p = dir.path().join(&t.name);
            std::fs::write(
                &p,
                format!(
                    "tree {tree}\nparent {integration}\nparent {}\nauthor Synth <synth@example.com> {d}\ncommitter Synth <synth@example.com> {d}\n\nMerge {}\n",
                    t.tip,
                    t.name,
                    d = synth::DATE
                ),
            )
            .expect("write commit");
            paths.push_str(&format!("{}\n", p.display()));
        }
    }
    let ran = timed(
        b.git(&["hash-object", "-t", "commit", "-w", "--stdin-paths"]),
        Some(paths.as_bytes()),
    );
    peak = peak.max(ran.peak_kib);
    let commits: Vec<String> = String::from_utf8_lossy(&ran.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let clean_tracks: Vec<&synth::SynthTrack> =
        s.tracks.iter().filter(|t| clean[&t.name]).collect();
    assert_eq!(commits.len(), clean_tracks.len());
    // 3. Every pair on top: B into M_A.
    let mut order = Vec::new();
    let mut input = String::new();
    for (i, a) in clean_tracks.iter().enumerate() {
        for bt in &clean_tracks[i + 1..] {
            input.push_str(&format!("{} {}\n", commits[i], bt.tip));
            order.push((a.name.clone(), bt.name.clone()));
        }
    }
    let ran = batch_merge_tree(b, &input);
    peak = peak.max(ran.peak_kib);
    let second = parse_batch(&ran.stdout);
    assert_eq!(second.len(), order.len());
    let pairs = order
        .into_iter()
        .zip(second)
        .map(|(k, (ok, _))| (k, !ok))
        .collect::<BTreeMap<_, _>>();
    GitVerdicts {
        merges: first.len() + pairs.len(),
        clean,
        pairs,
        wall: start.elapsed(),
        peak_kib: peak,
    }
}

/// The same verdicts the way a script gets them: one `git merge-tree` process per merge
/// and one `git commit-tree` per merge commit. Returns the wall time and the largest RSS.
pub fn git_merge_tree_per_process(
    b: &Bench,
    s: &synth::Synth,
    integration: &str,
) -> (Duration, Option<u64>, usize) {
    let start = Instant::now();
    let mut peak: Option<u64> = None;
    let mut merges = 0;
    let mut commits: Vec<(String, String)> = Vec::new();
    for t in &s.tracks {
        let ran = timed(
            b.git(&["merge-tree", "--write-tree", integration, &t.tip]),
            None,
        );
        peak = peak.max(ran.peak_kib);
        merges += 1;
        if ran.code == 0 {
            let tree = String::from_utf8_lossy(&ran.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            let c = timed(
                b.git(&[
                    "commit-tree",
                    &tree,
                    "-p",
                    integration,
                    "-p",
                    &t.tip,
                    "-m",
                    "merge",
                ]),
                None,
            );
            peak = peak.max(c.peak_kib);
            commits.push((
                String::from_utf8_lossy(&c.stdout).trim().to_owned(),
                t.tip.clone(),
            ));
        }
    }
    for (i, (merged_a, _)) in commits.iter().enumerate() {
        for (_, tip_b) in &commits[i + 1..] {
            let ran = timed(
                b.git(&["merge-tree", "--write-tree", merged_a, tip_b]),
                None,
            );
            peak = peak.max(ran.peak_kib);
            merges += 1;
        }
    }
    (start.elapsed(), peak, merges)
}

/// git's fastest form of many merges: one `git merge-tree --write-tree --stdin` process.
fn batch_merge_tree(b: &Bench, input: &str) -> Ran {
    timed(
        b.git(&[
            "merge-tree",
            "--write-tree",
            "--stdin",
            "--name-only",
            "--no-messages",
        ]),
        Some(input.as_bytes()),
    )
}
