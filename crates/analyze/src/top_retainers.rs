//! The objects that hold the most: largest retained size first, the root and the synthetic
//! nodes (GC root categories: `(GC roots)`, `(Handle scope)`…) left out.

use crate::graph::{HeapGraph, NodeType};

/// At most `top` node indices, by retained size (ties: lower index first).
pub fn top_retainers(g: &HeapGraph, retained: &[u64], top: usize) -> Vec<usize> {
    let mut nodes: Vec<usize> = (1..g.node_count())
        .filter(|&n| g.node_type[n] != NodeType::Synthetic)
        .collect();
    let by_size = |a: &usize, b: &usize| retained[*b].cmp(&retained[*a]).then(a.cmp(b));
    if nodes.len() > top && top > 0 {
        nodes.select_nth_unstable_by(top - 1, by_size);
    }
    nodes.truncate(top);
    nodes.sort_by(by_size);
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;

    #[test]
    fn largest_first_without_root_or_synthetic_nodes() {
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0);
        b.node(NodeType::Synthetic, "(GC roots)", 3, 0);
        b.node(NodeType::Object, "A", 5, 10);
        b.node(NodeType::Object, "B", 7, 10);
        b.node(NodeType::Object, "C", 9, 10);
        let g = b.finish();
        let retained = vec![100, 90, 10, 50, 30];
        assert_eq!(top_retainers(&g, &retained, 2), vec![3, 4]);
        assert_eq!(top_retainers(&g, &retained, 10), vec![3, 4, 2]);
        assert!(top_retainers(&g, &retained, 0).is_empty());
    }
}
