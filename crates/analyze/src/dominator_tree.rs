//! The dominator tree as children lists (CSR, from `Dominators::idom`) and its preorder walk.
//! Sums "without double counting" are one walk: a node counts unless an ancestor already did.

pub struct DominatorTree {
    first_child: Vec<u32>,
    children: Vec<u32>,
}

/// A walk's events: `Enter` before a node's subtree, `Leave` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    Enter(usize),
    Leave(usize),
}

const LEAVE: u32 = 1 << 31;

impl DominatorTree {
    /// `idom[v]` is v's immediate dominator (the root, 0, is its own).
    pub fn new(idom: &[u32]) -> DominatorTree {
        let n = idom.len();
        let mut first_child = vec![0u32; n + 1];
        for (v, &d) in idom.iter().enumerate() {
            if v != 0 && (d as usize) < n {
                first_child[d as usize + 1] += 1;
            }
        }
        for i in 0..n {
            first_child[i + 1] += first_child[i];
        }
        let mut fill = first_child.clone();
        let mut children = vec![0u32; first_child[n] as usize];
        for (v, &d) in idom.iter().enumerate() {
            if v != 0 && (d as usize) < n {
                children[fill[d as usize] as usize] = v as u32;
                fill[d as usize] += 1;
            }
        }
        DominatorTree {
            first_child,
            children,
        }
    }

    pub fn children(&self, node: usize) -> &[u32] {
        &self.children[self.first_child[node] as usize..self.first_child[node + 1] as usize]
    }

    /// Depth-first from the root, iteratively (a 100k-deep chain is one path of the tree).
    /// A node not under the root (only on a malformed `idom`) is never visited.
    pub fn walk(&self, mut visit: impl FnMut(Visit)) {
        if self.first_child.len() < 2 {
            return;
        }
        let mut stack: Vec<u32> = vec![0];
        while let Some(top) = stack.pop() {
            if top & LEAVE != 0 {
                visit(Visit::Leave((top & !LEAVE) as usize));
                continue;
            }
            let node = top as usize;
            visit(Visit::Enter(node));
            stack.push(top | LEAVE);
            stack.extend(self.children(node).iter().rev());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_and_preorder_with_leave_events() {
        // 0 → 1 → {2, 3}; 0 → 4
        let t = DominatorTree::new(&[0, 0, 1, 1, 0]);
        assert_eq!(t.children(0), &[1, 4]);
        assert_eq!(t.children(1), &[2, 3]);
        let mut seen = Vec::new();
        t.walk(|v| seen.push(v));
        use Visit::*;
        assert_eq!(
            seen,
            vec![
                Enter(0),
                Enter(1),
                Enter(2),
                Leave(2),
                Enter(3),
                Leave(3),
                Leave(1),
                Enter(4),
                Leave(4),
                Leave(0)
            ]
        );
    }

    #[test]
    fn a_deep_chain_does_not_recurse() {
        let n = 200_000u32;
        let idom: Vec<u32> = (0..n).map(|v| v.saturating_sub(1)).collect();
        let t = DominatorTree::new(&idom);
        let mut depth = 0usize;
        let mut max = 0usize;
        t.walk(|v| match v {
            Visit::Enter(_) => {
                depth += 1;
                max = max.max(depth);
            }
            Visit::Leave(_) => depth -= 1,
        });
        assert_eq!(max, n as usize);
    }
}
