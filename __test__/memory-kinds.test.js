'use strict';
// Leaks outside the V8 heap, each its own kind of `leak` report from its own detector: Buffers
// kept in a Map are `external`, Intl.DateTimeFormat objects kept (native ICU memory) are `rss`,
// plain objects kept are `heap` and nothing else; and a burst freed again, a one-time 200 MB
// step and a warm-up stay silent for every kind. Real child processes (fixtures/memory-kinds.js,
// fast detector options), with the native V8 layer and without it (LEAKWATCH_NATIVE=off:
// samples from v8.GCProfiler, whose after-GC statistics have externalMemory and
// totalPhysicalSize too). The container's memory limit is simulated by the documented test
// hook LEAKWATCH_TEST_MEMORY_LIMIT_BYTES (lib/memory-limit.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const leakwatch = require('..');
const { runProcess } = require('./helpers');
const { needsBinary, needsV8Layer } = require('./native-mode');

const FIXTURE = path.join(__dirname, 'fixtures', 'memory-kinds.js');
const LIMIT = 4 * 1024 ** 3;
const rssSkip = needsBinary || (process.platform === 'linux' ? false : 'leakwatch reads RSS on Linux only');

const MODES = {
  // The native V8 layer: the shim's GC hook.
  v8: { skip: needsV8Layer || rssSkip, args: [], env: {} },
  // Degraded: v8.GCProfiler; gc() is V8's own, of --expose-gc.
  'gc-profiler': { skip: rssSkip, args: ['--expose-gc'], env: { LEAKWATCH_NATIVE: 'off' } },
};

async function run(mode, scenario) {
  const { args, env } = MODES[mode];
  const child = await runProcess([...args, FIXTURE, scenario], {
    env: { ...env, LEAKWATCH_TEST_MEMORY_LIMIT_BYTES: String(LIMIT) },
    timeoutMs: 60_000,
  });
  assert.equal(child.code, 0, child.context);
  assert.ok(child.result, child.context);
  assert.equal(child.result.native, mode, child.context);
  return { ...child.result, context: child.context };
}

const SUBJECT = { heap: 'heap', external: 'external memory', rss: String.raw`native memory \(RSS outside the V8 heap and external memory\)` };
const LIMIT_TEXT = { heap: String.raw`heap limit \([\d.]+ [MG]B\)`, external: String.raw`memory limit \(4\.0 GB\)`, rss: String.raw`memory limit \(4\.0 GB\)` };

const LEAKS = {
  buffers: 'external',
  intl: 'rss',
  heap: 'heap',
};

for (const [mode, { skip }] of Object.entries(MODES)) {
  test.describe(`with ${mode === 'v8' ? 'the native V8 layer' : 'v8.GCProfiler (LEAKWATCH_NATIVE=off)'}`, { concurrency: 2 }, () => {
    for (const [scenario, kind] of Object.entries(LEAKS)) {
      test(`${scenario}: one ${kind} report and no other kind`, { skip }, async () => {
        const r = await run(mode, scenario);
        assert.ok(r.leaks.length >= 1, `no leak report\n${r.context}`);
        assert.deepEqual([...new Set(r.leaks.map((l) => l.kind))], [kind], r.context);
        const [leak] = r.leaks;
        const reason = new RegExp(
          `^${SUBJECT[kind]} grew [\\d.]+ [KMG]B in \\S+ \\([\\d.]+ [KMG]B/min\\) over \\d+ full GCs; ${LIMIT_TEXT[kind]} reached in ~\\d+ (s|min|h|d) at this rate$`,
        );
        assert.match(leak.reason, reason, r.context);
        // The time to the relevant limit: the heap's for heap, the (simulated) container's else.
        assert.ok(Number.isFinite(leak.estimatedTimeToLimitMs) && leak.estimatedTimeToLimitMs > 0, r.context);
        if (kind === 'heap') assert.ok(leak.limitBytes > 0 && leak.limitBytes !== LIMIT, r.context);
        else assert.equal(leak.limitBytes, LIMIT, r.context);
        assert.ok(leak.growthBytes >= 6 * 1024 ** 2, r.context);
        assert.equal(r.states[kind], 'leaking', r.context);
        for (const other of Object.keys(SUBJECT).filter((k) => k !== kind)) assert.notEqual(r.states[other], 'leaking', r.context);
      });
    }

    for (const scenario of ['burst', 'step', 'warmup']) {
      test(`${scenario}: silent for every kind`, { skip }, async () => {
        const r = await run(mode, scenario);
        assert.deepEqual(
          r.leaks.map((l) => `${l.kind}: ${l.reason}`),
          [],
          r.context,
        );
        assert.ok(r.kept > 0 || scenario === 'burst', r.context);
      });
    }
  });
}

test('a memory kind is reported in `leak` and `leakEnd` as `kind`, the heap too', { skip: needsBinary }, () => {
  // The replay detector is the heap's: its reports say so.
  const d = new leakwatch.LeakDetector({ windowMs: 600_000, minDurationMs: 0, minSamples: 8, minGrowthBytes: 1024 ** 2 });
  let report = null;
  for (let i = 0; i < 40 && report === null; i++) report = d.update({ timestamp: i * 1000, usedHeapSize: (50 + 2 * i) * 1024 ** 2 });
  assert.equal(report?.kind, 'heap');
  assert.equal(report.limitBytes, null);
});

test.describe('configure({ external, rss })', () => {
  const initial = needsBinary ? null : leakwatch.options;
  test.after(() => {
    if (initial) leakwatch.configure({ external: initial.external, rss: initial.rss });
  });

  test('defaults: external on with larger floors than the heap, rss off', { skip: needsBinary }, () => {
    const { leak, external, rss } = leakwatch.options;
    assert.equal(rss, false);
    assert.ok(external.minGrowthBytes > leak.minGrowthBytes && external.minDurationMs > leak.minDurationMs);
    assert.deepEqual(leakwatch.leakStates, { heap: leakwatch.leakState, external: 'none', rss: 'none' });
  });

  test('an object merges over the kind, true is its defaults, false turns it off', { skip: rssSkip }, () => {
    const on = leakwatch.configure({ rss: { minSamples: 20 } }).rss;
    assert.equal(on.minSamples, 20);
    assert.equal(on.minGrowthBytes, 64 * 1024 ** 2, 'absent fields take the rss defaults');
    assert.equal(leakwatch.configure({ rss: { confidence: 0.999 } }).rss.minSamples, 20);
    assert.equal(leakwatch.configure({ rss: true }).rss.minSamples, 24);
    assert.equal(leakwatch.configure({ rss: false }).rss, false);
    assert.equal(leakwatch.configure({ external: false }).external, false);
    assert.equal(leakwatch.configure({ external: true }).external.minGrowthBytes, 32 * 1024 ** 2);
  });

  test('bad values: coded TypeError/RangeError naming the option, and nothing changes', { skip: needsBinary }, () => {
    const before = leakwatch.options;
    const cases = [
      [{ rss: { minGrowthBytes: -1 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /^rss\.minGrowthBytes must be between 0 and/],
      [{ external: { minSamples: 2 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /^external\.minSamples must be between 6 and 256/],
      [{ external: { minDurationMs: 1e9 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /^external\.minDurationMs/],
      [{ external: { confidence: Number.NaN } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /^external\.confidence must be a finite number/],
      [{ external: 1 }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /options\.external must be an object or a boolean/],
      [{ rss: 'on' }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /options\.rss must be an object or a boolean/],
      [{ rss: { minGrowth: 1 } }, TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION', /options\.rss has an unknown option "minGrowth"/],
      [{ external: { realert: 1 } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /options\.external\.realert must be a boolean/],
      // The heap's options are valid here: the bad rss must keep them from being applied.
      [{ leak: { minSamples: 9 }, rss: { minSamples: 1 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /^rss\.minSamples/],
    ];
    for (const [options, type, code, message] of cases) {
      assert.throws(
        () => leakwatch.configure(options),
        (err) => err instanceof type && err.code === code && message.test(err.message),
        JSON.stringify(options),
      );
    }
    assert.deepEqual(leakwatch.options, before);
  });
});
