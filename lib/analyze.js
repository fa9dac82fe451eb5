'use strict';
// leakwatch/analyze: offline analysis of .heapsnapshot files (crates/analyze, through
// crates/node/src/binding/analyze.rs): dominators and retained sizes, top retainers, totals by
// constructor, and with 2–3 snapshots the leak method (memlab's: what was allocated between
// the first two and is still alive in the last, clustered by retainer path) plus a diff of
// the first and the last by constructor. The work runs on libuv's thread pool; the JS thread
// only polls its progress, from an unref'd timer that never keeps the process alive.

const binding = require('./binding');
const { error, invalidType, outOfRange, typeError } = require('./errors');
const { checkNumber, checkShape } = require('./options');

const PHASES = ['waiting', 'read', 'dominators', 'analysis', 'done'];
const PROGRESS_MS = 100;

/** `paths` as an array of 1 to 3 non-empty strings, or a TypeError/RangeError with a code. */
function checkPaths(paths) {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list)) throw invalidType('analyze paths', 'a path or an array of 1 to 3 paths', paths);
  if (list.length < 1 || list.length > 3) {
    throw outOfRange('analyze paths', 'an array of 1 to 3 paths (baseline, target, final)', `${list.length} paths`);
  }
  list.forEach((p, i) => {
    if (typeof p !== 'string') throw invalidType(`analyze paths[${i}]`, 'a string', p);
    if (p === '' || p.includes('\0')) throw typeError(`analyze paths[${i}] must be a file path (got ${JSON.stringify(p)})`, 'ERR_LEAKWATCH_INVALID_VALUE');
  });
  return [...list];
}

/** The error a failed analysis rejects with (its JSON is made by the Rust side). */
function analysisError({ code, message }) {
  if (code === '') return new Error(`leakwatch: analyze: ${message}`);
  return error(`leakwatch: analyze: ${message}`, code);
}

/**
 * Analyzes 1 to 3 heap snapshot files (baseline, [target,] final), off the JS thread.
 * Throws a TypeError/RangeError (with `code`) on bad arguments; the promise rejects with
 * `ERR_LEAKWATCH_SNAPSHOT_READ` for a file that cannot be read and
 * `ERR_LEAKWATCH_SNAPSHOT_FORMAT` (the message names the file and the byte offset) for one
 * that is not a well-formed snapshot.
 */
function analyze(paths, options = {}) {
  const list = checkPaths(paths);
  checkShape(options, { top: 'number', onProgress: 'function' }, 'analyze options');
  const top = options.top ?? 20;
  checkNumber(top, 'analyze options.top', 1, 10_000, true);
  const onProgress = options.onProgress;

  const native = new binding.NativeAnalysis();
  const running = native.run(list, top);
  let last = '';
  let progressError = null;
  const report = () => {
    const [phase, file, bytesRead, bytesTotal] = native.progress();
    const key = `${phase}:${file}:${bytesRead}`;
    if (key === last || phase === 0) return;
    last = key;
    try {
      onProgress({ phase: PHASES[phase] ?? 'analysis', file: list[file], bytesRead, bytesTotal });
    } catch (err) {
      progressError ??= err;
    }
  };
  const timer = onProgress ? setInterval(report, PROGRESS_MS).unref() : null;
  return running.then((json) => {
    if (timer) {
      clearInterval(timer);
      report();
    }
    const result = JSON.parse(json);
    if (result.error) throw analysisError(result.error);
    if (progressError) throw progressError;
    return result;
  });
}

module.exports = { analyze };
