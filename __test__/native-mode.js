'use strict';
// What this test process's leakwatch runs on (`leakwatch.native`), as node:test `skip` values:
// `false`, or why a test cannot run here. The suite also runs with the native V8 layer off
// (`LEAKWATCH_NATIVE=off`, the degraded mode: stats and leak from v8.GCProfiler); a test that
// needs HeapDiff, evidence, snapshots or the shim itself skips with `needsV8Layer`, one that
// only needs gc() with `needsGc` (without the V8 layer gc() is V8's own, of --expose-gc, which
// only NODE_OPTIONS=--expose-gc gives to this process and to the children it spawns alike).

const { native } = require('..');
const { WINDOW_MS } = require('../lib/gc-profiler-source');
const { settle } = require('./helpers');

const off = `needs the native V8 layer (leakwatch.native.mode is '${native.mode}': ${native.code})`;

/** Skip reason for a test that needs a loadable binary (with or without its V8 layer). */
const needsBinary = native.mode === 'unavailable' ? `no loadable binary here (${native.code}): ${native.reason}` : false;

/** Skip reason for a test of the loader's source-build branch (a binary in build/ for this
 * ABI): CI also runs the suite against an installed package, whose binary is the platform
 * package's. */
const needsSourceBuild =
  native.source === 'build'
    ? false
    : `needs a source build in build/ (this run loads ${native.source === 'package' ? 'the platform package' : 'no binary'}: e.g. the suite runs against an installed package)`;

/** Skip reason for a test that needs the native V8 layer. */
const needsV8Layer = native.mode === 'v8' ? false : off;

/** Skip reason for a test that needs leakwatch.gc(), in this process or its children. */
const exposed = typeof globalThis.gc === 'function' && /(^|\s)--expose[-_]gc\b/.test(process.env.NODE_OPTIONS ?? '');
const needsGc = native.mode === 'v8' || exposed ? false : `${off}, or NODE_OPTIONS=--expose-gc`;

/** node:test's `test` for a file whose every test needs what `reason` (a skip value above)
 * says: each is skipped with that reason when it is not false. */
function testsNeeding(reason) {
  const test = require('node:test');
  if (!reason) return test;
  const skipped = (name, options, fn) => (typeof options === 'function' ? test(name, { skip: reason }, options) : test(name, { ...options, skip: reason }, fn));
  // The file's hooks still register (they run around no test).
  return Object.assign(skipped, { before: test.before, after: test.after, beforeEach: test.beforeEach, afterEach: test.afterEach });
}
/** Resolves once the GCs V8 ran on its own so far have been delivered. With the V8 layer they
 * are queued at once (`settle`); v8.GCProfiler hands them over when its window closes: its
 * timer was set before this one, for no later, so it fires first. */
function settleNaturalGcs() {
  if (native.mode !== 'gc-profiler') return settle();
  return new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100)).then(settle);
}

module.exports = { native, needsBinary, needsSourceBuild, needsV8Layer, needsGc, testsNeeding, settleNaturalGcs };
