'use strict';
// leakwatch/prometheus: leakwatch's post-GC heap, leak state and GC pauses as prom-client
// metrics. Names follow prom-client's conventions (`nodejs_` prefix, base units `_bytes` and
// `_seconds`, counters `_total`) and never clash with collectDefaultMetrics(): its
// `nodejs_heap_size_used_bytes` is sampled at scrape time, these are read right after a GC.

const leakwatch = require('../index.js');
const { GC_KIND, LeakState, MEMORY_KINDS, requirePeer, rssAfterGc } = require('./metrics-leak-state');
const { error, invalidType, typeError } = require('../errors');
const { checkShape, snapshot } = require('../options');

const client = requirePeer('prom-client', 'leakwatch/prometheus');

/** The metric names without a prefix. */
const METRIC_NAMES = Object.freeze({
  heapUsedAfterGc: 'nodejs_heap_used_after_gc_bytes',
  heapTotalAfterGc: 'nodejs_heap_total_after_gc_bytes',
  heapGrowthRate: 'nodejs_heap_growth_rate_bytes_per_second',
  externalMemoryAfterGc: 'nodejs_external_memory_after_gc_bytes',
  rssAfterGc: 'nodejs_rss_after_gc_bytes',
  leakSuspected: 'nodejs_leak_suspected',
  leakReports: 'nodejs_leak_reports_total',
  gcPause: 'nodejs_gc_pause_seconds',
});

// prom-client's own GC histogram buckets, so the two can be compared.
const DEFAULT_GC_PAUSE_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

const SCHEMA = { prefix: 'string', gcPauseBuckets: 'object' };

function checkOptions(options = {}) {
  const name = 'leakwatch/prometheus register() options';
  options = snapshot(options);
  const buckets = options?.gcPauseBuckets;
  if (Array.isArray(buckets)) {
    const increasing = buckets.every((b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > buckets[i - 1]));
    if (buckets.length === 0 || !increasing) {
      throw typeError(`${name}.gcPauseBuckets must be a non-empty array of increasing positive numbers (seconds)`, 'ERR_LEAKWATCH_INVALID_TYPE');
    }
  } else if (buckets !== undefined) {
    throw invalidType(`${name}.gcPauseBuckets`, 'an array of seconds', buckets);
  }
  // checkShape knows no arrays: the buckets are checked above.
  checkShape(buckets === undefined ? options : { ...options, gcPauseBuckets: undefined }, SCHEMA, name);
  return {
    prefix: options.prefix ?? '',
    buckets: buckets ? [...buckets] : DEFAULT_GC_PAUSE_BUCKETS,
  };
}

/**
 * Registers leakwatch's metrics on `registry` (prom-client's global registry by default) and
 * starts monitoring (it adds a `stats` and a `leak` listener). Returns a function that removes
 * the metrics and the listeners again (idempotent).
 *
 * Throws `ERR_LEAKWATCH_ALREADY_REGISTERED` when the registry already has one of the names
 * (register() called twice on it, or a clash with your own metrics).
 */
function register(registry = client.register, options) {
  const { prefix, buckets } = checkOptions(options);
  if (!registry || typeof registry.registerMetric !== 'function' || typeof registry.getSingleMetric !== 'function') {
    throw typeError('leakwatch/prometheus register(registry): registry must be a prom-client Registry', 'ERR_LEAKWATCH_INVALID_TYPE');
  }
  const names = Object.fromEntries(Object.entries(METRIC_NAMES).map(([k, n]) => [k, prefix + n]));
  for (const name of Object.values(names)) {
    if (registry.getSingleMetric(name)) {
      throw error(
        `leakwatch/prometheus: the registry already has a metric named ${name} ` +
          '(register() was already called on it: call the function it returned to unregister first)',
        'ERR_LEAKWATCH_ALREADY_REGISTERED',
      );
    }
  }

  const leaks = new LeakState();
  const registers = [registry];
  const heapUsed = new client.Gauge({
    name: names.heapUsedAfterGc,
    help: 'V8 heap used right after the latest full GC (leakwatch; 0 until the first full GC).',
    registers,
  });
  const heapTotal = new client.Gauge({
    name: names.heapTotalAfterGc,
    help: 'V8 heap size (total_heap_size) right after the latest full GC (leakwatch; 0 until the first full GC).',
    registers,
  });
  new client.Gauge({
    name: names.heapGrowthRate,
    help: "Post-GC heap growth rate of the leak reported (the latest leak report's) while its episode lasts, else 0.",
    registers,
    collect() {
      this.set(leaks.growthRateBytesPerSecond);
    },
  });
  const externalMemory = new client.Gauge({
    name: names.externalMemoryAfterGc,
    help: 'V8 external memory (Buffers, ArrayBuffers, WASM memory) right after the latest full GC (leakwatch; 0 until the first full GC).',
    registers,
  });
  const rss = new client.Gauge({
    name: names.rssAfterGc,
    help: 'Resident set size of the process right after the latest full GC (leakwatch; 0 until the first full GC).',
    registers,
  });
  new client.Gauge({
    name: names.leakSuspected,
    help: "1 from a leakwatch leak report of this kind (heap, external, rss) until its episode ends (leakEnd: leakwatch.leakStates[kind] is 'leaking'), else 0.",
    labelNames: ['kind'],
    registers,
    collect() {
      for (const kind of MEMORY_KINDS) this.set({ kind }, leaks.leaking(kind) ? 1 : 0);
    },
  });
  const reports = new client.Counter({
    name: names.leakReports,
    help: 'leakwatch leak reports (first alerts and re-alerts) since the process started, by kind (heap, external, rss).',
    labelNames: ['kind'],
    registers,
  });
  for (const kind of MEMORY_KINDS) reports.inc({ kind }, 0);
  const pauses = new client.Histogram({
    name: names.gcPause,
    help: 'GC pauses seen by leakwatch, by kind: major (full GCs), minor (scavenges, with includeMinorGc).',
    labelNames: ['kind'],
    buckets,
    registers,
  });
  pauses.zero({ kind: 'major' });

  // JS thread, after each delivered GC.
  const onStats = (s) => {
    pauses.observe({ kind: GC_KIND[s.gcType] ?? s.gcType }, s.pauseMs / 1000);
    if (s.gcType === 'mark-sweep-compact') {
      heapUsed.set(s.usedHeapSize);
      heapTotal.set(s.totalHeapSize);
      externalMemory.set(s.externalMemory);
      rss.set(rssAfterGc(s));
    }
  };
  // JS thread, on each leak report.
  const onLeak = (report) => {
    leaks.record(report);
    reports.inc({ kind: report.kind });
  };
  leakwatch.on('stats', onStats);
  leakwatch.on('leak', onLeak);

  let registered = true;
  return function unregister() {
    if (!registered) return;
    registered = false;
    leakwatch.off('stats', onStats);
    leakwatch.off('leak', onLeak);
    for (const name of Object.values(names)) registry.removeSingleMetric(name);
  };
}

module.exports = { register, METRIC_NAMES };
