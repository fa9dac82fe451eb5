// Types of leakwatch/otel: leakwatch's metrics for OpenTelemetry (@opentelemetry/api is an
// optional peer dependency, `npm install @opentelemetry/api`).

import type { Meter, MeterProvider } from '@opentelemetry/api';

/**
 * leakwatch's GC pauses and post-GC heap as OpenTelemetry metrics, on the meter `leakwatch`:
 *
 * | instrument | kind | unit | attributes |
 * | --- | --- | --- | --- |
 * | `v8js.gc.duration` | Histogram | `s` | `v8js.gc.type`: `major` (and `minor` with `includeMinorGc`) |
 * | `v8js.memory.heap.used` | ObservableUpDownCounter | `By` | `v8js.heap.space.name` |
 * | `v8js.memory.heap.space.size` | ObservableUpDownCounter | `By` | `v8js.heap.space.name` |
 * | `v8js.memory.heap.space.available_size` | ObservableUpDownCounter | `By` | `v8js.heap.space.name` |
 * | `v8js.memory.heap.space.physical_size` | ObservableUpDownCounter | `By` | `v8js.heap.space.name` |
 * | `leakwatch.heap.used_after_gc` | ObservableGauge | `By` | |
 * | `leakwatch.heap.growth_rate` | ObservableGauge | `By/s` | |
 * | `leakwatch.leak.suspected` | ObservableGauge | `1` | 1 from a `leak` report until `leakEnd` (`leakwatch.leakState === 'leaking'`), else 0 |
 * | `leakwatch.leak.reports` | Counter | `{report}` | |
 *
 * The `v8js.*` names and attributes are OpenTelemetry's semantic conventions for V8; the heap
 * values are read right after the latest full GC (not at collection time).
 *
 * @example
 * ```ts
 * import { register } from 'leakwatch/otel';
 * // after the OpenTelemetry SDK has set the global MeterProvider:
 * const unregister = register();
 * ```
 */
declare namespace otel {
  /** Options of {@link register}. */
  interface OtelOptions {
    /** Where to get the meter `leakwatch` from. Default: the global MeterProvider
     * (`metrics.getMeterProvider()` of @opentelemetry/api). */
    meterProvider?: MeterProvider;
    /** A meter to use instead (not together with `meterProvider`). */
    meter?: Meter;
    /** Export the per-space `v8js.memory.heap.*` metrics; turns on leakwatch's `heapSpaces`
     * option (`leakwatch.configure({ heapSpaces: true })`), which they need. Default `true`. */
    heapSpaces?: boolean;
  }

  /** Stops recording and removes the observable callbacks (idempotent). The instruments stay
   * on the meter (OpenTelemetry cannot remove them). */
  type Unregister = () => void;

  /**
   * Creates the instruments and starts monitoring (adds a `stats` and a `leak` listener to
   * leakwatch). Call it after the SDK has registered the global MeterProvider, or pass one.
   *
   * @returns A function that unregisters again.
   * @throws Error with `code` `'ERR_LEAKWATCH_ALREADY_REGISTERED'` when already registered on
   *   the same meter (every GC would be counted twice).
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'` or
   *   `'ERR_LEAKWATCH_UNKNOWN_OPTION'` on bad options; nothing is registered then.
   */
  function register(options?: OtelOptions): Unregister;

  /** The instrument names. */
  const METRIC_NAMES: {
    readonly gcDuration: 'v8js.gc.duration';
    readonly heapUsed: 'v8js.memory.heap.used';
    readonly heapSpaceSize: 'v8js.memory.heap.space.size';
    readonly heapSpaceAvailable: 'v8js.memory.heap.space.available_size';
    readonly heapSpacePhysical: 'v8js.memory.heap.space.physical_size';
    readonly heapUsedAfterGc: 'leakwatch.heap.used_after_gc';
    readonly heapGrowthRate: 'leakwatch.heap.growth_rate';
    readonly leakSuspected: 'leakwatch.leak.suspected';
    readonly leakReports: 'leakwatch.leak.reports';
  };
}

export = otel;
