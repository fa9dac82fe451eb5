//! The kinds of memory a leak can be in, each watched by its own [`LeakDetector`] with its own
//! defaults: the V8 heap, external memory (Buffers, ArrayBuffers, WASM memory, zlib's buffers:
//! what V8 counts as `external_memory`) and native memory outside both (what is left of RSS).
//!
//! [`LeakDetector`]: crate::detector::LeakDetector

use crate::detector::DetectorOptions;

const MIB: f64 = 1024.0 * 1024.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    /// `used_heap_size` after full GCs.
    Heap,
    /// `external_memory` after full GCs.
    External,
    /// [`native_residual`] after full GCs.
    Rss,
}

impl MemoryKind {
    pub const ALL: [MemoryKind; 3] = [MemoryKind::Heap, MemoryKind::External, MemoryKind::Rss];

    /// The JS name: the `kind` of `leak` and `leakEnd` reports.
    pub fn name(self) -> &'static str {
        match self {
            MemoryKind::Heap => "heap",
            MemoryKind::External => "external",
            MemoryKind::Rss => "rss",
        }
    }

    pub fn from_name(name: &str) -> Option<MemoryKind> {
        MemoryKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What grew, in a `reason`: "heap grew 40.0 MB ...", "external memory grew ...".
    pub fn subject(self) -> &'static str {
        match self {
            MemoryKind::Heap => "heap",
            MemoryKind::External => "external memory",
            MemoryKind::Rss => "native memory (RSS outside the V8 heap and external memory)",
        }
    }

    /// The limit the time-to-limit estimate is against, in a `reason`.
    pub fn limit_name(self) -> &'static str {
        match self {
            MemoryKind::Heap => "heap limit",
            MemoryKind::External | MemoryKind::Rss => "memory limit",
        }
    }

    /// Watched unless configured otherwise. RSS is off: reading it is a system call per full
    /// GC, and its input is the noisiest (allocator retention, page-level accounting); a
    /// native leak is rarer than a heap or Buffer one.
    pub fn on_by_default(self) -> bool {
        !matches!(self, MemoryKind::Rss)
    }

    /// Whether what this kind measures sticks after a burst: allocators keep the pages a burst
    /// took, and RSS then steps up over a few consecutive full GCs and stays, creeping by a
    /// few pages — the shape the few-GCs and limit rules take for a leak in a heap with few
    /// GCs, and one the rank tests pass. A sticky kind has neither rule, and its reports need
    /// the episode's recent half to hold a quarter of the growth threshold itself.
    pub fn sticky(self) -> bool {
        matches!(self, MemoryKind::Rss)
    }

    /// Production defaults per kind.
    /// - heap: see `DetectorOptions::default`.
    /// - external: Buffers come and go in large pieces (socket and zlib buffers, a response
    ///   body in flight), so the post-GC value jumps by several MB between full GCs: 32 MiB /
    ///   10 % and a minute of evidence keep that below the bar.
    /// - rss: the residual moves in allocator arenas and mmap chunks and keeps what a burst
    ///   left (a step, not a trend: the deceleration check holds it back, given enough
    ///   samples): 64 MiB / 10 %, 24 full GCs over at least 5 minutes.
    pub fn default_options(self) -> DetectorOptions {
        let heap = DetectorOptions::default();
        match self {
            MemoryKind::Heap => heap,
            MemoryKind::External => DetectorOptions {
                min_duration_ms: 60_000.0,
                min_growth_bytes: 32.0 * MIB,
                min_growth_percent: 10.0,
                ..heap
            },
            MemoryKind::Rss => DetectorOptions {
                min_duration_ms: 300_000.0,
                min_samples: 24,
                min_growth_bytes: 64.0 * MIB,
                min_growth_percent: 10.0,
                ..heap
            },
        }
    }
}

/// The rss detector's input: resident memory that is neither the V8 heap's pages
/// (`total_physical_size`) nor external memory. A heap leak then moves only the heap, a Buffer
/// leak only external memory, and each pages once, as its own kind. At least 0 (the detector
/// takes sizes): an ArrayBuffer V8 counts in full whose pages were never touched can make the
/// difference negative.
pub fn native_residual(rss: f64, total_physical_size: f64, external_memory: f64) -> f64 {
    (rss - total_physical_size - external_memory).max(0.0)
}

/// The value of one kind's input at which the process reaches `memory_limit`, when the rest
/// of its RSS (`rss - input`) stays as it is now; `None` without a limit or an RSS reading.
/// What the time to the container's limit of an external or rss report is measured against.
pub fn limit_for_input(memory_limit: Option<f64>, rss: Option<f64>, input: f64) -> Option<f64> {
    match (memory_limit, rss) {
        // At least 0: the rest of RSS may already be past the limit (no headroom left).
        (Some(limit), Some(rss)) if limit > 0.0 && rss > 0.0 => {
            Some((limit - (rss - input)).max(0.0))
        }
        _ => None,
    }
}

/// RSS in bytes from the text of Linux's `/proc/<pid>/statm` ("size resident shared ...", in
/// pages of `page_size` bytes); `None` when it does not read as that.
pub fn statm_resident_bytes(statm: &str, page_size: f64) -> Option<f64> {
    let pages: u64 = statm.split_ascii_whitespace().nth(1)?.parse().ok()?;
    (page_size > 0.0).then_some(pages as f64 * page_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statm_gives_the_resident_pages_in_bytes() {
        assert_eq!(
            statm_resident_bytes("262144 12345 3000 10 0 9000 0\n", 4096.0),
            Some(12345.0 * 4096.0)
        );
        assert_eq!(statm_resident_bytes("262144", 4096.0), None);
        assert_eq!(statm_resident_bytes("262144 x 3", 4096.0), None);
        assert_eq!(statm_resident_bytes("1 2", 0.0), None);
    }

    #[test]
    fn names_round_trip() {
        for kind in MemoryKind::ALL {
            assert_eq!(MemoryKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(MemoryKind::from_name("stack"), None);
    }

    #[test]
    fn every_default_is_valid_and_outside_the_heap_the_floors_are_larger() {
        let heap = MemoryKind::Heap.default_options();
        assert_eq!(heap, DetectorOptions::default());
        for kind in MemoryKind::ALL {
            kind.default_options().validate().unwrap();
        }
        for kind in [MemoryKind::External, MemoryKind::Rss] {
            let o = kind.default_options();
            assert!(o.min_growth_bytes > heap.min_growth_bytes, "{kind:?}");
            assert!(o.min_growth_percent > heap.min_growth_percent, "{kind:?}");
            assert!(o.min_duration_ms > heap.min_duration_ms, "{kind:?}");
        }
        let rss = MemoryKind::Rss.default_options();
        assert!(rss.min_samples > heap.min_samples && rss.min_growth_bytes >= 64.0 * MIB);
        assert!(MemoryKind::Heap.on_by_default() && MemoryKind::External.on_by_default());
        assert!(!MemoryKind::Rss.on_by_default());
    }

    #[test]
    fn the_residual_leaves_out_the_heap_and_external_memory() {
        assert_eq!(native_residual(300.0, 100.0, 50.0), 150.0);
        // A heap leak raises RSS and the heap's pages alike: the residual stays.
        assert_eq!(native_residual(400.0, 200.0, 50.0), 150.0);
        // Untouched ArrayBuffer pages: never below 0.
        assert_eq!(native_residual(100.0, 80.0, 50.0), 0.0);
    }

    #[test]
    fn the_limit_for_an_input_is_the_headroom_above_the_rest_of_rss() {
        // 1000 limit, RSS 600 of which 200 is this input: the input may reach 600.
        assert_eq!(
            limit_for_input(Some(1000.0), Some(600.0), 200.0),
            Some(600.0)
        );
        assert_eq!(limit_for_input(None, Some(600.0), 200.0), None);
        assert_eq!(limit_for_input(Some(1000.0), None, 200.0), None);
        assert_eq!(limit_for_input(Some(0.0), Some(600.0), 200.0), None);
        // The rest of RSS already past the limit: no headroom, and a valid detector limit.
        assert_eq!(
            limit_for_input(Some(1000.0), Some(1500.0), 200.0),
            Some(0.0)
        );
    }

    #[test]
    fn reports_and_ends_name_their_kind_and_the_memory_limit() {
        use crate::detector::LeakDetector;
        let options = DetectorOptions {
            window_ms: 600_000.0,
            min_duration_ms: 0.0,
            min_samples: 8,
            min_growth_bytes: MIB,
            ..MemoryKind::External.default_options()
        };
        let mut d = LeakDetector::for_kind(MemoryKind::External, options).unwrap();
        let limit = 1024.0 * MIB;
        let mut report = None;
        for i in 0..40 {
            let external = 50.0 * MIB + 2.0 * MIB * i as f64;
            // RSS: 100 MiB of other memory plus the input.
            let for_input = limit_for_input(Some(limit), Some(100.0 * MIB + external), external);
            let limits = for_input.map(|l| (l, limit));
            if let Some(r) = d
                .update_against(2_000.0 * i as f64, external, limits)
                .unwrap()
            {
                report.get_or_insert(r);
            }
        }
        let r = report.expect("a steady external rise is reported");
        assert_eq!(r.kind, MemoryKind::External);
        assert!(
            r.reason.starts_with("external memory grew "),
            "{}",
            r.reason
        );
        assert!(
            r.reason.contains("; memory limit (1.0 GB) reached in ~"),
            "{}",
            r.reason
        );
        assert_eq!(r.heap_size_limit, Some(limit));
        // 1 MiB/s towards (limit − 100 MiB): the estimate is against the input's headroom.
        let at = r.end_used_heap_size;
        let expected = (limit - 100.0 * MIB - at) / (MIB / 1000.0);
        let ttl = r.estimated_time_to_limit_ms.unwrap();
        assert!(
            (ttl - expected).abs() < 0.1 * expected,
            "{ttl} vs {expected}"
        );
        let mut end = None;
        for i in 40..80 {
            d.update_against(2_000.0 * i as f64, 128.0 * MIB, None)
                .unwrap();
            end = end.or_else(|| d.ended().cloned());
        }
        let end = end.expect("the episode ends once the floor is flat");
        assert_eq!(end.kind, MemoryKind::External);
        assert!(
            end.reason.starts_with("external memory stopped growing"),
            "{}",
            end.reason
        );
    }

    /// The rss detector with the fast options of __test__/memory-kinds.test.js.
    fn fast_rss() -> crate::detector::LeakDetector {
        let options = DetectorOptions {
            window_ms: 600_000.0,
            min_duration_ms: 0.0,
            min_samples: 16,
            min_growth_bytes: 24.0 * MIB,
            min_growth_percent: 5.0,
            ..MemoryKind::Rss.default_options()
        };
        crate::detector::LeakDetector::for_kind(MemoryKind::Rss, options).unwrap()
    }

    fn reports(d: &mut crate::detector::LeakDetector, series: &[f64]) -> usize {
        let limit = Some((4096.0 * MIB, 4096.0 * MIB));
        (0..series.len())
            .filter(|&i| {
                let t = 100.0 * i as f64;
                d.update_against(t, series[i] * MIB, limit)
                    .unwrap()
                    .is_some()
            })
            .count()
    }

    #[test]
    fn rss_kept_after_a_burst_is_not_a_leak_and_a_steady_rise_is() {
        // Measured (fixtures/memory-kinds.js burst, v8.GCProfiler): the allocator keeps the
        // burst's 400 MB over two full GCs, then the level creeps by a few pages. The few-GCs
        // rule, the limit rule and the rank tests would all take it for a leak.
        let mut kept: Vec<f64> = vec![41.9; 10];
        kept.extend([241.1, 451.0]);
        kept.extend((0..30).map(|i| 451.2 + 0.01 * i as f64));
        for split in 0..6 {
            // Wherever the step falls in the window.
            let series: Vec<f64> = kept[split..].to_vec();
            assert_eq!(reports(&mut fast_rss(), &series), 0, "step at {split}");
        }
        // A native leak of ~2.8 MB per full GC, with RSS's ±13 MB flicker between full GCs.
        let leak: Vec<f64> = (0..48)
            .map(|i| 60.0 + 2.8 * i as f64 + if i % 3 == 0 { 13.0 } else { 0.0 })
            .collect();
        assert!(
            reports(&mut fast_rss(), &leak) > 0,
            "a steady native leak is reported"
        );
    }
}
