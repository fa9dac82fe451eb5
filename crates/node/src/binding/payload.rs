//! The JS shapes of `stats` and `leak` payloads. Numbers are `f64` so that loggers and
//! metrics libraries get plain numbers, never BigInts.

use std::ptr;

use napi::bindgen_prelude::{check_status, Either, Null, ToNapiValue, TypeName, ValueType};
use napi::sys;
use napi_derive::napi;

use leakwatch_core::detector::{DetectorOptions, EpisodeEnd, LeakReport, LeakState};
use leakwatch_core::gc_sample::{GcKind, GcSample};

/// One number per GC kind.
#[napi(object)]
pub struct PerGcKind {
    pub scavenge: f64,
    pub minor_mark_sweep: f64,
    pub mark_sweep_compact: f64,
    pub incremental_marking: f64,
    pub process_weak_callbacks: f64,
    pub total: f64,
}

impl PerGcKind {
    fn from(values: &[f64; 5]) -> PerGcKind {
        let at = |k: GcKind| values[k.index()];
        PerGcKind {
            scavenge: at(GcKind::Scavenge),
            minor_mark_sweep: at(GcKind::MinorMarkSweep),
            mark_sweep_compact: at(GcKind::MarkSweepCompact),
            incremental_marking: at(GcKind::IncrementalMarking),
            process_weak_callbacks: at(GcKind::ProcessWeakCallbacks),
            total: values.iter().sum(),
        }
    }
}

#[napi(object)]
pub struct HeapSpacePayload {
    pub name: String,
    pub size: f64,
    pub used: f64,
    pub available: f64,
    pub physical: f64,
}

#[napi(object)]
pub struct StatsPayload {
    pub timestamp: f64,
    pub gc_type: String,
    /// Forced rather than scheduled by V8 (see `gc_burst::GcRole::forced`).
    pub forced: bool,
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
    pub gc_count: PerGcKind,
    pub gc_time_ms: PerGcKind,
    pub self_time_ms: f64,
    pub self_time_by_kind_ms: PerGcKind,
    pub delivery_self_time_ms: f64,
    pub dropped_events: f64,
    pub heap_spaces: Option<Vec<HeapSpacePayload>>,
    /// The process's RSS in bytes, read as the batch of this full GC was taken (outside the
    /// pause, the same turn of the event loop); absent when nothing needed it (the rss
    /// detector off and no memory limit) or on minor GCs.
    pub rss: Option<f64>,
}

impl StatsPayload {
    pub fn new(
        s: &GcSample,
        forced: bool,
        delivery_self_time_ms: f64,
        dropped_events: u64,
    ) -> StatsPayload {
        let callbacks: f64 = s.self_time_ms.iter().sum();
        let spaces = s.heap_spaces();
        StatsPayload {
            timestamp: s.timestamp_ms,
            gc_type: s.kind.name().to_string(),
            forced,
            pause_ms: s.pause_ms,
            used_heap_size: s.used_heap_size,
            total_heap_size: s.total_heap_size,
            total_heap_size_executable: s.total_heap_size_executable,
            heap_size_limit: s.heap_size_limit,
            total_physical_size: s.total_physical_size,
            total_available_size: s.total_available_size,
            malloced_memory: s.malloced_memory,
            peak_malloced_memory: s.peak_malloced_memory,
            external_memory: s.external_memory,
            number_of_native_contexts: s.number_of_native_contexts,
            number_of_detached_contexts: s.number_of_detached_contexts,
            gc_count: PerGcKind::from(&s.gc_count),
            gc_time_ms: PerGcKind::from(&s.gc_time_ms),
            self_time_ms: callbacks + delivery_self_time_ms,
            self_time_by_kind_ms: PerGcKind::from(&s.self_time_ms),
            delivery_self_time_ms,
            dropped_events: dropped_events as f64,
            heap_spaces: (!spaces.is_empty()).then(|| {
                spaces
                    .iter()
                    .map(|h| HeapSpacePayload {
                        name: h.name.to_string(),
                        size: h.size,
                        used: h.used,
                        available: h.available,
                        physical: h.physical,
                    })
                    .collect()
            }),
            rss: None,
        }
    }
}

/// The names of a packed `stats` row's numbers, in order (see [`PackedStats`]); lib/stats-payload.js
/// builds the objects from them, and a test asserts it reads the same layout
/// (`statsLayout()`). A per-kind group is its five kinds, then `total`.
pub const STATS_FIELDS: [&str; 38] = [
    "timestamp",
    "gcType",
    "forced",
    "pauseMs",
    "usedHeapSize",
    "totalHeapSize",
    "totalHeapSizeExecutable",
    "heapSizeLimit",
    "totalPhysicalSize",
    "totalAvailableSize",
    "mallocedMemory",
    "peakMallocedMemory",
    "externalMemory",
    "numberOfNativeContexts",
    "numberOfDetachedContexts",
    "gcCount",
    "",
    "",
    "",
    "",
    "",
    "gcTimeMs",
    "",
    "",
    "",
    "",
    "",
    "selfTimeMs",
    "selfTimeByKindMs",
    "",
    "",
    "",
    "",
    "",
    "deliverySelfTimeMs",
    "droppedEvents",
    "heapSpaces",
    "rss",
];

/// A batch's `stats` as numbers, [`STATS_FIELDS`]`.len()` per GC: one typed array crosses into
/// JS instead of ~60 properties, each defined through N-API (most of a batch's delivery time).
/// `gcType` is the `GcKind` index, `forced` 0 or 1, `heapSpaces` how many of the batch's
/// `heapSpaces` are this GC's (-1: none, the field absent), `rss` NaN when absent.
#[derive(Default)]
pub struct PackedStats {
    pub numbers: Vec<f64>,
    pub heap_spaces: Vec<HeapSpacePayload>,
}

impl PackedStats {
    pub fn push(&mut self, p: StatsPayload, kind: GcKind) {
        let kinds = |k: &PerGcKind| {
            [
                k.scavenge,
                k.minor_mark_sweep,
                k.mark_sweep_compact,
                k.incremental_marking,
                k.process_weak_callbacks,
                k.total,
            ]
        };
        let spaces = p.heap_spaces.map_or(-1.0, |mut spaces| {
            let n = spaces.len() as f64;
            self.heap_spaces.append(&mut spaces);
            n
        });
        self.numbers.extend_from_slice(&[
            p.timestamp,
            kind.index() as f64,
            if p.forced { 1.0 } else { 0.0 },
            p.pause_ms,
            p.used_heap_size,
            p.total_heap_size,
            p.total_heap_size_executable,
            p.heap_size_limit,
            p.total_physical_size,
            p.total_available_size,
            p.malloced_memory,
            p.peak_malloced_memory,
            p.external_memory,
            p.number_of_native_contexts,
            p.number_of_detached_contexts,
        ]);
        self.numbers.extend_from_slice(&kinds(&p.gc_count));
        self.numbers.extend_from_slice(&kinds(&p.gc_time_ms));
        self.numbers.push(p.self_time_ms);
        self.numbers
            .extend_from_slice(&kinds(&p.self_time_by_kind_ms));
        self.numbers.extend_from_slice(&[
            p.delivery_self_time_ms,
            p.dropped_events,
            spaces,
            p.rss.unwrap_or(f64::NAN),
        ]);
    }
}

/// Numbers that reach JS as a `Float64Array` of their own, copied into a fresh ArrayBuffer:
/// napi-rs's `Float64Array` lends the Vec to an external ArrayBuffer with a finalizer, which
/// costs far more than copying a few hundred bytes.
pub struct Numbers(pub Vec<f64>);

impl TypeName for Numbers {
    fn type_name() -> &'static str {
        "Float64Array"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Numbers {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let bytes = std::mem::size_of_val(val.0.as_slice());
        let (mut data, mut buffer, mut array) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        // SAFETY: `env` is the live environment napi-rs converts in (the JS thread); N-API
        // fills the out-pointers, and `data` has `bytes` writable bytes when it succeeds.
        unsafe {
            check_status!(sys::napi_create_arraybuffer(
                env,
                bytes,
                &mut data,
                &mut buffer
            ))?;
            if bytes > 0 {
                ptr::copy_nonoverlapping(val.0.as_ptr().cast::<u8>(), data.cast::<u8>(), bytes);
            }
            check_status!(sys::napi_create_typedarray(
                env,
                sys::TypedarrayType::float64_array,
                val.0.len(),
                buffer,
                0,
                &mut array,
            ))?;
        }
        Ok(array)
    }
}

/// A batch's `state` by number, for the call from the loop (loop_call.rs): a number crosses
/// without allocating, a string does not.
pub const LEAK_STATES: [LeakState; 3] = [LeakState::None, LeakState::Suspected, LeakState::Leaking];

/// The index of `name` in [`LEAK_STATES`] (0, "none", for a name that is not one).
pub fn leak_state_code(name: &str) -> usize {
    LEAK_STATES
        .iter()
        .position(|s| s.name() == name)
        .unwrap_or(0)
}

/// The layout lib/stats-payload.js must read: the field names, the `gcType` names by index and
/// the `state` names by number.
#[napi(object, object_from_js = false)]
pub struct StatsLayout {
    pub fields: Vec<&'static str>,
    pub gc_types: Vec<&'static str>,
    pub leak_states: Vec<&'static str>,
}

#[napi]
pub fn stats_layout() -> StatsLayout {
    StatsLayout {
        fields: STATS_FIELDS.to_vec(),
        gc_types: GcKind::ALL.iter().map(|k| k.name()).collect(),
        leak_states: LEAK_STATES.iter().map(|s| s.name()).collect(),
    }
}

#[napi(object)]
pub struct LeakPayload {
    /// What grew: "heap", "external" or "rss" (`core::memory_kind::MemoryKind`).
    pub kind: String,
    pub timestamp: f64,
    pub start_timestamp: f64,
    pub duration_ms: f64,
    pub samples: u32,
    pub start_used_heap_size: f64,
    pub end_used_heap_size: f64,
    pub baseline_bytes: f64,
    pub growth_bytes: f64,
    pub growth_rate_bytes_per_minute: f64,
    pub confidence: f64,
    pub episode: u32,
    pub repeat: u32,
    pub reason: String,
    /// ms until the post-GC floor reaches `heap_size_limit` at the current rate; null when the
    /// floor is not rising or the limit is unknown (`Null`, not `Option`: a `None` field would be
    /// left out of the object, and the contract is an explicit `null`).
    pub estimated_time_to_limit_ms: Either<f64, Null>,
    /// The limit that estimate is against: the heap's (or the old generation's) for "heap",
    /// the process's memory limit for "external" and "rss"; null when unknown.
    pub limit_bytes: Either<f64, Null>,
}

fn or_null(value: Option<f64>) -> Either<f64, Null> {
    match value {
        Some(v) => Either::A(v),
        None => Either::B(Null),
    }
}

impl LeakPayload {
    /// `clock_offset_ms` turns the detector's monotonic times into wall-clock times.
    pub fn new(r: LeakReport, clock_offset_ms: f64) -> LeakPayload {
        LeakPayload {
            kind: r.kind.name().to_string(),
            timestamp: r.timestamp + clock_offset_ms,
            start_timestamp: r.start_timestamp + clock_offset_ms,
            duration_ms: r.duration_ms,
            samples: r.samples,
            start_used_heap_size: r.start_used_heap_size,
            end_used_heap_size: r.end_used_heap_size,
            baseline_bytes: r.baseline_bytes,
            growth_bytes: r.growth_bytes,
            growth_rate_bytes_per_minute: r.growth_rate_bytes_per_minute,
            confidence: r.confidence,
            episode: r.episode,
            repeat: r.repeat,
            reason: r.reason,
            estimated_time_to_limit_ms: or_null(r.estimated_time_to_limit_ms),
            limit_bytes: or_null(r.heap_size_limit),
        }
    }
}

/// The `leakEnd` payload: a `leak` episode is over (see `core::detector::EpisodeEnd`).
#[napi(object)]
pub struct LeakEndPayload {
    /// The kind of the episode's reports.
    pub kind: String,
    pub timestamp: f64,
    pub start_timestamp: f64,
    pub first_alert_timestamp: f64,
    pub last_alert_timestamp: f64,
    pub duration_ms: f64,
    pub episode: u32,
    pub alerts: u32,
    pub quiet_samples: u32,
    pub baseline_bytes: f64,
    pub growth_bytes: f64,
    pub end_used_heap_size: f64,
    pub reason: String,
}

impl LeakEndPayload {
    /// `clock_offset_ms` turns the detector's monotonic times into wall-clock times.
    pub fn new(e: &EpisodeEnd, clock_offset_ms: f64) -> LeakEndPayload {
        LeakEndPayload {
            kind: e.kind.name().to_string(),
            timestamp: e.timestamp + clock_offset_ms,
            start_timestamp: e.start_timestamp + clock_offset_ms,
            first_alert_timestamp: e.first_alert_timestamp + clock_offset_ms,
            last_alert_timestamp: e.last_alert_timestamp + clock_offset_ms,
            duration_ms: e.duration_ms,
            episode: e.episode,
            alerts: e.alerts,
            quiet_samples: e.quiet_samples,
            baseline_bytes: e.baseline_bytes,
            growth_bytes: e.growth_bytes,
            end_used_heap_size: e.end_used_heap_size,
            reason: e.reason.clone(),
        }
    }
}

/// One delivery to JS: everything that happened since the previous one.
#[napi(object, object_from_js = false)]
pub struct Batch {
    /// The `stats` payloads as objects; absent when monitoring was started with `packed`.
    pub stats: Option<Vec<StatsPayload>>,
    /// With `packed`: the `stats` payloads as numbers (see [`PackedStats`]).
    pub packed_stats: Option<Numbers>,
    /// With `packed`: the heap spaces of every packed payload that has them, in order.
    pub heap_spaces: Option<Vec<HeapSpacePayload>>,
    /// With `packed`, `leaks`, `ends` and `states` are absent when empty or unchanged:
    /// every property costs its conversion.
    pub leaks: Option<Vec<LeakPayload>>,
    /// Episodes that ended in this batch (`leakEnd`), in order.
    pub ends: Option<Vec<LeakEndPayload>>,
    /// The detector's `LeakState` after the batch: "none", "suspected" or "leaking". index.js
    /// exposes it as `leakState` and takes the "before" picture of `diffOnLeak` when it leaves
    /// "none", dropping it when it is back.
    pub state: String,
    /// Every kind's state after the batch (`leakwatch.leakStates`).
    pub states: Option<LeakStates>,
}

impl Batch {
    /// Nothing to deliver (a batch that could not be taken).
    pub fn empty() -> Batch {
        Batch {
            stats: Some(Vec::new()),
            packed_stats: None,
            heap_spaces: None,
            leaks: Some(Vec::new()),
            ends: Some(Vec::new()),
            state: LeakState::None.name().to_string(),
            states: Some(LeakStates {
                heap: LeakState::None.name().to_string(),
                external: LeakState::None.name().to_string(),
                rss: LeakState::None.name().to_string(),
            }),
        }
    }
}

/// Each kind's `LeakState` name ("none", "suspected", "leaking"); "none" for a kind that is
/// off.
#[napi(object)]
pub struct LeakStates {
    pub heap: String,
    pub external: String,
    pub rss: String,
}

/// Which GCs the monitor delivers and whether it builds `stats` payloads; in
/// `monitorConfigure`, an absent field is left as it is. Its answer has every field.
#[napi(object)]
pub struct MonitorSettings {
    pub include_minor_gc: Option<bool>,
    pub heap_spaces: Option<bool>,
    pub want_stats: Option<bool>,
}

/// Detector options as JS passes them; absent fields take the production defaults.
/// index.js has already checked the types and rejected unknown names; the ranges are checked
/// once, by `DetectorOptions::validate` (in `LeakDetector::new`): this only converts.
#[napi(object)]
pub struct DetectorOptionsInput {
    pub window_ms: Option<f64>,
    pub min_duration_ms: Option<f64>,
    pub min_samples: Option<f64>,
    pub min_growth_bytes: Option<f64>,
    pub min_growth_percent: Option<f64>,
    pub confidence: Option<f64>,
    pub realert: Option<bool>,
}

impl DetectorOptionsInput {
    /// The options with defaults filled in, not yet validated.
    pub fn resolve(&self) -> Result<DetectorOptions, leakwatch_core::error::Error> {
        self.resolve_with(DetectorOptions::default())
    }

    /// [`Self::resolve`] with other defaults (a memory kind's: `MemoryKind::default_options`).
    pub fn resolve_with(
        &self,
        d: DetectorOptions,
    ) -> Result<DetectorOptions, leakwatch_core::error::Error> {
        let min_samples = match self.min_samples {
            // Non-finite numbers are a type error for every option, this one included.
            Some(n) if !n.is_finite() => {
                return Err(leakwatch_core::error::Error::invalid_type(
                    "minSamples",
                    "a finite number",
                ))
            }
            Some(n) if n.fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&n) => {
                return Err(leakwatch_core::error::Error::out_of_range(
                    "minSamples",
                    "a whole number",
                    n,
                ))
            }
            Some(n) => n as u32,
            None => d.min_samples,
        };
        Ok(DetectorOptions {
            window_ms: self.window_ms.unwrap_or(d.window_ms),
            min_duration_ms: self.min_duration_ms.unwrap_or(d.min_duration_ms),
            min_samples,
            min_growth_bytes: self.min_growth_bytes.unwrap_or(d.min_growth_bytes),
            min_growth_percent: self.min_growth_percent.unwrap_or(d.min_growth_percent),
            confidence: self.confidence.unwrap_or(d.confidence),
            realert: self.realert.unwrap_or(d.realert),
        })
    }

    pub fn from_options(o: &DetectorOptions) -> DetectorOptionsInput {
        DetectorOptionsInput {
            window_ms: Some(o.window_ms),
            min_duration_ms: Some(o.min_duration_ms),
            min_samples: Some(o.min_samples as f64),
            min_growth_bytes: Some(o.min_growth_bytes),
            min_growth_percent: Some(o.min_growth_percent),
            confidence: Some(o.confidence),
            realert: Some(o.realert),
        }
    }
}
