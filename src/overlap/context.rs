//! The engine: effective changes of every track (from the cache or computed on all
//! cores), then pairs compared level by level.

use super::cache::{Cache, Verdict};
use super::compare::{self, Meeting};
use super::effect::{Effect, Walk, Worker, commit_tree};
use super::hunks;
use super::{Input, Integration, Level, MergeVerdict, Pair, Report, TrackReport};
use crate::dag::Source;
use crate::progress::{self, Progress};
use crate::repo::Repo;
use crate::scope::Scope;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::odb::memory::Storage;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Decoded objects kept per thread: enough for the trees on the paths a merge walks.
const OBJECT_CACHE_BYTES: usize = 32 << 20;

pub(super) struct IntegrationContext<'r> {
    repo: &'r Repo,
    /// Reads the object database, writes to memory only.
    main: gix::Repository,
    integration: ObjectId,
    integration_tree: ObjectId,
    tree_options: gix::merge::plumbing::tree::Options,
    /// `merge.directoryRenames=conflict` (git's default).
    directory_rename_conflicts: bool,
    /// What else than object ids changes merge results; part of the cache's identity.
    settings_key: String,
    /// Told of each track merged and each pair judged (work the cache did not have).
    progress: &'r dyn Progress,
    /// The merge bases of tips and the integration tip found so far (or cached), for
    /// merging a track again when only its merged blobs are missing.
    bases: HashMap<ObjectId, Vec<ObjectId>>,
    /// Each tip's [`IntegrationContext::chain`], walked once.
    chains: HashMap<ObjectId, Vec<ObjectId>>,
}

impl<'r> IntegrationContext<'r> {
    pub fn new(
        repo: &'r Repo,
        integration: ObjectId,
        progress: &'r dyn Progress,
    ) -> Result<IntegrationContext<'r>> {
        let mut main = repo.gix.clone().with_object_memory();
        main.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
        let tree_options: gix::merge::plumbing::tree::Options = main
            .tree_merge_options()
            .context("could not read the merge settings")?
            .into();
        let settings_key = format!(
            "{} {:?} {:?} directory-rename-conflicts={} text-merges-by-git {}",
            env!("CARGO_PKG_VERSION"),
            tree_options.rewrites,
            tree_options.blob_merge,
            crate::merge::verdict::directory_rename_conflicts(&main),
            crate::merge::submodule::fingerprint(&main)
        );
        let integration_tree = commit_tree(&main, integration)?;
        let directory_rename_conflicts = crate::merge::verdict::directory_rename_conflicts(&main);
        Ok(IntegrationContext {
            directory_rename_conflicts,
            repo,
            main,
            integration,
            integration_tree,
            tree_options,
            settings_key,
            progress,
            bases: HashMap::new(),
            chains: HashMap::new(),
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

    /// Compares `inputs` at `level`: each one's effective change, then the pairs whose
    /// changes meet, judged level by level.
    pub fn run(&mut self, inputs: &[Input], level: Level) -> Result<Report> {
        let mut cache = Cache::load(
            &self.repo.state_dir(),
            &self.integration.to_string(),
            &self.settings_key,
        );
        let mut effects = self.effects(inputs, &mut cache)?;
        let meetings = self.meetings(&effects)?;
        if level >= Level::Hunks {
            self.fill_lines(inputs, &mut effects, &meetings, &mut cache)?;
        }
        let judged = judge_pairs(inputs, &effects, &meetings, level)?;
        let verdicts = if level >= Level::Conflicts {
            self.pair_verdicts(inputs, &effects, &meetings, &judged, &mut cache)?
        } else {
            vec![None; judged.len()]
        };
        let pairs = pairs(inputs, judged, verdicts, level);
        let tracks = track_reports(inputs, &effects);
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

    /// Each input's effective change: from the cache, else computed on all cores (and
    /// cached, with the merge bases it had).
    fn effects(&mut self, inputs: &[Input], cache: &mut Cache) -> Result<Vec<Effect>> {
        let mut effects: Vec<Option<Effect>> =
            inputs.iter().map(|i| cache.track(&key(i))).collect();
        let missing: Vec<usize> = (0..inputs.len())
            .filter(|i| effects[*i].is_none())
            .collect();
        let mut tips = Vec::with_capacity(missing.len());
        for &i in &missing {
            let chain = self.chain(inputs[i].tip)?;
            tips.push((inputs[i].tip, known_bases(cache, &chain, &[])));
        }
        let progress = self.progress;
        let computed = progress::stage(progress, "Merging tracks in memory", tips.len(), || {
            self.compute_effects_on(&tips)
        })?;
        for (slot, (effect, bases)) in missing.iter().zip(computed) {
            let key = key(&inputs[*slot]);
            cache.put_track(&key, &effect);
            cache.put_bases(&key, &bases);
            effects[*slot] = Some(effect);
        }
        for input in inputs {
            if let Some(bases) = cache.bases(&key(input)) {
                self.bases.insert(input.tip, bases);
            }
        }
        let effects: Vec<Effect> = effects.into_iter().flatten().collect();
        if effects.len() != inputs.len() {
            return Err(anyhow!("internal error: an effective change went missing"));
        }
        Ok(effects)
    }

    /// Where the effective changes meet, pair by pair. Whether a track empties a folder
    /// is read from the tree it leaves, built once per track.
    fn meetings(&self, effects: &[Effect]) -> Result<Meetings> {
        let refs: Vec<&Effect> = effects.iter().collect();
        let mut shapes: BTreeMap<usize, ObjectId> = BTreeMap::new();
        let mut emptied = |t: usize, folder: &str| -> Result<bool> {
            let tree = match shapes.get(&t) {
                Some(tree) => *tree,
                None => {
                    let tree = self.apply(effects[t].old_tree, &effects[t])?;
                    shapes.insert(t, tree);
                    tree
                }
            };
            Ok(self
                .main
                .find_tree(tree)?
                .lookup_entry_by_path(folder)?
                .is_none())
        };
        compare::meetings(&refs, &mut emptied)
    }

    /// The verdict of each judged pair: from the cache, or by git's ordered merge (B into
    /// the commit of A merged into the integration tip); `None` for a pair of which a
    /// track does not merge into the integration tip by itself.
    fn pair_verdicts(
        &mut self,
        inputs: &[Input],
        effects: &[Effect],
        meetings: &Meetings,
        judged: &[JudgedPair],
        cache: &mut Cache,
    ) -> Result<Vec<Option<Verdict>>> {
        let (mut verdicts, todo) = known_verdicts(inputs, effects, judged, cache);
        let merges = self.ordered_merges(inputs, effects, judged, &todo, cache)?;
        let progress = self.progress;
        let made = progress::stage(progress, "Merging pairs in memory", merges.len(), || {
            self.merge_pairs(&merges)
        })?;
        for ((n, key), (mut verdict, bases)) in todo.iter().zip(made) {
            cache.put_bases(key, &bases);
            let (ia, ib) = judged[*n].0;
            if self.directory_rename_conflicts
                && let Some(met) = meetings.get(&(ia, ib))
            {
                add_directory_rename_conflicts(&mut verdict, met, &effects[ia], &effects[ib]);
            }
            cache.put_pair(key, verdict.clone());
            verdicts[*n] = Some(verdict);
        }
        Ok(verdicts)
    }

    /// The ordered merge of each pair in `todo`: the commit of A merged into the
    /// integration tip (made once per A), B's tip, and the merge bases the cache holds
    /// for earlier tips of the two.
    fn ordered_merges(
        &mut self,
        inputs: &[Input],
        effects: &[Effect],
        judged: &[JudgedPair],
        todo: &[(usize, String)],
        cache: &Cache,
    ) -> Result<Vec<PairMerge>> {
        let mut merged_a: BTreeMap<usize, ObjectId> = BTreeMap::new();
        let mut merges = Vec::with_capacity(todo.len());
        for (n, _) in todo {
            let (ia, ib) = judged[*n].0;
            let commit = match merged_a.get(&ia) {
                Some(c) => *c,
                None => {
                    let tree = self.materialize(inputs[ia].tip, &effects[ia])?;
                    let c = self.merge_commit(tree, inputs[ia].tip)?;
                    merged_a.insert(ia, c);
                    c
                }
            };
            let (chain_a, chain_b) = (self.chain(inputs[ia].tip)?, self.chain(inputs[ib].tip)?);
            let known = known_bases(cache, &chain_a, &chain_b);
            merges.push((commit, inputs[ib].tip, known));
        }
        Ok(merges)
    }

    /// Effective changes of `tips`, on every core; the objects the merges made in memory
    /// are gathered into the main repository's memory.
    fn compute_effects(&mut self, tips: &[ObjectId]) -> Result<Vec<Effect>> {
        let tips: Vec<_> = tips
            .iter()
            .map(|t| (*t, self.bases.get(t).cloned()))
            .collect();
        Ok(self
            .compute_effects_on(&tips)?
            .into_iter()
            .map(|(e, _)| e)
            .collect())
    }

    /// [`IntegrationContext::compute_effects`] for tips whose merge bases with the integration tip
    /// may be known already; each effect comes with the merge bases it had.
    fn compute_effects_on(
        &mut self,
        tips: &[(ObjectId, Option<Vec<ObjectId>>)],
    ) -> Result<Vec<(Effect, Vec<ObjectId>)>> {
        let (integration, integration_tree) = (self.integration, self.integration_tree);
        let partials = self.on_all_cores(tips, |worker, walk, (tip, known)| {
            let bases = match known {
                Some(bases) => bases.clone(),
                None => walk.merge_bases(integration, *tip)?,
            };
            let base_of_bases = walk.base_of_bases(&bases)?;
            let partial =
                worker.effect(&bases, base_of_bases, integration, integration_tree, *tip)?;
            Ok((partial, bases))
        })?;
        let (partials, bases): (Vec<_>, Vec<_>) = partials.into_iter().unzip();
        // The merges git has to judge, all in one run of git.
        let effects = Worker::new(&self.main, self.tree_options.clone())?
            .finish_effects(partials, integration_tree)?;
        Ok(effects.into_iter().zip(bases).collect())
    }

    /// `tip` and the commits before it, newest first, as long as each has exactly one
    /// parent (at most [`CHAIN`] of them): the commits a tip that moved on may have had.
    fn chain(&mut self, tip: ObjectId) -> Result<Vec<ObjectId>> {
        if let Some(chain) = self.chains.get(&tip) {
            return Ok(chain.clone());
        }
        let chain = self.walk_chain(tip)?;
        self.chains.insert(tip, chain.clone());
        Ok(chain)
    }

    /// [`IntegrationContext::chain`], walked.
    fn walk_chain(&self, tip: ObjectId) -> Result<Vec<ObjectId>> {
        let mut chain = vec![tip];
        let mut at = tip;
        // Where a shallow clone's history ends, the commit graph sees no parent: nor
        // does the chain.
        let shallow = self.main.shallow_commits()?;
        while chain.len() < CHAIN {
            if shallow.as_ref().is_some_and(|s| s.contains(&at)) {
                break;
            }
            let Ok(commit) = self.main.find_commit(at) else {
                break;
            };
            let mut parents = commit.parent_ids();
            let (Some(parent), None) = (parents.next(), parents.next()) else {
                break;
            };
            at = parent.detach();
            chain.push(at);
        }
        Ok(chain)
    }

    /// Each tip merged into the integration tip as the effects see it: the merged tree
    /// M_T when clean, else the conflicting paths.
    pub fn merge_into(&mut self, tips: &[ObjectId]) -> Result<Vec<MergeVerdict>> {
        let effects = self.compute_effects(tips)?;
        tips.iter()
            .zip(effects)
            .map(|(tip, effect)| {
                Ok(if effect.clean {
                    Ok(self.materialize(*tip, &effect)?)
                } else {
                    Err(effect.conflicts)
                })
            })
            .collect()
    }

    /// git's ordered merge of `b` into the commit of `a` merged into the integration tip,
    /// as pairs are judged: `None` when clean, else the conflicting paths. `None` too
    /// when `a` itself does not merge cleanly.
    pub fn ordered_merge(&mut self, a: ObjectId, b: ObjectId) -> Result<Option<Vec<String>>> {
        let Some(effect) = self.compute_effects(&[a])?.pop() else {
            return Err(anyhow!("no effect computed for {a}"));
        };
        if !effect.clean {
            return Ok(None);
        }
        let tree = self.materialize(a, &effect)?;
        let commit = self.merge_commit(tree, a)?;
        let verdict = self.merge_pairs(&[(commit, b, None)])?.pop();
        Ok(verdict.filter(|(v, _)| v.conflict).map(|(v, _)| v.paths))
    }

    /// `job` for every item, spread over the cores: each thread has its own repository
    /// handle (seeded with the objects made in memory so far), worker and commit graph.
    /// The objects the jobs make in memory are gathered into the main repository.
    fn on_all_cores<T, R, F>(&mut self, items: &[T], job: F) -> Result<Vec<R>>
    where
        T: Sync,
        R: Send,
        F: Fn(&mut Worker<'_>, &mut Walk<'_>, &T) -> Result<R> + Sync,
    {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let dag = self.repo.dag();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(items.len());
        if threads <= 1 {
            let main = &self.main;
            let mut worker = Worker::new(main, self.tree_options.clone())?;
            let commit_graph = crate::dag::commit_graph(main)?;
            let mut walk = Walk {
                graph: main.revision_graph(commit_graph.as_ref()),
                dag,
                source: Source {
                    repo: main,
                    commit_graph: commit_graph.as_ref(),
                },
            };
            return items
                .iter()
                .map(|item| {
                    let r = job(&mut worker, &mut walk, item);
                    self.progress.tick();
                    r
                })
                .collect();
        }
        let seed = self.memory();
        let sync = self.main.clone().into_sync();
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<(usize, Result<R>)>> = Mutex::new(Vec::new());
        let storages: Mutex<Vec<Storage>> = Mutex::new(Vec::new());
        let tree_options = &self.tree_options;
        let progress = self.progress;
        let setup_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    let mut repo = sync.to_thread_local();
                    repo.objects.set_object_memory(seed.clone());
                    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
                    let run = |repo: &gix::Repository| -> Result<Vec<(usize, Result<R>)>> {
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
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = items.get(i) else { break };
                            mine.push((i, job(&mut worker, &mut walk, item)));
                            progress.tick();
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
        if results.len() != items.len() {
            return Err(anyhow!("internal error: a job was lost"));
        }
        results.into_iter().map(|(_, r)| r).collect()
    }

    /// Makes sure the blobs a (cached) effect brings are readable, merging again when
    /// they were made by a merge in an earlier run and only lived in its memory.
    fn ensure_blobs(&mut self, tip: ObjectId, effect: &Effect) -> Result<()> {
        let missing = effect
            .changes
            .iter()
            .filter_map(|c| c.new)
            .any(|e| !e.is_gitlink() && !self.main.has_object(e.id));
        if missing {
            let again = self.compute_effects(&[tip])?;
            let still = again
                .first()
                .map(|e| e.changes.iter().filter_map(|c| c.new))
                .into_iter()
                .flatten()
                .any(|e| !e.is_gitlink() && !self.main.has_object(e.id));
            if still {
                return Err(anyhow!(
                    "merging {tip} into the integration tip again did not give the same result"
                ));
            }
        }
        Ok(())
    }

    /// The merge result M_T of a clean track: the integration tip with its changes applied,
    /// built in memory.
    fn materialize(&mut self, tip: ObjectId, effect: &Effect) -> Result<ObjectId> {
        self.ensure_blobs(tip, effect)?;
        self.apply(self.integration_tree, effect)
    }

    /// `tree` with the effect's changes applied (blobs need not be readable).
    fn apply(&self, tree: ObjectId, effect: &Effect) -> Result<ObjectId> {
        let mut editor = self.main.edit_tree(tree)?;
        for change in &effect.changes {
            match change.new {
                Some(entry) => {
                    let kind = gix::objs::tree::EntryMode::try_from(u32::from(entry.mode))
                        .map_err(|_| anyhow!("invalid mode {:o} in the cache", entry.mode))?
                        .kind();
                    editor.upsert(change.path.as_str(), kind, entry.id)?;
                }
                None => {
                    editor.remove(change.path.as_str())?;
                }
            }
        }
        Ok(editor.write()?.detach())
    }

    /// Computes the line hunks every meeting needs, for files not hunked before.
    fn fill_lines(
        &mut self,
        inputs: &[Input],
        effects: &mut [Effect],
        meetings: &Meetings,
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
            self.ensure_blobs(inputs[t].tip, &snapshot)?;
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
            cache.put_track(&key(&inputs[t]), &effects[t]);
        }
        Ok(())
    }

    /// The ordered merge of each pair, in memory: B merged into the commit of A merged
    /// into the integration tip, with the merge bases git would find (given when known);
    /// each verdict comes with the merge bases the merge had.
    fn merge_pairs(&mut self, merges: &[PairMerge]) -> Result<Vec<(Verdict, Vec<ObjectId>)>> {
        let partials = self.on_all_cores(merges, |worker, walk, (ours, theirs, known)| {
            let bases = match known {
                Some(bases) => bases.clone(),
                None => walk.merge_bases(*ours, *theirs)?,
            };
            let partial = worker.merge_commits(walk, &bases, *ours, *theirs)?;
            Ok((partial, bases))
        })?;
        let (partials, bases): (Vec<_>, Vec<_>) = partials.into_iter().unzip();
        // The merges git has to judge, all in one run of git.
        let verdicts =
            Worker::new(&self.main, self.tree_options.clone())?.finish_verdicts(partials)?;
        Ok(verdicts
            .into_iter()
            .map(|conflicts| Verdict {
                conflict: conflicts.is_some(),
                paths: conflicts.unwrap_or_default(),
            })
            .zip(bases)
            .collect())
    }

    /// The merge commit of a track into the integration tip, in memory.
    fn merge_commit(&self, tree: ObjectId, tip: ObjectId) -> Result<ObjectId> {
        let commit = super::fixed_commit(&self.main, tree, &[self.integration, tip], "merge\n")?;
        Ok(self.main.write_object(&commit)?.detach())
    }
}

/// A pair's ordered merge: the commit of A merged into the integration tip, B's tip, and
/// their merge bases when known.
type PairMerge = (ObjectId, ObjectId, Option<Vec<ObjectId>>);

/// Where pairs of tracks (by index, `a < b`) meet.
type Meetings = BTreeMap<(usize, usize), Vec<Meeting>>;

/// A pair of tracks (by index) and what their meeting comes to, before any merge.
type JudgedPair = ((usize, usize), compare::Judged);

/// The cache's key of a track's effective change: its tip.
fn key(input: &Input) -> String {
    input.tip.to_string()
}

/// Each pair that meets, judged on what the two share (and, from [`Level::Hunks`], on
/// their lines) and on their scopes.
fn judge_pairs(
    inputs: &[Input],
    effects: &[Effect],
    meetings: &Meetings,
    level: Level,
) -> Result<Vec<JudgedPair>> {
    let scopes = scopes(inputs, meetings)?;
    Ok(meetings
        .iter()
        .map(|(&(ia, ib), list)| {
            let j = compare::judge(
                list,
                (&effects[ia], &scopes[&ia]),
                (&effects[ib], &scopes[&ib]),
                level >= Level::Hunks,
            );
            ((ia, ib), j)
        })
        .collect())
}

/// The scope of each track that meets another, compiled once.
fn scopes(inputs: &[Input], meetings: &Meetings) -> Result<BTreeMap<usize, Scope>> {
    let mut scopes: BTreeMap<usize, Scope> = BTreeMap::new();
    for &(ia, ib) in meetings.keys() {
        for t in [ia, ib] {
            if let std::collections::btree_map::Entry::Vacant(slot) = scopes.entry(t) {
                // A stored scope that no longer parses (edited by hand) counts as everything.
                let scope = Scope::new(&inputs[t].scope).or_else(|_| Scope::new(&[]))?;
                slot.insert(scope);
            }
        }
    }
    Ok(scopes)
}

/// The verdicts known without a merge: none for a pair of which a track does not merge
/// cleanly by itself, clean for a pair whose shared changes do not differ, else the
/// cache's; and the pairs left to merge, with their cache keys.
fn known_verdicts(
    inputs: &[Input],
    effects: &[Effect],
    judged: &[JudgedPair],
    cache: &mut Cache,
) -> (Vec<Option<Verdict>>, Vec<(usize, String)>) {
    let mut verdicts: Vec<Option<Verdict>> = vec![None; judged.len()];
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
        let key = format!("{} {}", key(&inputs[*ia]), key(&inputs[*ib]));
        match cache.pair(&key) {
            Some(v) => verdicts[n] = Some(v),
            None => todo.push((n, key)),
        }
    }
    (verdicts, todo)
}

/// git (merge.directoryRenames=conflict) stops on an addition its directory-rename
/// detection moves; gix's merge does not always see it: such an addition, where one
/// track adds to a folder the other renames away, makes the pair conflict.
fn add_directory_rename_conflicts(
    verdict: &mut Verdict,
    meetings: &[Meeting],
    a: &Effect,
    b: &Effect,
) {
    for m in meetings {
        let compare::Met::EmptiedFolder { folder } = &m.how else {
            continue;
        };
        let adder_is_a = a.changes[m.a].path == m.path;
        let emptier = if adder_is_a { b } else { a };
        if compare::renames_folder(emptier, folder) {
            verdict.conflict = true;
            if !verdict.paths.contains(&m.path) {
                verdict.paths.push(m.path.clone());
                verdict.paths.sort();
            }
        }
    }
}

/// The pairs as reported, each a finding or not at `level`.
fn pairs(
    inputs: &[Input],
    judged: Vec<JudgedPair>,
    verdicts: Vec<Option<Verdict>>,
    level: Level,
) -> Vec<Pair> {
    judged
        .into_iter()
        .zip(verdicts)
        .map(|(((ia, ib), j), verdict)| {
            let conflict = verdict.as_ref().map(|v| v.conflict);
            let found = match level {
                Level::Files => !j.files.is_empty(),
                Level::Hunks => j.found_at_hunks(),
                Level::Conflicts => conflict == Some(true),
            };
            Pair {
                a: inputs[ia].name.clone(),
                b: inputs[ib].name.clone(),
                files: j.files,
                hunks: j.hunks,
                unjudged: j.unjudged,
                conflict,
                conflict_paths: verdict.map(|v| v.paths).unwrap_or_default(),
                found,
            }
        })
        .collect()
}

/// What each track brings, as reported.
fn track_reports(inputs: &[Input], effects: &[Effect]) -> Vec<TrackReport> {
    inputs
        .iter()
        .zip(effects)
        .map(|(input, e)| TrackReport {
            name: input.name.clone(),
            tip: input.tip.to_string(),
            merges_cleanly: e.clean,
            paths: e.conflicts.clone(),
            merged: e.merged,
            changed: e.changes.len(),
            compared_by: e.basis,
            worktree: input.worktree,
            tip_from: input.tip_from.clone(),
        })
        .collect()
}

/// How many commits back a moved tip is followed to find the merges bases it had.
const CHAIN: usize = 16;

/// The merge bases of a merge of a track whose tip moved on, when the cache holds them
/// for one of its earlier tips: for a track's merge into the integration tip, `a` is the
/// track's [`IntegrationContext::chain`] (and `b` empty); for a pair's ordered merge, the chains of
/// A and B.
///
/// New commits on top of a tip T, one parent each, change no merge base while T itself
/// is no ancestor of the other side: then none of them is either, so the common
/// ancestors of the two sides are the ones they had. T is an ancestor of the other side
/// exactly when T was one of the merge bases (of the integration tip and T; or, for a
/// pair, of "A merged into the integration tip" and B, where that holds for A and B
/// alike). Only a single merge base is reused: several go to git, which finds its own.
fn known_bases(cache: &Cache, a: &[ObjectId], b: &[ObjectId]) -> Option<Vec<ObjectId>> {
    let single = |key: String, tips: &[ObjectId]| {
        cache
            .bases(&key)
            .filter(|bases| bases.len() == 1 && !tips.contains(&bases[0]))
    };
    if b.is_empty() {
        return a.iter().find_map(|t| single(t.to_string(), &[*t]));
    }
    a.iter().find_map(|ta| {
        b.iter()
            .find_map(|tb| single(format!("{ta} {tb}"), &[*ta, *tb]))
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn take<T: Default>(m: Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
