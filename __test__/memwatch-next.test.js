'use strict';
// leakwatch/memwatch-next, the drop-in for lloyd's node-memwatch / memwatch-next: his `stats`
// definitions (lib/compat/lloyd-stats.js) checked against values computed by hand from his formulas
// (src/memwatch.cc, AsyncMemwatchAfter), then the same module live in a child process.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const { runNode } = require('./helpers');
const { LloydStats } = require('../lib/compat/lloyd-stats');

const LLOYD_KEYS = ['num_full_gc', 'num_inc_gc', 'heap_compactions', 'usage_trend', 'estimated_base', 'current_base', 'min', 'max'];

/** Feeds full GCs with these post-GC heap sizes; returns the stats after each. */
function feed(lloyd, sizes) {
  return sizes.map((used) => lloyd.full(used));
}

test('the first nine compactions: both bases are the last heap, trend 0; min/max leave out the first two', () => {
  const lloyd = new LloydStats();
  const out = feed(lloyd, [100, 10_000_000, 5_000_000, 4_000_000, 6_000_000, 5_500_000, 5_400_000, 5_300_000, 5_200_000]);
  assert.deepEqual(Object.keys(out[0]), LLOYD_KEYS, "lloyd's keys in lloyd's order");
  assert.deepEqual(out[1], {
    num_full_gc: 2,
    num_inc_gc: 0,
    heap_compactions: 2,
    usage_trend: 0,
    estimated_base: 10_000_000,
    current_base: 10_000_000,
    min: 0,
    max: 0,
  });
  assert.deepEqual(
    { ...out[2], num_full_gc: 0, heap_compactions: 0 },
    { num_full_gc: 0, num_inc_gc: 0, heap_compactions: 0, usage_trend: 0, estimated_base: 5_000_000, current_base: 5_000_000, min: 5_000_000, max: 5_000_000 },
  );
  const last = out[8];
  // (integer division: gc_compact / RECENT_PERIOD is 0 below 10, so no damping at all)
  assert.equal(last.estimated_base, 5_200_000);
  assert.equal(last.current_base, 5_200_000);
  assert.equal(last.usage_trend, 0);
  assert.equal(last.min, 4_000_000, '100 (1st compaction) is not a minimum');
  assert.equal(last.max, 6_000_000, '10 MB (2nd compaction) is not a maximum');
});

test('from the tenth compaction: recent = (9·recent + last) / 10, ancient over min(n, 120), trend in percent', () => {
  const lloyd = new LloydStats();
  // 1.1 MB, 1.2 MB, ... 2.2 MB: twelve compactions of a steady 100 kB growth.
  const out = feed(
    lloyd,
    Array.from({ length: 12 }, (_, i) => 1_100_000 + 100_000 * i),
  );
  assert.equal(out[8].estimated_base, 1_900_000);
  // n = 10: recent = (1,900,000·9 + 2,000,000) / 10; ancient = (1,900,000·9 + 2,000,000) / 10.
  assert.equal(out[9].estimated_base, 1_910_000);
  assert.equal(out[9].usage_trend, 0);
  // n = 11: recent = (1,910,000·9 + 2,100,000) / 10 = 1,929,000;
  //         ancient = trunc((1,910,000·10 + 2,100,000) / 11) = trunc(1,927,272.7) = 1,927,272;
  //         trend = round(1,728 / 1,927,272 · 1000) / 10 = round(0.897) / 10 = 0.1.
  assert.deepEqual(out[10], {
    num_full_gc: 11,
    num_inc_gc: 0,
    heap_compactions: 11,
    usage_trend: 0.1,
    estimated_base: 1_929_000,
    current_base: 2_100_000,
    min: 1_300_000,
    max: 2_100_000,
  });
  // n = 12: recent = (1,929,000·9 + 2,200,000) / 10 = 1,956,100;
  //         ancient = trunc((1,927,272·11 + 2,200,000) / 12) = trunc(1,949,999.3) = 1,949,999;
  //         trend = round(6,101 / 1,949,999 · 1000) / 10 = round(3.129) / 10 = 0.3.
  assert.deepEqual(out[11], {
    num_full_gc: 12,
    num_inc_gc: 0,
    heap_compactions: 12,
    usage_trend: 0.3,
    estimated_base: 1_956_100,
    current_base: 2_200_000,
    min: 1_300_000,
    max: 2_200_000,
  });
  assert.equal(lloyd.baseAncient, 1_949_999);
});

test('the long average stops widening at 120 compactions; a falling heap gives a negative trend', () => {
  const rising = new LloydStats();
  feed(rising, Array(130).fill(1_000_000));
  assert.equal(rising.stats().estimated_base, 1_000_000);
  // recent = (1,000,000·9 + 2,200,000) / 10 = 1,120,000; ancient = (1,000,000·119 + 2,200,000) / 120
  // = 1,010,000 (not / 131); trend = round(110,000 / 1,010,000 · 1000) / 10 = round(108.9) / 10.
  const up = rising.full(2_200_000);
  assert.deepEqual([up.estimated_base, rising.baseAncient, up.usage_trend], [1_120_000, 1_010_000, 10.9]);

  const falling = new LloydStats();
  feed(falling, Array(130).fill(2_000_000));
  // recent = (2,000,000·9 + 800,000) / 10 = 1,880,000; ancient = (2,000,000·119 + 800,000) / 120
  // = 1,990,000; trend = round(-110,000 / 1,990,000 · 1000) / 10 = round(-55.3) / 10 = -5.5.
  // (lloyd's unsigned subtraction made this +215,822: see lib/compat/lloyd-stats.js.)
  const down = falling.full(800_000);
  assert.deepEqual([down.estimated_base, falling.baseAncient, down.usage_trend], [1_880_000, 1_990_000, -5.5]);
  assert.equal(down.min, 800_000);
  assert.equal(down.max, 2_000_000);
});

test('every GC that is not a full one counts as num_inc_gc; only full GCs are compactions', () => {
  const lloyd = new LloydStats();
  lloyd.minor(3);
  lloyd.full(1e6);
  lloyd.minor(1);
  lloyd.minor(2);
  const s = lloyd.full(1e6);
  assert.deepEqual([s.num_full_gc, s.num_inc_gc, s.heap_compactions], [2, 6, 2]);
});

test("live: stats has exactly lloyd's eight enumerable keys, computed from the real post-GC heap", { timeout: 60_000, skip: needsV8Layer }, async () => {
  const run = await runNode(
    `
    const memwatch = require('leakwatch/memwatch-next');
    const leakwatch = require('leakwatch');
    const { LloydStats } = require('./lib/compat/lloyd-stats');
    const ours = [];
    const raw = [];
    memwatch.on('stats', (s) => ours.push(s)); // first: the monitor starts with this listener
    leakwatch.on('stats', (s) => { if (s.gcType === 'mark-sweep-compact') raw.push(s); });
    const hoard = [];
    let n = 0;
    const step = () => {
      for (let i = 0; i < 20000; i++) hoard.push({ i, n });
      memwatch.gc();
      if (++n < 14) return setTimeout(step, 5);
      setTimeout(() => {
        const replay = new LloydStats();
        const expected = raw.map((s) => {
          replay.gcInc = s.gcCount.total - s.gcCount.markSweepCompact;
          return replay.full(s.usedHeapSize);
        });
        const hd = new memwatch.HeapDiff();
        const diff = hd.end();
        console.log(JSON.stringify({ ours, expected, keys: ours.map((s) => Object.keys(s).join()), before: Object.keys(diff.before), time: diff.before.time instanceof Date && diff.after.time >= diff.before.time, change: Object.keys(diff.change), api: [typeof memwatch.on, typeof memwatch.gc, typeof memwatch.HeapDiff] }));
      }, 200);
    };
    step();
    `,
    { timeoutMs: 40_000 },
  );
  assert.equal(run.code, 0, run.context);
  const o = run.result;
  assert.ok(o.ours.length >= 14, `${o.ours.length} stats for 14 gc() calls`);
  for (const keys of o.keys) assert.equal(keys, LLOYD_KEYS.join());
  // The same numbers as lloyd's arithmetic over the post-GC heaps leakwatch measured.
  assert.deepEqual(o.ours, o.expected);
  const last = o.ours.at(-1);
  assert.equal(last.num_full_gc, o.ours.length);
  assert.equal(last.heap_compactions, last.num_full_gc);
  assert.ok(last.current_base > last.estimated_base, 'a growing heap: the last base is above the average');
  assert.ok(last.usage_trend > 0, `usage_trend ${last.usage_trend} % for a steady leak`);
  assert.ok(last.min > 0 && last.max >= last.current_base);
  assert.deepEqual(o.before, ['nodes', 'time', 'size_bytes', 'size'], "lloyd's HeapDiff before/after");
  assert.equal(o.time, true);
  assert.deepEqual(o.change, ['size_bytes', 'size', 'freed_nodes', 'allocated_nodes', 'details']);
  assert.deepEqual(o.api, ['function', 'function', 'function']);
});

test("live: leak has lloyd's { start, end, growth, reason }", { timeout: 60_000 }, async () => {
  const run = await runNode(
    `
    const memwatch = require('leakwatch/memwatch-next');
    require('leakwatch').configure({ leak: { minDurationMs: 0, minSamples: 6, minGrowthBytes: 0, minGrowthPercent: 0 } });
    const hoard = [];
    let n = 0;
    const timer = setInterval(() => {
      hoard.push(Array.from({ length: 20000 }, (_, i) => ({ i, n })));
      memwatch.gc();
      if (++n > 200) { console.log('{"none":true}'); process.exit(1); }
    }, 5);
    memwatch.on('leak', (info) => {
      clearInterval(timer);
      console.log(JSON.stringify({ keys: Object.keys(info), dates: info.start instanceof Date && info.end instanceof Date, growth: info.growth, reason: info.reason }));
      process.exit(0);
    });
    `,
    { timeoutMs: 40_000 },
  );
  assert.equal(run.code, 0, run.context);
  assert.deepEqual(run.result.keys, ['start', 'end', 'growth', 'reason']);
  assert.equal(run.result.dates, true);
  assert.ok(Number.isInteger(run.result.growth) && run.result.growth > 0);
  assert.match(run.result.reason, /heap grew/);
});

test("ESM: `import { on, HeapDiff, gc } from 'leakwatch/memwatch-next'`, with on() called bare", { timeout: 30_000, skip: needsV8Layer }, async () => {
  const esm = await runNode(
    [
      "import memwatch, { on, once, off, HeapDiff, gc } from 'leakwatch/memwatch-next';",
      'const keep = setTimeout(() => { console.log(\'{"stats":false}\'); process.exit(1); }, 10000);',
      "once('stats', (s) => { clearTimeout(keep); console.log(JSON.stringify({ stats: Object.keys(s).length, same: HeapDiff === memwatch.HeapDiff, diff: typeof new HeapDiff().end().change })); });",
      "const noop = () => {}; on('leak', noop); off('leak', noop);",
      'setTimeout(gc, 10);',
    ].join('\n'),
    { args: ['--input-type=module'], timeoutMs: 20_000 },
  );
  assert.equal(esm.code, 0, esm.context);
  assert.deepEqual(esm.result, { stats: 8, same: true, diff: 'object' });
});
