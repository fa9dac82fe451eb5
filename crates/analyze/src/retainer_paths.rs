//! Shortest retainer paths from the root, with DevTools' distance semantics
//! (HeapSnapshot.calculateDistances + JSHeapSnapshot's filter): a breadth-first search from
//! the root's non-synthetic children (the user roots) first, then from the root for what they
//! do not reach; weak edges are never followed; neither are the edges DevTools leaves out of
//! distances (NativeContext's `sloppy_function_map`, the descriptor links of
//! `(map descriptors)`, and the first seen of a WeakMap value's two ephemeron edges). The
//! first edge that reaches a node is its path's last step.

use std::collections::HashSet;

use crate::graph::{EdgeType, HeapGraph, NodeType};

const UNREACHED: u32 = u32::MAX;
const ROOT: u32 = u32::MAX - 1;

pub struct RetainerPaths {
    /// The edge that first reached each node, `UNREACHED`, or `ROOT` for the root.
    via: Vec<u32>,
}

/// One step root → object: the edge followed and the node it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub edge: usize,
    pub node: usize,
}

impl RetainerPaths {
    pub fn new(g: &HeapGraph) -> RetainerPaths {
        let n = g.node_count();
        let mut via = vec![UNREACHED; n];
        if n == 0 {
            return RetainerPaths { via };
        }
        let mut queue: Vec<u32> = Vec::with_capacity(n);
        let mut pending_ephemerons: HashSet<&str> = HashSet::new();
        for e in g.edges(0) {
            let to = g.edge_to[e] as usize;
            if to < n && to != 0 && via[to] == UNREACHED && g.node_type[to] != NodeType::Synthetic {
                via[to] = e as u32;
                queue.push(to as u32);
            }
        }
        bfs(g, &mut via, &mut queue, &mut pending_ephemerons);
        via[0] = ROOT;
        queue.clear();
        queue.push(0);
        bfs(g, &mut via, &mut queue, &mut pending_ephemerons);
        RetainerPaths { via }
    }

    pub fn reached(&self, node: usize) -> bool {
        self.via.get(node).is_some_and(|&v| v != UNREACHED)
    }

    /// The edge that reaches `node` on its shortest path (none for the root or unreached).
    pub fn edge_to(&self, node: usize) -> Option<usize> {
        match self.via.get(node) {
            Some(&v) if v != UNREACHED && v != ROOT => Some(v as usize),
            _ => None,
        }
    }

    /// The steps root → `node` (the root itself left out); empty for the root or a node
    /// no path reaches.
    pub fn path(&self, g: &HeapGraph, node: usize) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut at = node;
        while let Some(edge) = self.edge_to(at) {
            steps.push(Step { edge, node: at });
            at = edge_owner(g, edge);
            // A BFS tree has no cycle; the bound only guards a malformed graph.
            if steps.len() > g.node_count() {
                break;
            }
        }
        steps.reverse();
        steps
    }
}

/// The node whose edge list holds `edge`.
pub fn edge_owner(g: &HeapGraph, edge: usize) -> usize {
    g.first_edge
        .partition_point(|&f| f as usize <= edge)
        .saturating_sub(1)
}

fn bfs<'g>(
    g: &'g HeapGraph,
    via: &mut [u32],
    queue: &mut Vec<u32>,
    pending_ephemerons: &mut HashSet<&'g str>,
) {
    let n = via.len();
    let mut head = 0;
    while head < queue.len() {
        let node = queue[head] as usize;
        head += 1;
        for e in g.edges(node) {
            if g.edge_type[e] == EdgeType::Weak {
                continue;
            }
            let to = g.edge_to[e] as usize;
            if to >= n || via[to] != UNREACHED {
                continue;
            }
            if !follows(g, node, e, pending_ephemerons) {
                continue;
            }
            via[to] = e as u32;
            queue.push(to as u32);
        }
    }
}

/// JSHeapSnapshot's distance filter.
fn follows<'g>(
    g: &'g HeapGraph,
    node: usize,
    e: usize,
    pending_ephemerons: &mut HashSet<&'g str>,
) -> bool {
    let kind = g.node_type[node];
    if kind == NodeType::Hidden {
        if g.name(node) == "system / NativeContext"
            && g.edge_type[e].has_string_name()
            && g.strings.get(g.edge_name[e]) == "sloppy_function_map"
        {
            return false;
        }
    } else if kind == NodeType::Array && g.name(node) == "(map descriptors)" {
        // Descriptor arrays are shared between maps, so some of their links are stale:
        // DevTools skips entries 3i + 4 (the descriptors) after the two header slots.
        if let Some(index) = edge_index(g, e) {
            return index < 2 || index % 3 != 1;
        }
    }
    if g.edge_type[e] == EdgeType::Internal {
        // A WeakMap value has two edges, from the table and from the key: the value's
        // distance is the farther of the two, so the first one met is passed over.
        if let Some(pair) = ephemeron_pair(g.strings.get(g.edge_name[e])) {
            if !pending_ephemerons.remove(pair) {
                pending_ephemerons.insert(pair);
                return false;
            }
        }
    }
    true
}

/// An edge's name as a number, as `parseInt` reads it (None when it does not start with one).
fn edge_index(g: &HeapGraph, e: usize) -> Option<u64> {
    if !g.edge_type[e].has_string_name() {
        return Some(g.edge_name[e] as u64);
    }
    let name = g.strings.get(g.edge_name[e]);
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    name[..digits].parse().ok()
}

/// For V8's ephemeron edge names, `N / part of key (K @1) -> value (V @2) pair in WeakMap
/// (table @3)`: the part after `N` (the same in both edges of a pair).
fn ephemeron_pair(name: &str) -> Option<&str> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &name[digits..];
    (digits > 0
        && rest.starts_with(" / part of key (")
        && rest.contains(") -> value (")
        && rest.contains(" pair in WeakMap (table @")
        && rest.ends_with(')'))
    .then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;

    /// root → (GC roots) → global → leaks (Map) → [] → Leaky; a weak edge and a longer path
    /// also reach Leaky.
    fn graph() -> HeapGraph {
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0); // 0
        b.edge(EdgeType::Element, "[1]", 1);
        b.edge(EdgeType::Shortcut, "global", 2);
        b.node(NodeType::Synthetic, "(GC roots)", 3, 0); // 1
        b.edge(EdgeType::Element, "[0]", 5);
        b.node(NodeType::Object, "global", 5, 40); // 2
        b.edge(EdgeType::Property, "leaks", 3);
        b.edge(EdgeType::Weak, "w", 4);
        b.node(NodeType::Object, "Map", 7, 32); // 3
        b.edge(EdgeType::Internal, "table", 6);
        b.node(NodeType::Object, "Leaky", 9, 24); // 4
        b.node(NodeType::Hidden, "system / Foo", 11, 8); // 5
        b.edge(EdgeType::Property, "x", 7);
        b.node(NodeType::Array, "", 13, 64); // 6
        b.edge(EdgeType::Element, "[2]", 4);
        b.node(NodeType::Object, "Other", 15, 8); // 7
        b.node(NodeType::Object, "Orphan", 17, 8); // 8
        b.finish()
    }

    #[test]
    fn user_roots_first_weak_edges_never() {
        let g = graph();
        let p = RetainerPaths::new(&g);
        let path = p.path(&g, 4);
        let labels: Vec<String> = path.iter().map(|s| g.edge_label(s.edge)).collect();
        // Through the user root `global` (a shortcut of the root), not the weak edge.
        assert_eq!(labels, vec!["global", "leaks", "table", "[2]"]);
        assert_eq!(
            path.iter().map(|s| s.node).collect::<Vec<_>>(),
            vec![2, 3, 6, 4]
        );
        // What the user roots do not reach is reached from the root, through (GC roots).
        assert_eq!(
            p.path(&g, 7).iter().map(|s| s.node).collect::<Vec<_>>(),
            vec![1, 5, 7]
        );
        assert!(p.path(&g, 0).is_empty());
        assert!(!p.reached(8));
        assert!(p.path(&g, 8).is_empty());
        assert_eq!(edge_owner(&g, 4), 2);
        assert_eq!(edge_owner(&g, 5), 3);
        assert_eq!(edge_owner(&g, 0), 0);
    }

    #[test]
    fn descriptor_links_and_the_first_ephemeron_edge_are_skipped() {
        let pair = " / part of key (Key @5) -> value (Val @7) pair in WeakMap (table @9)";
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0); // 0
        b.edge(EdgeType::Shortcut, "a", 1);
        b.edge(EdgeType::Shortcut, "b", 2);
        b.node(NodeType::Array, "(map descriptors)", 3, 8); // 1
        b.edge(EdgeType::Internal, "4", 3); // 4 % 3 == 1: skipped
        b.edge(EdgeType::Internal, "5", 4);
        b.node(NodeType::Object, "WeakMap table", 9, 8); // 2
        b.edge(EdgeType::Internal, &format!("1{pair}"), 5);
        b.edge(EdgeType::Property, "key", 6);
        b.node(NodeType::Object, "D", 11, 8); // 3
        b.node(NodeType::Object, "E", 13, 8); // 4
        b.edge(EdgeType::Property, "d", 3);
        b.node(NodeType::Object, "Val", 7, 8); // 5
        b.node(NodeType::Object, "Key", 5, 8); // 6
        b.edge(EdgeType::Internal, &format!("2{pair}"), 5);
        let g = b.finish();
        let p = RetainerPaths::new(&g);
        assert_eq!(
            p.path(&g, 3).iter().map(|s| s.node).collect::<Vec<_>>(),
            vec![1, 4, 3]
        );
        // The value's path is through its key (the second edge of the pair), not the table.
        assert_eq!(
            p.path(&g, 5).iter().map(|s| s.node).collect::<Vec<_>>(),
            vec![2, 6, 5]
        );
    }
}
