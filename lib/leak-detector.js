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

  /** True while a growth episode is suspected or in progress. */
  get suspected() {
    return this.#native.suspected;
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
