'use strict';
// Workload 1: scavenge-heavy microbenchmark.
//
// Allocates many short-lived small objects in a tight loop, so that the young generation
// fills up over and over and V8 runs thousands of scavenges, while almost nothing is
// promoted (so full GCs are rare). The work is fixed (a number of allocations, not a
// duration) so that every variant does exactly the same thing and CPU times compare.
//
// Why a ring of 64 slots: each object must escape (be stored somewhere reachable) or V8's
// escape analysis removes the allocation entirely; a tiny ring keeps each one alive for
// only 64 iterations, so it is dead by the next scavenge.
//
// Why chunks + setImmediate: leakwatch delivers its events from the event loop, i.e. on a
// later turn of it. A loop that never yields would let the events pile up
// (and be coalesced) and hide the real delivery cost of `includeMinorGc: true`. Yielding
// every chunk gives the event loop a turn at least once per scavenge, as a service would.

const RING = 64;

/** Runs `iterations` allocations (scaled), resolves with a checksum so nothing is dead code. */
function run(scale) {
  const iterations = Math.round(80e6 * scale);
  const chunk = 20_000; // ≈ 2 MB of garbage per chunk: several turns of the loop per scavenge
  const ring = new Array(RING).fill(null);
  let done = 0;
  let checksum = 0;
  return new Promise((resolve) => {
    function step() {
      const end = Math.min(done + chunk, iterations);
      for (let i = done; i < end; i++) {
        // ~ 3 small heap objects per iteration (the object, its array, the double field)
        const o = { id: i, v: i * 0.5, tags: [i & 7, i & 15] };
        ring[i & (RING - 1)] = o;
        checksum = (checksum + o.tags[0]) | 0;
      }
      done = end;
      if (done < iterations) setImmediate(step);
      else resolve(checksum + ring.length);
    }
    step();
  });
}

module.exports = { name: 'scavenge', describe: 'short-lived small objects in a tight loop', run };
