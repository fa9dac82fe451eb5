'use strict';
// Replays post-full-GC samples through the same Rust detector the live monitor runs.

const binding = require('./binding');
const { invalidType } = require('./errors');
const { detectorOptions, withPrefix } = require('./options');

class LeakDetector {
  #native;

  constructor(options = {}) {
    const given = detectorOptions(options, 'LeakDetector options');
    try {
      this.#native = new binding.NativeLeakDetector(given);
    } catch (err) {
      throw withPrefix(err, 'LeakDetector options.');
    }
  }

  /** Feeds one sample; returns the leak report exactly when the live monitor would emit
   * `leak` for it, else null. Bad samples throw and leave the detector untouched. */
  update(sample) {
    if (sample === null || typeof sample !== 'object') {
      throw invalidType('sample', 'an object { timestamp, usedHeapSize, heapSizeLimit? }', sample);
    }
    const { timestamp, usedHeapSize } = sample;
    if (typeof timestamp !== 'number') {
      throw invalidType('sample.timestamp', 'a number of milliseconds', timestamp);
    }
    if (typeof usedHeapSize !== 'number') {
      throw invalidType('sample.usedHeapSize', 'a number of bytes', usedHeapSize);
    }
    // Optional: V8's heap_size_limit (as in `stats`), for the time-to-limit estimate.
    const { heapSizeLimit } = sample;
    if (heapSizeLimit !== undefined && typeof heapSizeLimit !== 'number') {
      throw invalidType('sample.heapSizeLimit', 'a number of bytes', heapSizeLimit);
    }
    return this.#native.update(timestamp, usedHeapSize, heapSizeLimit) ?? null;
  }

  /** The episode's state after the latest sample, as the live monitor's `leakState`:
   * 'none', 'suspected' (no report yet) or 'leaking' (from a report to its episode's end). */
  get leakState() {
    return this.#native.state;
  }

  /** `leakState !== 'none'`. */
  get suspected() {
    return this.leakState !== 'none';
  }

  /** The `leakEnd` payload when the latest update() ended a leaking episode (the live monitor
   * would emit `leakEnd` for that sample), else null. update() itself still returns only the
   * report. */
  get episodeEnd() {
    return this.#native.episodeEnd ?? null;
  }

  /** The effective options, defaults filled in. */
  get options() {
    return this.#native.options;
  }

  /** Forgets every sample and episode. */
  reset() {
    this.#native.reset();
  }
}

module.exports = { LeakDetector };
