'use strict';
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const leakwatch = require('..');
const { runNode, settle } = require('./helpers');

test('monitoring starts with the first listener and stops with the last', async () => {
  assert.equal(leakwatch.monitoring, false);
  const a = () => {};
  const b = () => {};
  leakwatch.on('stats', a);
  assert.equal(leakwatch.monitoring, true);
  leakwatch.on('leak', b);
  leakwatch.off('stats', a);
  assert.equal(leakwatch.monitoring, true, 'a leak listener keeps it on');
  leakwatch.off('leak', b);
  assert.equal(leakwatch.monitoring, false);
});

test('after the last listener is removed a GC produces nothing', async () => {
  let count = 0;
  const listener = () => count++;
  leakwatch.on('stats', listener);
  leakwatch.gc();
  await settle();
  assert.equal(count, 1);
  leakwatch.off('stats', listener);
  leakwatch.gc();
  await settle();
  assert.equal(count, 1, 'no event after the last listener went');
  // Subscribing again starts clean: the unwatched GC above is not delivered late.
  leakwatch.on('stats', listener);
  await settle();
  assert.equal(count, 1);
  leakwatch.gc();
  await settle();
  assert.equal(count, 2);
  leakwatch.off('stats', listener);
});

test('removeAllListeners() stops monitoring', () => {
  leakwatch.on('stats', () => {});
  leakwatch.on('leak', () => {});
  assert.equal(leakwatch.monitoring, true);
  leakwatch.removeAllListeners();
  assert.equal(leakwatch.monitoring, false);
});

test('a process with listeners attached exits on its own', async () => {
  const r = await runNode(`
    const lw = require('leakwatch');
    lw.on('stats', () => {});
    lw.on('leak', () => {});
    lw.gc();
    setTimeout(() => console.log('done'), 50);
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'done');
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
});

// The GC hook's own delivery path (without the V8 layer there is no hook: v8.GCProfiler's
// windows restart with each listener, so a GC just after re-subscribing is not always seen).
test('a listener that stops monitoring from inside its delivery, again and again, is safe', { skip: needsV8Layer }, async () => {
  // Each delivery runs in the loop turn that found the GC (the hook's own libuv handle): the
  // listener removing itself drops that hook from inside its callback, and adding a listener
  // again installs a new one. 300 times, with the V8 layer's hook (or the fallback) alike.
  const r = await runNode(
    `
    const lw = require('leakwatch');
    // leakwatch never keeps a process alive; without the V8 layer a GC is delivered later.
    const alive = setInterval(() => {}, 1000);
    let delivered = 0;
    let cycles = 0;
    const listener = () => {
      delivered++;
      lw.off('stats', listener);
      if (++cycles < 300) setImmediate(() => { lw.on('stats', listener); global.gc(); });
      else setImmediate(() => { clearInterval(alive); console.log('delivered ' + delivered + ' monitoring ' + lw.monitoring); });
    };
    lw.on('stats', listener);
    global.gc();
  `,
    { args: ['--expose-gc'] },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.signal ?? null, null);
  assert.equal(r.stdout.trim(), 'delivered 300 monitoring false');
});

test('a listener that throws surfaces as uncaughtException and monitoring goes on', async () => {
  const r = await runNode(`
    const lw = require('leakwatch');
    let calls = 0;
    process.on('uncaughtException', (err) => console.log('caught ' + err.message));
    lw.on('stats', () => { calls++; if (calls === 1) throw new Error('boom'); });
    lw.gc();
    setTimeout(() => { lw.gc(); setTimeout(() => console.log('calls ' + calls), 50); }, 50);
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /caught boom/);
  assert.match(r.stdout, /calls 2/);
});

test('an unhandled listener error crashes like any EventEmitter error would', async () => {
  const r = await runNode(`
    const lw = require('leakwatch');
    lw.on('stats', () => { throw new Error('listener bug'); });
    lw.gc();
    setTimeout(() => console.log('not reached'), 500);
  `);
  assert.notEqual(r.code, 0);
  assert.equal(r.signal, null, 'an exception, not a signal');
  assert.match(r.stderr, /listener bug/);
  assert.doesNotMatch(r.stdout, /not reached/);
});
