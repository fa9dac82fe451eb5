//! Aggregation by class (DevTools' Summary view): count, shallow and retained bytes. A class's
//! retained bytes count each of its objects unless a dominator-ancestor of the same class was
//! counted already (DevTools' calculateClassesRetainedSize), so a linked list of 1000 `Node`s
//! is the list's retained size once, not a sum of 1000 nested ones.

use crate::classes::Classes;
use crate::dominator_tree::{DominatorTree, Visit};
use crate::graph::HeapGraph;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassTotals {
    pub name: String,
    pub count: u64,
    pub self_bytes: u64,
    pub retained_bytes: u64,
}

/// Every class with objects of a non-zero self size (DevTools leaves the others out),
/// largest retained first.
pub fn by_constructor(
    g: &HeapGraph,
    classes: &Classes,
    retained: &[u64],
    tree: &DominatorTree,
) -> Vec<ClassTotals> {
    let mut totals: Vec<ClassTotals> = classes
        .names
        .iter()
        .map(|name| ClassTotals {
            name: name.clone(),
            count: 0,
            self_bytes: 0,
            retained_bytes: 0,
        })
        .collect();
    for node in 0..g.node_count() {
        let size = g.node_self_size[node];
        if size > 0 {
            let t = &mut totals[classes.of_node[node] as usize];
            t.count += 1;
            t.self_bytes += size;
        }
    }
    // Counted classes on the path from the root: a class stays "open" until the walk
    // leaves the node that counted it.
    let mut open = vec![false; classes.len()];
    let mut counted_here = vec![false; g.node_count()];
    tree.walk(|visit| match visit {
        Visit::Enter(node) => {
            let class = classes.of_node[node] as usize;
            if !open[class] && g.node_self_size[node] > 0 {
                totals[class].retained_bytes += retained[node];
                open[class] = true;
                counted_here[node] = true;
            }
        }
        Visit::Leave(node) => {
            if counted_here[node] {
                open[classes.of_node[node] as usize] = false;
            }
        }
    });
    totals.retain(|t| t.count > 0);
    totals.sort_by(|a, b| {
        b.retained_bytes
            .cmp(&a.retained_bytes)
            .then(b.self_bytes.cmp(&a.self_bytes))
            .then_with(|| a.name.cmp(&b.name))
    });
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgeType, GraphBuilder, NodeType};

    #[test]
    fn nested_objects_of_one_class_count_once() {
        // root → a:Item(10) → b:Item(20) → c:Str(5); root → d:Item(7); root → e:Other(0)
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0);
        b.edge(EdgeType::Shortcut, "a", 1);
        b.edge(EdgeType::Shortcut, "d", 4);
        b.edge(EdgeType::Shortcut, "e", 5);
        b.node(NodeType::Object, "Item", 3, 10);
        b.edge(EdgeType::Property, "next", 2);
        b.node(NodeType::Object, "Item", 5, 20);
        b.edge(EdgeType::Property, "s", 3);
        b.node(NodeType::String, "xyz", 7, 5);
        b.node(NodeType::Object, "Item", 9, 7);
        b.node(NodeType::Object, "Other", 11, 0);
        let g = b.finish();
        let idom = vec![0, 0, 1, 2, 0, 0];
        let retained = vec![42, 35, 25, 5, 7, 0];
        let tree = DominatorTree::new(&idom);
        let classes = Classes::devtools(&g);
        let t = by_constructor(&g, &classes, &retained, &tree);
        assert_eq!(
            t,
            vec![
                ClassTotals {
                    name: "Item".into(),
                    count: 3,
                    self_bytes: 37,
                    retained_bytes: 42
                },
                ClassTotals {
                    name: "(string)".into(),
                    count: 1,
                    self_bytes: 5,
                    retained_bytes: 5
                },
            ]
        );
    }
}
