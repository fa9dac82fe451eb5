'use strict';
// The process's memory limit in bytes, or 0 when it has none: what the time to the limit of
// `external` and `rss` leak reports is measured against (crates/node/src/binding/memory_kinds.rs).
// Read once at load, from `process.constrainedMemory()` (the cgroup's limit, as Node reads it).

const os = require('node:os');

/** Test hook (documented): simulates a container's limit, bytes, in place of the cgroup's. */
const TEST_HOOK = 'LEAKWATCH_TEST_MEMORY_LIMIT_BYTES';

function memoryLimit() {
  const simulated = Number(process.env[TEST_HOOK]);
  if (Number.isFinite(simulated) && simulated > 0) return simulated;
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  // Node 20 says undefined without a limit, later lines 0; cgroup v1's "unlimited" is a huge
  // number: a limit the machine's memory cannot reach is no limit.
  if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0 || limit >= os.totalmem()) return 0;
  return limit;
}

module.exports = { memoryLimit, TEST_HOOK };
