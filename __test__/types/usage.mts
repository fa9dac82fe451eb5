// ESM consumer: `import` goes to index.mjs at run time; the same index.d.ts types it.
import leakwatch, { Leakwatch, LeakDetector, HeapDiff, gc, configure } from 'leakwatch';
import type {
  DetectorOptions,
  EffectiveOptions,
  ErrorCode,
  GcStats,
  GcType,
  HeapDiffResult,
  HeapSpaceStats,
  LeakReport,
  LeakwatchEvents,
  LeakwatchOptions,
  PerGcKind,
  PostGcSample,
} from 'leakwatch';
import memwatch from 'leakwatch/memwatch';
import * as namespaceImport from 'leakwatch';
import { type EventEmitter, once } from 'node:events';

const emitter: EventEmitter = leakwatch;
const instance: Leakwatch = leakwatch;
const isInstance: boolean = leakwatch instanceof Leakwatch;
const sameDefault: Leakwatch = namespaceImport.default;

leakwatch.on('stats', (s: GcStats) => {
  const type: GcType = s.gcType;
  const counts: PerGcKind = s.gcCount;
  const spaces: HeapSpaceStats[] | undefined = s.heapSpaces;
  const used: number = s.usedHeapSize;
  // @ts-expect-error unknown stats payload field
  s.heapUsed;
});
leakwatch.once('leak', (r: LeakReport) => {
  const line: string = JSON.stringify(r);
  const rate: number = r.growthRateBytesPerMinute;
  // @ts-expect-error unknown leak payload field
  r.snapshot;
});
// @ts-expect-error the leak listener gets a LeakReport, not GcStats
leakwatch.on('leak', (s: GcStats) => {});

const args: LeakwatchEvents['stats'] = [{} as GcStats];
const [first] = await once(leakwatch, 'stats');

const options: LeakwatchOptions = { heapSpaces: true, leak: { minSamples: 8 } };
const effective: EffectiveOptions = configure(options);
const also: EffectiveOptions = leakwatch.configure();
const snapshotPath: string = leakwatch.writeSnapshot(); // with configure({ diffOnLeak: true, snapshot: { dir } }) a leak also carries topGrowth/retainerPaths/snapshotPath
configure({ diffOnLeak: true, snapshot: { dir: '/var/tmp' } });
gc();
leakwatch.gc();
const monitoring: boolean = leakwatch.monitoring;
// @ts-expect-error wrong option type
configure({ includeMinorGc: 1 });
// @ts-expect-error wrong detector option type
configure({ leak: { confidence: '99%' } });

const detectorOptions: DetectorOptions = { windowMs: 600_000, realert: false };
const detector = new LeakDetector(detectorOptions);
const sample: PostGcSample = { timestamp: Date.now(), usedHeapSize: 50e6 };
const report: LeakReport | null = detector.update(sample);
const resolved: Required<DetectorOptions> = detector.options;
const suspected: boolean = detector.suspected;
detector.reset();
// @ts-expect-error wrong update() argument
detector.update({ time: 0, used: 1 });
// @ts-expect-error wrong update() argument
detector.update([0, 1]);

const code: ErrorCode = 'ERR_LEAKWATCH_UNKNOWN_OPTION';

const heapDiff: HeapDiffResult = new HeapDiff().end();
const grew: string | undefined = heapDiff.change.details[0]?.what;
const fromDefault: HeapDiffResult = new leakwatch.HeapDiff().end();
memwatch.on('stats', (s) => s.gc_ts);
const mwDiff = new memwatch.HeapDiff().end();
const freed: number = mwDiff.change.freed_nodes;

// The integrations from ESM: named imports of the CommonJS modules, and the side-effect preload.
import { register as registerPrometheus } from 'leakwatch/prometheus';
import { register as registerOtel, METRIC_NAMES } from 'leakwatch/otel';
import 'leakwatch/register';
const stopPrometheus: () => void = registerPrometheus();
const stopOtel: () => void = registerOtel();
const heapUsedName: 'v8js.memory.heap.used' = METRIC_NAMES.heapUsed;
