//! The engine: effective changes of every track (from the cache or computed on all
//! cores), then pairs compared level by level.
//!
//! [`IntegrationContext`] holds what every step shares (the repository reading the object
//! database and writing to memory, the integration tip, the merge settings); its steps
//! live in the submodules: `effects` (each track's effective change), `bases` (the merge
//! bases a moved tip had), `meetings` (where pairs meet, files and lines), `verdicts`
//! (pairs' ordered merges), `cores` (spreading merges over the cores) and
//! `virtual_bases` (merges on git's virtual merge bases, on all cores).

mod bases;
mod cores;
mod effects;
mod meetings;
mod verdicts;
mod virtual_bases;

use super::cache::{Cache, Verdict};
use super::compare::{self, Meeting};
use super::effect::{Effect, Worker, commit_tree};
use super::{Input, Integration, Level, MergeVerdict, Pair, Report, TrackReport};
use crate::merge::verdict::Judge;
use crate::progress::Progress;
use crate::repo::Repo;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::odb::memory::Storage;
use meetings::judge_pairs;
use std::collections::{BTreeMap, HashMap};

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
    /// The judge that settles the run's merges with git, kept from one batch to the next
    /// so that git merges each text once (see [`IntegrationContext::finish_with`]).
    finisher: Option<Judge>,
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
            finisher: None,
        })
    }

    /// `f` with a worker on the main repository that settles with the run's one judge.
    fn finish_with<R>(&mut self, f: impl FnOnce(&mut Worker<'_>) -> Result<R>) -> Result<R> {
        let judge = self
            .finisher
            .take()
            .unwrap_or_else(|| Judge::new(&self.main));
        let mut worker = Worker::with_judge(&self.main, self.tree_options.clone(), judge)?;
        let out = f(&mut worker);
        self.finisher = Some(worker.into_judge());
        out
    }

    /// Snapshots a worktree's uncommitted work into memory; `None` when it has none.
    pub fn snapshot_worktree(&mut self, path: &std::path::Path) -> Result<Option<ObjectId>> {
        let Some((commit, storage)) = super::snapshot::take(path)? else {
            return Ok(None);
        };
        self.absorb(storage);
        Ok(Some(commit))
    }

    /// Moves the objects of `storage` into the main repository's memory (those it has
    /// already, a helper's seed, are dropped).
    fn absorb(&mut self, mut storage: Storage) {
        let mut mine = self.main.objects.take_object_memory().unwrap_or_default();
        for (id, object) in storage.drain() {
            mine.entry(id).or_insert(object);
        }
        self.main.objects.set_object_memory(mine);
    }

    /// A copy of the objects made in memory so far.
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
}

/// Where pairs of tracks (by index, `a < b`) meet.
type Meetings = BTreeMap<(usize, usize), Vec<Meeting>>;

/// A pair of tracks (by index) and what their meeting comes to, before any merge.
type JudgedPair = ((usize, usize), compare::Judged);

/// The cache's key of a track's effective change: its tip.
fn key(input: &Input) -> String {
    input.tip.to_string()
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
