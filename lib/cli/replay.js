'use strict';
// `leakwatch replay FILE`: the detector over a recorded trace, one line per leak report.

const { LeakDetector } = require('../leak-detector');
const { CliError, parseArgs, detectorOptionsArg } = require('./args');
const { readTrace } = require('./trace');
const { progress } = require('./progress');
const { mb, duration, plural } = require('../format');

const HELP = `Usage: leakwatch replay FILE [--options JSON] [--json] [--quiet]

Runs the leak detector (new LeakDetector(options), the same Rust code as the live monitor)
over a recorded trace, one sample per line in order, and prints every leak report.

Options:
  --options JSON   detector options, e.g. '{"minSamples": 8, "minDurationMs": 10000}'
                   (the {"leak": {...}} form of LEAKWATCH_OPTIONS works too); default: the
                   production defaults
  --json           one JSON line per report (the report, plus "line": its trace line), nothing else
  --quiet          no progress or warnings on stderr
  -h, --help       this help

FILE: one JSON object per line, {"t": ms since start, "used": bytes, "total": bytes}, as
written by \`leakwatch record\` (a live "leak" recorded in the trace is not replayed: the
detector decides again from the samples).

Exit codes:
  0  no leak reported
  3  at least one leak reported
  2  usage or input error (unreadable file, malformed line, empty trace, bad --options)
`;

/** Feeds every sample of `trace` to a fresh detector; returns the reports, in trace time, each
 * with `t` (= timestamp), `startT` and `line`. */
function replayTrace(trace, options, { quiet = false, label = 'replay' } = {}) {
  const detector = new LeakDetector(options);
  const meter = progress(label, { quiet });
  const reports = [];
  const { samples } = trace;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    let report;
    try {
      report = detector.update({ timestamp: s.t, usedHeapSize: s.used });
    } catch (err) {
      throw new CliError(`${trace.file}:${s.line}: the detector rejected this sample: ${err.message.replace(/^leakwatch: /, '')}`);
    }
    if (report) reports.push({ ...report, t: s.t, startT: report.startTimestamp, line: s.line });
    meter.tick(i + 1, samples.length);
  }
  return reports;
}

function reportLine(r) {
  const where = r.repeat ? `episode ${r.episode}, re-alert ${r.repeat}` : `episode ${r.episode}`;
  return `t=${duration(r.t)}  LEAK  ${r.reason}  (${where})`;
}

function summaryLine(samples, reports) {
  const first = samples[0];
  const last = samples[samples.length - 1];
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    min = Math.min(min, s.used);
    max = Math.max(max, s.used);
  }
  const span = `${plural(samples.length, 'full GC')} over ${duration(last.t - first.t)}`;
  if (reports.length === 0) return `no leak: ${span}, heap ${mb(min)} to ${mb(max)} after GC`;
  const episodes = new Set(reports.map((r) => r.episode)).size;
  return (
    `${plural(reports.length, 'leak report')} (${plural(episodes, 'episode')}) ` +
    `in ${span}, heap ${mb(first.used)} at the start, ${mb(last.used)} at the end after GC`
  );
}

function run(argv, { stdout, stderr }) {
  const { values, positionals } = parseArgs(argv, {
    options: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new CliError(positionals.length === 0 ? 'replay needs a trace file' : `replay takes one trace file (got ${positionals.length})`, 2, { usage: true });
  const options = detectorOptionsArg(values.options);
  const trace = readTrace(positionals[0]);
  if (!values.quiet) for (const w of trace.warnings) stderr.write(`leakwatch: ${w}\n`);
  const reports = replayTrace(trace, options, { quiet: values.quiet });
  if (values.json) {
    for (const { t, startT, line, ...r } of reports) stdout.write(`${JSON.stringify({ ...r, line })}\n`);
  } else {
    for (const r of reports) stdout.write(`${reportLine(r)}\n`);
    stdout.write(`${summaryLine(trace.samples, reports)}\n`);
  }
  return reports.length > 0 ? 3 : 0;
}

module.exports = { HELP, run, replayTrace };
