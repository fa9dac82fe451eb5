//! What the binary was built against, for the loader (lib/binding.js) to check before use.

use std::collections::BTreeMap;

use napi_derive::napi;

use leakwatch_core::gypi;

/// The V8 build flags of the Node headers this binary was compiled with (config.gypi's
/// `variables`, each 0 or 1), e.g. `{ v8_enable_pointer_compression: 0, … }`. They decide
/// V8's object layout, so the running Node's `process.config.variables` must agree.
#[napi(catch_unwind)]
pub fn build_flags() -> BTreeMap<String, u32> {
    gypi::decode(env!("LEAKWATCH_V8_FLAGS"))
        .into_iter()
        .collect()
}
