'use strict';
// Live: real child processes serving requests with leakwatch attached. A leaky one (~30 MB/min
// retained into a Map) must get a `leak` with a sensible payload within ~75 s; a flat one (the
// same loop, nothing retained) must get regular `stats` and no `leak` over 60 s. Both children
// run at the same time (each uses a fraction of one core).
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'service.js');
const MB = 1e6;

/** Runs the fixture service; resolves with its parsed JSON lines and the raw run. */
async function service(env, timeoutMs) {
  const run = await runNode(`require(${JSON.stringify(FIXTURE)})`, {
    args: ['--single-threaded-gc'],
    env,
    timeoutMs,
  });
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  return { run, lines };
}

test('live: a leaky service gets `leak`, a flat one only `stats`', { timeout: 120_000 }, async (t) => {
  const [leaky, flat] = await Promise.all([
    service({ LEAK_MB_PER_MIN: '30', DURATION_S: '80' }, 100_000),
    service({ LEAK_MB_PER_MIN: '0', DURATION_S: '60' }, 100_000),
  ]);

  // The leaky child: one `leak`, then it exits.
  assert.equal(leaky.run.code, 0, `leaky child: code ${leaky.run.code} ${leaky.run.signal ?? ''}\n${leaky.run.stderr}`);
  const leak = leaky.lines.find((l) => l.type === 'leak');
  assert.ok(leak, `no leak event; the child reported ${JSON.stringify(leaky.lines)}`);
  const r = leak.report;
  t.diagnostic(`leaky: leak after ${(leak.tMs / 1000).toFixed(1)} s and ${leak.stats} full GCs (${leak.forced} forced): ${r.reason}`);
  const context = JSON.stringify(leak);
  assert.ok(leak.tMs <= 75_000, `leak after ${leak.tMs} ms: ${context}`);
  assert.equal(r.episode, 1, context);
  assert.equal(r.repeat, 0, context);
  assert.ok(r.samples >= 16, context);
  assert.ok(r.samples <= leak.stats, `evidence from at most the full GCs seen: ${context}`);
  assert.ok(r.durationMs >= 30_000 && r.durationMs <= leak.tMs + 1000, context);
  assert.ok(r.startTimestamp <= r.timestamp, context);
  assert.ok(Math.abs(r.timestamp - r.startTimestamp - r.durationMs) <= 1, context);
  assert.ok(Math.abs(r.timestamp - Date.now()) < 120_000, `timestamp is wall-clock ms: ${context}`);
  // ~30 MB/min of payload; the heap grows 10-40 % faster with object and Map overhead.
  assert.ok(r.growthRateBytesPerMinute >= 15 * MB && r.growthRateBytesPerMinute <= 80 * MB, context);
  assert.ok(r.growthBytes >= 8 * 1024 * 1024, context);
  assert.ok(r.endUsedHeapSize > r.startUsedHeapSize, context);
  assert.ok(r.baselineBytes > 0 && r.baselineBytes <= r.endUsedHeapSize, context);
  assert.ok(r.confidence >= 0.99 && r.confidence <= 1, context);
  assert.match(r.reason, /MB/, context);
  assert.match(r.reason, /\/min/, context);

  // The flat child: regular stats, no leak.
  assert.equal(flat.run.code, 0, `flat child: code ${flat.run.code} ${flat.run.signal ?? ''}\n${flat.run.stderr}`);
  const falseAlarm = flat.lines.find((l) => l.type === 'leak');
  assert.equal(falseAlarm, undefined, `false alarm: ${JSON.stringify(falseAlarm)}`);
  const done = flat.lines.find((l) => l.type === 'done');
  assert.ok(done, `the flat child did not finish: ${flat.run.stdout}`);
  const mbs = done.heap.map(([, mb]) => mb);
  t.diagnostic(
    `flat: ${done.stats} stats (${done.forced} forced) in ${(done.tMs / 1000).toFixed(1)} s, post-GC heap ${Math.min(...mbs)}-${Math.max(...mbs)} MB`,
  );
  assert.ok(done.stats >= 10, `only ${done.stats} stats events in ${done.tMs} ms`);
});
