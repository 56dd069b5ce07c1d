//! Dependencies between tracks: cycles and dependency order.

use std::collections::{BTreeMap, BTreeSet};

/// A dependency graph: track name -> the tracks it depends on.
pub type Graph<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// A cycle through `graph`, as the list of names along it (first == last), if any.
pub fn find_cycle(graph: &Graph<'_>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    let mut path: Vec<&str> = Vec::new();

    fn visit<'a>(
        node: &'a str,
        graph: &Graph<'a>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|n| *n == node).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node, Mark::Visiting);
        path.push(node);
        for dep in graph.get(node).map(Vec::as_slice).unwrap_or_default() {
            if let Some(c) = visit(dep, graph, marks, path) {
                return Some(c);
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
        None
    }

    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut marks, &mut path) {
            return Some(c);
        }
    }
    None
}

/// Orders `nodes` so that every track comes after the tracks it depends on (dependencies
/// outside `nodes` are ignored); ties go to the lower `rank` (e.g. creation time), then the
/// name. Returns `Err(cycle)` when the graph has a cycle.
pub fn order<'a, R: Ord + Clone>(
    nodes: &[&'a str],
    graph: &Graph<'a>,
    rank: impl Fn(&str) -> R,
) -> Result<Vec<&'a str>, Vec<String>> {
    let wanted: BTreeSet<&str> = nodes.iter().copied().collect();
    let mut remaining: BTreeMap<&str, BTreeSet<&str>> = nodes
        .iter()
        .map(|n| {
            let deps = graph
                .get(n)
                .map(|d| d.iter().copied().filter(|d| wanted.contains(d)).collect());
            (*n, deps.unwrap_or_default())
        })
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while !remaining.is_empty() {
        let next = remaining
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(n, _)| *n)
            .min_by_key(|n| (rank(n), n.to_string()));
        let Some(next) = next else {
            let sub: Graph<'_> = remaining
                .iter()
                .map(|(n, d)| (*n, d.iter().copied().collect()))
                .collect();
            return Err(find_cycle(&sub).unwrap_or_default());
        };
        remaining.remove(next);
        for deps in remaining.values_mut() {
            deps.remove(next);
        }
        out.push(next);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph<'a>(edges: &[(&'a str, &[&'a str])]) -> Graph<'a> {
        edges.iter().map(|(n, d)| (*n, d.to_vec())).collect()
    }

    #[test]
    fn a_cycle_is_named_along_its_path() {
        let g = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(find_cycle(&g).unwrap(), vec!["a", "b", "c", "a"]);
        assert!(find_cycle(&graph(&[("a", &["b"]), ("b", &[])])).is_none());
        assert_eq!(
            find_cycle(&graph(&[("a", &["a"])])).unwrap(),
            vec!["a", "a"]
        );
    }

    #[test]
    fn dependencies_come_first_and_ties_follow_rank() {
        let g = graph(&[("infra", &["backend"]), ("backend", &[]), ("frontend", &[])]);
        let rank = |n: &str| match n {
            "infra" => 0,
            "frontend" => 1,
            _ => 2,
        };
        assert_eq!(
            order(&["infra", "backend", "frontend"], &g, rank).unwrap(),
            vec!["frontend", "backend", "infra"]
        );
    }
}
