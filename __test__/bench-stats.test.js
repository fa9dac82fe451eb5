'use strict';
// The overhead benchmark's pure statistics (bench/lib/stats.js) and table cells
// (bench/lib/markdown.js): quantiles of known arrays, the seeded run order, and `analyse` on a
// small synthetic run whose paired ratios, per-GC costs, noise band and self-metered costs are
// worked out by hand below. No child process, no addon: plain numbers in, numbers out.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const BENCH_LIB = path.join(__dirname, '..', 'bench', 'lib');
const { rng, shuffle, quantile, median, summary, analyse, withinNoise, againstAnchor } = require(path.join(BENCH_LIB, 'stats'));
const { ns, signed, pct, iqr3, table, verdict } = require(path.join(BENCH_LIB, 'markdown'));

/** Equal up to floating-point rounding (the inputs below are decimal fractions). */
function near(actual, expected, message) {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${message}: ${actual} is not ${expected}`);
}

test('quantile interpolates linearly between the sorted values and ignores non-finite ones', () => {
  const values = [3, 1, 4, 2];
  assert.equal(quantile(values, 0), 1);
  assert.equal(quantile(values, 0.25), 1.75);
  assert.equal(quantile(values, 0.5), 2.5);
  assert.equal(quantile(values, 0.75), 3.25);
  assert.equal(quantile(values, 1), 4);
  assert.deepEqual(values, [3, 1, 4, 2], 'the input is not sorted in place');
  assert.equal(median([5, NaN, 1, Infinity, -Infinity]), 3);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([NaN, null, undefined])));
});

test('summary gives median, quartiles, range and the count of finite values', () => {
  assert.deepEqual(summary([50, 10, NaN, 40, 20, 30]), { median: 30, p25: 20, p75: 40, min: 10, max: 50, n: 5 });
  const empty = summary([NaN]);
  assert.equal(empty.n, 0);
  assert.ok(Number.isNaN(empty.median));
});

test('shuffle is a Fisher–Yates permutation driven by the random source, input untouched', () => {
  const items = ['a', 'b', 'c', 'd'];
  // random() = 0 always picks j = 0: swap(3,0), swap(2,0), swap(1,0).
  assert.deepEqual(
    shuffle(items, () => 0),
    ['b', 'c', 'd', 'a'],
  );
  // random() just below 1 always picks j = i: nothing moves.
  assert.deepEqual(
    shuffle(items, () => 0.999999),
    items,
  );
  assert.deepEqual(items, ['a', 'b', 'c', 'd']);
});

test('a --seed reproduces the run order: rng is deterministic and the order is pinned', () => {
  const a = rng(12345);
  const b = rng(12345);
  const first = [a(), a(), a()];
  assert.deepEqual([b(), b(), b()], first);
  for (const x of first) assert.ok(x >= 0 && x < 1);
  // Pinned (mulberry32): a change here makes published seeds give another order.
  near(first[0], 0.9797282677609473, 'rng(12345) first value');
  const jobs = 'abcdefgh'.split('');
  assert.equal(shuffle(jobs, rng(1)).join(''), 'cbghedaf');
  assert.equal(shuffle(jobs, rng(2)).join(''), 'eahdgbcf');
  assert.deepEqual(shuffle(jobs, rng(1)), shuffle(jobs, rng(1)));
  assert.deepEqual([...shuffle(jobs, rng(99))].sort(), jobs);
});

// A synthetic run: 3 rounds, the same numbers on every workload. Per round (r = 0, 1, 2):
//   A  CPU 100 ms; A' 101, 98, 104 ms; B 110, 102, 103 ms; C 104 ms; P (an anchor) 120, 90, 105 ms.
//   B's work: 990 scavenges + 10 full GCs = 1000 GCs; C counts its own: 500 GCs (495 + 5).
//   leakwatch's window: 1000 scavenges + 11 full GCs; self time of scavenges 0.04, 0.05, 0.06 ms,
//   of full GCs 0.011 ms, delivery 0.022 ms in 11 batches / 11 events; batches of 5, 1, 3, 2 µs.
const A2_CPU = [101, 98, 104];
const B_CPU = [110, 102, 103];
const P_CPU = [120, 90, 105];
const SCAVENGE_SELF_MS = [0.04, 0.05, 0.06];

function leakwatchRun(cpuMs, work, r) {
  return {
    cpuMs,
    wallMs: cpuMs * 2,
    exitedOnItsOwn: true,
    workGcCount: { ...work, incrementalMarking: 0, total: work.scavenge + work.markSweepCompact },
    window: {
      gcCount: { scavenge: 1000, markSweepCompact: 11, incrementalMarking: 0, total: 1011 },
      gcTimeMs: { total: 12 },
      selfTimeByKindMs: { scavenge: SCAVENGE_SELF_MS[r], markSweepCompact: 0.011, incrementalMarking: 0, total: SCAVENGE_SELF_MS[r] + 0.011 },
      deliverySelfTimeMs: 0.022,
      statsEvents: 11,
      batches: 11,
    },
    events: { dropped: 0 },
    batchMs: [0.005, 0.001, 0.003, 0.002],
  };
}

function syntheticRounds() {
  return [0, 1, 2].map((r) => {
    const one = () => ({
      A: { cpuMs: 100, wallMs: 200, exitedOnItsOwn: true },
      A2: { cpuMs: A2_CPU[r], wallMs: 2 * A2_CPU[r], exitedOnItsOwn: true },
      B: leakwatchRun(B_CPU[r], { scavenge: 990, markSweepCompact: 10 }, r),
      C: leakwatchRun(104, { scavenge: 495, markSweepCompact: 5 }, r),
      P: { cpuMs: P_CPU[r], wallMs: 2 * P_CPU[r], anchorSeen: 1200 + r, exitedOnItsOwn: true },
    });
    return { scavenge: one(), service: one(), fullgc: one() };
  });
}

const VARIANTS = ['A', 'A2', 'B', 'C', 'P'];

test('analyse: paired ratios and per-GC costs, by round against A, per GC of B (C: its own)', () => {
  const analysis = analyse(syntheticRounds(), VARIANTS);
  assert.deepEqual(Object.keys(analysis), ['scavenge', 'service', 'fullgc']);
  const a = analysis.scavenge;
  assert.equal(a.rounds, 3);
  assert.deepEqual(Object.keys(a.paired), ['A2', 'B', 'C', 'P'], 'A is the reference, not paired with itself');

  // B / A per round: 1.10, 1.02, 1.03.
  const b = a.paired.B;
  assert.equal(b.n, 3);
  near(b.cpuRatio.median, 1.03, 'B cpu ratio median');
  near(b.cpuRatio.p25, 1.025, 'B cpu ratio p25');
  near(b.cpuRatio.p75, 1.065, 'B cpu ratio p75');
  near(b.cpuRatio.min, 1.02, 'B cpu ratio min');
  near(b.cpuRatio.max, 1.1, 'B cpu ratio max');
  near(b.wallRatio.median, 1.03, 'B wall ratio median');
  // (B − A) = 10, 2, 3 ms over 1000 GCs, 990 scavenges, 10 full GCs: the median is round 3's 3 ms.
  near(b.nsPerGc.median, 3000, 'B ns per GC');
  near(b.nsPerScavenge.median, 3e6 / 990, 'B ns per scavenge');
  near(b.nsPerFullGc.median, 3e5, 'B ns per full GC');
  near(b.bOverThis.median, 1, 'B / B');

  // C divides by its own 500 GCs: 4 ms → 8000 ns (with B's 1000 it would be 4000).
  near(a.paired.C.nsPerGc.median, 8000, 'C ns per GC, own count');
  near(a.paired.C.nsPerFullGc.median, 8e5, 'C ns per full GC, own count');

  // The anchor: P / A = 1.2, 0.9, 1.05; B / P = 0.9167, 1.1333, 0.98095; (P − A) per B's GC.
  const p = a.paired.P;
  near(p.cpuRatio.median, 1.05, 'P cpu ratio median');
  near(p.bOverThis.median, 103 / 105, 'B / P median');
  near(p.bOverThis.p25, (110 / 120 + 103 / 105) / 2, 'B / P p25');
  near(p.nsPerGc.median, 5000, 'P ns per GC, counted by B');
  assert.equal(againstAnchor(p.bOverThis), 'at or below');

  const m = a.medians;
  assert.equal(m.B.cpuMs, 103);
  assert.equal(m.B.scavenges, 990);
  assert.equal(m.B.fullGcs, 10);
  assert.equal(m.B.seen, 1011, 'leakwatch: GCs of its window');
  assert.equal(m.P.seen, 1201, 'anchor: what its hook reported');
  near(m.B.selfMs, 0.05 + 0.011 + 0.022, 'B self ms');
  assert.equal(m.A.scavenges, null, 'A does not count GCs');
  assert.equal(m.A.seen, null);
});

test("analyse: the noise band is the spread of A' against A", () => {
  const { noise } = analyse(syntheticRounds(), VARIANTS).fullgc;
  // A'/A = 1.01, 0.98, 1.04: |x − 1| = 0.01, 0.02, 0.04.
  near(noise.medianAbsRatioMinus1, 0.02, "median |A'/A − 1|");
  near(noise.ratioIqr[0], 0.995, 'ratio p25');
  near(noise.ratioIqr[1], 1.025, 'ratio p75');
  // (A' − A) = 1, −2, 4 ms over B's 1000 GCs: 1000, −2000, 4000 ns.
  near(noise.medianAbsNsPerGc, 2000, 'median |ns per GC|');
  near(noise.nsPerGcIqr[0], -500, 'ns per GC p25');
  near(noise.nsPerGcIqr[1], 2500, 'ns per GC p75');
});

test('analyse: self-metered cost per GC of each kind, leakwatch variants only', () => {
  const { selfMetered } = analyse(syntheticRounds(), VARIANTS).service;
  assert.deepEqual(Object.keys(selfMetered), ['B', 'C']);
  const s = selfMetered.B;
  // 0.04, 0.05, 0.06 ms over 1000 scavenges.
  near(s.callbackNsPerScavenge.median, 50, 'callback per scavenge');
  near(s.callbackNsPerScavenge.p25, 45, 'callback per scavenge p25');
  near(s.callbackNsPerScavenge.p75, 55, 'callback per scavenge p75');
  near(s.callbackNsPerFullGc.median, 1000, 'callback per full GC: 0.011 ms / 11');
  assert.ok(Number.isNaN(s.callbackNsPerIncrementalMarking.median), 'no incremental marking: no figure');
  assert.equal(s.callbackNsPerIncrementalMarking.n, 0);
  near(s.deliveryNsPerBatch.median, 2000, 'delivery per batch: 0.022 ms / 11');
  near(s.deliveryNsPerFullGc.median, 2000, 'delivery per full GC');
  near(s.deliveryNsPerEvent.median, 2000, 'delivery per event');
  near(s.fullGcNs.median, 3000, 'callback + delivery per full GC');
  near(s.firstBatchNs.median, 5000, 'first batch');
  near(s.laterBatchMedianNs.median, 2000, 'median of the later batches 1, 3, 2 µs');
  near(s.maxBatchNs.median, 5000, 'largest batch');
  near(s.totalNsPerGc.median, ((0.05 + 0.011 + 0.022) * 1e6) / 1011, 'everything metered per GC of the window');
});

test('analyse: failed runs leave their round out, for that variant or (A, B failed) for all', () => {
  const clean = analyse(syntheticRounds(), VARIANTS);

  const aFailed = syntheticRounds();
  aFailed.push(structuredClone(aFailed[0]));
  aFailed[3].scavenge.A = { error: 'no result (exit 1, signal null): boom' };
  const withFailedA = analyse(aFailed, VARIANTS);
  assert.equal(withFailedA.scavenge.rounds, 3, 'a round without A is no round');
  assert.deepEqual(withFailedA.scavenge, clean.scavenge);
  assert.equal(withFailedA.service.rounds, 4, 'other workloads of that round still count');

  const pFailed = syntheticRounds();
  pFailed[2].fullgc.P = { error: 'timed out' };
  const p = analyse(pFailed, VARIANTS).fullgc;
  assert.equal(p.rounds, 3);
  assert.equal(p.paired.P.n, 2);
  near(p.paired.P.cpuRatio.median, 1.05, 'P / A over 1.2, 0.9');
  near(p.paired.P.bOverThis.median, (110 / 120 + 102 / 90) / 2, 'B / P over two rounds');
  assert.equal(p.paired.B.n, 3, 'B keeps all its rounds');
});

test("withinNoise: B inside the noise band or inside the IQR of A'/A", () => {
  const at = (ratio) => ({ paired: { B: { cpuRatio: { median: ratio } } }, noise: { medianAbsRatioMinus1: 0.02, ratioIqr: [0.99, 1.03] } });
  assert.equal(withinNoise(at(1.01)), true);
  assert.equal(withinNoise(at(0.985)), true, '|0.985 − 1| ≤ 0.02');
  assert.equal(withinNoise(at(1.025)), true, 'inside the IQR');
  assert.equal(withinNoise(at(1.04)), false);
  assert.equal(withinNoise(analyse(syntheticRounds(), VARIANTS).scavenge), false, 'B at 1.03 vs noise ± 2 %, IQR [0.995, 1.025]');
});

test('againstAnchor: below, tie when the IQR spans 1, above', () => {
  assert.equal(againstAnchor({ n: 0 }), '–');
  assert.equal(againstAnchor({ n: 3, median: 0.98, p25: 0.9 }), 'at or below');
  assert.equal(againstAnchor({ n: 3, median: 1.02, p25: 0.99 }), 'tie (IQR spans 1)');
  assert.equal(againstAnchor({ n: 3, median: 1.05, p25: 1.01 }), 'above');
});

test('table cells: ns/µs/ms, signs, percentages, median [IQR], verdicts, and the markdown table', () => {
  assert.equal(ns(85.4), '85 ns');
  assert.equal(ns(1500), '1.5 µs');
  assert.equal(ns(25_000), '25 µs');
  assert.equal(ns(2_500_000), '2.5 ms');
  assert.equal(ns(NaN), '–');
  assert.equal(signed(-1500), '−1.5 µs');
  assert.equal(signed(300), '+300 ns');
  assert.equal(pct(0.0234), '2.3 %');
  assert.equal(iqr3({ median: 1.03, p25: 1.025, p75: 1.065 }), '1.030 [1.025, 1.065]');
  assert.equal(verdict(80, 100), 'met');
  assert.equal(verdict(250, 100), 'NOT met (2.5× the goal)');
  assert.equal(table(['a', 'b'], [['1', '2']]), '| a | b |\n|---|---|\n| 1 | 2 |');
});
