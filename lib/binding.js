'use strict';
// Finds and loads the native addon built for *this* Node. The C++ shim ties a binary to one
// Node ABI (NODE_MODULE_VERSION): loading a mismatched one would crash on first use, so the
// ABI is checked from the file name before loading, and again from the binary after.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { binaryName, abiOf } = require('./binary-name');

const BUILD_DIR = path.join(__dirname, '..', 'build');
const REBUILD = 'npm rebuild leakwatch (or `npm run build` in a clone of leakwatch)';

function loadError(message, code) {
  const err = new Error(`leakwatch: ${message}`);
  err.code = code;
  return err;
}

function mismatch(builtFor, running) {
  return loadError(
    `the native addon was built for Node ABI ${builtFor}, but this is Node ${process.version} ` +
      `(ABI ${running}). Rebuild it for this Node: ${REBUILD}.`,
    'ERR_LEAKWATCH_ABI_MISMATCH',
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
      `the native addon is not built (looked for ${file}). Build it with ${REBUILD}; ` +
        'this needs a Rust toolchain (cargo) and the Node.js headers.',
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
  return mod.exports;
}

module.exports = loadBinding();
