'use strict';
// allocationSites: real leaky child processes (__test__/fixtures/leaky-sites.js: `retainThings`
// keeps ~400 KB of objects per 100 ms tick while `churn` allocates as much garbage, with a
// forced full GC per tick). The `leak` report's top allocation site must be the leaking
// function in its file; a user's inspector sampling session started first must be left alone
// (and still work after the alert); V8's sampler must not be running once monitoring stops
// or the option is turned off (probed through the inspector: getSamplingProfile fails when no
// sampler runs); it works in a worker; source maps are honoured; the degraded mode says the
// sites are unavailable.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode, runProcess } = require('./helpers');
const { needsV8Layer, needsBinary } = require('./native-mode');

const FIXTURE = path.join(__dirname, 'fixtures', 'leaky-sites.js');
const SITES = { allocationSites: { intervalBytes: 32 * 1024 } };

async function leakyChild({ options = SITES, scenario = 'leak', env = {}, args = [] } = {}) {
  const run = await runNode(`require(${JSON.stringify(FIXTURE)})`, {
    args,
    env: { LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify(options), SCENARIO: scenario, ...env },
    timeoutMs: 45_000,
  });
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  const context = `exit ${run.code} ${run.signal ?? ''}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;
  return { run, leak: lines.find((l) => l.type === 'leak')?.report, done: lines.find((l) => l.type === 'done'), context };
}

function assertTopSite(report, functionName, file, context) {
  assert.equal(report.allocationSitesSkipped, undefined, context);
  const sites = report.allocationSites;
  assert.ok(Array.isArray(sites) && sites.length >= 1 && sites.length <= 5, context);
  const [top] = sites;
  // The allocating function may be a V8 builtin it called (e.g. Map's \`set\`): the site is
  // the innermost user frame.
  const first = top.frames.find((f) => f.file !== '' && !f.file.startsWith('node:'));
  assert.equal(first.functionName, functionName, context);
  assert.equal(path.resolve(first.file), file, context);
  assert.ok(Number.isInteger(first.line) && first.line > 0 && Number.isInteger(first.column) && first.column > 0, context);
  assert.match(top.stack, new RegExp(`^${functionName} \\(${path.relative(process.cwd(), file).replace(/[.\\/]/g, '\\$&')}:${first.line}:\\d+\\)`), context);
  // ~400 KB retained per tick for a few seconds, sampled at 32 KiB: tens of samples at least.
  assert.ok(top.samples >= 20, context);
  assert.ok(top.bytes >= 2 * 1024 * 1024, context);
  assert.ok(top.bytesError > 0 && top.bytesError < top.bytes / 2, context);
  for (let i = 1; i < sites.length; i++) assert.ok(sites[i - 1].bytes >= sites[i].bytes, context);
  // The garbage `churn` makes dies at once: never a site of its own above the leak.
  assert.ok(!sites.some((s) => s.stack.startsWith('churn') && s.bytes > top.bytes / 10), context);
  // What leakwatch allocates while reporting is left out.
  assert.ok(!sites.some((s) => /^(onLeak|#deliver|noteSnapshot) \(lib[\\/]/.test(s.stack)), context);
  return top;
}

test('the top allocation site of a real leak is the leaking function, in its file; the sampler stops with monitoring', {
  skip: needsV8Layer,
  timeout: 60_000,
}, async (t) => {
  const { run, leak, done, context } = await leakyChild({ scenario: 'stop' });
  assert.equal(run.code, 0, context);
  assert.ok(leak, context);
  const top = assertTopSite(leak, 'retainThings', FIXTURE, context);
  t.diagnostic(`top site: ${top.stack}: ${top.bytes} ± ${top.bytesError} bytes, ${top.samples} samples (${leak.allocationSitesMs} ms)`);
  assert.ok(leak.allocationSitesMs >= 0, context);
  // Without diffOnLeak the summary line still names where.
  assert.match(leak.culprit, /^allocated in retainThings \(/, context);
  assert.equal(done.runningAtAlert, true, context);
  assert.equal(done.monitoring, false, context);
  assert.equal(done.runningAfter, false, `the sampler outlived monitoring: ${context}`);
});

test('with diffOnLeak the culprit line joins what grew, what holds it and where it was allocated', { skip: needsV8Layer, timeout: 60_000 }, async () => {
  const { run, leak, context } = await leakyChild({ options: { ...SITES, diffOnLeak: true } });
  assert.equal(run.code, 0, context);
  assertTopSite(leak, 'retainThings', FIXTURE, context);
  assert.ok(leak.topGrowth?.length >= 1, context);
  assert.match(leak.culprit, /^\+[\d.]+ [KMG]?B of .+, held by .*\(Map\).*, allocated in retainThings \(/, context);
});

test("a user's inspector sampling session started first is left alone, and still works after the alert", { skip: needsV8Layer, timeout: 60_000 }, async () => {
  const { run, leak, done, context } = await leakyChild({ scenario: 'inspector-first' });
  assert.equal(run.code, 0, context);
  assert.equal(leak.allocationSites, undefined, context);
  assert.match(leak.allocationSitesSkipped, /another sampling heap profiler is running/, context);
  assert.equal(done.runningAtAlert, true, context);
  assert.ok(done.theirs.samples > 0, `their profile lost its samples: ${context}`);
  assert.equal(done.theirsStop, 'ok', context);
  assert.equal(done.runningAfter, false, context);
});

test('turning the option off stops the sampler while monitoring goes on', { skip: needsV8Layer, timeout: 60_000 }, async () => {
  const { run, leak, done, context } = await leakyChild({ scenario: 'option-off' });
  assert.equal(run.code, 0, context);
  assertTopSite(leak, 'retainThings', FIXTURE, context);
  assert.equal(done.runningAtAlert, true, context);
  assert.equal(done.monitoring, true, context);
  assert.equal(done.runningAfter, false, context);
});

test('in a worker: the top site is the leaking function, and the sampler stops with the worker', { skip: needsV8Layer, timeout: 60_000 }, async () => {
  const script = `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(${JSON.stringify(`require(${JSON.stringify(FIXTURE)})`)}, { eval: true, env: { ...process.env } });
    const lines = [];
    w.on('message', (m) => {
      lines.push(m);
      if (m.type === 'done') w.terminate().then(() => console.log(JSON.stringify(lines)));
    });
    w.on('error', (e) => { console.error(e); process.exit(1); });`;
  const run = await runNode(script, { env: { LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify(SITES), SCENARIO: 'stop' }, timeoutMs: 45_000 });
  assert.equal(run.code, 0, run.context);
  const lines = run.result;
  assert.ok(Array.isArray(lines), run.context);
  const leak = lines.find((l) => l.type === 'leak').report;
  const done = lines.find((l) => l.type === 'done');
  assertTopSite(leak, 'retainThings', FIXTURE, run.context);
  assert.equal(done.runningAfter, false, run.context);
});

test('a worker terminated while its sampler runs (stopped by the env cleanup hook): no crash, and the next worker samples again', {
  skip: needsV8Layer,
  timeout: 90_000,
}, async () => {
  const script = `
    const { Worker } = require('node:worker_threads');
    const results = [];
    const one = () => new Promise((resolve, reject) => {
      const w = new Worker(${JSON.stringify(`require(${JSON.stringify(FIXTURE)})`)}, { eval: true, env: { ...process.env } });
      const lines = [];
      w.on('message', (m) => {
        lines.push(m);
        if (m.type === 'done') w.terminate().then(() => resolve(lines));
      });
      w.on('error', reject);
    });
    (async () => {
      for (let i = 0; i < 2; i++) results.push(await one());
      console.log(JSON.stringify(results));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const run = await runNode(script, { env: { LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify(SITES), SCENARIO: 'keep' }, timeoutMs: 80_000 });
  assert.equal(run.code, 0, run.context);
  assert.equal(run.signal, null, run.context);
  assert.equal(run.result.length, 2, run.context);
  for (const lines of run.result) {
    assert.equal(lines.find((l) => l.type === 'done').runningAtAlert, true, run.context);
    assertTopSite(lines.find((l) => l.type === 'leak').report, 'retainThings', FIXTURE, run.context);
  }
});

test('with --enable-source-maps the sites are at their original positions', { skip: needsV8Layer, timeout: 60_000 }, async () => {
  const { run, leak, context } = await leakyChild({ args: ['--enable-source-maps'], env: { SOURCE_MAPPED: '1' } });
  assert.equal(run.code, 0, context);
  const top = leak.allocationSites[0];
  const first = top.frames.find((f) => f.functionName === 'retainMapped');
  assert.ok(first, context);
  // leak.js line 6 is leak.ts line 4 (the hand-written map moves every line by 2).
  assert.equal(first.file, path.join(__dirname, 'fixtures', 'source-mapped', 'leak.ts'), context);
  assert.equal(first.line, 4, context);
  assert.match(top.stack, /^retainMapped \(.*source-mapped[\\/]leak\.ts:4:\d+\)/, context);
});

test('without the native V8 layer the report says allocation sites are unavailable', { skip: needsBinary, timeout: 60_000 }, async () => {
  const { run, leak, context } = await leakyChild({ env: { LEAKWATCH_NATIVE: 'off', NODE_OPTIONS: '--expose-gc' } });
  assert.equal(run.code, 0, context);
  assert.equal(leak.allocationSites, undefined, context);
  assert.match(leak.allocationSitesSkipped, /^unavailable: allocation sites need the native V8 layer.*LEAKWATCH_NATIVE=off/, context);
});

test('a V8 without the sampling entry points loses allocation sites only', { skip: needsV8Layer, timeout: 60_000 }, async () => {
  const { run, leak, context } = await leakyChild({ env: { LEAKWATCH_SIMULATE_V8_MISSING: '_ZN2v812HeapProfiler20GetAllocationProfileEv' } });
  assert.equal(run.code, 0, context);
  assert.match(leak.allocationSitesSkipped, /no sampling heap profiler entry points/, context);
  assert.ok(leak.reason, context);
});

test('allocationSites option: defaults, merging, and errors naming the option and its range', { skip: needsBinary }, async () => {
  const script = `
    const lw = require('leakwatch');
    const out = { defaults: lw.configure({ allocationSites: true }).allocationSites };
    out.merged = lw.configure({ allocationSites: { top: 3 } }).allocationSites;
    out.off = lw.configure({ allocationSites: false }).allocationSites;
    out.errors = [{ top: 0 }, { intervalBytes: 100 }, { stackDepth: 1.5 }, { depth: 3 }, 'yes'].map((v) => {
      try { lw.configure({ allocationSites: v }); return null; } catch (e) { return [e.name, e.code, e.message]; }
    });
    console.log(JSON.stringify(out));`;
  const run = await runNode(script);
  assert.equal(run.code, 0, run.context);
  const r = run.result;
  assert.deepEqual(r.defaults, { intervalBytes: 512 * 1024, stackDepth: 32, top: 5 });
  assert.deepEqual(r.merged, { intervalBytes: 512 * 1024, stackDepth: 32, top: 3 });
  assert.equal(r.off, false);
  assert.deepEqual(r.errors[0].slice(0, 2), ['RangeError', 'ERR_LEAKWATCH_OUT_OF_RANGE']);
  assert.match(r.errors[0][2], /options\.allocationSites\.top must be a whole number between 1 and 100 \(got 0\)/);
  assert.match(r.errors[1][2], /allocationSites\.intervalBytes must be a whole number between 1024 and 1073741824/);
  assert.match(r.errors[2][2], /allocationSites\.stackDepth must be a whole number between 1 and 128/);
  assert.deepEqual(r.errors[3].slice(0, 2), ['TypeError', 'ERR_LEAKWATCH_UNKNOWN_OPTION']);
  assert.deepEqual(r.errors[4].slice(0, 2), ['TypeError', 'ERR_LEAKWATCH_INVALID_TYPE']);
});

test('npm run demo: the top allocation site is handle() in examples/leaky-service.js, and the demo prints it', {
  skip: needsV8Layer,
  timeout: 200_000,
}, async () => {
  const demo = path.join(__dirname, '..', 'examples', 'leaky-service.js');
  const run = await runProcess(['--optimize-for-size', demo], { env: { DEMO_SECONDS: '150' }, timeoutMs: 180_000 });
  assert.equal(run.code, 0, run.context);
  assert.match(run.stdout, /allocated: .* in handle \(examples[\\/]leaky-service\.js:\d+:\d+\)/, run.context);
  assert.match(run.stdout, /culprit: .*responseCache \(Map\).*allocated in handle \(examples[\\/]leaky-service\.js:\d+:\d+\)/, run.context);
});
