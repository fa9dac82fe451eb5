//! The detectors of leaks outside the V8 heap, one `core::detector::LeakDetector` each:
//! `external` on `external_memory` after full GCs, `rss` on the native residual (RSS less the
//! heap's pages and external memory, `core::memory_kind::native_residual`). The heap's own
//! detector stays in monitor.rs (`State::detector`); the batch is taken there and fed here.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::{throw, throw_coded, JsErrorKind};
use super::monitor::with_shared_state;
use super::payload::{DetectorOptionsInput, LeakEndPayload, LeakPayload, LeakStates};
use super::rss;
use leakwatch_core::detector::{LeakDetector, LeakState};
use leakwatch_core::gc_sample::GcSample;
use leakwatch_core::memory_kind::{limit_for_input, native_residual, MemoryKind};

pub(crate) struct OutsideHeap {
    external: Option<LeakDetector>,
    rss: Option<LeakDetector>,
    /// The process's memory limit in bytes (0: none): index.js passes
    /// `process.constrainedMemory()` (lib/memory-limit.js).
    memory_limit: f64,
}

fn default_detector(kind: MemoryKind) -> Option<LeakDetector> {
    if !kind.on_by_default() {
        return None;
    }
    match LeakDetector::for_kind(kind, kind.default_options()) {
        Ok(d) => Some(d),
        Err(e) => unreachable!("the default {} options are valid: {e}", kind.name()),
    }
}

impl OutsideHeap {
    pub fn new() -> OutsideHeap {
        OutsideHeap {
            external: default_detector(MemoryKind::External),
            rss: default_detector(MemoryKind::Rss),
            memory_limit: 0.0,
        }
    }

    /// Monitoring (re)starts: every episode starts over, options and limit are kept.
    pub fn reset(&mut self) {
        self.external.iter_mut().for_each(LeakDetector::reset);
        self.rss.iter_mut().for_each(LeakDetector::reset);
    }

    fn slot(&mut self, kind: MemoryKind) -> &mut Option<LeakDetector> {
        match kind {
            MemoryKind::Rss => &mut self.rss,
            _ => &mut self.external,
        }
    }

    /// RSS is read for a batch with a full GC only when something uses it: the rss detector,
    /// or the external one's time to a known memory limit.
    pub fn wants_rss(&self) -> bool {
        self.rss.is_some() || (self.external.is_some() && self.memory_limit > 0.0)
    }

    /// Feeds a batch's evidence samples (post-full-GC, in order) to the external detector, and
    /// its last one, with `rss` read as the batch was taken, to the rss detector (one RSS
    /// reading, one sample). Reports and ends are appended to the batch's.
    pub fn update(
        &mut self,
        evidence: &[&GcSample],
        rss: Option<f64>,
        leaks: &mut Vec<LeakPayload>,
        ends: &mut Vec<LeakEndPayload>,
    ) {
        let limit = (self.memory_limit > 0.0).then_some(self.memory_limit);
        let mut feed = |detector: &mut LeakDetector, s: &GcSample, input: f64| {
            let clock_offset_ms = s.timestamp_ms - s.monotonic_ms;
            let against = limit_for_input(limit, rss, input).zip(limit);
            // As the heap's: a sample the detector rejects (clock) is skipped, state kept.
            match detector.update_against(s.monotonic_ms, input, against) {
                Ok(Some(report)) => leaks.push(LeakPayload::new(report, clock_offset_ms)),
                Ok(None) => {}
                Err(_) => return,
            }
            if let Some(end) = detector.ended() {
                ends.push(LeakEndPayload::new(end, clock_offset_ms));
            }
        };
        if let Some(detector) = &mut self.external {
            for s in evidence {
                feed(detector, s, s.external_memory);
            }
        }
        if let (Some(detector), Some(s), Some(rss)) = (&mut self.rss, evidence.last(), rss) {
            let residual = native_residual(rss, s.total_physical_size, s.external_memory);
            feed(detector, s, residual);
        }
    }

    pub fn states(&self, heap: LeakState) -> LeakStates {
        let state = |d: &Option<LeakDetector>| d.as_ref().map_or(LeakState::None, |d| d.state());
        LeakStates {
            heap: heap.name().to_string(),
            external: state(&self.external).name().to_string(),
            rss: state(&self.rss).name().to_string(),
        }
    }
}

fn outside_kind(env: &Env, kind: &str) -> Result<MemoryKind> {
    match MemoryKind::from_name(kind) {
        Some(k @ (MemoryKind::External | MemoryKind::Rss)) => Ok(k),
        _ => Err(throw_coded(
            env,
            JsErrorKind::TypeError,
            &format!("kind must be 'external' or 'rss' (got {kind:?})"),
            "ERR_LEAKWATCH_INVALID_TYPE",
        )),
    }
}

/// `kind`'s production defaults ("heap", "external", "rss"), for `configure()` and the docs.
#[napi(catch_unwind)]
pub fn detector_defaults_for(env: Env, kind: String) -> Result<DetectorOptionsInput> {
    let kind = match MemoryKind::from_name(&kind) {
        Some(k) => k,
        None => outside_kind(&env, &kind)?,
    };
    Ok(DetectorOptionsInput::from_options(&kind.default_options()))
}

/// Replaces (`options`: absent fields take `kind`'s defaults) or turns off (`null`) the
/// `external` or `rss` detector; its episode starts over. Returns the effective options, or
/// null when off.
#[napi(catch_unwind)]
pub fn monitor_set_kind_detector(
    env: Env,
    kind: String,
    options: Option<DetectorOptionsInput>,
) -> Result<Option<DetectorOptionsInput>> {
    let kind = outside_kind(&env, &kind)?;
    let detector = match &options {
        None => None,
        Some(_) if kind == MemoryKind::Rss && !rss::AVAILABLE => {
            return Err(throw_coded(
                &env,
                JsErrorKind::TypeError,
                "rss cannot be watched on this platform: leakwatch reads RSS on Linux only",
                "ERR_LEAKWATCH_INVALID_VALUE",
            ))
        }
        Some(o) => {
            let resolved = o
                .resolve_with(kind.default_options())
                .map_err(|e| throw(&env, e))?;
            Some(LeakDetector::for_kind(kind, resolved).map_err(|e| throw(&env, e))?)
        }
    };
    let effective = detector
        .as_ref()
        .map(|d| DetectorOptionsInput::from_options(d.options()));
    with_shared_state(&env, |state| *state.outside.slot(kind) = detector)?;
    Ok(effective)
}

/// The effective options of the `external` or `rss` detector, or null when it is off.
#[napi(catch_unwind)]
pub fn monitor_kind_detector(env: Env, kind: String) -> Result<Option<DetectorOptionsInput>> {
    let kind = outside_kind(&env, &kind)?;
    with_shared_state(&env, |state| {
        state
            .outside
            .slot(kind)
            .as_ref()
            .map(|d| DetectorOptionsInput::from_options(d.options()))
    })
}

/// The process's memory limit in bytes (0: none), what the time to the limit of `external`
/// and `rss` reports is measured against.
#[napi(catch_unwind)]
pub fn monitor_set_memory_limit(env: Env, bytes: f64) -> Result<()> {
    let bytes = if bytes.is_finite() && bytes > 0.0 {
        bytes
    } else {
        0.0
    };
    with_shared_state(&env, |state| state.outside.memory_limit = bytes)
}

/// Every kind's `LeakState` now (disabled kinds: "none").
#[napi(catch_unwind)]
pub fn monitor_leak_states(env: Env) -> Result<LeakStates> {
    with_shared_state(&env, |state| state.outside.states(state.detector.state()))
}

/// Whether this platform has an RSS reading (the rss kind needs one).
#[napi(catch_unwind)]
pub fn rss_available() -> bool {
    rss::AVAILABLE
}
