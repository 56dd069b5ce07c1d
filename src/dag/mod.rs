//! The commit graph of one process: each commit's parents, date and generation, read
//! from the object database (or the commit-graph file) once, however many merge-base
//! searches, ancestry tests and ahead/behind counts the command makes.
//!
//! Without a commit-graph file a walk over history inflates every commit it passes; a
//! command asking about 65 tracks used to pay that 65 times over (and `status` twice more
//! per track). Here every walk runs over the same in-memory nodes: the first walk reads
//! the commits, the others only follow indices.
//!
//! The walks are git's: commits are visited newest first (by generation number when the
//! commit-graph gives one, else by commit date), and a walk ends when every commit still
//! queued is known to be reachable from both sides ("stale"), as git's
//! `paint_down_to_common` does. Like git, a walk trusts commit dates when there are no
//! generation numbers.

use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use ahead::ReadAhead;

mod ahead;
mod bases;
pub mod contained_cache;
mod counts;
pub mod own_graph;

/// The commit-graph walks read: the repository's, or else git-track's own
/// ([`own_graph`]), when there is one.
pub fn commit_graph(repo: &gix::Repository) -> Result<Option<gix::commitgraph::Graph>> {
    Ok(match repo.commit_graph_if_enabled()? {
        Some(graph) => Some(graph),
        None => own_graph::open(repo),
    })
}

/// Commit-graphs up to this many commits are [`prefault`]ed: git.git's (80,000 commits,
/// 5 MB) is read all over by a fork point's walk of a few hundred commits, since ids and
/// records are stored in id order; in a much larger graph a walk touches a small part.
const PREFAULT_UP_TO: u32 = 250_000;

/// Reads a little of each page of `graph`'s id table and commit records, for a helper
/// thread while the thread that walks next does other work: the walk then finds the
/// pages mapped instead of taking a page fault for each (half a fork point's time in a
/// clone of git.git). Does nothing for a graph over [`PREFAULT_UP_TO`] commits.
pub fn prefault(graph: &gix::commitgraph::Graph) {
    use gix::commitgraph::Position;
    let n = graph.num_commits();
    if n > PREFAULT_UP_TO {
        return;
    }
    let mut sum = 0u64;
    // An id is 20 or 32 bytes, a record at least 36: these steps read every 4 KB page.
    for p in (0..n).step_by(128) {
        sum = sum.wrapping_add(u64::from(graph.id_at(Position(p)).as_bytes()[0]));
    }
    for p in (0..n).step_by(64) {
        let c = graph.commit_at(Position(p));
        sum = sum.wrapping_add(u64::from(c.generation()) ^ c.committer_timestamp());
    }
    std::hint::black_box(sum);
}

/// Commit `id` of `graph`, read at `pos` when the id there is `id`, else found by id.
fn graph_commit(
    graph: &gix::commitgraph::Graph,
    id: ObjectId,
    pos: u32,
) -> Option<gix::commitgraph::file::Commit<'_>> {
    let at = gix::commitgraph::Position(pos);
    if pos < graph.num_commits() && graph.id_at(at) == id {
        return Some(graph.commit_at(at));
    }
    graph.commit_by_id(id)
}

/// Can a commit's parents be other than the commit says: a shallow clone (whose cut moves
/// with each fetch), grafts, replacement refs? Then what was learned of history is not
/// kept from one command to the next.
pub fn parents_rewritten(repo: &gix::Repository) -> bool {
    let shallow = !matches!(repo.shallow_commits(), Ok(None));
    let grafts = repo.common_dir().join("info").join("grafts").exists();
    let replaced = repo
        .references()
        .ok()
        .and_then(|r| {
            r.prefixed("refs/replace/")
                .ok()
                .map(|mut i| i.next().is_some())
        })
        .unwrap_or(true);
    shallow || grafts || replaced
}

/// Where commits are read from: a repository (possibly an in-memory overlay of one), and
/// its commit-graph file when there is one.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub repo: &'a gix::Repository,
    pub commit_graph: Option<&'a gix::commitgraph::Graph>,
}

/// The shared graph; clones share the same nodes.
#[derive(Clone, Default)]
pub struct Dag {
    nodes: Arc<Mutex<Nodes>>,
}

/// Generation of a commit the commit-graph does not know (git's
/// `GENERATION_NUMBER_INFINITY`): walked before every commit with a known one.
const UNKNOWN_GENERATION: u32 = u32::MAX;

/// A node whose place in the commit-graph is not known.
const NO_POSITION: u32 = u32::MAX;

struct Node {
    id: ObjectId,
    /// `None` until the commit has been read.
    parents: Option<Box<[u32]>>,
    generation: u32,
    time: i64,
    /// Where a commit-graph's parent entry said the commit is, as git keeps a commit's
    /// `graph_pos`: reading the commit there spares the search of the graph's id table by
    /// id, a dozen cache misses in a large graph. Only a hint, checked against the id
    /// there, since walks may read from another commit-graph than the one it came from.
    graph_pos: u32,
}

#[derive(Default)]
struct Nodes {
    /// By id, hashed by the id's first bytes (ids are uniformly spread): a walk interns
    /// every commit it passes, and SipHash over 20 bytes was a visible part of a `new`.
    index: gix::hashtable::HashMap<ObjectId, u32>,
    nodes: Vec<Node>,
    /// The walk's marks, by node; every walk clears the ones it set.
    flags: Vec<u8>,
    touched: Vec<u32>,
    /// Commits whose parents a shallow clone cut off (read once).
    shallow: Option<gix::hashtable::HashSet<ObjectId>>,
    /// How many commits were read from the object database (not a commit-graph).
    inflated: usize,
    buf: Vec<u8>,
    /// Reads commits ahead of a long walk (see [`ahead`]), once started.
    ahead: Option<ReadAhead>,
    ahead_tried: bool,
    /// After how many commits read it starts (tests start it at once).
    read_ahead_after: Option<usize>,
}

const ONE: u8 = 1;
const TWO: u8 = 2;
const STALE: u8 = 4;
const RESULT: u8 = 8;
const QUEUED: u8 = 16;

impl Dag {
    /// The best common ancestors of `a` and `b`, best first (git's `merge-base --all`
    /// order: none is an ancestor of another).
    pub fn merge_bases(&self, src: Source<'_>, a: ObjectId, b: ObjectId) -> Result<Vec<ObjectId>> {
        let mut nodes = self.lock()?;
        let (ia, ib) = (nodes.intern(a), nodes.intern(b));
        nodes.load(src, ia)?;
        nodes.load(src, ib)?;
        if a == b {
            return Ok(vec![a]);
        }
        let mut candidates =
            nodes.paint_down_to_common(src, ia, ib, Walk::Candidates, |_, _, _| false)?;
        // A candidate painted stale is an ancestor of another one.
        candidates.retain(|&c| nodes.flags[c as usize] & STALE == 0);
        nodes.best_of(src, &candidates)
    }

    /// [`Self::merge_bases`] of each of `tips` with `base`, in one walk for up to 128 tips
    /// (see [`bases`]) rather than one each.
    pub fn merge_bases_many(
        &self,
        src: Source<'_>,
        tips: &[ObjectId],
        base: ObjectId,
    ) -> Result<Vec<Vec<ObjectId>>> {
        let mut nodes = self.lock()?;
        let tips: Vec<u32> = tips.iter().map(|&t| nodes.intern(t)).collect();
        let base = nodes.intern(base);
        let candidates = nodes.candidates_many(src, &tips, base)?;
        candidates.iter().map(|c| nodes.best_of(src, c)).collect()
    }

    /// The best common ancestor of `a` and `b` (git's `merge-base`), if they have one.
    pub fn merge_base(
        &self,
        src: Source<'_>,
        a: ObjectId,
        b: ObjectId,
    ) -> Result<Option<ObjectId>> {
        Ok(self.merge_bases(src, a, b)?.into_iter().next())
    }

    /// Is `ancestor` reachable from `descendant` (or equal to it)?
    pub fn is_ancestor(
        &self,
        src: Source<'_>,
        ancestor: ObjectId,
        descendant: ObjectId,
    ) -> Result<bool> {
        let mut nodes = self.lock()?;
        let (ia, id) = (nodes.intern(ancestor), nodes.intern(descendant));
        nodes.load(src, ia)?;
        nodes.load(src, id)?;
        nodes.reaches(src, id, ia)
    }

    /// Which of `tips` are reachable from `descendant` (or equal to it), in one walk down
    /// from `descendant`, however many tips there are. With generation numbers the answer
    /// is exact. Without, the walk stops a few commits ([`SLOP`]) after its queue holds
    /// nothing dated after the oldest tip not found yet, as git's revision walks do: a
    /// commit dated before the tip it descends from (clock skew) can make a contained tip
    /// look not contained, never the reverse.
    pub fn contained(
        &self,
        src: Source<'_>,
        tips: &[ObjectId],
        descendant: ObjectId,
    ) -> Result<Vec<bool>> {
        let mut nodes = self.lock()?;
        let from = nodes.intern(descendant);
        nodes.load(src, from)?;
        let mut wanted: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, tip) in tips.iter().enumerate() {
            let n = nodes.intern(*tip);
            // A tip that is not a readable commit (a branch set by hand to a blob, or to
            // an object that is gone) is in no history: not contained, and no reason to
            // fail the question for the others.
            if nodes.load(src, n).is_ok() {
                wanted.entry(n).or_default().push(i);
            }
        }
        let found = nodes.reach_many(src, from, wanted)?;
        nodes.clear();
        let mut answer = vec![false; tips.len()];
        for i in found {
            answer[i] = true;
        }
        Ok(answer)
    }

    /// The commits of `tip`'s first-parent chain that `hidden` cannot reach, newest first
    /// (`git rev-list --first-parent hidden..tip`), from one merge-base walk of the two.
    /// That walk paints every commit it visits with the sides that reach it, and goes on
    /// while a queued commit is reached by one side only: so every chain commit `hidden`
    /// does not reach is visited and painted by `tip` alone, and the chain ends at the
    /// first commit painted by both (or left unvisited below them).
    pub fn first_parent_range(
        &self,
        src: Source<'_>,
        hidden: ObjectId,
        tip: ObjectId,
    ) -> Result<Vec<ObjectId>> {
        let mut nodes = self.lock()?;
        let (it, ih) = (nodes.intern(tip), nodes.intern(hidden));
        nodes.load(src, it)?;
        nodes.load(src, ih)?;
        if it == ih {
            return Ok(Vec::new());
        }
        if let Some(chain) = nodes.first_parents_down_to(src, it, ih)? {
            return Ok(chain);
        }
        nodes.paint_down_to_common(src, it, ih, Walk::MergeBases, |_, _, _| false)?;
        let mut chain = Vec::new();
        let mut at = Some(it);
        while let Some(n) = at {
            if nodes.flags[n as usize] & (ONE | TWO) != ONE {
                break;
            }
            nodes.load(src, n)?;
            let node = &nodes.nodes[n as usize];
            chain.push(node.id);
            at = node.parents.as_ref().and_then(|p| p.first().copied());
        }
        nodes.clear();
        Ok(chain)
    }

    /// How many commits `a` has that `b` has not, and `b` has that `a` has not
    /// (`git rev-list --count --left-right a...b`).
    pub fn ahead_behind(
        &self,
        src: Source<'_>,
        a: ObjectId,
        b: ObjectId,
    ) -> Result<(usize, usize)> {
        Ok(self
            .ahead_behind_many(src, &[a], b)?
            .first()
            .copied()
            .unwrap_or_default())
    }

    /// [`Self::ahead_behind`] of each of `tips` against `base`, in one walk however many
    /// tips there are.
    pub fn ahead_behind_many(
        &self,
        src: Source<'_>,
        tips: &[ObjectId],
        base: ObjectId,
    ) -> Result<Vec<(usize, usize)>> {
        let mut nodes = self.lock()?;
        let tips: Vec<u32> = tips.iter().map(|&t| nodes.intern(t)).collect();
        let base = nodes.intern(base);
        nodes.ahead_behind_many(src, &tips, base)
    }

    /// How many commits this process read from the object database rather than from a
    /// commit-graph (see [`own_graph::refresh_after`]).
    pub fn commits_inflated(&self) -> usize {
        self.nodes.lock().map_or(0, |n| n.inflated)
    }

    /// Reads commits ahead of walks once `commits` have been read (for tests: the
    /// default waits for walks long enough to gain from it).
    #[doc(hidden)]
    pub fn read_ahead_after(&self, commits: usize) {
        if let Ok(mut nodes) = self.nodes.lock() {
            nodes.read_ahead_after = Some(commits);
        }
    }

    /// The graph, for one walk (every walk begins here).
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Nodes>> {
        let nodes = self
            .nodes
            .lock()
            .map_err(|_| anyhow!("the commit graph was left inconsistent by a failed walk"))?;
        if let Some(ahead) = &nodes.ahead {
            ahead.new_walk();
        }
        Ok(nodes)
    }
}

/// What a walk is for. A merge-base walk ends as git's does, when every queued commit is
/// common. A walk for merge-base candidates, by generation numbers, ends sooner: when no
/// queued commit that is not common carries one of the two sides' paint, no commit can be
/// painted by both any more, so no candidate is left to find. git walks on to mark the
/// candidates that are ancestors of others, down to the oldest fork point of any branch
/// merged on one side (on git.git, nearly all of history); here [`Dag::merge_bases`]
/// tests the few candidates against each other instead, exactly with generation numbers.
/// By dates alone the walk is git's, whose answer under clock skew the redundancy tests
/// would not reproduce.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    MergeBases,
    Candidates,
}

/// The queued commits not stale, all of them and those painted by each side.
#[derive(Default)]
struct Live {
    all: usize,
    one: usize,
    two: usize,
}

impl Live {
    /// Counts (or, with `sign` false, uncounts) a queued commit painted `flags`.
    fn count(&mut self, flags: u8, sign: bool) {
        if flags & STALE != 0 {
            return;
        }
        let step = |n: &mut usize, on: bool| {
            if on {
                *n = if sign { *n + 1 } else { n.saturating_sub(1) };
            }
        };
        step(&mut self.all, true);
        step(&mut self.one, flags & ONE != 0);
        step(&mut self.two, flags & TWO != 0);
    }
}

/// How many commits a counting or containment walk takes past the point where dates say
/// it is done (git's `rev-list` takes as many), for skew the dates do not show: without
/// generation numbers a commit dated before its parent can make the walk see a common
/// commit before learning it is common, and its paint is mended only by walking on.
const SLOP: u8 = 5;

/// A queued commit: newest first, by generation then date.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    generation: u32,
    time: i64,
    node: u32,
}

impl Nodes {
    fn intern(&mut self, id: ObjectId) -> u32 {
        if let Some(&i) = self.index.get(&id) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push(Node {
            id,
            parents: None,
            generation: UNKNOWN_GENERATION,
            time: 0,
            graph_pos: NO_POSITION,
        });
        self.flags.push(0);
        self.index.insert(id, i);
        i
    }

    /// The first-parent chain of `tip` down to `hidden`, when it gets there: an
    /// integration branch built on its base reaches the base itself. None of the commits
    /// above `hidden` can be reachable from it (they descend from it), so they are
    /// `hidden..tip` of the chain, found without the walk of everything `hidden` reaches
    /// (which, for a topic forked years ago, goes back years). Followed only while the
    /// chain is not older than `hidden` (by commit time, with a day for skewed clocks);
    /// `None` when it stops without meeting `hidden`.
    fn first_parents_down_to(
        &mut self,
        src: Source<'_>,
        tip: u32,
        hidden: u32,
    ) -> Result<Option<Vec<ObjectId>>> {
        const SKEW: i64 = 24 * 60 * 60;
        let oldest = self.nodes[hidden as usize].time - SKEW;
        let mut chain = Vec::new();
        let mut at = tip;
        while at != hidden {
            self.load(src, at)?;
            let node = &self.nodes[at as usize];
            if node.time < oldest {
                return Ok(None);
            }
            chain.push(node.id);
            match node.parents.as_ref().and_then(|p| p.first().copied()) {
                Some(parent) => at = parent,
                None => return Ok(None),
            }
        }
        Ok(Some(chain))
    }

    /// Reads commit `n` (its parents, date and generation) if not read yet.
    fn load(&mut self, src: Source<'_>, n: u32) -> Result<()> {
        if self.nodes[n as usize].parents.is_some() {
            return Ok(());
        }
        let Node { id, graph_pos, .. } = self.nodes[n as usize];
        let (parent_ids, generation, time) = match src
            .commit_graph
            .and_then(|g| graph_commit(g, id, graph_pos).map(|c| (g, c)))
        {
            Some((graph, commit)) => {
                let mut parents = Vec::new();
                for p in commit.iter_parents() {
                    let pos =
                        p.with_context(|| format!("the commit-graph entry of {id} is corrupt"))?;
                    parents.push((graph.id_at(pos).to_owned(), pos.0));
                }
                let generation = match commit.generation() {
                    0 => UNKNOWN_GENERATION,
                    g => g,
                };
                (parents, generation, commit.committer_timestamp() as i64)
            }
            None => {
                self.inflated += 1;
                let commit = match self.ahead.as_ref().and_then(|a| a.take(id)) {
                    Some(commit) => commit,
                    None => ahead::read_commit(&src.repo.objects, &id, &mut self.buf)?,
                };
                let after = self.read_ahead_after.unwrap_or(ahead::AFTER);
                if !self.ahead_tried && self.inflated >= after {
                    self.ahead_tried = true;
                    self.ahead = ReadAhead::start(src.repo);
                }
                if let Some(ahead) = &self.ahead {
                    ahead.want(commit.parents.iter().copied().filter(|p| {
                        self.index
                            .get(p)
                            .is_none_or(|&n| self.nodes[n as usize].parents.is_none())
                    }));
                }
                let parents = commit.parents.into_iter().map(|p| (p, NO_POSITION));
                (parents.collect(), UNKNOWN_GENERATION, commit.time)
            }
        };
        let parent_ids = if !parent_ids.is_empty() && self.is_shallow(src, id)? {
            Vec::new()
        } else {
            parent_ids
        };
        let parents: Box<[u32]> = parent_ids
            .into_iter()
            .map(|(p, pos)| {
                let i = self.intern(p);
                if pos != NO_POSITION {
                    self.nodes[i as usize].graph_pos = pos;
                }
                i
            })
            .collect();
        let node = &mut self.nodes[n as usize];
        node.parents = Some(parents);
        node.generation = generation;
        node.time = time;
        Ok(())
    }

    /// Reads commit `n` if not read yet and says how many parents it has.
    fn parent_count(&mut self, src: Source<'_>, n: u32) -> Result<usize> {
        self.load(src, n)?;
        Ok(self.nodes[n as usize]
            .parents
            .as_ref()
            .map_or(0, |p| p.len()))
    }

    /// The `k`-th parent of `n`, which [`Self::parent_count`] has read.
    fn parent(&self, n: u32, k: usize) -> u32 {
        self.nodes[n as usize].parents.as_ref().map_or(0, |p| p[k])
    }

    fn is_shallow(&mut self, src: Source<'_>, id: ObjectId) -> Result<bool> {
        if self.shallow.is_none() {
            let commits = src
                .repo
                .shallow_commits()
                .context("could not read the list of shallow commits")?;
            self.shallow = Some(
                commits
                    .map(|c| c.iter().copied().collect())
                    .unwrap_or_default(),
            );
        }
        Ok(self.shallow.as_ref().is_some_and(|s| s.contains(&id)))
    }

    /// The candidates that are no other's ancestor, as ids, in the order given.
    fn best_of(&mut self, src: Source<'_>, candidates: &[u32]) -> Result<Vec<ObjectId>> {
        let mut bases = Vec::with_capacity(candidates.len());
        for (i, &c) in candidates.iter().enumerate() {
            let mut redundant = false;
            for (j, &other) in candidates.iter().enumerate() {
                if i != j && self.reaches(src, other, c)? {
                    redundant = true;
                    break;
                }
            }
            if !redundant {
                bases.push(self.nodes[c as usize].id);
            }
        }
        Ok(bases)
    }

    fn queued(&self, n: u32) -> Queued {
        let node = &self.nodes[n as usize];
        Queued {
            generation: node.generation,
            time: node.time,
            node: n,
        }
    }

    fn mark(&mut self, n: u32, flags: u8) {
        let f = &mut self.flags[n as usize];
        if *f == 0 {
            self.touched.push(n);
        }
        *f |= flags;
    }

    fn clear(&mut self) {
        for n in self.touched.drain(..) {
            self.flags[n as usize] = 0;
        }
    }

    /// git's `paint_down_to_common`: paints `one`'s ancestors ONE and `two`'s TWO, newest
    /// first, until every queued commit is painted both (stale); returns the commits
    /// first painted both, in the order found (candidates for merge bases). `stop` ends
    /// the walk early when it returns true for a commit being visited. Leaves the marks
    /// for the caller to read; the next walk clears them.
    fn paint_down_to_common(
        &mut self,
        src: Source<'_>,
        one: u32,
        two: u32,
        walk: Walk,
        mut stop: impl FnMut(u32, u8, u32) -> bool,
    ) -> Result<Vec<u32>> {
        self.clear();
        let mut queue = BinaryHeap::new();
        // Queued commits not yet known to be common: the walk ends when none is left.
        let mut live = Live::default();
        for (n, side) in [(one, ONE), (two, TWO)] {
            self.mark(n, side | QUEUED);
            queue.push(self.queued(n));
            live.count(side, true);
        }
        let mut found = Vec::new();
        let go_on = |queue: &BinaryHeap<Queued>, live: &Live| {
            let Some(top) = queue.peek() else {
                return false;
            };
            if walk == Walk::Candidates && top.generation != UNKNOWN_GENERATION {
                return live.one > 0 && live.two > 0;
            }
            live.all > 0
        };
        while go_on(&queue, &live) {
            let Some(Queued {
                node: n,
                generation,
                ..
            }) = queue.pop()
            else {
                break;
            };
            let f = self.flags[n as usize];
            self.flags[n as usize] &= !QUEUED;
            let mut paint = f & (ONE | TWO | STALE);
            live.count(paint, false);
            if stop(n, paint, generation) {
                break;
            }
            if paint == ONE | TWO {
                if f & RESULT == 0 {
                    self.mark(n, RESULT);
                    found.push(n);
                }
                paint |= STALE;
            }
            self.paint_parents(src, n, paint, &mut queue, &mut live)?;
        }
        Ok(found)
    }

    /// One step of [`Self::paint_down_to_common`]: paints `n`'s parents with `paint`,
    /// queueing those not queued yet; `live` counts the queued commits not stale.
    fn paint_parents(
        &mut self,
        src: Source<'_>,
        n: u32,
        paint: u8,
        queue: &mut BinaryHeap<Queued>,
        live: &mut Live,
    ) -> Result<()> {
        for k in 0..self.parent_count(src, n)? {
            let p = self.parent(n, k);
            let pf = self.flags[p as usize];
            if pf & paint == paint {
                continue;
            }
            if pf & QUEUED != 0 {
                // Already queued: it may turn stale, or gain the other side's paint.
                live.count(pf, false);
                live.count(pf | paint, true);
                self.mark(p, paint);
            } else {
                self.load(src, p)?;
                self.mark(p, paint | QUEUED);
                live.count(pf | paint, true);
                queue.push(self.queued(p));
            }
        }
        Ok(())
    }

    /// The indices of the wanted commits reachable from `from` (see [`Dag::contained`]).
    fn reach_many(
        &mut self,
        src: Source<'_>,
        from: u32,
        mut wanted: HashMap<u32, Vec<usize>>,
    ) -> Result<Vec<usize>> {
        self.clear();
        let mut found = Vec::new();
        // The tips not found yet, oldest last.
        let mut pending: Vec<(u32, i64, u32)> = wanted
            .keys()
            .map(|&n| {
                let node = &self.nodes[n as usize];
                (node.generation, node.time, n)
            })
            .collect();
        pending.sort_unstable_by(|a, b| b.cmp(a));
        let mut queue = BinaryHeap::new();
        self.mark(from, ONE | QUEUED);
        found.extend(wanted.remove(&from).unwrap_or_default());
        queue.push(self.queued(from));
        let mut slop = SLOP;
        while let Some(top) = queue.peek() {
            while pending
                .last()
                .is_some_and(|&(_, _, n)| !wanted.contains_key(&n))
            {
                pending.pop();
            }
            let Some(&(generation, time, _)) = pending.last() else {
                break;
            };
            if (top.generation, top.time) < (generation, time) {
                // Nothing queued is newer than the oldest tip left: with generation
                // numbers none can reach it; by dates, a few more commits for skew.
                if top.generation != UNKNOWN_GENERATION {
                    break;
                }
                slop = slop.saturating_sub(1);
                if slop == 0 {
                    break;
                }
            } else {
                slop = SLOP;
            }
            let Some(Queued { node: n, .. }) = queue.pop() else {
                break;
            };
            for k in 0..self.parent_count(src, n)? {
                let p = self.parent(n, k);
                if self.flags[p as usize] & ONE == 0 {
                    self.load(src, p)?;
                    self.mark(p, ONE | QUEUED);
                    found.extend(wanted.remove(&p).unwrap_or_default());
                    queue.push(self.queued(p));
                }
            }
        }
        Ok(found)
    }

    /// Is `target` reachable from `from`? git's `in_merge_bases`: paint both down until
    /// `from`'s paint reaches `target` or nothing but common commits is left; with
    /// generation numbers, nothing below `target`'s generation can reach it.
    fn reaches(&mut self, src: Source<'_>, from: u32, target: u32) -> Result<bool> {
        if from == target {
            return Ok(true);
        }
        let floor = self.nodes[target as usize].generation;
        if floor != UNKNOWN_GENERATION && floor >= self.nodes[from as usize].generation {
            return Ok(false);
        }
        self.paint_down_to_common(
            src,
            from,
            target,
            Walk::MergeBases,
            |n, paint, generation| {
                (n == target && paint & ONE != 0)
                    || (floor != UNKNOWN_GENERATION && generation < floor)
            },
        )?;
        let reached = self.flags[target as usize] & ONE != 0;
        self.clear();
        Ok(reached)
    }
}
