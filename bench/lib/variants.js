'use strict';
// What the overhead benchmark measures: the workloads, the variants (leakwatch, the anchors,
// the no-addon baseline) and the goals. Shared by the runner, the statistics and the reports.

const WORKLOADS = ['scavenge', 'service', 'fullgc'];
// A2 is the second no-addon run of the round (A'): A vs A2 is the noise band.
const ALL_VARIANTS = ['A', 'A2', 'B', 'C', 'S', 'P', 'M', 'G', 'D', 'N', 'X'];
const LEAKWATCH = ['B', 'C', 'S'];
const ANCHORS = ['P', 'M', 'G', 'D', 'N', 'X'];
const NATIVE_ANCHORS = ['M', 'G', 'D', 'N']; // native addons installed from npm
const VARIANT_LABEL = {
  A: 'A no addon',
  A2: "A' no addon (again)",
  B: 'B leakwatch stats+leak',
  C: 'C leakwatch includeMinorGc',
  S: 'S leakwatch + allocation sampling at 512 KiB',
  P: 'P perf_hooks gc observer',
  M: 'M @airbnb/node-memwatch',
  G: 'G gc-stats',
  D: 'D @datadog/native-metrics',
  N: 'N @newrelic/native-metrics',
  X: 'X v8.GCProfiler',
};
/** npm package behind a variant (null: built into Node). */
const VARIANT_PACKAGE = {
  M: '@airbnb/node-memwatch',
  G: 'gc-stats',
  D: '@datadog/native-metrics',
  N: '@newrelic/native-metrics',
};
// Issue 14: inside the GC pause (every clock read counted), and delivery to JS per batch.
const GOAL_SCAVENGE_NS = 150;
const GOAL_FULL_GC_NS = 2000;
const GOAL_DELIVERY_NS = 30_000;

module.exports = {
  WORKLOADS,
  ALL_VARIANTS,
  LEAKWATCH,
  ANCHORS,
  NATIVE_ANCHORS,
  VARIANT_LABEL,
  VARIANT_PACKAGE,
  GOAL_SCAVENGE_NS,
  GOAL_FULL_GC_NS,
  GOAL_DELIVERY_NS,
};
