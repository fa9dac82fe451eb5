//! HeapDiff: what grew between two heap snapshots, by constructor name.
//!
//! A snapshot is kept as a `HeapPicture`: 12 bytes per node (id, name key, self size), sorted
//! by id, with every distinct (node type, name) interned once in a shared `NameTable`. V8 keeps
//! a heap object's snapshot id for its whole life, so two pictures sorted by id are compared
//! by one merge: ids only in "before" were freed, ids only in "after" were allocated. Nothing
//! here recurses or hashes per node, so a million-node heap or a 100k-deep chain costs the same
//! as any other heap of that size.

use std::collections::HashMap;

/// `v8::HeapGraphNode::Type`, as numbered by V8 (stable since V8 3.x; 15 is newer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeType {
    Hidden = 0,
    Array = 1,
    String = 2,
    Object = 3,
    Code = 4,
    Closure = 5,
    RegExp = 6,
    HeapNumber = 7,
    Native = 8,
    Synthetic = 9,
    ConsString = 10,
    SlicedString = 11,
    Symbol = 12,
    BigInt = 13,
    ObjectShape = 14,
    WasmObject = 15,
}

impl NodeType {
    const COUNT: usize = 16;

    /// Unknown (future) types count as hidden: internal, never reported on their own.
    pub fn from_v8(raw: u32) -> NodeType {
        use NodeType::*;
        match raw {
            1 => Array,
            2 => String,
            3 => Object,
            4 => Code,
            5 => Closure,
            6 => RegExp,
            7 => HeapNumber,
            8 => Native,
            9 => Synthetic,
            10 => ConsString,
            11 => SlicedString,
            12 => Symbol,
            13 => BigInt,
            14 => ObjectShape,
            15 => WasmObject,
            _ => Hidden,
        }
    }
}

/// How node kinds are named in a diff's `what`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// leakwatch's own: the constructor name for objects, DevTools-like categories in
    /// parentheses for the rest (`(string)`, `(array)`, `(closure) onData`, `(system)`…).
    DevTools,
    /// @airbnb/node-memwatch's: `Array`, `String`, `Code`, `Closure`, `RegExp`, `Number`,
    /// `Native` and constructor names; hidden and other internal nodes are left out.
    Memwatch,
}

impl Naming {
    /// The group a node is counted in, or `None` when this naming leaves it out of `details`.
    pub fn group(self, kind: NodeType, name: &str) -> Option<String> {
        use NodeType::*;
        let named = |fallback: &str| {
            if name.is_empty() {
                fallback.to_string()
            } else {
                name.to_string()
            }
        };
        match self {
            Naming::DevTools => Some(match kind {
                Object => named("(anonymous)"),
                Native => named("(native)"),
                Synthetic => named("(synthetic)"),
                Closure if name.is_empty() => "(closure)".to_string(),
                Closure => format!("(closure) {name}"),
                Array => "(array)".to_string(),
                String | ConsString | SlicedString => "(string)".to_string(),
                Code => "(code)".to_string(),
                RegExp => "(regexp)".to_string(),
                HeapNumber => "(number)".to_string(),
                Symbol => "(symbol)".to_string(),
                BigInt => "(bigint)".to_string(),
                ObjectShape => "(object shape)".to_string(),
                WasmObject => "(wasm)".to_string(),
                Hidden => "(system)".to_string(),
            }),
            Naming::Memwatch => match kind {
                Object => Some(name.to_string()),
                Array => Some("Array".to_string()),
                String | ConsString | SlicedString => Some("String".to_string()),
                Code => Some("Code".to_string()),
                Closure => Some("Closure".to_string()),
                RegExp => Some("RegExp".to_string()),
                HeapNumber => Some("Number".to_string()),
                Native => Some("Native".to_string()),
                _ => None,
            },
        }
    }
}

/// Every distinct (node type, name) seen, interned once for all pictures of one diff.
#[derive(Debug)]
pub struct NameTable {
    by_type: Vec<HashMap<Box<str>, u32>>,
    entries: Vec<(NodeType, Box<str>)>,
}

impl Default for NameTable {
    fn default() -> Self {
        NameTable {
            by_type: (0..NodeType::COUNT).map(|_| HashMap::new()).collect(),
            entries: Vec::new(),
        }
    }
}

impl NameTable {
    pub fn new() -> NameTable {
        NameTable::default()
    }

    /// The key of (kind, name); allocates only the first time a pair is seen.
    pub fn intern(&mut self, kind: NodeType, name: &str) -> u32 {
        let map = &mut self.by_type[kind as usize];
        if let Some(&key) = map.get(name) {
            return key;
        }
        let key = self.entries.len() as u32;
        map.insert(name.into(), key);
        self.entries.push((kind, name.into()));
        key
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn get(&self, key: u32) -> (NodeType, &str) {
        let (kind, name) = &self.entries[key as usize];
        (*kind, name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NodeRecord {
    id: u32,
    key: u32,
    self_size: u32,
}

/// One snapshot, reduced to what a diff needs: 12 bytes per node.
#[derive(Debug, Default)]
pub struct HeapPicture {
    nodes: Vec<NodeRecord>,
    size_bytes: f64,
    sorted: bool,
}

impl HeapPicture {
    pub fn with_capacity(nodes: usize) -> HeapPicture {
        HeapPicture {
            nodes: Vec::with_capacity(nodes),
            size_bytes: 0.0,
            sorted: true,
        }
    }

    /// Adds one node; `self_size` in bytes (anything beyond 4 GiB is clamped).
    pub fn push(
        &mut self,
        names: &mut NameTable,
        id: u32,
        kind: NodeType,
        name: &str,
        self_size: f64,
    ) {
        let key = names.intern(kind, name);
        let self_size = if self_size.is_finite() && self_size > 0.0 {
            self_size.min(u32::MAX as f64) as u32
        } else {
            0
        };
        self.push_keyed(id, key, self_size);
    }

    /// Adds one node whose (type, name) is already interned as `key` in this diff's
    /// `NameTable` (the snapshot walk interns each distinct name once, not once per node).
    pub fn push_keyed(&mut self, id: u32, key: u32, self_size: u32) {
        if let Some(last) = self.nodes.last() {
            self.sorted &= last.id < id;
        }
        self.nodes.push(NodeRecord { id, key, self_size });
        self.size_bytes += self_size as f64;
    }

    /// Makes room for `nodes` more nodes up front; `false` (nothing changed) when the memory
    /// cannot be had, instead of an abort on a later push.
    pub fn try_reserve(&mut self, nodes: usize) -> bool {
        self.nodes.try_reserve_exact(nodes).is_ok()
    }

    /// Makes room for a snapshot of `total` nodes at once, instead of growing by doubling
    /// (which would briefly hold 1.5× the picture and copy it several times).
    pub fn reserve_total(&mut self, total: usize) {
        if let Some(more) = total.checked_sub(self.nodes.len()) {
            if self.nodes.capacity() < total {
                // Best effort: without the room, the pushes grow the vector as before.
                let _ = self.nodes.try_reserve_exact(more);
            }
        }
    }

    /// Sorts by id (V8 lists nodes in heap order, not id order) and releases spare capacity.
    pub fn finish(&mut self) {
        if !self.sorted {
            // Stable sort: it finds the long sorted runs V8 gives (a few hundred nodes out of
            // place in a million) and merges them, several times faster than a quicksort here.
            self.nodes.sort_by_key(|n| n.id);
            // Ids are unique per snapshot; a duplicate would only be counted once.
            self.nodes.dedup_by_key(|n| n.id);
            self.sorted = true;
        }
        self.nodes.shrink_to_fit();
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn size_bytes(&self) -> f64 {
        self.size_bytes
    }

    /// Bytes this picture holds on the Rust heap.
    pub fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<NodeRecord>()
    }
}

/// Totals of one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct HeapTotals {
    pub nodes: f64,
    pub size_bytes: f64,
}

/// One line of `details`: a constructor (or category) whose population changed.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffDetail {
    pub what: String,
    /// Bytes after minus bytes before, for this group.
    pub size_bytes: f64,
    /// Nodes of this group allocated (present after, not before).
    pub added: f64,
    /// Nodes of this group freed (present before, not after).
    pub removed: f64,
    /// Self size of this group's allocated nodes, bytes.
    pub added_bytes: f64,
    /// Self size of this group's freed nodes, bytes.
    pub removed_bytes: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeapDiffResult {
    pub before: HeapTotals,
    pub after: HeapTotals,
    pub size_bytes: f64,
    pub freed_nodes: f64,
    pub allocated_nodes: f64,
    /// Largest growth first.
    pub details: Vec<DiffDetail>,
}

#[derive(Debug, Default, Clone, Copy)]
struct GroupChange {
    before_bytes: f64,
    after_bytes: f64,
    added: f64,
    added_bytes: f64,
    removed: f64,
    removed_bytes: f64,
}

/// Compares two pictures (both `finish`ed) taken with the same `names`.
pub fn diff(
    before: &HeapPicture,
    after: &HeapPicture,
    names: &NameTable,
    naming: Naming,
) -> HeapDiffResult {
    // Key → group index, computed once per distinct name, not per node.
    let mut group_of_name: HashMap<String, u32> = HashMap::new();
    let mut group_names: Vec<String> = Vec::new();
    let group_of_key: Vec<Option<u32>> = (0..names.len() as u32)
        .map(|key| {
            let (kind, name) = names.get(key);
            naming.group(kind, name).map(|what| {
                *group_of_name.entry(what).or_insert_with_key(|what| {
                    group_names.push(what.clone());
                    group_names.len() as u32 - 1
                })
            })
        })
        .collect();
    let mut groups = vec![GroupChange::default(); group_names.len()];
    let group = |key: u32| {
        group_of_key
            .get(key as usize)
            .copied()
            .flatten()
            .map(|g| g as usize)
    };

    let (mut freed, mut allocated) = (0.0, 0.0);
    let (b, a) = (&before.nodes, &after.nodes);
    let (mut i, mut j) = (0, 0);
    while i < b.len() || j < a.len() {
        let take_before = j == a.len() || (i < b.len() && b[i].id < a[j].id);
        let take_after = i == b.len() || (j < a.len() && a[j].id < b[i].id);
        if take_before {
            freed += 1.0;
            if let Some(g) = group(b[i].key) {
                groups[g].before_bytes += b[i].self_size as f64;
                groups[g].removed += 1.0;
                groups[g].removed_bytes += b[i].self_size as f64;
            }
            i += 1;
        } else if take_after {
            allocated += 1.0;
            if let Some(g) = group(a[j].key) {
                groups[g].after_bytes += a[j].self_size as f64;
                groups[g].added += 1.0;
                groups[g].added_bytes += a[j].self_size as f64;
            }
            j += 1;
        } else {
            // The same object in both: it only counts if its size changed.
            if let Some(g) = group(b[i].key) {
                groups[g].before_bytes += b[i].self_size as f64;
            }
            if let Some(g) = group(a[j].key) {
                groups[g].after_bytes += a[j].self_size as f64;
            }
            i += 1;
            j += 1;
        }
    }

    let mut details: Vec<DiffDetail> = groups
        .iter()
        .zip(group_names)
        .filter(|(c, _)| c.added > 0.0 || c.removed > 0.0 || c.after_bytes != c.before_bytes)
        .map(|(c, what)| DiffDetail {
            what,
            size_bytes: c.after_bytes - c.before_bytes,
            added: c.added,
            removed: c.removed,
            added_bytes: c.added_bytes,
            removed_bytes: c.removed_bytes,
        })
        .collect();
    details.sort_by(|x, y| {
        y.size_bytes
            .total_cmp(&x.size_bytes)
            .then(y.added.total_cmp(&x.added))
            .then_with(|| x.what.cmp(&y.what))
    });

    HeapDiffResult {
        before: HeapTotals {
            nodes: before.node_count() as f64,
            size_bytes: before.size_bytes,
        },
        after: HeapTotals {
            nodes: after.node_count() as f64,
            size_bytes: after.size_bytes,
        },
        size_bytes: after.size_bytes - before.size_bytes,
        freed_nodes: freed,
        allocated_nodes: allocated,
        details,
    }
}

/// What grew most, for a `leak` report: the groups whose bytes grew, largest net growth first
/// (a group that only churns, as many freed as allocated, is not growth), at most `top`.
pub fn top_growth(result: &HeapDiffResult, top: usize) -> Vec<DiffDetail> {
    result
        .details
        .iter()
        .filter(|d| d.size_bytes > 0.0 && d.added > 0.0)
        .take(top)
        .cloned()
        .collect()
}

/// Ids (ascending) of the nodes of group `what` that are in `after` but not in `before`: the
/// objects a retainer-path search should reach. At most `limit` of them.
pub fn added_ids(
    before: &HeapPicture,
    after: &HeapPicture,
    names: &NameTable,
    naming: Naming,
    what: &str,
    limit: usize,
) -> Vec<u32> {
    let wanted: Vec<bool> = (0..names.len() as u32)
        .map(|key| {
            let (kind, name) = names.get(key);
            naming.group(kind, name).as_deref() == Some(what)
        })
        .collect();
    let is_wanted = |key: u32| wanted.get(key as usize).copied().unwrap_or(false);
    let mut ids = Vec::new();
    let b = &before.nodes;
    let mut i = 0;
    for node in &after.nodes {
        while i < b.len() && b[i].id < node.id {
            i += 1;
        }
        let existed = i < b.len() && b[i].id == node.id;
        if !existed && is_wanted(node.key) {
            ids.push(node.id);
            if ids.len() >= limit {
                break;
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_reservation_is_refused_and_the_picture_stays_usable() {
        let mut names = NameTable::new();
        let mut p = HeapPicture::with_capacity(0);
        assert!(!p.try_reserve(usize::MAX));
        assert!(p.try_reserve(2));
        p.push(&mut names, 3, NodeType::Object, "A", 16.0);
        p.finish();
        assert_eq!(p.node_count(), 1);
    }

    fn picture(names: &mut NameTable, nodes: &[(u32, NodeType, &str, f64)]) -> HeapPicture {
        let mut p = HeapPicture::with_capacity(nodes.len());
        for &(id, kind, name, size) in nodes {
            p.push(names, id, kind, name, size);
        }
        p.finish();
        p
    }

    #[test]
    fn names_are_interned_once_per_type_and_name() {
        let mut names = NameTable::new();
        let a = names.intern(NodeType::Object, "Foo");
        let b = names.intern(NodeType::Object, "Foo");
        let c = names.intern(NodeType::Closure, "Foo");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn allocated_and_freed_nodes_are_matched_by_id() {
        use NodeType::*;
        let mut names = NameTable::new();
        let before = picture(
            &mut names,
            &[
                (1, Object, "Keep", 16.0),
                (3, Object, "Gone", 24.0),
                (5, String, "", 32.0),
            ],
        );
        let after = picture(
            &mut names,
            &[
                (9, Object, "Leaky", 40.0),
                (1, Object, "Keep", 16.0),
                (5, String, "", 32.0),
                (7, Object, "Leaky", 40.0),
            ],
        );
        let d = diff(&before, &after, &names, Naming::DevTools);
        assert_eq!(d.freed_nodes, 1.0);
        assert_eq!(d.allocated_nodes, 2.0);
        assert_eq!(
            d.before,
            HeapTotals {
                nodes: 3.0,
                size_bytes: 72.0
            }
        );
        assert_eq!(
            d.after,
            HeapTotals {
                nodes: 4.0,
                size_bytes: 128.0
            }
        );
        assert_eq!(d.size_bytes, 56.0);
        assert_eq!(
            d.details,
            vec![
                DiffDetail {
                    what: "Leaky".into(),
                    size_bytes: 80.0,
                    added: 2.0,
                    removed: 0.0,
                    added_bytes: 80.0,
                    removed_bytes: 0.0
                },
                DiffDetail {
                    what: "Gone".into(),
                    size_bytes: -24.0,
                    added: 0.0,
                    removed: 1.0,
                    added_bytes: 0.0,
                    removed_bytes: 24.0
                },
            ]
        );
    }

    #[test]
    fn details_are_sorted_by_growth_then_by_count() {
        use NodeType::*;
        let mut names = NameTable::new();
        let before = picture(&mut names, &[]);
        let after = picture(
            &mut names,
            &[
                (1, Object, "Small", 8.0),
                (2, Object, "Big", 800.0),
                (3, Object, "Many", 4.0),
                (4, Object, "Many", 4.0),
            ],
        );
        let d = diff(&before, &after, &names, Naming::DevTools);
        let order: Vec<&str> = d.details.iter().map(|x| x.what.as_str()).collect();
        assert_eq!(order, ["Big", "Many", "Small"]);
    }

    #[test]
    fn the_two_namings_group_internal_nodes_differently() {
        use NodeType::*;
        let mut names = NameTable::new();
        let before = picture(&mut names, &[]);
        let after = picture(
            &mut names,
            &[
                (1, String, "", 20.0),
                (2, ConsString, "", 32.0),
                (3, Closure, "onData", 32.0),
                (4, Hidden, "", 8.0),
                (5, Array, "", 16.0),
                (6, HeapNumber, "", 16.0),
            ],
        );
        let whats = |naming| {
            let mut w: Vec<std::string::String> = diff(&before, &after, &names, naming)
                .details
                .into_iter()
                .map(|d| d.what)
                .collect();
            w.sort();
            w
        };
        assert_eq!(
            whats(Naming::DevTools),
            [
                "(array)",
                "(closure) onData",
                "(number)",
                "(string)",
                "(system)"
            ]
        );
        assert_eq!(
            whats(Naming::Memwatch),
            ["Array", "Closure", "Number", "String"]
        );
        let d = diff(&before, &after, &names, Naming::Memwatch);
        let strings = d.details.iter().find(|x| x.what == "String").unwrap();
        assert_eq!((strings.added, strings.size_bytes), (2.0, 52.0));
        // Hidden nodes are still counted in the totals, as memwatch did.
        assert_eq!(d.allocated_nodes, 6.0);
    }

    #[test]
    fn unchanged_groups_are_left_out_of_details() {
        use NodeType::*;
        let mut names = NameTable::new();
        let nodes = [(1, Object, "Same", 16.0), (2, Array, "", 64.0)];
        let before = picture(&mut names, &nodes);
        let after = picture(&mut names, &nodes);
        let d = diff(&before, &after, &names, Naming::DevTools);
        assert!(d.details.is_empty());
        assert_eq!(
            (d.freed_nodes, d.allocated_nodes, d.size_bytes),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn a_million_node_merge_is_linear_and_compact() {
        let mut names = NameTable::new();
        let n = 1_000_000u32;
        let mut before = HeapPicture::with_capacity(n as usize);
        let mut after = HeapPicture::with_capacity(n as usize + 1000);
        // Reverse order: finish() must sort.
        for id in (0..n).rev() {
            before.push(&mut names, id * 2 + 1, NodeType::Object, "Node", 32.0);
        }
        for id in (500..n + 500).rev() {
            after.push(&mut names, id * 2 + 1, NodeType::Object, "Node", 32.0);
        }
        before.finish();
        after.finish();
        assert_eq!(before.memory_bytes(), 12 * n as usize);
        let d = diff(&before, &after, &names, Naming::DevTools);
        assert_eq!((d.freed_nodes, d.allocated_nodes), (500.0, 500.0));
        assert_eq!(d.details[0].size_bytes, 0.0);
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn top_growth_ranks_net_growth_and_leaves_out_churn() {
        use NodeType::*;
        let mut names = NameTable::new();
        let before = picture(
            &mut names,
            &[(1, Object, "Churn", 100.0), (2, Object, "Churn", 100.0)],
        );
        let after = picture(
            &mut names,
            &[
                (3, Object, "Churn", 100.0),
                (4, Object, "Churn", 100.0),
                (5, Object, "Leaky", 40.0),
                (6, Object, "Leaky", 40.0),
                (7, String, "", 8.0),
            ],
        );
        let d = diff(&before, &after, &names, Naming::DevTools);
        let top = top_growth(&d, 5);
        let whats: Vec<&str> = top.iter().map(|x| x.what.as_str()).collect();
        assert_eq!(whats, ["Leaky", "(string)"]);
        assert_eq!((top[0].added, top[0].added_bytes), (2.0, 80.0));
        assert_eq!(top_growth(&d, 1).len(), 1);
    }

    #[test]
    fn added_ids_are_the_new_nodes_of_one_group() {
        use NodeType::*;
        let mut names = NameTable::new();
        let before = picture(
            &mut names,
            &[(1, Object, "Leaky", 40.0), (4, Object, "Other", 8.0)],
        );
        let after = picture(
            &mut names,
            &[
                (9, Object, "Leaky", 40.0),
                (1, Object, "Leaky", 40.0),
                (4, Object, "Other", 8.0),
                (5, Object, "Other", 8.0),
                (7, Object, "Leaky", 40.0),
            ],
        );
        let ids = added_ids(&before, &after, &names, Naming::DevTools, "Leaky", 10);
        assert_eq!(ids, [7, 9]);
        let one = added_ids(&before, &after, &names, Naming::DevTools, "Leaky", 1);
        assert_eq!(one, [7]);
        let none = added_ids(&before, &after, &names, Naming::DevTools, "Absent", 10);
        assert!(none.is_empty());
    }
}
