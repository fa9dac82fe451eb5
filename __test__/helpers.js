'use strict';
// Shared helpers for the node:test suites: run a script in a child process, wait for events.

const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** Runs `node -e script` with the package resolvable as 'leakwatch'; resolves with
 * { code, signal, stdout, stderr, ms }. Kills it after `timeoutMs`. */
function runNode(script, { args = [], env = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...args, '-e', script], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_PATH: path.join(ROOT, '..') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
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

module.exports = { ROOT, runNode, nextEvent, sleep, settle };
