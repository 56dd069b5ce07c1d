//! Merges spread over the cores: one repository handle, worker and commit graph per
//! thread, and the objects the threads make in memory gathered back into the main
//! repository.

use super::{IntegrationContext, OBJECT_CACHE_BYTES};
use crate::dag::{Dag, Source};
use crate::overlap::effect::{Walk, Worker};
use crate::progress::Progress;
use anyhow::{Result, anyhow};
use gix::odb::memory::Storage;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the threads of one run share: the next item to take, and what they hand back.
struct Shared<R> {
    next: AtomicUsize,
    results: Mutex<Vec<(usize, Result<R>)>>,
    storages: Mutex<Vec<Storage>>,
    /// A thread that could not set up its tools takes no item.
    setup_error: Mutex<Option<anyhow::Error>>,
}

impl IntegrationContext<'_> {
    /// `job` for every item, spread over the cores: each thread has its own repository
    /// handle (seeded with the objects made in memory so far), worker and commit graph.
    /// The objects the jobs make in memory are gathered into the main repository.
    pub(super) fn on_all_cores<T, R, F>(&mut self, items: &[T], job: F) -> Result<Vec<R>>
    where
        T: Sync,
        R: Send,
        F: Fn(&mut Worker<'_>, &mut Walk<'_>, &T) -> Result<R> + Sync,
    {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let threads = crate::shares::cores().min(items.len());
        if threads <= 1 {
            return self.on_this_thread(items, job);
        }
        self.on_threads(threads, items, job)
    }

    /// [`IntegrationContext::on_all_cores`] on one core: the main repository does the
    /// jobs itself.
    fn on_this_thread<T, R, F>(&self, items: &[T], job: F) -> Result<Vec<R>>
    where
        F: Fn(&mut Worker<'_>, &mut Walk<'_>, &T) -> Result<R>,
    {
        with_tools(
            &self.main,
            self.repo.dag(),
            &self.tree_options,
            |worker, walk| {
                items
                    .iter()
                    .map(|item| {
                        let r = job(worker, walk, item);
                        self.progress.tick();
                        r
                    })
                    .collect()
            },
        )
    }

    /// [`IntegrationContext::on_all_cores`] on `threads` threads, this one and helpers,
    /// which take the items in turn; results come back in the order of `items`.
    ///
    /// This thread works on the main repository; each helper on a handle of its own,
    /// seeded with a copy of the objects made in memory so far (on git.git, tens of MB of
    /// root trees late in a run: copied once per helper, and moved, not copied, back).
    fn on_threads<T, R, F>(&mut self, threads: usize, items: &[T], job: F) -> Result<Vec<R>>
    where
        T: Sync,
        R: Send,
        F: Fn(&mut Worker<'_>, &mut Walk<'_>, &T) -> Result<R> + Sync,
    {
        let dag = self.repo.dag();
        let helpers = threads.saturating_sub(1);
        let mut seeds: Vec<Storage> = Vec::with_capacity(helpers);
        if helpers > 0 {
            let seed = self.memory();
            seeds.extend((1..helpers).map(|_| seed.clone()));
            seeds.push(seed);
        }
        // A handle for the helpers without the main one's memory (they get theirs).
        let memory = self.main.objects.take_object_memory();
        let sync = self.main.clone().into_sync();
        if let Some(memory) = memory {
            self.main.objects.set_object_memory(memory);
        }
        let shared = Shared {
            next: AtomicUsize::new(0),
            results: Mutex::new(Vec::new()),
            storages: Mutex::new(Vec::new()),
            setup_error: Mutex::new(None),
        };
        let (main, tree_options, progress) = (&self.main, &self.tree_options, self.progress);
        let (shared_ref, sync_ref, job_ref) = (&shared, &sync, &job);
        std::thread::scope(|s| {
            for seed in seeds {
                s.spawn(move || {
                    let mut repo = sync_ref.to_thread_local();
                    repo.objects.set_object_memory(seed);
                    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
                    let run = with_tools(&repo, dag, tree_options, |worker, walk| {
                        Ok(take_items(&shared_ref.next, items, progress, |item| {
                            job_ref(worker, walk, item)
                        }))
                    });
                    shared_ref.hand_back(run);
                    if let Some(storage) = repo.objects.take_object_memory() {
                        lock(&shared_ref.storages).push(storage);
                    }
                });
            }
            let run = with_tools(main, dag, tree_options, |worker, walk| {
                Ok(take_items(&shared_ref.next, items, progress, |item| {
                    job_ref(worker, walk, item)
                }))
            });
            shared_ref.hand_back(run);
        });
        if let Some(e) = take(shared.setup_error) {
            return Err(e);
        }
        for storage in take(shared.storages) {
            self.absorb(storage);
        }
        let mut results = take(shared.results);
        results.sort_by_key(|(i, _)| *i);
        if results.len() != items.len() {
            return Err(anyhow!("internal error: a job was lost"));
        }
        results.into_iter().map(|(_, r)| r).collect()
    }
}

impl<R> Shared<R> {
    /// One thread's results, or why it could not set up its tools.
    fn hand_back(&self, run: Result<Vec<(usize, Result<R>)>>) {
        match run {
            Ok(mine) => lock(&self.results).extend(mine),
            Err(e) => *lock(&self.setup_error) = Some(e),
        }
    }
}

/// `f` with the tools one thread merges with: a worker on `repo` and a walk for merge
/// bases, over the commit graph when there is one.
fn with_tools<R>(
    repo: &gix::Repository,
    dag: &Dag,
    tree_options: &gix::merge::plumbing::tree::Options,
    f: impl FnOnce(&mut Worker<'_>, &mut Walk<'_>) -> Result<R>,
) -> Result<R> {
    let mut worker = Worker::new(repo, tree_options.clone())?;
    let commit_graph = crate::dag::commit_graph(repo)?;
    let mut walk = Walk {
        graph: repo.revision_graph(commit_graph.as_ref()),
        dag,
        source: Source {
            repo,
            commit_graph: commit_graph.as_ref(),
        },
    };
    f(&mut worker, &mut walk)
}

/// One thread's share of the jobs: items taken in turn (by index, from `next`) until
/// none is left, each with its result.
fn take_items<T, R>(
    next: &AtomicUsize,
    items: &[T],
    progress: &dyn Progress,
    mut job: impl FnMut(&T) -> Result<R>,
) -> Vec<(usize, Result<R>)> {
    let mut mine = Vec::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        mine.push((i, job(item)));
        progress.tick();
    }
    mine
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn take<T: Default>(m: Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
