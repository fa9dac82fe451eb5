'use strict';
// Detector cost per update: `node bench/detector.js [--baseline PATH] [--updates N] [--json]`
//
// Times LeakDetector.update() (the same Rust detector the live monitor runs once per full GC,
// plus the N-API call) at the full window (1024 samples) on three heap shapes:
//   leak    worst case: a steady leak, every statistic runs at every update (after its alert,
//           realert off, so no report is built)
//   wander  a working set doing a random walk: the trend test runs, the drift test rejects
//   flat    the common case: the range is below the growth threshold, a cheap exit
// --baseline PATH loads another leakwatch build (e.g. a checkout of the previous release) and
// times it on the same samples in the same run, interleaved, so the ratio holds on a busy
// machine. Prints a markdown table (µs per update, median of rounds).

const path = require('node:path');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const UPDATES = Number(arg('--updates', 20_000));
const ROUNDS = 5;
const MB = 1024 * 1024;

function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SHAPES = {
  leak: () => {
    const r = lcg(1);
    return (i) => 50 * MB + i * 0.2 * MB + (r() * 2 - 1) * MB;
  },
  wander: () => {
    const r = lcg(2);
    let level = 90 * MB;
    return () => {
      level = Math.min(140 * MB, Math.max(40 * MB, level + (r() < 0.5 ? 2 : -2) * MB));
      return level + (r() * 2 - 1) * 0.5 * MB;
    };
  },
  flat: () => {
    const r = lcg(3);
    return () => 50 * MB + (r() * 2 - 1) * MB;
  },
};

/** µs per update over `UPDATES` updates after 1024 + 200 warm-up samples. */
function time(lw, shape) {
  const d = new lw.LeakDetector({ realert: false });
  const heap = SHAPES[shape]();
  const limit = 4096 * MB;
  let i = 0;
  for (; i < 1224; i++) d.update({ timestamp: i * 2000, usedHeapSize: heap(i), heapSizeLimit: limit });
  const start = process.hrtime.bigint();
  for (const end = i + UPDATES; i < end; i++) d.update({ timestamp: i * 2000, usedHeapSize: heap(i), heapSizeLimit: limit });
  return Number(process.hrtime.bigint() - start) / 1e3 / UPDATES;
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const builds = [['leakwatch', require(path.join(__dirname, '..'))]];
const baselinePath = arg('--baseline', process.env.LEAKWATCH_BASELINE);
if (baselinePath) builds.push(['baseline', require(path.resolve(baselinePath))]);

const results = {};
for (const shape of Object.keys(SHAPES)) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, lw] of builds) {
      results[shape] ??= {};
      results[shape][name] ??= [];
      results[shape][name].push(time(lw, shape));
    }
  }
}

const rows = Object.entries(results).map(([shape, byBuild]) => {
  const ours = median(byBuild.leakwatch);
  const base = byBuild.baseline ? median(byBuild.baseline) : null;
  return { shape, ours, base, ratio: base === null ? null : ours / base };
});
if (args.includes('--json')) {
  console.log(JSON.stringify({ updates: UPDATES, rounds: ROUNDS, rows }));
} else {
  console.log(`| shape | leakwatch µs/update | ${baselinePath ? 'baseline µs/update | ratio |' : ''}`);
  console.log(`| --- | --- | ${baselinePath ? '--- | --- |' : ''}`);
  for (const r of rows) {
    const fmt = (v) => v.toFixed(1);
    console.log(`| ${r.shape} | ${fmt(r.ours)} | ${r.base === null ? '' : `${fmt(r.base)} | ${r.ratio.toFixed(2)}× |`}`);
  }
  console.log(`\n${UPDATES} updates per round at the full window, median of ${ROUNDS} rounds, node ${process.version}.`);
}
