#!/usr/bin/env node
'use strict';
// The `leakwatch` command: record, replay and chart the post-GC heap of a Node.js program, and
// analyze its heap snapshots.
// Each subcommand lives in lib/cli/; this file only dispatches and turns errors into exit codes.

const COMMANDS = {
  record: () => require('../lib/cli/record'),
  replay: () => require('../lib/cli/replay'),
  report: () => require('../lib/cli/report'),
  analyze: () => require('../lib/cli/analyze'),
};

const HELP = `Usage: leakwatch <command> [options]

Records, replays and charts the heap of a Node.js program after each full GC, and analyzes
its heap snapshots.

Commands:
  record -o FILE [--] COMMAND [ARGS...]   run a program, record one JSON line per full GC
  replay FILE                             run the leak detector over a trace, print its reports
  report FILE [-o FILE.html]              write a self-contained HTML chart of a trace
  analyze SNAPSHOT... [-o FILE.html]      what holds the memory in .heapsnapshot files; with
                                          2 or 3 snapshots (baseline, target, final): the leak

  leakwatch <command> --help              that command's options

Examples:
  leakwatch record -o trace.jsonl -- node app.js
  leakwatch replay trace.jsonl
  leakwatch report trace.jsonl -o report.html
  leakwatch analyze before.heapsnapshot after.heapsnapshot -o analysis.html

Exit codes:
  0    success; replay: no leak reported
  3    replay: at least one leak reported
  2    usage or input error (unknown command or option, unreadable or malformed trace,
       truncated or corrupt snapshot)
  1    internal error (a bug: please report it)
  record exits with the program's own exit code, 128+N if a signal N ended it, 127 if it
  could not be started.
`;

async function main(argv, io) {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version') {
    io.stdout.write(`${require('../package.json').version}\n`);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    io.stderr.write(`leakwatch: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
    return 2;
  }
  const { CliError } = require('../lib/cli/args');
  try {
    return await COMMANDS[command]().run(rest, io);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.stderr.write(`leakwatch ${command}: ${err.message}\n`);
    if (err.usage) io.stderr.write(`Run 'leakwatch ${command} --help' for usage.\n`);
    return err.exitCode;
  }
}

// `leakwatch replay big.jsonl | head`: a closed pipe is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`leakwatch: internal error (please report it): ${err?.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
