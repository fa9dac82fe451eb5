'use strict';
// The classic leak rule, as a baseline for the eval and the tests only (not part of the
// product): "the post-GC heap grew over N consecutive full GCs" (N = 5), the rule popularised
// by node-memwatch. Every post-full-GC sample is compared with the previous one; a strict
// increase extends the run, anything else resets it. When the run reaches N increases the rule
// fires and the run starts over, so a steady leak fires again after N more increases.
//
// Same interface as the product's replay class: `update({ timestamp, usedHeapSize })` returns a
// report object when the rule fires at that sample, else null.

class ClassicRule {
  #consecutive;
  #count = 0;
  #last = null;
  #runStart = null;
  #fires = 0;

  /** @param {{ consecutive?: number }} [options] increases in a row needed to fire (default 5). */
  constructor({ consecutive = 5 } = {}) {
    if (!Number.isInteger(consecutive) || consecutive < 1) {
      throw new RangeError(`consecutive must be a positive integer (got ${consecutive})`);
    }
    this.#consecutive = consecutive;
    this.reset();
  }

  update({ timestamp, usedHeapSize }) {
    let count = 0;
    if (this.#last !== null && usedHeapSize > this.#last.usedHeapSize) {
      count = this.#count + 1;
      if (count === 1) this.#runStart = this.#last;
    }
    this.#count = count;
    this.#last = { timestamp, usedHeapSize };
    if (count < this.#consecutive) return null;
    this.#count = 0;
    this.#fires++;
    const start = this.#runStart;
    return {
      timestamp,
      startTimestamp: start.timestamp,
      growthBytes: usedHeapSize - start.usedHeapSize,
      samples: this.#consecutive + 1,
      fire: this.#fires,
      reason: `post-GC heap grew over ${this.#consecutive} consecutive full GCs`,
    };
  }

  reset() {
    this.#count = 0;
    this.#last = null;
    this.#runStart = null;
    this.#fires = 0;
  }
}

module.exports = { ClassicRule };
