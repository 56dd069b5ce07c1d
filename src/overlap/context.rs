//! The engine: effective changes of every track (from the cache or computed on all
//! cores), then pairs compared level by level.

use super::cache::{Cache, Verdict};
use super::compare::{self, Meeting};
use super::effect::{Effect, Worker, commit_tree};
use super::hunks;
use super::{Input, Integration, Level, Pair, Report, TrackReport};
use crate::repo::Repo;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::odb::memory::Storage;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Decoded objects kept per thread: enough for the trees on the paths a merge walks.
const OBJECT_CACHE_BYTES: usize = 32 << 20;

pub(super) struct Engine<'r> {
    repo: &'r Repo,
    /// Reads the object database, writes to memory only.
    main: gix::Repository,
    integration: ObjectId,
    integration_tree: ObjectId,
    tree_options: gix::merge::plumbing::tree::Options,
    /// What else than object ids changes merge results; part of the cache's identity.
    settings_key: String,
}

impl<'r> Engine<'r> {
    pub fn new(repo: &'r Repo, integration: ObjectId) -> Result<Engine<'r>> {
        let mut main = repo.gix.clone().with_object_memory();
        main.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
        let tree_options: gix::merge::plumbing::tree::Options = main
            .tree_merge_options()
            .context("could not read the merge settings")?
            .into();
        let settings_key = format!(
            "{} {:?} {:?}",
            env!("CARGO_PKG_VERSION"),
            tree_options.rewrites,
            tree_options.blob_merge
        );
        let integration_tree = commit_tree(&main, integration)?;
        Ok(Engine {
            repo,
            main,
            integration,
            integration_tree,
            tree_options,
            settings_key,
        })
    }

    /// Snapshots a worktree's uncommitted work into memory; `None` when it has none.
    pub fn snapshot_worktree(&mut self, path: &std::path::Path) -> Result<Option<ObjectId>> {
        let Some((commit, storage)) = super::snapshot::take(path)? else {
            return Ok(None);
        };
        self.absorb(storage);
        Ok(Some(commit))
    }

    fn absorb(&mut self, storage: Storage) {
        let mut mine = self.main.objects.take_object_memory().unwrap_or_default();
        mine.extend(storage.iter().map(|(k, v)| (*k, v.clone())));
        self.main.objects.set_object_memory(mine);
    }

    fn memory(&mut self) -> Storage {
        let mine = self.main.objects.take_object_memory().unwrap_or_default();
        let copy = mine.clone();
        self.main.objects.set_object_memory(mine);
        copy
    }

    pub fn run(&mut self, inputs: &[Input], level: Level) -> Result<Report> {
        let mut cache = Cache::load(
            &self.repo.state_dir(),
            &self.integration.to_string(),
            &self.settings_key,
        );
        let keys: Vec<String> = inputs.iter().map(|i| i.tip.to_string()).collect();
        let mut effects: Vec<Option<Effect>> = keys.iter().map(|k| cache.track(k)).collect();
        let missing: Vec<usize> = (0..inputs.len())
            .filter(|i| effects[*i].is_none())
            .collect();
        let tips: Vec<ObjectId> = missing.iter().map(|i| inputs[*i].tip).collect();
        for (slot, effect) in missing.iter().zip(self.compute_effects(&tips)?) {
            cache.put_track(&keys[*slot], &effect);
            effects[*slot] = Some(effect);
        }
        let mut effects: Vec<Effect> = effects.into_iter().flatten().collect();
        if effects.len() != inputs.len() {
            return Err(anyhow!("internal error: an effective change went missing"));
        }

        let meetings = {
            let refs: Vec<&Effect> = effects.iter().collect();
            compare::meetings(&refs)
        };
        if level >= Level::Hunks {
            self.fill_lines(inputs, &keys, &mut effects, &meetings, &mut cache)?;
        }

        let judged: Vec<((usize, usize), compare::Judged)> = meetings
            .iter()
            .map(|(&(ia, ib), list)| {
                let j = compare::judge(
                    list,
                    (&effects[ia], &inputs[ia].scope),
                    (&effects[ib], &inputs[ib].scope),
                    level >= Level::Hunks,
                );
                ((ia, ib), j)
            })
            .collect();

        // Pair verdicts: from the cache, or by merging M_A and M_B on the integration tip.
        let mut verdicts: Vec<Option<Verdict>> = vec![None; judged.len()];
        if level >= Level::Conflicts {
            let mut todo = Vec::new();
            for (n, ((ia, ib), j)) in judged.iter().enumerate() {
                if !(effects[*ia].clean && effects[*ib].clean) {
                    continue;
                }
                if !j.differs {
                    verdicts[n] = Some(Verdict {
                        conflict: false,
                        paths: Vec::new(),
                    });
                    continue;
                }
                let key = format!("{} {}", keys[*ia], keys[*ib]);
                match cache.pair(&key) {
                    Some(v) => verdicts[n] = Some(v),
                    None => todo.push((n, key)),
                }
            }
            let mut needed: Vec<usize> = todo
                .iter()
                .flat_map(|(n, _)| [judged[*n].0.0, judged[*n].0.1])
                .collect();
            needed.sort_unstable();
            needed.dedup();
            for t in needed {
                let snapshot = effects[t].clone();
                self.materialize(inputs[t].tip, &snapshot)?;
            }
            let trees: Vec<(ObjectId, ObjectId)> = todo
                .iter()
                .map(|(n, _)| {
                    let (ia, ib) = judged[*n].0;
                    (effects[ia].new_tree, effects[ib].new_tree)
                })
                .collect();
            for ((n, key), verdict) in todo.iter().zip(self.merge_pairs(&trees)?) {
                cache.put_pair(key, verdict.clone());
                verdicts[*n] = Some(verdict);
            }
        }

        let mut pairs = Vec::new();
        for (((ia, ib), j), verdict) in judged.into_iter().zip(verdicts) {
            let conflict = verdict.as_ref().map(|v| v.conflict);
            let found = match level {
                Level::Files => !j.files.is_empty(),
                Level::Hunks => j.found_at_hunks(),
                Level::Conflicts => conflict == Some(true),
            };
            pairs.push(Pair {
                a: inputs[ia].name.clone(),
                b: inputs[ib].name.clone(),
                files: j.files,
                hunks: j.hunks,
                unjudged: j.unjudged,
                conflict,
                conflict_paths: verdict.map(|v| v.paths).unwrap_or_default(),
                found,
            });
        }

        let tracks = inputs
            .iter()
            .zip(&effects)
            .map(|(input, e)| TrackReport {
                name: input.name.clone(),
                tip: input.tip.to_string(),
                merges_cleanly: e.clean,
                paths: e.conflicts.clone(),
                merged: e.merged,
                changed: e.changes.len(),
                compared_by: e.basis,
                worktree: input.worktree,
            })
            .collect();
        cache.save();
        Ok(Report {
            level,
            integration: Integration {
                branch: String::new(),
                tip: self.integration.to_string(),
                exists: true,
                base: None,
            },
            tracks,
            pairs,
            skipped: Vec::new(),
        })
    }

    /// Effective changes of `tips`, on every core; the objects the merges made in memory
    /// are gathered into the main repository's memory.
    fn compute_effects(&mut self, tips: &[ObjectId]) -> Result<Vec<Effect>> {
        if tips.is_empty() {
            return Ok(Vec::new());
        }
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(tips.len());
        if threads <= 1 {
            let mut out = Vec::with_capacity(tips.len());
            let main = &self.main;
            let mut worker = Worker::new(main, self.tree_options.clone())?;
            let commit_graph = main.commit_graph_if_enabled()?;
            let mut graph = main.revision_graph(commit_graph.as_ref());
            for tip in tips {
                out.push(worker.effect(
                    &mut graph,
                    self.integration,
                    self.integration_tree,
                    *tip,
                )?);
            }
            return Ok(out);
        }
        let seed = self.memory();
        let sync = self.main.clone().into_sync();
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<(usize, Result<Effect>)>> = Mutex::new(Vec::new());
        let storages: Mutex<Vec<Storage>> = Mutex::new(Vec::new());
        let (integration, integration_tree) = (self.integration, self.integration_tree);
        let tree_options = &self.tree_options;
        let setup_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    let mut repo = sync.to_thread_local();
                    repo.objects.set_object_memory(seed.clone());
                    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
                    let run = |repo: &gix::Repository| -> Result<Vec<(usize, Result<Effect>)>> {
                        let mut worker = Worker::new(repo, tree_options.clone())?;
                        let commit_graph = repo.commit_graph_if_enabled()?;
                        let mut graph = repo.revision_graph(commit_graph.as_ref());
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(tip) = tips.get(i) else { break };
                            mine.push((
                                i,
                                worker.effect(&mut graph, integration, integration_tree, *tip),
                            ));
                        }
                        Ok(mine)
                    };
                    match run(&repo) {
                        Ok(mine) => lock(&results).extend(mine),
                        Err(e) => *lock(&setup_error) = Some(e),
                    }
                    if let Some(storage) = repo.objects.take_object_memory() {
                        lock(&storages).push(storage);
                    }
                });
            }
        });
        if let Some(e) = take(setup_error) {
            return Err(e);
        }
        for storage in take(storages) {
            self.absorb(storage);
        }
        let mut results = take(results);
        results.sort_by_key(|(i, _)| *i);
        if results.len() != tips.len() {
            return Err(anyhow!("internal error: a track was not compared"));
        }
        results.into_iter().map(|(_, r)| r).collect()
    }

    /// Makes sure the merge result of a (cached) effect is in memory, merging again if not.
    fn materialize(&mut self, tip: ObjectId, effect: &Effect) -> Result<()> {
        if self.main.has_object(effect.new_tree) {
            return Ok(());
        }
        let again = self.compute_effects(&[tip])?;
        match again.first() {
            Some(e) if e.new_tree == effect.new_tree => Ok(()),
            _ => Err(anyhow!(
                "merging {tip} into the integration tip again gave another result"
            )),
        }
    }

    /// Computes the line hunks every meeting needs, for files not hunked before.
    fn fill_lines(
        &mut self,
        inputs: &[Input],
        keys: &[String],
        effects: &mut [Effect],
        meetings: &BTreeMap<(usize, usize), Vec<Meeting>>,
        cache: &mut Cache,
    ) -> Result<()> {
        // (track, change index) pairs whose lines are needed.
        let mut wanted: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (&(ia, ib), list) in meetings {
            for m in list {
                if compare::needs_lines(m, &effects[ia], &effects[ib]) {
                    wanted.entry(ia).or_default().push(m.a);
                    wanted.entry(ib).or_default().push(m.b);
                }
            }
        }
        for (t, mut changes) in wanted {
            changes.sort_unstable();
            changes.dedup();
            let todo: Vec<usize> = changes
                .into_iter()
                .filter(|c| !effects[t].lines.contains_key(&effects[t].changes[*c].path))
                .collect();
            if todo.is_empty() {
                continue;
            }
            let snapshot = effects[t].clone();
            self.materialize(inputs[t].tip, &snapshot)?;
            for c in todo {
                let change = &effects[t].changes[c];
                let (Some(old), Some(new)) = (change.old, change.new) else {
                    continue;
                };
                let old_data = self.main.find_blob(old.id)?.detach().data;
                let new_data = self.main.find_blob(new.id)?.detach().data;
                let lines = hunks::compute(&old_data, &new_data);
                let path = change.path.clone();
                effects[t].lines.insert(path, lines);
            }
            cache.put_track(&keys[t], &effects[t]);
        }
        Ok(())
    }

    /// The ordered merge of each pair, in memory: M_A and M_B merged on the integration tip.
    fn merge_pairs(&self, trees: &[(ObjectId, ObjectId)]) -> Result<Vec<Verdict>> {
        if trees.is_empty() {
            return Ok(Vec::new());
        }
        let mut worker = Worker::new(&self.main, self.tree_options.clone())?;
        let mut out = Vec::with_capacity(trees.len());
        for (a, b) in trees {
            let (tree, paths) = worker.merge_trees(self.integration_tree, *a, *b)?;
            out.push(Verdict {
                conflict: tree.is_none(),
                paths,
            });
        }
        Ok(out)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn take<T: Default>(m: Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
