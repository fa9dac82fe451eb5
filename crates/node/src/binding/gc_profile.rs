//! Node's `v8.GCProfiler` report read into GC samples: the V8 layer's stand-in when it is off.
//! The profiler gives exact after-GC heap statistics per GC but no time per GC, only the
//! window's: times are spread evenly over it, in order. Whatever a field lacks or has of the
//! wrong type is skipped (that statistic, or that GC), never an error: the report is Node's.

use std::time::{SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::*;

use leakwatch_core::gc_sample::{GcKind, GcSample, HeapSpace, MAX_HEAP_SPACES};

/// One GC of the report: always counted; `sample` is `None` when its heap statistics cannot
/// be read (counted for gcCount/gcTimeMs, never delivered).
pub struct ProfiledGc {
    pub kind: GcKind,
    pub pause_ms: f64,
    pub sample: Option<GcSample>,
}

/// `gcType` as Node's GCProfiler names V8's GC types (node_v8.cc: "MinorMarkCompact" until
/// V8 11, "MinorMarkSweep" from V8 12).
fn kind_of(gc_type: &str) -> Option<GcKind> {
    match gc_type {
        "Scavenge" => Some(GcKind::Scavenge),
        "MinorMarkSweep" | "MinorMarkCompact" => Some(GcKind::MinorMarkSweep),
        "MarkSweepCompact" => Some(GcKind::MarkSweepCompact),
        "IncrementalMarking" => Some(GcKind::IncrementalMarking),
        "ProcessWeakCallbacks" => Some(GcKind::ProcessWeakCallbacks),
        _ => None,
    }
}

/// V8's heap space names on Node 20–26. `HeapSpace::name` is `&'static str` (the shim's come
/// from V8's static strings); a name from JS is matched against these, never leaked.
const SPACE_NAMES: [&str; 14] = [
    "read_only_space",
    "new_space",
    "old_space",
    "code_space",
    "map_space",
    "shared_space",
    "trusted_space",
    "shared_trusted_space",
    "new_large_object_space",
    "large_object_space",
    "code_large_object_space",
    "shared_large_object_space",
    "shared_trusted_large_object_space",
    "trusted_large_object_space",
];

fn static_space_name(name: &str) -> &'static str {
    SPACE_NAMES
        .iter()
        .find(|known| **known == name)
        .copied()
        .unwrap_or("unknown")
}

/// A number field, or `None` when absent or not a number.
fn number(object: &Object, name: &str) -> Option<f64> {
    object
        .get_named_property::<Option<f64>>(name)
        .ok()
        .flatten()
}

fn object<'env>(parent: &Object<'env>, name: &str) -> Option<Object<'env>> {
    parent
        .get_named_property::<Option<Object>>(name)
        .ok()
        .flatten()
}

/// Element `i` of `array` when it is an object (reading a property of `null` would throw).
fn element<'env>(array: &Array<'env>, i: u32) -> Option<Object<'env>> {
    let value = array.get::<Unknown>(i).ok().flatten()?;
    if value.get_type().ok()? != ValueType::Object {
        return None;
    }
    let raw = value.value();
    Some(Object::from_raw(raw.env, raw.value))
}

fn array<'env>(parent: &Object<'env>, name: &str) -> Option<Array<'env>> {
    parent
        .get_named_property::<Option<Array>>(name)
        .ok()
        .flatten()
}

/// The after-GC heap of one statistic, as a sample at time 0 (the caller sets the times and
/// the cumulative counters).
fn read_after_gc(kind: GcKind, statistic: &Object, heap_spaces: bool) -> Option<GcSample> {
    let after = object(statistic, "afterGC")?;
    let heap = object(&after, "heapStatistics")?;
    let used = number(&heap, "usedHeapSize")?;
    let mut s = GcSample::new(kind, 0.0, used);
    let field = |name| number(&heap, name).unwrap_or(0.0);
    s.total_heap_size = field("totalHeapSize");
    s.total_heap_size_executable = field("totalHeapSizeExecutable");
    s.heap_size_limit = field("heapSizeLimit");
    s.total_physical_size = field("totalPhysicalSize");
    s.total_available_size = field("totalAvailableSize");
    s.malloced_memory = field("mallocedMemory");
    s.peak_malloced_memory = field("peakMallocedMemory");
    s.external_memory = field("externalMemory");
    // The profiler reports no native/detached context counts: they stay 0.
    if heap_spaces {
        if let Some(spaces) = array(&after, "heapSpaceStatistics") {
            for i in 0..spaces.len() {
                if s.space_count >= MAX_HEAP_SPACES {
                    break;
                }
                let Some(space) = element(&spaces, i) else {
                    continue;
                };
                let name = space
                    .get_named_property::<Option<String>>("spaceName")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                s.spaces[s.space_count] = HeapSpace {
                    name: static_space_name(&name),
                    size: number(&space, "spaceSize").unwrap_or(0.0),
                    used: number(&space, "spaceUsedSize").unwrap_or(0.0),
                    available: number(&space, "spaceAvailableSize").unwrap_or(0.0),
                    physical: number(&space, "physicalSpaceSize").unwrap_or(0.0),
                };
                s.space_count += 1;
            }
        }
    }
    Some(s)
}

/// Every GC of `profile` (what `GCProfiler.stop()` returned) in order, its time spread evenly
/// over the window `start_ms..end_ms` (`performance.now()` at start() and stop(), read right
/// before this call): the i-th of n at `start + (end - start)·(i + 1)/(n + 1)`.
/// The report format read here: Node 20–26 all give version 1 (`cost` in microseconds).
pub const SUPPORTED_VERSION: f64 = 1.0;

/// `Err(version)` when the report says it is in a format other than the one read here: its
/// numbers would be misread (a later format may, say, give `cost` in ms), so nothing is fed.
pub fn check_version(profile: &Object) -> std::result::Result<(), f64> {
    match number(profile, "version") {
        Some(v) if v != SUPPORTED_VERSION => Err(v),
        _ => Ok(()),
    }
}

pub fn read_profile(
    profile: &Object,
    start_ms: f64,
    end_ms: f64,
    heap_spaces: bool,
) -> Vec<ProfiledGc> {
    let Some(statistics) = array(profile, "statistics") else {
        return Vec::new();
    };
    let n = statistics.len();
    // Wall clock of `end_ms`: the window was read just before this call.
    let wall_now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3);
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let Some(statistic) = element(&statistics, i) else {
            continue;
        };
        let Some(kind) = statistic
            .get_named_property::<Option<String>>("gcType")
            .ok()
            .flatten()
            .and_then(|t| kind_of(&t))
        else {
            continue;
        };
        // `cost` is microseconds.
        let pause_ms = number(&statistic, "cost")
            .filter(|c| c.is_finite() && *c >= 0.0)
            .map_or(0.0, |c| c / 1e3);
        let at = start_ms + (end_ms - start_ms) * f64::from(i + 1) / f64::from(n + 1);
        let sample = read_after_gc(kind, &statistic, heap_spaces).map(|mut s| {
            s.monotonic_ms = at;
            s.timestamp_ms = wall_now - (end_ms - at);
            s.pause_ms = pause_ms;
            s
        });
        out.push(ProfiledGc {
            kind,
            pause_ms,
            sample,
        });
    }
    out
}
