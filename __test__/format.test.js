'use strict';
// lib/format.js, the one JS owner of sizes and durations: its strings, and that they are the
// very strings the Rust core writes into leak reasons (read back from real LeakDetector
// reports over synthetic traces of many sizes and time scales).
const test = require('node:test');
const assert = require('node:assert/strict');
const { LeakDetector } = require('..');
const { MB, bytes, clock, duration, mb, plural } = require('../lib/format');

test('one MB is 1024² bytes, labelled MB', () => {
  assert.equal(MB, 1024 * 1024);
  assert.equal(mb(35.2 * MB), '35.2 MB');
  assert.equal(mb(1_000_000), '1.0 MB'); // 0.95 MB would read "1.0 MB" under 1e6: it is 0.95...
  assert.equal(mb(1_000_000, 2), '0.95 MB');
  assert.equal(mb(0), '0.0 MB');
  assert.equal(mb(512 * MB, 0), '512 MB');
});

test('bytes() picks the unit as the leak reasons do', () => {
  assert.equal(bytes(512), '512 B');
  assert.equal(bytes(1536), '1.5 KB');
  assert.equal(bytes(48.2 * MB), '48.2 MB');
  assert.equal(bytes(-3 * MB), '-3.0 MB');
  assert.equal(bytes(5e9), '4.7 GB');
  assert.equal(bytes(2 * 1024 ** 5), '2.0 PB');
  assert.equal(bytes(Number.NaN), '?');
  assert.equal(bytes(Infinity), '?');
});

test('duration(): "850ms", "41s", "3m12s", "1h05m", "3d04h"', () => {
  assert.equal(duration(850), '850ms');
  assert.equal(duration(41_000), '41s');
  assert.equal(duration(41_400), '41s');
  assert.equal(duration(59_600), '1m00s');
  assert.equal(duration(192_000), '3m12s');
  assert.equal(duration(3_900_000), '1h05m');
  assert.equal(duration(3_959_000), '1h05m'); // minutes are truncated, as in Rust
  assert.equal(duration(86_400_000), '1d00h');
  assert.equal(duration((3 * 86_400 + 4 * 3600 + 59 * 60) * 1000), '3d04h');
  assert.equal(duration(-45_000), '-45s');
  assert.equal(duration(Number.NaN), '?');
});

test('exact ties round to even, as Rust formats them', () => {
  // Rust's `{:.1}` of 1.25 is "1.2", JS's (1.25).toFixed(1) is "1.3".
  assert.equal(mb(1.25 * MB), '1.2 MB');
  assert.equal(mb(1.75 * MB), '1.8 MB');
  assert.equal(bytes(2.25 * 1024), '2.2 KB');
  assert.equal(duration(850.5), '850ms');
  assert.equal(duration(851.5), '852ms');
  assert.equal(mb(1.3 * MB), '1.3 MB'); // not a tie
});

test('clock() and plural()', () => {
  assert.equal(clock(187_000), '3:07');
  assert.equal(clock(3_900_000), '1:05:00');
  assert.equal(clock(3_900_000, { seconds: false }), '1:05');
  assert.equal(plural(1, 'full GC'), '1 full GC');
  assert.equal(plural(2, 'full GC'), '2 full GCs');
});

/** Deterministic uniform [0, 1) numbers (LCG). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const REASON = /^heap grew (.+) in (\S+) \((.+)\/min\) over (\d+) full GCs(?:; heap limit \((.+)\) reached in (.+) at this rate)?$/;

test('bytes() and duration() print what the Rust reasons print for the same values', () => {
  const rand = lcg(12);
  const seen = { units: new Set(), durations: new Set() };
  let reports = 0;
  // Leaks from ~1 MB/min to ~2 GB/min, GCs from every second to every 20 minutes.
  for (const intervalMs of [1000, 2500, 7000, 60_000, 1_200_000]) {
    for (const perMinute of [1.5 * MB, 40 * MB, 700 * MB, 2100 * MB]) {
      const detector = new LeakDetector({ windowMs: 7 * 86_400_000, minDurationMs: 0, minGrowthBytes: 0, minGrowthPercent: 0 });
      const base = 50 * MB + rand() * 4 * 1024 ** 3;
      const heapSizeLimit = rand() < 0.5 ? undefined : base + (40 + rand() * 4000) * perMinute;
      for (let i = 0; i < 120; i++) {
        const timestamp = i * intervalMs;
        const usedHeapSize = base + (perMinute * timestamp) / 60_000 + (rand() * 2 - 1) * 0.2 * MB;
        const report = detector.update({ timestamp, usedHeapSize, heapSizeLimit });
        if (report === null) continue;
        reports++;
        const m = REASON.exec(report.reason);
        assert.ok(m, report.reason);
        const [, growth, span, rate, samples, limit] = m;
        assert.equal(growth, bytes(report.growthBytes), report.reason);
        assert.equal(span, duration(report.durationMs), report.reason);
        assert.equal(rate, bytes(report.growthRateBytesPerMinute), report.reason);
        assert.equal(Number(samples), report.samples, report.reason);
        assert.equal(limit, heapSizeLimit === undefined ? undefined : bytes(heapSizeLimit), report.reason);
        seen.units.add(growth.split(' ')[1]).add(rate.split(' ')[1]);
        seen.durations.add(span.replace(/\d+/g, 'N'));
      }
    }
  }
  assert.ok(reports >= 20, `only ${reports} reports`);
  // The comparison covered every unit and every duration form.
  for (const unit of ['MB', 'GB']) assert.ok(seen.units.has(unit), [...seen.units].join(' '));
  for (const form of ['Ns', 'NmNs', 'NhNm', 'NdNh']) assert.ok(seen.durations.has(form), [...seen.durations].join(' '));
});
