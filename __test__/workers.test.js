'use strict';
// worker_threads: one monitor per isolate, and create/terminate churn observed from outside.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const path = require('node:path');
const { runProcess } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'safety-workers.js');

const runFixture = (scenario, { env = {}, timeoutMs = 50_000 } = {}) => runProcess([FIXTURE, scenario], { env, timeoutMs });

const context = (r) => `exit ${r.code} signal ${r.signal} after ${r.ms} ms\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-4000)}`;

test('a worker has its own monitor, options and events; the main thread is unaffected', { timeout: 60_000 }, async () => {
  const r = await runFixture('isolation');
  assert.equal(r.code, 0, context(r));
  const { worker, duringWorker, afterWorker, optionsAfter, monitoringAfter } = r.result;
  assert.equal(worker.error, null, context(r));
  assert.equal(worker.exitCode, 0, 'the worker ends on its own with a listener attached');
  const [{ seen, options, monitoring }] = worker.messages;
  assert.equal(monitoring, true);
  assert.equal(seen.wrongThread, 0, 'listeners run in the thread that subscribed');
  assert.equal(seen.kinds['mark-sweep-compact'], 10, 'one stats per forced GC of the worker');
  assert.equal(seen.lastFullCount, 10, "the worker's counters count only the worker's GCs");
  assert.ok(seen.kinds.scavenge > 0, "the worker's includeMinorGc applies in the worker");
  assert.equal(options.includeMinorGc, true);
  assert.equal(options.leak.minSamples, 9);
  // The main thread forced no GC while the worker ran 10: it saw none of them, nor its scavenges.
  assert.equal(duringWorker.kinds.scavenge, undefined, "the worker's options did not leak into the main thread");
  assert.ok(duringWorker.stats <= 1, `the main thread received ${duringWorker.stats} events from the worker's GCs`);
  assert.equal(optionsAfter.includeMinorGc, false);
  assert.equal(optionsAfter.leak.minSamples, 7, "the main thread's options are its own");
  assert.equal(monitoringAfter, true, "the worker's teardown did not stop the main thread's monitor");
  assert.equal(afterWorker, 1, 'the main thread still gets its own GCs after the worker is gone');
});

test('60 workers that subscribe, allocate and GC can be created and terminated without crash or leak', { timeout: 60_000 }, async (t) => {
  const r = await runFixture('churn', { env: { CHURN_WORKERS: '60' } });
  assert.equal(r.signal, null, `the process crashed\n${context(r)}`);
  assert.equal(r.code, 0, context(r));
  const res = r.result;
  assert.deepEqual(res.errors, [], context(r));
  assert.equal(res.wrongThread, 0);
  assert.ok(res.churned >= 60, `churned ${res.churned}`);
  assert.ok(res.terminated >= 20, `terminated ${res.terminated} in the middle of GC activity`);
  assert.equal(res.monitoring, true);
  assert.ok(res.mainDuring >= res.forcedDuring, `the main thread saw ${res.mainDuring} stats for ${res.forcedDuring} forced GCs during the churn`);
  const mb = (b) => (b / 1e6).toFixed(1);
  const rss = `RSS ${mb(res.rssBefore)} → ${mb(res.rssHalf)} → ${mb(res.rssAfter)} MB`;
  t.diagnostic(
    `${res.churned} workers churned (${res.terminated} terminated mid-GC, ${JSON.stringify(res.byRole)}), ` +
      `${res.workerStats} worker stats events; ${rss} in ${r.ms} ms`,
  );
  // A worker isolate left behind (or its heap, or a monitor pinning it) holds several MB, so 30
  // leaked workers would add 100+ MB; malloc arenas and code caches settle in the first half.
  assert.ok(res.rssAfter - res.rssBefore < 16e6, `RSS grew over the churn: ${rss}`);
  assert.ok(res.rssAfter - res.rssHalf < 12e6, `RSS kept growing in the second half of the churn: ${rss}`);
});
