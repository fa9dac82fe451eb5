//! One finished garbage collection, as read in V8's GC epilogue.

/// The kinds of GC V8 reports. The order is the index used in per-kind arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcKind {
    Scavenge,
    MinorMarkSweep,
    MarkSweepCompact,
    IncrementalMarking,
    ProcessWeakCallbacks,
}

impl GcKind {
    pub const ALL: [GcKind; 5] = [
        GcKind::Scavenge,
        GcKind::MinorMarkSweep,
        GcKind::MarkSweepCompact,
        GcKind::IncrementalMarking,
        GcKind::ProcessWeakCallbacks,
    ];

    pub fn from_index(index: u32) -> Option<GcKind> {
        GcKind::ALL.get(index as usize).copied()
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The `gcType` string of the `stats` payload.
    pub fn name(self) -> &'static str {
        match self {
            GcKind::Scavenge => "scavenge",
            GcKind::MinorMarkSweep => "minor-mark-sweep",
            GcKind::MarkSweepCompact => "mark-sweep-compact",
            GcKind::IncrementalMarking => "incremental-marking",
            GcKind::ProcessWeakCallbacks => "process-weak-callbacks",
        }
    }

    /// Minor GCs only touch the young generation: their post-GC heap says nothing about leaks.
    pub fn is_minor(self) -> bool {
        matches!(self, GcKind::Scavenge | GcKind::MinorMarkSweep)
    }

    /// Bit used in the shim's delivery mask.
    pub fn bit(self) -> u32 {
        1 << self.index()
    }
}

pub const KIND_COUNT: usize = 5;

/// `v8::GCCallbackFlags` bits (the same values in V8 11 to 14, Node 20 to 26).
pub const GC_FLAG_FORCED: u32 = 1 << 2;
pub const GC_FLAG_COLLECT_ALL_AVAILABLE_GARBAGE: u32 = 1 << 4;
pub const GC_FLAG_COLLECT_ALL_EXTERNAL_MEMORY: u32 = 1 << 5;
pub const MAX_HEAP_SPACES: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeapSpace {
    /// V8's space name, e.g. "old_space" (a static string owned by V8).
    pub name: &'static str,
    pub size: f64,
    pub used: f64,
    pub available: f64,
    pub physical: f64,
}

impl HeapSpace {
    pub const EMPTY: HeapSpace = HeapSpace {
        name: "",
        size: 0.0,
        used: 0.0,
        available: 0.0,
        physical: 0.0,
    };
}

/// Heap statistics right after one GC. Bytes and milliseconds as `f64`, like
/// `process.memoryUsage()`: exact up to 2^53 bytes and free of integer overflow.
/// `Copy` and fixed-size so that queueing it inside the GC pause allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GcSample {
    pub kind: GcKind,
    pub timestamp_ms: f64,
    pub monotonic_ms: f64,
    pub pause_ms: f64,
    pub used_heap_size: f64,
    pub total_heap_size: f64,
    pub total_heap_size_executable: f64,
    pub heap_size_limit: f64,
    pub total_physical_size: f64,
    pub total_available_size: f64,
    pub malloced_memory: f64,
    pub peak_malloced_memory: f64,
    pub external_memory: f64,
    pub number_of_native_contexts: f64,
    pub number_of_detached_contexts: f64,
    pub gc_count: [f64; KIND_COUNT],
    pub gc_time_ms: [f64; KIND_COUNT],
    pub self_time_ms: [f64; KIND_COUNT],
    pub space_count: usize,
    pub spaces: [HeapSpace; MAX_HEAP_SPACES],
    /// `v8::GCCallbackFlags` as V8 passed them to the epilogue (forced, all available
    /// garbage, ...): see `GC_FLAG_*`.
    pub gc_flags: u32,
    /// Run by a heap snapshot leakwatch itself took (HeapDiff, `diffOnLeak`, `snapshot`,
    /// `writeSnapshot()`), as marked by the binding around the snapshot: not a `stats` event
    /// (a listener taking a HeapDiff would feed itself), only counted.
    pub own_snapshot: bool,
}

impl GcSample {
    pub fn heap_spaces(&self) -> &[HeapSpace] {
        &self.spaces[..self.space_count.min(MAX_HEAP_SPACES)]
    }

    /// A sample with only the fields the detector and tests care about.
    pub fn new(kind: GcKind, monotonic_ms: f64, used_heap_size: f64) -> GcSample {
        GcSample {
            kind,
            timestamp_ms: monotonic_ms,
            monotonic_ms,
            pause_ms: 0.0,
            used_heap_size,
            total_heap_size: used_heap_size,
            total_heap_size_executable: 0.0,
            heap_size_limit: 0.0,
            total_physical_size: 0.0,
            total_available_size: 0.0,
            malloced_memory: 0.0,
            peak_malloced_memory: 0.0,
            external_memory: 0.0,
            number_of_native_contexts: 0.0,
            number_of_detached_contexts: 0.0,
            gc_count: [0.0; KIND_COUNT],
            gc_time_ms: [0.0; KIND_COUNT],
            self_time_ms: [0.0; KIND_COUNT],
            space_count: 0,
            spaces: [HeapSpace::EMPTY; MAX_HEAP_SPACES],
            gc_flags: 0,
            own_snapshot: false,
        }
    }
}

/// In a storm, minor-GC events are dropped before full-GC ones (the detector needs those).
impl crate::event_queue::Expendable for GcSample {
    fn expendable(&self) -> bool {
        self.kind.is_minor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_index() {
        for kind in GcKind::ALL {
            assert_eq!(GcKind::from_index(kind.index() as u32), Some(kind));
        }
        assert_eq!(GcKind::from_index(5), None);
        assert_eq!(GcKind::MarkSweepCompact.name(), "mark-sweep-compact");
        assert!(GcKind::Scavenge.is_minor() && !GcKind::MarkSweepCompact.is_minor());
    }

    #[test]
    fn heap_spaces_never_read_past_the_array() {
        let mut s = GcSample::new(GcKind::Scavenge, 0.0, 1.0);
        s.space_count = 99;
        assert_eq!(s.heap_spaces().len(), MAX_HEAP_SPACES);
    }
}
