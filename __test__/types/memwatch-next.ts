// Code written against DefinitelyTyped's @types/memwatch-next and @types/node-memwatch, with
// only the module name changed: it must compile (`tsc -p __test__/types`, run by npm test).
import * as memwatch from 'leakwatch/memwatch-next';
import memwatchNext = require('leakwatch/memwatch-next');
import { on, HeapDiff, gc } from 'leakwatch/memwatch-next';
import type {
  StatsInformation,
  LeakInformation,
  EventCallback,
  GcStats,
  HeapInfo,
  HeapDiffInformation,
  HeapDiffSnapshot,
  HeapDiffChange,
  HeapDiffDetail,
  MemWatch,
} from 'leakwatch/memwatch-next';
import mw = require('leakwatch/memwatch');

// @types/memwatch-next's own test file.
memwatch.on('leak', (info) => {});
var hd = new memwatch.HeapDiff();
var diff = hd.end();

// Typical users of those typings.
const callback: EventCallback = (data) => console.log(data);
memwatch.on('stats', callback);
memwatchNext.on('stats', (stats: StatsInformation) => {
  const numbers: number[] = [
    stats.current_base,
    stats.estimated_base,
    stats.heap_compactions,
    stats.max,
    stats.min,
    stats.num_full_gc,
    stats.num_inc_gc,
    stats.usage_trend,
  ];
  // @ts-expect-error @airbnb/node-memwatch's keys are not in lloyd's stats
  stats.used_heap_size;
});
memwatchNext.on('leak', (info: LeakInformation) => {
  const when: number = info.end.getTime() - info.start.getTime();
  const text: string = `${info.growth} ${info.reason}`;
});
on('stats', (s) => s.usage_trend);
const alias: GcStats = {} as StatsInformation;
const info: HeapDiffInformation = new HeapDiff().end();
const before: HeapInfo = info.before;
const snapshot: HeapDiffSnapshot = info.after;
const taken: Date = before.time;
const change: HeapDiffChange = info.change;
const row: HeapDiffDetail | undefined = change.details[0];
const plus: number | undefined = row?.['+'];
const module: MemWatch = memwatchNext;
gc();
memwatchNext.gc(500);
// @ts-expect-error lloyd's stats have no `growth`
memwatchNext.on('stats', (s) => s.growth);

// @types/node-memwatch's names work with leakwatch/memwatch (@airbnb's dialect) too.
mw.on('stats', (s: mw.StatsInformation) => [s.used_heap_size, s.current_base]);
mw.on('leak', (l: mw.LeakInformation) => l.growth);
const mwInfo: mw.HeapDiffInformation = new mw.HeapDiff().end();
const mwBefore: mw.HeapDiffSnapshot & mw.HeapInfo = mwInfo.before;
const mwChange: mw.HeapDiffChange = mwInfo.change;
const mwStats: mw.GcStats | undefined = undefined;
const mwModule: mw.MemWatch = mw;
