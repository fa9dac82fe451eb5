'use strict';
// The binding with its V8 layer off (the degraded mode): no GC hook, no V8 call; GC samples
// come from Node's own v8.GCProfiler through monitorFeedProfile, into the same queue, burst
// coalescer, detector and delivery as the shim's. A real leak in a child process must be
// reported; everything that needs V8 itself must throw ERR_LEAKWATCH_NATIVE_UNAVAILABLE.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, runProcess } = require('./helpers');
const { binaryName } = require('../lib/binary-name');

// The binary this leakwatch loads (a source build, or the installed platform package's).
const BINARY = require('./native-mode').native.binary ?? path.join(ROOT, 'build', binaryName(process.versions.modules));
const CHILD = path.join(__dirname, 'fixtures', 'native-gc-profiler-child.js');

test('V8 layer off: GCProfiler reports give stats and a leak from the same detector', { timeout: 60_000 }, async (t) => {
  if (!fs.existsSync(BINARY)) return t.skip(`no binary at ${BINARY} (npm run build)`);
  const run = await runProcess(['--expose-gc', CHILD, BINARY], { timeoutMs: 50_000 });
  assert.equal(run.code, 0, run.context);
  const r = run.result;
  assert.ok(r, run.context);
  const context = JSON.stringify(r).slice(0, 3000);

  assert.deepEqual(r.before, { enabled: false, code: 'ERR_LEAKWATCH_NATIVE_OFF', reason: 'not initialised' });
  assert.equal(r.badInput.init, 'ERR_LEAKWATCH_INVALID_TYPE', context);
  assert.deepEqual(r.layer, { enabled: false, code: 'ERR_LEAKWATCH_NATIVE_OFF', reason: 'the test turns it off' });
  assert.deepEqual(r.again, r.layer, 'idempotent: the second init returns the first result');
  assert.deepEqual(r.unavailable, {
    gc: 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE',
    heapDiff: 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE',
    writeSnapshot: 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE',
  });
  assert.equal(r.badInput.times, 'ERR_LEAKWATCH_INVALID_TYPE', context);
  assert.equal(r.badInput.order, 'ERR_LEAKWATCH_OUT_OF_RANGE', context);
  assert.equal(r.badInput.version, 'ERR_LEAKWATCH_UNSUPPORTED_PROFILE', context);
  assert.equal(r.junk, 0, 'junk statistics are skipped, not delivered');

  // Only full GCs are delivered by default (the shim's deliver mask); every GC is counted.
  assert.deepEqual(r.kinds, ['mark-sweep-compact'], context);
  assert.equal(r.statsCount, r.queued, context);
  assert.ok(r.statsCount >= 6, context);
  const last = r.last;
  assert.ok(last.gcCount.markSweepCompact >= r.profiled.MarkSweepCompact, context);
  assert.equal(last.gcCount.scavenge, r.profiled.Scavenge ?? 0, context);
  assert.ok(last.gcTimeMs.markSweepCompact > 0 && last.pauseMs > 0, context);
  assert.ok(last.usedHeapSize > r.firstUsed, `the heap grew: ${context}`);
  assert.ok(last.heapSizeLimit > last.totalHeapSize && last.totalHeapSize >= last.usedHeapSize, context);
  const spaces = Object.fromEntries((last.heapSpaces ?? []).map((s) => [s.name ?? s.spaceName, s]));
  assert.ok(spaces.old_space && spaces.new_space, `heap spaces by V8's names: ${context}`);
  assert.ok(last.selfTimeMs > 0, `the feed's own time is metered: ${context}`);
  assert.ok(r.wallSkewMs < 10_000, `timestamp is wall-clock ms: ${context}`);

  const leak = r.leak;
  assert.ok(leak, `no leak reported: ${context}`);
  assert.equal(leak.episode, 1, context);
  assert.ok(leak.samples >= 6 && leak.samples <= r.statsCount, context);
  assert.ok(leak.endUsedHeapSize > leak.startUsedHeapSize && leak.growthBytes > 0, context);
  assert.ok(leak.durationMs > 0, context);
});

test('per environment: a worker runs on GCProfiler reports while the main thread has the V8 layer; same stats shape', { timeout: 60_000 }, async (t) => {
  if (!fs.existsSync(BINARY)) return t.skip(`no binary at ${BINARY} (npm run build)`);
  // Each environment loads the binary (process.dlopen) and inits its own V8 layer.
  const body = (forceOff) => `
const os = require('node:os'); const v8 = require('node:v8'); const mod = { exports: {} };
process.dlopen(mod, ${JSON.stringify(BINARY)}, os.constants.dlopen.RTLD_NOW); const binding = mod.exports;
const layer = binding.v8LayerInit({ heapStatistics: v8.getHeapStatistics(), forceOff: ${JSON.stringify(forceOff)} });
const stats = [];
binding.monitorStart((b) => stats.push(...b.stats));
const profiler = new v8.GCProfiler(); const start = performance.now(); profiler.start();
global.gc();
const profile = profiler.stop(); const end = performance.now();
const fed = binding.monitorFeedProfile(profile, start, end);
let gcCode = null; try { binding.gc(); } catch (e) { gcCode = e.code; }
const done = new Promise((r) => setImmediate(() => setImmediate(r))).then(() => {
  binding.monitorStop();
  return { layer: layer.enabled, code: layer.code, fed, gc: gcCode, count: stats.length, keys: Object.keys(stats[0] ?? {}) };
});`;
  const script = `
const { Worker } = require('node:worker_threads');
${body(null)}
done.then((main) => {
  const w = new Worker(${JSON.stringify(body('the worker is told to'))} + 'done.then((r) => require("node:worker_threads").parentPort.postMessage(r));', { eval: true });
  w.on('message', (worker) => { console.log(JSON.stringify({ main, worker })); });
});`;
  const run = await runProcess(['--expose-gc', '-e', script], { timeoutMs: 50_000 });
  assert.equal(run.code, 0, run.context);
  const { main, worker } = run.result ?? {};
  assert.ok(main && worker, run.context);
  // Main: the shim's hook delivers (the feed is ignored, not counted twice); gc() works.
  assert.equal(main.layer, true, run.context);
  assert.equal(main.fed, 0, run.context);
  assert.equal(main.gc, null, run.context);
  assert.ok(main.count >= 1, run.context);
  // Worker: its own layer is off; its stats come from the feed; gc() is unavailable there.
  assert.equal(worker.layer, false, run.context);
  assert.equal(worker.code, 'ERR_LEAKWATCH_NATIVE_OFF', run.context);
  assert.equal(worker.gc, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE', run.context);
  assert.ok(worker.fed >= 1 && worker.count === worker.fed, run.context);
  assert.deepEqual(worker.keys, main.keys, 'the same stats payload shape from both sources');
});
