//! Test support: deterministic heap-shape simulators and replay helpers shared by the detector's
//! unit tests and the trace replay. Only compiled for tests.

use crate::detector::{DetectorOptions, LeakDetector, LeakReport};

pub const MB: f64 = 1024.0 * 1024.0;

/// xorshift64*: small, deterministic, good enough for noise.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Uniform in [0, 1).
    #[allow(clippy::should_implement_trait)] // an endless stream of f64, not an Iterator
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [-a, a].
    pub fn noise(&mut self, a: f64) -> f64 {
        (2.0 * self.next() - 1.0) * a
    }
}

/// Samples of `heap(t_seconds)` + uniform noise, one per full GC every ~`every_s` (±20 %).
pub fn sim(
    every_s: f64,
    duration_s: f64,
    noise: f64,
    seed: u64,
    heap: impl Fn(f64) -> f64,
) -> Vec<(f64, f64)> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let mut t = every_s * rng.next();
    while t <= duration_s {
        out.push((t * 1000.0, (heap(t) + rng.noise(noise)).max(0.0)));
        t += every_s * (0.8 + 0.4 * rng.next());
    }
    out
}

/// Full GCs in a simulated week at one full GC every 2 s.
pub const WEEK_GCS: usize = 7 * 86_400 / 2;

/// A cache filled by `step` per full GC and cleared every `period` GCs, over a `base` heap, with
/// ±0.5 MB of GC-to-GC noise; one full GC every 2 s. Streams `gcs` samples into `f`.
pub fn cache_flush(gcs: usize, period: usize, step: f64, seed: u64, mut f: impl FnMut(f64, f64)) {
    let mut rng = Rng::new(seed);
    let base = 40.0 * MB;
    for i in 0..gcs {
        let fill = (i % period) as f64 * step;
        f(i as f64 * 2000.0, base + fill + rng.noise(0.5 * MB));
    }
}

/// A working set doing a random walk of ±`step` per full GC, reflected at the edges of a 100 MB
/// band over a 40 MB base, with ±0.5 MB of noise; one full GC every 2 s.
pub fn wander(gcs: usize, step: f64, seed: u64, mut f: impl FnMut(f64, f64)) {
    let mut rng = Rng::new(seed);
    let (lo, hi) = (40.0 * MB, 140.0 * MB);
    let mut level = 0.5 * (lo + hi);
    for i in 0..gcs {
        level += if rng.next() < 0.5 { step } else { -step };
        if level > hi {
            level = 2.0 * hi - level;
        }
        if level < lo {
            level = 2.0 * lo - level;
        }
        f(i as f64 * 2000.0, level + rng.noise(0.5 * MB));
    }
}

/// (episodes, alerts) raised by a detector with the production defaults over a streamed shape.
pub fn count_alerts(shape: impl FnOnce(&mut dyn FnMut(f64, f64))) -> (usize, usize) {
    let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
    let (mut episodes, mut alerts) = (0, 0);
    shape(&mut |t, y| {
        if let Some(r) = d.update(t, y).expect("valid sample") {
            alerts += 1;
            episodes += usize::from(r.repeat == 0);
        }
    });
    (episodes, alerts)
}

/// Replays with the given options; returns the reports with the index of their sample.
pub fn replay_with(options: DetectorOptions, samples: &[(f64, f64)]) -> Vec<(usize, LeakReport)> {
    let mut d = LeakDetector::new(options).expect("valid options");
    samples
        .iter()
        .enumerate()
        .filter_map(|(i, &(t, y))| d.update(t, y).expect("valid sample").map(|r| (i, r)))
        .collect()
}

pub fn replay(samples: &[(f64, f64)]) -> Vec<(usize, LeakReport)> {
    replay_with(DetectorOptions::default(), samples)
}

pub fn first_fire_s(samples: &[(f64, f64)]) -> Option<f64> {
    replay(samples).first().map(|(i, _)| samples[*i].0 / 1000.0)
}

/// 15 MB process that leaks `rate` MB/min from `from_s`.
pub fn leak(rate: f64, from_s: f64) -> impl Fn(f64) -> f64 {
    move |t| 15.0 * MB + (t - from_s).max(0.0) / 60.0 * rate * MB
}

// Allocation counting for the "no allocation per update" test: the test binary's allocator
// counts the allocations made by the current thread while counting is on. Test-only code.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        // `const` initialisers without destructors: reading them never allocates, so the
        // allocator may use them.
        static ON: Cell<bool> = const { Cell::new(false) };
        static COUNT: Cell<u64> = const { Cell::new(0) };
    }

    fn note() {
        let _ = ON.try_with(|on| {
            if on.get() {
                let _ = COUNT.try_with(|c| c.set(c.get() + 1));
            }
        });
    }

    pub struct CountingAlloc;

    // SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
    // counting touches only const-initialised thread-locals, which neither allocate nor panic.
    unsafe impl GlobalAlloc for CountingAlloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            note();
            // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation is).
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            note();
            // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s contract.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: CountingAlloc = CountingAlloc;

    /// Allocations made by this thread while `f` runs.
    pub fn allocations_during(f: impl FnOnce()) -> u64 {
        COUNT.with(|c| c.set(0));
        ON.with(|on| on.set(true));
        f();
        ON.with(|on| on.set(false));
        COUNT.with(|c| c.get())
    }
}

pub use counting::allocations_during;
