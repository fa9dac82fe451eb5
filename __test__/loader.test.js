'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('./helpers');

test('a binary built for another Node ABI is refused with a clear error, not loaded', async () => {
  const r = await runNode(
    `try { require('leakwatch'); console.log('loaded'); }
     catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    { env: { LEAKWATCH_SIMULATE_NODE_ABI: '999' } },
  );
  assert.equal(r.code, 0, r.stderr);
  const err = JSON.parse(r.stdout);
  assert.equal(err.code, 'ERR_LEAKWATCH_ABI_MISMATCH');
  assert.match(err.message, new RegExp(`built for Node ABI [0-9, ]*\\b${process.versions.modules}\\b`));
  assert.match(err.message, /\(ABI 999\)/);
  assert.match(err.message, /npm rebuild leakwatch/);
});

test('loads with require and exposes the API', () => {
  const lw = require('..');
  assert.equal(typeof lw.on, 'function');
  assert.equal(typeof lw.gc, 'function');
  assert.equal(typeof lw.configure, 'function');
  assert.equal(typeof lw.LeakDetector, 'function');
  assert.equal(lw.default, lw);
});

test('loads with import, default and named exports', async () => {
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
// objects with; a binary built against other headers must be refused before any V8 call.
const loadIn = (env) =>
  runNode(
    `try { const b = require('./lib/binding'); console.log(JSON.stringify({ flags: b.buildFlags() })); }
     catch (e) { console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message })); }`,
    { env },
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

test('a binary built with other V8 build flags is refused with a clear error naming the flag', async () => {
  const { flags } = (await loadIn({})).result;
  const other = 1 - flags.v8_enable_pointer_compression;
  const r = await loadIn({ LEAKWATCH_SIMULATE_V8_FLAGS: `v8_enable_pointer_compression=${other}` });
  assert.equal(r.code, 0, r.context);
  const err = r.result;
  assert.equal(err.code, 'ERR_LEAKWATCH_V8_FLAGS_MISMATCH', r.context);
  assert.match(err.message, new RegExp(`built for a V8 with v8_enable_pointer_compression=${flags.v8_enable_pointer_compression}`));
  assert.match(err.message, new RegExp(`this Node v[0-9.]+ has v8_enable_pointer_compression=${other}`));
  assert.match(err.message, /npm rebuild leakwatch/);
  assert.match(err.message, /NODE_INCLUDE_DIR/);

  // Through the public entry point too, and every differing flag is named.
  const both = await runNode(
    `try { require('leakwatch'); console.log('loaded'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    { env: { LEAKWATCH_SIMULATE_V8_FLAGS: `v8_enable_pointer_compression=${other},v8_enable_sandbox=${1 - flags.v8_enable_sandbox}` } },
  );
  assert.equal(both.result?.code, 'ERR_LEAKWATCH_V8_FLAGS_MISMATCH', both.context);
  assert.match(both.result.message, /v8_enable_sandbox/);
});

test('simulating the flags this Node already has loads; a malformed simulation is a TypeError', async () => {
  const { flags } = (await loadIn({})).result;
  const same = await loadIn({ LEAKWATCH_SIMULATE_V8_FLAGS: `v8_enable_sandbox=${flags.v8_enable_sandbox}` });
  assert.deepEqual(same.result, { flags }, same.context);
  const bad = await loadIn({ LEAKWATCH_SIMULATE_V8_FLAGS: 'v8_enable_sandbox=yes' });
  assert.equal(bad.result?.code, 'ERR_LEAKWATCH_INVALID_TYPE', bad.context);
  assert.equal(bad.result.name, 'TypeError');
});
