//! git-track's own commit-graph (`src/dag/own_graph.rs`): written for a repository without
//! one after a command read many commits, used by git-track and by the git processes it
//! starts, never trusted when damaged, and never written where git would not use one.

use crate::common::{Out, TestRepo, bin, write_file};
use std::path::PathBuf;

/// Test builds write the graph, synchronously, after this many commits were read.
const AFTER: &str = "GIT_TRACK_TEST_COMMIT_GRAPH_AFTER";

fn chain(repo: &TestRepo) -> PathBuf {
    repo.path(".git/track/objects/info/commit-graphs/commit-graph-chain")
}

/// `git-track` with the graph written after one commit read.
fn track_writing_graph(repo: &TestRepo, args: &[&str]) -> Out {
    Out::from(
        repo.command(bin(), &repo.root)
            .env(AFTER, "1")
            .args(args)
            .output()
            .expect("run git-track"),
    )
}

/// `main` with a few commits, and tracks `a` (clean) and `b` (conflicting with `a`) that
/// forked from its first commit.
fn repo_with_history() -> TestRepo {
    let repo = TestRepo::with_files(&[("shared.txt", "one\ntwo\nthree\n")]);
    for i in 0..5 {
        repo.write(&format!("main-{i}.txt"), "main\n");
        repo.commit_all(&format!("main {i}"));
    }
    for (name, text) in [
        ("a", "one\nTWO from a\nthree\n"),
        ("b", "one\nTWO from b\nthree\n"),
    ] {
        repo.track(&["new", name, "--from", "main~5"]).ok();
        let wt = repo.worktree(name);
        write_file(&wt.join("shared.txt"), text);
        write_file(&wt.join(format!("{name}.txt")), name);
        repo.commit_all_in(&wt, &format!("{name}: work"));
    }
    repo
}

#[test]
fn a_repository_without_a_commit_graph_gets_one_of_its_own_that_merges_use() {
    let repo = repo_with_history();
    track_writing_graph(&repo, &["status"]).ok();
    assert!(chain(&repo).is_file(), "the graph was not written");
    assert!(
        !repo.path(".git/objects/info/commit-graph").exists()
            && !repo.path(".git/objects/info/commit-graphs").exists(),
        "the repository's own object folder was written to"
    );
    // With the graph in use: the same verdicts as git's, and the conflict left for git's
    // own merge in the integration worktree.
    let tip_a = repo.git(&["rev-parse", "track/a"]).trim().to_owned();
    let expected = repo.git(&["merge-tree", "--write-tree", "main", &tip_a]);
    repo.track(&["merge", "a", "b"])
        .code(1)
        .stdout_has("shared.txt");
    let step_one = repo.git(&["rev-parse", "integration^{tree}"]);
    assert_eq!(step_one.trim(), expected.trim());
    repo.track(&["merge", "--abort"]).ok();
}

#[test]
fn commands_that_each_read_a_few_commits_add_up_to_a_commit_graph_of_its_own() {
    // One `new` on git.git reads a few hundred commits, far from the threshold; the graph
    // comes once the commands since it was written have read that many together.
    let repo = repo_with_history();
    let status = |after: usize| {
        Out::from(
            repo.command(bin(), &repo.root)
                .env(AFTER, after.to_string())
                .arg("status")
                .output()
                .expect("run git-track"),
        )
    };
    let counted = || -> usize {
        let text = std::fs::read_to_string(repo.path(".git/track/commits-read")).expect("count");
        text.trim().parse().expect("a number")
    };
    status(1_000_000).ok();
    let read = counted();
    assert!(read > 0 && !chain(&repo).exists());
    // One more than a status reads: only the two together reach it.
    status(read + 1).ok();
    assert!(chain(&repo).is_file(), "the graph was not written");
    assert!(!repo.path(".git/track/commits-read").exists());
}

#[test]
fn no_second_writer_starts_while_the_first_is_at_work() {
    // Regression: in a fresh clone of git.git, `new`s in a row each started a writer of
    // the graph, and the writers fought for the cores for seconds.
    let repo = repo_with_history();
    let started = repo.path(".git/track/commit-graph-started");
    // A writer started just now that has written nothing yet.
    write_file(&started, "");
    track_writing_graph(&repo, &["status"]).ok();
    assert!(!chain(&repo).exists(), "a second writer was started");
    // One started long ago that never finished (killed, failed): no longer waited for.
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&started)
        .and_then(|f| f.set_modified(long_ago))
        .expect("age the mark");
    track_writing_graph(&repo, &["status"]).ok();
    assert!(chain(&repo).is_file(), "the graph was not written");
    // Once a writer has finished, the next one may start: the graph is newer than the mark.
    let before = std::fs::read_to_string(chain(&repo)).expect("chain");
    repo.write("later.txt", "later\n");
    repo.commit_all("later");
    track_writing_graph(&repo, &["status"]).ok();
    let after = std::fs::read_to_string(chain(&repo)).expect("chain");
    assert_ne!(before, after, "the graph was not brought up to date");
}

#[test]
fn a_damaged_commit_graph_of_its_own_is_not_trusted() {
    let repo = repo_with_history();
    track_writing_graph(&repo, &["status"]).ok();
    let chain = std::fs::read_to_string(chain(&repo)).expect("chain");
    let layer = repo.path(&format!(
        ".git/track/objects/info/commit-graphs/graph-{}.graph",
        chain.lines().next().expect("a layer").trim()
    ));
    // Every commit's parents made "none" in the commit data chunk (CDAT: tree id, then
    // two parent positions): git reads such a graph as it is and finds no merge base.
    let mut bytes = std::fs::read(&layer).expect("layer");
    let chunks = usize::from(bytes[6]);
    let cdat = (0..chunks)
        .map(|i| 8 + 12 * i)
        .find(|&at| &bytes[at..at + 4] == b"CDAT")
        .map(|at| {
            let mut offset = [0u8; 8];
            offset.copy_from_slice(&bytes[at + 4..at + 12]);
            u64::from_be_bytes(offset) as usize
        })
        .expect("a CDAT chunk");
    let commits = chain_commits(&bytes);
    for c in 0..commits {
        let at = cdat + c * 36 + 20;
        bytes[at..at + 8].copy_from_slice(&[0x70, 0, 0, 0, 0x70, 0, 0, 0]);
    }
    let mut perms = std::fs::metadata(&layer).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&layer, perms).expect("chmod");
    std::fs::write(&layer, &bytes).expect("damage");
    let tip_a = repo.git(&["rev-parse", "track/a"]).trim().to_owned();
    let expected = repo.git(&["merge-tree", "--write-tree", "main", &tip_a]);
    repo.track(&["merge", "a"]).ok();
    let tree = repo.git(&["rev-parse", "integration^{tree}"]);
    assert_eq!(tree.trim(), expected.trim());
    repo.track(&["status"]).ok();
}

/// The number of commits in a commit-graph file (the last fan-out entry).
fn chain_commits(bytes: &[u8]) -> usize {
    let chunks = usize::from(bytes[6]);
    let oidf = (0..chunks)
        .map(|i| 8 + 12 * i)
        .find(|&at| &bytes[at..at + 4] == b"OIDF")
        .map(|at| {
            let mut offset = [0u8; 8];
            offset.copy_from_slice(&bytes[at + 4..at + 12]);
            u64::from_be_bytes(offset) as usize
        })
        .expect("an OIDF chunk");
    let last = oidf + 255 * 4;
    let mut n = [0u8; 4];
    n.copy_from_slice(&bytes[last..last + 4]);
    u32::from_be_bytes(n) as usize
}

#[test]
fn no_commit_graph_of_its_own_where_git_would_not_use_one() {
    // The repository has its own: git-track uses that one.
    let repo = repo_with_history();
    repo.git(&["commit-graph", "write", "--reachable"]);
    track_writing_graph(&repo, &["status"]).ok();
    assert!(!chain(&repo).exists());
    // core.commitGraph=false: none at all.
    let repo = repo_with_history();
    repo.git(&["config", "core.commitGraph", "false"]);
    track_writing_graph(&repo, &["status"]).ok();
    assert!(!chain(&repo).exists());
    // Replacement refs change the parents git sees for a commit id.
    let repo = repo_with_history();
    let head = repo.git(&["rev-parse", "main"]).trim().to_owned();
    let parent = repo.git(&["rev-parse", "main~2"]).trim().to_owned();
    repo.git(&["replace", "--graft", &head, &parent]);
    track_writing_graph(&repo, &["status"]).ok();
    assert!(!chain(&repo).exists());
}
