'use strict';
// What the metrics integrations (leakwatch/prometheus, leakwatch/otel) share: the GC kind names
// of the ecosystem, and whether a leak is currently suspected.
//
// leakwatch emits `leak` when a growth episode is detected (and again after further growth,
// `realert`), but no event when an episode ends. So "suspected" here is: a report arrived less
// than `suspectedForMs` ago. A leak that keeps growing re-alerts and keeps it at 1; one that
// stopped (or was a one-off) lets it fall back to 0 after the hold. No trend is computed here:
// the detector in Rust decides what a leak is, this only remembers what it said.

const { performance } = require('node:perf_hooks');
const { error, typeError } = require('../errors');

const DEFAULT_SUSPECTED_FOR_MS = 60 * 60 * 1000;

/** leakwatch's `gcType` → the `kind` of prom-client's `nodejs_gc_duration_seconds` and the
 * `v8js.gc.type` of OpenTelemetry's semantic conventions (the same four words). */
const GC_KIND = {
  'mark-sweep-compact': 'major',
  scavenge: 'minor',
  'minor-mark-sweep': 'minor',
  'incremental-marking': 'incremental',
  'process-weak-callbacks': 'weakcb',
};

class LeakState {
  #holdMs;
  #last = null;
  #lastAt = 0;

  /** `holdMs`: how long a report keeps a leak suspected. */
  constructor(holdMs = DEFAULT_SUSPECTED_FOR_MS) {
    this.#holdMs = holdMs;
  }

  /** JS thread, from a `leak` listener. */
  record(report) {
    this.#last = report;
    this.#lastAt = performance.now();
  }

  /** The latest report, or null. */
  get last() {
    return this.#last;
  }

  /** True while the latest report is less than `holdMs` old. */
  get suspected() {
    return this.#last !== null && performance.now() - this.#lastAt < this.#holdMs;
  }

  /** The latest report's growth rate while suspected, else 0; bytes per second. */
  get growthRateBytesPerSecond() {
    return this.suspected ? this.#last.growthRateBytesPerMinute / 60 : 0;
  }
}

/** Checks an integration's `suspectedForMs` option; returns it or the default. */
function suspectedForMs(value, name) {
  if (value === undefined) return DEFAULT_SUSPECTED_FOR_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw typeError(`${name} must be a finite number of milliseconds, at least 0 (got ${String(value)})`, 'ERR_LEAKWATCH_INVALID_TYPE');
  }
  return value;
}

/** `require(name)` of an optional peer dependency, with an error that says what to install. */
function requirePeer(name, entry) {
  try {
    return require(name);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${name}'`)) {
      throw error(`${entry} needs ${name}, an optional peer dependency of leakwatch: npm install ${name}`, 'ERR_LEAKWATCH_MISSING_PEER');
    }
    throw err;
  }
}

module.exports = { DEFAULT_SUSPECTED_FOR_MS, GC_KIND, LeakState, requirePeer, suspectedForMs };
