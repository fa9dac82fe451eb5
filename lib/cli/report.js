'use strict';
// `leakwatch report FILE -o report.html`: a self-contained HTML page charting a trace.

const fs = require('node:fs');
const path = require('node:path');
const { CliError, parseArgs, detectorOptionsArg, usageError } = require('./args');
const { readTrace } = require('./trace');
const { replayTrace } = require('./replay');
const { renderHtml } = require('./html-report');
const { plural } = require('../format');

const HELP = `Usage: leakwatch report FILE [-o OUT.html] [--title TEXT] [--options JSON] [--replay] [--quiet]

Writes one self-contained HTML page (inline CSS and SVG: no script, nothing fetched from the
network) charting a trace: the heap used after each full GC over time, the heap total, the
post-GC floor, and for each leak episode its baseline, its trend line and a marker where
\`leak\` fired (hover for the reason), with a summary table and the list of reports.

Leak reports: those recorded live in the trace by \`leakwatch record\` when it has any and
neither --options nor --replay is given; otherwise the detector is run over the samples, as
\`leakwatch replay\` does.

Options:
  -o, --output FILE   the page to write (default: FILE with .html for .jsonl)
  --title TEXT        the page title (default: "leakwatch: <trace file name>")
  --options JSON      detector options for the replay, e.g. '{"minSamples": 8}'
  --replay            replay the detector even when the trace has live reports
  --quiet             no progress or warnings on stderr
  -h, --help          this help

Exit codes: 0 written (leak or not), 2 usage or input error (unreadable, malformed or empty
trace, bad --options, unwritable output).
`;

function run(argv, { stdout, stderr }) {
  const { values, positionals } = parseArgs(argv, {
    output: { type: 'string', short: 'o' },
    title: { type: 'string' },
    options: { type: 'string' },
    replay: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw usageError(positionals.length === 0 ? 'report needs a trace file' : `report takes one trace file (got ${positionals.length})`);
  const [file] = positionals;
  const options = detectorOptionsArg(values.options);
  const output = values.output ?? `${file.replace(/\.jsonl?$/i, '')}.html`;
  if (path.resolve(output) === path.resolve(file)) throw usageError('the output would overwrite the trace: give -o OUT.html');
  const trace = readTrace(file);
  if (!values.quiet) for (const w of trace.warnings) stderr.write(`leakwatch: ${w}\n`);

  let reports;
  let source;
  if (trace.leaks.length > 0 && options === undefined && !values.replay) {
    reports = trace.leaks;
    source = 'reports recorded live by leakwatch record';
  } else {
    reports = replayTrace(trace, options, { quiet: values.quiet, label: 'report' });
    source = options === undefined ? 'replayed with the default options' : `replayed with ${JSON.stringify(options)}`;
  }
  const html = renderHtml({ title: values.title ?? `leakwatch: ${path.basename(file)}`, trace, reports, source });
  try {
    fs.writeFileSync(output, html);
  } catch (err) {
    throw new CliError(`cannot write ${output}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`);
  }
  if (!values.quiet) {
    stderr.write(`leakwatch report: wrote ${output} (${plural(trace.samples.length, 'sample')}, ${plural(reports.length, 'leak report')})\n`);
  }
  return 0;
}

module.exports = { HELP, run };
