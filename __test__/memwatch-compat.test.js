'use strict';
// leakwatch/memwatch, the drop-in for @airbnb/node-memwatch: the same `stats` keys and units
// (checked against the shape captured from the real module, __test__/data/memwatch-shape.json), memwatch's
// HeapDiff output, gc(), and a `leak` event that actually fires.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, nextEvent } = require('./helpers');

const memwatch = require('leakwatch/memwatch');
const SHAPE = require('./data/memwatch-shape.json');
const PROGRAM = path.join(__dirname, 'fixtures', 'memwatch-program.js');

/** The fixture's notation: every leaf replaced by its typeof, arrays by their first element. */
function shapeOf(value) {
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shapeOf(value[k])]),
    );
  }
  return typeof value;
}

test("the module has memwatch's API", () => {
  for (const [name, type] of Object.entries(SHAPE.api)) assert.equal(typeof memwatch[name], type, name);
});

test("stats has exactly @airbnb/node-memwatch's key set and types", async () => {
  const next = nextEvent(memwatch, 'stats');
  memwatch.gc();
  const stats = await next;
  assert.deepEqual(shapeOf(stats), SHAPE.stats);
  assert.deepEqual(JSON.parse(JSON.stringify(stats)), { ...stats }, 'plain JSON-serialisable numbers');
});

test("stats uses memwatch's units: epoch microseconds, nanoseconds, bytes, cumulative counts", async () => {
  const next = nextEvent(memwatch, 'stats');
  const before = Date.now();
  memwatch.gc();
  const s = await next;
  assert.ok(Math.abs(s.gc_ts / 1000 - before) < 5000, `gc_ts ${s.gc_ts} is epoch µs`);
  assert.ok(Number.isInteger(s.gc_ts) && Number.isInteger(s.gc_time));
  // A forced full GC of this heap pauses for ~0.1-300 ms: 1e5-3e8 ns.
  assert.ok(s.gc_time > 1e4 && s.gc_time < 3e9, `gc_time ${s.gc_time} ns`);
  assert.ok(s.gcMarkSweepCompactCount >= 1);
  assert.ok(s.gcMarkSweepCompactTime >= s.gc_time, 'cumulative time includes this GC');
  assert.ok(s.used_heap_size > 1e6 && s.used_heap_size < s.total_heap_size);
  assert.ok(s.heap_size_limit > s.total_heap_size);
  // lloyd's / memwatch-next's keys still answer (his definitions, as leakwatch/memwatch-next
  // has them), without changing the enumerable key set.
  assert.ok(s.num_full_gc >= 1 && s.heap_compactions === s.num_full_gc);
  assert.equal(s.current_base, s.used_heap_size, "lloyd's current_base is the last post-GC heap");
  assert.ok(s.estimated_base > 0 && s.max >= s.min);
  assert.equal(typeof s.usage_trend, 'number');
  assert.equal(Object.keys(s).includes('current_base'), false);
});

test("HeapDiff has exactly memwatch's output shape and finds the leaked class", { skip: needsV8Layer }, () => {
  class LeakyThing {
    constructor(i) {
      this.i = i;
    }
  }
  const hd = new memwatch.HeapDiff();
  globalThis.__memwatchRetained = Array.from({ length: 30_000 }, (_, i) => new LeakyThing(i));
  const diff = hd.end();
  delete globalThis.__memwatchRetained;
  assert.deepEqual(shapeOf({ ...diff, change: { ...diff.change, details: diff.change.details.slice(0, 1) } }), SHAPE.heapDiff);
  for (const d of diff.change.details) assert.deepEqual(Object.keys(d).sort(), Object.keys(SHAPE.heapDiff.change.details[0]).sort());
  const top = diff.change.details[0];
  assert.equal(top.what, 'LeakyThing');
  assert.equal(top['+'], 30_000);
  assert.equal(top['-'], 0);
  // memwatch's names for V8's internal kinds.
  const names = new Set(diff.change.details.map((d) => d.what));
  assert.ok(!names.has('(string)') && !names.has('(system)'));
  assert.throws(() => hd.end(), { message: 'attempt to end() a HeapDiff that was already ended' });
});

test("leak fires with lloyd's { start, end, growth, reason }, driven by leakwatch's detector", { timeout: 60_000 }, async () => {
  const run = await runNode(
    `
    const memwatch = require('leakwatch/memwatch');
    require('leakwatch').configure({ leak: { minDurationMs: 2000, minSamples: 8, minGrowthBytes: 2e6, minGrowthPercent: 1 } });
    const hoard = [];
    const timer = setInterval(() => {
      for (let i = 0; i < 5000; i++) hoard.push({ i, s: 'leak-' + i + '-' + hoard.length });
      memwatch.gc();
    }, 100);
    memwatch.on('leak', (info) => {
      clearInterval(timer);
      console.log(JSON.stringify({ ...info, startIsDate: info.start instanceof Date, endIsDate: info.end instanceof Date }));
      process.exit(0);
    });
    setTimeout(() => { console.log('{"none":true}'); process.exit(1); }, 40000);
    `,
    { timeoutMs: 50_000 },
  );
  assert.equal(run.code, 0, `no leak event: ${run.stdout} ${run.stderr}`);
  const info = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(info).slice(0, 4), ['start', 'end', 'growth', 'reason']);
  assert.ok(info.startIsDate && info.endIsDate);
  assert.ok(Date.parse(info.start) <= Date.parse(info.end));
  assert.ok(Math.abs(Date.parse(info.end) - Date.now()) < 60_000);
  assert.ok(info.growth >= 2e6, `growth ${info.growth} bytes`);
  assert.match(info.reason, /heap grew/);
});

test("relays follow listeners: removing the last memwatch listener stops leakwatch's monitor", () => {
  const leakwatch = require('leakwatch');
  const listener = () => {};
  memwatch.on('stats', listener);
  assert.equal(leakwatch.monitoring, true);
  memwatch.removeAllListeners('stats');
  memwatch.removeAllListeners('leak');
  assert.equal(leakwatch.monitoring, false);
});

test('removeAllListeners() with no arguments stops monitoring, and later listeners still get events', async () => {
  const leakwatch = require('leakwatch');
  memwatch.on('stats', () => {});
  memwatch.on('leak', () => {});
  assert.equal(leakwatch.monitoring, true);
  memwatch.removeAllListeners();
  assert.equal(leakwatch.monitoring, false, 'nothing listens any more');
  const next = nextEvent(memwatch, 'stats');
  assert.equal(leakwatch.monitoring, true, 'a new listener starts monitoring again');
  memwatch.gc();
  const stats = await next;
  assert.deepEqual(shapeOf(stats), SHAPE.stats);
  // And once more: the hooks survive a second removeAllListeners().
  memwatch.removeAllListeners();
  const again = nextEvent(memwatch, 'stats');
  memwatch.gc();
  assert.ok((await again).gc_ts >= stats.gc_ts);
  assert.equal(leakwatch.monitoring, false, 'nextEvent removed its listener');
});

test("ESM: `import { HeapDiff, gc } from 'leakwatch/memwatch'` (the names @airbnb/node-memwatch exports)", {
  timeout: 30_000,
  skip: needsV8Layer,
}, async () => {
  const run = await runNode(
    [
      "import memwatch, { HeapDiff, gc } from 'leakwatch/memwatch';",
      'const keep = setTimeout(() => process.exit(1), 10000);',
      "memwatch.once('stats', (s) => { clearTimeout(keep); console.log(JSON.stringify({ keys: Object.keys(s).length, same: HeapDiff === memwatch.HeapDiff && gc === memwatch.gc, diff: typeof new HeapDiff().end().change.details })); });",
      'setTimeout(gc, 10);',
    ].join('\n'),
    { args: ['--input-type=module'], timeoutMs: 20_000 },
  );
  assert.equal(run.code, 0, run.context);
  assert.deepEqual(run.result, { keys: Object.keys(SHAPE.stats).length, same: true, diff: 'object' });
});

test("a program written for memwatch runs unchanged with require('leakwatch/memwatch')", { timeout: 60_000, skip: needsV8Layer }, async (t) => {
  const run = await runNode(`require(${JSON.stringify(PROGRAM)})`, { timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.deepEqual(out.api, { HeapDiff: 'function', gc: 'function', on: 'function' });
  assert.ok(out.stats >= 1, 'stats after gc()');
  assert.deepEqual(out.statsKeys, Object.keys(SHAPE.stats).sort());
  assert.equal(out.leaky['+'], 20_000);
  assert.equal(out.retained, 20_000);

  // The same program against the real @airbnb/node-memwatch, when it is installed: same keys.
  let real;
  try {
    real = require.resolve('@airbnb/node-memwatch');
  } catch {
    t.diagnostic('@airbnb/node-memwatch is not installed: cross-check skipped');
    return;
  }
  // Its binary is built for the Node that ran `npm ci`; on another Node line it cannot load.
  const probe = await runNode(`require(${JSON.stringify(real)})`, { timeoutMs: 10_000 });
  if (probe.code !== 0) {
    t.diagnostic(`@airbnb/node-memwatch does not load on Node ${process.version}: cross-check skipped`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-mw-'));
  const copy = path.join(dir, 'program.js');
  fs.writeFileSync(copy, fs.readFileSync(PROGRAM, 'utf8').replace("require('leakwatch/memwatch')", `require(${JSON.stringify(real)})`));
  const theirs = await runNode(`require(${JSON.stringify(copy)})`, { timeoutMs: 30_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(theirs.code, 0, theirs.stderr);
  const ref = JSON.parse(theirs.stdout);
  assert.deepEqual(out.statsKeys, ref.statsKeys);
  assert.deepEqual(Object.keys(out.leaky).sort(), Object.keys(ref.leaky).sort());
  assert.equal(ref.leaky['+'], out.leaky['+']);
});
