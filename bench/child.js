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
// The process must exit on its own with the listeners still attached: leakwatch's
// threadsafe function is weak (unref'd). The parent checks that and reports it.

const v8 = require('node:v8');
const vm = require('node:vm');
const path = require('node:path');

const [variant, workloadName, scaleArg] = process.argv.slice(2);
if (!['A', 'B', 'C'].includes(variant)) throw new Error(`unknown variant ${variant}`);
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
      resolve: (s) => {
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
  if (variant !== 'A') {
    leakwatch = require(path.join(__dirname, '..'));
    if (variant === 'C') leakwatch.configure({ includeMinorGc: true });
    leakwatch.on('stats', onStats);
    leakwatch.on('leak', () => {
      seen.leaks++;
    });
  }

  // Identical starting point: one full GC, then one turn of the event loop.
  const before = leakwatch ? await fullGcPayload(fullGc) : (fullGc(), null);
  const batchesBefore = seen.batches;
  const statsBefore = seen.stats;
  await new Promise((r) => setImmediate(r));

  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  const checksum = await workload.run(scale);
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
