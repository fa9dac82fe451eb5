// ESM consumer of the memwatch dialects: default and named imports.
import memwatchNext, { on, once, off, HeapDiff, gc } from 'leakwatch/memwatch-next';
import type { StatsInformation } from 'leakwatch/memwatch-next';
import memwatch, { HeapDiff as AirbnbHeapDiff, gc as airbnbGc } from 'leakwatch/memwatch';

const listener = (s: StatsInformation): number => s.usage_trend;
on('stats', listener);
off('stats', listener);
once('leak', (info) => info.start.toISOString());
memwatchNext.on('stats', (s) => s.estimated_base);
const time: Date = new HeapDiff().end().before.time;
gc();
memwatch.on('stats', (s) => s.gc_ts);
const freed: number = new AirbnbHeapDiff().end().change.freed_nodes;
airbnbGc();
// @ts-expect-error @airbnb's HeapDiff has no before.time
new AirbnbHeapDiff().end().before.time;
