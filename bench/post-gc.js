'use strict';
// What any JS pays right after a full GC, without leakwatch: the JS that leakwatch's delivery
// runs per batch (lib/stats-payload.js building one full GC's `stats` objects from its numbers)
// timed in the first event-loop turn after a forced full GC, and in a turn with no GC before it,
// alternately, on the fullgc workload's heap. The difference is V8's, not leakwatch's: the GC
// has just streamed through the heap (cold caches) and the first allocations after it set up
// fresh allocation areas. Neither concurrent sweeping nor bytecode flushing is it: the figure
// holds with --single-threaded-gc, --no-concurrent-sweeping or --no-flush-bytecode.
//
//   node bench/post-gc.js [turns]   (default 320; prints medians in µs)

const v8 = require('node:v8');
const vm = require('node:vm');
const { statsPayloads, STRIDE } = require('../lib/stats-payload');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const TURNS = Number(process.argv[2] || 320);
// The fullgc workload's heap (bench/workloads/fullgc.js).
const retained = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}`, tags: [i & 7] }));
// One full GC's packed row: plausible numbers, no heap spaces, an rss.
const numbers = new Float64Array(STRIDE).fill(1);
numbers[1] = 2; // mark-sweep-compact
numbers[STRIDE - 2] = -1; // no heapSpaces
let kept = null;

const work = {
  'stats objects': () => {
    kept = statsPayloads(numbers, undefined, STRIDE);
  },
  'two clock reads only': () => {},
};
const times = Object.fromEntries(Object.keys(work).map((k) => [k, { afterGc: [], noGc: [] }]));

let turn = 0;
function step() {
  const afterGc = turn % 2 === 0;
  const name = Object.keys(work)[(turn >> 1) % 2];
  if (afterGc) gc();
  setImmediate(() => {
    const t0 = process.hrtime.bigint();
    work[name]();
    const t1 = process.hrtime.bigint();
    times[name][afterGc ? 'afterGc' : 'noGc'].push(Number(t1 - t0) / 1e3);
    if (++turn < TURNS) setImmediate(step);
    else report();
  });
}

const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
function report() {
  for (const [name, t] of Object.entries(times)) {
    const a = median(t.afterGc);
    const b = median(t.noGc);
    process.stdout.write(
      `${name}: ${a.toFixed(1)} µs in the first turn after a full GC, ${b.toFixed(1)} µs with no GC before it (+${(a - b).toFixed(1)} µs)\n`,
    );
  }
  if (kept === null || retained.length === 0) process.exitCode = 1;
}

step();
