'use strict';
// The `stats` arithmetic of lloyd's node-memwatch 0.2 (memwatch-next 0.3 kept it unchanged):
// AsyncMemwatchAfter() in his src/memwatch.cc, step by step, as a pure state machine so that
// it can be tested on a synthetic series without running a GC. leakwatch/memwatch-next emits
// these values; leakwatch/memwatch serves them as non-enumerable extras.
//
// Two deliberate differences from his C++: his counters and bases were 32-bit `unsigned int`,
// so `base_recent * 9` wrapped for heaps above ~477 MB, and `base_recent - base_ancient` wrapped
// when the heap shrank (a falling heap showed a huge positive `usage_trend`). Here the same
// formulas run on exact integers: the bases are truncated like his, and a falling heap gives a
// negative trend.

const RECENT_PERIOD = 10;
const ANCIENT_PERIOD = 120;

// C's round(): halves away from zero (Math.round rounds -0.5 up to -0).
const cRound = (x) => Math.sign(x) * Math.round(Math.abs(x));

class LloydStats {
  constructor() {
    this.gcFull = 0; // mark-sweep-compact GCs
    this.gcInc = 0; // every other GC V8 reported (scavenges, incremental marking, weak callbacks)
    this.gcCompact = 0; // full GCs again: on Node >= 0.8 lloyd counted compactions as full GCs
    this.lastBase = 0; // used heap right after the last full GC
    this.baseRecent = 0; // running average over ~RECENT_PERIOD full GCs
    this.baseAncient = 0; // running average over up to ANCIENT_PERIOD full GCs
    this.baseMin = 0; // 0 = not recorded yet (the first two compactions are left out)
    this.baseMax = 0;
  }

  /** Counts `count` GCs that were not full ones (lloyd: every other GC epilogue). */
  minor(count = 1) {
    this.gcInc += count;
  }

  /** One full GC that left `usedHeapSize` bytes in use; returns the `stats` it emits. */
  full(usedHeapSize) {
    this.gcFull += 1;
    this.lastBase = Math.trunc(usedHeapSize);
    this.gcCompact += 1;
    if (this.gcCompact < RECENT_PERIOD) {
      // His start-up damping. `gc_compact / RECENT_PERIOD` divides two unsigned ints, so the
      // factor is pow(0, 2.5) * n = 0 for compactions 1-9: both bases are just last_base.
      const ratio = Math.floor(this.gcCompact / RECENT_PERIOD);
      const recentDecay = ratio ** 2.5 * this.gcCompact;
      this.baseRecent = Math.trunc((this.baseRecent * recentDecay + this.lastBase) / (recentDecay + 1));
      const ancientDecay = ratio ** 2.4 * this.gcCompact;
      this.baseAncient = Math.trunc((this.baseAncient * ancientDecay + this.lastBase) / (1 + ancientDecay));
    } else {
      this.baseRecent = Math.floor((this.baseRecent * (RECENT_PERIOD - 1) + this.lastBase) / RECENT_PERIOD);
      const decay = Math.min(ANCIENT_PERIOD, this.gcCompact);
      this.baseAncient = Math.trunc((this.baseAncient * (decay - 1) + this.lastBase) / decay);
    }
    // "only record min/max after 3 gcs to let initial instability settle"
    if (this.gcCompact >= 3) {
      if (!this.baseMin || this.baseMin > this.lastBase) this.baseMin = this.lastBase;
      if (!this.baseMax || this.baseMax < this.lastBase) this.baseMax = this.lastBase;
    }
    return this.stats();
  }

  /** lloyd's `stats` object, his keys in his order. */
  stats() {
    // Percent, one decimal: round((recent - ancient) / ancient * 1000) / 10.
    const trend = this.baseAncient ? cRound(((this.baseRecent - this.baseAncient) / this.baseAncient) * 1000) / 10 : 0;
    return {
      num_full_gc: this.gcFull,
      num_inc_gc: this.gcInc,
      heap_compactions: this.gcCompact,
      usage_trend: trend,
      // Yes: his `estimated_base` is the short (recent) average, `current_base` the last value.
      estimated_base: this.baseRecent,
      current_base: this.lastBase,
      min: this.baseMin,
      max: this.baseMax,
    };
  }
}

module.exports = { LloydStats, RECENT_PERIOD, ANCIENT_PERIOD };
