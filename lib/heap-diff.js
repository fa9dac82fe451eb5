'use strict';
// HeapDiff: what grew between two moments, by constructor. Both snapshots are taken and
// walked natively (lib/binding.js → crates/node/src/binding/heap_diff.rs); JS only sees the result.

const binding = require('./binding');
const { budgetMs, needV8Layer, noteSnapshot } = require('./evidence');
const { checkShape, snapshot } = require('./options');

class HeapDiff {
  #native;

  /** Takes the "before" snapshot now (full GCs first; blocks this thread meanwhile).
   * `options.budgetMs` bounds each of its two snapshots in time (default: no bound); past it,
   * or when the thread is terminating, V8's snapshot is aborted and the call throws
   * `ERR_LEAKWATCH_SNAPSHOT_ABORTED`. */
  constructor(options = {}) {
    options = snapshot(options);
    checkShape(options, { budgetMs: 'number' }, 'HeapDiff options');
    const budget = options.budgetMs === undefined ? undefined : budgetMs(options.budgetMs, 'HeapDiff options.budgetMs');
    needV8Layer('HeapDiff');
    this.#native = new binding.NativeHeapDiff(undefined, budget);
    noteSnapshot(this.#native.beforeNodes);
  }

  /** Takes the "after" snapshot and returns the comparison. Throws when called twice
   * (`err.code === 'ERR_LEAKWATCH_HEAPDIFF_ENDED'`). Once it has returned or thrown, no
   * picture of this HeapDiff is alive (V8's object-id map can be released). */
  end() {
    const result = this.#native.end();
    noteSnapshot(result.after.nodes);
    return result;
  }

  /** True once end() has been called. */
  get ended() {
    return this.#native.ended;
  }
}

module.exports = { HeapDiff };
