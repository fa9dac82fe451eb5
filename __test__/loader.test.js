'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { binaryName } = require('../lib/binary-name');
const { runNode } = require('./helpers');
const { needsGc, needsSourceBuild } = require('./native-mode');

// The loader's policy (lib/binding.js); the platform-package branch is in loader-package.test.js.
test('a source build for another Node ABI is not loaded: require succeeds, nothing is monitored, and the reason names both ABIs and the fix', {
  skip: needsSourceBuild,
}, async () => {
  const r = await runNode(
    `const lw = require('leakwatch');
     const warnings = [];
     process.on('warning', (w) => warnings.push(w.code));
     lw.on('stats', () => console.log('stats'));
     let gcError = null;
     try { lw.gc(); } catch (e) { gcError = { code: e.code, message: e.message }; }
     setImmediate(() => console.log(JSON.stringify({ native: lw.native, monitoring: lw.monitoring, leakState: lw.leakState, gc: gcError, warnings })));`,
    { env: { LEAKWATCH_NATIVE: '', LEAKWATCH_SIMULATE_NODE_ABI: '999' } },
  );
  assert.equal(r.code, 0, r.context);
  const { native, monitoring, leakState, gc, warnings } = r.result;
  assert.deepEqual(
    { mode: native.mode, binary: native.binary, source: native.source, code: native.code },
    {
      mode: 'unavailable',
      binary: null,
      source: null,
      code: 'ERR_LEAKWATCH_ABI_MISMATCH',
    },
  );
  assert.match(native.reason, new RegExp(`built for Node ABI [0-9, ]*\\b${process.versions.modules}\\b`));
  assert.match(native.reason, /\(ABI 999\)/);
  assert.match(native.reason, /npm rebuild leakwatch --build-from-source/);
  assert.match(native.reason, /@leakwatch\/[a-z0-9-]+ is not installed/);
  assert.equal(monitoring, false);
  assert.equal(leakState, 'none');
  assert.equal(gc.code, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE');
  assert.match(gc.message, /ERR_LEAKWATCH_ABI_MISMATCH/);
  // One warning, when monitoring was asked for; no `stats`.
  assert.deepEqual(warnings, ['ERR_LEAKWATCH_ABI_MISMATCH']);
  assert.doesNotMatch(r.stdout, /^stats$/m);
});

test('no binary at all: require succeeds, mode unavailable with ERR_LEAKWATCH_NO_BINARY, every native call throws the reason', async () => {
  const r = await runNode(
    `const lw = require('leakwatch');
     const tries = {};
     for (const [name, f] of Object.entries({
       gc: () => lw.gc(),
       configure: () => lw.configure({ includeMinorGc: true }),
       HeapDiff: () => new lw.HeapDiff(),
       LeakDetector: () => new lw.LeakDetector(),
       writeSnapshot: () => lw.writeSnapshot(require('node:os').tmpdir()),
     })) {
       try { f(); tries[name] = 'no error'; } catch (e) { tries[name] = e.code; }
     }
     lw.on('leak', () => {});
     console.log(JSON.stringify({ native: lw.native, tries }));`,
    { env: { LEAKWATCH_SIMULATE_NO_BINARY: '1' } },
  );
  assert.equal(r.code, 0, r.context);
  const { native, tries } = r.result;
  assert.equal(native.mode, 'unavailable');
  assert.equal(native.code, 'ERR_LEAKWATCH_NO_BINARY');
  assert.match(native.reason, /looked for .*leakwatch-[a-z0-9]+-[a-z0-9]+-abi\d+\.node/);
  assert.match(native.reason, /--omit=optional/);
  assert.match(native.reason, /npm rebuild leakwatch --build-from-source/);
  for (const [name, code] of Object.entries(tries)) assert.equal(code, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE', name);
  // The one warning line, with the code, on stderr; the process ended by itself.
  const lines = r.stderr.split('\n').filter((l) => l.includes('leakwatch'));
  assert.equal(lines.length, 1, r.context);
  assert.match(lines[0], /\[ERR_LEAKWATCH_NO_BINARY\].*leakwatch: not monitoring: no native addon/);
});

test('a source build for this Node ABI is the one loaded, with its V8 layer', {
  skip: needsSourceBuild || (process.env.LEAKWATCH_NATIVE === 'off' && 'LEAKWATCH_NATIVE=off'),
}, () => {
  const { native } = require('..');
  assert.deepEqual(
    { ...native, binary: path.basename(native.binary) },
    {
      mode: 'v8',
      binary: binaryName(process.versions.modules),
      source: 'build',
      code: null,
      reason: null,
    },
  );
  assert.ok(Object.isFrozen(native));
});

test('loads with require and exposes the API', () => {
  const lw = require('..');
  assert.equal(typeof lw.on, 'function');
  assert.equal(typeof lw.gc, 'function');
  assert.equal(typeof lw.configure, 'function');
  assert.equal(typeof lw.LeakDetector, 'function');
  assert.equal(lw.default, lw);
});

test('loads with import, default and named exports', { skip: needsGc }, async () => {
  const r = await runNode(
    `import('leakwatch').then((m) => {
       const lw = m.default;
       console.log([typeof lw.on, typeof m.gc, typeof m.configure, typeof m.LeakDetector,
         m.LeakDetector === lw.LeakDetector].join(' '));
       lw.once('stats', (s) => console.log('stats ' + s.gcType));
       m.gc();
       setTimeout(() => {}, 100); // delivery is asynchronous; a weak handle does not wait for it
     });`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function function function function true\nstats mark-sweep-compact');
});

// The V8 build flags (pointer compression, sandbox, …) fix the layout the shim reads V8's
// objects with; with other flags than the binary's, its V8 layer must stay off (before any
// V8 call): the Node-API part still runs, on v8.GCProfiler.
const loadIn = (env) =>
  runNode(
    `try { const b = require('./lib/binding'); console.log(JSON.stringify({ flags: b.buildFlags(), native: b.native })); }
     catch (e) { console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message })); }`,
    // Whatever mode this suite runs in, these children choose theirs.
    { env: { LEAKWATCH_NATIVE: '', ...env } },
  );

test('the binary records the V8 build flags of the Node it was built for, and they match this Node', async () => {
  const r = await loadIn({});
  assert.equal(r.code, 0, r.context);
  const { flags } = r.result;
  assert.ok(flags, r.context);
  for (const name of [
    'v8_enable_pointer_compression',
    'v8_enable_sandbox',
    'v8_enable_31bit_smis_on_64bit_arch',
    'v8_enable_pointer_compression_shared_cage',
  ]) {
    assert.ok(name in flags, `${name} not recorded: ${JSON.stringify(flags)}`);
  }
  const running = process.config.variables;
  const on = (v) => (v === 1 || v === true || v === '1' || v === 'true' ? 1 : 0);
  for (const [name, value] of Object.entries(flags)) assert.equal(value, on(running[name]), name);
});

test('a binary built with other V8 build flags keeps its V8 layer off, with the reason naming the flag', { skip: needsSourceBuild }, async () => {
  const { flags } = (await loadIn({})).result;
  const other = 1 - flags.v8_enable_pointer_compression;
  const r = await loadIn({ LEAKWATCH_SIMULATE_V8_FLAGS: `v8_enable_pointer_compression=${other}` });
  assert.equal(r.code, 0, r.context);
  const { native } = r.result;
  assert.equal(native.mode, 'gc-profiler', r.context);
  assert.equal(native.source, 'build');
  assert.equal(native.code, 'ERR_LEAKWATCH_V8_FLAGS_MISMATCH', r.context);
  assert.match(native.reason, new RegExp(`built for a V8 with v8_enable_pointer_compression=${flags.v8_enable_pointer_compression}`));
  assert.match(native.reason, new RegExp(`this Node v[0-9.]+ has v8_enable_pointer_compression=${other}`));
  assert.match(native.reason, /npm rebuild leakwatch/);
  assert.match(native.reason, /NODE_INCLUDE_DIR/);

  // Through the public entry point too: every differing flag is named, and gc() says why it
  // cannot run and what to do.
  const both = await runNode(
    `const lw = require('leakwatch');
     let gcError = null;
     try { lw.gc(); } catch (e) { gcError = { code: e.code, message: e.message }; }
     console.log(JSON.stringify({ native: lw.native, gc: gcError }));`,
    // No --expose-gc from the suite's NODE_OPTIONS: gc() must fail here.
    {
      env: {
        NODE_OPTIONS: '',
        LEAKWATCH_NATIVE: '',
        LEAKWATCH_SIMULATE_V8_FLAGS: `v8_enable_pointer_compression=${other},v8_enable_sandbox=${1 - flags.v8_enable_sandbox}`,
      },
    },
  );
  assert.equal(both.result?.native.code, 'ERR_LEAKWATCH_V8_FLAGS_MISMATCH', both.context);
  assert.match(both.result.native.reason, /v8_enable_sandbox/);
  assert.equal(both.result.gc.code, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE');
  assert.match(both.result.gc.message, /--expose-gc/);
  assert.match(both.result.gc.message, /v8_enable_pointer_compression/);
});

test('simulating the flags this Node already has loads; a malformed simulation is a TypeError', async () => {
  const { flags } = (await loadIn({})).result;
  const same = await loadIn({ LEAKWATCH_SIMULATE_V8_FLAGS: `v8_enable_sandbox=${flags.v8_enable_sandbox}` });
  assert.deepEqual(same.result.flags, flags, same.context);
  assert.equal(same.result.native.mode, 'v8', same.context);
  const bad = await loadIn({ LEAKWATCH_SIMULATE_V8_FLAGS: 'v8_enable_sandbox=yes' });
  assert.equal(bad.result?.code, 'ERR_LEAKWATCH_INVALID_TYPE', bad.context);
  assert.equal(bad.result.name, 'TypeError');
});

test('LEAKWATCH_NATIVE takes "off", "auto" or nothing; anything else is a TypeError naming the values', { skip: needsSourceBuild }, async () => {
  const off = await loadIn({ LEAKWATCH_NATIVE: 'off' });
  assert.deepEqual(
    { mode: off.result?.native?.mode, code: off.result?.native?.code, source: off.result?.native?.source },
    { mode: 'gc-profiler', code: 'ERR_LEAKWATCH_NATIVE_OFF', source: 'build' },
    off.context,
  );
  assert.match(off.result.native.reason, /LEAKWATCH_NATIVE=off/);
  const auto = await loadIn({ LEAKWATCH_NATIVE: 'auto' });
  assert.equal(auto.result?.native?.mode, 'v8', auto.context);
  const bad = await loadIn({ LEAKWATCH_NATIVE: 'of' });
  assert.equal(bad.result?.code, 'ERR_LEAKWATCH_INVALID_VALUE', bad.context);
  assert.equal(bad.result.name, 'TypeError');
  assert.match(bad.result.message, /LEAKWATCH_NATIVE must be one of "off", "auto" or unset \(got "of"\)/);
});
