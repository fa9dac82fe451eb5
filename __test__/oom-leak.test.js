'use strict';
// A leak that kills the process: a child with a small heap (--max-old-space-size=64) leaking
// ~80 MB/min must get `leak`, with a time-to-limit estimate, before V8 aborts it. Observed from
// outside: the child writes each report synchronously and we wait for it to die (bounded).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'oom-leaky.js');

test('a leak into a small heap is reported, with estimatedTimeToLimitMs, before the process dies', { timeout: 200_000 }, async (t) => {
  const run = await runNode(`require(${JSON.stringify(FIXTURE)})`, {
    args: ['--single-threaded-gc', '--max-old-space-size=64'],
    timeoutMs: 180_000,
  });
  // It died of the heap limit (V8 aborts), not of our timeout.
  assert.notEqual(run.code, 0, run.context);
  assert.notEqual(run.signal, 'SIGKILL', `the child did not run out of heap in 180 s\n${run.context}`);
  assert.match(run.stderr, /heap out of memory|Reached heap limit/i, run.context);

  const leaks = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  assert.ok(leaks.length >= 1, `no leak before the death after ${run.ms} ms\n${run.context}`);
  const first = leaks[0];
  const r = first.report;
  t.diagnostic(`leak at ${(first.tMs / 1000).toFixed(1)} s after ${first.fullGcs} full GCs, died at ${(run.ms / 1000).toFixed(1)} s: ${r.reason}`);
  assert.equal(typeof r.estimatedTimeToLimitMs, 'number', JSON.stringify(r));
  assert.ok(r.estimatedTimeToLimitMs > 0 && r.estimatedTimeToLimitMs < 10 * 60_000, JSON.stringify(r));
  assert.match(r.reason, /heap limit \(\d+\.\d MB\) reached in ~\d+ (s|min) at this rate/, r.reason);
});
