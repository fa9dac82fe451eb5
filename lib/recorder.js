'use strict';
// The preload of `leakwatch record` (node -r /abs/path/lib/recorder.js): appends one trace line
// per full GC to the file named by LEAKWATCH_RECORD_FILE (see lib/cli/trace.js for the format).
//
//   LEAKWATCH_RECORD_FILE           the trace file (appended to; `record` creates it empty)
//   LEAKWATCH_RECORD_OPTIONS        detector options (JSON) for the live `leak` reports
//   LEAKWATCH_RECORD_NODE_OPTIONS   NODE_OPTIONS as it was before `record` added this preload
//
// Only the process that loads it first is recorded: it takes these variables out of its own
// environment (and its preload out of NODE_OPTIONS), so child processes it spawns and worker
// threads are not. Lines are written synchronously, once per delivered batch, so the trace is
// complete whenever the program exits, however it exits. Like any preload it never breaks the
// program: a problem gives one warning line on stderr and recording stops.

const fs = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const ENV = { file: 'LEAKWATCH_RECORD_FILE', options: 'LEAKWATCH_RECORD_OPTIONS', nodeOptions: 'LEAKWATCH_RECORD_NODE_OPTIONS' };

function warn(message) {
  try {
    process.stderr.write(`leakwatch record: ${message}\n`);
  } catch {
    // stderr is gone: nothing sensible to do.
  }
}

/** Takes the recorder's variables out of this process's environment; returns them. */
function claimEnv(env) {
  const settings = { file: env[ENV.file], options: env[ENV.options] };
  if (env[ENV.nodeOptions] !== undefined) {
    if (env[ENV.nodeOptions] === '') delete env.NODE_OPTIONS;
    else env.NODE_OPTIONS = env[ENV.nodeOptions];
  }
  for (const name of Object.values(ENV)) delete env[name];
  return settings;
}

function start() {
  const { file, options } = claimEnv(process.env);
  if (!file) return;
  const leakwatch = require('./index.js');
  const { sampleLine } = require('./cli/trace');
  if (options) leakwatch.configure({ leak: JSON.parse(options) });
  const fd = fs.openSync(file, 'a');
  // t = 0 is when this process started, as `performance.now()` counts.
  const t0 = performance.timeOrigin;
  let pending = [];
  let flushQueued = false;

  const stop = (err) => {
    warn(`stopped recording: ${err.message}`);
    leakwatch.off('stats', onStats);
    leakwatch.off('leak', onLeak);
    pending = [];
  };
  const flush = () => {
    flushQueued = false;
    if (pending.length === 0) return;
    const text = pending.map(({ stats, leak }) => sampleLine(stats, t0, leak)).join('');
    pending = [];
    try {
      fs.writeSync(fd, text);
    } catch (err) {
      stop(err);
    }
  };
  // JS thread, while leakwatch delivers a batch: all its `stats` first, then its `leak`s. The
  // lines are written after the batch, so that a report can go on the line of its sample.
  function onStats(stats) {
    if (stats.gcType !== 'mark-sweep-compact') return;
    pending.push({ stats, leak: undefined });
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  }
  function onLeak(report) {
    let best;
    for (const p of pending) {
      if (!best || Math.abs(p.stats.timestamp - report.timestamp) < Math.abs(best.stats.timestamp - report.timestamp)) best = p;
    }
    if (best && Math.abs(best.stats.timestamp - report.timestamp) < 1) best.leak = report;
  }
  leakwatch.on('stats', onStats);
  leakwatch.on('leak', onLeak);
  process.on('exit', flush);
}

if (isMainThread) {
  try {
    start();
  } catch (err) {
    warn(`not recording: ${err?.message ? err.message.replace(/^leakwatch: /, '') : err}`);
  }
}
