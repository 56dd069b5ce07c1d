//! The shared commit graph (`src/dag.rs`) answers as git does: merge bases, ancestry and
//! ahead/behind counts on generated histories with criss-cross merges, octopus merges,
//! several roots and commit dates that go backwards (clock skew), with and without a
//! commit-graph file.

use crate::common::TestRepo;
use git_track::repo::Repo;
use gix::ObjectId;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// One commit: indices of its parents (earlier commits) and how far its date is skewed.
#[derive(Debug, Clone)]
struct Commit {
    parents: Vec<usize>,
    skew_days: i64,
}

fn history() -> impl Strategy<Value = Vec<Commit>> {
    let commit = (
        prop::collection::vec(any::<prop::sample::Index>(), 0..=3),
        prop::sample::select(vec![0i64, 0, 0, 0, 0, 0, -3, -40, 5]),
        prop::bool::weighted(0.05),
    );
    prop::collection::vec(commit, 2..40).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (picks, skew_days, root))| {
                let mut parents: Vec<usize> = if i == 0 || root {
                    Vec::new()
                } else if picks.is_empty() {
                    vec![i - 1]
                } else {
                    picks.iter().map(|p| p.index(i)).collect()
                };
                parents.dedup();
                let mut seen = BTreeSet::new();
                parents.retain(|p| seen.insert(*p));
                Commit { parents, skew_days }
            })
            .collect()
    })
}

/// Writes the history with `git fast-import`, one branch `c<i>` per commit.
fn build(repo: &TestRepo, commits: &[Commit]) -> Vec<ObjectId> {
    let mut stream = String::new();
    for (i, c) in commits.iter().enumerate() {
        let time = 1_700_000_000 + i as i64 * 3600 + c.skew_days * 86_400;
        stream.push_str(&format!(
            "commit refs/heads/c{i}\nmark :{}\ncommitter C <c@example.com> {time} +0000\ndata {}\nc{i}\n",
            i + 1,
            format!("c{i}").len() + 1
        ));
        for (n, p) in c.parents.iter().enumerate() {
            let kind = if n == 0 { "from" } else { "merge" };
            stream.push_str(&format!("{kind} :{}\n", p + 1));
        }
        stream.push('\n');
    }
    repo.git_fed(
        &repo.root,
        &["fast-import", "--quiet", "--date-format=raw"],
        &stream,
    );
    (0..commits.len())
        .map(|i| {
            let id = repo.git(&["rev-parse", &format!("refs/heads/c{i}")]);
            ObjectId::from_hex(id.trim().as_bytes()).expect("hex")
        })
        .collect()
}

/// The answers worked out from the generated parents, by brute force.
fn truth(commits: &[Commit], ids: &[ObjectId], x: usize, y: usize) -> Answers {
    let ancestors: Vec<BTreeSet<usize>> =
        commits
            .iter()
            .enumerate()
            .fold(Vec::new(), |mut acc: Vec<BTreeSet<usize>>, (i, c)| {
                let mut set = BTreeSet::from([i]);
                for p in &c.parents {
                    set.extend(acc[*p].iter().copied());
                }
                acc.push(set);
                acc
            });
    let (ax, ay) = (&ancestors[x], &ancestors[y]);
    let common: BTreeSet<usize> = ax.intersection(ay).copied().collect();
    let bases = common
        .iter()
        .filter(|c| !common.iter().any(|o| o != *c && ancestors[*o].contains(c)))
        .map(|c| ids[*c])
        .collect();
    Answers {
        bases,
        is_ancestor: ay.contains(&x),
        ahead_behind: (ax.difference(ay).count(), ay.difference(ax).count()),
    }
}

#[derive(Debug, PartialEq)]
struct Answers {
    bases: BTreeSet<ObjectId>,
    is_ancestor: bool,
    ahead_behind: (usize, usize),
}

fn ask_git(repo: &TestRepo, a: ObjectId, b: ObjectId) -> Answers {
    let (a, b) = (a.to_string(), b.to_string());
    let out = repo.try_git_in(&repo.root, &["merge-base", "--all", &a, &b]);
    let bases = out
        .stdout
        .lines()
        .map(|l| ObjectId::from_hex(l.as_bytes()).expect("hex"))
        .collect();
    let anc = repo.try_git_in(&repo.root, &["merge-base", "--is-ancestor", &a, &b]);
    let counts = repo.git(&["rev-list", "--count", "--left-right", &format!("{a}...{b}")]);
    let mut n = counts
        .split_whitespace()
        .map(|x| x.parse::<usize>().expect("count"));
    Answers {
        bases,
        is_ancestor: anc.code == 0,
        ahead_behind: (n.next().expect("left"), n.next().expect("right")),
    }
}

/// git-track's answers against git's and the truth. Counts and ancestry must be true.
/// Merge bases must be git's: without generation numbers git's search trusts commit
/// dates, and under clock skew its answer can differ from the truth; git-track's search is
/// git's, so it gives git's answer there too.
fn compare(
    repo: &Repo,
    pairs: &[(ObjectId, ObjectId)],
    git: &[Answers],
    truth: &[Answers],
    label: &str,
) -> Result<(), TestCaseError> {
    for (((a, b), want), true_answer) in pairs.iter().zip(git).zip(truth) {
        let bases: BTreeSet<ObjectId> = repo
            .dag()
            .merge_bases(repo.source().expect("source"), *a, *b)
            .expect("merge bases")
            .into_iter()
            .collect();
        prop_assert_eq!(&bases, &want.bases, "{}: merge bases of {} {}", label, a, b);
        let single = repo.merge_base(*a, *b).expect("merge base");
        prop_assert!(
            single.is_none_or(|s| want.bases.contains(&s)),
            "{}: merge base of {} {} is not one of git's",
            label,
            a,
            b
        );
        let anc = repo.is_ancestor(*a, *b).expect("is_ancestor");
        prop_assert_eq!(
            anc,
            true_answer.is_ancestor,
            "{}: is {} an ancestor of {}",
            label,
            a,
            b
        );
        let counts = repo.ahead_behind(*a, *b).expect("ahead_behind");
        prop_assert_eq!(counts, true_answer.ahead_behind, "{}: {}...{}", label, a, b);
    }
    Ok(())
}

/// `contained` answers for many tips in one walk: the truth without skew or with
/// generation numbers; under skew by dates alone it may miss a contained tip, never
/// claim one that is not.
fn compare_contained(
    repo: &Repo,
    commits: &[Commit],
    ids: &[ObjectId],
    exact: bool,
) -> Result<(), TestCaseError> {
    let mut history = repo.history().expect("history");
    for x in (0..ids.len()).step_by(3) {
        let got = history.contained(ids, ids[x]).expect("contained");
        for (y, got) in got.into_iter().enumerate() {
            let want = truth(commits, ids, y, x).is_ancestor;
            if exact {
                prop_assert_eq!(got, want, "is c{} in c{}", y, x);
            } else {
                prop_assert!(!got || want, "c{} is not in c{}", y, x);
            }
        }
    }
    Ok(())
}

/// Every commit's ahead/behind counts against one base, in one walk, as status asks them:
/// the truth without skew or with generation numbers (by dates under skew the pairwise
/// walk's limits apply, and `compare` pins those).
fn compare_counts_against_one_base(
    repo: &Repo,
    commits: &[Commit],
    ids: &[ObjectId],
    base: usize,
) -> Result<(), TestCaseError> {
    let counts = repo
        .dag()
        .ahead_behind_many(repo.source().expect("source"), ids, ids[base])
        .expect("ahead_behind_many");
    for (i, got) in counts.into_iter().enumerate() {
        let want = truth(commits, ids, i, base).ahead_behind;
        prop_assert_eq!(got, want, "c{}...c{} counted in one walk", i, base);
    }
    Ok(())
}

/// Every commit's merge bases with one base, in one walk, as `import` asks for its fork
/// points: the same bases, in the same order, as each pair's own walk gives.
fn compare_bases_against_one_base(
    repo: &Repo,
    ids: &[ObjectId],
    base: usize,
) -> Result<(), TestCaseError> {
    let src = repo.source().expect("source");
    // Each commit four times: past 128 tips the walk is split.
    let tips: Vec<ObjectId> = ids.iter().cycle().take(4 * ids.len()).copied().collect();
    let many = repo
        .dag()
        .merge_bases_many(src, &tips, ids[base])
        .expect("merge_bases_many");
    for (i, got) in many.into_iter().enumerate() {
        let i = i % ids.len();
        let want = repo
            .dag()
            .merge_bases(src, ids[i], ids[base])
            .expect("merge bases");
        prop_assert_eq!(got, want, "merge bases of c{} and c{} in one walk", i, base);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 200,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(9),
        ..ProptestConfig::default()
    })]

    #[test]
    fn merge_bases_ancestry_and_counts_are_gits(
        commits in history(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 8),
    ) {
        let repo = TestRepo::empty();
        let ids = build(&repo, &commits);
        let indices: Vec<(usize, usize)> =
            picks.iter().map(|(x, y)| (x.index(ids.len()), y.index(ids.len()))).collect();
        let pairs: Vec<(ObjectId, ObjectId)> = indices.iter().map(|(x, y)| (ids[*x], ids[*y])).collect();
        let git: Vec<Answers> = pairs.iter().map(|(a, b)| ask_git(&repo, *a, *b)).collect();
        let truth: Vec<Answers> = indices.iter().map(|(x, y)| truth(&commits, &ids, *x, *y)).collect();
        if commits.iter().all(|c| c.skew_days == 0) {
            // Without skew, git is right: the oracle and git agree.
            prop_assert_eq!(&git, &truth);
        }

        // One process-wide graph answers every question in turn, as a command does.
        let skewed = commits.iter().any(|c| c.skew_days != 0);
        let by_date = Repo::open(&repo.root).expect("open");
        compare(&by_date, &pairs, &git, &truth, "by commit date")?;
        compare_contained(&by_date, &commits, &ids, !skewed)?;
        if !skewed {
            compare_counts_against_one_base(&by_date, &commits, &ids, indices[0].1)?;
        }
        compare_bases_against_one_base(&Repo::open(&repo.root).expect("open"), &ids, indices[0].1)?;
        // The same with commits read ahead on a thread from the first one on (as a walk
        // of thousands of commits has them).
        let ahead = || {
            let repo = Repo::open(&repo.root).expect("open");
            repo.dag().read_ahead_after(0);
            repo
        };
        let read_ahead = ahead();
        compare(&read_ahead, &pairs, &git, &truth, "by commit date, read ahead")?;
        compare_contained(&read_ahead, &commits, &ids, !skewed)?;
        compare_bases_against_one_base(&ahead(), &ids, indices[0].1)?;
        repo.git(&["commit-graph", "write", "--reachable"]);
        let by_generation = Repo::open(&repo.root).expect("open");
        compare(&by_generation, &pairs, &git, &truth, "by generation")?;
        compare_contained(&by_generation, &commits, &ids, true)?;
        compare_counts_against_one_base(&by_generation, &commits, &ids, indices[0].1)?;
        compare_bases_against_one_base(&Repo::open(&repo.root).expect("open"), &ids, indices[0].1)?;
    }
}

/// A walk keeps, for each commit it has met, where a commit-graph said the commit is, and
/// reads it there next time. A process may read the same history through another
/// commit-graph than the one a position came from (one written meanwhile, where the
/// commits sit elsewhere): the answers must still be git's.
#[test]
fn a_position_learned_in_one_commit_graph_is_not_trusted_in_another() {
    let repo = TestRepo::empty();
    // Two lines of history, the odd one merged into the even one every ten commits.
    let commits: Vec<Commit> = (0..60)
        .map(|i| Commit {
            parents: match i {
                0 => vec![],
                1 => vec![0],
                i if i % 10 == 0 => vec![i - 2, i - 1],
                i => vec![i - 2],
            },
            skew_days: 0,
        })
        .collect();
    let ids = build(&repo, &commits);
    // The first graph holds the history of c28 and c29 alone.
    repo.git_fed(
        &repo.root,
        &["commit-graph", "write", "--stdin-commits"],
        &format!("{}\n{}\n", ids[28], ids[29]),
    );
    let first = Repo::open(&repo.root).expect("open");
    // Reading the two tips learns where their parents are, without reading them.
    for tip in [ids[28], ids[29]] {
        first
            .dag()
            .merge_bases(first.source().expect("source"), tip, tip)
            .expect("read tip");
    }
    repo.git(&["commit-graph", "write", "--reachable"]);
    let second = Repo::open(&repo.root).expect("open");
    let (old, new) = (
        first.commit_graph().expect("graph").expect("first graph"),
        second.commit_graph().expect("graph").expect("second graph"),
    );
    assert!(
        ids[..28].iter().any(|id| old.lookup(id) != new.lookup(id)),
        "the commits must sit elsewhere in the second graph"
    );
    for (a, b) in [(27, 26), (29, 59), (21, 58), (13, 14), (28, 29), (3, 50)] {
        let bases: BTreeSet<ObjectId> = first
            .dag()
            .merge_bases(second.source().expect("source"), ids[a], ids[b])
            .expect("merge bases")
            .into_iter()
            .collect();
        assert_eq!(
            bases,
            ask_git(&repo, ids[a], ids[b]).bases,
            "merge bases of c{a} and c{b}"
        );
    }
}
