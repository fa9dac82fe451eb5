'use strict';
// leakwatch/otel against the real OpenTelemetry metrics SDK: a MeterProvider exporting to an
// InMemoryMetricExporter, real GCs and a real leak seen by the detector.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const { metrics } = require('@opentelemetry/api');
const { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const leakwatch = require('..');
const { register, METRIC_NAMES } = require('leakwatch/otel');
const { nextEvent, provokeLeakThatEnds, requireWithoutScript, runNode } = require('./helpers');

/** A MeterProvider whose metrics `collect()` exports and returns, by instrument name. */
function sdk() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when asked (forceFlush), never on its own during the test.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map();
      for (const rm of exporter.getMetrics()) {
        for (const sm of rm.scopeMetrics) {
          assert.equal(sm.scope.name, 'leakwatch');
          for (const m of sm.metrics) byName.set(m.descriptor.name, m);
        }
      }
      return byName;
    },
    shutdown: () => meterProvider.shutdown(),
  };
}

/** The value of the data point of `metric` whose leakwatch.memory.kind is `kind`. */
const ofKind = (metric, kind) => {
  const points = metric.dataPoints.filter((p) => p.attributes['leakwatch.memory.kind'] === kind);
  assert.equal(points.length, 1, `${metric.descriptor.name}{${kind}}: ${JSON.stringify(metric.dataPoints)}`);
  return points[0].value;
};

const single = (metric) => {
  assert.equal(metric.dataPoints.length, 1, `${metric.descriptor.name}: ${JSON.stringify(metric.dataPoints)}`);
  return metric.dataPoints[0].value;
};

test('register() records v8js.gc.duration and the post-GC v8js.memory.heap.* per space, by the semantic conventions', async (t) => {
  const otel = sdk();
  const unregister = register({ meterProvider: otel.meterProvider });
  t.after(async () => {
    unregister();
    leakwatch.configure({ heapSpaces: false });
    await otel.shutdown();
  });
  assert.equal(leakwatch.options.heapSpaces, true, 'register() turned heapSpaces on');

  const stats = nextEvent(leakwatch, 'stats');
  leakwatch.gc();
  const s = await stats;
  const got = await otel.collect();

  const gc = got.get('v8js.gc.duration');
  assert.equal(gc.descriptor.unit, 's');
  assert.equal(gc.dataPointType, DataPointType.HISTOGRAM);
  const major = gc.dataPoints.find((p) => p.attributes['v8js.gc.type'] === 'major');
  assert.ok(major, JSON.stringify(gc.dataPoints));
  assert.ok(major.value.count >= 1);
  assert.ok(major.value.sum > 0 && major.value.sum < 5, `${major.value.sum} s`);
  assert.deepEqual(major.value.buckets.boundaries, [0.01, 0.1, 1, 10], "the semantic conventions' bucket advice");
  for (const p of gc.dataPoints) assert.ok(['major', 'minor', 'incremental', 'weakcb'].includes(p.attributes['v8js.gc.type']));

  const spaceNames = s.heapSpaces.map((h) => h.name);
  const perSpace = {
    'v8js.memory.heap.used': 'used',
    'v8js.memory.heap.space.size': 'size',
    'v8js.memory.heap.space.available_size': 'available',
    'v8js.memory.heap.space.physical_size': 'physical',
  };
  for (const [name, field] of Object.entries(perSpace)) {
    const metric = got.get(name);
    assert.ok(metric, `${name} is exported`);
    assert.equal(metric.descriptor.unit, 'By');
    assert.equal(metric.dataPointType, DataPointType.SUM, `${name} is an UpDownCounter`);
    assert.equal(metric.isMonotonic, false);
    assert.deepEqual(metric.dataPoints.map((p) => p.attributes['v8js.heap.space.name']).sort(), [...spaceNames].sort());
    for (const p of metric.dataPoints) {
      const space = s.heapSpaces.find((h) => h.name === p.attributes['v8js.heap.space.name']);
      assert.equal(p.value, space[field], `${name} ${space.name}`);
    }
  }
  const oldSpace = got.get('v8js.memory.heap.used').dataPoints.find((p) => p.attributes['v8js.heap.space.name'] === 'old_space');
  assert.ok(oldSpace.value > 1e6, `old_space used ${oldSpace.value}`);

  assert.equal(single(got.get('leakwatch.heap.used_after_gc')), s.usedHeapSize);
  assert.equal(got.get('leakwatch.heap.used_after_gc').descriptor.unit, 'By');
  for (const kind of ['heap', 'external', 'rss']) assert.equal(ofKind(got.get('leakwatch.leak.suspected'), kind), 0, kind);
  assert.equal(single(got.get('leakwatch.external_memory.after_gc')), s.externalMemory);
  const rss = single(got.get('leakwatch.rss.after_gc'));
  assert.ok(rss > s.usedHeapSize && rss < 2 * process.memoryUsage.rss(), `${rss}`);
  assert.equal(got.get('leakwatch.rss.after_gc').descriptor.unit, 'By');
  assert.equal(single(got.get('leakwatch.heap.growth_rate')), 0);
  assert.equal(got.get('leakwatch.heap.growth_rate').descriptor.unit, 'By/s');
  // A counter that has not counted yet has no data point in the SDK.
  assert.equal(got.get('leakwatch.leak.reports'), undefined);
});

test('a real leak that stops: leakwatch.leak.reports counts, leakwatch.leak.suspected and the growth rate from leak until leakEnd', async (t) => {
  const otel = sdk();
  const unregister = register({ meterProvider: otel.meterProvider, heapSpaces: false });
  t.after(async () => {
    unregister();
    await otel.shutdown();
  });

  const { report, end } = await provokeLeakThatEnds(leakwatch, async (report) => {
    const got = await otel.collect();
    assert.equal(ofKind(got.get('leakwatch.leak.reports'), 'heap'), 1);
    assert.equal(got.get('leakwatch.leak.reports').isMonotonic, true);
    assert.equal(ofKind(got.get('leakwatch.leak.suspected'), 'heap'), 1, 'a leak report stands');
    const rate = single(got.get('leakwatch.heap.growth_rate'));
    assert.ok(rate > 0 && Math.abs(rate - report.growthRateBytesPerMinute / 60) <= 1e-6 * rate, `${rate} B/s vs ${report.reason}`);
    assert.ok(single(got.get('leakwatch.heap.used_after_gc')) >= report.endUsedHeapSize);
    for (const name of ['v8js.memory.heap.used', 'v8js.memory.heap.space.size']) {
      assert.equal(got.get(name), undefined, `${name} needs heapSpaces`);
    }
  });
  assert.ok(report, 'the detector reported the leak');
  assert.ok(end, 'the episode ended once the heap stopped growing');
  const got = await otel.collect();
  assert.equal(ofKind(got.get('leakwatch.leak.suspected'), 'heap'), 0, 'the episode is over');
  assert.equal(single(got.get('leakwatch.heap.growth_rate')), 0);
  assert.ok(ofKind(got.get('leakwatch.leak.reports'), 'heap') >= 1);
});

test('register() twice on one meter throws ERR_LEAKWATCH_ALREADY_REGISTERED; unregister() stops recording', async (t) => {
  const otel = sdk();
  t.after(() => otel.shutdown());
  const listeners = [leakwatch.listenerCount('stats'), leakwatch.listenerCount('leak')];
  const unregister = register({ meterProvider: otel.meterProvider, heapSpaces: false });
  assert.throws(() => register({ meterProvider: otel.meterProvider }), { code: 'ERR_LEAKWATCH_ALREADY_REGISTERED' });

  let stats = nextEvent(leakwatch, 'stats');
  leakwatch.gc();
  await stats;
  const before = (await otel.collect()).get('v8js.gc.duration').dataPoints.find((p) => p.attributes['v8js.gc.type'] === 'major').value.count;

  unregister();
  unregister(); // idempotent
  assert.deepEqual([leakwatch.listenerCount('stats'), leakwatch.listenerCount('leak')], listeners);
  assert.equal(leakwatch.monitoring, false);

  const watcher = (s) => assert.ok(s);
  leakwatch.on('stats', watcher); // someone else still monitoring
  try {
    stats = nextEvent(leakwatch, 'stats');
    leakwatch.gc();
    await stats;
  } finally {
    leakwatch.off('stats', watcher);
  }
  const got = await otel.collect();
  const after = got.get('v8js.gc.duration').dataPoints.find((p) => p.attributes['v8js.gc.type'] === 'major').value.count;
  assert.equal(after, before, 'no GC recorded after unregister()');

  register({ meterProvider: otel.meterProvider, heapSpaces: false })(); // registers again
});

test('without a provider, register() uses the global MeterProvider', async (t) => {
  const otel = sdk();
  assert.ok(metrics.setGlobalMeterProvider(otel.meterProvider));
  t.after(async () => {
    metrics.disable();
    await otel.shutdown();
  });
  const unregister = register({ heapSpaces: false });
  t.after(unregister);
  const got = await otel.collect();
  assert.equal(ofKind(got.get('leakwatch.leak.suspected'), 'heap'), 0);
});

test('bad options throw before anything is registered', () => {
  assert.throws(() => register({ meterProvder: {} }), { name: 'TypeError', code: 'ERR_LEAKWATCH_UNKNOWN_OPTION' });
  assert.throws(() => register({ meterProvider: {} }), { name: 'TypeError', message: /getMeter/ });
  assert.throws(() => register({ heapSpaces: 'yes' }), { name: 'TypeError', message: /heapSpaces/ });
  // suspectedForMs is gone (the gauge follows the detector's episode): unknown, as any typo.
  assert.throws(() => register({ suspectedForMs: 1000 }), { name: 'TypeError', code: 'ERR_LEAKWATCH_UNKNOWN_OPTION' });
  assert.equal(leakwatch.monitoring, false);
});

test('the instrument names are the documented ones', () => {
  assert.deepEqual(Object.values(METRIC_NAMES).sort(), [
    'leakwatch.external_memory.after_gc',
    'leakwatch.heap.growth_rate',
    'leakwatch.heap.used_after_gc',
    'leakwatch.leak.reports',
    'leakwatch.leak.suspected',
    'leakwatch.rss.after_gc',
    'v8js.gc.duration',
    'v8js.memory.heap.space.available_size',
    'v8js.memory.heap.space.physical_size',
    'v8js.memory.heap.space.size',
    'v8js.memory.heap.used',
  ]);
});

test('without @opentelemetry/api installed, require() says what to install', async () => {
  // As in an app that never installed @opentelemetry/api.
  const script = requireWithoutScript('leakwatch/otel', '@opentelemetry/api');
  const run = await runNode(script);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout.trim(),
    'ERR_LEAKWATCH_MISSING_PEER leakwatch/otel needs @opentelemetry/api, an optional peer dependency of leakwatch: npm install @opentelemetry/api',
  );
});
