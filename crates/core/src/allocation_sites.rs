//! Allocation sites: the stacks that allocated the live objects of V8's sampling heap profiler.
//!
//! V8 samples one allocation per `interval` bytes on average (a Poisson process: an object of
//! `size` bytes is sampled with probability `p = 1 − exp(−size / interval)`), keeps the sample
//! while its object lives, and reports per call-tree node the (size, count) of its live samples
//! with `count` already scaled by `1 / p` (an estimate of objects, not of samples). Here the
//! tree, flattened in pre-order (each node's parent comes before it), becomes the top stacks by
//! estimated live bytes, each with the raw sample count behind it and its standard error.

/// One function on a sampled stack, as V8 names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    pub function_name: String,
    /// The script's name (its path or URL); empty when V8 has none (VM states, unloaded code).
    pub script_name: String,
    /// 0 (`v8::UnboundScript::kNoScriptId`) when there is no script.
    pub script_id: i32,
    /// 1-based line and column where the function is defined; 0 when unknown.
    pub line: i32,
    pub column: i32,
}

/// Live samples of one size at one node: `count` is V8's scaled estimate of objects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocation {
    pub size: f64,
    pub count: f64,
}

/// A node of the allocation call tree: the root (V8's "(root)") has no parent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileNode {
    /// Index of the caller's node, before this one; `None` for the root.
    pub parent: Option<usize>,
    pub frame: Frame,
    /// The node's own live samples (its callees' are on their nodes).
    pub allocations: Vec<Allocation>,
}

/// One allocating site (see `top_sites`): its estimated live bytes and how sure that is.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationSite {
    /// Estimated live bytes allocated at this site (Σ size · count).
    pub bytes: f64,
    /// One standard error of `bytes` (≈ bytes / √samples for objects much smaller than the
    /// interval; 0 for objects much larger, which are always sampled).
    pub bytes_error: f64,
    /// Estimated raw samples behind it (Σ count · p), rounded.
    pub samples: f64,
    /// The site's heaviest stack: node indices from the allocating function out to the
    /// outermost caller, root excluded.
    pub frames: Vec<usize>,
}

/// The probability that V8 samples an object of `size` bytes at a mean `interval`.
pub fn sample_probability(size: f64, interval: f64) -> f64 {
    if size.is_nan() || interval.is_nan() || size <= 0.0 || interval <= 0.0 {
        return 1.0;
    }
    -(-size / interval).exp_m1()
}

/// (bytes, variance of bytes, raw samples) of one node's own allocations. Per object, the
/// estimator adds `size / p` with probability `p`: variance `size² (1 − p) / p`; V8's `count`
/// objects (`count · p` samples) give `count · size² (1 − p) / p`.
fn node_totals(allocations: &[Allocation], interval: f64) -> (f64, f64, f64) {
    let mut bytes = 0.0;
    let mut variance = 0.0;
    let mut samples = 0.0;
    for a in allocations {
        if a.size.is_nan() || a.count.is_nan() || a.size <= 0.0 || a.count <= 0.0 {
            continue;
        }
        let p = sample_probability(a.size, interval);
        bytes += a.size * a.count;
        variance += a.count * a.size * a.size * (1.0 - p) / p;
        samples += a.count * p;
    }
    (bytes, variance, samples)
}

impl Frame {
    /// The user's code: a script that is not Node's own (`node:`). V8's builtins (e.g.
    /// `repeat`, no script) and VM states ("(V8 API)", "(GC)") are not.
    pub fn is_user(&self) -> bool {
        !self.script_name.is_empty() && !self.script_name.starts_with("node:")
    }
}

/// The `top` sites by estimated live bytes (ties: the earlier node). A site is the innermost
/// user frame of a stack (`Frame::is_user`) with everything allocated in the builtins and
/// Node internals it called (a stack without user frame is a site of its own); its `frames`
/// are the full stack of its heaviest node. `interval` is the sampler's mean interval in
/// bytes. A parent index that does not come before its node ends the stack there, so a
/// malformed tree cannot loop.
pub fn top_sites(nodes: &[ProfileNode], interval: f64, top: usize) -> Vec<AllocationSite> {
    let mut by_site: std::collections::HashMap<usize, SiteTotals> = Default::default();
    for (i, node) in nodes.iter().enumerate() {
        let (bytes, variance, samples) = node_totals(&node.allocations, interval);
        if bytes <= 0.0 {
            continue;
        }
        let site = stack_of(nodes, i)
            .into_iter()
            .find(|&at| nodes[at].frame.is_user())
            .unwrap_or(i);
        let totals = by_site.entry(site).or_insert(SiteTotals {
            heaviest: i,
            ..Default::default()
        });
        totals.bytes += bytes;
        totals.variance += variance;
        totals.samples += samples;
        if bytes > totals.heaviest_bytes {
            (totals.heaviest, totals.heaviest_bytes) = (i, bytes);
        }
    }
    let mut ranked: Vec<(usize, SiteTotals)> = by_site.into_iter().collect();
    ranked.sort_by(|a, b| b.1.bytes.total_cmp(&a.1.bytes).then(a.0.cmp(&b.0)));
    ranked.truncate(top);
    ranked
        .into_iter()
        .map(|(_, t)| AllocationSite {
            bytes: t.bytes.round(),
            bytes_error: t.variance.sqrt().round(),
            samples: t.samples.round(),
            frames: stack_of(nodes, t.heaviest),
        })
        .collect()
}

/// One site's sums while `top_sites` adds its nodes up.
#[derive(Default)]
struct SiteTotals {
    bytes: f64,
    variance: f64,
    samples: f64,
    /// The node with the most bytes, and its bytes: whose stack the site shows.
    heaviest: usize,
    heaviest_bytes: f64,
}

/// Node indices from `leaf` out to the outermost caller, without the root.
fn stack_of(nodes: &[ProfileNode], leaf: usize) -> Vec<usize> {
    let mut frames = Vec::new();
    let mut at = leaf;
    // The root (no parent) is V8's "(root)": not a frame.
    while let Some(parent) = nodes[at].parent {
        frames.push(at);
        if parent >= at {
            break;
        }
        at = parent;
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: f64 = 1024.0;

    fn node(parent: Option<usize>, name: &str, allocations: &[(f64, f64)]) -> ProfileNode {
        ProfileNode {
            parent,
            frame: Frame {
                function_name: name.to_string(),
                script_name: "/app/x.js".to_string(),
                script_id: 3,
                line: 1,
                column: 1,
            },
            allocations: allocations
                .iter()
                .map(|&(size, count)| Allocation { size, count })
                .collect(),
        }
    }

    #[test]
    fn ranks_stacks_by_live_bytes_and_names_them_leaf_first() {
        // (root) → main → handle (1 MB) → cache (30 MB); main → log (2 MB)
        let nodes = vec![
            node(None, "(root)", &[]),
            node(Some(0), "main", &[]),
            node(Some(1), "handle", &[(1024.0, 1024.0)]),
            node(Some(2), "cache", &[(1024.0, 30.0 * 1024.0)]),
            node(Some(1), "log", &[(64.0, 32.0 * 1024.0)]),
        ];
        let sites = top_sites(&nodes, 512.0 * KIB, 2);
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].frames, vec![3, 2, 1]);
        assert_eq!(sites[0].bytes, 30.0 * 1024.0 * 1024.0);
        assert_eq!(sites[1].frames, vec![4, 1]);
        assert_eq!(sites[1].bytes, 2.0 * 1024.0 * 1024.0);
    }

    #[test]
    fn small_objects_have_the_poisson_error_of_their_raw_samples() {
        // 60 raw samples of 1 KiB objects at 512 KiB: V8 reports count = 60 / p.
        let interval = 512.0 * KIB;
        let p = sample_probability(1024.0, interval);
        let nodes = vec![
            node(None, "(root)", &[]),
            node(Some(0), "leak", &[(1024.0, 60.0 / p)]),
        ];
        let site = &top_sites(&nodes, interval, 5)[0];
        assert_eq!(site.samples, 60.0);
        // ≈ bytes / √samples: 60 samples each standing for ~512 KiB.
        let expected = site.bytes / 60f64.sqrt();
        assert!(
            (site.bytes_error - expected).abs() / expected < 0.01,
            "{site:?}"
        );
        assert!((site.bytes - 60.0 * interval).abs() / site.bytes < 0.01);
    }

    #[test]
    fn objects_far_larger_than_the_interval_are_exact() {
        let nodes = vec![
            node(None, "(root)", &[]),
            node(Some(0), "big", &[(64.0 * 1024.0 * KIB, 3.0)]),
        ];
        let site = &top_sites(&nodes, 512.0 * KIB, 5)[0];
        assert_eq!(site.samples, 3.0);
        assert_eq!(site.bytes_error, 0.0);
    }

    #[test]
    fn nodes_without_live_samples_are_no_site_and_top_bounds_the_list() {
        let nodes = vec![
            node(None, "(root)", &[]),
            node(Some(0), "a", &[(10.0, 0.0)]),
            node(Some(0), "b", &[(10.0, 5.0)]),
            node(Some(0), "c", &[(10.0, 5.0)]),
        ];
        let sites = top_sites(&nodes, 512.0 * KIB, 1);
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].frames, vec![2], "a tie goes to the earlier node");
        assert!(top_sites(&nodes, 512.0 * KIB, 0).is_empty());
        assert!(top_sites(&[], 512.0 * KIB, 5).is_empty());
    }

    #[test]
    fn a_parent_after_its_child_cannot_loop() {
        let nodes = vec![
            node(Some(1), "x", &[(100.0, 1.0)]),
            node(Some(0), "y", &[(100.0, 1.0)]),
        ];
        let sites = top_sites(&nodes, 512.0 * KIB, 5);
        assert_eq!(sites.len(), 2);
        // y → x is kept (0 comes before 1); x's parent 1 does not: x ends its stack.
        assert_eq!(
            sites.iter().find(|s| s.frames[0] == 1).unwrap().frames,
            vec![1, 0]
        );
        assert_eq!(
            sites.iter().find(|s| s.frames[0] == 0).unwrap().frames,
            vec![0]
        );
    }

    #[test]
    fn builtins_and_node_internals_count_for_the_user_function_that_called_them() {
        let mut nodes = vec![
            node(None, "(root)", &[]),
            node(Some(0), "leak", &[(1024.0, 10.0 * 1024.0)]),
            node(Some(1), "repeat", &[(1024.0, 20.0 * 1024.0)]),
            node(Some(1), "Buffer.alloc", &[(1024.0, 5.0 * 1024.0)]),
            node(Some(0), "other", &[(1024.0, 25.0 * 1024.0)]),
            node(Some(0), "(V8 API)", &[(1024.0, 1024.0)]),
        ];
        nodes[2].frame.script_name.clear();
        nodes[3].frame.script_name = "node:buffer".to_string();
        nodes[5].frame.script_name.clear();
        let sites = top_sites(&nodes, 512.0 * KIB, 5);
        assert_eq!(sites.len(), 3);
        // leak: 10 + 20 + 5 MB, its frames the heaviest stack (repeat ← leak).
        assert_eq!(sites[0].bytes, 35.0 * 1024.0 * 1024.0);
        assert_eq!(sites[0].frames, vec![2, 1]);
        assert_eq!(sites[1].frames, vec![4]);
        // No user frame at all: a site of its own.
        assert_eq!(sites[2].frames, vec![5]);
        let p = sample_probability(1024.0, 512.0 * KIB);
        assert_eq!(sites[0].samples, (35.0 * 1024.0 * p).round());
    }

    #[test]
    fn probability_is_bounded_for_any_input() {
        assert_eq!(sample_probability(0.0, 512.0), 1.0);
        assert_eq!(sample_probability(f64::NAN, 512.0), 1.0);
        assert_eq!(sample_probability(10.0, 0.0), 1.0);
        let p = sample_probability(512.0, 512.0);
        assert!((p - (1.0 - (-1f64).exp())).abs() < 1e-12);
    }
}
