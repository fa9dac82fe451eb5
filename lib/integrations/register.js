'use strict';
// leakwatch/register: zero-code preload, configured by environment variables.
//   node -r leakwatch/register app.js        node --import leakwatch/register app.mjs
//
//   LEAKWATCH_LOG=json|pretty|off   how leak reports go to stderr (default json: one line each)
//   LEAKWATCH_STATS=1               also log every `stats` event (default 0)
//   LEAKWATCH_OPTIONS='{"leak":{"minGrowthBytes":16777216}}'   leakwatch.configure() options
//   LEAKWATCH_SNAPSHOT_DIR=/var/tmp  write a heap snapshot there on leak (configure({ snapshot: { dir } }))
//
// A preload must never break the app it is loaded into: a bad value gives one warning line on
// stderr and is ignored; if the addon cannot load, one warning and no monitoring.

const LOG_FORMATS = ['json', 'pretty', 'off'];
const BOOLEAN = { 1: true, true: true, yes: true, on: true, 0: false, false: false, no: false, off: false, '': false };

// One preload per thread, however many times it is required (-r and --import together).
const LOADED = Symbol.for('leakwatch.register');

function warn(message) {
  try {
    process.stderr.write(`leakwatch: ${message}\n`);
  } catch {
    // stderr is gone: nothing sensible to do.
  }
}

function reasonOf(err) {
  return err && typeof err.message === 'string' ? err.message.replace(/^leakwatch: /, '') : String(err);
}

/** The settings from `env`; each bad value → one warning and its default. */
function readEnv(env) {
  const settings = { log: 'json', stats: false, options: null, snapshotDir: null };
  const log = env.LEAKWATCH_LOG;
  if (log !== undefined && log !== '') {
    const format = log.trim().toLowerCase();
    if (LOG_FORMATS.includes(format)) settings.log = format;
    else warn(`ignoring LEAKWATCH_LOG=${JSON.stringify(log)}: use one of ${LOG_FORMATS.join(', ')} (logging json)`);
  }
  const stats = env.LEAKWATCH_STATS;
  if (stats !== undefined) {
    const value = BOOLEAN[stats.trim().toLowerCase()];
    if (value === undefined) warn(`ignoring LEAKWATCH_STATS=${JSON.stringify(stats)}: use 1 or 0`);
    else settings.stats = value;
  }
  const options = env.LEAKWATCH_OPTIONS;
  if (options !== undefined && options.trim() !== '') {
    try {
      settings.options = JSON.parse(options);
    } catch (err) {
      warn(`ignoring LEAKWATCH_OPTIONS: not JSON (${reasonOf(err)})`);
    }
  }
  if (env.LEAKWATCH_SNAPSHOT_DIR !== undefined && env.LEAKWATCH_SNAPSHOT_DIR !== '') settings.snapshotDir = env.LEAKWATCH_SNAPSHOT_DIR;
  return settings;
}

const { mb } = require('../format');
const thread = (threadId) => (threadId === 0 ? '' : ` thread ${threadId}`);

function formatters(threadId) {
  // Worker threads run their own monitor (and this preload): say which thread a line is from.
  const head = () => (threadId === 0 ? { time: Date.now(), pid: process.pid } : { time: Date.now(), pid: process.pid, threadId });
  return {
    json: {
      leak: (r) => JSON.stringify({ level: 'error', ...head(), msg: `leakwatch: ${r.reason}`, event: 'leak', ...r }),
      stats: (s) => JSON.stringify({ level: 'info', ...head(), msg: 'leakwatch: gc', event: 'stats', ...s }),
    },
    pretty: {
      leak: (r) =>
        `leakwatch: LEAK ${r.reason} (episode ${r.episode}${r.repeat ? `, re-alert ${r.repeat}` : ''}; pid ${process.pid}${thread(threadId)}` +
        // The reason already names the snapshot in its `leakwatch analyze` command.
        `${r.snapshotPath && !r.analyzeCommand ? `; snapshot ${r.snapshotPath}` : ''})`,
      stats: (s) =>
        `leakwatch: gc ${s.gcType} heap ${mb(s.usedHeapSize)} of ${mb(s.totalHeapSize)}, pause ${s.pauseMs.toFixed(1)} ms ` +
        `(pid ${process.pid}${thread(threadId)})`,
    },
  };
}

function start(env) {
  const settings = readEnv(env);
  let leakwatch;
  try {
    leakwatch = require('../index.js');
  } catch (err) {
    warn(`not monitoring: ${reasonOf(err)}`);
    return;
  }
  // No loadable binary: nothing could be monitored (the reason names the fix).
  if (leakwatch.native.mode === 'unavailable') {
    warn(`not monitoring: ${leakwatch.native.reason}`);
    return;
  }
  if (settings.options !== null) {
    try {
      leakwatch.configure(settings.options);
    } catch (err) {
      warn(`ignoring LEAKWATCH_OPTIONS: ${reasonOf(err)}`);
    }
  }
  if (settings.snapshotDir !== null) {
    try {
      // Keeps the other snapshot options LEAKWATCH_OPTIONS may have set.
      const current = leakwatch.options.snapshot;
      leakwatch.configure({ snapshot: { ...(current && typeof current === 'object' ? current : {}), dir: settings.snapshotDir } });
    } catch (err) {
      warn(`ignoring LEAKWATCH_SNAPSHOT_DIR: ${reasonOf(err)}`);
    }
  }
  if (settings.log === 'off') return;

  const { threadId } = require('node:worker_threads');
  const format = formatters(threadId)[settings.log];
  const write = (line) => {
    try {
      process.stderr.write(`${line}\n`);
    } catch {
      // stderr is gone: never take the app down for a log line.
    }
  };
  // JS thread, on each delivered event.
  leakwatch.on('leak', (report) => write(format.leak(report)));
  if (settings.stats) leakwatch.on('stats', (stats) => write(format.stats(stats)));
}

if (!globalThis[LOADED]) {
  globalThis[LOADED] = true;
  try {
    start(process.env);
  } catch (err) {
    warn(`not monitoring: ${reasonOf(err)}`);
  }
}
