'use strict';
// What the metrics integrations (leakwatch/prometheus, leakwatch/otel) share: the GC kind names
// of the ecosystem, and whether a leak report stands.
//
// The detectors in Rust (one per memory kind: heap, external, rss) decide what a leak is and
// when its episode is over: `leakStates[kind]` is 'leaking' from a `leak` report of that kind
// until its `leakEnd`. The gauges read that; this only remembers the latest heap report's rate.

const leakwatch = require('../index.js');
const { error } = require('../errors');

/** leakwatch's `gcType` → the `kind` of prom-client's `nodejs_gc_duration_seconds` and the
 * `v8js.gc.type` of OpenTelemetry's semantic conventions (the same four words). */
const GC_KIND = {
  'mark-sweep-compact': 'major',
  scavenge: 'minor',
  'minor-mark-sweep': 'minor',
  'incremental-marking': 'incremental',
  'process-weak-callbacks': 'weakcb',
};

/** The memory kinds of `leak` reports (`LeakReport.kind`), the label values of the gauges. */
const MEMORY_KINDS = ['heap', 'external', 'rss'];

class LeakState {
  #last = null;

  /** JS thread, from a `leak` listener: the heap's rate is the one the growth-rate gauge shows. */
  record(report) {
    if (report.kind === 'heap') this.#last = report;
  }

  /** True while a leak report of `kind` stands (`leakwatch.leakStates[kind]` is 'leaking'). */
  leaking(kind) {
    return leakwatch.leakStates[kind] === 'leaking';
  }

  /** The latest heap report, or null. */
  get last() {
    return this.#last;
  }

  /** True while a leak report stands: leakwatch's `leakState` is 'leaking'. */
  get suspected() {
    return leakwatch.leakState === 'leaking';
  }

  /** The latest report's growth rate while a report stands, else 0; bytes per second. */
  get growthRateBytesPerSecond() {
    return this.#last !== null && this.suspected ? this.#last.growthRateBytesPerMinute / 60 : 0;
  }
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

/** The process's RSS after a full GC: the one the native monitor read for its batch when it
 * read one (`stats.rss`), else read now (Node's own, a few µs, right after the delivery). */
function rssAfterGc(stats) {
  return stats.rss ?? process.memoryUsage.rss();
}

module.exports = { GC_KIND, LeakState, MEMORY_KINDS, requirePeer, rssAfterGc };
