'use strict';
// HeapDiff: what grew between two moments, by constructor. Both snapshots are taken and
// walked natively (lib/binding.js → src/binding/heap_diff.rs); JS only sees the result.

const binding = require('./binding');

class HeapDiff {
  #native;

  /** Takes the "before" snapshot now (full GCs first; blocks this thread meanwhile). */
  constructor() {
    this.#native = new binding.NativeHeapDiff();
  }

  /** Takes the "after" snapshot and returns the comparison. Throws when called twice
   * (`err.code === 'ERR_LEAKWATCH_HEAPDIFF_ENDED'`). */
  end() {
    return this.#native.end();
  }

  /** True once end() has been called. */
  get ended() {
    return this.#native.ended;
  }
}

module.exports = { HeapDiff };
