'use strict';
// The replayable LeakDetector: behaviour on synthetic traces, input and option validation,
// and the public recorded traces of the shared eval suite (copied into __test__/data/eval-traces).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const leakwatch = require('..');
const { ClassicRule } = require('../scripts/classic-rule');

const { LeakDetector } = leakwatch;
const MB = 1e6;
const MIB = 1024 * 1024;

const DEFAULTS = {
  windowMs: 86_400_000,
  minDurationMs: 30_000,
  minSamples: 16,
  minGrowthBytes: 8 * MIB,
  minGrowthPercent: 5,
  confidence: 0.99,
  realert: true,
};

/** Deterministic uniform [0, 1) numbers (LCG), so every run sees the same noise. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Post-GC samples every `intervalMs`: `shape(t)` bytes plus ±`noise` bytes. */
function makeTrace({ samples, intervalMs = 2500, noise = 1 * MB, seed = 7, shape }) {
  const rand = lcg(seed);
  return Array.from({ length: samples }, (_, i) => {
    const timestamp = i * intervalMs;
    return { timestamp, usedHeapSize: Math.round(shape(timestamp) + (rand() * 2 - 1) * noise) };
  });
}

const linear = (base, bytesPerMinute) => (t) => base + (bytesPerMinute * t) / 60_000;

/** Feeds every sample; returns [{ index, report }] for the samples that raised an alert. */
function replay(samples, detector = new LeakDetector()) {
  const alerts = [];
  samples.forEach((sample, index) => {
    const report = detector.update(sample);
    if (report !== null) alerts.push({ index, report });
  });
  return alerts;
}

function assertSensibleReport(report, { rate, base }) {
  assert.equal(typeof report.reason, 'string');
  assert.match(report.reason, /MB/, report.reason);
  assert.match(report.reason, /\/min/, report.reason);
  assert.equal(report.episode, 1);
  assert.equal(report.repeat, 0);
  assert.ok(report.samples >= 16, `samples ${report.samples}`);
  assert.ok(report.startTimestamp <= report.timestamp, 'startTimestamp <= timestamp');
  assert.ok(report.durationMs >= 30_000, `durationMs ${report.durationMs}`);
  assert.ok(report.growthBytes >= 8 * MIB, `growthBytes ${report.growthBytes}`);
  const err = Math.abs(report.growthRateBytesPerMinute - rate) / rate;
  assert.ok(err <= 0.3, `rate ${report.growthRateBytesPerMinute} vs true ${rate} (${(err * 100).toFixed(0)}% off)`);
  // The fitted growth over the episode agrees with the rate and the duration.
  const expected = (report.growthRateBytesPerMinute * report.durationMs) / 60_000;
  assert.ok(Math.abs(report.growthBytes - expected) <= 0.05 * expected, 'growthBytes = rate x duration');
  assert.ok(report.confidence >= 0.99 && report.confidence <= 1, `confidence ${report.confidence}`);
  assert.ok(Math.abs(report.baselineBytes - base) <= 5 * MB, `baselineBytes ${report.baselineBytes} vs ${base}`);
  assert.ok(report.endUsedHeapSize > report.startUsedHeapSize, 'end above start');
  for (const [key, value] of Object.entries(report)) {
    if (typeof value === 'number') assert.ok(Number.isFinite(value) && value >= 0, `${key} = ${value}`);
  }
}

// 30 MB/min, a full GC every 2.5 s, ±1 MB of noise: 30 samples = 72.5 s.
const LEAK = { rate: 30 * MB, base: 40 * MB };
const leakTrace = (samples = 30) => makeTrace({ samples, shape: linear(LEAK.base, LEAK.rate) });

test('a linear leak fires once, with a sensible payload', () => {
  const samples = leakTrace();
  const alerts = replay(samples);
  assert.equal(alerts.length, 1, `alerts at ${alerts.map((a) => a.index)}`);
  const { index, report } = alerts[0];
  // At least 16 full GCs and 30 s of evidence, and not much more than that.
  assert.ok(index >= 15 && index <= 25, `fired at sample ${index}`);
  assert.equal(report.timestamp, samples[index].timestamp);
  assert.equal(report.endUsedHeapSize, samples[index].usedHeapSize);
  assertSensibleReport(report, LEAK);
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'the report is plain JSON');
});

test('update() returns exactly null when there is nothing to report', () => {
  const d = new LeakDetector();
  for (const sample of leakTrace(15)) assert.strictEqual(d.update(sample), null);
  assert.strictEqual(d.update({ timestamp: 1e6, usedHeapSize: 40 * MB }), null);
});

test('a sustained leak re-alerts within the same episode, unless realert is false', () => {
  const samples = leakTrace(120);
  const alerts = replay(samples);
  assert.ok(alerts.length >= 2, `${alerts.length} alerts`);
  alerts.forEach(({ report }, i) => {
    assert.equal(report.episode, 1);
    assert.equal(report.repeat, i);
  });
  for (let i = 1; i < alerts.length; i++) {
    assert.ok(alerts[i].index - alerts[i - 1].index >= 16, 're-alerts need fresh evidence');
  }
  assert.equal(replay(samples, new LeakDetector({ realert: false })).length, 1);
});

test('a flat noisy heap never fires', () => {
  // 30 min of a 60 MB heap with ±4 MB of GC-to-GC noise and a GC every 2.5 s.
  const samples = makeTrace({ samples: 720, noise: 4 * MB, seed: 3, shape: () => 60 * MB });
  assert.deepEqual(replay(samples), []);
});

test('a warm-up plateau never fires', () => {
  for (const tauMs of [8_000, 15_000, 20_000]) {
    // A cache fills as 60 MB x (1 - e^(-t/tau)) over a 20 MB base, then stays: 10 min.
    const shape = (t) => 20 * MB + 60 * MB * (1 - Math.exp(-t / tauMs));
    const samples = makeTrace({ samples: 240, shape, seed: tauMs });
    assert.deepEqual(replay(samples), [], `tau ${tauMs} ms`);
  }
});

test('the classic 5-increases baseline false-alarms on a warm-up that leakwatch ignores', () => {
  const shape = (t) => 20 * MB + 60 * MB * (1 - Math.exp(-t / 20_000));
  const samples = makeTrace({ samples: 120, shape, noise: 0.2 * MB });
  assert.ok(replay(samples, new ClassicRule()).length > 0, 'the classic rule fires');
  assert.equal(replay(samples).length, 0, 'leakwatch does not');
});

test('a leak that starts after a healthy phase is dated from its onset', () => {
  const shape = (t) => (t < 60_000 ? 40 * MB : 40 * MB + (30 * MB * (t - 60_000)) / 60_000);
  const samples = makeTrace({ samples: 50, shape });
  const alerts = replay(samples);
  assert.equal(alerts.length, 1);
  const { report } = alerts[0];
  assert.ok(report.timestamp > 60_000, 'not before the leak started');
  assert.ok(Math.abs(report.startTimestamp - 60_000) <= 10_000, `startTimestamp ${report.startTimestamp}`);
  assertSensibleReport(report, LEAK);
});

const BAD_SAMPLES = [
  ['a number', 5, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['null', null, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['a string', 'sample', TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['no timestamp', { usedHeapSize: 50 * MB }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['no usedHeapSize', { timestamp: 1 }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['an empty object', {}, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['a string timestamp', { timestamp: '1000', usedHeapSize: 50 * MB }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['a string usedHeapSize', { timestamp: 1000, usedHeapSize: '50' }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['a bigint usedHeapSize', { timestamp: 1000, usedHeapSize: 50n }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['a NaN timestamp', { timestamp: NaN, usedHeapSize: 50 * MB }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['a NaN usedHeapSize', { timestamp: 1000, usedHeapSize: NaN }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['an infinite timestamp', { timestamp: Infinity, usedHeapSize: 50 * MB }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['an infinite usedHeapSize', { timestamp: 1000, usedHeapSize: Infinity }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
  ['a negative timestamp', { timestamp: -1, usedHeapSize: 50 * MB }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE'],
  ['a negative usedHeapSize', { timestamp: 1000, usedHeapSize: -1 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE'],
];

test('with heapSizeLimit, a report says when the floor reaches the limit; without, null', () => {
  const samples = makeTrace({ samples: 120, shape: linear(20 * MB, 30 * MIB) });
  const limit = 512 * MIB;
  const [withLimit] = replay(samples.map((s) => ({ ...s, heapSizeLimit: limit })));
  assert.ok(withLimit, 'fires');
  const r = withLimit.report;
  const expected = ((limit - r.endUsedHeapSize) / r.growthRateBytesPerMinute) * 60_000;
  assert.ok(Math.abs(r.estimatedTimeToLimitMs - expected) <= 0.15 * expected, `${r.estimatedTimeToLimitMs} vs ${expected}`);
  assert.match(r.reason, /; heap limit \(512\.0 MB\) reached in ~\d+ min at this rate$/, r.reason);
  const [without] = replay(samples);
  assert.equal(without.report.estimatedTimeToLimitMs, null);
  assert.ok('estimatedTimeToLimitMs' in without.report);
  assert.match(without.report.reason, /full GCs$/);
  // A bad limit is rejected like any bad sample field.
  const d = new LeakDetector();
  assert.throws(() => d.update({ timestamp: 0, usedHeapSize: MB, heapSizeLimit: '4GB' }), { name: 'TypeError', code: 'ERR_LEAKWATCH_INVALID_TYPE' });
  assert.throws(() => d.update({ timestamp: 0, usedHeapSize: MB, heapSizeLimit: -1 }), { name: 'RangeError', code: 'ERR_LEAKWATCH_OUT_OF_RANGE' });
  assert.throws(() => d.update({ timestamp: 0, usedHeapSize: MB, heapSizeLimit: NaN }), { code: 'ERR_LEAKWATCH_INVALID_TYPE' });
});

test('bad samples throw with a code', () => {
  const d = new LeakDetector();
  for (const [what, sample, Type, code] of BAD_SAMPLES) {
    assert.throws(
      () => d.update(sample),
      (err) => {
        assert.ok(err instanceof Type, `${what}: ${err.constructor.name} ${err.message}`);
        assert.equal(err.code, code, what);
        assert.ok(err.message.length > 10, what);
        return true;
      },
    );
  }
  // Going backwards in time.
  d.update({ timestamp: 10_000, usedHeapSize: 50 * MB });
  assert.throws(
    () => d.update({ timestamp: 9_999, usedHeapSize: 50 * MB }),
    (err) => {
      assert.ok(err instanceof RangeError, err.message);
      assert.equal(err.code, 'ERR_LEAKWATCH_OUT_OF_RANGE');
      assert.match(err.message, /timestamp/);
      return true;
    },
  );
  // An equal timestamp is fine (two GCs in the same millisecond).
  assert.equal(d.update({ timestamp: 10_000, usedHeapSize: 50 * MB }), null);
});

test('a bad sample leaves the state untouched: the alert comes at the same sample', () => {
  const samples = leakTrace();
  const [clean] = replay(samples);
  assert.ok(clean, 'the clean trace fires');
  const backwards = (i) => ({ timestamp: samples[i - 1].timestamp - 1, usedHeapSize: 1e12 });
  const bads = [...BAD_SAMPLES.map(([what, sample]) => [what, () => sample]), ['a timestamp going backwards', backwards]];
  for (const [what, bad] of bads) {
    for (const at of [1, 8, clean.index]) {
      const d = new LeakDetector();
      let alert = null;
      samples.forEach((sample, i) => {
        if (i === at) {
          assert.throws(() => d.update(bad(i)), /./, what);
          if (i !== clean.index) assert.equal(d.suspected, false, `${what}: suspected unchanged`);
        }
        const report = d.update(sample);
        if (report && !alert) alert = { index: i, report };
      });
      assert.ok(alert, `${what} at ${at}: fires`);
      assert.equal(alert.index, clean.index, `${what} at ${at}: same sample`);
      assert.deepEqual(alert.report, clean.report, `${what} at ${at}: same report`);
    }
  }
});

test('options: the defaults, and given options merged over them', () => {
  assert.deepEqual(new LeakDetector().options, DEFAULTS);
  assert.deepEqual(new LeakDetector({}).options, DEFAULTS);
  assert.deepEqual(new LeakDetector(undefined).options, DEFAULTS);
  assert.deepEqual(new LeakDetector({ minSamples: undefined }).options, DEFAULTS);
  assert.deepEqual(leakwatch.options.leak, DEFAULTS, 'the live monitor uses the same defaults');
  const given = { minSamples: 24, confidence: 0.999, realert: false, minGrowthBytes: 0 };
  assert.deepEqual(new LeakDetector(given).options, { ...DEFAULTS, ...given });
  // The getter hands out a copy.
  const d = new LeakDetector();
  d.options.minSamples = 99;
  assert.equal(d.options.minSamples, 16);
});

test('options: unknown, mistyped and out-of-range options are rejected', () => {
  const cases = [
    // [options, ErrorType, code, message patterns]
    [{ threshold: 5 }, TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION', [/threshold/, /minSamples/]],
    [{ minsamples: 16 }, TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION', [/minsamples/]],
    [null, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/options/]],
    [[], TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/options/]],
    [16, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/options/]],
    [{ windowMs: '60000' }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/windowMs/, /number/]],
    [{ realert: 1 }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/realert/, /boolean/]],
    [{ windowMs: NaN }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/windowMs/]],
    [{ confidence: NaN }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/confidence/]],
    [{ minGrowthBytes: Infinity }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', [/minGrowthBytes/]],
    [{ windowMs: 59_999 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/windowMs/, /60000/, /604800000/]],
    [{ windowMs: 604_800_001 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/windowMs/, /604800000/]],
    [{ minDurationMs: -1 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minDurationMs/, /between 0 and/]],
    [{ minDurationMs: 120_000, windowMs: 60_000 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minDurationMs/, /windowMs/]],
    [{ minSamples: 5 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minSamples/, /between 6 and 256/, /5/]],
    [{ minSamples: 257 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minSamples/, /between 6 and 256/]],
    [{ minSamples: 16.5 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minSamples/, /16\.5/]],
    [{ minGrowthBytes: -1 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minGrowthBytes/, /between 0 and/]],
    [{ minGrowthPercent: -0.5 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minGrowthPercent/, /between 0 and 1000/]],
    [{ minGrowthPercent: 1001 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/minGrowthPercent/, /between 0 and 1000/]],
    [{ confidence: 0.4 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/confidence/, /between 0.5 and 0.999999/]],
    [{ confidence: 1 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', [/confidence/, /between 0.5 and 0.999999/]],
  ];
  for (const [options, Type, code, patterns] of cases) {
    const label = JSON.stringify(options) ?? String(options);
    assert.throws(
      () => new LeakDetector(options),
      (err) => {
        assert.ok(err instanceof Type, `${label}: ${err.constructor.name}: ${err.message}`);
        assert.equal(err.code, code, label);
        for (const p of patterns) assert.match(err.message, p, label);
        return true;
      },
    );
  }
  // The bounds themselves are accepted.
  for (const options of [
    { windowMs: 60_000, minDurationMs: 60_000 },
    { windowMs: 604_800_000 },
    { minSamples: 6 },
    { minSamples: 256 },
    { minDurationMs: 0, minGrowthBytes: 0, minGrowthPercent: 0 },
    { minGrowthPercent: 1000 },
    { confidence: 0.5 },
    { confidence: 0.999999 },
  ]) {
    assert.doesNotThrow(() => new LeakDetector(options), JSON.stringify(options));
  }
});

test('reset() forgets samples, episodes and the last timestamp', () => {
  const samples = leakTrace(40);
  const [clean] = replay(samples);

  // Reset just before the alert: the evidence is gone, so no alert there.
  const d = new LeakDetector();
  for (const s of samples.slice(0, clean.index)) d.update(s);
  d.reset();
  assert.equal(d.suspected, false);
  assert.equal(d.update(samples[clean.index]), null, 'no alert right after reset');

  // Reset after an alert: the same trace replayed from scratch (time going back to 0 is fine)
  // alerts at the same sample with the same report, episode 1 again.
  const again = new LeakDetector();
  assert.equal(replay(samples.slice(0, clean.index + 1), again).length, 1);
  again.reset();
  assert.deepEqual(replay(samples, again)[0], clean);
  assert.deepEqual(again.options, DEFAULTS, 'options are kept');
});

test('heaps above 4 GiB: exact byte counts and the right rate', () => {
  const base = 5e9;
  const rate = 300 * MB; // 6 %/min of a 5 GB heap; the default 5 % growth floor is 250 MB
  const samples = makeTrace({ samples: 60, noise: 5 * MB, shape: linear(base, rate) });
  const [first] = replay(samples);
  assert.ok(first, 'fires');
  const { report } = first;
  assert.equal(report.endUsedHeapSize, samples[first.index].usedHeapSize, 'no 32-bit truncation');
  assert.ok(report.startUsedHeapSize > 4 * 2 ** 30);
  assert.ok(Math.abs(report.baselineBytes - base) <= 10 * MB, `baselineBytes ${report.baselineBytes}`);
  assert.ok(report.growthBytes >= 0.05 * base, `growthBytes ${report.growthBytes}`);
  assert.ok(Math.abs(report.growthRateBytesPerMinute - rate) / rate <= 0.3, `rate ${report.growthRateBytesPerMinute}`);
  assert.match(report.reason, /GB|MB/);

  // With the percentage floor off, 30 MB/min on a 5 GB heap is a leak like any other.
  const slow = makeTrace({ samples: 40, shape: linear(base, 30 * MB) });
  const [alert] = replay(slow, new LeakDetector({ minGrowthPercent: 0 }));
  assert.ok(alert, 'fires with minGrowthPercent: 0');
  assertSensibleReport(alert.report, { rate: 30 * MB, base });
});

test('a shrinking heap never fires and a later leak reports positive numbers', () => {
  // 500 MB shrinking by 30 MB/min for 5 min, then a leak of 30 MB/min.
  const shape = (t) => (t < 300_000 ? 500 * MB - (30 * MB * t) / 60_000 : 350 * MB + (30 * MB * (t - 300_000)) / 60_000);
  const samples = makeTrace({ samples: 400, shape });
  const shrinking = samples.filter((s) => s.timestamp < 300_000);
  assert.deepEqual(replay(shrinking), [], 'no alert while shrinking');
  const alerts = replay(samples);
  assert.ok(alerts.length >= 1, 'the leak is found');
  const { report } = alerts[0];
  // The heap came down from 500 MB: the new-high rule holds the alert back until the floor is a
  // growth threshold (5 % of 350 MB) above that earlier high.
  assert.ok(report.endUsedHeapSize >= 500 * MB + 0.05 * 350 * MB, `alert at ${report.endUsedHeapSize} bytes`);
  assert.ok(report.startTimestamp >= 270_000, `startTimestamp ${report.startTimestamp}`);
  assert.ok(report.timestamp > 300_000);
  assertSensibleReport(report, { rate: 30 * MB, base: 350 * MB });
});

// ---- the public recorded traces of the eval suite (__test__/data/eval-traces) ------------

// A copy of the eval suite's public traces lives in the repo; LEAKWATCH_EVAL_DIR points at
// another suite's traces instead.
const TRACES_DIR = process.env.LEAKWATCH_EVAL_DIR ? path.resolve(process.env.LEAKWATCH_EVAL_DIR, 'traces') : path.join(__dirname, 'data', 'eval-traces');

test('the public eval traces pass with the defaults', () => {
  const { traces } = JSON.parse(fs.readFileSync(path.join(TRACES_DIR, 'manifest.json'), 'utf8'));
  assert.ok(traces.length > 0);
  const failures = [];
  for (const entry of traces) {
    const samples = fs
      .readFileSync(path.join(TRACES_DIR, entry.file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((s) => ({ timestamp: s.t, usedHeapSize: s.used }));
    const fires = replay(samples).map(({ report }) => report.timestamp);
    const start = entry.leakStartMs || 0;
    let why = null;
    if (!entry.expectLeak) {
      if (fires.length) why = `false alarm at ${fires[0]} ms`;
    } else if (!fires.length) {
      why = 'missed';
    } else if (fires[0] < start) {
      why = `fired at ${fires[0]} ms, before the leak started at ${start} ms`;
    } else if (fires[0] - start > entry.maxDetectMs) {
      why = `late: ${fires[0] - start} ms after the start, budget ${entry.maxDetectMs} ms`;
    } else if (entry.mustNotFireAfterMs != null && fires[fires.length - 1] > entry.mustNotFireAfterMs) {
      why = `still firing at ${fires[fires.length - 1]} ms`;
    }
    if (why) failures.push(`${entry.file}: ${why}`);
  }
  assert.deepEqual(failures, []);
});
