//! The process's resident set size, read outside the GC pause (a system call: never inside
//! it). Linux only: `/proc/self/statm`, as Node's `process.memoryUsage.rss()` reads
//! `/proc/self/stat` (which opens, reads and closes it each time; here one pread of a kept
//! file). Elsewhere `None`, and the rss kind is unavailable (`leakwatch.native.memoryKinds`).

/// Whether this platform has an RSS reading.
pub const AVAILABLE: bool = cfg!(target_os = "linux");

#[cfg(target_os = "linux")]
pub fn resident_set_bytes() -> Option<f64> {
    use std::os::unix::fs::FileExt;
    use std::sync::OnceLock;
    extern "C" {
        fn getpagesize() -> std::os::raw::c_int;
    }
    // Opened once per process (close-on-exec, as std opens every file) and read again from
    // offset 0 each time: procfs regenerates the text on every read, and one pread(2) costs
    // ~1.2 µs where open + fstat + two reads + close cost ~7.5 µs (measured on the CI VM).
    // The file names this process (procfs resolves `self` at open): a fork without exec, which
    // Node never does, would read its parent's.
    static STATM: OnceLock<Option<std::fs::File>> = OnceLock::new();
    let file = STATM
        .get_or_init(|| std::fs::File::open("/proc/self/statm").ok())
        .as_ref()?;
    // statm is seven decimal numbers: well under 256 bytes.
    let mut buf = [0u8; 256];
    let n = file.read_at(&mut buf, 0).ok()?;
    let text = std::str::from_utf8(buf.get(..n)?).ok()?;
    // SAFETY: getpagesize takes no argument, touches no memory of ours and cannot fail
    // (glibc and musl both define it).
    let page = unsafe { getpagesize() };
    leakwatch_core::memory_kind::statm_resident_bytes(text, page as f64)
}

#[cfg(not(target_os = "linux"))]
pub fn resident_set_bytes() -> Option<f64> {
    None
}
