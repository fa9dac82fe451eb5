'use strict';
// Traces: one JSON line per full GC, `{"t": ms since start, "used": bytes, "total": bytes}`
// (the format of ../shared/eval/traces). `leakwatch record` adds `ts` (epoch ms of the GC),
// `pause` (ms) and, on the sample that raised it, `leak` (the live report, verbatim). Anything
// that reads the plain format reads these too: the extra fields are ignored.

const fs = require('node:fs');
const path = require('node:path');
const { CliError } = require('./args');

const round1 = (x) => Math.round(x * 10) / 10;

/** One trace line (with its newline) for a `stats` payload, `t0` being the epoch ms of t = 0. */
function sampleLine(stats, t0, leak) {
  const line = {
    t: round1(stats.timestamp - t0),
    used: stats.usedHeapSize,
    total: stats.totalHeapSize,
    ts: round1(stats.timestamp),
    pause: Math.round(stats.pauseMs * 100) / 100,
  };
  if (leak) line.leak = leak;
  return `${JSON.stringify(line)}\n`;
}

const isBytes = (x) => typeof x === 'number' && Number.isFinite(x) && x >= 0;

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const why = { ENOENT: 'no such file', EISDIR: 'it is a directory', EACCES: 'permission denied' }[err.code] ?? err.message;
    throw new CliError(`cannot read trace ${file}: ${why}`);
  }
}

/**
 * Reads and checks a trace. Returns `{ file, samples, leaks, warnings }`: samples
 * `{ t, used, total, ts, pause, line }` (total/ts/pause null when absent) in time order, and the
 * recorded live leak reports with `t`/`startT` in trace time. Bad input throws a CliError that
 * names the line. A last line cut off mid-write (no newline at the end of the file) is skipped
 * with a warning: that is what a recording killed with SIGKILL looks like.
 */
function readTrace(file) {
  const name = path.basename(file);
  const text = readText(file);
  const lines = text.split('\n');
  const samples = [];
  const leaks = [];
  const warnings = [];
  const fail = (n, message) => {
    throw new CliError(`${file}:${n}: ${message}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i].trim();
    if (raw === '') continue;
    let obj;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      if (i === lines.length - 1 && samples.length > 0) {
        warnings.push(`${name}:${n}: ignoring the incomplete last line (the recording was cut off)`);
        continue;
      }
      fail(n, `not valid JSON (${err.message})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) fail(n, 'expected an object like {"t": 1234, "used": 52428800, "total": 88080384}');
    const { t, used, total, ts, pause, leak } = obj;
    if (typeof t !== 'number' || !Number.isFinite(t)) fail(n, `"t" must be a number of milliseconds since the start (got ${JSON.stringify(t)})`);
    if (!isBytes(used)) fail(n, `"used" must be a number of bytes (got ${JSON.stringify(used)})`);
    if (total !== undefined && !isBytes(total)) fail(n, `"total" must be a number of bytes (got ${JSON.stringify(total)})`);
    const previous = samples[samples.length - 1];
    if (previous && t < previous.t) fail(n, `"t" goes back in time (${t} after ${previous.t} on line ${previous.line})`);
    const sample = {
      t,
      used,
      total: total ?? null,
      ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : null,
      pause: typeof pause === 'number' && Number.isFinite(pause) ? pause : null,
      line: n,
    };
    samples.push(sample);
    if (leak !== undefined) {
      if (leak === null || typeof leak !== 'object' || typeof leak.timestamp !== 'number') fail(n, '"leak" must be a leak report object');
      // Live reports carry epoch timestamps; the sample's ts - t maps them to trace time.
      const offset = sample.ts !== null ? sample.ts - t : 0;
      const startT = typeof leak.startTimestamp === 'number' ? leak.startTimestamp - offset : t;
      leaks.push({ ...leak, t, startT });
    }
  }
  if (samples.length === 0) throw new CliError(`${file}: no samples (the trace is empty)`);
  return { file, samples, leaks, warnings };
}

module.exports = { sampleLine, readTrace };
