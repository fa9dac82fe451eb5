//! The V8 layer's switch, per environment: off until the loader calls `v8LayerInit`, and off
//! for good when V8's entry points cannot all be found or the self-test fails. The Node-API
//! part (detector, queue, delivery) works either way; with the layer off, GC samples come from
//! `monitorFeedProfile` (Node's `v8.GCProfiler`) and everything that needs V8 itself throws
//! `ERR_LEAKWATCH_NATIVE_UNAVAILABLE`.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::{throw_coded, JsErrorKind};
use super::monitor::env_data;
use crate::ffi::{self, HeapStatisticsProbe};

/// `{ enabled, code, reason }`: `code` and `reason` are `null` when enabled.
#[napi(object, use_nullable = true)]
#[derive(Clone)]
pub struct V8LayerStatus {
    pub enabled: bool,
    pub code: Option<String>,
    pub reason: Option<String>,
}

impl V8LayerStatus {
    fn on() -> V8LayerStatus {
        V8LayerStatus {
            enabled: true,
            code: None,
            reason: None,
        }
    }

    fn off(code: &str, reason: String) -> V8LayerStatus {
        V8LayerStatus {
            enabled: false,
            code: Some(code.to_string()),
            reason: Some(reason),
        }
    }

    fn not_initialised() -> V8LayerStatus {
        V8LayerStatus::off("ERR_LEAKWATCH_NATIVE_OFF", "not initialised".to_string())
    }
}

/// How far `total_heap_size` and `used_heap_size` may move between `v8.getHeapStatistics()`
/// and the self-test's own reading in the same turn, bytes. Not zero even for the total: the
/// few allocations in between (the options object, Node-API's property keys) can add a page
/// or start a scavenge that resizes the young generation (measured: +256 KiB on a main thread,
/// +2.3 MiB in a starting worker). A field read at the wrong offset is off by far more.
const DRIFT_TOLERANCE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// The JS heap statistics the self-test is checked against.
struct JsHeapStatistics {
    total_heap_size: f64,
    heap_size_limit: f64,
    used_heap_size: f64,
}

fn invalid(env: &Env, message: &str) -> Error {
    throw_coded(
        env,
        JsErrorKind::TypeError,
        &format!("leakwatch: v8LayerInit({message})"),
        "ERR_LEAKWATCH_INVALID_TYPE",
    )
}

fn read_options(env: &Env, options: &Object) -> Result<(Option<String>, JsHeapStatistics)> {
    let force_off = options
        .get_named_property::<Option<String>>("forceOff")
        .map_err(|_| invalid(env, "{ forceOff } must be null or a string"))?;
    let stats = match options.get_named_property::<Option<Object>>("heapStatistics") {
        Ok(Some(stats)) => stats,
        // Nothing of V8 is read when forced off: the statistics are not needed.
        _ if force_off.is_some() => {
            return Ok((
                force_off,
                JsHeapStatistics {
                    total_heap_size: 0.0,
                    heap_size_limit: 0.0,
                    used_heap_size: 0.0,
                },
            ))
        }
        _ => {
            return Err(invalid(
                env,
                "{ heapStatistics } must be the object v8.getHeapStatistics() returned",
            ))
        }
    };
    let number = |name: &str| -> Result<f64> {
        stats.get_named_property::<f64>(name).map_err(|_| {
            invalid(
                env,
                &format!("{{ heapStatistics.{name} }} must be a number (v8.getHeapStatistics())"),
            )
        })
    };
    Ok((
        force_off,
        JsHeapStatistics {
            total_heap_size: number("total_heap_size")?,
            heap_size_limit: number("heap_size_limit")?,
            used_heap_size: number("used_heap_size")?,
        },
    ))
}

/// The self-test's verdict on V8's heap statistics written into our buffer.
fn check(probe: &HeapStatisticsProbe, js: &JsHeapStatistics) -> Option<String> {
    if !probe.stayed_inside {
        return Some(format!(
            "V8 wrote heap statistics past the {} bytes of v8::HeapStatistics this binary knows: \
             this V8 is newer than the headers it was built with",
            probe.known_size
        ));
    }
    let drift = |native: f64, js: f64| (native - js).abs() > DRIFT_TOLERANCE_BYTES;
    if probe.heap_size_limit != js.heap_size_limit
        || drift(probe.total_heap_size, js.total_heap_size)
        || drift(probe.used_heap_size, js.used_heap_size)
        || probe.used_heap_size > probe.total_heap_size
        || probe.total_heap_size > probe.heap_size_limit
    {
        return Some(format!(
            "V8's heap statistics read natively (heap_size_limit {}, total_heap_size {}, \
             used_heap_size {}) do not agree with v8.getHeapStatistics() ({}, {}, {}): the layout \
             of v8::HeapStatistics is not the one this binary was built for",
            probe.heap_size_limit,
            probe.total_heap_size,
            probe.used_heap_size,
            js.heap_size_limit,
            js.total_heap_size,
            js.used_heap_size
        ));
    }
    None
}

fn decide(force_off: Option<String>, js: &JsHeapStatistics) -> V8LayerStatus {
    if let Some(reason) = force_off {
        return V8LayerStatus::off("ERR_LEAKWATCH_NATIVE_OFF", reason);
    }
    if let Err(missing) = ffi::resolve_v8() {
        return V8LayerStatus::off(
            "ERR_LEAKWATCH_V8_SYMBOL_MISSING",
            format!("this Node's V8 has no {missing} (or it has another signature)"),
        );
    }
    let probe = ffi::probe_heap_statistics();
    match check(&probe, js) {
        None => V8LayerStatus::on(),
        Some(reason) => V8LayerStatus::off("ERR_LEAKWATCH_SELF_TEST_FAILED", reason),
    }
}

/// Turns the V8 layer on for this environment unless `forceOff` says why not, V8's entry
/// points cannot all be found, or the self-test fails. Idempotent: later calls return the
/// first result.
#[napi(catch_unwind)]
pub fn v8_layer_init(env: Env, options: Object) -> Result<V8LayerStatus> {
    let data = env_data(&env)?;
    if let Some(status) = data.v8_layer.borrow().as_ref() {
        return Ok(status.clone());
    }
    let (force_off, js) = read_options(&env, &options)?;
    let status = decide(force_off, &js);
    *data.v8_layer.borrow_mut() = Some(status.clone());
    Ok(status)
}

/// The V8 layer's state in this environment (before `v8LayerInit`: off, "not initialised").
#[napi(catch_unwind)]
pub fn v8_layer(env: Env) -> Result<V8LayerStatus> {
    Ok(env_data(&env)?
        .v8_layer
        .borrow()
        .clone()
        .unwrap_or_else(V8LayerStatus::not_initialised))
}

/// Whether the V8 layer is on in this environment.
pub(crate) fn enabled(env: &Env) -> bool {
    env_data(env)
        .ok()
        .is_some_and(|d| d.v8_layer.borrow().as_ref().is_some_and(|s| s.enabled))
}

/// `Ok` when the V8 layer is on; otherwise throws `ERR_LEAKWATCH_NATIVE_UNAVAILABLE` naming
/// `what` needed it, why it is off and how to get it.
pub(crate) fn require(env: &Env, what: &str) -> Result<()> {
    if enabled(env) {
        return Ok(());
    }
    let status = v8_layer(*env)?;
    let reason = status.reason.unwrap_or_default();
    let code = status.code.unwrap_or_default();
    Err(throw_coded(
        env,
        JsErrorKind::Error,
        &format!(
            "leakwatch: {what} needs leakwatch's V8 layer, which is off here ({code}: {reason}). \
             To get it, run on a Node line the prebuilt binary is tested on (20, 22, 24, 26) \
             without LEAKWATCH_NATIVE=off, or build leakwatch for this Node from source \
             (npm rebuild leakwatch --build-from-source)."
        ),
        "ERR_LEAKWATCH_NATIVE_UNAVAILABLE",
    ))
}
