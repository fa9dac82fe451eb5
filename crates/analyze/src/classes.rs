//! Every node's class as DevTools' Summary view groups it (the core's `Naming::DevTools`, the
//! one HeapDiff reports use): a constructor name for objects, `(string)`, `(array)`,
//! `(closure) name`, `(system)`… Interned once per distinct (type, name), not per node.

use leakwatch_core::heap_diff::Naming;

use crate::fast_hash::FastMap;
use crate::graph::{HeapGraph, NodeType};

/// Whether DevTools' class of a node of this type depends on its name (for the others, a
/// string's value or an array's name, the class is the type's: 1 M distinct strings are one
/// class, not 1 M names to hash and intern).
pub fn named(kind: NodeType) -> bool {
    matches!(
        kind,
        NodeType::Object | NodeType::Native | NodeType::Synthetic | NodeType::Closure
    )
}

/// The name a node's class is made of: its own, or "" when the type alone decides.
pub fn class_name(g: &HeapGraph, node: usize) -> &str {
    if named(g.node_type[node]) {
        g.name(node)
    } else {
        ""
    }
}

pub struct Classes {
    /// Node index → class index.
    pub of_node: Vec<u32>,
    /// Class index → its name.
    pub names: Vec<String>,
}

impl Classes {
    pub fn devtools(g: &HeapGraph) -> Classes {
        let mut by_name: FastMap<String, u32> = FastMap::default();
        let mut names: Vec<String> = Vec::new();
        // (type, name string) → class: one hash of two integers per node.
        let mut by_key: FastMap<(u8, u32), u32> = FastMap::default();
        let mut of_node = Vec::with_capacity(g.node_count());
        for node in 0..g.node_count() {
            let kind = g.node_type[node];
            let name = if named(kind) { g.node_name[node] } else { 0 };
            let class = *by_key.entry((kind as u8, name)).or_insert_with(|| {
                let what = Naming::DevTools
                    .group(kind, class_name(g, node))
                    .unwrap_or_else(|| "(system)".to_string());
                *by_name.entry(what).or_insert_with_key(|what| {
                    names.push(what.clone());
                    names.len() as u32 - 1
                })
            });
            of_node.push(class);
        }
        Classes { of_node, names }
    }

    pub fn name_of(&self, node: usize) -> &str {
        &self.names[self.of_node[node] as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;

    #[test]
    fn nodes_are_grouped_by_devtools_class() {
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0);
        b.node(NodeType::Object, "Foo", 3, 24);
        b.node(NodeType::Object, "Foo", 5, 24);
        b.node(NodeType::String, "hello", 7, 16);
        b.node(NodeType::ConsString, "hel", 9, 16);
        b.node(NodeType::Closure, "onData", 11, 32);
        let g = b.finish();
        let c = Classes::devtools(&g);
        assert_eq!(c.name_of(1), "Foo");
        assert_eq!(c.of_node[1], c.of_node[2]);
        assert_eq!(c.name_of(3), "(string)");
        assert_eq!(c.of_node[3], c.of_node[4]);
        assert_eq!(c.name_of(5), "(closure) onData");
        assert_eq!(c.len(), 4);
    }
}
