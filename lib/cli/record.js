'use strict';
// `leakwatch record -o FILE [--] COMMAND [ARGS...]`: runs a program with lib/recorder.js
// preloaded (through NODE_OPTIONS) and follows the trace it writes, for progress on stderr.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { CliError, parseArgs, detectorOptionsArg, positiveNumberArg, usageError } = require('./args');
const { clock, duration, mb, plural } = require('../format');

const RECORDER = path.join(__dirname, '..', 'recorder.js');
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const HELP = `Usage: leakwatch record -o FILE [options] [--] COMMAND [ARGS...]

Runs COMMAND (a Node.js program) with leakwatch preloaded and writes one JSON line per full
GC to FILE: {"t": ms since the process started, "used": heap used after the GC (bytes),
"total": heap total, "ts": epoch ms, "pause": GC pause ms}, plus "leak": the report on the
sample where the live detector raised one. Replay it with \`leakwatch replay FILE\`, chart it
with \`leakwatch report FILE\`.

  leakwatch record -o trace.jsonl -- node --optimize-for-size app.js --port 8080
  leakwatch record -o trace.jsonl app.js          (a .js/.mjs/.cjs file runs with this node)

Options:
  -o, --output FILE      the trace to write (replaced if it exists)
  --options JSON         detector options for the live leak reports, e.g. '{"minSamples": 8}'
  --progress-every SEC   seconds between progress lines on stderr (default 10)
  --quiet                no progress, leak or summary lines on stderr
  -h, --help             this help

The preload goes in through NODE_OPTIONS (-r), so COMMAND must be node itself (or a script
run by it), not a wrapper such as npm. Only that process is recorded: node processes it
starts and its worker threads are not. stdin, stdout and stderr are the program's;
SIGINT, SIGTERM and SIGHUP sent to leakwatch are passed on to it. Lines are written after
each full GC, so the trace is complete however the program ends (a GC in its very last
moment may be missed).

Exit codes: the program's own exit code; 128+N if signal N ended it; 127 if it could not
be started; 2 for a usage error or an unwritable FILE.
`;

/** NODE_OPTIONS with `-r file` added; NODE_OPTIONS understands double-quoted values. */
function withPreload(nodeOptions, file) {
  const quoted = `"${file.replace(/["\\]/g, '\\$&')}"`;
  return `${nodeOptions ? `${nodeOptions} ` : ''}-r ${quoted}`;
}

/** Follows a trace file as it is written: complete lines only. */
class TraceFollower {
  #file;
  #offset = 0;
  #partial = '';
  samples = 0;
  leaks = [];
  last = null;

  constructor(file) {
    this.#file = file;
  }

  /** Reads what was appended since the last call; returns the new leak reports. */
  poll() {
    let text;
    try {
      const fd = fs.openSync(this.#file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= this.#offset) return [];
        const buffer = Buffer.alloc(size - this.#offset);
        const n = fs.readSync(fd, buffer, 0, buffer.length, this.#offset);
        this.#offset += n;
        text = this.#partial + buffer.toString('utf8', 0, n);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return [];
    }
    const lines = text.split('\n');
    this.#partial = lines.pop();
    const fresh = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const sample = JSON.parse(line);
        this.samples++;
        this.last = sample;
        if (sample.leak) fresh.push({ t: sample.t, report: sample.leak });
      } catch {
        // Not ours to judge here: `replay` and `report` name malformed lines.
      }
    }
    this.leaks.push(...fresh);
    return fresh;
  }
}

function resolveCommand(rest) {
  const [command, ...args] = rest;
  // `record -o f app.js`: a script runs with the node that runs leakwatch.
  if (/\.[cm]?js$/i.test(command)) return { command: process.execPath, args: [command, ...args] };
  return { command, args };
}

function run(argv, { stderr, stdout }) {
  const { values, rest } = parseArgs(
    argv,
    {
      output: { type: 'string', short: 'o' },
      options: { type: 'string' },
      'progress-every': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    { stopAtPositional: true },
  );
  if (values.help) {
    stdout.write(HELP);
    return 0;
  }
  if (!values.output) throw usageError('record needs -o FILE, the trace to write');
  if (rest.length === 0) throw usageError('record needs a program to run, e.g. leakwatch record -o trace.jsonl -- node app.js');
  const options = detectorOptionsArg(values.options);
  const everyMs = (positiveNumberArg(values['progress-every'], 'progress-every') ?? 10) * 1000;
  const file = path.resolve(values.output);
  try {
    fs.writeFileSync(file, '');
  } catch (err) {
    throw new CliError(`cannot write ${values.output}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`);
  }

  const { command, args } = resolveCommand(rest);
  const env = {
    ...process.env,
    NODE_OPTIONS: withPreload(process.env.NODE_OPTIONS, RECORDER),
    LEAKWATCH_RECORD_FILE: file,
    LEAKWATCH_RECORD_NODE_OPTIONS: process.env.NODE_OPTIONS ?? '',
  };
  if (options !== undefined) env.LEAKWATCH_RECORD_OPTIONS = JSON.stringify(options);
  const say = (line) => {
    if (!values.quiet) stderr.write(`leakwatch record: ${line}\n`);
  };

  return new Promise((resolve, reject) => {
    const started = Date.now();
    const follower = new TraceFollower(file);
    const reportLeaks = () => {
      for (const { t, report } of follower.poll()) say(`LEAK at t=${duration(t)}: ${report.reason}`);
    };
    const progressLine = () => {
      const heap = follower.last ? `heap ${mb(follower.last.used)} used of ${mb(follower.last.total ?? follower.last.used)} after the last` : 'none yet';
      const leaks = follower.leaks.length ? `, ${plural(follower.leaks.length, 'leak report')}` : '';
      say(`${clock(Date.now() - started)} ${plural(follower.samples, 'full GC')} recorded, ${heap}${leaks}`);
    };
    let lastProgress = started;
    const timer = setInterval(
      () => {
        reportLeaks();
        if (Date.now() - lastProgress >= everyMs - 50) {
          lastProgress = Date.now();
          progressLine();
        }
      },
      Math.min(1000, everyMs),
    );

    let child;
    try {
      child = spawn(command, args, { stdio: 'inherit', env });
    } catch (err) {
      clearInterval(timer);
      reject(new CliError(`cannot run ${command}: ${err.message}`, 127));
      return;
    }
    const forward = Object.fromEntries(FORWARDED_SIGNALS.map((signal) => [signal, () => child.kill(signal)]));
    for (const [signal, handler] of Object.entries(forward)) process.on(signal, handler);
    const done = () => {
      clearInterval(timer);
      for (const [signal, handler] of Object.entries(forward)) process.off(signal, handler);
    };
    child.on('error', (err) => {
      done();
      const why = err.code === 'ENOENT' ? 'command not found' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new CliError(`cannot run ${JSON.stringify(command)}: ${why}`, 127));
    });
    child.on('exit', (code, signal) => {
      done();
      reportLeaks();
      const how = signal ? `ended by ${signal}` : `exited with code ${code}`;
      if (follower.samples === 0) {
        say(
          `no full GC recorded in ${values.output} (the program ${how}). Either it ended before its first full GC ` +
            '(short programs may have none: try node --optimize-for-size) or it is not a node process that loaded the preload ' +
            '(run node directly, not through npm or a shell script that resets NODE_OPTIONS).',
        );
      } else {
        const leaks = follower.leaks.length;
        const span = follower.last && typeof follower.last.t === 'number' ? ` up to t=${duration(follower.last.t)}` : '';
        say(`${plural(follower.samples, 'full GC')}${span} recorded in ${values.output}, ${plural(leaks, 'leak report')} (the program ${how})`);
      }
      resolve(signal ? 128 + (os.constants.signals[signal] ?? 0) : code);
    });
  });
}

module.exports = { HELP, run, withPreload };
