'use strict';
// Bad input everywhere: a seeded property/fuzz run over every public entry point (and the
// internal native binding) in a child process, where a crash would show, plus regressions for
// what it found.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const path = require('node:path');
const leakwatch = require('..');
const { runProcess, sleep } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'safety-fuzz.js');

async function fuzz(seed) {
  const run = await runProcess([FIXTURE], { env: { FUZZ_SEED: String(seed) }, timeoutMs: 50_000 });
  return { ...run, context: `seed ${seed}: ${run.context}` };
}

// A fixed seed (reproducible) and a fresh one per run (reported, so a failure can be replayed
// with FUZZ_SEED=<seed> node __test__/fixtures/safety-fuzz.js).
for (const seed of [12345, Date.now() % 1e9]) {
  test(`random values into every entry point: clear errors, no crash, no corrupted state (seed ${seed})`, { timeout: 60_000 }, async (t) => {
    const r = await fuzz(seed);
    assert.equal(r.signal, null, `crashed\n${r.context}`);
    assert.equal(r.code, 0, r.context);
    t.diagnostic(`${r.result.total} inputs tried: ${JSON.stringify(r.result.tried)}`);
    assert.deepEqual(r.result.failures, [], r.context);
    assert.ok(r.result.total > 50_000);
  });
}

test('removeAllListeners() does not stop a later listener from starting monitoring', async () => {
  leakwatch.on('stats', () => {});
  leakwatch.removeAllListeners();
  assert.equal(leakwatch.monitoring, false);
  let calls = 0;
  leakwatch.on('stats', () => calls++);
  assert.equal(leakwatch.monitoring, true);
  leakwatch.gc();
  await sleep(50);
  assert.equal(calls, 1);
  leakwatch.removeAllListeners('newListener');
  leakwatch.removeAllListeners('stats');
  assert.equal(leakwatch.monitoring, false);
  leakwatch.on('leak', () => {});
  assert.equal(leakwatch.monitoring, true);
  leakwatch.removeAllListeners();
  assert.equal(leakwatch.monitoring, false);
});

test('a getter that changes its answer after validation cannot corrupt the options', () => {
  const before = leakwatch.options;
  let reads = 0;
  const sneaky = {
    get includeMinorGc() {
      return reads++ === 0 ? true : 'not a boolean';
    },
  };
  const after = leakwatch.configure(sneaky);
  assert.equal(after.includeMinorGc, true);
  assert.equal(reads, 1, 'each option is read once');
  leakwatch.on('stats', () => {}); // would throw if includeMinorGc were a string now
  leakwatch.removeAllListeners();
  leakwatch.configure({ includeMinorGc: before.includeMinorGc });
  reads = 0;
  const d = new leakwatch.LeakDetector({
    get windowMs() {
      return reads++ === 0 ? 120_000 : 'soon';
    },
  });
  assert.equal(d.options.windowMs, 120_000);
});

test('an unprintable bad value still gives our TypeError', () => {
  assert.throws(() => leakwatch.configure({ heapSpaces: Object.create(null) }), {
    name: 'TypeError',
    code: 'ERR_LEAKWATCH_INVALID_TYPE',
    message: /heapSpaces must be a boolean/,
  });
  const hostile = {
    toString: () => {
      throw new Error('no');
    },
  };
  assert.throws(() => new leakwatch.LeakDetector({ windowMs: hostile }), { name: 'TypeError', message: /windowMs must be a number/ });
});
