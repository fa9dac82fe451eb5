'use strict';
// Workload 3: forced full GCs on a fixed heap (microbenchmark for the cost per full GC).
//
// The service workload runs only a handful of full GCs (3–4 per run), so its side-by-side
// difference cannot be divided into a per-full-GC figure. Here the work is nothing but N full
// mark-sweep-compact GCs — `gc()` of --expose-gc (set at run time by bench/child.js, in every
// variant alike) — on the same small heap: a few thousand retained objects built once, so
// every GC does the same marking work and allocates almost nothing in between.
//
// Why one GC per setImmediate: each GC gets its own event-loop turn, so every hook that
// delivers to JS (leakwatch's loop-turn wake-up, memwatch's uv_queue_work, gc-stats'
// uv_async, the perf_hooks observer) delivers once per GC instead of coalescing, as in a
// service where full GCs are seconds apart.

const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const RETAINED = 20_000;
let retained = null; // module scope: reachable for the whole run

/** Builds the fixed heap; bench/child.js calls this before its pre-work full GC. */
function prepare() {
  retained = Array.from({ length: RETAINED }, (_, i) => ({ id: i, name: `item-${i}`, tags: [i & 7] }));
}

/** Runs `count` (scaled) full GCs; resolves with a checksum. */
function run(scale) {
  const count = Math.max(1, Math.round(160 * scale));
  if (retained === null) prepare();
  let done = 0;
  return new Promise((resolve) => {
    function step() {
      gc();
      done++;
      if (done < count) setImmediate(step);
      else resolve(retained.length + done);
    }
    step();
  });
}

module.exports = { name: 'fullgc', describe: 'forced full GCs (gc()) on a fixed small heap', prepare, run };
