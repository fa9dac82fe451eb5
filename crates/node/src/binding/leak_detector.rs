//! `LeakDetector` for replaying recorded traces: the same Rust detector the live monitor runs.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::throw;
use super::payload::{DetectorOptionsInput, LeakEndPayload, LeakPayload};
use leakwatch_core::detector::{DetectorOptions, LeakDetector};

#[napi(js_name = "NativeLeakDetector")]
pub struct NativeLeakDetector {
    inner: LeakDetector,
}

#[napi]
impl NativeLeakDetector {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: DetectorOptionsInput) -> Result<Self> {
        let options = options.resolve().map_err(|e| throw(&env, e))?;
        let inner = LeakDetector::new(options).map_err(|e| throw(&env, e))?;
        Ok(NativeLeakDetector { inner })
    }

    /// Feeds one post-full-GC sample (with V8's `heap_size_limit` when known); returns the
    /// report when an alert is raised at it.
    #[napi(catch_unwind)]
    pub fn update(
        &mut self,
        env: Env,
        timestamp: f64,
        used_heap_size: f64,
        heap_size_limit: Option<f64>,
    ) -> Result<Option<LeakPayload>> {
        match self
            .inner
            .update_with_limit(timestamp, used_heap_size, heap_size_limit)
        {
            Ok(report) => Ok(report.map(|r| LeakPayload::new(r, 0.0))),
            Err(e) => Err(throw(&env, e)),
        }
    }

    /// The episode's state after the latest sample: "none", "suspected" or "leaking".
    #[napi(getter, catch_unwind)]
    pub fn state(&self) -> &'static str {
        self.inner.state().name()
    }

    /// The end of the `leak` episode that the latest `update` ended, if it ended one.
    #[napi(getter, catch_unwind)]
    pub fn episode_end(&self) -> Option<LeakEndPayload> {
        self.inner.ended().map(|e| LeakEndPayload::new(e, 0.0))
    }

    #[napi(getter, catch_unwind)]
    pub fn options(&self) -> DetectorOptionsInput {
        DetectorOptionsInput::from_options(self.inner.options())
    }

    #[napi(catch_unwind)]
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}

/// The production defaults, for `configure()`'s answer and the docs.
#[napi(catch_unwind)]
pub fn detector_defaults() -> DetectorOptionsInput {
    DetectorOptionsInput::from_options(&DetectorOptions::default())
}
