//! Every merge verdict of git-track is git's: `git track merge`, its `--dry-run` and
//! `overlap --level conflicts` against `git merge-tree`, on a real case that once
//! differed and on many generated histories.

use crate::common::TestRepo;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/merge-6a5621b6");
const FILE: &str = "ci/run-build-and-tests.sh";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURE}/{name}")).expect("fixture")
}

/// git.git's merge 6a5621b6: `main` at the first parent's version of the file, track
/// `topic` at the second parent's, both from the merge base's.
fn insertions_after_the_same_line() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(FILE, &fixture("base.sh"));
    repo.commit_all("base");
    repo.git(&["branch", "topic"]);
    repo.write(FILE, &fixture("ours.sh"));
    repo.commit_all("ours: rust in the musl meson job");
    repo.git(&["checkout", "-q", "topic"]);
    repo.write(FILE, &fixture("theirs.sh"));
    repo.commit_all("theirs: set -e in the linux jobs");
    repo.git(&["checkout", "-q", "main"]);
    repo.track(&["new", "topic", "--from", "topic", "--no-worktree"])
        .ok();
    repo
}

#[test]
fn insertions_gix_merges_a_line_apart_stop_as_a_conflict_like_git() {
    let repo = insertions_after_the_same_line();
    let git = repo.try_git_in(&repo.root, &["merge-tree", "--write-tree", "main", "topic"]);
    assert_eq!(git.code, 1, "git itself stops here:\n{}", git.stdout);

    let dry = repo.track(&["merge", "--dry-run", "--json"]);
    let json = dry.code(1).json();
    assert_eq!(json["steps"][0]["prediction"], "conflict");
    assert_eq!(json["first_conflict"]["paths"], serde_json::json!([FILE]));

    let overlap = repo.track(&["overlap", "--level", "conflicts", "--json"]);
    let json = overlap.code(1).json();
    let text = json.to_string();
    assert!(
        text.contains(FILE) && text.contains("topic"),
        "overlap names the track that does not merge cleanly:\n{text}"
    );

    let merge = repo.track(&["merge"]);
    merge.code(1);
    assert!(
        format!("{}{}", merge.stdout, merge.stderr).contains(FILE),
        "the stop names the file:\n{}{}",
        merge.stdout,
        merge.stderr
    );
    let wt = repo.root.parent().expect("parent").join("repo.tracks");
    let conflicted = walk_for_markers(&wt);
    assert!(
        conflicted.iter().any(|p| p.ends_with(FILE)),
        "the conflict is left for the user in the integration worktree: {conflicted:?}"
    );
}

#[test]
fn a_dry_run_leaves_a_conflict_gix_would_merge_out_of_the_fold_for_the_steps_after_it() {
    // `after` builds on `topic`: on top of gix's clean merge of `topic` it would merge
    // cleanly, but `topic` is a conflict (git's verdict) left out of the fold, so `after`
    // brings the same conflicting insertion onto `main`.
    let repo = insertions_after_the_same_line();
    repo.git(&["checkout", "-q", "-b", "after", "topic"]);
    repo.write("notes.txt", "after topic\n");
    repo.commit_all("after: notes");
    repo.git(&["checkout", "-q", "main"]);
    repo.track(&["new", "after", "--from", "after", "--no-worktree"])
        .ok();
    let git = repo.try_git_in(&repo.root, &["merge-tree", "--write-tree", "main", "after"]);
    assert_eq!(git.code, 1, "git stops on `after` onto main too");

    let json = repo
        .track(&["merge", "--dry-run", "--json", "topic", "after"])
        .code(1)
        .json();
    assert_eq!(json["steps"][0]["prediction"], "conflict");
    assert_eq!(json["steps"][1]["prediction"], "conflict");
    assert_eq!(json["steps"][1]["paths"], serde_json::json!([FILE]));
}

/// Files under `dir` holding conflict markers.
fn walk_for_markers(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                todo.push(p);
            } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains("<<<<<<< ")) {
                found.push(p.display().to_string());
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// Generated histories. Each proptest case is a batch of histories built in one fresh
// repository with gix (fast, no process per object); git judges the whole batch in one
// `git merge-tree --stdin`, and git-track's merge engine (`git track merge` and its
// `--dry-run` run exactly this per step) and overlap's per-track merge judge each one
// in process.

use git_track::merge::step::{Engine, Merged};
use gix::ObjectId;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Paths the generator draws from, nested to exercise folder handling and renames.
const PATHS: &[&str] = &["a.txt", "b.sh", "d/c.txt", "d/e/f.txt", "g.txt", "d/h.txt"];

/// Lines the generator draws from: few and repetitive, so that diffs are ambiguous
/// (where a hunk may slide) as often as possible, with indentation for heuristics.
const LINES: &[&str] = &[
    "",
    "case \"$x\" in",
    "a)",
    "\tfoo",
    "\tbar",
    "\t;;",
    "esac",
    "{",
    "}",
    "x = 1",
    "y = 2",
    "    return",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert {
        at: usize,
        lines: Vec<usize>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Replace {
        at: usize,
        len: usize,
        lines: Vec<usize>,
    },
}

#[derive(Debug, Clone)]
enum Op {
    Edit {
        file: usize,
        edits: Vec<Edit>,
    },
    Rename {
        file: usize,
        to: usize,
        edit: Option<Edit>,
    },
    Chmod {
        file: usize,
    },
    Binary {
        file: usize,
    },
    Delete {
        file: usize,
    },
    Add {
        path: usize,
        lines: Vec<usize>,
    },
}

#[derive(Debug, Clone)]
struct History {
    base: Vec<(usize, Vec<usize>)>,
    ours: Vec<Op>,
    theirs: Vec<Op>,
    /// A second round on each side, each merging the other's first round: a criss-cross
    /// merge with two merge bases.
    criss_cross: Option<(Vec<Op>, Vec<Op>)>,
}

fn lines(max: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..LINES.len(), 1..=max)
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (0..12usize, lines(3)).prop_map(|(at, lines)| Edit::Insert { at, lines }),
        1 => (0..12usize, 1..3usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        2 => (0..12usize, 1..3usize, lines(3))
            .prop_map(|(at, len, lines)| Edit::Replace { at, len, lines }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let file = 0..PATHS.len();
    prop_oneof![
        8 => (file.clone(), prop::collection::vec(edit(), 1..3))
            .prop_map(|(file, edits)| Op::Edit { file, edits }),
        2 => (file.clone(), 0..PATHS.len(), prop::option::of(edit()))
            .prop_map(|(file, to, edit)| Op::Rename { file, to, edit }),
        1 => file.clone().prop_map(|file| Op::Chmod { file }),
        1 => file.clone().prop_map(|file| Op::Binary { file }),
        1 => file.clone().prop_map(|file| Op::Delete { file }),
        1 => (file, lines(4)).prop_map(|(path, lines)| Op::Add { path, lines }),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 0..4)
}

fn history() -> impl Strategy<Value = History> {
    (
        prop::collection::vec(
            (0..PATHS.len(), prop::collection::vec(0..LINES.len(), 2..12)),
            1..4,
        ),
        ops(),
        ops(),
        prop::option::weighted(0.2, (ops(), ops())),
    )
        .prop_map(|(base, ours, theirs, criss_cross)| History {
            base,
            ours,
            theirs,
            criss_cross,
        })
}

/// A file of the model: line indices into `LINES`, executable bit, binary (a NUL).
#[derive(Debug, Clone, PartialEq)]
struct File {
    lines: Vec<usize>,
    exec: bool,
    binary: bool,
}

type Model = BTreeMap<&'static str, File>;

fn apply_edit(lines: &mut Vec<usize>, edit: &Edit) {
    let clamp = |at: usize, lines: &Vec<usize>| at % (lines.len() + 1);
    match edit {
        Edit::Insert { at, lines: new } => {
            let at = clamp(*at, lines);
            lines.splice(at..at, new.iter().copied());
        }
        Edit::Delete { at, len } => {
            let at = clamp(*at, lines);
            let end = (at + len).min(lines.len());
            lines.drain(at..end);
        }
        Edit::Replace {
            at,
            len,
            lines: new,
        } => {
            let at = clamp(*at, lines);
            let end = (at + len).min(lines.len());
            lines.splice(at..end, new.iter().copied());
        }
    }
}

fn apply(model: &Model, ops: &[Op]) -> Model {
    let mut m = model.clone();
    // A file index picks among the files that exist, so most operations do something.
    let pick = |m: &Model, i: usize| m.keys().nth(i % m.len().max(1)).copied();
    for op in ops {
        match op {
            Op::Edit { file, edits } => {
                if let Some(p) = pick(&m, *file)
                    && let Some(f) = m.get_mut(p)
                {
                    for e in edits {
                        apply_edit(&mut f.lines, e);
                    }
                }
            }
            Op::Rename { file, to, edit } => {
                let to = PATHS[*to];
                if let Some(p) = pick(&m, *file)
                    && !m.contains_key(to)
                    && !conflicts_with_folder(&m, to)
                    && let Some(mut f) = m.remove(p)
                {
                    if let Some(e) = edit {
                        apply_edit(&mut f.lines, e);
                    }
                    m.insert(to, f);
                }
            }
            Op::Chmod { file } => {
                if let Some(p) = pick(&m, *file)
                    && let Some(f) = m.get_mut(p)
                {
                    f.exec = !f.exec;
                }
            }
            Op::Binary { file } => {
                if let Some(p) = pick(&m, *file)
                    && let Some(f) = m.get_mut(p)
                {
                    f.binary = true;
                }
            }
            Op::Delete { file } => {
                if let Some(p) = pick(&m, *file) {
                    m.remove(p);
                }
            }
            Op::Add { path, lines } => {
                let p = PATHS[*path];
                if !conflicts_with_folder(&m, p) {
                    m.entry(p).or_insert(File {
                        lines: lines.clone(),
                        exec: false,
                        binary: false,
                    });
                }
            }
        }
    }
    m
}

/// `PATHS` holds no file that is also a folder, so only an exact clash matters.
fn conflicts_with_folder(m: &Model, path: &str) -> bool {
    m.keys().any(|k| k.starts_with(&format!("{path}/")))
}

fn content(f: &File) -> Vec<u8> {
    let mut out = Vec::new();
    if f.binary {
        out.extend_from_slice(b"\0binary\0");
    }
    for l in &f.lines {
        out.extend_from_slice(LINES[*l].as_bytes());
        out.push(b'\n');
    }
    out
}

/// Writes the model as a commit with `parents` (fixed identity and date).
fn commit(repo: &gix::Repository, model: &Model, parents: &[ObjectId], n: usize) -> ObjectId {
    use gix::objs::tree::EntryKind;
    let mut editor = repo.empty_tree().edit().expect("editor");
    for (path, f) in model {
        let blob = repo.write_blob(content(f)).expect("blob").detach();
        let kind = if f.exec {
            EntryKind::BlobExecutable
        } else {
            EntryKind::Blob
        };
        editor.upsert(*path, kind, blob).expect("upsert");
    }
    let tree = editor.write().expect("tree").detach();
    let sig = gix::actor::Signature {
        name: "Test".into(),
        email: "test@example.com".into(),
        time: gix::date::Time::new(1_767_268_800, 0),
    };
    let commit = gix::objs::Commit {
        tree,
        parents: parents.iter().copied().collect(),
        author: sig.clone(),
        committer: sig,
        encoding: None,
        // The number keeps commits of different histories apart.
        message: format!("history {n}\n").into(),
        extra_headers: Vec::new(),
    };
    repo.write_object(&commit).expect("commit").detach()
}

/// The two commits to merge, ours and theirs.
fn build(repo: &gix::Repository, h: &History, n: usize) -> (ObjectId, ObjectId) {
    let mut base = Model::new();
    for (p, lines) in &h.base {
        let p = PATHS[*p];
        if !conflicts_with_folder(&base, p) {
            base.insert(
                p,
                File {
                    lines: lines.clone(),
                    exec: false,
                    binary: false,
                },
            );
        }
    }
    let b = commit(repo, &base, &[], n);
    let (om, tm) = (apply(&base, &h.ours), apply(&base, &h.theirs));
    let (o, t) = (
        commit(repo, &om, &[b], n),
        commit(repo, &tm, &[b], n + 1_000_000),
    );
    match &h.criss_cross {
        None => (o, t),
        Some((o2, t2)) => (
            commit(repo, &apply(&om, o2), &[o, t], n),
            commit(repo, &apply(&tm, t2), &[t, o], n),
        ),
    }
}

/// git's verdict: the merged tree, or the conflicted paths.
type Verdict = Result<ObjectId, Vec<String>>;

/// `git merge-tree --stdin` over every pair: one process for the batch.
fn git_verdicts(repo: &TestRepo, pairs: &[(ObjectId, ObjectId)]) -> Vec<Verdict> {
    use std::io::Write;
    let mut child = repo
        .command("git", &repo.root)
        .args([
            "merge-tree",
            "--stdin",
            "--write-tree",
            "--name-only",
            "--no-messages",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("git merge-tree");
    let mut input = String::new();
    for (o, t) in pairs {
        input.push_str(&format!("{o} {t}\n"));
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("git merge-tree output");
    writer.join().expect("writer").expect("write");
    assert!(out.status.success(), "git merge-tree --stdin failed");
    let text = String::from_utf8(out.stdout).expect("utf8");
    // Per merge: <1|0> NUL <tree> NUL (<path> NUL)* NUL
    let mut fields = text.split('\0');
    let mut verdicts = Vec::new();
    for _ in pairs {
        let clean = fields.next().expect("status") == "1";
        let tree = ObjectId::from_hex(fields.next().expect("tree").as_bytes()).expect("tree id");
        let mut paths = Vec::new();
        for f in fields.by_ref() {
            if f.is_empty() {
                break;
            }
            paths.push(f.to_owned());
        }
        paths.sort();
        paths.dedup();
        verdicts.push(if clean { Ok(tree) } else { Err(paths) });
    }
    verdicts
}

fn of_merged(m: Merged, ours_tree: ObjectId) -> Verdict {
    match m {
        Merged::Contained => Ok(ours_tree),
        Merged::Clean { tree } => Ok(tree),
        Merged::Conflict { paths } => Err(paths),
    }
}

/// Clean with the same tree, or both conflicted on a path git names. (The paths of a
/// rename in conflict are not git's list: of a rename/delete git names the new path
/// only, of a rename/rename the old one too; git-track names both ends of the rename.)
fn same(git: &Verdict, ours: &Verdict) -> bool {
    match (git, ours) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => a.iter().any(|p| b.contains(p)),
        _ => false,
    }
}

fn check_batch(histories: &[History]) -> Result<(), TestCaseError> {
    let repo = TestRepo::empty();
    let gix_repo = gix::open(&repo.root).expect("open");
    let pairs: Vec<(ObjectId, ObjectId)> = histories
        .iter()
        .enumerate()
        .map(|(n, h)| build(&gix_repo, h, n))
        .collect();
    let git = git_verdicts(&repo, &pairs);
    let track_repo = git_track::repo::Repo::open(&repo.root).expect("repo");
    // One engine of each kind for the whole batch, as one run reuses it for every step.
    let real = Engine::new(&track_repo, false).expect("engine");
    let mut real = real.session().expect("session");
    let dry = Engine::new(&track_repo, true).expect("engine");
    let mut dry = dry.session().expect("session");
    let mut differences = Vec::new();
    for (n, ((o, t), git)) in pairs.iter().zip(&git).enumerate() {
        let ours_tree = gix_repo
            .find_commit(*o)
            .and_then(|c| c.tree_id().map(|id| id.detach()))
            .expect("tree");
        let dry = of_merged(dry.merge(*o, *t).expect("dry run"), ours_tree);
        let merged = of_merged(real.merge(*o, *t).expect("merge"), ours_tree);
        let overlap = git_track::overlap::merge_into(&track_repo, *o, &[*t])
            .expect("overlap")
            .pop()
            .expect("one verdict");
        // A pair as `overlap --level conflicts` judges it: ours into its own first parent
        // (the integration tip; that merge is ours' tree), then theirs into that merge
        // commit, whose merge bases with theirs are ours' and theirs': git's verdict on
        // ours and theirs. (Only the verdict and paths: the pair's tree is not kept.)
        let first_parent = gix_repo
            .find_commit(*o)
            .ok()
            .and_then(|c| c.parent_ids().next().map(|id| id.detach()))
            .expect("ours has a parent");
        let pair = git_track::overlap::ordered_merge(&track_repo, first_parent, *o, *t)
            .expect("ordered merge");
        let pair_agrees = match (git, &pair) {
            (Ok(_), None) => true,
            (Err(_), Some(paths)) => same(git, &Err(paths.clone())),
            _ => false,
        };
        if !pair_agrees {
            differences.push(format!(
                "overlap pair differs from git merge-tree {o} {t}:\n git: {git:?}\n ours: {pair:?}\n history: {:?}",
                histories[n]
            ));
        }
        for (what, ours) in [
            ("merge --dry-run", &dry),
            ("merge", &merged),
            ("overlap", &overlap),
        ] {
            if !same(git, ours) {
                differences.push(format!(
                    "{what} differs from git merge-tree {o} {t}:\n git: {git:?}\n ours: {ours:?}\n history: {:?}",
                    histories[n]
                ));
            }
        }
    }
    prop_assert!(
        differences.is_empty(),
        "{} of {} verdicts differ from git's:\n{}",
        differences.len(),
        4 * histories.len(),
        differences.join("\n")
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        max_shrink_iters: 0,
        failure_persistence: None,
        // Fixed, so that a failure in CI is reproducible.
        rng_seed: proptest::test_runner::RngSeed::Fixed(16),
        ..ProptestConfig::default()
    })]

    /// 12 batches of 60 histories: 720 generated merges, each judged four ways (2,880
    /// verdicts against git's). About 5 s a batch in a debug build, most of it gix's
    /// merges unoptimised and one `git merge-tree` per merge that needs git.
    #[test]
    fn generated_merges_get_git_merge_trees_verdict_and_tree(
        histories in prop::collection::vec(history(), 60)
    ) {
        check_batch(&histories)?;
    }
}

#[test]
fn a_file_both_sides_made_the_same_with_one_changing_its_mode_merges_like_git() {
    // Found by the generator (seed 77): both sides make `d/e/f.txt` the same binary
    // content, ours also makes it executable, and theirs renames `d/c.txt` beside it.
    // gix gives up on the file (an unknown resolution); git takes the one content and
    // ours' mode, and so must every verdict.
    let history = History {
        base: vec![(2, vec![10, 7, 5, 3, 0]), (3, vec![7, 10, 3, 6])],
        ours: vec![Op::Chmod { file: 1 }, Op::Binary { file: 1 }],
        theirs: vec![
            Op::Binary { file: 1 },
            Op::Rename {
                file: 0,
                to: 5,
                edit: Some(Edit::Replace {
                    at: 5,
                    len: 2,
                    lines: vec![1, 9],
                }),
            },
            Op::Edit {
                file: 3,
                edits: vec![
                    Edit::Insert {
                        at: 9,
                        lines: vec![7, 7],
                    },
                    Edit::Insert {
                        at: 6,
                        lines: vec![3],
                    },
                ],
            },
        ],
        criss_cross: None,
    };
    if let Err(e) = check_batch(&[history]) {
        panic!("{e}");
    }
}
