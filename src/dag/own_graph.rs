//! git-track's own commit-graph, for repositories that have none: `<common dir>/track/
//! objects/info/commit-graphs/`, written by `git commit-graph write` itself.
//!
//! Without a commit-graph every walk of history inflates each commit it passes, in every
//! process, and so does git: on git.git a `merge --continue` and the `git merge` it runs
//! each spent most of their time finding merge bases. A commit-graph makes both cheap,
//! but writing one into the repository's own object folder is the user's call (`git
//! maintenance`, `fetch.writeCommitGraph`). So git-track keeps one of its own, in a
//! folder laid out like an object folder that holds no objects:
//! - the commit graph ([`crate::dag`]) reads it as it reads the repository's;
//! - the git processes git-track starts see it as an alternate object folder
//!   (`GIT_ALTERNATE_OBJECT_DIRECTORIES`, see [`crate::git::set_commit_graph_folder`]),
//!   whose commit-graph git uses like its own.
//!
//! It is written once commands have read many commits from the object database between
//! them ([`refresh_after`]), in the background as git's automatic `gc` is, by `git
//! commit-graph write --reachable --split`: the first write walks all history once
//! (0.8 s on git.git), later ones only what is new. A commit id fixes the commit's
//! parents and date, so entries never go stale. It is not used where git would not use
//! a commit-graph either (`core.commitGraph=false`, replacement refs, grafts, a shallow
//! clone), nor when the repository has a commit-graph of its own.

use std::path::{Path, PathBuf};

/// How many commits commands read from the object database before the graph is
/// worth writing (a walk of that size costs about as much as an update of the graph).
const WORTH_WRITING: usize = 2_000;

/// Test builds: read this many commits instead of [`WORTH_WRITING`], and write the graph
/// before the process ends rather than in the background.
pub const TEST_WRITE_AFTER: &str = "GIT_TRACK_TEST_COMMIT_GRAPH_AFTER";

/// The object folder that holds the graph.
pub fn folder(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("track").join("objects")
}

/// May git-track have a commit-graph of its own for `repo`? Not where the repository has
/// one, nor where git would not use one.
pub fn allowed(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    if !config.boolean("core.commitGraph").unwrap_or(true) {
        return false;
    }
    let has_own = repo
        .commit_graph_if_enabled()
        .map(|g| g.is_some())
        .unwrap_or(true);
    // git splits its alternates at ':' and unquotes '"'; a folder holding either is not
    // worth quoting for.
    let plain = folder(repo)
        .to_str()
        .is_some_and(|p| !p.contains([':', '"']));
    !(has_own || super::parents_rewritten(repo)) && plain
}

/// The graph, when allowed and written; a graph that cannot be read is no graph.
pub fn open(repo: &gix::Repository) -> Option<gix::commitgraph::Graph> {
    if !allowed(repo) {
        return None;
    }
    let folder = folder(repo);
    let graph = checked(&folder.join("info").join("commit-graphs"))?;
    crate::git::set_commit_graph_folder(&folder);
    Some(graph)
}

/// The graph's layers, each checked against its checksum and its name in the chain. git
/// does not check a commit-graph when it loads one, and a damaged one gives wrong answers
/// (no merge base, where there is one): a layer that fails is no graph, for git-track and
/// for the git processes it starts. Hashing a layer costs about as much as a short
/// command (15 ms for git.git's), so a layer checked once is known by its size and
/// modification time ([`VERIFIED`]) until either changes.
fn checked(dir: &Path) -> Option<gix::commitgraph::Graph> {
    let chain = std::fs::read_to_string(dir.join("commit-graph-chain")).ok()?;
    let known = std::fs::read_to_string(dir.join(VERIFIED)).unwrap_or_default();
    let mut verified = String::new();
    let mut files = Vec::new();
    for name in chain.lines().map(str::trim) {
        let expected = gix::ObjectId::from_hex(name.as_bytes()).ok()?;
        let path = dir.join(format!("graph-{name}.graph"));
        let stamp = stamp(&path)?;
        let line = format!("{name} {stamp}");
        let file = gix::commitgraph::File::at(&path).ok()?;
        if !known.lines().any(|l| l == line) && file.verify_checksum().ok()? != expected {
            return None;
        }
        verified.push_str(&line);
        verified.push('\n');
        files.push(file);
    }
    if verified != known {
        let _ = crate::fault::write_file(&dir.join(VERIFIED), verified.as_bytes());
    }
    gix::commitgraph::Graph::new(files).ok()
}

/// The layers checked so far, one `<name> <size> <modified>` line each.
const VERIFIED: &str = "git-track-verified";

/// A file's size and modification time, in nanoseconds.
fn stamp(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!("{} {modified}", meta.len()))
}

/// After a command that read `read` commits from the object database: brings the graph
/// up to date once that was many, counted over the commands since it was last written
/// ([`READ_SINCE`]): a `new` reads a few hundred commits, and many of them cost as much as
/// one long walk. A cache: failing to write it (or the count) loses nothing but time, so
/// nothing is reported.
pub fn refresh_after(repo: &gix::Repository, read: usize) {
    if read == 0 || !allowed(repo) {
        return;
    }
    let threshold = test_threshold().unwrap_or(WORTH_WRITING);
    let count = repo.common_dir().join("track").join(READ_SINCE);
    // Two commands counting at once may lose one's count: the graph comes a little later.
    let total = std::fs::read_to_string(&count)
        .ok()
        .and_then(|t| t.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .saturating_add(read);
    if total < threshold {
        let _ = crate::fault::write_file(&count, format!("{total}\n").as_bytes());
        return;
    }
    let folder = folder(repo);
    if std::fs::create_dir_all(folder.join("info")).is_err() {
        return;
    }
    let started = repo.common_dir().join("track").join(WRITER_STARTED);
    if writer_at_work(&started, &folder) {
        // It covers what this command read (all history its refs reach). Another writer
        // would only compete with it for the cores: in a fresh clone of git.git, `new`s
        // in a row each started one, and each `new` took 40-80 ms instead of 4.
        let _ = std::fs::remove_file(&count);
        return;
    }
    clear_stale_lock(&folder);
    let _ = crate::fault::write_file(&started, b"");
    let dir = repo.workdir().unwrap_or(repo.git_dir());
    if crate::git::write_commit_graph(dir, &folder, test_threshold().is_none()).is_ok() {
        let _ = std::fs::remove_file(&count);
    }
}

/// Marks when a command last started a writer (`<common dir>/track/<this>`, empty).
pub const WRITER_STARTED: &str = "commit-graph-started";

/// Is a writer a command started still writing? Started under two minutes ago (a first
/// write of git.git's history takes a second or two), and no graph written since: git
/// writes the chain file last. A writer that failed or was killed holds nothing up for
/// longer than that.
fn writer_at_work(started: &Path, folder: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(start) = modified(started) else {
        return false;
    };
    let recent = start
        .elapsed()
        .is_ok_and(|age| age < std::time::Duration::from_secs(120));
    let chain = folder
        .join("info")
        .join("commit-graphs")
        .join("commit-graph-chain");
    recent && modified(&chain).is_none_or(|written| written < start)
}

/// The commits commands read from the object database since the graph was last written
/// (`<common dir>/track/<this>`, a number).
pub const READ_SINCE: &str = "commits-read";

fn test_threshold() -> Option<usize> {
    #[cfg(debug_assertions)]
    return std::env::var(TEST_WRITE_AFTER).ok()?.parse().ok();
    #[cfg(not(debug_assertions))]
    None
}

/// A writer killed halfway leaves git's lock behind, and every later write would fail
/// on it; one older than any write takes is taken away.
fn clear_stale_lock(folder: &Path) {
    let info = folder.join("info");
    for lock in [
        info.join("commit-graphs").join("commit-graph-chain.lock"),
        info.join("commit-graph.lock"),
    ] {
        let stale = std::fs::metadata(&lock)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600));
        if stale {
            let _ = std::fs::remove_file(&lock);
        }
    }
}
