//! First vs last snapshot by constructor: HeapDiff's report (the core's `heap_diff`), offline.
//! Each snapshot is kept as a `HeapPicture` (12 bytes a node), so the first graph is dropped
//! before the last is read.

use leakwatch_core::heap_diff::{self, HeapDiffResult, HeapPicture, NameTable, Naming};

use crate::classes::{class_name, named};
use crate::fast_hash::FastMap;
use crate::graph::HeapGraph;

/// `g` as the core's diff sees it (with `Naming::DevTools`: names only where they make the
/// class), its (type, name) pairs interned in `names`.
pub fn picture(g: &HeapGraph, names: &mut NameTable) -> HeapPicture {
    let mut picture = HeapPicture::with_capacity(g.node_count());
    let mut keys: FastMap<(u8, u32), u32> = FastMap::default();
    for node in 0..g.node_count() {
        let kind = g.node_type[node];
        let name = if named(kind) { g.node_name[node] } else { 0 };
        let key = *keys
            .entry((kind as u8, name))
            .or_insert_with(|| names.intern(kind, class_name(g, node)));
        let size = g.node_self_size[node].min(u32::MAX as u64) as u32;
        picture.push_keyed(g.node_id[node], key, size);
    }
    picture.finish();
    picture
}

/// The diff, its details by the size of the change either way (largest first).
pub fn diff(before: &HeapPicture, after: &HeapPicture, names: &NameTable) -> HeapDiffResult {
    let mut result = heap_diff::diff(before, after, names, Naming::DevTools);
    result.details.sort_by(|x, y| {
        y.size_bytes
            .abs()
            .total_cmp(&x.size_bytes.abs())
            .then(y.added.total_cmp(&x.added))
            .then_with(|| x.what.cmp(&y.what))
    });
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{GraphBuilder, NodeType};

    #[test]
    fn growth_and_shrinkage_by_constructor() {
        let mut names = NameTable::new();
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0);
        b.node(NodeType::Object, "Gone", 3, 500);
        b.node(NodeType::Object, "Kept", 5, 10);
        let before = picture(&b.finish(), &mut names);
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0);
        b.node(NodeType::Object, "Kept", 5, 10);
        b.node(NodeType::Object, "Leaky", 9, 100);
        b.node(NodeType::Object, "Leaky", 7, 100);
        b.node(NodeType::String, "s", 11, 40);
        let after = picture(&b.finish(), &mut names);
        let d = diff(&before, &after, &names);
        assert_eq!(d.before.nodes, 3.0);
        assert_eq!(d.after.size_bytes, 250.0);
        let rows: Vec<(&str, f64, f64, f64, f64, f64)> = d
            .details
            .iter()
            .map(|r| {
                (
                    r.what.as_str(),
                    r.added,
                    r.removed,
                    r.added_bytes,
                    r.removed_bytes,
                    r.size_bytes,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("Gone", 0.0, 1.0, 0.0, 500.0, -500.0),
                ("Leaky", 2.0, 0.0, 200.0, 0.0, 200.0),
                ("(string)", 1.0, 0.0, 40.0, 0.0, 40.0),
            ]
        );
    }
}
