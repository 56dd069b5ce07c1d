//! The repository `git track` works in: where it is, its worktrees and its settings.

use crate::dag::{Dag, Source, contained_cache};
use crate::git;
use crate::settings::Settings;
use anyhow::{Context, Result};
use gix::ObjectId;
use std::path::{Path, PathBuf};

/// Why there is no repository to work in, or a revision names no commit.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// `why`: what discovery reported.
    #[error("not a git repository (or any of the parent directories)")]
    NotARepository { why: String },
    #[error(
        "this repository uses SHA-256 object ids (extensions.objectFormat = sha256); git-track works with SHA-1 repositories only"
    )]
    Sha256 { why: String },
    #[error("'{rev}' does not resolve to a commit")]
    NotACommit { rev: String },
}

/// A lock file on a shared ref that makes every edit of it fail at once; left by a
/// killed process when no git or git-track is writing that ref.
#[derive(Debug, thiserror::Error)]
#[error("could not update {refname}: {} exists", lock.display())]
pub struct RefLocked {
    pub refname: String,
    pub lock: PathBuf,
}

pub struct Repo {
    pub gix: gix::Repository,
    /// `$(git rev-parse --git-common-dir)`, canonical.
    pub common_dir: PathBuf,
    /// The root of the worktree the command runs in; `None` in a bare repository.
    pub workdir: Option<PathBuf>,
    /// The root of the main worktree; `None` for a bare repository.
    pub main_workdir: Option<PathBuf>,
    pub settings: Settings,
    /// What every git subprocess that may record an identity gets: the identity fallback
    /// when none is configured.
    pub git_env: git::Env,
    /// The commit-graph file, loaded on first use (`None` inside when there is none).
    commit_graph: std::sync::OnceLock<Option<gix::commitgraph::Graph>>,
    /// The commits read so far, for every walk of history of this process.
    dag: Dag,
}

impl Drop for Repo {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The revision graph of one run, for gix's merge plumbing (which finds merge bases in
/// it); the run's own merge-base searches and ancestry tests go to the process's shared
/// [`Dag`], reading through the same repository (an in-memory overlay included).
pub struct History<'r> {
    graph: RevGraph<'r>,
    source: Source<'r>,
    dag: Dag,
}

/// A revision graph with the flags of gix's merge-base search.
pub type RevGraph<'r> = gix::revwalk::Graph<
    'r,
    'r,
    gix::revwalk::graph::Commit<gix::revision::plumbing::merge_base::Flags>,
>;

impl<'r> History<'r> {
    /// A revision graph reading from `repo` (which may be an in-memory overlay of the
    /// repository), helped by `commit_graph` when there is one.
    pub fn new(
        repo: &'r gix::Repository,
        commit_graph: Option<&'r gix::commitgraph::Graph>,
        dag: Dag,
    ) -> History<'r> {
        History {
            graph: repo.revision_graph(commit_graph),
            source: Source { repo, commit_graph },
            dag,
        }
    }

    /// The graph itself, for gix's merge plumbing (which finds merge bases in it).
    pub fn graph(&mut self) -> &mut RevGraph<'r> {
        &mut self.graph
    }

    /// The best common ancestor of two commits, if they have one.
    pub fn merge_base(&mut self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>> {
        self.dag
            .merge_base(self.source, a, b)
            .with_context(|| format!("could not find the merge base of {a} and {b}"))
    }

    /// Is `ancestor` reachable from `descendant` (or equal to it)?
    pub fn is_ancestor(&mut self, ancestor: ObjectId, descendant: ObjectId) -> Result<bool> {
        self.dag.is_ancestor(self.source, ancestor, descendant)
    }

    /// Which of `tips` are reachable from `descendant`, in one walk (see
    /// [`Dag::contained`]); those found before, in `descendant` or a commit it descends
    /// from, are not looked for again (see [`contained_cache`]).
    pub fn contained(&mut self, tips: &[ObjectId], descendant: ObjectId) -> Result<Vec<bool>> {
        contained_cache::contained(&self.dag, self.source, tips, descendant)
    }
}

/// A worktree of the repository (the main one or a linked one) and what it has checked out.
#[derive(Debug, Clone)]
pub struct WorktreeInfo {
    pub path: PathBuf,
    /// Full ref name of the checked-out branch; `None` when detached or bare.
    pub branch: Option<String>,
    pub is_main: bool,
}

pub fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned())
}

impl Repo {
    /// Opens the repository of the current directory, honouring `GIT_DIR` and friends.
    pub fn discover() -> Result<Repo> {
        // An absolute start: from "." inside the git dir itself (`cd .git`), discovery
        // takes "./.git" for a repository and fails where git works.
        let here = std::env::current_dir()
            .map(|d| canonical(&d))
            .unwrap_or_else(|_| PathBuf::from("."));
        let open = |options| {
            gix::ThreadSafeRepository::discover_with_environment_overrides_opts(
                &here,
                Default::default(),
                options,
            )
            .map(gix::Repository::from)
        };
        let gix = open(Default::default()).map_err(|e| {
            let why = format!("{:#}", anyhow::Error::from(e));
            // A repository, of an object format this build cannot read: say which.
            if why.contains("objectFormat") {
                RepoError::Sha256 { why }
            } else {
                RepoError::NotARepository { why }
            }
        })?;
        // Definition and merge commits need an identity; a person's configured one wins.
        match identity_fallback(&gix) {
            None => Repo::from_gix(gix, git::Env::default()),
            Some(env) => Repo::from_gix(open(with_identity_fallback())?, env),
        }
    }

    /// Opens the repository at `path` (not the current directory's).
    pub fn open(path: &Path) -> Result<Repo> {
        let open = |options| {
            gix::ThreadSafeRepository::discover_opts(path, Default::default(), options)
                .map(gix::Repository::from)
                .with_context(|| format!("could not open the repository at {}", path.display()))
        };
        let gix = open(Default::default())?;
        match identity_fallback(&gix) {
            None => Repo::from_gix(gix, git::Env::default()),
            Some(env) => Repo::from_gix(open(with_identity_fallback())?, env),
        }
    }

    /// The repository `gix` opened, whose git subprocesses get `git_env`.
    pub fn from_gix(mut gix: gix::Repository, git_env: git::Env) -> Result<Repo> {
        // Commands compare many tracks with the same few fork points and integration
        // tip: their trees are read again and again, and each read of a packed tree
        // inflates it anew without a cache (a quarter of `status` of 1,000 tracks). The
        // size is the merge engine's, which clones this repository.
        gix.object_cache_size_if_unset(32 << 20);
        let common_dir = canonical(gix.common_dir());
        let workdir = gix.workdir().map(canonical);
        let main_workdir = match gix.kind() {
            gix::repository::Kind::LinkedWorkTree => gix.main_repo()?.workdir().map(canonical),
            _ => workdir.clone(),
        };
        let settings = Settings::read(&gix, &common_dir, main_workdir.as_deref())?;
        Ok(Repo {
            gix,
            common_dir,
            workdir,
            main_workdir,
            settings,
            commit_graph: std::sync::OnceLock::new(),
            dag: Dag::default(),
            git_env,
        })
    }

    pub fn is_bare(&self) -> bool {
        self.main_workdir.is_none()
    }

    /// Local, unshared state: `<common dir>/track/`.
    pub fn state_dir(&self) -> PathBuf {
        self.common_dir.join("track")
    }

    /// Resolves `rev` to a commit, or fails as bad input naming it.
    pub fn resolve_commit(&self, rev: &str) -> Result<ObjectId> {
        self.try_resolve_commit(rev)
            .ok_or_else(|| self.not_a_commit(rev))
    }

    fn not_a_commit(&self, rev: &str) -> anyhow::Error {
        RepoError::NotACommit {
            rev: rev.to_owned(),
        }
        .into()
    }

    /// [`Self::resolve_commit`], answered by the commit-graph where it can be: for
    /// commands that walk history next, and so load the graph anyway.
    pub fn resolve_commit_via_graph(&self, rev: &str) -> Result<ObjectId> {
        self.try_resolve_commit_via_graph(rev)
            .ok_or_else(|| self.not_a_commit(rev))
    }

    /// [`Self::try_resolve_commit`], answered by the commit-graph where it can be (see
    /// [`Self::resolve_commit_via_graph`]).
    pub fn try_resolve_commit_via_graph(&self, rev: &str) -> Option<ObjectId> {
        self.commit_in_graph(rev)
            .or_else(|| self.try_resolve_commit(rev))
    }

    pub fn try_resolve_commit(&self, rev: &str) -> Option<ObjectId> {
        self.gix
            .rev_parse_single(format!("{rev}^{{commit}}").as_str())
            .ok()
            .map(|id| id.detach())
    }

    /// `rev` resolved without the object database, when it is a full object id (which
    /// git takes as one even where a ref has that name) or a ref name, and names a commit
    /// the commit-graph holds (a commit-graph holds nothing else). The object database's
    /// first lookup reads every pack index whole (over a millisecond on git.git), which
    /// `git track new --from <tip>` needs for nothing else. A graph may still name a
    /// commit pruned since it was written (`git repack -a -d` leaves the graph as it
    /// is), so the commit must also be found where git would find it
    /// ([`crate::object_presence`]).
    fn commit_in_graph(&self, rev: &str) -> Option<ObjectId> {
        let id = match ObjectId::from_hex(rev.as_bytes()) {
            Ok(id) if id.kind() == self.gix.object_hash() => id,
            _ => {
                let name: &gix::refs::PartialNameRef = rev.try_into().ok()?;
                let mut found = self.gix.try_find_reference(name).ok()??;
                found.follow_to_object().ok()?.detach()
            }
        };
        self.commit_graph().ok()??.lookup(id)?;
        let objects = self.gix.objects.store_ref().path();
        crate::object_presence::present(objects, &id)
            .filter(|&found| found)
            .map(|_| id)
    }

    /// The commit a full ref name points to (peeled), if the ref exists.
    pub fn ref_target(&self, full_name: &str) -> Result<Option<ObjectId>> {
        match self.gix.try_find_reference(full_name)? {
            Some(mut r) => Ok(Some(r.peel_to_id()?.detach())),
            None => Ok(None),
        }
    }

    /// The lock file left on `full_name` (a shared ref), if there is one. Ref edits fail
    /// at once on such a file.
    pub fn ref_lock_left(&self, full_name: &str) -> Option<RefLocked> {
        let lock = [
            self.common_dir.join(format!("{full_name}.lock")),
            self.common_dir.join("packed-refs.lock"),
        ]
        .into_iter()
        .find(|p| p.exists())?;
        Some(RefLocked {
            refname: full_name.to_owned(),
            lock,
        })
    }

    /// `e`, the failure of an edit of `full_name`, or the lock file that made it fail.
    pub fn ref_edit_error(&self, full_name: &str, e: anyhow::Error) -> anyhow::Error {
        match self.ref_lock_left(full_name) {
            Some(locked) => locked.into(),
            None => e,
        }
    }

    /// The main worktree and every linked one, with the branch each has checked out.
    pub fn worktrees(&self) -> Result<Vec<WorktreeInfo>> {
        let mut out = Vec::new();
        let main = self
            .gix
            .main_repo()
            .context("could not open the main repository")?;
        if let Some(path) = main.workdir() {
            out.push(WorktreeInfo {
                path: canonical(path),
                branch: head_branch(&main),
                is_main: true,
            });
        }
        for proxy in self.gix.worktrees()? {
            let Ok(path) = proxy.base() else { continue };
            let branch = proxy
                .into_repo_with_possibly_inaccessible_worktree()
                .ok()
                .and_then(|r| head_branch(&r));
            out.push(WorktreeInfo {
                path: canonical(&path),
                branch,
                is_main: false,
            });
        }
        Ok(out)
    }

    /// The commit-graph file, if the repository has one and it is enabled.
    pub fn commit_graph(&self) -> Result<Option<&gix::commitgraph::Graph>> {
        if self.commit_graph.get().is_none() {
            let loaded = crate::dag::commit_graph(&self.gix)?;
            let _ = self.commit_graph.set(loaded);
        }
        Ok(self.commit_graph.get().and_then(Option::as_ref))
    }

    /// The process's shared commit graph (see [`Dag`]).
    pub fn dag(&self) -> &Dag {
        &self.dag
    }

    pub fn source(&self) -> Result<Source<'_>> {
        Ok(Source {
            repo: &self.gix,
            commit_graph: self.commit_graph()?,
        })
    }

    /// A revision graph for a run's merges (see [`History`]).
    pub fn history(&self) -> Result<History<'_>> {
        Ok(History::new(
            &self.gix,
            self.commit_graph()?,
            self.dag.clone(),
        ))
    }

    /// The best common ancestor of two commits, if they have one.
    pub fn merge_base(&self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>> {
        self.dag
            .merge_base(self.source()?, a, b)
            .with_context(|| format!("could not find the merge base of {a} and {b}"))
    }

    /// The best common ancestor of each of `tips` with `base` (none where they share no
    /// history), in one walk for many tips.
    pub fn merge_base_many(
        &self,
        tips: &[ObjectId],
        base: ObjectId,
    ) -> Result<Vec<Option<ObjectId>>> {
        Ok(self
            .dag
            .merge_bases_many(self.source()?, tips, base)
            .with_context(|| format!("could not find the merge bases with {base}"))?
            .into_iter()
            .map(|bases| bases.into_iter().next())
            .collect())
    }

    /// Is `ancestor` reachable from `descendant` (or equal to it)?
    pub fn is_ancestor(&self, ancestor: ObjectId, descendant: ObjectId) -> Result<bool> {
        self.dag.is_ancestor(self.source()?, ancestor, descendant)
    }

    /// The first-parent chain of `tip` that `hidden` cannot reach, newest first.
    pub fn first_parent_range(&self, hidden: ObjectId, tip: ObjectId) -> Result<Vec<ObjectId>> {
        self.dag
            .first_parent_range(self.source()?, hidden, tip)
            .with_context(|| format!("could not walk {hidden}..{tip}"))
    }

    /// How many commits `a` has that `b` has not, and the reverse.
    pub fn ahead_behind(&self, a: ObjectId, b: ObjectId) -> Result<(usize, usize)> {
        self.dag.ahead_behind(self.source()?, a, b)
    }

    /// [`Self::ahead_behind`] of each of `tips` against `base`, in one walk.
    pub fn ahead_behind_many(
        &self,
        tips: &[ObjectId],
        base: ObjectId,
    ) -> Result<Vec<(usize, usize)>> {
        self.dag.ahead_behind_many(self.source()?, tips, base)
    }

    /// The worktree that has `full_branch` checked out, if any.
    pub fn worktree_of_branch(&self, full_branch: &str) -> Result<Option<WorktreeInfo>> {
        Ok(self
            .worktrees()?
            .into_iter()
            .find(|w| w.branch.as_deref() == Some(full_branch)))
    }

    /// The branch checked out in the worktree this command runs in.
    pub fn current_branch(&self) -> Option<String> {
        head_branch(&self.gix)
    }

    /// What is done when a repository is dropped, besides freeing it: a command that
    /// walked much history without a commit-graph has git-track's own brought up to date
    /// for the next ones (see [`crate::dag::own_graph`]), whichever way it ended. For a
    /// caller that keeps the repository until the process exits.
    pub fn finish(&self) {
        crate::dag::own_graph::refresh_after(&self.gix, self.dag.commits_inflated());
    }

    /// The current time as git would stamp a commit (honours `GIT_COMMITTER_DATE`).
    pub fn now(&self) -> gix::date::Time {
        crate::stamp::signature(&self.gix, crate::stamp::Role::Committer)
            .ok()
            .flatten()
            .map_or_else(crate::stamp::now, |s| s.time)
    }

    /// `now()` as UTC `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn timestamp(&self) -> String {
        utc_timestamp(self.now().seconds)
    }

    /// Loads the pack indexes on another thread. The first lookup of a packed object
    /// loads them, and gix reads the whole offset table of each (0.6 ms for git.git's);
    /// begun as soon as the repository is open, that overlaps the lock and ref reads
    /// that come before the first lookup. The indexes are shared by every handle on the
    /// object store.
    pub fn warm_object_lookups(&self) {
        use gix::objs::Exists;
        let Ok(objects) = self.gix.objects.clone().into_arc() else {
            return;
        };
        // An object no repository has: looked up in every index, which loads them all.
        let none = gix::ObjectId::null(self.gix.object_hash());
        let _ = std::thread::Builder::new()
            .name("indexes".to_owned())
            .spawn(move || objects.exists(&none));
    }
}

fn head_branch(repo: &gix::Repository) -> Option<String> {
    let head = repo.head().ok()?;
    head.referent_name().map(|n| n.as_bstr().to_string())
}

/// The identity git-track commits as when none is configured.
const FALLBACK_NAME: &str = "git-track";
const FALLBACK_EMAIL: &str = "git-track@localhost";

/// When `repo` has no complete author and committer identity: what git subprocesses get
/// for it (each identity variable the environment does not set already).
fn identity_fallback(repo: &gix::Repository) -> Option<git::Env> {
    if has_identity(repo) {
        return None;
    }
    let vars = [
        ("GIT_COMMITTER_NAME", FALLBACK_NAME),
        ("GIT_COMMITTER_EMAIL", FALLBACK_EMAIL),
        ("GIT_AUTHOR_NAME", FALLBACK_NAME),
        ("GIT_AUTHOR_EMAIL", FALLBACK_EMAIL),
    ];
    Some(git::Env(
        vars.into_iter()
            .filter(|(key, _)| std::env::var_os(key).is_none())
            .collect(),
    ))
}

/// Would gix find a committer and an author?
fn has_identity(repo: &gix::Repository) -> bool {
    use crate::stamp::{Role, identity};
    identity(repo, Role::Committer).is_some() && identity(repo, Role::Author).is_some()
}

/// Open options with the identity fallback (used only where no identity resolves). As
/// open options rather than an in-memory change they also reach the repositories gix
/// opens anew from this one (a new worktree's HEAD reflog).
fn with_identity_fallback() -> gix::sec::trust::Mapping<gix::open::Options> {
    use gix::config::tree::{Key, gitoxide};
    let values = [
        (
            &gitoxide::Committer::NAME_FALLBACK as &dyn Key,
            FALLBACK_NAME,
        ),
        (&gitoxide::Committer::EMAIL_FALLBACK, FALLBACK_EMAIL),
        (&gitoxide::Author::NAME_FALLBACK, FALLBACK_NAME),
        (&gitoxide::Author::EMAIL_FALLBACK, FALLBACK_EMAIL),
    ]
    .map(|(key, value)| format!("{}={value}", key.logical_name()));
    let mut options = gix::sec::trust::Mapping::<gix::open::Options>::default();
    options.full = options.full.config_overrides(values.clone());
    options.reduced = options.reduced.config_overrides(values);
    options
}

/// Seconds since the epoch as UTC `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian calendar).
pub fn utc_timestamp(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Applies one ref update: the one way git-track moves a ref in-process, and a crash
/// point (see [`crate::fault`]).
pub fn edit_reference(
    repo: &gix::Repository,
    edit: gix::refs::transaction::RefEdit,
) -> Result<Vec<gix::refs::transaction::RefEdit>> {
    edit_references(repo, vec![edit])
}

/// Applies ref updates in one transaction (all or none); one crash point.
pub fn edit_references(
    repo: &gix::Repository,
    edits: Vec<gix::refs::transaction::RefEdit>,
) -> Result<Vec<gix::refs::transaction::RefEdit>> {
    ref_update_point(&edits);
    let committer = crate::stamp::signature(repo, crate::stamp::Role::Committer)?;
    let mut time = gix::date::parse::TimeBuf::default();
    Ok(repo.edit_references_as(edits, committer.as_ref().map(|c| c.to_ref(&mut time)))?)
}

/// The crash point of a ref transaction (see [`crate::fault`]).
fn ref_update_point(edits: &[gix::refs::transaction::RefEdit]) {
    crate::fault::point(|| {
        let names: Vec<String> = edits.iter().map(|e| e.name.as_bstr().to_string()).collect();
        format!("ref update {}", names.join(" "))
    });
}

/// [`edit_references`] for refs made in bulk (`import`): the new refs go into
/// `packed-refs`, as `git clone` writes its refs, instead of a file each. A thousand
/// loose refs make every later listing of tracks and branches read a thousand files;
/// packed, a listing reads one. Locks and reflogs are as for a loose update.
pub fn edit_references_packed(
    repo: &gix::Repository,
    edits: Vec<gix::refs::transaction::RefEdit>,
) -> Result<Vec<gix::refs::transaction::RefEdit>> {
    use gix::lock::acquire::Fail;
    use gix::refs::file::transaction::PackedRefs;
    ref_update_point(&edits);
    // git's lock timeouts (`core.filesRefLockTimeout`, `core.packedRefsTimeout`).
    let config = repo.config_snapshot();
    let timeout = |key: &str, default_ms: i64| {
        let ms = config.integer(key).unwrap_or(default_ms);
        match u64::try_from(ms) {
            Ok(0) => Fail::Immediately,
            Ok(ms) => Fail::AfterDurationWithBackoff(std::time::Duration::from_millis(ms)),
            Err(_) => Fail::AfterDurationWithBackoff(std::time::Duration::MAX),
        }
    };
    let (loose, packed) = (
        timeout("core.filesRefLockTimeout", 100),
        timeout("core.packedRefsTimeout", 1000),
    );
    let committer = crate::stamp::signature(repo, crate::stamp::Role::Committer)?;
    let mut time = gix::date::parse::TimeBuf::default();
    let find = Box::new(repo.objects.clone());
    let done = repo
        .refs
        .transaction()
        .packed_refs(PackedRefs::DeletionsAndNonSymbolicUpdatesRemoveLooseSourceReference(find))
        .prepare(edits, loose, packed)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .commit(committer.as_ref().map(|c| c.to_ref(&mut time)))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::utc_timestamp;

    #[test]
    fn timestamps_are_utc_iso8601() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(1_112_911_993), "2005-04-07T22:13:13Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
    }
}
