// CommonJS consumer (this folder's package scope has no "type": "module").
import leakwatch = require('leakwatch');
import defaultImport from 'leakwatch';
import { LeakDetector as NamedDetector } from 'leakwatch';
import type { EventEmitter } from 'node:events';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}

// --- the exported instance -------------------------------------------------------------------
const emitter: EventEmitter = leakwatch;
const instance: leakwatch.Leakwatch = leakwatch;
const same: typeof leakwatch = defaultImport;
const viaDefault: leakwatch.Leakwatch = leakwatch.default;
const isInstance: boolean = leakwatch instanceof leakwatch.Leakwatch;

// --- events ----------------------------------------------------------------------------------
leakwatch.on('stats', (s) => {
  assertType<Equal<typeof s, leakwatch.GcStats>>();
  const gcType: leakwatch.GcType = s.gcType;
  const forced: boolean = s.forced;
  const numbers: number[] = [
    s.timestamp,
    s.pauseMs,
    s.usedHeapSize,
    s.totalHeapSize,
    s.totalHeapSizeExecutable,
    s.heapSizeLimit,
    s.totalPhysicalSize,
    s.totalAvailableSize,
    s.mallocedMemory,
    s.peakMallocedMemory,
    s.externalMemory,
    s.numberOfNativeContexts,
    s.numberOfDetachedContexts,
    s.selfTimeMs,
    s.deliverySelfTimeMs,
    s.droppedEvents,
  ];
  const kinds: leakwatch.PerGcKind[] = [s.gcCount, s.gcTimeMs, s.selfTimeByKindMs];
  const k = s.gcCount;
  const perKind: number[] = [k.scavenge, k.minorMarkSweep, k.markSweepCompact, k.incrementalMarking, k.processWeakCallbacks, k.total];
  // heapSpaces is present only with { heapSpaces: true }.
  // @ts-expect-error possibly undefined
  s.heapSpaces.length;
  for (const space of s.heapSpaces ?? []) {
    assertType<Equal<typeof space, leakwatch.HeapSpaceStats>>();
    const fields: [string, number, number, number, number] = [space.name, space.size, space.used, space.available, space.physical];
  }
  // @ts-expect-error not a field of the stats payload
  s.growthBytes;
  // @ts-expect-error gcType is a closed union
  const bad: typeof s.gcType = 'full';
});

const onLeak = (r: leakwatch.LeakReport): void => {
  const numbers: number[] = [
    r.timestamp,
    r.startTimestamp,
    r.durationMs,
    r.samples,
    r.startUsedHeapSize,
    r.endUsedHeapSize,
    r.baselineBytes,
    r.growthBytes,
    r.growthRateBytesPerMinute,
    r.confidence,
    r.episode,
    r.repeat,
  ];
  const reason: string = r.reason;
};
leakwatch.on('leak', onLeak).once('leak', onLeak).addListener('leak', onLeak);
leakwatch.prependListener('leak', onLeak).prependOnceListener('leak', onLeak);
leakwatch.off('leak', onLeak).removeListener('leak', onLeak);
leakwatch.once('stats', (s) => s.usedHeapSize);
// @ts-expect-error unknown field of the leak payload
leakwatch.on('leak', (r) => r.usedHeapSize);
// @ts-expect-error a stats listener cannot take a leak report
leakwatch.on('stats', onLeak);
// @ts-expect-error nor can off() remove one as a stats listener
leakwatch.off('stats', onLeak);

// The episode state and its end.
const onLeakEnd = (e: leakwatch.LeakEnd): void => {
  const numbers: number[] = [
    e.timestamp,
    e.startTimestamp,
    e.firstAlertTimestamp,
    e.lastAlertTimestamp,
    e.durationMs,
    e.episode,
    e.alerts,
    e.quietSamples,
    e.baselineBytes,
    e.growthBytes,
    e.endUsedHeapSize,
  ];
  const reason: string = e.reason;
};
leakwatch.on('leakEnd', onLeakEnd).once('leakEnd', onLeakEnd).off('leakEnd', onLeakEnd);
leakwatch.on('leakEnd', (e) => e.growthBytes);
// @ts-expect-error a leakEnd payload has no growth rate
leakwatch.on('leakEnd', (e) => e.growthRateBytesPerMinute);
// @ts-expect-error a leak listener cannot take an episode end
leakwatch.on('leak', onLeakEnd);
const state: leakwatch.LeakState = leakwatch.leakState;
const isSuspected: boolean = leakwatch.suspected;
if (state === 'leaking' || state === 'suspected' || state === 'none') isSuspected;
// @ts-expect-error leakState is a closed union
const badState: leakwatch.LeakState = 'alerted';
// @ts-expect-error leakState is read-only
leakwatch.leakState = 'none';

// Leaks outside the V8 heap: one detector per memory kind.
const states: leakwatch.LeakStates = leakwatch.leakStates;
const rssState: leakwatch.LeakState = states.rss;
const kinds: leakwatch.MemoryKind[] = ['heap', 'external', 'rss'];
// @ts-expect-error the kinds are a closed union
const badKind: leakwatch.MemoryKind = 'stack';
leakwatch.configure({ external: { minGrowthBytes: 64 * 1024 * 1024 }, rss: true });
leakwatch.configure({ external: false, rss: { minSamples: 32 } });
// @ts-expect-error a kind takes detector options or a boolean
leakwatch.configure({ rss: 'on' });
const externalOptions: Required<leakwatch.DetectorOptions> | false = leakwatch.options.external;
const rssOptions: Required<leakwatch.DetectorOptions> | false = leakwatch.options.rss;
leakwatch.on('leak', (r) => {
  const kind: leakwatch.MemoryKind = r.kind;
  const limit: number | null = r.limitBytes;
  return [kind, limit, rssState, kinds, externalOptions, rssOptions];
});
leakwatch.on('leakEnd', (e) => e.kind === 'external');
leakwatch.on('stats', (s) => (s.rss === undefined ? 0 : s.rss));

// Where the native layer runs (the loader's decision).
const native: leakwatch.NativeStatus = leakwatch.native;
const mode: 'v8' | 'gc-profiler' | 'unavailable' = native.mode;
const why: leakwatch.ErrorCode | null = native.code;
const where: 'build' | 'package' | null = native.source;
const file: string | null = native.binary;
if (mode !== 'v8' && why !== null && where !== 'build' && file !== null) native.reason?.length;
// @ts-expect-error mode is a closed union
const badMode: leakwatch.NativeStatus['mode'] = 'wasm';
// @ts-expect-error the status is read-only
leakwatch.native.mode = 'v8';

// The generic EventEmitter API still works for other events.
leakwatch.on('custom', (a: string, b: number) => {}).emit('custom', 'x', 1);
const dynamic: string = 'stats';
leakwatch.on(dynamic, (...args: unknown[]) => {});
leakwatch.on(Symbol('s'), () => {});
leakwatch.removeAllListeners('stats').removeAllListeners();
const count: number = leakwatch.listenerCount('leak');

declare const someStats: leakwatch.GcStats;
const delivered: boolean = leakwatch.emit('stats', someStats);
// @ts-expect-error emit('stats') needs a GcStats payload
leakwatch.emit('stats', { usedHeapSize: 1 });

// --- configure / options / gc / monitoring ---------------------------------------------------
const effective: leakwatch.EffectiveOptions = leakwatch.configure({
  includeMinorGc: false,
  heapSpaces: true,
  leak: { windowMs: 3_600_000, minDurationMs: 30_000, minSamples: 16, minGrowthBytes: 8 << 20, minGrowthPercent: 5, confidence: 0.99, realert: true },
});
leakwatch.configure();
const evidence: leakwatch.EffectiveOptions = leakwatch.configure({
  diffOnLeak: true,
  diffMaxHeapBytes: 256 * 2 ** 20,
  snapshot: { dir: '/var/tmp', maxFiles: 3, minFreeBytes: 2 ** 30, minIntervalMs: 3_600_000 },
});
const snapshotDir: string | undefined = evidence.snapshot === false ? undefined : evidence.snapshot.dir;
const snapshotFile: string = leakwatch.writeSnapshot() + leakwatch.writeSnapshot('/tmp/x.heapsnapshot');
const forced: string = leakwatch.writeSnapshot('/tmp', { force: true, budgetMs: 30_000 }) + leakwatch.writeSnapshot({ force: true });
const budget: number = leakwatch.configure({ snapshotBudgetMs: 10_000 }).snapshotBudgetMs;
const guarded: leakwatch.ErrorCode[] = ['ERR_LEAKWATCH_SNAPSHOT_MEMORY', 'ERR_LEAKWATCH_SNAPSHOT_ABORTED'];
const bounded: leakwatch.HeapDiff = new leakwatch.HeapDiff({ budgetMs: 5_000 });
// @ts-expect-error force is a boolean
leakwatch.writeSnapshot('/tmp', { force: 'yes' });
leakwatch.on('leak', (r) => {
  const growth: leakwatch.HeapGrowth[] = r.topGrowth ?? [];
  const line: [string, number, number, number, number] | undefined = growth[0] && [
    growth[0].what,
    growth[0].addedCount,
    growth[0].addedBytes,
    growth[0].removedCount,
    growth[0].netBytes,
  ];
  const strings: (string | undefined)[] = [r.retainerPaths?.[0], r.diffSkipped, r.snapshotPath, r.analyzeCommand, r.snapshotSkipped];
  const code: leakwatch.ErrorCode = 'ERR_LEAKWATCH_SNAPSHOT_DIR';
});
const sampling: leakwatch.EffectiveOptions['allocationSites'] = leakwatch.configure({ allocationSites: { intervalBytes: 2 ** 19, top: 3 } }).allocationSites;
leakwatch.configure({ allocationSites: true });
leakwatch.on('leak', (r) => {
  const site: leakwatch.AllocationSite | undefined = r.allocationSites?.[0];
  const where: [string, string, number | null, number, number, number] | undefined = site && [
    site.stack,
    site.frames[0].file,
    site.frames[0].line,
    site.bytes,
    site.bytesError,
    site.samples,
  ];
  const why: (string | undefined)[] = [r.allocationSitesSkipped, r.culprit];
});
// @ts-expect-error allocationSites takes a boolean or options
leakwatch.configure({ allocationSites: 'on' });
// @ts-expect-error snapshot takes options or false, not true
leakwatch.configure({ snapshot: true });
// @ts-expect-error writeSnapshot takes a path string
leakwatch.writeSnapshot(42);
leakwatch.configure({});
const windowMs: number = leakwatch.options.leak.windowMs;
const realert: boolean = effective.leak.realert;
const flags: boolean[] = [effective.includeMinorGc, effective.heapSpaces, leakwatch.monitoring];
const nothing: void = leakwatch.gc();
// @ts-expect-error wrong option type
leakwatch.configure({ heapSpaces: 'yes' });
// @ts-expect-error unknown option
leakwatch.configure({ snapshotOnLeak: true });
// @ts-expect-error wrong detector option type
leakwatch.configure({ leak: { windowMs: '1h' } });
// @ts-expect-error options is read-only
leakwatch.options = effective;
// @ts-expect-error monitoring is read-only
leakwatch.monitoring = true;

// --- error codes -----------------------------------------------------------------------------
try {
  leakwatch.configure({ leak: { confidence: 2 } });
} catch (err) {
  const code = (err as { code?: leakwatch.ErrorCode }).code;
  if (code === 'ERR_LEAKWATCH_OUT_OF_RANGE' || code === 'ERR_LEAKWATCH_UNKNOWN_OPTION' || code === 'ERR_LEAKWATCH_INVALID_TYPE') {
    // handled
  }
  // @ts-expect-error not an error code of leakwatch
  const wrong: leakwatch.ErrorCode = 'ERR_LEAKWATCH_OOPS';
}

// --- LeakDetector ----------------------------------------------------------------------------
const detector: leakwatch.LeakDetector = new leakwatch.LeakDetector({ minGrowthBytes: 1e6 });
const fromNamed: leakwatch.LeakDetector = new NamedDetector();
const report: leakwatch.LeakReport | null = detector.update({ timestamp: 0, usedHeapSize: 1e6 });
const sample: leakwatch.PostGcSample = { timestamp: 1, usedHeapSize: 2e6 };
detector.update(sample);
detector.update(someStats); // a stats payload fits as it is
detector.update({ timestamp: 2, usedHeapSize: 3e6, heapSizeLimit: 4e9 });
const timeToLimit: number | null = report === null ? null : report.estimatedTimeToLimitMs;
const suspected: boolean = detector.suspected;
const detectorState: leakwatch.LeakState = detector.leakState;
const end: leakwatch.LeakEnd | null = detector.episodeEnd;
// @ts-expect-error the end may be null
detector.episodeEnd.reason;
const opts: Required<leakwatch.DetectorOptions> = detector.options;
const allNumbers: number[] = [opts.windowMs, opts.minDurationMs, opts.minSamples, opts.minGrowthBytes, opts.minGrowthPercent, opts.confidence];
const re: boolean = opts.realert;
detector.reset();
class TracingDetector extends leakwatch.LeakDetector {}
// @ts-expect-error update() needs { timestamp, usedHeapSize }
detector.update({ timestamp: 0 });
// @ts-expect-error update() takes a sample object, not two numbers
detector.update(0, 1e6);
// @ts-expect-error usedHeapSize is a number of bytes
detector.update({ timestamp: 0, usedHeapSize: '1MB' });
// @ts-expect-error the result may be null
detector.update(sample).reason;
// @ts-expect-error unknown detector option
new leakwatch.LeakDetector({ window: 60_000 });
// @ts-expect-error realert is a boolean
new leakwatch.LeakDetector({ realert: 1 });
// @ts-expect-error suspected is read-only
detector.suspected = true;

// --- HeapDiff --------------------------------------------------------------------------------
const hd: leakwatch.HeapDiff = new leakwatch.HeapDiff();
const diff: leakwatch.HeapDiffResult = hd.end();
const ended: boolean = hd.ended;
const diffNumbers: number[] = [diff.before.nodes, diff.after.sizeBytes, diff.change.sizeBytes, diff.change.freedNodes, diff.change.allocatedNodes];
for (const d of diff.change.details) {
  assertType<Equal<typeof d, leakwatch.HeapDiffDetail>>();
  const row: [string, number, string, number, number] = [d.what, d.sizeBytes, d.size, d.added, d.removed];
}
const humanSize: string = diff.before.size;
const endedCode: leakwatch.ErrorCode = 'ERR_LEAKWATCH_HEAPDIFF_ENDED';
// @ts-expect-error memwatch's snake_case keys are only in leakwatch/memwatch
diff.change.size_bytes;
// @ts-expect-error ended is read-only
hd.ended = false;

// --- leakwatch/memwatch ----------------------------------------------------------------------
import memwatch = require('leakwatch/memwatch');
memwatch.on('stats', (s) => {
  const mw: number[] = [s.gc_ts, s.gc_time, s.gcScavengeCount, s.gcMarkSweepCompactTime, s.used_heap_size, s.heap_size_limit, s.current_base];
  // @ts-expect-error leakwatch's camelCase keys are not in memwatch's payload
  s.usedHeapSize;
});
memwatch.on('leak', (info) => {
  const when: Date[] = [info.start, info.end];
  const growth: number = info.growth;
  const reason: string = info.reason;
});
const mwDiff: memwatch.HeapDiffResult = new memwatch.HeapDiff().end();
const mwRow = mwDiff.change.details[0];
const mwNumbers: number[] = [mwDiff.before.size_bytes, mwDiff.change.freed_nodes, mwDiff.change.allocated_nodes, mwRow['+'], mwRow['-'], mwRow.size_bytes];
memwatch.gc();

// --- leakwatch/prometheus, leakwatch/otel, leakwatch/register --------------------------------
import promClient = require('prom-client');
import prometheus = require('leakwatch/prometheus');
import otel = require('leakwatch/otel');
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import 'leakwatch/register';
const unregisterProm: prometheus.Unregister = prometheus.register(new promClient.Registry(), { prefix: 'app_', gcPauseBuckets: [0.01, 0.1] });
// @ts-expect-error suspectedForMs is gone: the gauge follows leakwatch.leakState
prometheus.register(undefined, { suspectedForMs: 600_000 });
prometheus.register(promClient.register)();
prometheus.register()();
const suspectedName: 'nodejs_leak_suspected' = prometheus.METRIC_NAMES.leakSuspected;
// @ts-expect-error unknown option
prometheus.register(undefined, { prefx: 'a_' });
const unregisterOtel: otel.Unregister = otel.register({ meterProvider: new MeterProvider(), heapSpaces: false });
otel.register({ meter: new MeterProvider().getMeter('app') });
// @ts-expect-error suspectedForMs is gone: the gauge follows leakwatch.leakState
otel.register({ suspectedForMs: 1000 });
const gcDurationName: 'v8js.gc.duration' = otel.METRIC_NAMES.gcDuration;
// @ts-expect-error heapSpaces is a boolean
otel.register({ heapSpaces: 'yes' });
