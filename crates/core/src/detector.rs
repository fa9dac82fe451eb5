//! The leak detector: one post-full-GC sample in, a report out when the heap's post-GC floor shows
//! sustained, open-ended growth.
//!
//! At every sample, over a bounded rolling window (`LeakDetector::evaluate_with` runs the
//! steps in this order, each a function named for it):
//! 1. onset (`episode_onset`): find where the current growth episode started (a "flat, then
//!    linear" change-point fit, [`trend::onset`]), so evidence is counted from the start of the
//!    rise, not from the window start — a 12-GC batch rise after an hour of flat heap is 12 GCs
//!    of evidence, not 200;
//! 2. trend test (in `evaluate_with`): on the episode's samples, Mann–Kendall trend test (rank
//!    based: noise and sawtooth samples cannot fake it) and Theil–Sen slope (robust to a few
//!    wild samples);
//! 3. deceleration check (`LeakDetector::still_rising`): the recent half of the episode must
//!    still be rising significantly and at a good fraction of the early half's rate — warm-ups
//!    and caches filling to a cap slow down, leaks do not;
//! 4. thresholds (`LeakDetector::enough_evidence`, `LeakDetector::enough_growth`): at least
//!    `min_samples` full GCs and `min_duration_ms` of evidence (both: samples make it
//!    scale-free, time keeps a burst of GCs from counting as a long history), and the fitted
//!    growth and the floor's growth must exceed `min_growth_bytes` and `min_growth_percent` of
//!    the baseline;
//! 5. hysteresis (`LeakDetector::hysteresis`): one alert per episode, re-alerts only after
//!    fresh evidence and once the episode's growth has quadrupled since the previous alert
//!    (`REALERT_GROWTH_FACTOR`: a leak that runs on is re-reported at 4×, 16×, … its first
//!    evidence; a fill that ends — a cache flushed, a batch dropped — ends before and pages
//!    once), and the episode ends only after the trend has been absent for `min_samples` GCs
//!    (a new episode without the heap coming down needs further growth above the last alert);
//! 6. suspicion (`LeakDetector::suspicion`, `LeakDetector::early_suspicion` on an episode still
//!    too short for the statistics, held through `SUSPICION_GRACE_SAMPLES` quiet full GCs by
//!    `LeakDetector::hold_suspicion`; it arms `diffOnLeak`'s "before" picture) at a lower bar:
//!    the rank trend at 10× an alert's error rate and half a growth threshold of floor growth.
//!
//! The episode's state ([`LeakState`]: none, suspected, leaking) and its end ([`EpisodeEnd`])
//! come from steps 5 and 6: [`LeakDetector::state`], [`LeakDetector::ended`].
//!
//! And four rules for the shapes the above gets wrong (why none can fire on a healthy shape is
//! at each: `LeakDetector::new_high`, `LeakDetector::beats_a_random_walk` ([`trend::drift_z`])
//! and `LeakDetector::enough_growth`, `LeakDetector::fast_rule`, `LeakDetector::limit_rule`):
//! - new highs only: after the heap came back down (a dip of a growth threshold), an alert
//!   needs the floor a threshold above the earlier high: refilling caches and wandering queues
//!   climb back to levels they held, leaks set new highs;
//! - autocorrelation: Mann–Kendall's variance gets the effective-sample-size factor, and the
//!   rise must be significant against a random walk whose step variance the window shows
//!   (a leak's rise grows like n, a random walk's like √n), judged from the window's step
//!   variance as soon as the window has `DRIFT_MIN_POINTS` points, at the two-sided quantile:
//!   the episode's start is chosen where the walk was lowest, and by the reflection principle
//!   that doubles the tail (a leak's rise is many σ above it, so this costs leaks nothing
//!   measurable: trace latencies unchanged); rises slower than one threshold per
//!   `min_samples` GCs must show `SLOW_GROWTH_FACTOR` thresholds (fills and queues look like that;
//!   a leak that slow per GC has a long budget);
//! - few full GCs: 5 consecutive rises that triple the floor over `min_duration_ms`, not
//!   decelerating, are a leak however few GCs there were;
//! - heap limit: when the floor reaches `heap_size_limit` at this rate sooner than the growth has
//!   lasted, 6 GCs of significant growth suffice: waiting for the usual evidence would report
//!   after the crash. Every report carries the time to the limit.
//!
//! Cost: no allocation per update (scratch buffers), Mann–Kendall in O(n log n) (Fenwick tree),
//! Theil–Sen (O(k²), k ≤ `TS_POINTS`) only after the rank test passed, n ≤ `STAT_POINTS`.

use std::collections::VecDeque;

use crate::error::Error;
use crate::format::{format_bytes, format_duration, format_eta};
use crate::memory_kind::MemoryKind;
use crate::trend;

/// Most samples kept (16 KiB): with a full GC every 2 s this still spans 34 minutes, enough for
/// a 1 MB/min leak on a noisy 175 MB heap.
pub const MAX_SAMPLES: usize = 1024;

/// Most points the trend test and the change-point fit run on; beyond, samples are bucketed.
const STAT_POINTS: usize = 128;

/// Largest `minSamples` (full GCs of evidence, counted before bucketing).
const MAX_MIN_SAMPLES: usize = 256;

/// Most points a Theil–Sen slope is computed from (O(points²)): evenly spaced by index beyond.
const TS_POINTS: usize = 40;

/// Consecutive samples whose least value is a level the heap "held" (one sample inside a burst
/// is not), and the number of latest samples the current floor is taken from.
const HOLD: usize = 4;

/// Time buckets of the high-water memory for samples that have left the window.
const HIGH_BUCKETS: usize = 32;

/// The few-GCs rule looks at this many latest samples (five rises)...
const FAST_SAMPLES: usize = 6;

/// ... and needs the last to be at least this multiple of the first.
const FAST_FACTOR: f64 = 3.0;

/// Growth needed, in growth thresholds, when `min_samples` full GCs hold less than one.
const SLOW_GROWTH_FACTOR: f64 = 1.75;

/// The recent half of an episode must rise at least this fraction of the early half's rate.
/// A leak gives ~1 (± noise); an exponential warm-up over two halves of length D gives e^(-D/τ),
/// which is below this once each half spans more than ~0.4 τ. The recent half must also pass
/// the Mann–Kendall test on its own at `confidence`: the floor is still rising now.
const MIN_RECENT_SLOPE_RATIO: f64 = 0.65;

/// A re-alert needs the episode's growth (above its baseline at the first alert) to have reached
/// this multiple of the growth at the previous alert: re-alerts of a leak come at 4×, 16×, …
/// its first evidence (a handful per leak, however long it runs), while a fill that ends (a
/// cache flushed, a batch) stops before it has quadrupled and pages once.
const REALERT_GROWTH_FACTOR: f64 = 4.0;

/// Suspicion accepts this many times the false-positive rate of an alert's rank test.
const SUSPECT_ERROR_FACTOR: f64 = 10.0;

/// Full GCs without raw suspicion before a `Suspected` episode counts as over. The raw
/// suspicion can flicker off for one noisy sample early in an episode; without this grace the
/// `diffOnLeak` "before" picture would be dropped and retaken (another pause, and a diff that
/// misses the growth in between).
pub const SUSPICION_GRACE_SAMPLES: u32 = 4;

const MIB: f64 = 1024.0 * 1024.0;

#[derive(Debug, Clone, PartialEq)]
pub struct DetectorOptions {
    /// JS `windowMs`: how far back the trend test looks.
    pub window_ms: f64,
    /// JS `minDurationMs`: growth must be sustained at least this long.
    pub min_duration_ms: f64,
    /// JS `minSamples`: full GCs of evidence needed.
    pub min_samples: u32,
    /// JS `minGrowthBytes`: fitted growth over the episode must reach this.
    pub min_growth_bytes: f64,
    /// JS `minGrowthPercent`: ... and this percentage of the baseline.
    pub min_growth_percent: f64,
    /// JS `confidence`: one-sided Mann–Kendall confidence, e.g. 0.99.
    pub confidence: f64,
    /// JS `realert`: alert again on further significant growth in the same episode.
    pub realert: bool,
}

impl Default for DetectorOptions {
    /// Production defaults. 16 GCs + 30 s separates a leak from a 15–25 s batch rise (6–12 GCs)
    /// and a warm-up (decelerates), while a 30 MB/min leak with a GC every 2–3 s is caught in
    /// ~40–50 s. 8 MiB / 5 % sits above the few-MB GC-to-GC noise of small and 175 MB heaps.
    /// A 24 h window holds enough GCs even when they come every ten minutes (memory and CPU are
    /// bounded by `MAX_SAMPLES`/`STAT_POINTS`, not by the window).
    fn default() -> Self {
        DetectorOptions {
            window_ms: 86_400_000.0,
            min_duration_ms: 30_000.0,
            min_samples: 16,
            min_growth_bytes: 8.0 * MIB,
            min_growth_percent: 5.0,
            confidence: 0.99,
            realert: true,
        }
    }
}

impl DetectorOptions {
    /// Allowed range per numeric option, inclusive: (JS name, min, max).
    pub const RANGES: &'static [(&'static str, f64, f64)] = &[
        ("windowMs", 60_000.0, 604_800_000.0),
        ("minDurationMs", 0.0, 86_400_000.0),
        ("minSamples", 6.0, MAX_MIN_SAMPLES as f64),
        ("minGrowthBytes", 0.0, 1e15),
        ("minGrowthPercent", 0.0, 1000.0),
        ("confidence", 0.5, 0.999_999),
    ];

    /// Validates every field; errors name the field (camelCase) and the allowed range.
    pub fn validate(&self) -> Result<(), Error> {
        let values = [
            self.window_ms,
            self.min_duration_ms,
            self.min_samples as f64,
            self.min_growth_bytes,
            self.min_growth_percent,
            self.confidence,
        ];
        for (&(name, min, max), value) in Self::RANGES.iter().zip(values) {
            if !value.is_finite() {
                return Err(Error::invalid_type(name, "a finite number"));
            }
            if value < min || value > max {
                return Err(Error::out_of_range(
                    name,
                    &format!("between {min} and {max}"),
                    value,
                ));
            }
        }
        if self.min_duration_ms > self.window_ms {
            let allowed = format!("at most windowMs ({})", self.window_ms);
            return Err(Error::out_of_range(
                "minDurationMs",
                &allowed,
                self.min_duration_ms,
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeakReport {
    /// ms, the sample that triggered.
    pub timestamp: f64,
    /// ms, estimated start of the growth episode.
    pub start_timestamp: f64,
    pub duration_ms: f64,
    /// Full GCs in the evidence.
    pub samples: u32,
    pub start_used_heap_size: f64,
    pub end_used_heap_size: f64,
    /// Post-GC floor at the start of the episode.
    pub baseline_bytes: f64,
    /// Growth of the fitted (Theil–Sen) line over the evidence.
    pub growth_bytes: f64,
    pub growth_rate_bytes_per_minute: f64,
    /// Mann–Kendall one-sided confidence, 0..1.
    pub confidence: f64,
    /// 1-based episode number.
    pub episode: u32,
    /// 0 for the first alert of an episode, 1.. for re-alerts.
    pub repeat: u32,
    /// ms until the post-GC floor reaches the heap limit at the current (Theil–Sen) rate;
    /// `None` when the limit is unknown or the floor is not rising.
    pub estimated_time_to_limit_ms: Option<f64>,
    /// The limit the estimate is against, when known: V8's `heap_size_limit` (or the old
    /// generation's) for the heap, the process's memory limit for external and rss.
    pub heap_size_limit: Option<f64>,
    /// What grew: the detector's kind.
    pub kind: MemoryKind,
    /// Which rule raised it: "trend", "fast" or "limit" (see the module docs).
    pub rule: &'static str,
    pub reason: String,
}

/// Where the current growth episode stands: the one answer to "is a leak suspected, is it
/// over" (the live monitor, `LeakDetector`, the metrics gauges and `diffOnLeak` all read it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakState {
    /// No episode.
    None,
    /// Step 6: the floor's rank trend towards a new high passes a lower bar than an alert's
    /// (one-sided confidence 1 − 10·(1 − `confidence`), 0.9 for 0.99, and half a growth
    /// threshold of floor growth; no duration, steadiness or random-walk checks), held until
    /// `SUSPICION_GRACE_SAMPLES` full GCs in a row had none. It arms the `diffOnLeak` "before"
    /// picture, so it should come full GCs before the alert: a trend-rule alert's evidence
    /// passes this bar first (tested), the few-GCs and heap-limit rules may alert at the sample
    /// suspicion begins.
    Suspected,
    /// A leak report was raised and the episode has not ended: it ends after `min_samples`
    /// full GCs in a row without a trend (step 5), with an [`EpisodeEnd`].
    Leaking,
}

impl LeakState {
    /// The JS name: "none", "suspected", "leaking".
    pub fn name(self) -> &'static str {
        match self {
            LeakState::None => "none",
            LeakState::Suspected => "suspected",
            LeakState::Leaking => "leaking",
        }
    }
}

/// The end of a `Leaking` episode: what closes the page its `leak` report opened.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeEnd {
    /// ms, the sample that ended it.
    pub timestamp: f64,
    /// ms, the episode's estimated start (its first report's `start_timestamp`).
    pub start_timestamp: f64,
    /// ms, its first report.
    pub first_alert_timestamp: f64,
    /// ms, its last report.
    pub last_alert_timestamp: f64,
    /// From `start_timestamp` to `timestamp`.
    pub duration_ms: f64,
    /// 1-based episode number, as in its reports.
    pub episode: u32,
    /// Reports raised in the episode (first alert and re-alerts).
    pub alerts: u32,
    /// Full GCs in a row without a growth trend that ended it (`min_samples`).
    pub quiet_samples: u32,
    /// Post-GC floor at the start of the episode (its first report's `baseline_bytes`).
    pub baseline_bytes: f64,
    /// The post-GC floor now minus `baseline_bytes`: what the episode left behind (negative
    /// when the heap came back below it).
    pub growth_bytes: f64,
    pub end_used_heap_size: f64,
    /// What had grown: the detector's kind.
    pub kind: MemoryKind,
    pub reason: String,
}

/// What one evaluation of the window found.
#[derive(Debug, Clone, Copy)]
struct Evidence {
    /// Index of the episode's first sample in the window.
    start: usize,
    samples: usize,
    span_ms: f64,
    z: f64,
    slope: f64,
    baseline: f64,
    growth: f64,
    /// The heap's floor at the latest sample.
    level: f64,
    /// The fitted (Theil–Sen) line at the latest sample: where the floor is now, without the
    /// lag of `level`; what the time to the heap limit is measured from.
    fitted_now: f64,
    /// Significant, positive and not decelerating.
    trending: bool,
    /// The rank trend alone passes the lower suspicion bar (`z_suspect`).
    suspect: bool,
    /// The floor stands above every level the heap held before the episode, by the growth
    /// threshold (the new-high rule).
    new_high: bool,
    /// The rule whose evidence is met ("trend", "fast", "limit"), if any.
    rule: Option<&'static str>,
}

/// Reused buffers: an update allocates nothing once these have reached the window size.
#[derive(Debug, Clone, Default)]
struct Scratch {
    first: Vec<usize>,
    t: Vec<f64>,
    y: Vec<f64>,
    floor: Vec<f64>,
    mk: trend::MkScratch,
    slopes: Vec<f64>,
    resid: Vec<f64>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            first: Vec::with_capacity(STAT_POINTS),
            t: Vec::with_capacity(STAT_POINTS),
            y: Vec::with_capacity(STAT_POINTS),
            floor: Vec::with_capacity(STAT_POINTS),
            mk: trend::MkScratch::with_capacity(STAT_POINTS),
            slopes: Vec::with_capacity(TS_POINTS * TS_POINTS / 2),
            resid: Vec::with_capacity(STAT_POINTS),
        }
    }
}

/// Scratch space carries no state: two detectors that saw the same samples are equal.
impl PartialEq for Scratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The highest levels the heap *held* (least of [`HOLD`] consecutive samples: one sample inside
/// a burst is not a level the heap held) among samples that have left the window, per time
/// bucket, for the last `window_ms`. Fixed size: no allocation, O(buckets) per query.
#[derive(Debug, Clone, PartialEq)]
struct HighWater {
    width_ms: f64,
    /// (bucket number, highest held level), `None` when empty.
    buckets: [Option<(i64, f64)>; HIGH_BUCKETS],
}

impl HighWater {
    fn new(window_ms: f64) -> Self {
        HighWater {
            width_ms: (window_ms / HIGH_BUCKETS as f64).max(1.0),
            buckets: [None; HIGH_BUCKETS],
        }
    }

    fn bucket(&self, t: f64) -> i64 {
        (t / self.width_ms).floor() as i64
    }

    fn record(&mut self, t: f64, level: f64) {
        let b = self.bucket(t);
        let slot = &mut self.buckets[b.rem_euclid(HIGH_BUCKETS as i64) as usize];
        match slot {
            Some((sb, high)) if *sb == b => *high = high.max(level),
            _ => *slot = Some((b, level)),
        }
    }

    /// Highest held level recorded less than `window_ms` before `now`.
    fn highest(&self, now: f64, window_ms: f64) -> f64 {
        let oldest = self.bucket(now - window_ms);
        self.buckets
            .iter()
            .flatten()
            .filter(|(b, _)| *b > oldest)
            .fold(f64::NEG_INFINITY, |m, &(_, h)| m.max(h))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeakDetector {
    options: DetectorOptions,
    /// What the samples measure: only the wording of reports and ends depends on it.
    kind: MemoryKind,
    /// One-sided critical z for `options.confidence`.
    z_crit: f64,
    /// Critical z of the random-walk check: the episode's start is picked from the data (the
    /// change point, i.e. the walk's running minimum), and by the reflection principle
    /// P(X_n − min_k X_k ≥ a) = P(max_k X_k ≥ a) = 2·P(X_n ≥ a): the tail is doubled.
    z_drift_crit: f64,
    /// Critical z of suspicion (see [`LeakState::Suspected`]).
    z_suspect: f64,
    /// (timestamp ms, used bytes), oldest first, at most `MAX_SAMPLES`.
    window: VecDeque<(f64, f64)>,
    last_timestamp: Option<f64>,
    /// Samples seen since creation or `reset` (the first one is the process's startup GC).
    seen: u64,
    /// V8's `heap_size_limit` at the latest sample that had one; 0 = unknown.
    heap_limit: f64,
    /// The limit as reports name it (`heap_limit` unless `update_against` was given another).
    limit_shown: f64,
    /// Highest held levels of samples that left the window.
    highs: HighWater,
    episode: u32,
    repeat: u32,
    /// An alert was raised and the episode has not ended yet.
    alerted: bool,
    /// The heap's floor at the last alert: re-alerts need real growth above it.
    last_alert_level: f64,
    last_alert_timestamp: f64,
    /// The episode's baseline at its first alert: re-alert growth is measured from it...
    episode_baseline: f64,
    /// ... to the fitted floor (no lag) at the last alert.
    last_alert_fitted: f64,
    samples_since_alert: u32,
    /// Consecutive samples without a trend while alerted.
    quiet: u32,
    /// (episode start, first alert) timestamps of the current episode, for its end.
    first_alert: (f64, f64),
    /// The raw suspicion of the latest sample (step 6), before the grace.
    suspect_now: bool,
    /// Suspicion with its grace: `LeakState::Suspected` when not alerted.
    suspicion_open: bool,
    /// Consecutive samples without raw suspicion while `suspicion_open`.
    suspicion_quiet: u32,
    /// The end of a `Leaking` episode raised by the latest update.
    ended: Option<EpisodeEnd>,
    scratch: Scratch,
}

impl LeakDetector {
    pub fn new(options: DetectorOptions) -> Result<Self, Error> {
        Self::for_kind(MemoryKind::Heap, options)
    }

    /// A detector of `kind` (its reports' `kind` and wording).
    pub fn for_kind(kind: MemoryKind, options: DetectorOptions) -> Result<Self, Error> {
        options.validate()?;
        let z_crit = trend::normal_quantile(options.confidence);
        let z_drift_crit = trend::normal_quantile(1.0 - (1.0 - options.confidence) / 2.0);
        let z_suspect = trend::normal_quantile(
            (1.0 - SUSPECT_ERROR_FACTOR * (1.0 - options.confidence)).max(0.5),
        );
        let highs = HighWater::new(options.window_ms);
        Ok(LeakDetector {
            options,
            kind,
            z_crit,
            z_drift_crit,
            z_suspect,
            window: VecDeque::with_capacity(MAX_SAMPLES + 1),
            last_timestamp: None,
            seen: 0,
            heap_limit: 0.0,
            limit_shown: 0.0,
            highs,
            episode: 0,
            repeat: 0,
            alerted: false,
            last_alert_level: 0.0,
            last_alert_timestamp: 0.0,
            episode_baseline: 0.0,
            last_alert_fitted: 0.0,
            samples_since_alert: 0,
            quiet: 0,
            first_alert: (0.0, 0.0),
            suspect_now: false,
            suspicion_open: false,
            suspicion_quiet: 0,
            ended: None,
            scratch: Scratch::new(),
        })
    }

    pub fn options(&self) -> &DetectorOptions {
        &self.options
    }

    pub fn kind(&self) -> MemoryKind {
        self.kind
    }

    /// The episode's state after the latest sample (see [`LeakState`]).
    pub fn state(&self) -> LeakState {
        if self.alerted {
            LeakState::Leaking
        } else if self.suspicion_open {
            LeakState::Suspected
        } else {
            LeakState::None
        }
    }

    /// `state() != LeakState::None`: a growth episode is suspected or a leak report stands.
    pub fn suspected(&self) -> bool {
        self.state() != LeakState::None
    }

    /// `Some` exactly when the latest update ended a `Leaking` episode.
    pub fn ended(&self) -> Option<&EpisodeEnd> {
        self.ended.as_ref()
    }

    /// Forget all samples and episodes (options are kept).
    pub fn reset(&mut self) {
        self.window.clear();
        self.last_timestamp = None;
        self.seen = 0;
        self.heap_limit = 0.0;
        self.limit_shown = 0.0;
        self.highs = HighWater::new(self.options.window_ms);
        self.episode = 0;
        self.repeat = 0;
        self.alerted = false;
        self.last_alert_level = 0.0;
        self.last_alert_timestamp = 0.0;
        self.episode_baseline = 0.0;
        self.last_alert_fitted = 0.0;
        self.samples_since_alert = 0;
        self.quiet = 0;
        self.first_alert = (0.0, 0.0);
        self.suspect_now = false;
        self.suspicion_open = false;
        self.suspicion_quiet = 0;
        self.ended = None;
    }

    /// Number of samples currently held (bounded by [`MAX_SAMPLES`]).
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// [`Self::update_with_limit`] without a heap limit.
    pub fn update(
        &mut self,
        timestamp_ms: f64,
        used_heap_size: f64,
    ) -> Result<Option<LeakReport>, Error> {
        self.update_with_limit(timestamp_ms, used_heap_size, None)
    }

    /// Feed one post-full-GC sample, with V8's `heap_size_limit` when known (it makes the
    /// time-to-limit estimate and the limit rule possible); `Some(report)` exactly when an
    /// alert is raised here. Invalid input returns `Err` and leaves the state untouched.
    pub fn update_with_limit(
        &mut self,
        timestamp_ms: f64,
        used_heap_size: f64,
        heap_size_limit: Option<f64>,
    ) -> Result<Option<LeakReport>, Error> {
        self.update_against(
            timestamp_ms,
            used_heap_size,
            heap_size_limit.map(|l| (l, l)),
        )
    }

    /// [`Self::update_with_limit`] with a limit `(for_input, shown)`: the time to the limit is
    /// how long until the input reaches `for_input`, and reports name `shown`. For external
    /// and rss the input is only part of the process's memory: it reaches the container's
    /// limit (`shown`) when the input reaches that limit less the rest of RSS
    /// ([`crate::memory_kind::limit_for_input`]).
    pub fn update_against(
        &mut self,
        timestamp_ms: f64,
        used_heap_size: f64,
        limit: Option<(f64, f64)>,
    ) -> Result<Option<LeakReport>, Error> {
        check_number("timestamp", timestamp_ms)?;
        check_number("usedHeapSize", used_heap_size)?;
        if let Some((for_input, shown)) = limit {
            check_number("heapSizeLimit", for_input)?;
            check_number("heapSizeLimit", shown)?;
        }
        if let Some(last) = self.last_timestamp {
            if timestamp_ms < last {
                let allowed = format!("at least the previous timestamp ({last})");
                return Err(Error::out_of_range("timestamp", &allowed, timestamp_ms));
            }
        }

        self.last_timestamp = Some(timestamp_ms);
        self.seen += 1;
        self.ended = None;
        if let Some((for_input, shown)) = limit.filter(|&(_, shown)| shown > 0.0) {
            // The rest of RSS may already exceed the limit: the input's headroom is then 0.
            self.heap_limit = for_input.max(f64::MIN_POSITIVE);
            self.limit_shown = shown;
        }
        self.window.push_back((timestamp_ms, used_heap_size));
        while self.window.len() > MAX_SAMPLES
            || self
                .window
                .front()
                .is_some_and(|&(t, _)| t < timestamp_ms - self.options.window_ms)
        {
            // Remember the level the leaving sample's run held, for the new-high rule.
            if self.window.len() >= HOLD {
                let held = self
                    .window
                    .range(..HOLD)
                    .fold(f64::INFINITY, |m, s| m.min(s.1));
                let t = self.window[0].0;
                self.highs.record(t, held);
            }
            self.window.pop_front();
        }

        let evidence = self.evaluate();
        let report = self.hysteresis(timestamp_ms, evidence);
        self.hold_suspicion();
        Ok(report)
    }

    /// Step 5: one alert per episode, re-alerts after fresh evidence and quadrupled growth, and
    /// the episode's end after `min_samples` samples without a trend. Sets the raw suspicion.
    fn hysteresis(&mut self, timestamp_ms: f64, evidence: Option<Evidence>) -> Option<LeakReport> {
        let Some(ev) = evidence.filter(|e| e.trending && e.new_high) else {
            self.suspect_now = evidence.is_some_and(|e| e.suspect && e.new_high);
            self.after_quiet_sample(timestamp_ms);
            return None;
        };
        self.suspect_now = true;

        if !self.alerted {
            // An episode that ended without the heap coming down is not a new one: like a
            // re-alert, it needs further growth above the last alert (within the window).
            let beyond_last = self.episode == 0
                || timestamp_ms - self.last_alert_timestamp > self.options.window_ms
                || ev.level - self.last_alert_level >= self.growth_threshold(ev.baseline);
            if ev.rule.is_some() && beyond_last {
                self.episode += 1;
                self.repeat = 0;
                self.episode_baseline = ev.baseline;
                let report = self.raise(&ev);
                self.first_alert = (report.start_timestamp, report.timestamp);
                return Some(report);
            }
            return None;
        }

        // Alerted: still growing.
        self.quiet = 0;
        self.samples_since_alert = self.samples_since_alert.saturating_add(1);
        let fresh = self.samples_since_alert >= self.options.min_samples
            && timestamp_ms - self.last_alert_timestamp >= self.options.min_duration_ms;
        let further = ev.level - self.last_alert_level >= self.growth_threshold(ev.baseline)
            && ev.fitted_now - self.episode_baseline
                >= REALERT_GROWTH_FACTOR * (self.last_alert_fitted - self.episode_baseline);
        if self.options.realert && ev.rule.is_some() && fresh && further {
            self.repeat += 1;
            return Some(self.raise(&ev));
        }
        None
    }

    /// A sample without a growth trend: counts towards ending the episode.
    fn after_quiet_sample(&mut self, timestamp_ms: f64) {
        if self.alerted {
            self.samples_since_alert = self.samples_since_alert.saturating_add(1);
            self.quiet += 1;
            if self.quiet >= self.options.min_samples {
                self.alerted = false;
                self.quiet = 0;
                self.ended = Some(self.episode_end(timestamp_ms));
            }
        }
    }

    /// Step 6's grace: the raw suspicion can flicker off for one noisy sample early in an
    /// episode; `Suspected` holds until `SUSPICION_GRACE_SAMPLES` samples in a row had none.
    fn hold_suspicion(&mut self) {
        if self.suspect_now {
            self.suspicion_open = true;
            self.suspicion_quiet = 0;
        } else if self.suspicion_open {
            self.suspicion_quiet += 1;
            if self.suspicion_quiet >= SUSPICION_GRACE_SAMPLES {
                self.suspicion_open = false;
                self.suspicion_quiet = 0;
            }
        }
    }

    /// What closes the page of a `Leaking` episode that just ended at `timestamp_ms`.
    fn episode_end(&self, timestamp_ms: f64) -> EpisodeEnd {
        let (start_timestamp, first_alert_timestamp) = self.first_alert;
        let end_used = self.window.back().map_or(0.0, |s| s.1);
        // The floor now, as the alerts measure it: the least of the latest `HOLD` samples.
        let floor = self
            .window
            .iter()
            .rev()
            .take(HOLD)
            .fold(f64::INFINITY, |m, s| m.min(s.1));
        let growth = floor - self.episode_baseline;
        let alerts = self.repeat + 1;
        let reason = format!(
            "{} stopped growing: no growth trend over the last {} full GCs; episode {} ({} {}) \
             lasted {}, the floor is {} {} its baseline",
            self.kind.subject(),
            self.options.min_samples,
            self.episode,
            alerts,
            if alerts == 1 { "alert" } else { "alerts" },
            format_duration(timestamp_ms - start_timestamp),
            format_bytes(growth.abs()),
            if growth >= 0.0 { "above" } else { "below" },
        );
        EpisodeEnd {
            timestamp: timestamp_ms,
            start_timestamp,
            first_alert_timestamp,
            last_alert_timestamp: self.last_alert_timestamp,
            duration_ms: timestamp_ms - start_timestamp,
            episode: self.episode,
            alerts,
            quiet_samples: self.options.min_samples,
            baseline_bytes: self.episode_baseline,
            growth_bytes: growth,
            end_used_heap_size: end_used,
            kind: self.kind,
            reason,
        }
    }

    fn growth_threshold(&self, baseline: f64) -> f64 {
        self.options
            .min_growth_bytes
            .max(self.options.min_growth_percent / 100.0 * baseline.max(0.0))
    }

    /// ms until `level` reaches the heap limit at `slope` bytes/ms; `None` when unknown or not
    /// rising.
    fn time_to_limit(&self, level: f64, slope: f64) -> Option<f64> {
        (self.heap_limit > 0.0 && slope > 0.0).then(|| ((self.heap_limit - level) / slope).max(0.0))
    }

    fn raise(&mut self, ev: &Evidence) -> LeakReport {
        self.alerted = true;
        self.quiet = 0;
        self.samples_since_alert = 0;
        self.last_alert_level = ev.level;
        self.last_alert_fitted = ev.fitted_now;
        let (timestamp, end_used) = self.window.back().copied().unwrap_or((0.0, 0.0));
        self.last_alert_timestamp = timestamp;
        let (start_timestamp, start_used) = self
            .window
            .get(ev.start)
            .copied()
            .unwrap_or((timestamp, end_used));
        let rate = ev.slope * 60_000.0;
        let ttl = self.time_to_limit(ev.fitted_now, ev.slope);
        let mut reason = format!(
            "{} grew {} in {} ({}/min) over {} full GCs",
            self.kind.subject(),
            format_bytes(ev.growth),
            format_duration(ev.span_ms),
            format_bytes(rate),
            ev.samples
        );
        if let Some(ttl) = ttl {
            reason.push_str(&format!(
                "; {} ({}) reached in {} at this rate",
                self.kind.limit_name(),
                format_bytes(self.limit_shown),
                format_eta(ttl)
            ));
        }
        LeakReport {
            timestamp,
            start_timestamp,
            duration_ms: ev.span_ms,
            samples: ev.samples as u32,
            start_used_heap_size: start_used,
            end_used_heap_size: end_used,
            baseline_bytes: ev.baseline,
            growth_bytes: ev.growth,
            growth_rate_bytes_per_minute: rate,
            confidence: trend::normal_cdf(ev.z),
            episode: self.episode,
            repeat: self.repeat,
            estimated_time_to_limit_ms: ttl,
            heap_size_limit: (self.limit_shown > 0.0).then_some(self.limit_shown),
            kind: self.kind,
            rule: ev.rule.unwrap_or("trend"),
            reason,
        }
    }

    /// The new-high rule. A "dip" is `HOLD` consecutive samples all at least `threshold` below
    /// the highest level the heap had held until then (held: the least of `HOLD` consecutive
    /// samples, so one sample inside a burst is not a level, and one low sample is not a dip).
    /// After a dip, `level` must stand `threshold` above that earlier high. A leak never dips
    /// (its noise is below the threshold), so this costs it nothing; a cache refilling after a
    /// flush, or a working set wandering back up, climbs to levels it has held before and is
    /// held back. Highs that have left the window count for `window_ms`.
    fn new_high(&self, level: f64, threshold: f64) -> bool {
        let now = self.window.back().map_or(0.0, |s| s.0);
        let mut high = self.highs.highest(now, self.options.window_ms);
        let mut high_before_dip = f64::NEG_INFINITY;
        let mut run = [0.0; HOLD];
        for (i, s) in self.window.iter().enumerate() {
            run[i % HOLD] = s.1;
            if i + 1 < HOLD {
                continue;
            }
            let (lo, hi) = run
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            if hi <= high - threshold {
                high_before_dip = high;
            }
            high = high.max(lo);
        }
        level >= high_before_dip + threshold
    }

    /// The few-GCs rule on the latest `FAST_SAMPLES` raw samples (see the module docs).
    fn fast_rule(&self) -> bool {
        let n = self.window.len();
        // The process's first full GC comes before it has loaded anything: not a baseline.
        if n < FAST_SAMPLES || (self.seen as usize) < FAST_SAMPLES + 1 {
            return false;
        }
        let w = |i: usize| self.window[n - FAST_SAMPLES + i];
        let rising = (1..FAST_SAMPLES).all(|i| w(i).1 > w(i - 1).1);
        let (first, last) = (w(0), w(FAST_SAMPLES - 1));
        let third = FAST_SAMPLES / 2;
        let rate = |a: (f64, f64), b: (f64, f64)| {
            if b.0 > a.0 {
                (b.1 - a.1) / (b.0 - a.0)
            } else {
                f64::INFINITY
            }
        };
        let early = rate(first, w(third - 1));
        let recent = rate(w(FAST_SAMPLES - third), last);
        rising
            && last.1 >= FAST_FACTOR * first.1
            && last.1 - first.1 >= self.growth_threshold(first.1)
            && last.0 - first.0 >= self.options.min_duration_ms
            && recent >= MIN_RECENT_SLOPE_RATIO * early
            && self.new_high(last.1, self.growth_threshold(first.1))
    }

    /// Suspicion while the fitted episode is still too short for the statistics (the change
    /// point lags a young rise by a few points): the latest `FAST_SAMPLES` points pass the
    /// rank test at the suspicion bar (no autocorrelation factor: too few points for one) and
    /// their floor rose by half a growth threshold. Never an alert.
    fn early_suspicion(&self, sc: &mut Scratch) -> Option<Evidence> {
        let p = sc.y.len();
        if p < FAST_SAMPLES {
            return None;
        }
        let y = &sc.y[p - FAST_SAMPLES..];
        let (all, _) = trend::MannKendall::run(y, FAST_SAMPLES, &mut sc.mk);
        let z = all.z(1.0);
        let baseline = y[0].min(y[1]);
        let level = y[FAST_SAMPLES - 2].min(y[FAST_SAMPLES - 1]);
        let threshold = self.growth_threshold(baseline);
        let suspect = self.suspicion(&all, z, level - baseline, threshold);
        let start = sc.first[p - FAST_SAMPLES];
        Some(Evidence {
            start,
            samples: self.window.len() - start,
            span_ms: 0.0,
            z,
            slope: 0.0,
            baseline,
            growth: 0.0,
            level,
            fitted_now: level,
            trending: false,
            suspect,
            new_high: suspect && self.new_high(level, threshold),
            rule: None,
        })
    }

    /// Runs the statistics over the window; `None` when there is too little to say anything.
    fn evaluate(&mut self) -> Option<Evidence> {
        let n = self.window.len();
        if n < FAST_SAMPLES {
            return None;
        }
        // Cheap exit for the common case: a heap whose range is below the growth threshold
        // cannot show enough growth, so skip the statistics.
        let (lo, hi) = self
            .window
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), s| {
                (l.min(s.1), h.max(s.1))
            });
        if hi - lo < self.growth_threshold(lo) {
            return None;
        }
        let mut sc = std::mem::take(&mut self.scratch);
        let result = self.evaluate_with(&mut sc);
        self.scratch = sc;
        result
    }

    /// The steps of the module docs, in their order, on the window's points.
    fn evaluate_with(&self, sc: &mut Scratch) -> Option<Evidence> {
        self.stat_points(sc)?;
        // 1. onset.
        let k = episode_onset(&sc.t, &sc.y, &mut sc.floor);
        // The few-GCs rule.
        let fast = !self.kind.sticky() && self.fast_rule();
        if sc.t.len() - k < FAST_SAMPLES && !fast {
            // 6. suspicion, on an episode still too short for the statistics.
            return self.early_suspicion(sc);
        }
        let Scratch {
            first,
            t,
            y,
            mk,
            slopes,
            resid,
            ..
        } = sc;
        let (et, ey) = (&t[k..], &y[k..]);
        let m = et.len();
        let start = first[k];
        let span_ms = self.window.back()?.0 - self.window.get(start)?.0;
        // Baseline: the post-GC floor of the episode's first quarter (low samples are the ones
        // with the least floating garbage).
        let head = (m / 4).max(3).min(m);
        let baseline = ey[..head].iter().copied().fold(f64::INFINITY, f64::min);
        // The floor now: the least of the last few points. Gating on floor growth as well as on
        // the fitted line means a rise that just dropped back (a batch ending) is not growth.
        // Few points, so the level does not lag behind the heap.
        let tail = HOLD.min(m);
        let floor_now = ey[m - tail..].iter().copied().fold(f64::INFINITY, f64::min);
        let threshold = self.growth_threshold(baseline);

        // 2. trend test, with the autocorrelation rule's effective-sample-size factor, on the
        // episode and its recent half.
        let half = m / 2;
        let (all, recent_mk) = trend::MannKendall::run(ey, m - half, mk);
        let z = all.z(trend::autocorrelation_variance_factor(et, ey, resid));
        let significant = all.s > 0 && z >= self.z_crit;
        // 6. suspicion.
        let suspect = self.suspicion(&all, z, floor_now - baseline, threshold);
        // 2. Theil–Sen slope (the costly part) only once the rank test has passed; then the
        // autocorrelation rule's random walk and 3. the deceleration check.
        let (slope, trending) = if significant || fast {
            let slope = trend::theil_sen_slope_sub(et, ey, TS_POINTS, slopes);
            let steady = slope > 0.0
                && self.beats_a_random_walk(y, slope * (et[m - 1] - et[0]), m)
                && self.still_rising(et, ey, &recent_mk, slopes, resid)
                && (!self.kind.sticky() || grows_in_every_third(ey, threshold / 8.0));
            (slope, (significant && steady) || fast)
        } else {
            (0.0, false)
        };
        let growth = slope * span_ms;
        let fitted_now = fitted_now(et, ey, slope, floor_now, resid);

        // 4. thresholds, and the rule whose evidence is met. Counted in full GCs (raw
        // samples), not in bucketed points.
        let samples = self.window.len() - start;
        let rule = if fast {
            Some("fast")
        } else if !trending || !self.enough_growth(growth, floor_now - baseline, samples, threshold)
        {
            None
        } else if self.enough_evidence(samples, span_ms) {
            Some("trend")
        } else if !self.kind.sticky() && self.limit_rule(samples, span_ms, fitted_now, slope) {
            Some("limit")
        } else {
            None
        };

        Some(Evidence {
            start,
            samples,
            span_ms,
            z,
            slope,
            baseline,
            growth,
            level: floor_now,
            fitted_now,
            trending,
            suspect,
            // The new-high rule; only worth its O(n) scan when something else would alert or
            // suspect.
            new_high: fast || ((trending || suspect) && self.new_high(floor_now, threshold)),
            rule,
        })
    }

    /// Points for the statistics: the raw samples, or, when there are more than `STAT_POINTS`
    /// (frequent GCs), the floor (min) of buckets of consecutive samples, aligned to the newest
    /// sample. Keeps the tests bounded while the window still spans enough minutes for a slow
    /// leak on a busy heap. Fills `sc.first` (each point's first sample), `sc.t` (mean time
    /// since the window's start) and `sc.y`.
    fn stat_points(&self, sc: &mut Scratch) -> Option<()> {
        let n = self.window.len();
        let bucket = n.div_ceil(STAT_POINTS);
        let t0 = self.window.front()?.0;
        sc.first.clear();
        sc.t.clear();
        sc.y.clear();
        // Buckets aligned to the newest sample: the first one takes the remainder.
        let mut end = match n % bucket {
            0 => bucket,
            r => r,
        };
        let (mut begin, mut ts, mut ys) = (0, 0.0, f64::INFINITY);
        for (i, &(st, sy)) in self.window.iter().enumerate() {
            ts += st - t0;
            ys = ys.min(sy);
            if i + 1 == end {
                sc.first.push(begin);
                sc.t.push(ts / (end - begin) as f64);
                sc.y.push(ys);
                (begin, ts, ys) = (end, 0.0, f64::INFINITY);
                end += bucket;
            }
        }
        Some(())
    }

    /// Step 6: the rank trend passes the lower suspicion bar and the floor rose by half a
    /// growth threshold (see [`Self::state`]).
    fn suspicion(
        &self,
        mk: &trend::MannKendall,
        z: f64,
        floor_growth: f64,
        threshold: f64,
    ) -> bool {
        mk.s > 0 && z >= self.z_suspect && floor_growth >= 0.5 * threshold
    }

    /// The autocorrelation rule's random-walk check: the episode's `rise` must be significant
    /// against a walk with the window's step variance (see [`trend::drift_z`]).
    fn beats_a_random_walk(&self, y: &[f64], rise: f64, points: usize) -> bool {
        trend::drift_z(y, rise, points) >= self.z_drift_crit
    }

    /// Step 3, the deceleration check: the recent half of the episode still rises, at
    /// `MIN_RECENT_SLOPE_RATIO` of the early half's rate or more, and significantly on its own.
    fn still_rising(
        &self,
        et: &[f64],
        ey: &[f64],
        recent_mk: &trend::MannKendall,
        slopes: &mut Vec<f64>,
        resid: &mut Vec<f64>,
    ) -> bool {
        let m = et.len();
        let half = m / 2;
        let early = trend::theil_sen_slope_sub(&et[..half], &ey[..half], TS_POINTS / 2, slopes);
        let recent =
            trend::theil_sen_slope_sub(&et[m - half..], &ey[m - half..], TS_POINTS / 2, slopes);
        recent > 0.0
            && recent >= MIN_RECENT_SLOPE_RATIO * early
            // Fewer than 8 points cannot reach the critical z at all (only the limit rule
            // looks at so short an episode): there, the recent half must just be rising.
            && if half >= 8 {
                let factor =
                    trend::autocorrelation_variance_factor(&et[m - half..], &ey[m - half..], resid);
                recent_mk.z(factor) >= self.z_crit
            } else {
                recent_mk.s > 0
            }
    }

    /// Step 4, growth: the fitted growth and the floor's growth reach the threshold. Slow per
    /// full GC (`min_samples` GCs hold less than one threshold of growth) is also what a cache
    /// filling or a queue building looks like, and a leak this slow per GC has a long budget:
    /// it must show `SLOW_GROWTH_FACTOR` thresholds (the autocorrelation rule's last part).
    fn enough_growth(
        &self,
        growth: f64,
        floor_growth: f64,
        samples: usize,
        threshold: f64,
    ) -> bool {
        let per_gc = growth / (samples.max(2) - 1) as f64;
        let needed = if per_gc * (self.options.min_samples as f64) < threshold {
            SLOW_GROWTH_FACTOR * threshold
        } else {
            threshold
        };
        growth.min(floor_growth) >= needed
    }

    /// Step 4, evidence: `min_samples` full GCs and `min_duration_ms`.
    fn enough_evidence(&self, samples: usize, span_ms: f64) -> bool {
        samples >= self.options.min_samples as usize && span_ms >= self.options.min_duration_ms
    }

    /// The heap-limit rule: at this rate the floor reaches the limit sooner than the growth has
    /// lasted (or `min_duration_ms`), and `FAST_SAMPLES` full GCs show the growth.
    fn limit_rule(&self, samples: usize, span_ms: f64, fitted_now: f64, slope: f64) -> bool {
        samples >= FAST_SAMPLES
            && self
                .time_to_limit(fitted_now, slope)
                .is_some_and(|ttl| ttl <= span_ms.max(self.options.min_duration_ms))
    }
}

/// Step 1: the index of the episode's first point. The change point is fitted on the suffix
/// minimum (the floor the heap never went below again): excursions that came back down — an
/// earlier batch, a burst — vanish from it, so they can neither hide a new rise's start nor
/// lend it their samples. `floor` is scratch space.
fn episode_onset(t: &[f64], y: &[f64], floor: &mut Vec<f64>) -> usize {
    let p = y.len();
    floor.clear();
    floor.extend_from_slice(y);
    for i in (0..p.saturating_sub(1)).rev() {
        floor[i] = floor[i].min(floor[i + 1]);
    }
    let k = trend::onset(t, floor);
    // The suffix minimum of a flat noisy stretch creeps up towards its end, which pulls that
    // onset a few samples early; refit on the raw samples from there to trim the flat part.
    k + trend::onset(&t[k..], &y[k..])
}

/// The fitted (Theil–Sen) line at the episode's latest point, `floor_now` when not rising.
/// Intercept: median of y − slope·t (`resid` is scratch space).
fn fitted_now(et: &[f64], ey: &[f64], slope: f64, floor_now: f64, resid: &mut Vec<f64>) -> f64 {
    if slope <= 0.0 {
        return floor_now;
    }
    resid.clear();
    resid.extend(et.iter().zip(ey).map(|(t, y)| y - slope * t));
    trend::median_in_place(resid).map_or(floor_now, |c| c + slope * et[et.len() - 1])
}

/// For a sticky kind (`MemoryKind::sticky`): the floor rose by `min_growth` in each third of
/// the episode (least of a third's last `HOLD` points less the least of its first). A step the
/// allocator keeps — even one taken over two or three full GCs — lands in one third or two and
/// leaves the others flat (they only creep by a few pages, which the rank tests, blind to
/// size, would take for a trend); a leak grows in all three.
fn grows_in_every_third(ey: &[f64], min_growth: f64) -> bool {
    let third = ey.len() / 3;
    if third < 2 {
        return false;
    }
    let least = |s: &[f64]| s.iter().copied().fold(f64::INFINITY, f64::min);
    let hold = HOLD.min(third / 2).max(1);
    (0..3).all(|i| {
        let part = if i == 2 {
            &ey[2 * third..]
        } else {
            &ey[i * third..(i + 1) * third]
        };
        least(&part[part.len() - hold..]) - least(&part[..hold]) >= min_growth
    })
}

fn check_number(name: &str, value: f64) -> Result<(), Error> {
    if !value.is_finite() {
        return Err(Error::invalid_type(name, "a finite number"));
    }
    if value < 0.0 {
        return Err(Error::out_of_range(name, "at least 0", value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::sim::*;

    /// leak-fast-few-gcs: a startup GC at 5 MB, then full GCs 7-13 s apart while the floor rises
    /// ~0.65 MB/s (little else is promoted), GC-to-GC noise ±0.3 MB.
    fn few_gcs_leak(seed: u64) -> Vec<(f64, f64)> {
        let mut rng = Rng::new(seed);
        let mut s = vec![(1700.0, 5.0 * MB)];
        let mut t = 9.0 + 3.0 * rng.next();
        while s.len() < 14 {
            s.push((
                t * 1000.0,
                (5.0 + 0.65 * (t - 1.7)) * MB + rng.noise(0.3 * MB),
            ));
            t += 7.0 + 6.0 * rng.next();
        }
        s
    }

    #[test]
    fn a_sticky_kind_needs_growth_in_every_third_of_the_episode() {
        // A step kept by the allocator, wherever it falls: one or two thirds grow, not all.
        let mut step: Vec<f64> = vec![42.0; 10];
        step.extend([241.0, 451.0]);
        step.extend((0..20).map(|i| 451.2 + 0.01 * i as f64));
        for split in 0..8 {
            assert!(
                !super::grows_in_every_third(&step[split..], 3.0),
                "split {split}"
            );
        }
        // A leak of 2.8 per sample, flickering by 13 every third sample, grows everywhere.
        let leak: Vec<f64> = (0..18)
            .map(|i| 60.0 + 2.8 * i as f64 + if i % 3 == 0 { 13.0 } else { 0.0 })
            .collect();
        assert!(super::grows_in_every_third(&leak, 3.0));
        assert!(
            !super::grows_in_every_third(&leak[..5], 3.0),
            "too short to tell"
        );
    }

    #[test]
    fn a_floor_tripling_over_five_rising_full_gcs_fires_the_few_gcs_rule() {
        for seed in 0..30 {
            let s = few_gcs_leak(seed);
            let reports = replay(&s);
            let (i, r) = reports.first().expect("fires");
            // Sample 0 is the startup GC; five rises after it (samples 1..=6) are the evidence.
            assert!(*i <= 7, "seed {seed}: fired at sample {i}");
            assert_eq!((r.rule, r.episode), ("fast", 1), "seed {seed}");
            assert!(
                (r.growth_rate_bytes_per_minute / MB - 39.0).abs() < 8.0,
                "{r:?}"
            );
        }
    }

    #[test]
    fn few_full_gcs_of_warm_up_step_cap_burst_or_batch_never_fire() {
        // The same sparse GCs (startup GC, then 7-13 s apart) over healthy shapes.
        let sparse = |seed: u64, heap: &dyn Fn(f64) -> f64| {
            let mut rng = Rng::new(seed);
            let mut s = vec![(1500.0, 4.0 * MB)];
            let mut t = 9.0 + 3.0 * rng.next();
            while t < 600.0 {
                s.push((t * 1000.0, heap(t) + rng.noise(0.5 * MB)));
                t += 7.0 + 6.0 * rng.next();
            }
            s
        };
        for seed in 0..30u64 {
            let mut rng = Rng::new(seed + 500);
            let base = (10.0 + 20.0 * rng.next()) * MB;
            let fill = (20.0 + 40.0 * rng.next()) * MB;
            let tau = [8.0, 15.0, 30.0][seed as usize % 3];
            type Heap = Box<dyn Fn(f64) -> f64>;
            let shapes: [(&str, Heap); 5] = [
                (
                    "warm-up",
                    Box::new(move |t| base + fill * (1.0 - (-t / tau).exp())),
                ),
                (
                    "step",
                    Box::new(move |t| base + if t > 40.0 { fill } else { 0.0 }),
                ),
                ("cap", Box::new(move |t| base + fill * (t / 20.0).min(1.0))),
                (
                    "burst",
                    Box::new(move |t| base + if t % 15.0 < 6.0 { fill } else { 0.0 }),
                ),
                // batch-job: ~4 MB per GC for 11 GCs, then dropped, every 150 s
                (
                    "batch",
                    Box::new(move |t| {
                        base + (t % 150.0).min(110.0)
                            * 0.4
                            * MB
                            * f64::from(u8::from(t % 150.0 < 110.0))
                    }),
                ),
            ];
            for (name, heap) in &shapes {
                let s = sparse(seed, heap.as_ref());
                assert!(replay(&s).is_empty(), "{name}, seed {seed}");
            }
        }
    }

    #[test]
    fn a_leak_into_a_small_heap_limit_is_reported_well_before_the_limit() {
        // 60 MB/min from 20 MB, a full GC every ~5 s, heap limit 100 MB: the floor reaches the
        // limit at ~80 s, 16 full GCs in, when the trend rule would only just be ready.
        for seed in 0..20 {
            let s = sim(5.0, 80.0, 0.5 * MB, seed, |t| 20.0 * MB + t * MB);
            let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
            let first = s.iter().find_map(|&(t, y)| {
                d.update_with_limit(t, y, Some(100.0 * MB))
                    .expect("valid")
                    .map(|r| (t, r))
            });
            let (t, r) = first.expect("fires before the limit");
            assert!(t <= 60_000.0, "seed {seed}: at {t} ms");
            let ttl = r.estimated_time_to_limit_ms.expect("a time to the limit");
            let truth = 80_000.0 - t;
            assert!(
                (ttl - truth).abs() <= 0.3 * truth + 5000.0,
                "seed {seed}: {ttl} vs {truth}"
            );
            assert!(
                r.reason.contains("heap limit (100.0 MB) reached in ~"),
                "{}",
                r.reason
            );
        }
    }

    #[test]
    fn every_report_says_when_the_heap_limit_is_reached_at_this_rate() {
        // 30 MB/min from 15 MB against a 4 GiB limit: ~136 min left at the first alert.
        let s = sim(2.5, 300.0, 1.0 * MB, 6, leak(30.0, 0.0));
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        let limit = 4096.0 * MB;
        let r = s
            .iter()
            .find_map(|&(t, y)| d.update_with_limit(t, y, Some(limit)).expect("valid"))
            .expect("fires");
        let ttl = r.estimated_time_to_limit_ms.expect("rising, limit known");
        let expected = (limit - r.end_used_heap_size) / (30.0 * MB) * 60_000.0;
        assert!((ttl / expected - 1.0).abs() < 0.15, "{ttl} vs {expected}");
        assert_eq!(r.heap_size_limit, Some(limit));
        assert!(r.reason.ends_with(" at this rate"), "{}", r.reason);
        assert!(
            r.reason.contains("; heap limit (4.0 GB) reached in ~2 h"),
            "{}",
            r.reason
        );
        // Without a limit: no estimate, and the reason ends as before.
        let (_, r) = replay(&s).into_iter().next().expect("fires");
        assert_eq!(
            (r.estimated_time_to_limit_ms, r.heap_size_limit),
            (None, None)
        );
        assert!(r.reason.ends_with("full GCs"), "{}", r.reason);
    }

    #[test]
    fn an_update_at_the_full_window_allocates_nothing() {
        // Worst case: a leak with every statistic running at every update (after the alert, so
        // no report string is built), and a wandering heap.
        for wander_shape in [false, true] {
            let options = DetectorOptions {
                realert: false,
                ..Default::default()
            };
            let mut d = LeakDetector::new(options).expect("valid");
            let mut rng = Rng::new(3);
            let mut level = 60.0 * MB;
            let mut next = |i: usize| {
                level += if wander_shape {
                    rng.noise(2.0 * MB)
                } else {
                    0.2 * MB
                };
                (i as f64 * 2000.0, level + rng.noise(MB))
            };
            for i in 0..MAX_SAMPLES + 200 {
                let (t, y) = next(i);
                let _ = d.update_with_limit(t, y, Some(4096.0 * MB));
            }
            assert_eq!(d.window_len(), MAX_SAMPLES);
            let allocations = allocations_during(|| {
                for i in MAX_SAMPLES + 200..MAX_SAMPLES + 1200 {
                    let (t, y) = next(i);
                    assert!(d
                        .update_with_limit(t, y, Some(4096.0 * MB))
                        .expect("valid")
                        .is_none());
                }
            });
            assert_eq!(allocations, 0, "wander: {wander_shape}");
            assert!(
                wander_shape || d.suspected(),
                "the leak keeps the statistics running"
            );
        }
    }

    /// A named shape streaming a simulated week of samples.
    type WeekRun = (String, Box<dyn Fn(&mut dyn FnMut(f64, f64)) + Send>);

    /// Alerts (first alerts and re-alerts) per simulated week of each shape, one thread per
    /// run (a week is ~300k updates).
    fn weekly_alerts(runs: Vec<WeekRun>) {
        let results: Vec<(String, (usize, usize))> = std::thread::scope(|scope| {
            let handles: Vec<_> = runs
                .into_iter()
                .map(|(name, shape)| scope.spawn(move || (name, count_alerts(|f| shape(f)))))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("simulation thread"))
                .collect()
        });
        for (name, a) in &results {
            println!("{name}: {a:?} (episodes, alerts) in a week");
        }
        for (name, a) in &results {
            assert!(a.1 <= 1, "{name}: {a:?} (episodes, alerts) in a week");
        }
    }

    // Re-alerts count: a healthy pattern may page once a week, however the page is split.
    #[test]
    fn a_cache_flushed_periodically_alerts_at_most_once_a_week() {
        // +1 MB per full GC, cleared every 20 / 30 / 60 GCs, a full GC every 2 s, for a week.
        let mut runs: Vec<WeekRun> = Vec::new();
        for period in [20, 30, 60] {
            for seed in 0..3u64 {
                runs.push((
                    format!("cache flushed every {period} GCs, seed {seed}"),
                    Box::new(move |f| cache_flush(WEEK_GCS, period, MB, seed, f)),
                ));
            }
        }
        weekly_alerts(runs);
    }

    #[test]
    fn a_wandering_working_set_alerts_at_most_once_a_week() {
        // Random walk of ±0.5 / ±1 / ±2 MB per full GC in a 100 MB band, GC every 2 s, a week.
        let mut runs: Vec<WeekRun> = Vec::new();
        for step in [0.5, 1.0, 2.0] {
            for seed in 1..4u64 {
                runs.push((
                    format!("wander ±{step} MB/GC, seed {seed}"),
                    Box::new(move |f| wander(WEEK_GCS, step * MB, seed, f)),
                ));
            }
        }
        weekly_alerts(runs);
    }

    #[test]
    fn suspicion_comes_full_gcs_before_the_alert() {
        // The diffOnLeak "before" picture is taken when suspicion begins: it must not begin at
        // the alert's own sample, also with few thresholds (the JS fixture's) and sparse GCs.
        let small = DetectorOptions {
            min_samples: 8,
            min_duration_ms: 3000.0,
            min_growth_bytes: MB,
            min_growth_percent: 1.0,
            ..Default::default()
        };
        for seed in 0..20u64 {
            let cases = [
                (
                    DetectorOptions::default(),
                    sim(2.5, 300.0, MB, seed, leak(30.0, 0.0)),
                ),
                (
                    small.clone(),
                    sim(0.8, 30.0, 0.05 * MB, seed, |t| {
                        4.0 * MB + t / 0.8 * 0.4 * MB
                    }),
                ),
            ];
            for (options, s) in cases {
                let mut d = LeakDetector::new(options).expect("valid");
                let mut suspected_at = None;
                let mut alert_at = None;
                for (i, &(t, y)) in s.iter().enumerate() {
                    let r = d.update(t, y).expect("valid");
                    if r.is_some() {
                        alert_at = Some(i);
                        break;
                    }
                    if d.suspected() && suspected_at.is_none() {
                        suspected_at = Some(i);
                    }
                }
                let (sus, alert) = (suspected_at.expect("suspected"), alert_at.expect("fires"));
                assert!(
                    sus + 2 <= alert,
                    "seed {seed}: suspected at {sus}, alert at {alert}"
                );
            }
        }
    }

    #[test]
    fn a_noisy_flat_heap_never_fires() {
        for seed in 0..5 {
            let small = sim(2.5, 3600.0, 2.0 * MB, seed, |_| 40.0 * MB);
            assert!(replay(&small).is_empty(), "seed {seed}");
            let big = sim(20.0, 4.0 * 3600.0, 5.0 * MB, seed, |_| 175.0 * MB);
            assert!(replay(&big).is_empty(), "seed {seed}");
        }
    }

    #[test]
    fn a_warm_up_to_a_plateau_never_fires() {
        for (tau, seed) in [(8.0, 1), (15.0, 2), (8.0, 3)] {
            let s = sim(2.5, 900.0, 1.0 * MB, seed, move |t| {
                15.0 * MB + 60.0 * MB * (1.0 - (-t / tau).exp())
            });
            assert!(replay(&s).is_empty(), "tau {tau}");
        }
    }

    #[test]
    fn a_cache_filling_to_its_cap_never_fires() {
        let s = sim(2.5, 900.0, 1.5 * MB, 7, |t| {
            10.0 * MB + 40.0 * MB * (t / 15.0).min(1.0)
        });
        assert!(replay(&s).is_empty());
    }

    #[test]
    fn a_sawtooth_of_bursts_never_fires() {
        // Every 15 s a 60 MB report lives for 6 s; GCs often land inside a burst.
        let s = sim(3.0, 1800.0, 1.0 * MB, 4, |t| {
            20.0 * MB + if t % 15.0 < 6.0 { 60.0 * MB } else { 0.0 }
        });
        assert!(replay(&s).is_empty());
    }

    #[test]
    fn batch_jobs_that_rise_and_drop_never_fire() {
        // ~100 MB/min for 15 s or 25 s every 75 s, then dropped (the eval batch-job workload).
        for (run_s, seed) in [(15.0, 1), (25.0, 2), (25.0, 3)] {
            let s = sim(2.5, 1200.0, 1.0 * MB, seed, move |t| {
                let phase = (t - 10.0).rem_euclid(75.0);
                let batch = if t >= 10.0 && phase < run_s {
                    phase / 60.0 * 100.0 * MB
                } else {
                    0.0
                };
                15.0 * MB + batch
            });
            assert!(replay(&s).is_empty(), "run {run_s} s");
        }
    }

    #[test]
    fn a_one_time_step_up_is_not_a_leak() {
        let s = sim(2.5, 1800.0, 1.0 * MB, 5, |t| {
            if t < 300.0 {
                20.0 * MB
            } else {
                60.0 * MB
            }
        });
        assert!(replay(&s).is_empty());
    }

    #[test]
    fn a_linear_leak_fires_within_a_minute() {
        let s = sim(2.5, 300.0, 1.0 * MB, 6, leak(30.0, 0.0));
        let reports = replay(&s);
        let (i, r) = reports.first().expect("fires");
        assert!(s[*i].0 <= 60_000.0, "fired at {} ms", s[*i].0);
        assert_eq!((r.episode, r.repeat), (1, 0));
        assert!(
            (r.growth_rate_bytes_per_minute / MB - 30.0).abs() < 5.0,
            "{r:?}"
        );
        assert!(r.confidence > 0.99 && r.confidence <= 1.0);
        assert!(
            r.reason.starts_with("heap grew ") && r.reason.ends_with("full GCs"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_leak_after_a_healthy_warm_up_fires_after_its_start_and_within_a_minute() {
        let s = sim(2.5, 180.0, 1.0 * MB, 8, |t| {
            15.0 * MB
                + 20.0 * MB * (1.0 - (-t / 5.0).exp())
                + (t - 30.0).max(0.0) / 60.0 * 30.0 * MB
        });
        let first = first_fire_s(&s).expect("fires");
        assert!((30.0..=90.0).contains(&first), "fired at {first} s");
    }

    #[test]
    fn a_slow_leak_on_a_big_noisy_heap_fires_within_twenty_minutes() {
        // 1 MB/min on 175 MB with ±5 MB noise, full GCs every 2 s, 20 s and 60 s.
        for (every, seed) in [(2.0, 1), (20.0, 2), (20.0, 3), (60.0, 4)] {
            let s = sim(every, 1800.0, 5.0 * MB, seed, |t| {
                175.0 * MB + t / 60.0 * MB
            });
            let first = first_fire_s(&s);
            assert!(
                first.is_some_and(|f| f <= 1200.0),
                "GC every {every} s: {first:?}"
            );
        }
    }

    #[test]
    fn the_same_shape_stretched_in_time_alerts_at_the_same_sample() {
        let base = sim(2.5, 400.0, 1.0 * MB, 9, leak(30.0, 60.0));
        let stretched: Vec<(f64, f64)> = base.iter().map(|&(t, y)| (t * 100.0, y)).collect();
        let at = |s: &[(f64, f64)]| replay(s).first().map(|(i, _)| *i);
        // ×100 puts a GC every ~4 min: the 24 h default window still holds the whole episode.
        assert!(at(&base).is_some());
        assert_eq!(at(&base), at(&stretched));
        let plateau = sim(2.5, 400.0, 1.0 * MB, 9, |t| {
            15.0 * MB + 60.0 * MB * (1.0 - (-t / 8.0).exp())
        });
        let stretched: Vec<(f64, f64)> = plateau.iter().map(|&(t, y)| (t * 100.0, y)).collect();
        assert!(replay(&plateau).is_empty() && replay(&stretched).is_empty());
    }

    #[test]
    fn a_million_updates_stay_in_bounded_memory() {
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        let mut rng = Rng::new(1);
        for i in 0..1_000_000u32 {
            d.update(i as f64 * 10.0, 50.0 * MB + rng.noise(MB))
                .expect("valid");
            assert!(d.window_len() <= MAX_SAMPLES);
        }
        assert_eq!(d.window_len(), MAX_SAMPLES);
    }

    #[test]
    fn heaps_above_4_gib_give_exact_growth_numbers() {
        // 5e9 bytes growing 100 MB/min, GC every 5 s, no noise.
        let s: Vec<(f64, f64)> = (0..200)
            .map(|i| (i as f64 * 5000.0, 5e9 + i as f64 * 5000.0 / 60_000.0 * 1e8))
            .collect();
        let reports = replay(&s);
        let (i, r) = reports.first().expect("fires");
        assert!((r.growth_rate_bytes_per_minute - 1e8).abs() < 1.0, "{r:?}");
        assert!(
            (r.growth_bytes - r.duration_ms / 60_000.0 * 1e8).abs() < 1.0,
            "{r:?}"
        );
        assert!((r.end_used_heap_size - s[*i].1).abs() < 1e-3);
        assert!(r.baseline_bytes >= 5e9 && r.start_used_heap_size >= 5e9);
        assert!(r.reason.contains("MB/min"), "{}", r.reason);
    }

    #[test]
    fn a_shrinking_heap_never_fires_and_reports_nothing_negative() {
        let s = sim(2.5, 1200.0, 1.0 * MB, 10, |t| {
            (200.0 - t / 60.0 * 10.0).max(20.0) * MB
        });
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        for &(t, y) in &s {
            assert_eq!(d.update(t, y).expect("valid"), None);
            assert!(!d.suspected());
        }
    }

    #[test]
    fn invalid_input_returns_err_and_leaves_the_state_untouched() {
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        for &(t, y) in &sim(2.5, 60.0, MB, 11, leak(30.0, 0.0)) {
            d.update(t, y).expect("valid");
        }
        let before = d.clone();
        let last = d.last_timestamp.expect("has samples");
        let bad = [
            (f64::NAN, MB, "timestamp must be a finite number"),
            (f64::INFINITY, MB, "timestamp must be a finite number"),
            (-1.0, MB, "timestamp must be at least 0 (got -1)"),
            (last + 1.0, f64::NAN, "usedHeapSize must be a finite number"),
            (last + 1.0, -5.0, "usedHeapSize must be at least 0 (got -5)"),
        ];
        for (t, y, msg) in bad {
            let e = d.update(t, y).expect_err("invalid");
            assert_eq!(e.to_string(), msg);
            assert_eq!(d, before);
        }
        let e = d.update(last - 1.0, MB).expect_err("backwards");
        assert_eq!(e.code(), "ERR_LEAKWATCH_OUT_OF_RANGE");
        assert!(
            e.to_string()
                .starts_with("timestamp must be at least the previous timestamp"),
            "{e}"
        );
        assert_eq!(d, before);
        // Equal timestamps are fine (two GCs within the same millisecond).
        assert!(d.update(last, MB).is_ok());
    }

    #[test]
    fn options_are_validated_with_their_js_names_and_ranges() {
        let d = DetectorOptions::default();
        assert_eq!(d.validate(), Ok(()));
        let cases: Vec<(DetectorOptions, &str)> = vec![
            (
                DetectorOptions {
                    window_ms: 5.0,
                    ..d.clone()
                },
                "windowMs must be between 60000 and 604800000 (got 5)",
            ),
            (
                DetectorOptions {
                    window_ms: f64::NAN,
                    ..d.clone()
                },
                "windowMs must be a finite number",
            ),
            (
                DetectorOptions {
                    min_duration_ms: -1.0,
                    ..d.clone()
                },
                "minDurationMs must be between 0 and 86400000 (got -1)",
            ),
            (
                DetectorOptions {
                    window_ms: 60_000.0,
                    min_duration_ms: 120_000.0,
                    ..d.clone()
                },
                "minDurationMs must be at most windowMs (60000) (got 120000)",
            ),
            (
                DetectorOptions {
                    min_samples: 2,
                    ..d.clone()
                },
                "minSamples must be between 6 and 256 (got 2)",
            ),
            (
                DetectorOptions {
                    min_growth_bytes: -1.0,
                    ..d.clone()
                },
                "minGrowthBytes must be between 0 and 1000000000000000 (got -1)",
            ),
            (
                DetectorOptions {
                    min_growth_percent: f64::INFINITY,
                    ..d.clone()
                },
                "minGrowthPercent must be a finite number",
            ),
            (
                DetectorOptions {
                    confidence: 1.0,
                    ..d.clone()
                },
                "confidence must be between 0.5 and 0.999999 (got 1)",
            ),
        ];
        for (o, msg) in cases {
            let e = o.validate().expect_err(msg);
            assert_eq!(e.to_string(), msg);
            assert!(LeakDetector::new(o).is_err());
        }
        assert_eq!(DetectorOptions::RANGES.len(), 6);
    }

    #[test]
    fn one_episode_gives_one_alert_when_realert_is_off() {
        let s = sim(2.5, 900.0, 1.0 * MB, 12, leak(30.0, 0.0));
        let reports = replay_with(
            DetectorOptions {
                realert: false,
                ..Default::default()
            },
            &s,
        );
        assert_eq!(reports.len(), 1);
    }

    #[test]
    fn realerts_follow_further_growth_and_stop_when_the_leak_stops() {
        // 30 MB/min for 5 min, then flat for 15 min.
        let s = sim(2.5, 1200.0, 1.0 * MB, 13, |t| {
            15.0 * MB + t.min(300.0) / 60.0 * 30.0 * MB
        });
        let reports = replay(&s);
        assert!(reports.len() >= 2, "{}", reports.len());
        for (n, (i, r)) in reports.iter().enumerate() {
            assert_eq!((r.episode, r.repeat), (1, n as u32));
            assert!(
                s[*i].0 <= 330_000.0,
                "alert at {} ms after the leak stopped",
                s[*i].0
            );
        }
        // Re-alerts are spaced by fresh evidence: no storms.
        for w in reports.windows(2) {
            assert!(w[1].0 - w[0].0 >= 16);
        }
    }

    #[test]
    fn a_new_leak_after_a_quiet_spell_is_a_new_episode() {
        let s = sim(2.5, 1500.0, 1.0 * MB, 14, |t| {
            15.0 * MB + t.min(200.0) / 60.0 * 30.0 * MB + (t - 900.0).max(0.0) / 60.0 * 30.0 * MB
        });
        let reports = replay_with(
            DetectorOptions {
                realert: false,
                ..Default::default()
            },
            &s,
        );
        let episodes: Vec<u32> = reports.iter().map(|(_, r)| r.episode).collect();
        assert_eq!(episodes, vec![1, 2]);
        assert!(s[reports[1].0].0 > 900_000.0);
    }

    #[test]
    fn reset_forgets_everything_but_the_options() {
        let s = sim(2.5, 120.0, 1.0 * MB, 15, leak(30.0, 0.0));
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        for &(t, y) in &s {
            let _ = d.update(t, y);
        }
        d.reset();
        assert_eq!(
            d,
            LeakDetector::new(DetectorOptions::default()).expect("defaults")
        );
        assert!(
            d.update(0.0, MB).is_ok(),
            "timestamps may restart after reset"
        );
    }

    /// 30 MB/min for 5 min from 15 MB, then flat: the leak that stops.
    fn leak_that_stops(seed: u64) -> Vec<(f64, f64)> {
        sim(2.5, 1200.0, 1.0 * MB, seed, |t| {
            15.0 * MB + t.min(300.0) / 60.0 * 30.0 * MB
        })
    }

    #[test]
    fn a_leak_that_stops_ends_its_episode_exactly_once() {
        for seed in [13, 21, 34] {
            let s = leak_that_stops(seed);
            let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
            let (mut reports, mut ends, mut states) = (Vec::new(), Vec::new(), Vec::new());
            for &(t, y) in &s {
                if let Some(r) = d.update(t, y).expect("valid") {
                    assert_eq!(d.state(), LeakState::Leaking, "a report leaves it leaking");
                    reports.push(r);
                }
                if let Some(end) = d.ended() {
                    assert_ne!(d.state(), LeakState::Leaking, "ended: no longer leaking");
                    ends.push((t, end.clone()));
                }
                if states.last() != Some(&d.state()) {
                    states.push(d.state());
                }
            }
            let [(t, end)] = &ends[..] else {
                panic!("seed {seed}: {} ends", ends.len())
            };
            let (first, last) = (&reports[0], &reports[reports.len() - 1]);
            assert_eq!(end.episode, 1);
            assert_eq!(end.alerts as usize, reports.len());
            assert_eq!(end.timestamp, *t);
            assert!(
                *t > 300_000.0,
                "seed {seed}: ended at {t} ms, while still growing"
            );
            assert_eq!(end.start_timestamp, first.start_timestamp);
            assert_eq!(end.first_alert_timestamp, first.timestamp);
            assert_eq!(end.last_alert_timestamp, last.timestamp);
            assert_eq!(end.duration_ms, end.timestamp - end.start_timestamp);
            assert_eq!(end.baseline_bytes, first.baseline_bytes);
            assert_eq!(end.quiet_samples, 16);
            // The floor stays where the leak left it: ~150 MB above the 15 MB baseline.
            assert!((end.growth_bytes / MB - 150.0).abs() < 10.0, "{end:?}");
            assert!(
                end.reason.starts_with(
                    "heap stopped growing: no growth trend over the last 16 full GCs; episode 1 ("
                ) && end.reason.contains(" above its baseline"),
                "{}",
                end.reason
            );
            // none → suspected → leaking, then never leaking again (the flat heap's noise may
            // still be suspected now and then: that arms a "before" picture, it pages no one).
            assert_eq!(
                states[..3],
                [LeakState::None, LeakState::Suspected, LeakState::Leaking]
            );
            assert!(!states[3..].contains(&LeakState::Leaking), "{states:?}");
        }
    }

    #[test]
    fn a_flicker_of_suspicion_inside_the_grace_does_not_end_the_suspected_state() {
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        let mut after = |raw: bool| {
            d.suspect_now = raw;
            d.hold_suspicion();
            d.state()
        };
        assert_eq!(after(true), LeakState::Suspected);
        for _ in 1..SUSPICION_GRACE_SAMPLES {
            assert_eq!(after(false), LeakState::Suspected, "within the grace");
        }
        // Back before the grace ran out: the count starts over.
        assert_eq!(after(true), LeakState::Suspected);
        for _ in 1..SUSPICION_GRACE_SAMPLES {
            assert_eq!(after(false), LeakState::Suspected);
        }
        assert_eq!(after(false), LeakState::None, "the grace ran out");
    }

    #[test]
    fn suspicion_holds_from_its_start_to_the_alert_on_real_leaks() {
        // The raw suspicion of an early episode flickers; the state does not fall back to none.
        for seed in 0..20u64 {
            let s = sim(2.5, 300.0, MB, seed, leak(30.0, 0.0));
            let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
            let mut since = None;
            for (i, &(t, y)) in s.iter().enumerate() {
                let report = d.update(t, y).expect("valid");
                if report.is_some() {
                    break;
                }
                match (since, d.state()) {
                    (None, LeakState::Suspected) => since = Some(i),
                    (Some(from), LeakState::None) => {
                        panic!("seed {seed}: suspected at {from}, none again at {i}")
                    }
                    _ => {}
                }
            }
            assert!(since.is_some(), "seed {seed}: suspected before the alert");
        }
    }

    #[test]
    fn reset_ends_every_state_without_an_episode_end() {
        let s = leak_that_stops(13);
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        for &(t, y) in s.iter().take_while(|&&(t, _)| t < 200_000.0) {
            let _ = d.update(t, y).expect("valid");
        }
        assert_eq!(d.state(), LeakState::Leaking);
        d.reset();
        assert_eq!((d.state(), d.ended()), (LeakState::None, None));
        assert!(!d.suspected());
        // The episode a reset cut short never ends: a new leak is episode 1 again.
        let ends = s
            .iter()
            .filter(|&&(t, y)| d.update(t, y).expect("valid").is_some() || d.ended().is_some())
            .count();
        assert!(
            ends >= 2,
            "alerts and the end of the replayed episode: {ends}"
        );
        assert_eq!(d.episode, 1);
    }

    #[test]
    fn flat_and_plateau_shapes_never_fire_for_many_seeds() {
        for seed in 0..40u64 {
            let mut rng = Rng::new(seed + 100);
            let base = (10.0 + 200.0 * rng.next()) * MB;
            let noise = (0.3 + 2.7 * rng.next()) * MB;
            let every = 1.0 + 30.0 * rng.next();
            let fill = 60.0 * rng.next() * MB;
            let tau = every * (1.0 + 3.0 * rng.next());
            let s = sim(every, every * 400.0, noise, seed, move |t| {
                base + fill * (1.0 - (-t / tau).exp())
            });
            assert!(
                replay(&s).is_empty(),
                "seed {seed}: base {base} noise {noise} every {every} tau {tau}"
            );
            let flat = sim(every, every * 400.0, noise, seed, move |_| base);
            assert!(replay(&flat).is_empty(), "seed {seed}: flat");
        }
    }
}
