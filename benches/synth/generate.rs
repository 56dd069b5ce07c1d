//! The generator proper: `main`'s history and the tracks, in the order that fixes their
//! marks (and so their dates and ids), written by one `git fast-import`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use super::{
    Expected, Meeting, Spec, Stream, Synth, SynthTrack, base_lines, git, git_cmd, module_path,
};

/// What the generator's steps share: sizes and names derived from the [`Spec`].
struct Shape {
    files_per_folder: usize,
    /// Pairs of tracks `(t(2p), t(2p+1))`; those with `p % 4 == 0` share a file.
    pairs: usize,
    /// The last track's index: it conflicts with the integration branch.
    last: usize,
    /// The file `main` changes in `c3` and the last track edits too.
    conflict_file: String,
}

impl Shape {
    fn of(spec: &Spec) -> Shape {
        let last = spec.tracks.saturating_sub(1);
        Shape {
            files_per_folder: (spec.files / 1000).max(1),
            pairs: spec.tracks / 2,
            last,
            conflict_file: module_path(90 + last % 10, 0, 0),
        }
    }

    /// Does pair `p` edit `shared/pPP.txt`? (The last track conflicts with integration
    /// on its own; it is kept out of the pairs.)
    fn shares(&self, p: usize) -> bool {
        p.is_multiple_of(4) && p < self.pairs && 2 * p + 1 < self.last
    }
}

/// A track's marks in the stream, turned into a [`SynthTrack`] once imported.
struct TrackMarks {
    name: String,
    branch: String,
    /// Index into `c0`..`c5`.
    fork: usize,
    module: usize,
}

pub fn generate(spec: &Spec) -> Synth {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().canonicalize().expect("canonical").join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);

    let shape = Shape::of(spec);
    let mut s = Stream {
        out: Vec::with_capacity(spec.files * 700),
        mark: 0,
    };
    // The stream's order fixes the marks, and so the dates and ids: main first, then
    // the tracks in order.
    let base = base_tree(&shape);
    let main_marks = main_line(&mut s, spec, &shape, &base);
    let mut meetings: BTreeMap<usize, Meeting> = BTreeMap::new();
    let track_marks: Vec<TrackMarks> = (0..spec.tracks)
        .map(|i| track_line(&mut s, &shape, &base, &main_marks, i, &mut meetings))
        .collect();
    fast_import(&repo, &s.out);

    let main_commits: Vec<String> = (0..=5)
        .map(|c| {
            // c{c} is followed by (5 - c) c-commits, each after history/5 history commits.
            let back = (5 - c) * (spec.history / 5 + 1);
            git(&repo, &["rev-parse", &format!("main~{back}")])
                .trim()
                .to_owned()
        })
        .collect();
    git(&repo, &["branch", "integration", "main"]);
    if spec.checkout {
        git(&repo, &["checkout", "-q", "-f", "main"]);
    }

    let tracks: Vec<SynthTrack> = track_marks
        .into_iter()
        .map(|t| {
            let tip = git(&repo, &["rev-parse", &t.branch]).trim().to_owned();
            let scope = vec![format!("m{:02}/**", t.module), "shared/**".to_owned()];
            SynthTrack {
                name: t.name,
                branch: t.branch,
                scope,
                fork: main_commits[t.fork].clone(),
                tip,
            }
        })
        .collect();
    let expected = expected(spec, &shape, meetings);
    Synth {
        dir,
        repo,
        tracks,
        expected,
        main_commits,
    }
}

/// `c0`'s tree: every module file, plus the shared files of the pairs that meet.
fn base_tree(shape: &Shape) -> BTreeMap<String, Vec<String>> {
    let mut base: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in 0..100 {
        for d in 0..10 {
            for f in 0..shape.files_per_folder {
                let p = module_path(m, d, f);
                let lines = base_lines(&p, 12);
                base.insert(p, lines);
            }
        }
    }
    for p in (0..shape.pairs).filter(|p| shape.shares(*p)) {
        let path = format!("shared/p{p:02}.txt");
        let lines = base_lines(&path, 40);
        base.insert(path, lines);
    }
    base
}

/// `main`: `c0` (the whole tree), then `c1`..`c5`, each after its share of the deep
/// history. Returns the marks of `c0`..`c5`.
fn main_line(
    s: &mut Stream,
    spec: &Spec,
    shape: &Shape,
    base: &BTreeMap<String, Vec<String>>,
) -> Vec<usize> {
    let all: Vec<(String, Vec<String>)> =
        base.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut main_marks = vec![s.commit("main", None, "c0: initial tree\n", &all)];

    // c1..c5 on main: edits in modules 90..99 (no track owns them, up to 90 tracks).
    let mut main_state = base.clone();
    for c in 1..=5 {
        let changed = c_changes(shape, c, &mut main_state);
        let from = *main_marks.last().expect("c0");
        let from = history_before(s, spec, shape, c, &mut main_state, from);
        main_marks.push(s.commit(
            "main",
            Some(from),
            &format!("c{c}: main moves on\n"),
            &changed,
        ));
    }
    main_marks
}

/// The files `c{c}` changes (applied to `main_state`), sorted, each once.
fn c_changes(
    shape: &Shape,
    c: usize,
    main_state: &mut BTreeMap<String, Vec<String>>,
) -> Vec<(String, Vec<String>)> {
    let mut changed = Vec::new();
    for k in 0..50 {
        let path = module_path(
            90 + (k % 10),
            (k / 10) % 10,
            (c * 7 + k) % shape.files_per_folder,
        );
        let lines = main_state.get_mut(&path).expect("exists");
        lines[(c + k) % 12] = format!("{path} changed on main in c{c}");
        changed.push((path.clone(), lines.clone()));
    }
    if c == 3 {
        let conflict_file = &shape.conflict_file;
        let lines = main_state.get_mut(conflict_file).expect("exists");
        lines[2] = format!("{conflict_file} line 3 as main has it since c3");
        changed.push((conflict_file.clone(), lines.clone()));
    }
    changed.sort();
    changed.dedup_by(|a, b| a.0 == b.0);
    changed
}

/// History before `c{c}`, on top of `from`: folder d8 edited, folder d9 moved to
/// `moved/` bit by bit (no track and no c-commit touches either). Returns the last mark.
fn history_before(
    s: &mut Stream,
    spec: &Spec,
    shape: &Shape,
    c: usize,
    main_state: &mut BTreeMap<String, Vec<String>>,
    mut from: usize,
) -> usize {
    for h in 0..spec.history / 5 {
        let j = (c - 1) * (spec.history / 5) + h;
        let module = 90 + j % 10;
        let file = (j / 10) % shape.files_per_folder;
        if j % 25 == 24 {
            let old = module_path(module, 9, file);
            let new = format!("m{module:02}/moved/f{file:03}.txt");
            if let Some(lines) = main_state.remove(&old) {
                main_state.insert(new.clone(), lines);
                from = s.commit_renaming(
                    "main",
                    Some(from),
                    &format!("history {j}: move {old}\n"),
                    &[(old, new)],
                    &[],
                );
                continue;
            }
        }
        let path = module_path(module, 8, file);
        let lines = main_state.get_mut(&path).expect("exists");
        lines[j % 12] = format!("{path} changed on main in history commit {j}");
        let changed = [(path.clone(), lines.clone())];
        from = s.commit("main", Some(from), &format!("history {j}\n"), &changed);
    }
    from
}

/// Track `t{i}`'s three commits; records how its pair meets in `meetings`.
fn track_line(
    s: &mut Stream,
    shape: &Shape,
    base: &BTreeMap<String, Vec<String>>,
    main_marks: &[usize],
    i: usize,
    meetings: &mut BTreeMap<usize, Meeting>,
) -> TrackMarks {
    let name = format!("t{i:02}");
    let branch = format!("track/{name}");
    // The last track forks at c0 so that main's c3 lands after it forked.
    let fork = if i == shape.last { 0 } else { i % 6 };
    let mut state: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut from = main_marks[fork];
    let module = i % 90;
    for c in 0..3 {
        let mut changed = Vec::new();
        for k in 0..5 {
            let path = module_path(
                module,
                (c * 5 + k) % 10,
                (i + k * 3 + c) % shape.files_per_folder,
            );
            let lines = state
                .entry(path.clone())
                .or_insert_with(|| base[&path].clone());
            lines[(k * 2 + c) % 12] = format!("{path} edited by {name} in commit {c}");
            changed.push((path, lines.clone()));
        }
        let new_file = format!("m{module:02}/new/{name}-{c}.txt");
        changed.push((new_file.clone(), base_lines(&new_file, 5)));
        if c == 1 && shape.shares(i / 2) {
            changed.push(shared_edit(base, i, &name, meetings));
        }
        if c == 2 && i == shape.last {
            // Edit the line main changes in c3, after this track forked: conflicts with integration.
            let conflict_file = &shape.conflict_file;
            let lines = state
                .entry(conflict_file.clone())
                .or_insert_with(|| base[conflict_file].clone());
            lines[2] = format!("{conflict_file} line 3 as {name} has it");
            changed.push((conflict_file.clone(), lines.clone()));
        }
        from = s.commit(
            &branch,
            Some(from),
            &format!("{name}: work {c}\n"),
            &changed,
        );
    }
    TrackMarks {
        name,
        branch,
        fork,
        module,
    }
}

/// Track `t{i}`'s edit of its pair's `shared/pPP.txt`, in the way the pair meets
/// (cycling through the four), which is recorded in `meetings`.
fn shared_edit(
    base: &BTreeMap<String, Vec<String>>,
    i: usize,
    name: &str,
    meetings: &mut BTreeMap<usize, Meeting>,
) -> (String, Vec<String>) {
    let p = i / 2;
    let meeting = [
        Meeting::DisjointLines,
        Meeting::AdjacentLines,
        Meeting::SameLineDifferently,
        Meeting::SameChange,
    ][(p / 4) % 4];
    meetings.insert(p, meeting);
    let path = format!("shared/p{p:02}.txt");
    let mut lines = base[&path].clone();
    let second = i % 2 == 1;
    let (line, text) = match (meeting, second) {
        (Meeting::DisjointLines, false) => (5, format!("{path} line 6 changed by {name}")),
        (Meeting::DisjointLines, true) => (30, format!("{path} line 31 changed by {name}")),
        (Meeting::AdjacentLines, false) => (10, format!("{path} line 11 changed by {name}")),
        (Meeting::AdjacentLines, true) => (11, format!("{path} line 12 changed by {name}")),
        (Meeting::SameLineDifferently, _) => (20, format!("{path} line 21 changed by {name}")),
        (Meeting::SameChange, _) => (25, format!("{path} line 26 changed the same way")),
    };
    lines[line] = text;
    (path, lines)
}

/// Writes `stream` into `repo` with one `git fast-import`.
fn fast_import(repo: &Path, stream: &[u8]) {
    let mut child = git_cmd(repo)
        .args(["fast-import", "--quiet", "--force"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream)
        .expect("feed fast-import");
    assert!(
        child.wait().expect("fast-import").success(),
        "fast-import failed"
    );
}

/// What the tests and benchmarks may count on: the pairs and how they meet, and the
/// track that conflicts with the integration branch.
fn expected(spec: &Spec, shape: &Shape, meetings: BTreeMap<usize, Meeting>) -> Expected {
    let mut expected = Expected::default();
    for (p, meeting) in meetings {
        expected.pairs.push((
            format!("t{:02}", 2 * p),
            format!("t{:02}", 2 * p + 1),
            meeting,
        ));
    }
    if spec.tracks > 0 {
        let last = shape.last;
        expected
            .conflict_with_integration
            .push(format!("t{last:02}"));
    }
    expected
}
