'use strict';
// The old generation's limit this thread was given, in bytes, or 0 when none was: V8 sizes the
// old generation from these and dies when it is full, but reports only `heap_size_limit`,
// which adds the young generation's reserve (48–192 MiB depending on the Node line). Read once
// at load; the detector measures the time to the limit against it (crates/node/src/binding/monitor.rs).

const { isMainThread, resourceLimits } = require('node:worker_threads');

const MiB = 1024 * 1024;
const FLAG = /^--max[-_]old[-_]space[-_]size=(\d+(?:\.\d+)?)$/;

/** The last `--max-old-space-size=N` (MiB) among `args`, in bytes; 0 when absent. */
function fromFlags(args) {
  let mb = 0;
  for (const arg of args) {
    const m = FLAG.exec(arg);
    if (m) mb = Number(m[1]);
  }
  return mb * MiB;
}

function oldGenerationLimit() {
  if (!isMainThread) return (resourceLimits.maxOldGenerationSizeMb || 0) * MiB;
  // NODE_OPTIONS first: command-line flags come after it and win.
  const fromEnv = (process.env.NODE_OPTIONS || '').split(/\s+/).filter(Boolean);
  return fromFlags([...fromEnv, ...process.execArgv]);
}

module.exports = { oldGenerationLimit, fromFlags };
