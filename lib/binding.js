'use strict';
// Finds and loads the native addon, and decides whether its V8 layer (the C++ shim: GC hook,
// forced GC, heap snapshots) may run here. The addon is one Node-API binary: its Node-API part
// (the Rust detector, queue, delivery) works wherever it loads; its V8 layer reads V8's own
// objects, so it only runs where the binary is known to fit this Node (see `decide`), and the
// binary itself resolves V8's entry points and runs a self-test before turning it on. Without
// the V8 layer the GC samples come from Node's v8.GCProfiler (lib/gc-profiler-source.js).
// Without any loadable binary `require('leakwatch')` still succeeds: every native call then
// throws the reason. The decision is per environment (main thread and each worker).
//
// The policy, in order (docs/how-it-works.md):
//   1. a source build for this exact Node ABI in build/ (V8 flags checked);
//   2. else the prebuilt platform package, its V8 layer only on a tested Node ABI
//      (LEAKWATCH_ALLOW_UNTESTED_ABI=1 tries any) and matching V8 build flags;
//   3. else no binary: mode 'unavailable'.
// LEAKWATCH_NATIVE=off loads the binary but keeps its V8 layer off.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { binaryName, abiOf } = require('./binary-name');
const { error, typeError } = require('./errors');
const { TESTED_NODE_ABIS, binaryFile, currentPlatform, packageName } = require('./platform-package');

const BUILD_DIR = path.join(__dirname, '..', 'build');
const REBUILD = 'npm rebuild leakwatch --build-from-source (or `npm run build` in a clone of leakwatch; needs cargo, a C++ compiler and the Node.js headers)';
const NATIVE_VALUES = ['', 'auto', 'off'];

const loadError = (message, code) => error(`leakwatch: ${message}`, code);

function flagValue(value) {
  // config.gypi switches, as process.config has them: 1/0, 'true'/'false', true/false.
  return value === 1 || value === true || value === '1' || value === 'true' ? 1 : 0;
}

/** The running Node's V8 build flags. Documented test hook: LEAKWATCH_SIMULATE_V8_FLAGS
 * ("v8_enable_pointer_compression=1,…") overrides some, to exercise the mismatch. */
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

/** null when the binary's V8 build flags (pointer compression, sandbox, …: the object layout
 * its shim reads) are this Node's, else why not, naming every differing flag. */
function v8FlagsMismatch(built) {
  const names = Object.keys(built).sort();
  const running = runningV8Flags(names);
  const differ = names.filter((name) => built[name] !== running[name]);
  if (differ.length === 0) return null;
  const [first, ...more] = differ;
  const others = more.length ? ` (and ${more.map((n) => `${n} ${built[n]} → ${running[n]}`).join(', ')})` : '';
  return (
    `the native addon was built for a V8 with ${first}=${built[first]}, but this Node ${process.version} has ` +
    `${first}=${running[first]}${others}: its V8 layer would mis-read V8's objects. Rebuild it against this Node's own ` +
    `headers: ${REBUILD}; if NODE_INCLUDE_DIR or npm_config_nodedir is set, point it at this Node's include/node`
  );
}

/** The binaries to try, in the policy's order: `{ file, source }`. Documented test hooks:
 * LEAKWATCH_SIMULATE_NODE_ABI (act as a Node of that ABI), LEAKWATCH_SIMULATE_NO_BINARY=1
 * (find no binary at all). */
function candidates(abi) {
  if (process.env.LEAKWATCH_SIMULATE_NO_BINARY === '1') return [];
  const found = [];
  const built = path.join(BUILD_DIR, binaryName(abi));
  if (fs.existsSync(built)) found.push({ file: built, source: 'build' });
  const platform = currentPlatform();
  if (platform !== null) {
    try {
      found.push({ file: require.resolve(`${packageName(platform)}/${binaryFile(platform)}`), source: 'package' });
    } catch {
      // not installed (optional dependencies omitted, or another platform's)
    }
  }
  return found;
}

/** Why no binary could be used: `{ code, reason }`, naming the fix. */
function noBinary(abi, failures) {
  if (failures.length > 0) {
    return { code: 'ERR_LEAKWATCH_LOAD', reason: `cannot load the native addon (${failures.join('; ')}). Reinstall leakwatch, or rebuild it: ${REBUILD}` };
  }
  const platform = currentPlatform();
  const pkg = platform
    ? `the prebuilt package ${packageName(platform)} is not installed (npm installs it with leakwatch unless optional dependencies are omitted: drop --omit=optional / --no-optional)`
    : `no prebuilt package exists for ${process.platform}-${process.arch}`;
  let other = [];
  try {
    other = fs.readdirSync(BUILD_DIR).map(abiOf).filter(Boolean);
  } catch {
    // no build directory: nothing was built from source
  }
  if (other.length > 0 && process.env.LEAKWATCH_SIMULATE_NO_BINARY !== '1') {
    return {
      code: 'ERR_LEAKWATCH_ABI_MISMATCH',
      reason: `the native addon was built for Node ABI ${other.join(', ')}, but this is Node ${process.version} (ABI ${abi}), and ${pkg}. Rebuild it for this Node: ${REBUILD}`,
    };
  }
  return {
    code: 'ERR_LEAKWATCH_NO_BINARY',
    reason: `no native addon for this Node (looked for ${path.join(BUILD_DIR, binaryName(abi))}), and ${pkg}. Or build it: ${REBUILD}`,
  };
}

function load(file) {
  const mod = { exports: {} };
  // RTLD_NOW: a missing symbol fails here, with a message, not later with a crash.
  process.dlopen(mod, file, os.constants.dlopen.RTLD_NOW);
  return mod.exports;
}

/** Why the loader keeps the V8 layer of `binding` (from `source`) off here: `{ code, reason }`,
 * or null to let the binary resolve V8 and run its self-test. */
function decide(binding, source, abi) {
  const native = process.env.LEAKWATCH_NATIVE ?? '';
  if (!NATIVE_VALUES.includes(native)) {
    throw typeError(`leakwatch: LEAKWATCH_NATIVE must be one of "off", "auto" or unset (got ${JSON.stringify(native)})`, 'ERR_LEAKWATCH_INVALID_VALUE');
  }
  if (native === 'off') return { code: 'ERR_LEAKWATCH_NATIVE_OFF', reason: 'LEAKWATCH_NATIVE=off; unset it to use the native V8 layer' };
  if (source === 'build') {
    // A source build is for the headers it was built with: this exact ABI only.
    const builtFor = String(binding.nodeAbi());
    if (builtFor !== String(process.versions.modules)) {
      return {
        code: 'ERR_LEAKWATCH_ABI_MISMATCH',
        reason: `the native addon was built for Node ABI ${builtFor}, but this is Node ${process.version} (ABI ${process.versions.modules}). Rebuild it for this Node: ${REBUILD}`,
      };
    }
  } else if (!TESTED_NODE_ABIS.includes(abi) && process.env.LEAKWATCH_ALLOW_UNTESTED_ABI !== '1') {
    return {
      code: 'ERR_LEAKWATCH_UNTESTED_ABI',
      reason:
        `the prebuilt binary is tested on Node ABIs ${TESTED_NODE_ABIS.join(', ')}, not on this Node ${process.version} (ABI ${abi}). ` +
        `Set LEAKWATCH_ALLOW_UNTESTED_ABI=1 to try it (its self-test still guards the load), or build from source: ${REBUILD}`,
    };
  }
  const flags = v8FlagsMismatch(binding.buildFlags());
  return flags === null ? null : { code: 'ERR_LEAKWATCH_V8_FLAGS_MISMATCH', reason: flags };
}

/** A stand-in for the binding when no binary loaded: every function throws
 * ERR_LEAKWATCH_NATIVE_UNAVAILABLE with the reason (`code` says which failure it was). */
function unavailableBinding(code, reason) {
  return new Proxy(
    {},
    {
      get(target, name) {
        if (typeof name !== 'string' || Object.hasOwn(target, name)) return target[name];
        // A plain function, so that `new binding.NativeHeapDiff()` throws this too.
        return function unavailable() {
          throw loadError(`the native addon is unavailable (${code}): ${reason}`, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE');
        };
      },
    },
  );
}

function loadBinding() {
  const abi = process.env.LEAKWATCH_SIMULATE_NODE_ABI || process.versions.modules;
  const failures = [];
  for (const { file, source } of candidates(abi)) {
    let binding;
    try {
      binding = load(file);
    } catch (err) {
      failures.push(`${file}: ${err.message}`);
      continue;
    }
    if (typeof binding.v8LayerInit !== 'function') {
      failures.push(`${file} was built by an older leakwatch (it has no v8LayerInit)`);
      continue;
    }
    const off = decide(binding, source, abi);
    // The self-test compares with V8's heap statistics taken in the same turn. A first call of
    // v8.getHeapStatistics() can itself grow the heap by a page (seen on Node 22: its code is
    // compiled then), so a warm-up call comes first.
    v8.getHeapStatistics();
    const layer = binding.v8LayerInit({ heapStatistics: v8.getHeapStatistics(), forceOff: off ? off.reason : null });
    const why = off ?? layer;
    const native = layer.enabled
      ? { mode: 'v8', binary: file, source, code: null, reason: null }
      : { mode: 'gc-profiler', binary: file, source, code: why.code, reason: why.reason };
    binding.native = Object.freeze(native);
    return binding;
  }
  const { code, reason } = noBinary(abi, failures);
  const binding = unavailableBinding(code, reason);
  binding.native = Object.freeze({ mode: 'unavailable', binary: null, source: null, code, reason });
  return binding;
}

/** The binding; `binding.native` is the public `leakwatch.native` status:
 * `{ mode: 'v8' | 'gc-profiler' | 'unavailable', binary, source: 'build' | 'package' | null, code, reason }`. */
module.exports = loadBinding();
