'use strict';
// Command-line parsing for bin/leakwatch.js: a small parser with exactly the behaviour the
// subcommands need (flags, `--name value` / `--name=value` / `-o value`, `--` and, for
// `record`, stopping at the program to run so its own flags are passed through untouched).

/** An error meant for the user: printed as one line on stderr, then exit with `exitCode`. */
class CliError extends Error {
  constructor(message, exitCode = 2, { usage = false } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    // true: the message is about how the command was called, so point at --help.
    this.usage = usage;
  }
}

const usageError = (message) => new CliError(message, 2, { usage: true });

/**
 * Parses `argv` against `spec`: `{ name: { type: 'string' | 'boolean', short?: 'o' } }`.
 * Returns `{ values, positionals, rest }`. With `stopAtPositional`, the first positional and
 * everything after it (or everything after `--`) is returned untouched in `rest`.
 */
function parseArgs(argv, spec, { stopAtPositional = false } = {}) {
  const values = {};
  const positionals = [];
  const byShort = Object.fromEntries(
    Object.entries(spec)
      .filter(([, s]) => s.short)
      .map(([name, s]) => [s.short, name]),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { values, positionals, rest: argv.slice(i + 1) };
    if (arg.length < 2 || arg[0] !== '-') {
      if (stopAtPositional) return { values, positionals, rest: argv.slice(i) };
      positionals.push(arg);
      continue;
    }
    let name;
    let inline;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      name = byShort[arg.slice(1, 2)];
      if (name === undefined) throw usageError(`unknown option ${arg}`);
      inline = arg.length > 2 ? arg.slice(2).replace(/^=/, '') : undefined;
    }
    const option = spec[name];
    if (!option) throw usageError(`unknown option ${arg.split('=')[0]}`);
    if (option.type === 'boolean') {
      if (inline !== undefined) throw usageError(`option --${name} takes no value`);
      values[name] = true;
    } else {
      const value = inline !== undefined ? inline : argv[++i];
      if (value === undefined) throw usageError(`option --${name} needs a value`);
      values[name] = value;
    }
  }
  return { values, positionals, rest: [] };
}

/** Detector options from `--options JSON`: `{"minSamples": 8}` or the `{"leak": {...}}` form
 * of leakwatch.configure() / LEAKWATCH_OPTIONS. Checked by constructing a detector. */
function detectorOptionsArg(text) {
  if (text === undefined) return undefined;
  let options;
  try {
    options = JSON.parse(text);
  } catch (err) {
    throw usageError(`--options is not JSON: ${err.message}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw usageError('--options must be a JSON object of detector options, e.g. {"minSamples": 8}');
  }
  const keys = Object.keys(options);
  if (keys.length === 1 && keys[0] === 'leak') options = options.leak;
  const { LeakDetector } = require('../leak-detector');
  try {
    new LeakDetector(options);
  } catch (err) {
    throw usageError(`invalid --options: ${err.message.replace(/^leakwatch: /, '')}`);
  }
  return options;
}

/** `--every SECONDS` style numbers. */
function positiveNumberArg(text, name) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--${name} must be a positive number (got ${JSON.stringify(text)})`);
  return n;
}

module.exports = { CliError, usageError, parseArgs, detectorOptionsArg, positiveNumberArg };
