//! Commits read ahead of a long walk, on a thread of its own.
//!
//! Without a commit-graph every commit a walk visits is inflated from a pack: `import`
//! on git.git reads 21,000 of them for 65 fork points, most of its time. A walk loads a
//! commit's parents as soon as it visits it (their dates order its queue), so as each
//! commit is loaded its parents' ids go to this thread, which reads them and, breadth
//! first, their ancestors, the lines the walk goes down; the walk takes what is ready
//! and reads the rest itself. The thread stays at most [`AHEAD`] commits ahead and waits
//! when it is; a new walk drops what the last one left. It starts only once a process
//! has read [`AFTER`] commits: a shorter walk is over before a thread would help.

use anyhow::{Result, anyhow};
use gix::ObjectId;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// How many commits a process reads before it reads ahead.
pub(super) const AFTER: usize = 256;

/// How many commits read and not taken the thread keeps at most.
const AHEAD: usize = 4096;

/// A commit as a walk needs it.
pub(super) struct Commit {
    pub parents: Vec<ObjectId>,
    pub time: i64,
}

/// The handle of the reading thread; the thread ends when this is dropped.
pub(super) struct ReadAhead {
    wanted: mpsc::Sender<ObjectId>,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Commits read and not taken yet.
    ready: Mutex<HashMap<ObjectId, Commit>>,
    /// Commits the walk has, read by either side: not to be read (again).
    taken: Mutex<HashSet<ObjectId>>,
    /// Counts walks: the lines the thread was following belong to an earlier one when
    /// it changed.
    walk: AtomicU64,
}

impl ReadAhead {
    /// Starts the thread, with its own handle on `repo`'s objects; none on a machine
    /// with one core, where it would only take turns with the walk.
    pub fn start(repo: &gix::Repository) -> Option<ReadAhead> {
        if crate::shares::cores() < 2 {
            return None;
        }
        let (wanted, ids) = mpsc::channel::<ObjectId>();
        let shared = Arc::new(Shared::default());
        let theirs = Arc::clone(&shared);
        let objects = repo.objects.clone().into_arc().ok()?;
        std::thread::Builder::new()
            .name("read-ahead".to_owned())
            .spawn(move || read_ahead(&objects, &ids, &theirs))
            .ok()?;
        Some(ReadAhead { wanted, shared })
    }

    /// A walk begins: what was read for the last one and not taken is dropped.
    pub fn new_walk(&self) {
        self.shared.walk.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut ready) = self.shared.ready.lock() {
            ready.clear();
        }
    }

    /// Asks for commits the walk will probably need.
    pub fn want(&self, ids: impl IntoIterator<Item = ObjectId>) {
        for id in ids {
            let _ = self.wanted.send(id);
        }
    }

    /// Commit `id` if read already; either way the thread will not read it (again).
    pub fn take(&self, id: ObjectId) -> Option<Commit> {
        let found = self.shared.ready.lock().ok()?.remove(&id);
        if let Ok(mut taken) = self.shared.taken.lock() {
            taken.insert(id);
        }
        found
    }
}

/// The thread: the ids asked for first, then their ancestors breadth first.
fn read_ahead(objects: &impl gix::objs::Find, ids: &mpsc::Receiver<ObjectId>, shared: &Shared) {
    let mut buf = Vec::new();
    let mut next: VecDeque<ObjectId> = VecDeque::new();
    let mut read: HashSet<ObjectId> = HashSet::new();
    let mut walk = shared.walk.load(Ordering::Relaxed);
    loop {
        let full = shared.ready.lock().map_or(true, |r| r.len() >= AHEAD);
        if next.is_empty() || full {
            match ids.recv() {
                Ok(id) => next.push_front(id),
                // The walk's graph is gone.
                Err(_) => return,
            }
        }
        let now = shared.walk.load(Ordering::Relaxed);
        if now != walk {
            walk = now;
            next.clear();
        }
        while let Ok(id) = ids.try_recv() {
            next.push_front(id);
        }
        let Some(id) = next.pop_front() else {
            continue;
        };
        if read.contains(&id) || shared.taken.lock().map_or(true, |t| t.contains(&id)) {
            continue;
        }
        // What cannot be read here (an object in another handle's memory, not a commit,
        // damaged) the walk reads itself, and reports.
        let Ok(commit) = read_commit(objects, &id, &mut buf) else {
            continue;
        };
        read.insert(id);
        next.extend(commit.parents.iter().copied());
        if let Ok(mut ready) = shared.ready.lock() {
            ready.insert(id, commit);
        }
    }
}

/// Reads commit `id`'s parents and committer time.
pub(super) fn read_commit(
    objects: &impl gix::objs::Find,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Commit> {
    let data = objects
        .try_find(id, buf)
        .map_err(|e| anyhow!("could not read commit {id}: {e}"))?
        .ok_or_else(|| anyhow!("could not read commit {id}: it is not in the repository"))?;
    if data.kind != gix::object::Kind::Commit {
        return Err(anyhow!("{id} is a {}, not a commit", data.kind));
    }
    let iter = gix::objs::CommitRefIter::from_bytes(data.data, id.kind());
    let parents = iter.parent_ids().collect();
    let time = iter
        .committer()
        .ok()
        .and_then(|s| s.time().ok())
        .map_or(0, |t| t.seconds);
    Ok(Commit { parents, time })
}
