//! Every `#[napi]` item: converts, calls `core`, maps errors. No logic worth a unit test.

mod bench;
mod errors;
mod heap_diff;
mod leak_detector;
mod monitor;
mod payload;
