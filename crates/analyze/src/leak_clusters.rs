//! The leak method (memlab's): the objects allocated between the baseline and the target
//! snapshot that are still alive in the final one (with two snapshots: in the second, not the
//! first), matched by V8's snapshot object id, which an object keeps for its whole life.
//!
//! As memlab's `--trace-all-objects=selective` does for a Node heap, only objects count
//! (closures too): strings, numbers, arrays' backing stores, code and `system / …` internals
//! come and go with every allocation and say nothing about who leaks. Each leaked object is
//! filed under its shortest retainer path, normalised: element indices become `[]` and a run
//! of identical steps (a linked list) is one step, so the 10 000 entries of one leaking Map
//! are one cluster, as memlab's trace clustering makes them. A cluster's retained bytes count
//! a leaked object only when no dominator-ancestor of it is leaked too, so no byte is counted
//! twice, across clusters either.

use crate::classes::Classes;
use crate::dominator_tree::{DominatorTree, Visit};
use crate::fast_hash::FastMap;
use crate::graph::{HeapGraph, NodeType};
use crate::retainer_paths::{edge_owner, RetainerPaths};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakCluster {
    /// The class the cluster's paths end at.
    pub class: u32,
    pub count: u64,
    pub self_bytes: u64,
    pub retained_bytes: u64,
    /// The member retaining the most.
    pub example: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Leak {
    pub objects: u64,
    pub retained_bytes: u64,
    /// Largest retained first.
    pub clusters: Vec<LeakCluster>,
}

/// Which nodes of `last` leaked: ids not in `baseline` (sorted) and, with a target
/// snapshot, in `target` (sorted); objects and closures only, reachable from the root.
pub fn leaked_nodes(
    g: &HeapGraph,
    paths: &RetainerPaths,
    baseline: &[u32],
    target: Option<&[u32]>,
) -> Vec<bool> {
    (0..g.node_count())
        .map(|n| {
            let id = g.node_id[n];
            candidate(g, n)
                && paths.reached(n)
                && baseline.binary_search(&id).is_err()
                && target.is_none_or(|t| t.binary_search(&id).is_ok())
        })
        .collect()
}

fn candidate(g: &HeapGraph, node: usize) -> bool {
    match g.node_type[node] {
        NodeType::Object => !g.name(node).starts_with("system / "),
        NodeType::Closure => true,
        _ => false,
    }
}

const NONE: u32 = u32::MAX;
/// An element or hidden edge's index, or a numeric property name: `[]` in a path's key.
const ANY_INDEX: u32 = u32::MAX;

/// One normalised step: edge type, edge name (canonical) and the class reached.
type Token = (u8, u32, u32);

/// Path keys as a trie: key 0 is the empty path; each other key is its parent + one token.
struct PathKeys<'g> {
    token: Vec<Token>,
    child: FastMap<(u32, Token), u32>,
    names: FastMap<&'g str, u32>,
    /// Node → its key, once computed.
    key_of: Vec<u32>,
}

impl<'g> PathKeys<'g> {
    fn new(nodes: usize) -> PathKeys<'g> {
        PathKeys {
            token: vec![(0, 0, 0)],
            child: FastMap::default(),
            names: FastMap::default(),
            key_of: vec![NONE; nodes],
        }
    }

    fn token(&mut self, g: &'g HeapGraph, classes: &Classes, edge: usize, node: usize) -> Token {
        let kind = g.edge_type[edge];
        let name = if !kind.has_string_name() {
            ANY_INDEX
        } else {
            let text = g.strings.get(g.edge_name[edge]);
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                ANY_INDEX
            } else {
                let next = self.names.len() as u32;
                *self.names.entry(text).or_insert(next)
            }
        };
        (kind as u8, name, classes.of_node[node])
    }

    fn extend(&mut self, parent: u32, token: Token) -> u32 {
        if parent != 0 && self.token[parent as usize] == token {
            return parent;
        }
        let next = self.token.len() as u32;
        let key = *self.child.entry((parent, token)).or_insert(next);
        if key == next {
            self.token.push(token);
        }
        key
    }

    /// `node`'s key, computing (and keeping) those of its path's nodes not known yet.
    fn key(
        &mut self,
        g: &'g HeapGraph,
        classes: &Classes,
        paths: &RetainerPaths,
        node: usize,
    ) -> u32 {
        let mut pending = Vec::new();
        let mut at = node;
        let mut key = 0;
        while self.key_of[at] == NONE {
            match paths.edge_to(at) {
                Some(edge) => {
                    pending.push((at, edge));
                    at = edge_owner(g, edge);
                }
                None => {
                    self.key_of[at] = 0;
                    break;
                }
            }
            if pending.len() > g.node_count() {
                break;
            }
        }
        if self.key_of[at] != NONE {
            key = self.key_of[at];
        }
        for &(n, edge) in pending.iter().rev() {
            let t = self.token(g, classes, edge, n);
            key = self.extend(key, t);
            self.key_of[n] = key;
        }
        key
    }
}

pub fn clusters(
    g: &HeapGraph,
    classes: &Classes,
    retained: &[u64],
    tree: &DominatorTree,
    paths: &RetainerPaths,
    leaked: &[bool],
) -> Leak {
    let mut keys = PathKeys::new(g.node_count());
    let mut cluster_of_key: FastMap<u32, u32> = FastMap::default();
    let mut clusters: Vec<LeakCluster> = Vec::new();
    let mut cluster_of = vec![NONE; g.node_count()];
    let mut leak = Leak::default();
    for node in 0..g.node_count() {
        if !leaked[node] {
            continue;
        }
        let key = keys.key(g, classes, paths, node);
        let next = clusters.len() as u32;
        let c = *cluster_of_key.entry(key).or_insert(next);
        if c == next {
            clusters.push(LeakCluster {
                class: classes.of_node[node],
                count: 0,
                self_bytes: 0,
                retained_bytes: 0,
                example: node,
            });
        }
        let cluster = &mut clusters[c as usize];
        cluster.count += 1;
        cluster.self_bytes += g.node_self_size[node];
        if retained[node] > retained[cluster.example] {
            cluster.example = node;
        }
        cluster_of[node] = c;
        leak.objects += 1;
    }
    // Leaked objects on the path from the root: only the outermost one counts.
    let mut open = 0u32;
    tree.walk(|visit| match visit {
        Visit::Enter(node) if cluster_of[node] != NONE => {
            if open == 0 {
                clusters[cluster_of[node] as usize].retained_bytes += retained[node];
                leak.retained_bytes += retained[node];
            }
            open += 1;
        }
        Visit::Leave(node) if cluster_of[node] != NONE => open -= 1,
        _ => {}
    });
    clusters.sort_by(|a, b| {
        b.retained_bytes
            .cmp(&a.retained_bytes)
            .then(b.count.cmp(&a.count))
            .then(a.example.cmp(&b.example))
    });
    leak.clusters = clusters;
    leak
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgeType, GraphBuilder};

    /// root → global → leaks (Map, id 7) → table → [i] → Leaky (ids 101, 103, 105), each
    /// Leaky → meta (Object); root → global → other (Object, id 9) → Churn (id 107);
    /// a weakly held Ghost (id 109); a string (id 111) in the table.
    fn final_graph() -> HeapGraph {
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0); // 0
        b.edge(EdgeType::Shortcut, "global", 1);
        b.node(NodeType::Object, "global", 3, 40); // 1
        b.edge(EdgeType::Property, "leaks", 2);
        b.edge(EdgeType::Property, "other", 10);
        b.edge(EdgeType::Weak, "ghost", 12);
        b.node(NodeType::Object, "Map", 7, 32); // 2
        b.edge(EdgeType::Internal, "table", 3);
        b.node(NodeType::Array, "", 8, 64); // 3
        b.edge(EdgeType::Element, "[0]", 4);
        b.edge(EdgeType::Element, "[1]", 6);
        b.edge(EdgeType::Element, "[2]", 8);
        b.edge(EdgeType::Element, "[3]", 13);
        for (i, id) in [101u32, 103, 105].iter().enumerate() {
            let leaky = 4 + 2 * i;
            b.node(NodeType::Object, "Leaky", *id, 100); // 4, 6, 8
            b.edge(EdgeType::Property, "meta", leaky + 1);
            b.node(NodeType::Object, "Object", id + 1000, 20); // 5, 7, 9
        }
        b.node(NodeType::Object, "Other", 9, 16); // 10
        b.edge(EdgeType::Property, "churn", 11);
        b.node(NodeType::Object, "Churn", 107, 8); // 11
        b.node(NodeType::Object, "Ghost", 109, 8); // 12
        b.node(NodeType::String, "leaked string", 111, 50); // 13
        b.finish()
    }

    fn analyse(baseline: &[u32], target: Option<&[u32]>) -> (HeapGraph, Classes, Leak) {
        let g = final_graph();
        // The dominator tree of that graph (each node has one retainer).
        let idom = vec![0, 0, 1, 2, 3, 4, 3, 6, 3, 8, 1, 10, 0, 3];
        let mut retained = g.node_self_size.clone();
        for v in (1..idom.len()).rev() {
            retained[idom[v] as usize] += retained[v];
        }
        let tree = DominatorTree::new(&idom);
        let paths = RetainerPaths::new(&g);
        let classes = Classes::devtools(&g);
        let leaked = leaked_nodes(&g, &paths, baseline, target);
        let leak = clusters(&g, &classes, &retained, &tree, &paths, &leaked);
        (g, classes, leak)
    }

    #[test]
    fn baseline_target_final_clusters_the_map_entries() {
        // Baseline: the heap before; target: after the leak (Leaky 101, 103 and their metas,
        // Churn, Ghost) — 105 came after the target and does not count.
        let baseline = [1, 3, 7, 8, 9];
        let target = [1, 3, 7, 8, 9, 101, 103, 107, 109, 111, 1101, 1103];
        let (_g, classes, leak) = analyse(&baseline, Some(&target));
        // Leaky ×2, their metas ×2, Churn (alive, allocated in between: memlab counts it).
        assert_eq!(leak.objects, 5);
        let top = &leak.clusters[0];
        assert_eq!(classes.names[top.class as usize], "Leaky");
        assert_eq!(top.count, 2);
        assert_eq!(top.self_bytes, 200);
        assert_eq!(top.retained_bytes, 240);
        // Churn's cluster, then the metas' (dominated by a leaked Leaky: 0 bytes of their own).
        assert_eq!(leak.clusters.len(), 3);
        assert_eq!(classes.names[leak.clusters[1].class as usize], "Churn");
        assert_eq!(leak.clusters[1].retained_bytes, 8);
        assert_eq!(classes.names[leak.clusters[2].class as usize], "Object");
        assert_eq!(leak.clusters[2].count, 2);
        assert_eq!(leak.clusters[2].retained_bytes, 0);
        assert_eq!(leak.retained_bytes, 248);
    }

    #[test]
    fn two_snapshots_take_all_that_is_new_and_leave_out_weak_strings_and_arrays() {
        let (g, classes, leak) = analyse(&[1, 3, 7, 8, 9], None);
        assert_eq!(leak.objects, 7);
        let top = &leak.clusters[0];
        assert_eq!(classes.names[top.class as usize], "Leaky");
        assert_eq!(top.count, 3);
        assert_eq!(top.retained_bytes, 360);
        assert_eq!(g.node_id[top.example], 101);
        assert_eq!(leak.retained_bytes, 368);
    }

    #[test]
    fn a_leaking_linked_list_is_one_cluster() {
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0);
        b.edge(EdgeType::Shortcut, "global", 1);
        b.node(NodeType::Object, "global", 3, 10);
        b.edge(EdgeType::Property, "head", 2);
        let n = 1000;
        for i in 0..n {
            b.node(NodeType::Object, "Link", 100 + 2 * i as u32, 10);
            if i + 1 < n {
                b.edge(EdgeType::Property, "next", 3 + i);
            }
        }
        let g = b.finish();
        let idom: Vec<u32> = (0..g.node_count() as u32)
            .map(|v| v.saturating_sub(1))
            .collect();
        let mut retained = g.node_self_size.clone();
        for v in (1..idom.len()).rev() {
            retained[idom[v] as usize] += retained[v];
        }
        let tree = DominatorTree::new(&idom);
        let paths = RetainerPaths::new(&g);
        let classes = Classes::devtools(&g);
        let leaked = leaked_nodes(&g, &paths, &[1, 3], None);
        let leak = clusters(&g, &classes, &retained, &tree, &paths, &leaked);
        assert_eq!(leak.objects, n as u64);
        assert_eq!(leak.clusters.len(), 2, "the head, and the links behind it");
        assert_eq!(leak.retained_bytes, 10 * n as u64);
        assert_eq!(leak.clusters[0].retained_bytes, 10 * n as u64);
        assert_eq!(leak.clusters[1].count, n as u64 - 1);
    }
}
