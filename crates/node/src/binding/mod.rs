//! Every `#[napi]` item: converts, calls `core`, maps errors. No logic worth a unit test.

mod allocation_sites;
mod analyze;
mod bench;
mod build_info;
mod errors;
mod gc_profile;
mod heap_diff;
mod leak_detector;
mod memory_kinds;
mod monitor;
mod payload;
mod rss;
mod v8_layer;
