//! The process's resident set size, read outside the GC pause (a system call: never inside
//! it). Linux only: `/proc/self/statm`, as Node's `process.memoryUsage.rss()` reads
//! `/proc/self/stat` (one open, read and close: a few µs). Elsewhere `None`, and the rss kind
//! is unavailable (`leakwatch.native.memoryKinds`).

/// Whether this platform has an RSS reading.
pub const AVAILABLE: bool = cfg!(target_os = "linux");

#[cfg(target_os = "linux")]
pub fn resident_set_bytes() -> Option<f64> {
    extern "C" {
        fn getpagesize() -> std::os::raw::c_int;
    }
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    // SAFETY: getpagesize takes no argument, touches no memory of ours and cannot fail
    // (glibc and musl both define it).
    let page = unsafe { getpagesize() };
    leakwatch_core::memory_kind::statm_resident_bytes(&text, page as f64)
}

#[cfg(not(target_os = "linux"))]
pub fn resident_set_bytes() -> Option<f64> {
    None
}
