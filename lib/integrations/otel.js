'use strict';
// leakwatch/otel: leakwatch's GC pauses and post-GC heap as OpenTelemetry metrics named by the
// semantic conventions for V8 (`v8js.gc.duration`, `v8js.memory.heap.*`), plus leakwatch's own
// leak metrics (`leakwatch.*`). Uses @opentelemetry/api (an optional peer dependency): the global
// MeterProvider unless one is given.

const leakwatch = require('../index.js');
const { version } = require('../../package.json');
const { GC_KIND, LeakState, MEMORY_KINDS, requirePeer, rssAfterGc } = require('./metrics-leak-state');
const { error, typeError } = require('../errors');
const { checkShape, snapshot } = require('../options');

const api = requirePeer('@opentelemetry/api', 'leakwatch/otel');

/** The instrument names. */
const METRIC_NAMES = Object.freeze({
  gcDuration: 'v8js.gc.duration',
  heapUsed: 'v8js.memory.heap.used',
  heapSpaceSize: 'v8js.memory.heap.space.size',
  heapSpaceAvailable: 'v8js.memory.heap.space.available_size',
  heapSpacePhysical: 'v8js.memory.heap.space.physical_size',
  heapUsedAfterGc: 'leakwatch.heap.used_after_gc',
  heapGrowthRate: 'leakwatch.heap.growth_rate',
  externalMemoryAfterGc: 'leakwatch.external_memory.after_gc',
  rssAfterGc: 'leakwatch.rss.after_gc',
  leakSuspected: 'leakwatch.leak.suspected',
  leakReports: 'leakwatch.leak.reports',
});

const GC_TYPE = 'v8js.gc.type';
const SPACE_NAME = 'v8js.heap.space.name';
// The attribute of leakwatch.leak.* naming what grew: heap, external or rss (LeakReport.kind).
const MEMORY_KIND = 'leakwatch.memory.kind';
// The semantic conventions' advice for v8js.gc.duration.
const GC_DURATION_BUCKETS = [0.01, 0.1, 1, 10];

const SCHEMA = { meterProvider: 'object', meter: 'object', heapSpaces: 'boolean' };

// Meters leakwatch is registered on: a second registration would count every GC twice.
const registeredMeters = new WeakSet();

function checkOptions(options = {}) {
  const name = 'leakwatch/otel register() options';
  options = snapshot(options);
  // Providers and meters are class instances, not plain objects: checkShape sees them as not
  // given, and they are checked by shape below.
  const given = options !== null && typeof options === 'object' && !Array.isArray(options);
  const { meterProvider, meter } = given ? options : {};
  checkShape(given ? { ...options, meterProvider: undefined, meter: undefined } : options, SCHEMA, name);
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function') {
    throw typeError(`${name}.meterProvider must be a MeterProvider (an object with getMeter())`, 'ERR_LEAKWATCH_INVALID_TYPE');
  }
  if (meter !== undefined && typeof meter?.createHistogram !== 'function') {
    throw typeError(`${name}.meter must be a Meter (an object with createHistogram())`, 'ERR_LEAKWATCH_INVALID_TYPE');
  }
  if (meter !== undefined && meterProvider !== undefined) {
    throw typeError(`${name}: give meterProvider or meter, not both`, 'ERR_LEAKWATCH_INVALID_TYPE');
  }
  return {
    meter: meter ?? (meterProvider ?? api.metrics).getMeter('leakwatch', version),
    heapSpaces: options.heapSpaces ?? true,
  };
}

/**
 * Creates leakwatch's instruments on a meter (`leakwatch` from the global MeterProvider by
 * default) and starts monitoring (a `stats` and a `leak` listener). With `heapSpaces` (the
 * default) it turns on leakwatch's `heapSpaces` option, which the per-space metrics need.
 * Returns a function that stops recording and removes the observable callbacks (idempotent).
 *
 * Throws `ERR_LEAKWATCH_ALREADY_REGISTERED` when already registered on the same meter.
 */
function register(options) {
  const { meter, heapSpaces } = checkOptions(options);
  if (registeredMeters.has(meter)) {
    throw error(
      'leakwatch/otel: already registered on this meter (call the function register() returned to unregister first)',
      'ERR_LEAKWATCH_ALREADY_REGISTERED',
    );
  }
  if (heapSpaces) leakwatch.configure({ heapSpaces: true });

  const leaks = new LeakState();
  let lastFullGc = null;
  let lastFullGcRss = 0;

  const gcDuration = meter.createHistogram(METRIC_NAMES.gcDuration, {
    description: 'Garbage collection duration (leakwatch: full GCs, and minor GCs with includeMinorGc).',
    unit: 's',
    advice: { explicitBucketBoundaries: GC_DURATION_BUCKETS },
  });
  const leakReports = meter.createCounter(METRIC_NAMES.leakReports, {
    description: 'leakwatch leak reports (first alerts and re-alerts).',
    unit: '{report}',
  });
  const observables = {
    heapUsedAfterGc: meter.createObservableGauge(METRIC_NAMES.heapUsedAfterGc, {
      description: 'V8 heap used right after the latest full GC.',
      unit: 'By',
    }),
    externalMemoryAfterGc: meter.createObservableGauge(METRIC_NAMES.externalMemoryAfterGc, {
      description: 'V8 external memory (Buffers, ArrayBuffers, WASM memory) right after the latest full GC.',
      unit: 'By',
    }),
    rssAfterGc: meter.createObservableGauge(METRIC_NAMES.rssAfterGc, {
      description: 'Resident set size of the process right after the latest full GC.',
      unit: 'By',
    }),
    heapGrowthRate: meter.createObservableGauge(METRIC_NAMES.heapGrowthRate, {
      description: "Post-GC heap growth rate of the leak reported (the latest leak report's) while its episode lasts, else 0.",
      unit: 'By/s',
    }),
    leakSuspected: meter.createObservableGauge(METRIC_NAMES.leakSuspected, {
      description:
        "1 from a leakwatch leak report of this kind (heap, external, rss) until its episode ends (leakEnd: leakwatch.leakStates[kind] is 'leaking'), else 0.",
      unit: '1',
    }),
  };
  if (heapSpaces) {
    const space = (name, description) => meter.createObservableUpDownCounter(name, { description, unit: 'By' });
    Object.assign(observables, {
      heapUsed: space(METRIC_NAMES.heapUsed, 'Heap memory used, per V8 heap space, right after the latest full GC.'),
      heapSpaceSize: space(METRIC_NAMES.heapSpaceSize, 'Heap space size, per V8 heap space, right after the latest full GC.'),
      heapSpaceAvailable: space(METRIC_NAMES.heapSpaceAvailable, 'Heap space available size, right after the latest full GC.'),
      heapSpacePhysical: space(METRIC_NAMES.heapSpacePhysical, 'Committed size of a heap space, right after the latest full GC.'),
    });
  }

  // JS thread, when a MetricReader collects.
  const observe = (result) => {
    result.observe(observables.heapGrowthRate, leaks.growthRateBytesPerSecond);
    for (const kind of MEMORY_KINDS) result.observe(observables.leakSuspected, leaks.leaking(kind) ? 1 : 0, { [MEMORY_KIND]: kind });
    if (lastFullGc === null) return;
    result.observe(observables.heapUsedAfterGc, lastFullGc.usedHeapSize);
    result.observe(observables.externalMemoryAfterGc, lastFullGc.externalMemory);
    result.observe(observables.rssAfterGc, lastFullGcRss);
    if (!heapSpaces) return;
    for (const s of lastFullGc.heapSpaces ?? []) {
      const attributes = { [SPACE_NAME]: s.name };
      result.observe(observables.heapUsed, s.used, attributes);
      result.observe(observables.heapSpaceSize, s.size, attributes);
      result.observe(observables.heapSpaceAvailable, s.available, attributes);
      result.observe(observables.heapSpacePhysical, s.physical, attributes);
    }
  };
  const observed = Object.values(observables);
  meter.addBatchObservableCallback(observe, observed);

  // JS thread, after each delivered GC.
  const onStats = (s) => {
    gcDuration.record(s.pauseMs / 1000, { [GC_TYPE]: GC_KIND[s.gcType] ?? s.gcType });
    if (s.gcType === 'mark-sweep-compact') {
      lastFullGc = s;
      lastFullGcRss = rssAfterGc(s);
    }
  };
  // JS thread, on each leak report.
  const onLeak = (report) => {
    leaks.record(report);
    leakReports.add(1, { [MEMORY_KIND]: report.kind });
  };
  leakwatch.on('stats', onStats);
  leakwatch.on('leak', onLeak);
  registeredMeters.add(meter);

  let registered = true;
  return function unregister() {
    if (!registered) return;
    registered = false;
    leakwatch.off('stats', onStats);
    leakwatch.off('leak', onLeak);
    meter.removeBatchObservableCallback(observe, observed);
    registeredMeters.delete(meter);
  };
}

module.exports = { register, METRIC_NAMES };
