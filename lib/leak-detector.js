'use strict';
// Replays post-full-GC samples through the same Rust detector the live monitor runs.

const binding = require('./binding');
const { detectorOptions, typeError, withPrefix } = require('./options');

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
      throw typeError('sample must be an object { timestamp, usedHeapSize, heapSizeLimit? }', 'ERR_LEAKWATCH_INVALID_TYPE');
    }
    const { timestamp, usedHeapSize } = sample;
    if (typeof timestamp !== 'number') {
      throw typeError(`sample.timestamp must be a number of milliseconds (got ${typeof timestamp})`, 'ERR_LEAKWATCH_INVALID_TYPE');
    }
    if (typeof usedHeapSize !== 'number') {
      throw typeError(`sample.usedHeapSize must be a number of bytes (got ${typeof usedHeapSize})`, 'ERR_LEAKWATCH_INVALID_TYPE');
    }
    // Optional: V8's heap_size_limit (as in `stats`), for the time-to-limit estimate.
    const { heapSizeLimit } = sample;
    if (heapSizeLimit !== undefined && typeof heapSizeLimit !== 'number') {
      throw typeError(`sample.heapSizeLimit must be a number of bytes (got ${typeof heapSizeLimit})`, 'ERR_LEAKWATCH_INVALID_TYPE');
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
