'use strict';
// One measured run of one workload under one variant, in a fresh process. Spawned by
// bench/overhead.js; prints exactly one line `LEAKWATCH_BENCH_RESULT {json}` on stdout.
//
//   node bench/child.js <variant> <workload> <scale>
//
// Variants:
//   A  "no addon": leakwatch is not even required. It does NOT count GCs: every way to count
//      them from JS costs more than what we measure (a perf_hooks `gc` observer ≈ 36 µs per
//      scavenge, --trace-gc prints a line per GC). The parent divides A's CPU time
//      differences by the GC count of the B run of the same round and workload (same fixed
//      work → same GCs; the B and C counts printed side by side show how closely they agree).
//   B  leakwatch with a `stats` and a `leak` listener, default options (full GCs delivered,
//      every other GC only counted and timed by the hook).
//   C  as B plus `configure({ includeMinorGc: true })`: every scavenge delivered (worst case).
//   S  as B plus `configure({ allocationSites: true })` with V8's sampling heap profiler forced
//      on for the whole run at the default 512 KiB interval (normally it runs only from a
//      suspected episode to its end): the cost of sampling, side by side with B.
//   Anchors, each used the way its users / agents use it (see ANCHORS below and BENCHMARKS.md):
//   P  perf_hooks `gc` PerformanceObserver (a JS entry per GC).
//   M  @airbnb/node-memwatch with a `stats` and a `leak` listener.
//   G  gc-stats `stats` listener (a uv_async_t and a JS event per GC).
//   D  @datadog/native-metrics `start()` (GC + event-loop watchers), `stats()` read periodically.
//   N  @newrelic/native-metrics emitter (GC + loop watchers), getGCMetrics()/getLoopMetrics()
//      read periodically, as the New Relic agent's sampler does.
//   X  v8.GCProfiler started, stop()+start() periodically: what dd-trace runs for GC metrics
//      on Node >= 20 (it starts native-metrics with 'loop' only there).
//   The anchors live in bench/anchors/node_modules (installed on demand by bench/overhead.js),
//   memwatch in the repository's devDependencies. `node bench/child.js <variant> --probe`
//   loads and starts one, prints `LEAKWATCH_BENCH_PROBE ok|<error>` and exits.
//   Periodic reads happen every PERIODIC_READ_MS (the agents use 10–15 s, longer than a run)
//   and once more at the end of the work, inside the measured window, so that the cost of
//   reading what the hook collected is counted too.
//
// What is measured: process.cpuUsage() (user + system, all threads, so V8's parallel GC
// helpers count too) and wall time around the fixed work only, i.e. not process start-up,
// not `require('leakwatch')`, not the forced GCs. B and C also report leakwatch's own
// self-metering (selfTimeByKindMs, deliverySelfTimeMs, gcCount, gcTimeMs) as the difference
// between a payload taken just before the work and one taken just after it.
//
// Default Node flags on purpose (no --single-threaded-gc, no --max-semi-space-size): the goal
// is the overhead in a service as it normally runs. The one flag we set at run time is
// --expose-gc, in every variant alike, to run one identical full GC before the work starts.
//
// The process must exit on its own with the listeners still attached: leakwatch's wake-up
// handles are unref'd. The parent checks that and reports it.

const v8 = require('node:v8');
const vm = require('node:vm');
const path = require('node:path');

const [variant, workloadName, scaleArg] = process.argv.slice(2);
const LEAKWATCH_VARIANTS = ['B', 'C', 'S'];
const PERIODIC_READ_MS = 1000;

// ---------------------------------------------------------------------------------------
// Anchors: other GC hooks. Each start() installs the hook and returns
// { flush(): void, seen(): number } — flush reads what a periodic reader would read (done
// inside the measured window at the end of the work), seen is the number of GCs the anchor
// has observed since start (a check that it really hooked the GCs).

const ANCHOR_DIR = path.join(__dirname, 'anchors');
/** Resolves from bench/anchors/node_modules first, then the repository's node_modules. */
const requireAnchor = (name) => require(require.resolve(name, { paths: [ANCHOR_DIR, __dirname] }));
let sink = 0; // consumers write here so nothing they compute is dead code

const ANCHORS = {
  P() {
    const { PerformanceObserver } = require('node:perf_hooks');
    let n = 0;
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        n++;
        sink += e.duration + (e.detail ? e.detail.kind : 0);
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    return { flush() {}, seen: () => n };
  },
  M() {
    const memwatch = requireAnchor('@airbnb/node-memwatch');
    let n = 0;
    memwatch.on('stats', (s) => {
      n++;
      sink += s.used_heap_size + s.gc_time;
    });
    memwatch.on('leak', () => {});
    return { flush() {}, seen: () => n };
  },
  G() {
    const gcStats = requireAnchor('gc-stats');
    let n = 0;
    gcStats().on('stats', (s) => {
      n++;
      sink += s.pause + s.gctype;
    });
    return { flush() {}, seen: () => n };
  },
  D() {
    // dd-trace's runtime metrics (Node < 16.7 path, and every version before it moved GC to
    // perf_hooks / v8.GCProfiler): start() = GC + event-loop watchers; every 10 s stats()
    // (returns and resets per-type pause histograms) → gauges per GC type.
    const native = requireAnchor('@datadog/native-metrics');
    native.start();
    let n = 0;
    const read = () => {
      const stats = native.stats();
      for (const type of Object.keys(stats.gc)) {
        const h = stats.gc[type];
        if (type === 'all') n += h.count;
        sink += h.min + h.max + h.sum + h.avg + h.median + h.p95 + h.count;
      }
      sink += stats.eventLoop.sum + stats.heap.spaces.length + stats.cpu.user;
    };
    read(); // reset
    n = 0;
    setInterval(read, PERIODIC_READ_MS).unref();
    return { flush: read, seen: () => n };
  },
  N() {
    // New Relic agent's sampler: getMetricEmitter({ timeout }), then sampleGc/sampleLoop read
    // getGCMetrics() (per-type {total,min,max,sumOfSquares,count}, reset on read) and
    // getLoopMetrics() every 15 s.
    const emitter = requireAnchor('@newrelic/native-metrics')({ timeout: 15_000 });
    let n = 0;
    const read = () => {
      const gcs = emitter.getGCMetrics();
      for (const t of Object.keys(gcs)) {
        const m = gcs[t].metrics;
        n += m.count;
        sink += m.total / 1e3 + m.min + m.max + m.sumOfSquares;
      }
      const loop = emitter.getLoopMetrics();
      sink += loop.usage.total / 1e6;
    };
    read(); // reset
    n = 0;
    setInterval(read, PERIODIC_READ_MS).unref();
    return { flush: read, seen: () => n };
  },
  X() {
    // dd-trace on Node >= 20: gcProfiler.stop() every 10 s, one histogram per GC type, start().
    const profiler = new v8.GCProfiler();
    profiler.start();
    let n = 0;
    const read = () => {
      const profile = profiler.stop();
      for (const stat of profile.statistics) {
        n++;
        sink += stat.cost + stat.gcType.length;
      }
      profiler.start();
    };
    setInterval(read, PERIODIC_READ_MS).unref();
    return { flush: read, seen: () => n };
  },
};

if (!['A', ...LEAKWATCH_VARIANTS, ...Object.keys(ANCHORS)].includes(variant)) throw new Error(`unknown variant ${variant}`);

if (workloadName === '--probe') {
  // Can this variant be loaded and started here? (bench/overhead.js asks before a run.)
  let answer = 'ok';
  try {
    if (ANCHORS[variant]) {
      const anchor = ANCHORS[variant]();
      anchor.flush();
    } else if (variant !== 'A') require(path.join(__dirname, '..'));
  } catch (err) {
    answer = String(err?.message ? err.message : err)
      .split('\n')[0]
      .slice(0, 300);
  }
  process.stdout.write(`LEAKWATCH_BENCH_PROBE ${answer}\n`);
  process.exit(0);
}

const workload = require(path.join(__dirname, 'workloads', `${workloadName}.js`));
const scale = Number(scaleArg || 1);

// Same pre-work full GC in every variant (leakwatch.gc() does not exist in A).
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc');

const KINDS = ['scavenge', 'minorMarkSweep', 'markSweepCompact', 'incrementalMarking', 'processWeakCallbacks', 'total'];
const diffKinds = (a, b) => Object.fromEntries(KINDS.map((k) => [k, b[k] - a[k]]));

let leakwatch = null;
const seen = {
  stats: 0, // stats events received
  leaks: 0, // leak events received
  batches: 0, // deliveries (payloads of one batch share one deliverySelfTimeMs value)
  dropped: 0, // sum of droppedEvents
  batchMs: [], // take_batch time of each batch, in order (first ones only)
  lastDelivery: -1,
  lastFull: null, // last mark-sweep-compact payload
  waiters: [],
};
const MAX_BATCH_SAMPLES = 64;

function onStats(s) {
  seen.stats++;
  seen.dropped += s.droppedEvents;
  // deliverySelfTimeMs is cumulative up to the *previous* batch, so a new value means a new
  // batch, and the increment is the time the previous batch took in take_batch().
  if (s.deliverySelfTimeMs !== seen.lastDelivery) {
    if (seen.lastDelivery >= 0 && seen.batchMs.length < MAX_BATCH_SAMPLES) {
      seen.batchMs.push(s.deliverySelfTimeMs - seen.lastDelivery);
    }
    seen.lastDelivery = s.deliverySelfTimeMs;
    seen.batches++;
  }
  if (s.gcType === 'mark-sweep-compact') {
    seen.lastFull = s;
    const ready = seen.waiters.filter((w) => s.timestamp >= w.after);
    seen.waiters = seen.waiters.filter((w) => s.timestamp < w.after);
    for (const w of ready) w.resolve(s);
  }
}

/** Runs `force()`, resolves with the stats payload of the full GC it caused. */
function fullGcPayload(force) {
  return new Promise((resolve, reject) => {
    const after = Date.now();
    const timer = setTimeout(() => reject(new Error('no stats payload after a forced full GC')), 10_000);
    seen.waiters.push({
      after,
      resolve: (_s) => {
        clearTimeout(timer);
        // Let any payload of the same batch arrive, then take the newest full-GC payload.
        setImmediate(() => resolve(seen.lastFull));
      },
    });
    force();
  });
}

const pick = (s) => ({
  gcCount: s.gcCount,
  gcTimeMs: s.gcTimeMs,
  selfTimeMs: s.selfTimeMs,
  selfTimeByKindMs: s.selfTimeByKindMs,
  deliverySelfTimeMs: s.deliverySelfTimeMs,
});

async function main() {
  if (workload.prepare) workload.prepare(scale);
  let anchor = null;
  if (ANCHORS[variant]) anchor = ANCHORS[variant]();
  else if (variant !== 'A') {
    leakwatch = require(path.join(__dirname, '..'));
    if (variant === 'C') leakwatch.configure({ includeMinorGc: true });
    if (variant === 'S') {
      const { ALLOCATION_SITES_DEFAULTS } = require(path.join(__dirname, '..', 'lib', 'allocation-sites'));
      leakwatch.configure({ allocationSites: true });
      // Internal: what an episode starts, here for the whole run.
      const started = require(path.join(__dirname, '..', 'lib', 'binding')).allocationSamplingStart(
        ALLOCATION_SITES_DEFAULTS.intervalBytes,
        ALLOCATION_SITES_DEFAULTS.stackDepth,
      );
      if (started !== 'started') throw new Error(`the sampling heap profiler did not start: ${started}`);
    }
    leakwatch.on('stats', onStats);
    leakwatch.on('leak', () => {
      seen.leaks++;
    });
  }

  // Identical starting point: one full GC, then one turn of the event loop.
  let before = null;
  if (leakwatch) before = await fullGcPayload(fullGc);
  else fullGc();
  const batchesBefore = seen.batches;
  const statsBefore = seen.stats;
  await new Promise((r) => setImmediate(r));

  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  const checksum = await workload.run(scale);
  if (anchor) anchor.flush(); // a periodic reader's last read, inside the window
  const wallNs = Number(process.hrtime.bigint() - wall0);
  const cpu = process.cpuUsage(cpu0);

  const result = {
    variant,
    workload: workload.name,
    scale,
    pid: process.pid,
    checksum,
    cpuMs: (cpu.user + cpu.system) / 1e3,
    userMs: cpu.user / 1e3,
    systemMs: cpu.system / 1e3,
    wallMs: wallNs / 1e6,
  };

  if (anchor) {
    // Let pending deliveries (perf_hooks entries, uv_async / uv_queue_work callbacks) arrive.
    await new Promise((r) => setTimeout(r, 20));
    anchor.flush();
    result.anchorSeen = anchor.seen();
    result.sink = Number.isFinite(sink) ? 1 : 0;
  }

  if (leakwatch) {
    // The final payload: one forced full GC (leakwatch.gc()), after the measured work.
    const after = await fullGcPayload(() => leakwatch.gc());
    // Window = [before, after). Self times in a payload stop at the previous GC and the
    // delivery meter at the previous batch, while gcCount includes the GC itself; so the
    // differences below cover the same GCs: the pre-work full GC + all GCs of the work
    // (self times), or all GCs of the work + the final forced full GC (counts). Either way:
    // the work's GCs plus exactly one forced full GC.
    result.window = {
      gcCount: diffKinds(before.gcCount, after.gcCount),
      gcTimeMs: diffKinds(before.gcTimeMs, after.gcTimeMs),
      selfTimeByKindMs: diffKinds(before.selfTimeByKindMs, after.selfTimeByKindMs),
      deliverySelfTimeMs: after.deliverySelfTimeMs - before.deliverySelfTimeMs,
      batches: seen.batches - batchesBefore,
      statsEvents: seen.stats - statsBefore,
    };
    // GCs of the work alone (the forced full GC taken out), for per-GC divisions.
    result.workGcCount = { ...result.window.gcCount };
    result.workGcCount.markSweepCompact -= 1;
    result.workGcCount.total -= 1;
    result.final = pick(after);
    result.events = { stats: seen.stats, leaks: seen.leaks, batches: seen.batches, dropped: seen.dropped };
    result.batchMs = seen.batchMs;
  }
  process.stdout.write(`LEAKWATCH_BENCH_RESULT ${JSON.stringify(result)}\n`);
  // No process.exit(): the parent checks that the process ends by itself (listeners attached).
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exitCode = 1;
});
