'use strict';
// Pure statistics of the overhead benchmark: the seeded run order, quantiles, and `analyse`,
// which turns the recorded rounds into paired ratios, per-GC costs, the noise band and the
// self-metered costs. No I/O: the same rounds always give the same analysis (unit-tested in
// __test__/bench-stats.test.js).

const { WORKLOADS, LEAKWATCH, ANCHORS } = require('./variants');

/** Seeded PRNG (mulberry32), so a run order can be reproduced with --seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function quantile(values, q) {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}
const median = (values) => quantile(values, 0.5);
const summary = (values) => ({
  median: median(values),
  p25: quantile(values, 0.25),
  p75: quantile(values, 0.75),
  min: quantile(values, 0),
  max: quantile(values, 1),
  n: values.filter(Number.isFinite).length,
});

const ok = (x) => Boolean(x) && !x.error;
// CPU time X − A of one round, in ns per GC of the given count.
const nsPer = (cpuMs, baseCpuMs, gcs) => ((cpuMs - baseCpuMs) * 1e6) / gcs;

/** Medians per variant over the rounds where it ran. */
function variantMedians(rows, v) {
  const col = (f) => median(rows.map((r) => f(r[v])));
  const lw = LEAKWATCH.includes(v);
  return {
    n: rows.length,
    cpuMs: col((x) => x.cpuMs),
    wallMs: col((x) => x.wallMs),
    scavenges: lw ? col((x) => x.workGcCount.scavenge) : null,
    fullGcs: lw ? col((x) => x.workGcCount.markSweepCompact) : null,
    incrementalMarking: lw ? col((x) => x.workGcCount.incrementalMarking) : null,
    gcPauseMs: lw ? col((x) => x.window.gcTimeMs.total) : null,
    selfMs: lw ? col((x) => x.window.selfTimeByKindMs.total + x.window.deliverySelfTimeMs) : null,
    statsEvents: lw ? col((x) => x.window.statsEvents) : null,
    batches: lw ? col((x) => x.window.batches) : null,
    droppedEvents: lw ? col((x) => x.events.dropped) : null,
    // GCs the hook itself saw (pre-work GC + work + end), to check it really hooked them;
    // leakwatch's window (work + one forced full GC) is the comparable count.
    seen: ANCHORS.includes(v) ? col((x) => x.anchorSeen) : lw ? col((x) => x.window.gcCount.total) : null,
  };
}

/**
 * Paired by round: X / A, (X − A) per GC of the work, and B / X. Per-GC divisions use the GC
 * count of the B run of the same round (A does not count GCs); C uses its own.
 */
function pairedWithA(rows, v) {
  const gcsOf = (r) => (v === 'C' ? r.C.workGcCount : r.B.workGcCount);
  return {
    n: rows.length,
    cpuRatio: summary(rows.map((r) => r[v].cpuMs / r.A.cpuMs)),
    wallRatio: summary(rows.map((r) => r[v].wallMs / r.A.wallMs)),
    nsPerGc: summary(rows.map((r) => nsPer(r[v].cpuMs, r.A.cpuMs, gcsOf(r).total))),
    nsPerScavenge: summary(rows.map((r) => nsPer(r[v].cpuMs, r.A.cpuMs, gcsOf(r).scavenge))),
    nsPerFullGc: summary(rows.map((r) => nsPer(r[v].cpuMs, r.A.cpuMs, gcsOf(r).markSweepCompact))),
    bOverThis: summary(rows.map((r) => r.B.cpuMs / r[v].cpuMs)),
  };
}

/** The noise band from the rounds where A' (A2) ran: how far two identical no-addon runs land apart. */
function noiseBand(rows) {
  const noiseRatio = rows.map((r) => r.A2.cpuMs / r.A.cpuMs);
  const noiseNs = rows.map((r) => nsPer(r.A2.cpuMs, r.A.cpuMs, r.B.workGcCount.total));
  return {
    // Typical |A'/A − 1|: how far two identical no-addon runs land apart.
    medianAbsRatioMinus1: median(noiseRatio.map((x) => Math.abs(x - 1))),
    ratioIqr: [quantile(noiseRatio, 0.25), quantile(noiseRatio, 0.75)],
    medianAbsNsPerGc: median(noiseNs.map(Math.abs)),
    nsPerGcIqr: [quantile(noiseNs, 0.25), quantile(noiseNs, 0.75)],
  };
}

/** leakwatch's own metering, per GC of each kind, over the window (work GCs + one forced full GC). */
function selfMeteredCost(rows, v) {
  const per = (f) => summary(rows.map((r) => f(r[v].window)));
  const perKindNs = (k) => per((x) => (x.gcCount[k] > 0 ? (x.selfTimeByKindMs[k] * 1e6) / x.gcCount[k] : NaN));
  const firstBatch = rows.map((r) => (r[v].batchMs.length > 0 ? r[v].batchMs[0] * 1e6 : NaN));
  const laterBatches = rows.map((r) => (r[v].batchMs.length > 1 ? median(r[v].batchMs.slice(1)) * 1e6 : NaN));
  const maxBatch = rows.map((r) => (r[v].batchMs.length > 0 ? Math.max(...r[v].batchMs) * 1e6 : NaN));
  return {
    callbackNsPerScavenge: perKindNs('scavenge'),
    callbackNsPerFullGc: perKindNs('markSweepCompact'),
    callbackNsPerIncrementalMarking: perKindNs('incrementalMarking'),
    deliveryNsPerBatch: per((x) => (x.batches > 0 ? (x.deliverySelfTimeMs * 1e6) / x.batches : NaN)),
    deliveryNsPerFullGc: per((x) => (x.gcCount.markSweepCompact > 0 ? (x.deliverySelfTimeMs * 1e6) / x.gcCount.markSweepCompact : NaN)),
    deliveryNsPerEvent: per((x) => (x.statsEvents > 0 ? (x.deliverySelfTimeMs * 1e6) / x.statsEvents : NaN)),
    // Per full GC, everything leakwatch metered: callback + delivery (full GCs are delivered).
    fullGcNs: per((x) =>
      x.gcCount.markSweepCompact > 0 ? ((x.selfTimeByKindMs.markSweepCompact + x.deliverySelfTimeMs) * 1e6) / x.gcCount.markSweepCompact : NaN,
    ),
    // take_batch of the very first batch of the process (the pre-work full GC) vs later ones.
    firstBatchNs: summary(firstBatch),
    laterBatchMedianNs: summary(laterBatches),
    maxBatchNs: summary(maxBatch),
    // Everything leakwatch metered, divided by all GCs of the window: comparable with the
    // side-by-side ns per GC.
    totalNsPerGc: per((x) => ((x.selfTimeByKindMs.total + x.deliverySelfTimeMs) * 1e6) / x.gcCount.total),
  };
}

/**
 * The analysis of a run, per workload: `rounds` is an array of { [workload]: { [variant]:
 * child result } } (a failed run has `error`), `variants` the variants that ran.
 */
function analyse(rounds, variants) {
  const out = {};
  for (const w of WORKLOADS) {
    // Rounds where the reference runs (A, and B for the GC counts) succeeded.
    const base = rounds.map((r) => r[w]).filter((r) => ok(r.A) && ok(r.B));
    const rowsOf = (v) => base.filter((r) => ok(r[v]));
    const medians = {};
    for (const v of variants) medians[v] = variantMedians(rowsOf(v), v);
    const paired = {};
    for (const v of variants.filter((x) => x !== 'A')) paired[v] = pairedWithA(rowsOf(v), v);
    const noise = noiseBand(rowsOf('A2'));
    const selfMetered = {};
    for (const v of LEAKWATCH.filter((x) => variants.includes(x))) selfMetered[v] = selfMeteredCost(rowsOf(v), v);
    out[w] = { rounds: base.length, medians, paired, noise, selfMetered };
  }
  return out;
}

/** Is B's ratio to no addon inside the no-addon noise band of this workload? */
function withinNoise(a) {
  const r = a.paired.B.cpuRatio.median;
  return Math.abs(r - 1) <= a.noise.medianAbsRatioMinus1 || (r >= a.noise.ratioIqr[0] && r <= a.noise.ratioIqr[1]);
}

/** leakwatch (B) against one anchor, from the per-round CPU(B)/CPU(anchor). */
function againstAnchor(s) {
  if (!(s.n > 0)) return '–';
  if (s.median <= 1) return 'at or below';
  if (s.p25 <= 1) return 'tie (IQR spans 1)';
  return 'above';
}

module.exports = { rng, shuffle, quantile, median, summary, analyse, noiseBand, pairedWithA, withinNoise, againstAnchor };
