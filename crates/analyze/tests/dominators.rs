//! Dominators and retained sizes on graphs small enough to check by hand, with memlab's
//! edge rules: weak edges never retain, shortcuts only from the root, islands hang from the
//! root.

use leakwatch_analyze::graph::{EdgeType, GraphBuilder, NodeType};
use leakwatch_analyze::{dominators, Dominators, HeapGraph};

use EdgeType::{Element, Property, Shortcut, Weak};

/// A graph from `(self_size, [(edge type, to)])` per node; node 0 is the root.
fn graph(nodes: &[(u64, &[(EdgeType, usize)])]) -> HeapGraph {
    let mut b = GraphBuilder::new();
    for (i, (size, edges)) in nodes.iter().enumerate() {
        let kind = if i == 0 {
            NodeType::Synthetic
        } else {
            NodeType::Object
        };
        b.node(kind, &format!("N{i}"), 2 * i as u32 + 1, *size);
        for (k, &(t, to)) in edges.iter().enumerate() {
            b.edge(t, &format!("e{k}"), to);
        }
    }
    b.finish()
}

fn check(d: &Dominators, idom: &[u32], retained: &[u64]) {
    assert_eq!(d.idom, idom, "idom");
    assert_eq!(d.retained_size, retained, "retained");
}

#[test]
fn a_chain() {
    let g = graph(&[
        (0, &[(Element, 1)]),
        (1, &[(Property, 2)]),
        (2, &[(Property, 3)]),
        (4, &[]),
    ]);
    check(&dominators(&g), &[0, 0, 1, 2], &[7, 7, 6, 4]);
}

#[test]
fn a_diamond() {
    // root -> A -> {B, C} -> D: D is dominated by A, not by B or C.
    let g = graph(&[
        (0, &[(Element, 1)]),
        (1, &[(Property, 2), (Property, 3)]),
        (2, &[(Property, 4)]),
        (4, &[(Property, 4), (Property, 4)]),
        (8, &[]),
    ]);
    check(&dominators(&g), &[0, 0, 1, 1, 1], &[15, 15, 2, 4, 8]);
}

#[test]
fn a_cycle() {
    // root -> A -> B -> C -> A, and C -> itself.
    let g = graph(&[
        (0, &[(Element, 1)]),
        (1, &[(Property, 2)]),
        (2, &[(Property, 3)]),
        (4, &[(Property, 1), (Property, 3)]),
    ]);
    check(&dominators(&g), &[0, 0, 1, 2], &[7, 7, 6, 4]);
}

#[test]
fn weak_edges_do_not_retain() {
    // root -> A -weak-> C, root -> B -> C: C is B's alone. W is held only weakly (by A):
    // searched from as if the root held it, it dominates Z.
    let g = graph(&[
        (0, &[(Element, 1), (Element, 2)]),
        (1, &[(Weak, 3), (Weak, 4)]),
        (2, &[(Property, 3), (Weak, 1)]),
        (4, &[]),
        (8, &[(Property, 5)]),
        (16, &[]),
    ]);
    check(&dominators(&g), &[0, 0, 0, 2, 0, 4], &[31, 1, 6, 4, 24, 16]);
}

#[test]
fn shortcuts_retain_only_from_the_root() {
    // root -shortcut-> G (a global), root -> R -> B -> C; G -shortcut-> C does not retain,
    // G -> D does. G is outside the page (the root's shortcuts are not page entries), so
    // G -> B, into the page, does not retain either.
    let g = graph(&[
        (0, &[(Shortcut, 1), (Element, 2)]),
        (1, &[(Shortcut, 4), (Property, 5), (Property, 3)]),
        (2, &[(Property, 3)]),
        (4, &[(Property, 4)]),
        (8, &[]),
        (16, &[]),
    ]);
    check(
        &dominators(&g),
        &[0, 0, 0, 2, 3, 1],
        &[31, 17, 14, 12, 8, 16],
    );
}

#[test]
fn unreachable_nodes_hang_from_the_root() {
    // U holds B but nothing holds U: U -> B (outside the page into it) does not retain, U
    // retains only itself. X <-> Y is an island: both hang from the root.
    let g = graph(&[
        (0, &[(Element, 1)]),
        (1, &[(Property, 2)]),
        (2, &[]),
        (4, &[(Property, 2)]),
        (8, &[(Property, 5)]),
        (16, &[(Property, 4)]),
    ]);
    check(&dominators(&g), &[0, 0, 1, 0, 0, 0], &[31, 3, 2, 4, 8, 16]);
}

#[test]
fn a_million_deep_chain_needs_no_stack() {
    let n = 1_000_000;
    let mut b = GraphBuilder::new();
    for i in 0..n {
        b.node(NodeType::Object, "Link", i as u32, 1);
        if i + 1 < n {
            b.edge(Property, "next", i + 1);
        }
    }
    let d = dominators(&b.finish());
    assert_eq!(d.retained_size[0], n as u64);
    assert_eq!(d.retained_size[n / 2], (n - n / 2) as u64);
    assert_eq!(d.idom[n - 1], (n - 2) as u32);
}

#[test]
fn an_empty_graph_has_no_dominators() {
    assert_eq!(dominators(&HeapGraph::default()), Dominators::default());
}
