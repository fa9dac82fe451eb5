'use strict';
// leakwatch: GC `stats` and `leak` events for Node.js, from a native V8 GC hook.
// This file is the public API; the native addon is loaded by lib/binding.js.

const { EventEmitter } = require('node:events');
const binding = require('./lib/binding');
const { HeapDiff } = require('./lib/heap-diff');
const { LeakDetector } = require('./lib/leak-detector');
const { MONITOR_OPTIONS, checkShape, detectorOptions, snapshot, withPrefix } = require('./lib/options');

const MONITORED = ['stats', 'leak'];
let created = false;

class Leakwatch extends EventEmitter {
  #settings = { includeMinorGc: false, heapSpaces: false };
  #leak = binding.detectorDefaults();
  #running = false;

  constructor() {
    super();
    // One monitor per environment: a second emitter would fight the first over it.
    if (created) throw new Error('leakwatch: use the module\'s instance (require(\'leakwatch\')), not new Leakwatch()');
    created = true;
    // Usable detached, as in `const { gc, configure } = require('leakwatch')`.
    this.configure = this.configure.bind(this);
    this.gc = this.gc.bind(this);
    // Monitoring follows the listeners: it starts with the first `stats`/`leak` listener
    // and the GC callbacks are removed when the last one goes.
    this.#watchListeners();
  }

  #onNewListener = (event) => {
    if (MONITORED.includes(event)) this.#sync(event);
  };

  #onRemoveListener = (event) => {
    if (MONITORED.includes(event)) this.#sync();
  };

  #watchListeners() {
    if (!this.listeners('newListener').includes(this.#onNewListener)) this.on('newListener', this.#onNewListener);
    if (!this.listeners('removeListener').includes(this.#onRemoveListener)) this.on('removeListener', this.#onRemoveListener);
  }

  /** As EventEmitter's; monitoring stops when no `stats`/`leak` listener is left. */
  removeAllListeners(...args) {
    super.removeAllListeners(...args);
    // EventEmitter's removeAllListeners() also drops the two hooks above: without them a later
    // `stats`/`leak` listener would never start monitoring again.
    this.#watchListeners();
    return this;
  }

  /** Validates and applies options; returns the effective options. Nothing changes on error. */
  configure(options = {}) {
    // Validate and use one snapshot: a getter must not pass the checks and then hand over
    // something else (a non-boolean in #settings would break every later listener change).
    options = snapshot(options);
    checkShape(options, MONITOR_OPTIONS, 'leakwatch.configure options');
    let leak = this.#leak;
    if (options.leak !== undefined) {
      const given = detectorOptions(options.leak, 'leakwatch.configure options.leak');
      try {
        leak = binding.monitorSetDetector({ ...this.#leak, ...given });
      } catch (err) {
        throw withPrefix(err, 'leak.');
      }
    }
    for (const key of ['includeMinorGc', 'heapSpaces']) {
      if (options[key] !== undefined) this.#settings[key] = options[key];
    }
    this.#leak = leak;
    this.#sync();
    return this.options;
  }

  /** The effective options. */
  get options() {
    return { ...this.#settings, leak: { ...this.#leak } };
  }

  /** Runs one full, synchronous garbage collection (no --expose-gc needed). */
  gc() {
    binding.gc();
  }

  /** True while the GC callbacks are installed. */
  get monitoring() {
    return this.#running;
  }

  // `adding` is the event of a listener about to be added (newListener fires before it is).
  #sync(adding) {
    const count = (event) => this.listenerCount(event) + (event === adding ? 1 : 0);
    const wantStats = count('stats') > 0;
    const want = wantStats || count('leak') > 0;
    binding.monitorConfigure(this.#settings.includeMinorGc, this.#settings.heapSpaces, wantStats);
    if (want && !this.#running) {
      binding.monitorStart((batch) => this.#deliver(batch));
      this.#running = true;
    } else if (!want && this.#running) {
      binding.monitorStop();
      this.#running = false;
    }
  }

  // JS thread, called by the native side with one batch. A throwing listener surfaces as an
  // uncaught exception, as with any EventEmitter, without losing the rest of the batch.
  #deliver({ stats, leaks }) {
    binding.monitorBatchReceived();
    for (const s of stats) this.#emitSafely('stats', s);
    for (const l of leaks) this.#emitSafely('leak', l);
  }

  #emitSafely(event, payload) {
    try {
      this.emit(event, payload);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

const leakwatch = new Leakwatch();
leakwatch.Leakwatch = Leakwatch;
leakwatch.LeakDetector = LeakDetector;
leakwatch.HeapDiff = HeapDiff;
leakwatch.default = leakwatch;

module.exports = leakwatch;
