'use strict';
// The old generation's limit the detector measures "time to the heap limit" against: V8's
// heap_size_limit adds the young generation's reserve, so a small heap would look far roomier
// than it is. Read from the flags the process was given, and from a worker's resource limits.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');
const path = require('node:path');
const { fromFlags } = require('../lib/old-generation-limit');
const { runNode } = require('./helpers');

const MODULE = path.join(__dirname, '..', 'lib', 'old-generation-limit.js');

test('the last --max-old-space-size flag wins, in either spelling; none gives 0', () => {
  assert.equal(fromFlags([]), 0);
  assert.equal(fromFlags(['--expose-gc']), 0);
  assert.equal(fromFlags(['--max-old-space-size=64']), 64 * 1024 ** 2);
  assert.equal(fromFlags(['--max_old_space_size=96', '--max-old-space-size=128']), 128 * 1024 ** 2);
  assert.equal(fromFlags(['--max-old-space-size=abc']), 0);
});

test('a process started with --max-old-space-size, or NODE_OPTIONS, reports that limit', async () => {
  const code = `console.log(require(${JSON.stringify(MODULE)}).oldGenerationLimit() / 1048576)`;
  const flag = await runNode(code, { args: ['--max-old-space-size=80'], timeoutMs: 30_000 });
  assert.equal(flag.stdout.trim(), '80', flag.context);
  const env = await runNode(code, { env: { NODE_OPTIONS: '--max-old-space-size=72' }, timeoutMs: 30_000 });
  assert.equal(env.stdout.trim(), '72', env.context);
});

test('a worker reports its own maxOldGenerationSizeMb', async () => {
  const worker = new Worker(`require('node:worker_threads').parentPort.postMessage(require(${JSON.stringify(MODULE)}).oldGenerationLimit())`, {
    eval: true,
    resourceLimits: { maxOldGenerationSizeMb: 50 },
  });
  const [bytes] = await Promise.all([new Promise((resolve) => worker.once('message', resolve))]);
  await worker.terminate();
  assert.equal(bytes, 50 * 1024 ** 2);
});
