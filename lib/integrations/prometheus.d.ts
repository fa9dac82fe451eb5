// Types of leakwatch/prometheus: leakwatch's metrics for prom-client (an optional peer
// dependency, `npm install prom-client`).

/**
 * leakwatch's post-GC heap, leak state and GC pauses as prom-client metrics, named by
 * prom-client's conventions and distinct from everything `collectDefaultMetrics()` registers:
 *
 * | metric | type | |
 * | --- | --- | --- |
 * | `nodejs_heap_used_after_gc_bytes` | gauge | V8 heap used right after the latest full GC |
 * | `nodejs_heap_total_after_gc_bytes` | gauge | V8 heap size right after the latest full GC |
 * | `nodejs_heap_growth_rate_bytes_per_second` | gauge | the latest leak report's growth rate while its episode lasts, else 0 |
 * | `nodejs_leak_suspected` | gauge | 1 from a `leak` report until `leakEnd` (`leakwatch.leakState === 'leaking'`), else 0 |
 * | `nodejs_leak_reports_total` | counter | leak reports (alerts and re-alerts) |
 * | `nodejs_gc_pause_seconds{kind}` | histogram | GC pauses: `major`, and `minor` with `includeMinorGc` |
 *
 * @example
 * ```ts
 * import client from 'prom-client';
 * import { register } from 'leakwatch/prometheus';
 * client.collectDefaultMetrics();
 * const unregister = register(); // on client.register
 * ```
 */
declare namespace prometheus {
  /** What {@link register} needs of a registry; any prom-client `Registry` has it. */
  interface MetricRegistry {
    registerMetric(metric: any): void;
    getSingleMetric(name: string): any;
    removeSingleMetric(name: string): void;
  }

  /** Options of {@link register}. */
  interface PrometheusOptions {
    /** Prefix for every metric name (like `collectDefaultMetrics({ prefix })`). Default `''`. */
    prefix?: string;
    /** Buckets of `nodejs_gc_pause_seconds`, seconds, increasing. Default prom-client's GC
     * buckets `[0.001, 0.01, 0.1, 1, 2, 5]`. */
    gcPauseBuckets?: number[];
  }

  /** Removes the metrics from the registry and leakwatch's listeners (idempotent). */
  type Unregister = () => void;

  /**
   * Registers the metrics on `registry` and starts monitoring (adds a `stats` and a `leak`
   * listener to leakwatch). The gauges read 0 until the first full GC after this call.
   *
   * @param registry - A prom-client `Registry`. Default: prom-client's global `register`.
   * @param options - See {@link PrometheusOptions}.
   * @returns A function that unregisters again.
   * @throws Error with `code` `'ERR_LEAKWATCH_ALREADY_REGISTERED'` when the registry already
   *   has a metric of one of these names (register() called twice on it, or a clash).
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'` or
   *   `'ERR_LEAKWATCH_UNKNOWN_OPTION'` on bad arguments; nothing is registered then.
   */
  function register(registry?: MetricRegistry, options?: PrometheusOptions): Unregister;

  /** The metric names, without a prefix. */
  const METRIC_NAMES: {
    readonly heapUsedAfterGc: 'nodejs_heap_used_after_gc_bytes';
    readonly heapTotalAfterGc: 'nodejs_heap_total_after_gc_bytes';
    readonly heapGrowthRate: 'nodejs_heap_growth_rate_bytes_per_second';
    readonly leakSuspected: 'nodejs_leak_suspected';
    readonly leakReports: 'nodejs_leak_reports_total';
    readonly gcPause: 'nodejs_gc_pause_seconds';
  };
}

export = prometheus;
