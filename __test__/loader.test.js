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
