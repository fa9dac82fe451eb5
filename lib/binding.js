'use strict';
// Finds and loads the native addon built for *this* Node. The C++ shim ties a binary to one
// Node ABI (NODE_MODULE_VERSION): loading a mismatched one would crash on first use, so the
// ABI is checked from the file name before loading, and again from the binary after. The shim
// is also compiled for one V8 object layout (pointer compression, sandbox, …: the V8 build
// flags of the headers it was built with); those are checked against this Node's
// process.config before any V8 call.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { binaryName, abiOf } = require('./binary-name');
const { error, typeError } = require('./errors');

const BUILD_DIR = path.join(__dirname, '..', 'build');
const REBUILD = 'npm rebuild leakwatch (or `npm run build` in a clone of leakwatch)';

const loadError = (message, code) => error(`leakwatch: ${message}`, code);

function mismatch(builtFor, running) {
  return loadError(
    `the native addon was built for Node ABI ${builtFor}, but this is Node ${process.version} ` + `(ABI ${running}). Rebuild it for this Node: ${REBUILD}.`,
    'ERR_LEAKWATCH_ABI_MISMATCH',
  );
}

function flagValue(value) {
  // config.gypi switches, as process.config has them: 1/0, 'true'/'false', true/false.
  return value === 1 || value === true || value === '1' || value === 'true' ? 1 : 0;
}

/** The running Node's V8 build flags. Documented test hook: LEAKWATCH_SIMULATE_V8_FLAGS
 * ("v8_enable_pointer_compression=1,…") overrides some, to exercise the mismatch error. */
function runningV8Flags(names) {
  const variables = process.config?.variables || {};
  const running = Object.fromEntries(names.map((name) => [name, flagValue(variables[name])]));
  const simulate = process.env.LEAKWATCH_SIMULATE_V8_FLAGS;
  if (simulate) {
    for (const entry of simulate.split(',')) {
      const [name, value] = entry.split('=').map((x) => x.trim());
      if (!/^[a-z0-9_]+$/.test(name || '') || !/^[01]$/.test(value || '')) {
        throw typeError(`leakwatch: LEAKWATCH_SIMULATE_V8_FLAGS must be "flag=0|1,…" (got ${JSON.stringify(simulate)})`, 'ERR_LEAKWATCH_INVALID_TYPE');
      }
      running[name] = Number(value);
    }
  }
  return running;
}

function checkV8Flags(built) {
  const names = Object.keys(built).sort();
  const running = runningV8Flags(names);
  const differ = names.filter((name) => built[name] !== running[name]);
  if (differ.length === 0) return;
  const [first, ...more] = differ;
  const others = more.length ? ` (and ${more.map((n) => `${n} ${built[n]} → ${running[n]}`).join(', ')})` : '';
  throw loadError(
    `the native addon was built for a V8 with ${first}=${built[first]}, but this Node ${process.version} has ` +
      `${first}=${running[first]}${others}: it would mis-read V8's objects. Rebuild it against this Node's own ` +
      `headers: ${REBUILD}; if NODE_INCLUDE_DIR or npm_config_nodedir is set, point it at this Node's include/node.`,
    'ERR_LEAKWATCH_V8_FLAGS_MISMATCH',
  );
}

function loadBinding() {
  // Documented test hook: pretend to be a Node with another ABI to exercise the mismatch error.
  const abi = process.env.LEAKWATCH_SIMULATE_NODE_ABI || process.versions.modules;
  const file = path.join(BUILD_DIR, binaryName(abi));
  if (!fs.existsSync(file)) {
    let built = [];
    try {
      built = fs.readdirSync(BUILD_DIR).map(abiOf).filter(Boolean);
    } catch {
      // no build directory: not built at all
    }
    if (built.length > 0) throw mismatch(built.join(', '), abi);
    throw loadError(
      `the native addon is not built (looked for ${file}). Build it with ${REBUILD}; this needs a Rust toolchain (cargo) and the Node.js headers.`,
      'ERR_LEAKWATCH_NOT_BUILT',
    );
  }
  const mod = { exports: {} };
  // RTLD_NOW: a missing V8 symbol fails here, with a message, not later with a crash.
  try {
    process.dlopen(mod, file, os.constants.dlopen.RTLD_NOW);
  } catch (err) {
    throw loadError(`cannot load ${file}: ${err.message}. Rebuild it with ${REBUILD}.`, 'ERR_LEAKWATCH_LOAD');
  }
  const builtFor = String(mod.exports.nodeAbi());
  if (builtFor !== String(process.versions.modules)) throw mismatch(builtFor, process.versions.modules);
  checkV8Flags(mod.exports.buildFlags());
  return mod.exports;
}

module.exports = loadBinding();
