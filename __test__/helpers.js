'use strict';
// Shared helpers for the node:test suites: run a script in a child process, wait for events.

const { spawn } = require('node:child_process');
const path = require('node:path');
const assert = require('node:assert/strict');

const ROOT = path.join(__dirname, '..');

/** Runs `node ...args` in the package root; resolves (never rejects) with
 * { code, signal, stdout, stderr, ms, result, context }: `result` is the last stdout line parsed
 * as JSON (null if it is not), `context` a summary for assertion messages. Killed after
 * `timeoutMs`. `baseEnv` replaces process.env as the environment the `env` entries go over;
 * `cwd` the package root as the working directory, `node` this Node. */
function runProcess(args, { env = {}, timeoutMs = 30_000, baseEnv = process.env, cwd = ROOT, node = process.execPath } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(node, args, {
      cwd,
      env: { ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let result = null;
      try {
        result = JSON.parse(stdout.trim().split('\n').pop());
      } catch {
        // not JSON: the caller reports the raw output through `context`
      }
      const context = `exit ${code} signal ${signal}\nstdout: ${stdout.slice(-3000)}\nstderr: ${stderr.slice(-3000)}`;
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, result, context });
    });
  });
}

/** Runs `node -e script` with the package resolvable as 'leakwatch' (see runProcess). */
function runNode(script, { args = [], env = {}, timeoutMs = 30_000 } = {}) {
  return runProcess([...args, '-e', script], { env: { ...env, NODE_PATH: path.join(ROOT, '..') }, timeoutMs });
}

/** Resolves with the next `event` payload of `emitter`, or rejects after `ms`. */
function nextEvent(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' event within ${ms} ms`));
    }, ms);
    function on(payload) {
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(payload);
    }
    emitter.on(event, on);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once everything the native side queued before the call has been delivered:
 * a batch is delivered in the event loop's poll phase, which runs before the check phase
 * where setImmediate callbacks run — whatever the machine's load (unlike a short sleep). */
const settle = () => new Promise((r) => setImmediate(() => setImmediate(r)));

/** Grows the heap and runs full GCs until the live detector (with a hair trigger) reports;
 * restores the detector options afterwards. Resolves with the `leak` report, or null. */
async function provokeLeak(leakwatch) {
  const defaults = leakwatch.options.leak;
  leakwatch.configure({ leak: { minSamples: 6, minDurationMs: 0, minGrowthBytes: 0, minGrowthPercent: 0 } });
  const retained = [];
  let report = null;
  const onLeak = (r) => (report = r);
  leakwatch.on('leak', onLeak);
  try {
    for (let n = 0; report === null && n < 100; n++) {
      retained.push(Array.from({ length: 20_000 }, (_, i) => ({ i, n })));
      leakwatch.gc();
      await sleep(5);
    }
  } finally {
    leakwatch.off('leak', onLeak);
    leakwatch.configure({ leak: defaults });
  }
  return report;
}

/** A real leak episode from start to end: grows the heap with full GCs until the live detector
 * (small `leak` options) reports, awaits `whileLeaking(report)`, then stops growing and runs
 * full GCs (apart enough not to be one burst) until `leakEnd`. Restores the detector options
 * afterwards. Resolves with `{ report, end }`, each null when it did not come. */
async function provokeLeakThatEnds(leakwatch, whileLeaking = async () => {}) {
  const defaults = leakwatch.options.leak;
  // A real growth threshold (2 MiB, ~3 steps of the leak below): the few KB a quiet process
  // still adds per GC must not count as growth once the leak stops.
  leakwatch.configure({ leak: { minSamples: 6, minDurationMs: 0, minGrowthBytes: 2 * 1024 * 1024, minGrowthPercent: 0 } });
  const retained = [];
  let report = null;
  let end = null;
  const onLeak = (r) => (report ??= r);
  const onEnd = (e) => (end ??= e);
  leakwatch.on('leak', onLeak);
  leakwatch.on('leakEnd', onEnd);
  try {
    for (let n = 0; report === null && n < 150; n++) {
      retained.push(Array.from({ length: 20_000 }, (_, i) => ({ i, n })));
      leakwatch.gc();
      await sleep(5);
    }
    if (report === null) return { report, end };
    await whileLeaking(report);
    for (let n = 0; end === null && n < 400; n++) {
      leakwatch.gc();
      await sleep(30);
    }
  } finally {
    leakwatch.off('leak', onLeak);
    leakwatch.off('leakEnd', onEnd);
    leakwatch.configure({ leak: defaults });
  }
  assert.ok(retained.length > 0); // kept alive until the end
  return { report, end };
}

/** A `node -e` script that requires `entry` as if `hidden` were not installed, and prints the
 * error's code and message (for the optional-peer-dependency tests). */
function requireWithoutScript(entry, hidden) {
  return `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === ${JSON.stringify(hidden)}) throw Object.assign(new Error("Cannot find module '${hidden}'"), { code: 'MODULE_NOT_FOUND' });
      return resolve.call(this, request, ...rest);
    };
    try { require(${JSON.stringify(entry)}); } catch (err) { console.log(err.code, err.message); }`;
}

module.exports = { ROOT, runProcess, runNode, nextEvent, sleep, settle, provokeLeak, provokeLeakThatEnds, requireWithoutScript };
