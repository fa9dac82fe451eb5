'use strict';
// leakwatch/memwatch-next: a drop-in for lloyd's node-memwatch 0.2 and memwatch-next 0.3.
// `stats` has exactly their eight keys with their definitions (lib/lloyd-stats.js), `leak`
// lloyd's { start, end, growth, reason } (driven by leakwatch's detector, not his "5
// consecutive GCs" rule), HeapDiff his output (with `before.time` / `after.time`), and gc().

const { createMemwatch } = require('./memwatch-emitter');

const memwatch = createMemwatch({
  toStats: (_s, lloyd) => lloyd,
  heapTotals: (t, time) => ({ nodes: t.nodes, time, size_bytes: t.sizeBytes, size: t.size }),
});

module.exports = memwatch;
// Written out so that Node's CommonJS export detection sees them (ESM named imports).
module.exports.HeapDiff = memwatch.HeapDiff;
module.exports.gc = memwatch.gc;
// memwatch-next's DefinitelyTyped typings declare `on` as a function of the module, so
// `import { on } from 'memwatch-next'` compiles; bound, it also works when called bare.
module.exports.on = memwatch.on.bind(memwatch);
module.exports.once = memwatch.once.bind(memwatch);
module.exports.off = memwatch.off.bind(memwatch);
module.exports.addListener = memwatch.addListener.bind(memwatch);
module.exports.removeListener = memwatch.removeListener.bind(memwatch);
