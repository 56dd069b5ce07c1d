//! The dependency graph of the tracks, its critical path and its width.
//!
//! Only unfinished tracks make up the plan: a track that is done, cancelled or archived,
//! or whose work is already in the integration branch, constrains nothing. The critical
//! path is the heaviest chain of unfinished tracks (each weighing its `estimate`, 1 when
//! absent); the width is the largest set of unfinished tracks no two of which depend on
//! each other, directly or not — how many could usefully run at once. By Dilworth's
//! theorem it equals the number of tracks minus a maximum matching in the bipartite
//! graph of "must come before" (the transitive closure), and König's theorem turns that
//! matching into the set itself.

use crate::deps;
use crate::repo::Repo;
use crate::store::Listing;
use crate::track::{Kind, Status};
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Tracks that depend on each other in a circle, in order, the first repeated last.
#[derive(Debug, thiserror::Error)]
#[error("dependency cycle: {}", cycle.join(" -> "))]
pub struct Cycle {
    pub cycle: Vec<String>,
}

/// One track in the graph.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    pub status: Status,
    pub kind: Kind,
    pub owner: Option<String>,
    pub experiment: Option<String>,
    /// The recorded estimate, if any.
    pub estimate: Option<f64>,
    /// The estimate, 1 when absent.
    pub weight: f64,
    pub depends_on: Vec<String>,
    /// Is the branch tip contained in the integration branch?
    pub merged: bool,
    /// Still part of the plan: not done, cancelled or archived, and not merged.
    pub unfinished: bool,
    /// On the critical path.
    pub critical: bool,
}

/// A dependency: `from` must be merged before `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CriticalPath {
    /// From the first track to start to the last to finish.
    pub tracks: Vec<String>,
    /// The sum of their weights.
    pub length: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Parallelism {
    /// The largest number of unfinished tracks that can run at the same time.
    pub width: usize,
    /// One such set of tracks, by name.
    pub tracks: Vec<String>,
}

/// A dependency on a track that has no definition.
#[derive(Debug, Clone, Serialize)]
pub struct Missing {
    pub track: String,
    pub depends_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    /// The integration branch "merged" refers to.
    pub integration: String,
    /// Every track, dependencies before the tracks that need them (ties by name).
    pub tracks: Vec<Node>,
    pub edges: Vec<Edge>,
    pub critical_path: CriticalPath,
    pub parallelism: Parallelism,
    pub missing: Vec<Missing>,
}

/// The graph of every track in `listing`, judged against the integration branch.
pub fn build(repo: &Repo, listing: &Listing) -> Result<Graph> {
    let (integration, tip) = crate::overlap::integration(repo)?;
    let integration_tip = integration.exists.then_some(tip);
    let mut nodes = Vec::with_capacity(listing.tracks.len());
    for s in &listing.tracks {
        let t = &s.track;
        let merged = super::is_merged(repo, t, integration_tip)?;
        nodes.push(Node {
            name: t.name.clone(),
            status: t.status,
            kind: t.kind,
            owner: t.owner.clone(),
            experiment: t.experiment.clone(),
            estimate: t.estimate,
            weight: t.weight(),
            depends_on: t.depends_on.clone(),
            merged,
            unfinished: !t.is_finished() && !merged,
            critical: false,
        });
    }
    let mut graph = from_nodes(nodes)?;
    graph.integration = integration.branch;
    Ok(graph)
}

/// Orders `nodes`, finds edges, the critical path and the width. Refuses a cycle.
pub fn from_nodes(nodes: Vec<Node>) -> Result<Graph> {
    let names: BTreeSet<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    let mut missing = Vec::new();
    let mut edges = Vec::new();
    for n in &nodes {
        for d in &n.depends_on {
            if names.contains(d.as_str()) {
                edges.push(Edge {
                    from: d.clone(),
                    to: n.name.clone(),
                });
            } else {
                missing.push(Missing {
                    track: n.name.clone(),
                    depends_on: d.clone(),
                });
            }
        }
    }
    let dep_graph: deps::Graph<'_> = nodes
        .iter()
        .map(|n| {
            (
                n.name.as_str(),
                n.depends_on
                    .iter()
                    .map(String::as_str)
                    .filter(|d| names.contains(d))
                    .collect(),
            )
        })
        .collect();
    let all: Vec<&str> = names.iter().copied().collect();
    let order: Vec<String> = deps::order(&all, &dep_graph, |_| ())
        .map_err(|cycle| Cycle { cycle })?
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut by_name: BTreeMap<String, Node> =
        nodes.into_iter().map(|n| (n.name.clone(), n)).collect();
    let mut ordered: Vec<Node> = order.iter().filter_map(|n| by_name.remove(n)).collect();

    let (critical_path, parallelism) = analyze(&ordered);
    for n in &mut ordered {
        n.critical = critical_path.tracks.contains(&n.name);
    }
    edges.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    Ok(Graph {
        integration: String::new(),
        tracks: ordered,
        edges,
        critical_path,
        parallelism,
        missing,
    })
}

/// Two sums of weights this close are equal (estimates are decimal fractions).
const EPSILON: f64 = 1e-9;

/// The critical path and the width of the unfinished part of `ordered` (dependencies
/// first). Ties go to the name that sorts first, so the answer is stable.
pub fn analyze(ordered: &[Node]) -> (CriticalPath, Parallelism) {
    let live: Vec<&Node> = ordered.iter().filter(|n| n.unfinished).collect();
    let index: BTreeMap<&str, usize> = live
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    // preds[i]: the unfinished tracks i depends on directly.
    let preds: Vec<Vec<usize>> = live
        .iter()
        .map(|n| {
            let mut p: Vec<usize> = n
                .depends_on
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect();
            p.sort_unstable();
            p.dedup();
            p
        })
        .collect();
    (critical_path(&live, &preds), width(&live, &preds))
}

fn critical_path(live: &[&Node], preds: &[Vec<usize>]) -> CriticalPath {
    // `live` is in dependency order, so every predecessor is settled before its tracks.
    let n = live.len();
    let mut best = vec![0.0f64; n];
    let mut from: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let mut choice: Option<usize> = None;
        for &p in &preds[i] {
            choice = match choice {
                Some(c) if !better(best[p], &live[p].name, best[c], &live[c].name) => Some(c),
                _ => Some(p),
            };
        }
        best[i] = live[i].weight + choice.map_or(0.0, |c| best[c]);
        from[i] = choice;
    }
    let Some(mut end) = (0..n).reduce(|a, b| {
        if better(best[b], &live[b].name, best[a], &live[a].name) {
            b
        } else {
            a
        }
    }) else {
        return CriticalPath::default();
    };
    let length = best[end];
    let mut tracks = vec![live[end].name.clone()];
    while let Some(p) = from[end] {
        tracks.push(live[p].name.clone());
        end = p;
    }
    tracks.reverse();
    CriticalPath { tracks, length }
}

/// Is (`a`, named `an`) a better choice than (`b`, named `bn`): heavier, or as heavy
/// and named first?
fn better(a: f64, an: &str, b: f64, bn: &str) -> bool {
    if (a - b).abs() < EPSILON {
        an < bn
    } else {
        a > b
    }
}

fn width(live: &[&Node], preds: &[Vec<usize>]) -> Parallelism {
    let n = live.len();
    // before[i][j]: i must be merged before j (i is an ancestor of j).
    let mut before = vec![vec![false; n]; n];
    for j in 0..n {
        // Dependency order: the ancestors of each predecessor are known already.
        for &p in &preds[j] {
            before[p][j] = true;
            for row in before.iter_mut() {
                if row[p] {
                    row[j] = true;
                }
            }
        }
    }
    // Maximum matching, left copy i -> right copy j when i comes before j (Kuhn).
    let adj: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| before[i][j]).collect())
        .collect();
    let mut match_right: Vec<Option<usize>> = vec![None; n];
    let mut match_left: Vec<Option<usize>> = vec![None; n];
    for u in 0..n {
        let mut seen = vec![false; n];
        augment(u, &adj, &mut seen, &mut match_left, &mut match_right);
    }
    // König: from unmatched left vertices, follow unmatched edges left -> right and
    // matched edges right -> left. The minimum vertex cover is the unreached left
    // vertices and the reached right ones; a track whose two copies are both outside
    // it belongs to a maximum antichain.
    let mut left_seen = vec![false; n];
    let mut right_seen = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&u| match_left[u].is_none()).collect();
    for &u in &stack {
        left_seen[u] = true;
    }
    while let Some(u) = stack.pop() {
        for &v in &adj[u] {
            if match_left[u] == Some(v) || right_seen[v] {
                continue;
            }
            right_seen[v] = true;
            if let Some(w) = match_right[v]
                && !left_seen[w]
            {
                left_seen[w] = true;
                stack.push(w);
            }
        }
    }
    let mut tracks: Vec<String> = (0..n)
        .filter(|&i| left_seen[i] && !right_seen[i])
        .map(|i| live[i].name.clone())
        .collect();
    tracks.sort();
    Parallelism {
        width: tracks.len(),
        tracks,
    }
}

fn augment(
    u: usize,
    adj: &[Vec<usize>],
    seen: &mut [bool],
    match_left: &mut [Option<usize>],
    match_right: &mut [Option<usize>],
) -> bool {
    for &v in &adj[u] {
        if seen[v] {
            continue;
        }
        seen[v] = true;
        let free = match match_right[v] {
            None => true,
            Some(w) => augment(w, adj, seen, match_left, match_right),
        };
        if free {
            match_right[v] = Some(u);
            match_left[u] = Some(v);
            return true;
        }
    }
    false
}

/// The graph in Graphviz's DOT language: dependencies point at the tracks that need
/// them; the critical path is bold red, finished tracks are grey and dashed.
pub fn to_dot(g: &Graph) -> String {
    let mut s = String::from(
        "digraph tracks {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n",
    );
    for n in &g.tracks {
        let mut attrs = vec![format!("label={}", dot_quote(&label(n, "\\n")))];
        if n.critical {
            attrs.push("color=red, penwidth=2".into());
        }
        if !n.unfinished {
            attrs.push("style=\"rounded,dashed\", fontcolor=gray40, color=gray60".into());
        }
        let _ = writeln!(s, "  {} [{}];", dot_quote(&n.name), attrs.join(", "));
    }
    for e in &g.edges {
        let critical = on_path(&g.critical_path.tracks, &e.from, &e.to);
        let style = if critical {
            " [color=red, penwidth=2]"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {} -> {}{style};",
            dot_quote(&e.from),
            dot_quote(&e.to)
        );
    }
    s.push_str("}\n");
    s
}

/// The graph as a Mermaid flowchart (for Markdown that renders Mermaid).
pub fn to_mermaid(g: &Graph) -> String {
    let id: BTreeMap<&str, String> = g
        .tracks
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), format!("t{i}")))
        .collect();
    let mut s = String::from("flowchart LR\n");
    for n in &g.tracks {
        let text = label(n, "<br/>").replace('"', "#quot;");
        let _ = writeln!(s, "  {}[\"{text}\"]", id[n.name.as_str()]);
    }
    for (i, e) in g.edges.iter().enumerate() {
        let _ = writeln!(s, "  {} --> {}", id[e.from.as_str()], id[e.to.as_str()]);
        if on_path(&g.critical_path.tracks, &e.from, &e.to) {
            let _ = writeln!(s, "  linkStyle {i} stroke:red,stroke-width:2px");
        }
    }
    let critical: Vec<&str> = g
        .tracks
        .iter()
        .filter(|n| n.critical)
        .map(|n| id[n.name.as_str()].as_str())
        .collect();
    let finished: Vec<&str> = g
        .tracks
        .iter()
        .filter(|n| !n.unfinished)
        .map(|n| id[n.name.as_str()].as_str())
        .collect();
    if !critical.is_empty() {
        s.push_str("  classDef critical stroke:red,stroke-width:2px\n");
        let _ = writeln!(s, "  class {} critical", critical.join(","));
    }
    if !finished.is_empty() {
        s.push_str("  classDef finished stroke-dasharray:4 4,color:gray\n");
        let _ = writeln!(s, "  class {} finished", finished.join(","));
    }
    s
}

/// "name", then "status · estimate" on a second line.
fn label(n: &Node, newline: &str) -> String {
    let status = if n.merged && n.status != Status::Done {
        format!("{} (merged)", n.status)
    } else {
        n.status.to_string()
    };
    match n.estimate {
        Some(e) => format!("{}{newline}{status} · {e}", n.name),
        None => format!("{}{newline}{status}", n.name),
    }
}

fn on_path(path: &[String], from: &str, to: &str) -> bool {
    path.windows(2).any(|w| w[0] == from && w[1] == to)
}

fn dot_quote(s: &str) -> String {
    // `\n` in a label is DOT's line break and is kept; other backslashes are escaped.
    let escaped = s
        .replace('\\', "\\\\")
        .replace("\\\\n", "\\n")
        .replace('"', "\\\"");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, deps: &[&str], weight: f64) -> Node {
        Node {
            name: name.into(),
            status: Status::Active,
            kind: Kind::Feat,
            owner: None,
            experiment: None,
            estimate: Some(weight),
            weight,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            merged: false,
            unfinished: true,
            critical: false,
        }
    }

    #[test]
    fn the_width_is_a_maximum_antichain_not_the_widest_level() {
        // Chains a-b-c and x-d, with d also after a: every set of three holds two
        // tracks of one chain, so the width is 2.
        let g = from_nodes(vec![
            node("a", &[], 1.0),
            node("b", &["a"], 1.0),
            node("c", &["b"], 1.0),
            node("d", &["a", "x"], 1.0),
            node("x", &[], 1.0),
        ])
        .unwrap();
        assert_eq!(g.parallelism.width, 2);
        // Counting the tracks of one dependency level would say 2 here:
        let g = from_nodes(vec![
            node("a", &[], 1.0),
            node("b", &["a"], 1.0),
            node("c", &["b"], 1.0),
            node("p", &["a"], 1.0),
            node("q", &["b"], 1.0),
            node("r", &["c"], 1.0),
        ])
        .unwrap();
        // p, q, r hang off successive chain links; {p, q, r} is an antichain of 3
        // though no level holds more than 2.
        assert_eq!(g.parallelism.width, 3);
        assert_eq!(g.parallelism.tracks, ["p", "q", "r"]);
    }

    #[test]
    fn the_critical_path_follows_the_estimates() {
        let g = from_nodes(vec![
            node("a", &[], 1.0),
            node("b", &["a"], 5.0),
            node("c", &["a"], 2.0),
            node("d", &["b", "c"], 1.0),
        ])
        .unwrap();
        assert_eq!(g.critical_path.tracks, ["a", "b", "d"]);
        assert!((g.critical_path.length - 7.0).abs() < EPSILON);
    }

    #[test]
    fn finished_tracks_leave_the_plan() {
        let mut done = node("a", &[], 10.0);
        done.unfinished = false;
        let g = from_nodes(vec![done, node("b", &["a"], 1.0), node("c", &[], 2.0)]).unwrap();
        assert_eq!(g.critical_path.tracks, ["c"]);
        assert_eq!(g.parallelism.tracks, ["b", "c"]);
    }

    #[test]
    fn a_cycle_is_refused_with_its_path() {
        let e = from_nodes(vec![node("a", &["b"], 1.0), node("b", &["a"], 1.0)]).unwrap_err();
        assert_eq!(e.to_string(), "dependency cycle: a -> b -> a");
    }
}
