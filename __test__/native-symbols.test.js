'use strict';
// The V8 layer's run-time resolution and self-test: the .node links no V8 symbol (every entry
// point is looked up by name at v8LayerInit), so it loads where one is missing and then says
// which; the self-test compares V8's heap statistics, written into a canary-filled buffer,
// with v8.getHeapStatistics() taken in the same turn.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, runProcess } = require('./helpers');
const { binaryName } = require('../lib/binary-name');

// The binary this leakwatch loads (a source build, or the installed platform package's).
const BINARY = require('./native-mode').native.binary ?? path.join(ROOT, 'build', binaryName(process.versions.modules));

/** Runs `script` in a child that has the binary loaded as `binding` (process.dlopen). */
function withBinding(script, env = {}) {
  const prelude = `const os = require('node:os'); const v8 = require('node:v8'); const mod = { exports: {} };
process.dlopen(mod, ${JSON.stringify(BINARY)}, os.constants.dlopen.RTLD_NOW); const binding = mod.exports;
const codeOf = (fn) => { try { fn(); return null; } catch (e) { return e.code ?? String(e); } };\n`;
  return runProcess(['--expose-gc', '-e', prelude + script], { env, timeoutMs: 30_000 });
}

test('the binary has no undefined V8 symbol', (t) => {
  if (!fs.existsSync(BINARY)) return t.skip(`no binary at ${BINARY} (npm run build)`);
  const nm = spawnSync('nm', ['-D', '--undefined-only', BINARY], { encoding: 'utf8' });
  if (nm.error || nm.status !== 0) return t.skip(`nm is not available (${nm.error?.code ?? nm.stderr})`);
  const v8 = nm.stdout.split('\n').filter((line) => /\b_ZNK?2v8/.test(line));
  assert.deepEqual(v8, [], `V8 symbols linked at load time:\n${v8.join('\n')}`);
});

test('self-test: on, and off when the JS statistics disagree', async (t) => {
  if (!fs.existsSync(BINARY)) return t.skip(`no binary at ${BINARY} (npm run build)`);
  const ok = await withBinding(`
const layer = binding.v8LayerInit({ heapStatistics: v8.getHeapStatistics(), forceOff: null });
console.log(JSON.stringify({ layer, again: binding.v8Layer(), gc: codeOf(() => binding.gc()) }));`);
  assert.equal(ok.code, 0, ok.context);
  assert.deepEqual(ok.result, {
    layer: { enabled: true, code: null, reason: null },
    again: { enabled: true, code: null, reason: null },
    gc: null,
  });

  const off = await withBinding(`
const stats = v8.getHeapStatistics();
const layer = binding.v8LayerInit({ heapStatistics: { ...stats, heap_size_limit: stats.heap_size_limit + 4096 }, forceOff: null });
console.log(JSON.stringify({ layer, gc: codeOf(() => binding.gc()) }));`);
  assert.equal(off.code, 0, off.context);
  assert.equal(off.result.layer.enabled, false, off.context);
  assert.equal(off.result.layer.code, 'ERR_LEAKWATCH_SELF_TEST_FAILED', off.context);
  assert.match(off.result.layer.reason, /heap_size_limit/, off.context);
  assert.equal(off.result.gc, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE', off.context);
});

test('a missing V8 entry point: the binary loads, names it, and runs without the V8 layer', async (t) => {
  if (!fs.existsSync(BINARY)) return t.skip(`no binary at ${BINARY} (npm run build)`);
  const run = await withBinding(
    `
const layer = binding.v8LayerInit({ heapStatistics: v8.getHeapStatistics(), forceOff: null });
const batches = [];
binding.monitorStart((b) => batches.push(b));
const profiler = new v8.GCProfiler(); const start = performance.now(); profiler.start();
global.gc();
const profile = profiler.stop(); const end = performance.now();
const queued = binding.monitorFeedProfile(profile, start, end);
let message = null;
try { new binding.NativeHeapDiff(); } catch (e) { message = e.message; }
setImmediate(() => setImmediate(() => {
  binding.monitorStop();
  console.log(JSON.stringify({ layer, queued, message, stats: batches.flatMap((b) => b.stats).length }));
}));`,
    { LEAKWATCH_SIMULATE_V8_MISSING: '_ZNK2v813HeapGraphNode7GetNameEv' },
  );
  assert.equal(run.code, 0, run.context);
  const r = run.result;
  assert.equal(r.layer.enabled, false, run.context);
  assert.equal(r.layer.code, 'ERR_LEAKWATCH_V8_SYMBOL_MISSING', run.context);
  assert.match(r.layer.reason, /v8::HeapGraphNode::GetName\(\)/, run.context);
  assert.match(r.message, /HeapDiff needs leakwatch's V8 layer.*GetName.*npm rebuild leakwatch --build-from-source/s, run.context);
  assert.ok(r.queued >= 1 && r.stats === r.queued, `the degraded path still delivers: ${run.context}`);
});
