'use strict';
// `leakwatch analyze SNAPSHOT…`: what holds the memory in .heapsnapshot files (the analysis is
// require('leakwatch/analyze'), in Rust off the JS thread); this file only parses the command
// line, prints the report as text or JSON, writes the HTML page and maps errors to exit codes.

const fs = require('node:fs');
const path = require('node:path');
const { CliError, parseArgs, usageError } = require('./args');
const { renderAnalyzeHtml } = require('./analyze-html');
const { formatPath, nodeLabel } = require('./heap-path');
const { bytes, duration, plural } = require('../format');

const HELP = `Usage: leakwatch analyze SNAPSHOT... [--json] [-o OUT.html] [--top N] [--progress] [--quiet]

Reads Chrome DevTools .heapsnapshot files (written by leakwatch on \`leak\` with the
\`snapshot\` option, by writeSnapshot(), v8.writeHeapSnapshot() or DevTools) as a stream,
several GB included, and reports what holds the memory of the last one: its top retainers
by retained size (dominator tree, weak edges excluded, as DevTools) with their shortest
retainer path from the GC roots, and its objects by constructor (count, self and retained
bytes).

With 2 or 3 snapshots of one process (baseline, target[, final]: memlab's method), the leak:
the objects allocated after the baseline (in the target) and still alive in the last
snapshot, clustered by retainer path, largest retained size first; and a diff of the first
and last snapshots by constructor. \`leak\` reports name the command to run on their snapshots.

Options:
  --json              print the report as one JSON object (the object analyze() of
                      require('leakwatch/analyze') returns), nothing else on stdout
  -o, --output FILE   also write a self-contained HTML page of the report (no script, nothing
                      fetched from the network)
  --top N             rows per list: clusters, retainers, constructors, diff (default 20)
  --progress          progress lines on stderr even when it is not a terminal
  --quiet             nothing on stderr but errors
  -h, --help          this help

Exit codes: 0 analyzed; 2 usage or input error (unreadable, truncated or corrupt snapshot:
the message names the file and the byte offset; unwritable output); 1 internal error.
`;

const TOP_DEFAULT = 20;
const TOP_MAX = 10_000;

function topArg(text) {
  if (text === undefined) return TOP_DEFAULT;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > TOP_MAX) throw usageError(`--top must be an integer from 1 to ${TOP_MAX} (got ${JSON.stringify(text)})`);
  return n;
}

/** The snapshot files, checked readable before any work (so the error names the file). */
function checkSnapshots(files) {
  return files.map((file) => {
    let stat;
    try {
      stat = fs.statSync(file);
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
    }
    if (!stat.isFile()) throw new CliError(`cannot read ${file}: not a file`);
    return stat.size;
  });
}

const PHASE_LINES = { dominators: 'computing dominators and retained sizes', analysis: 'retainer paths, constructors, leak clusters' };

/** Progress on stderr from analyze()'s onProgress ({ phase, file, bytesRead, bytesTotal },
 * polled): a line per 5 % read of each file, its 100 % line once the reading has moved on
 * (however fast it went), and one per later phase. */
function progressLines(stream, files, sizes) {
  const step = new Map();
  const finished = new Set();
  let phase = null;
  const line = (file, done, total) => {
    const pct = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
    stream.write(`leakwatch analyze: reading ${path.basename(file)}: ${pct}% (${bytes(done)} of ${bytes(total)})\n`);
  };
  const finish = (upTo) => {
    for (let i = 0; i < upTo; i++) {
      if (finished.has(i)) continue;
      finished.add(i);
      line(files[i], sizes[i], sizes[i]);
    }
  };
  return ({ phase: now, file, bytesRead, bytesTotal }) => {
    const index = Math.max(0, files.indexOf(file));
    if (now === 'read') {
      finish(index);
      const total = bytesTotal || sizes[index];
      const s = total > 0 ? Math.floor((20 * bytesRead) / total) : 0;
      if (step.get(index) === s || finished.has(index)) return;
      step.set(index, s);
      if (s >= 20) finished.add(index);
      line(files[index], bytesRead, total);
      return;
    }
    if (now === 'waiting') return;
    finish(files.length);
    if (now !== phase && PHASE_LINES[now]) stream.write(`leakwatch analyze: ${PHASE_LINES[now]}\n`);
    phase = now;
  };
}

/** Writes `text` to `file` whole or not at all: a temp file beside it, then a rename. */
function writeAtomically(file, text) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`);
  }
}

/** An analyze() failure as a CliError when it is about the input or the arguments. */
function inputError(err) {
  const message = String(err?.message ?? err).replace(/^leakwatch: (analyze: )?/, '');
  if (err?.code === 'ERR_LEAKWATCH_SNAPSHOT_FORMAT' || err?.code === 'ERR_LEAKWATCH_SNAPSHOT_READ') return new CliError(message);
  if (['ENOENT', 'EACCES', 'EISDIR', 'EIO'].includes(err?.code)) return new CliError(message);
  if ((err instanceof TypeError || err instanceof RangeError) && String(err.code).startsWith('ERR_LEAKWATCH_')) return usageError(message);
  return null;
}

async function run(argv, { stdout, stderr }) {
  const { values, positionals } = parseArgs(argv, {
    json: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    top: { type: 'string' },
    progress: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) throw usageError('analyze needs a .heapsnapshot file');
  if (positionals.length > 3) throw usageError(`analyze takes 1 to 3 snapshots (baseline, target, final); got ${positionals.length}`);
  const top = topArg(values.top);
  const output = values.output;
  if (output !== undefined && positionals.some((f) => path.resolve(f) === path.resolve(output))) {
    throw usageError('the output would overwrite a snapshot: give -o OUT.html');
  }
  const sizes = checkSnapshots(positionals);
  const showProgress = !values.quiet && (values.progress || stderr.isTTY === true);
  const onProgress = showProgress ? progressLines(stderr, positionals, sizes) : undefined;

  const { analyze } = require('../analyze');
  let report;
  try {
    report = await analyze(positionals, { top, onProgress });
  } catch (err) {
    throw inputError(err) ?? err;
  }
  if (values.json) stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else stdout.write(renderText(report, { top }));
  if (output !== undefined) {
    writeAtomically(output, renderAnalyzeHtml(report, { top }));
    if (!values.quiet) stderr.write(`leakwatch analyze: wrote ${output}\n`);
  }
  return 0;
}

// ---- the text report ----------------------------------------------------------------------

const count = (n) => n.toLocaleString('en-US');
const pad = (text, width) => String(text).padStart(width);
const padEnd = (text, width) => String(text).padEnd(width);

function renderText(report, { top = TOP_DEFAULT } = {}) {
  const out = [];
  const last = report.snapshots[report.snapshots.length - 1];
  for (const s of report.snapshots) {
    // A baseline or target is read for its node ids only: no edge count.
    const edges = s.edges === null || s.edges === undefined ? '' : `, ${count(s.edges)} edges`;
    out.push(`snapshot ${s.path}: ${bytes(s.bytes)}, ${count(s.nodes)} nodes${edges}, read in ${duration(s.readMs)}`);
  }
  out.push(
    `heap of ${path.basename(last.path)}: ${bytes(report.heap.totalBytes)} in ${count(report.heap.nodes)} objects; analyzed in ${duration(report.timings.totalMs)} ` +
      `(read ${duration(report.timings.readMs)}, dominators ${duration(report.timings.dominatorsMs)}, analyses ${duration(report.timings.analysisMs)})`,
  );
  out.push('');

  const { leak } = report;
  if (leak) {
    const method =
      leak.method === 'baseline-target-final' ? 'new in the target, alive in the final snapshot' : 'new since the baseline, alive in the last snapshot';
    if (leak.clusters.length === 0) {
      out.push(`No leak: no object ${method.replace('new', 'allocated').replace(', alive', ' is still alive')}.`);
    } else {
      out.push(
        `LEAK: ${count(leak.objects)} ${leak.objects === 1 ? 'object' : 'objects'} ${method} (${path.basename(leak.baseline)} → ${path.basename(leak.final)}), ` +
          `${bytes(leak.retainedBytes)} retained, in ${plural(leak.clusters.length, 'cluster')}:`,
      );
      leak.clusters.slice(0, top).forEach((c, i) => {
        out.push(`  ${i + 1}. ${c.constructor} ×${count(c.count)}: ${bytes(c.retainedBytes)} retained (${bytes(c.selfBytes)} self)`);
        out.push(`     ${formatPath(c.path)}`);
      });
    }
    out.push('');
  }

  out.push(`Top retainers of ${path.basename(last.path)} (retained size: what the object alone keeps alive):`);
  report.topRetainers.slice(0, top).forEach((r, i) => {
    out.push(`  ${pad(`${i + 1}.`, 4)} ${pad(bytes(r.retainedBytes), 9)}  ${nodeLabel(r.name, r.type)} @${r.id} (${bytes(r.selfBytes)} self)`);
    if (r.path?.length) out.push(`       ${formatPath(r.path)}`);
  });
  out.push('');

  const rows = report.constructors.slice(0, top);
  const width = Math.min(48, Math.max(11, ...rows.map((r) => r.name.length)));
  out.push('By constructor (largest retained first):');
  out.push(`  ${padEnd('constructor', width)}  ${pad('count', 10)}  ${pad('self', 9)}  ${pad('retained', 9)}`);
  for (const r of rows) {
    const name = r.name.length > width ? `${r.name.slice(0, width - 1)}…` : r.name;
    out.push(`  ${padEnd(name, width)}  ${pad(count(r.count), 10)}  ${pad(bytes(r.selfBytes), 9)}  ${pad(bytes(r.retainedBytes), 9)}`);
  }

  const { diff } = report;
  if (diff) {
    const net = diff.after.bytes - diff.before.bytes;
    out.push('');
    out.push(
      `Diff ${path.basename(diff.before.path)} → ${path.basename(diff.after.path)}: ${net >= 0 ? '+' : ''}${bytes(net)} ` +
        `(${bytes(diff.before.bytes)} → ${bytes(diff.after.bytes)}, ${count(diff.before.nodes)} → ${count(diff.after.nodes)} nodes), by constructor:`,
    );
    const dw = Math.min(48, Math.max(4, ...diff.details.slice(0, top).map((d) => d.what.length)));
    out.push(`  ${padEnd('what', dw)}  ${pad('added', 10)}  ${pad('removed', 10)}  ${pad('net', 10)}`);
    for (const d of diff.details.slice(0, top)) {
      const what = d.what.length > dw ? `${d.what.slice(0, dw - 1)}…` : d.what;
      out.push(
        `  ${padEnd(what, dw)}  ${pad(`+${count(d.countAdded)}`, 10)}  ${pad(`-${count(d.countRemoved)}`, 10)}  ${pad(`${d.netBytes >= 0 ? '+' : ''}${bytes(d.netBytes)}`, 10)}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

module.exports = { HELP, run, renderText };
