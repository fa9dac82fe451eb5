'use strict';
// leakwatch/prometheus against a real prom-client registry (with collectDefaultMetrics() on it
// too), real GCs and a real leak seen by the detector.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const client = require('prom-client');
const leakwatch = require('..');
const { register, METRIC_NAMES } = require('leakwatch/prometheus');
const { nextEvent, provokeLeakThatEnds, requireWithoutScript, runNode } = require('./helpers');

/** The value of one series in Prometheus text output, or undefined. `labels` as written,
 * e.g. 'kind="major"'. */
function sample(text, name, labels = '') {
  const series = labels ? `${name}{${labels}}` : name;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every metric family once, every sample line well-formed. */
function assertValidExposition(text) {
  const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
  const families = types.map((l) => l.split(' ')[2]);
  assert.equal(new Set(families).size, families.length, `a metric family appears twice: ${families}`);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?(\d+(\.\d+)?(e[-+]?\d+)?|NaN|Nan|[-+]?Inf)$/, line); // prom-client writes NaN as Nan
  }
}

test('register() exports post-GC heap, leak state and major GC pauses next to collectDefaultMetrics()', async (t) => {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const unregister = register(registry);
  t.after(unregister);

  const stats = nextEvent(leakwatch, 'stats');
  leakwatch.gc();
  const s = await stats;
  const text = await registry.metrics();
  assertValidExposition(text);

  assert.equal(sample(text, METRIC_NAMES.heapUsedAfterGc), s.usedHeapSize);
  assert.equal(sample(text, METRIC_NAMES.heapTotalAfterGc), s.totalHeapSize);
  assert.ok(s.usedHeapSize > 1e6 && s.totalHeapSize >= s.usedHeapSize, JSON.stringify(s));
  assert.equal(sample(text, METRIC_NAMES.leakSuspected, 'kind="heap"'), 0);
  assert.equal(sample(text, METRIC_NAMES.heapGrowthRate), 0);
  assert.equal(sample(text, METRIC_NAMES.leakReports, 'kind="heap"'), 0);
  const pauses = sample(text, `${METRIC_NAMES.gcPause}_count`, 'kind="major"');
  assert.ok(pauses >= 1, text);
  const pauseSum = sample(text, `${METRIC_NAMES.gcPause}_sum`, 'kind="major"');
  assert.ok(pauseSum > 0 && pauseSum < 5, `pause sum ${pauseSum} s`);
  assert.ok(sample(text, `${METRIC_NAMES.gcPause}_bucket`, 'le="+Inf",kind="major"') === pauses);

  // prom-client's own metrics are all there, under their own names.
  for (const name of ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'process_cpu_user_seconds_total']) {
    assert.notEqual(sample(text, name), undefined, `${name} is exported`);
  }
  assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
  assert.match(text, /^nodejs_heap_space_size_used_bytes\{space="old"\} /m);
});

test('a real leak that stops: nodejs_leak_suspected and the growth rate from leak until leakEnd', async (t) => {
  const registry = new client.Registry();
  const unregister = register(registry);
  t.after(unregister);

  const { report, end } = await provokeLeakThatEnds(leakwatch, async (report) => {
    const text = await registry.metrics();
    assertValidExposition(text);
    assert.equal(sample(text, METRIC_NAMES.leakReports, 'kind="heap"'), 1);
    assert.equal(sample(text, METRIC_NAMES.leakSuspected, 'kind="heap"'), 1, 'a leak report stands');
    const rate = sample(text, METRIC_NAMES.heapGrowthRate);
    assert.ok(rate > 0);
    assert.ok(Math.abs(rate - report.growthRateBytesPerMinute / 60) <= 1e-6 * rate, `${rate} B/s vs ${report.reason}`);
    assert.ok(sample(text, METRIC_NAMES.heapUsedAfterGc) >= report.endUsedHeapSize);
    // A heap leak is a heap report only: the other kinds' series are there, at 0.
    for (const kind of ['external', 'rss']) {
      assert.equal(sample(text, METRIC_NAMES.leakSuspected, `kind="${kind}"`), 0, kind);
      assert.equal(sample(text, METRIC_NAMES.leakReports, `kind="${kind}"`), 0, kind);
    }
    // The floors outside the heap, after the same full GCs.
    assert.ok(sample(text, METRIC_NAMES.externalMemoryAfterGc) > 0);
    const rss = sample(text, METRIC_NAMES.rssAfterGc);
    assert.ok(rss > sample(text, METRIC_NAMES.heapUsedAfterGc) && rss < 2 * process.memoryUsage.rss(), `${rss}`);
  });
  assert.ok(report, 'the detector reported the leak');
  assert.ok(end, 'the episode ended once the heap stopped growing');
  const text = await registry.metrics();
  assert.equal(sample(text, METRIC_NAMES.leakSuspected, 'kind="heap"'), 0, 'the episode is over');
  assert.equal(sample(text, METRIC_NAMES.heapGrowthRate), 0);
  assert.ok(sample(text, METRIC_NAMES.leakReports, 'kind="heap"') >= 1, 'the counter keeps counting');
});

test('minor GCs are observed as kind="minor" with includeMinorGc', async (t) => {
  const registry = new client.Registry();
  const unregister = register(registry);
  leakwatch.configure({ includeMinorGc: true });
  t.after(() => {
    leakwatch.configure({ includeMinorGc: false });
    unregister();
  });
  // Short-lived garbage until a scavenge is delivered (the timer also keeps the loop alive:
  // leakwatch's delivery does not).
  let sink = 0;
  const garbage = setInterval(() => {
    for (let i = 0; i < 20_000; i++) sink += { i, s: `garbage ${i}` }.s.length;
  }, 5);
  try {
    while ((await nextEvent(leakwatch, 'stats')).gcType !== 'scavenge');
  } finally {
    clearInterval(garbage);
  }
  assert.ok(sink > 0);
  const text = await registry.metrics();
  assert.ok(sample(text, `${METRIC_NAMES.gcPause}_count`, 'kind="minor"') >= 1, text);
});

test('register() twice on one registry throws ERR_LEAKWATCH_ALREADY_REGISTERED; unregister() detaches', async () => {
  const registry = new client.Registry();
  const listeners = [leakwatch.listenerCount('stats'), leakwatch.listenerCount('leak')];
  const unregister = register(registry);
  assert.deepEqual([leakwatch.listenerCount('stats'), leakwatch.listenerCount('leak')], [listeners[0] + 1, listeners[1] + 1]);
  assert.equal(leakwatch.monitoring, true);
  assert.throws(() => register(registry), { code: 'ERR_LEAKWATCH_ALREADY_REGISTERED', message: /nodejs_heap_used_after_gc_bytes/ });

  // Another registry, or the same one with a prefix, is fine.
  const other = register(new client.Registry());
  const prefixed = register(registry, { prefix: 'app_' });
  assert.notEqual(registry.getSingleMetric('app_nodejs_leak_suspected'), undefined);
  other();
  prefixed();

  unregister();
  unregister(); // idempotent
  assert.deepEqual([leakwatch.listenerCount('stats'), leakwatch.listenerCount('leak')], listeners);
  assert.equal(leakwatch.monitoring, false, 'no listener left: monitoring stopped');
  const text = await registry.metrics();
  for (const name of Object.values(METRIC_NAMES)) assert.ok(!text.includes(name), `${name} was removed`);
  register(registry)(); // and can be registered again
});

test('bad options throw before anything is registered', () => {
  const registry = new client.Registry();
  assert.throws(() => register(registry, { prefx: 'a_' }), { name: 'TypeError', code: 'ERR_LEAKWATCH_UNKNOWN_OPTION' });
  assert.throws(() => register(registry, { gcPauseBuckets: [0.1, 0.01] }), { name: 'TypeError', message: /increasing/ });
  // suspectedForMs is gone (the gauge follows the detector's episode): unknown, as any typo.
  assert.throws(() => register(registry, { suspectedForMs: 1000 }), { name: 'TypeError', code: 'ERR_LEAKWATCH_UNKNOWN_OPTION' });
  assert.throws(() => register({}), { name: 'TypeError', message: /Registry/ });
  assert.equal(registry.getMetricsAsArray().length, 0);
  assert.equal(leakwatch.monitoring, false);
});

test("without a registry, register() uses prom-client's global one", async (t) => {
  const unregister = register();
  t.after(unregister);
  assert.notEqual(client.register.getSingleMetric(METRIC_NAMES.leakSuspected), undefined);
  unregister();
  assert.equal(client.register.getSingleMetric(METRIC_NAMES.leakSuspected), undefined);
});

test('without prom-client installed, require() says what to install', async () => {
  // As in an app that never installed prom-client.
  const script = requireWithoutScript('leakwatch/prometheus', 'prom-client');
  const run = await runNode(script);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout.trim(),
    'ERR_LEAKWATCH_MISSING_PEER leakwatch/prometheus needs prom-client, an optional peer dependency of leakwatch: npm install prom-client',
  );
});
