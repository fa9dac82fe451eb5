// @ts-check
// Plain CommonJS JavaScript, type-checked: `require` gets the same types.
'use strict';

const leakwatch = require('leakwatch');
const { LeakDetector } = require('leakwatch');

leakwatch.on('stats', (s) => {
  /** @type {number} */
  const used = s.usedHeapSize;
  /** @type {import('leakwatch').GcType} */
  const type = s.gcType;
  // @ts-expect-error unknown stats payload field
  s.heapUsed;
});
leakwatch.on('leak', (r) => console.log(r.reason, r.growthBytes));

/** @type {import('leakwatch').EffectiveOptions} */
const effective = leakwatch.configure({ includeMinorGc: true, leak: { minGrowthPercent: 10 } });
// @ts-expect-error wrong option type
leakwatch.configure({ leak: { minSamples: '16' } });
leakwatch.gc();

const detector = new LeakDetector();
/** @type {import('leakwatch').LeakReport | null} */
const report = detector.update({ timestamp: 0, usedHeapSize: 1 });
// @ts-expect-error wrong update() argument
detector.update({ timestamp: '0', usedHeapSize: 1 });
/** @type {boolean} */
const monitoring = leakwatch.monitoring;
