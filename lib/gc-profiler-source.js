'use strict';
// The GC source of the degraded mode (the native V8 layer off, lib/binding.js): Node's own
// v8.GCProfiler, which records V8's exact heap statistics after every GC and hands them over
// in one object when stopped. One profiler runs per window; each window's profile goes, as V8
// gave it, to the Rust core (binding.monitorFeedProfile), which maps, counts, queues and
// decides as for the shim's samples: the same detector, no second one in JS. The timer is
// unref'd (it never keeps a process alive); everything is per environment (worker-safe).

const v8 = require('node:v8');
const binding = require('./binding');

/** How long one profiler window lasts: the degraded mode's delivery delay. */
const WINDOW_MS = 1000;

class GcProfilerSource {
  #profiler = null; // the v8.GCProfiler of the open window
  #openedAt = 0; // performance.now() when it started
  #timer = null;
  #failed = false;
  /** How many windows the timer closed (not flush()): the process went on running meanwhile. */
  ticks = 0;

  /** Starts recording GCs (with the monitor). */
  start() {
    if (this.#timer !== null) return;
    this.#profiler = this.#open();
    this.#timer = setInterval(() => {
      this.ticks++;
      this.flush();
    }, WINDOW_MS);
    this.#timer.unref();
  }

  /** Hands the GCs of the open window to the core and opens the next one (gc() calls this,
   * so that its GC is delivered at the next turn, as with the native layer). Returns how many
   * GCs the core queued for delivery. */
  flush() {
    if (this.#profiler === null) return 0;
    const previous = this.#profiler;
    const openedAt = this.#openedAt;
    // The next window starts before the previous one stops: no GC falls between the two.
    this.#profiler = this.#open();
    return this.#feed(previous, openedAt, this.#openedAt);
  }

  /** Stops recording (with the monitor), handing over the last window. */
  stop() {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    const last = this.#profiler;
    this.#profiler = null;
    this.#feed(last, this.#openedAt, performance.now());
  }

  #open() {
    const profiler = new v8.GCProfiler();
    this.#openedAt = performance.now();
    profiler.start();
    return profiler;
  }

  #feed(profiler, openedAt, closedAt) {
    const profile = profiler.stop();
    if (!profile || profile.statistics.length === 0) return 0;
    try {
      return binding.monitorFeedProfile(profile, openedAt, closedAt);
    } catch (err) {
      // From a timer, a throw would take the host down: say it once, keep monitoring.
      if (this.#failed) return 0;
      this.#failed = true;
      process.emitWarning(`leakwatch: a GC profile could not be used (${err.message}); later failures are not reported`, { code: err.code });
      return 0;
    }
  }
}

module.exports = { GcProfilerSource, WINDOW_MS };
