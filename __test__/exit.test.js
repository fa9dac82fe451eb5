'use strict';
// Exit paths, observed from outside: every scenario runs in its own child process
// (__test__/fixtures/safety-exit.js), and must end with the expected code, no signal, no stderr.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ROOT } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'safety-exit.js');

/** Runs one scenario; `onLine(line, child)` sees stdout lines as they come. */
function run(scenario, { onLine = () => {}, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [FIXTURE, scenario], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const line of lines) onLine(line, child);
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const context = (r) => `exit ${r.code} signal ${r.signal} after ${r.ms} ms\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

function assertClean(r, code) {
  assert.equal(r.signal, null, `killed by a signal\n${context(r)}`);
  assert.equal(r.code, code, context(r));
  assert.equal(r.stderr, '', context(r));
}

test('a process with listeners and minor-GC delivery on exits on its own with events still queued', async () => {
  const r = await run('natural');
  assertClean(r, 0);
  assert.equal(r.stdout, 'exit 0\n');
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
});

test('a worker with listeners ends on its own, and the process after it', async () => {
  const r = await run('natural-worker');
  assertClean(r, 0);
  assert.equal(r.stdout, 'worker exit 0\nexit 0\n');
});

test('process.exit() inside a stats listener exits at once with its code', async () => {
  const r = await run('exit-in-stats');
  assertClean(r, 7);
  assert.equal(r.stdout, 'exit 7 after 1 listener call(s)\n', 'the rest of the batch is not emitted after exit');
});

test('process.exit() inside a leak listener exits with its code', async () => {
  const r = await run('exit-in-leak');
  assertClean(r, 5);
  assert.match(r.stdout, /^leak \d+ samples: heap grew .*\nexit 5\n$/);
});

test('process.exit() during a GC storm with minor-GC delivery on', async () => {
  const r = await run('exit-in-storm');
  assertClean(r, 0);
  assert.match(r.stdout, /^exiting after [1-9]\d* events\n$/);
});

test('process.exit() in the middle of a synchronous burst of GCs', async () => {
  const r = await run('exit-mid-burst');
  assertClean(r, 0);
  assert.equal(r.stdout, 'exiting\n');
});

test('process.exit() while four workers are in a GC storm', async () => {
  const r = await run('exit-with-storming-workers');
  assertClean(r, 0);
  assert.equal(r.stdout, 'exit 0\n');
});

test("SIGTERM reaches the application's handler during a storm; leakwatch adds none", async () => {
  const r = await run('sigterm-handled', { onLine: (line, child) => line === 'ready' && child.kill('SIGTERM') });
  assertClean(r, 0);
  assert.equal(r.stdout, 'ready\nhandler: SIGTERM, 1 listener(s)\n');
});

test('without a handler SIGTERM terminates the process as usual', async () => {
  const r = await run('sigterm-default', { onLine: (line, child) => line === 'ready' && child.kill('SIGTERM') });
  assert.equal(r.signal, 'SIGTERM', context(r));
  assert.equal(r.stdout, 'SIGTERM listeners: 0\nready\n');
});
