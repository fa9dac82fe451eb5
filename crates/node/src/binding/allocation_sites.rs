//! Allocation sites for `leak` reports: V8's sampling heap profiler, started and stopped by
//! lib/allocation-sites.js as the detector's episode comes and goes, read at the alert. One
//! sampler per isolate, so per thread (Node runs one isolate per thread); this thread's is
//! remembered here only when leakwatch started it, and only that one is ever stopped: at the
//! episode's end, or by this environment's cleanup hook at teardown at the latest.

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi::CleanupEnvHook;
use napi_derive::napi;

use super::v8_layer;
use crate::sampling_ffi::{self, Sampler};
use leakwatch_core::allocation_sites::top_sites;

/// The sampler this thread started, with what is needed to read and to stop it.
struct Own {
    sampler: Sampler,
    interval_bytes: f64,
    cleanup: CleanupEnvHook<()>,
}

thread_local! {
    static OWN: RefCell<Option<Own>> = const { RefCell::new(None) };
}

fn take_own() -> Option<Own> {
    OWN.try_with(|own| own.try_borrow_mut().ok().and_then(|mut o| o.take()))
        .ok()
        .flatten()
}

/// What `allocationSamplingStart` did.
#[napi(string_enum = "lowercase")]
pub enum SamplingStart {
    /// Ours started now.
    Started,
    /// Ours was already running (nothing changed).
    Running,
    /// V8 refused: a sampling heap profiler of someone else runs on this thread.
    Busy,
    /// The V8 layer is on but this V8 lacks the sampling entry points.
    Missing,
}

/// Starts V8's sampling heap profiler on this thread at a mean of `intervalBytes` per sample
/// and stacks of up to `stackDepth` frames, unless ours runs already or V8 refuses. Needs the
/// V8 layer (throws `ERR_LEAKWATCH_NATIVE_UNAVAILABLE` without). lib/allocation-sites.js
/// checks the ranges.
#[napi(catch_unwind)]
pub fn allocation_sampling_start(
    env: Env,
    interval_bytes: f64,
    stack_depth: u32,
) -> Result<SamplingStart> {
    v8_layer::require(&env, "allocation sites")?;
    if !sampling_ffi::available() {
        return Ok(SamplingStart::Missing);
    }
    if OWN.with(|own| own.borrow().is_some()) {
        return Ok(SamplingStart::Running);
    }
    let Some(sampler) = Sampler::start(
        interval_bytes.max(1.0) as u64,
        i32::try_from(stack_depth).unwrap_or(i32::MAX),
    ) else {
        return Ok(SamplingStart::Busy);
    };
    // Never left running past this environment: its cleanup hook stops ours.
    let cleanup = match env.add_env_cleanup_hook((), |_| {
        let _ = std::panic::catch_unwind(|| {
            if let Some(own) = take_own() {
                own.sampler.stop();
            }
        });
    }) {
        Ok(hook) => hook,
        Err(err) => {
            sampler.stop();
            return Err(err);
        }
    };
    OWN.with(|own| {
        *own.borrow_mut() = Some(Own {
            sampler,
            interval_bytes,
            cleanup,
        })
    });
    Ok(SamplingStart::Started)
}

/// Stops the sampler this thread started; `false` when it had none (someone else's is never
/// touched).
#[napi(catch_unwind)]
pub fn allocation_sampling_stop(env: Env) -> Result<bool> {
    let Some(own) = take_own() else {
        return Ok(false);
    };
    own.sampler.stop();
    env.remove_env_cleanup_hook(own.cleanup)?;
    Ok(true)
}

/// Whether the sampler this thread started is still remembered as running.
#[napi(catch_unwind)]
pub fn allocation_sampling_ours() -> bool {
    OWN.with(|own| own.borrow().is_some())
}

/// One function of an allocating stack. `line`/`column`: 1-based, where the function is
/// defined; null when V8 does not know.
#[napi(object, use_nullable = true)]
pub struct AllocationFramePayload {
    pub function_name: String,
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The user's code (not a V8 builtin, VM state or `node:` internal): what the report's
    /// one-line `stack` shows.
    pub user: bool,
}

#[napi(object)]
pub struct AllocationSitePayload {
    pub bytes: f64,
    pub bytes_error: f64,
    pub samples: f64,
    /// From the allocating function out to the outermost caller.
    pub frames: Vec<AllocationFramePayload>,
}

fn position(value: i32) -> Option<u32> {
    u32::try_from(value).ok().filter(|&v| v > 0)
}

/// The `top` stacks by estimated live bytes of the sampler this thread started (see
/// leakwatch_core::allocation_sites), or null when it no longer runs (someone else stopped
/// it: then it is forgotten, and never stopped by us).
#[napi(catch_unwind)]
pub fn allocation_sampling_read(env: Env, top: u32) -> Result<Option<Vec<AllocationSitePayload>>> {
    let read = OWN.with(|own| {
        own.borrow()
            .as_ref()
            .map(|o| (o.sampler.read(&env), o.interval_bytes))
    });
    let (nodes, interval) = match read {
        None => return Ok(None),
        Some((None, _)) => {
            if let Some(gone) = take_own() {
                env.remove_env_cleanup_hook(gone.cleanup)?;
            }
            return Ok(None);
        }
        Some((Some(nodes), interval)) => (nodes, interval),
    };
    let sites = top_sites(&nodes, interval, top as usize)
        .into_iter()
        .map(|site| AllocationSitePayload {
            bytes: site.bytes,
            bytes_error: site.bytes_error,
            samples: site.samples,
            frames: site
                .frames
                .iter()
                .map(|&i| {
                    let frame = &nodes[i].frame;
                    AllocationFramePayload {
                        function_name: frame.function_name.clone(),
                        file: frame.script_name.clone(),
                        line: position(frame.line),
                        column: position(frame.column),
                        user: frame.is_user(),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(Some(sites))
}
