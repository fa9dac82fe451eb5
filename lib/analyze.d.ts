// Types of leakwatch/analyze: offline analysis of .heapsnapshot files (the same analysis as
// `leakwatch analyze`), off the JS thread.

/**
 * Reads 1 to 3 `.heapsnapshot` files (DevTools' format, as `v8.writeHeapSnapshot()` and
 * leakwatch's `snapshot` option write them) as a stream, and reports what a leak hunt asks:
 * dominators and retained sizes, the top retainers, totals by constructor, and, given
 * 2 or 3 snapshots, the leak method and a diff of the first and the last.
 *
 * @example
 * ```ts
 * import { analyze } from 'leakwatch/analyze';
 * const report = await analyze(['baseline.heapsnapshot', 'target.heapsnapshot', 'final.heapsnapshot']);
 * const [top] = report.leak!.clusters;
 * console.log(top.constructor, top.count, top.retainedBytes, top.path.map((s) => s.edge).join(' → '));
 * ```
 */
declare namespace analysis {
  /** Options of {@link analyze}. */
  interface AnalyzeOptions {
    /** How many leak clusters, top retainers and constructors to report (1 to 10000).
     * Default 20. */
    top?: number;
    /** Called every ~100 ms while the analysis runs (from an unref'd timer: it never keeps
     * the process alive), and once at the end. */
    onProgress?: (progress: AnalyzeProgress) => void;
  }

  interface AnalyzeProgress {
    phase: 'read' | 'dominators' | 'analysis' | 'done';
    /** The snapshot being read (the last one after the reads). */
    file: string;
    /** Bytes of all the files read so far, of `bytesTotal`. */
    bytesRead: number;
    bytesTotal: number;
  }

  /** DevTools' node types (a snapshot's `meta.node_types`). */
  type NodeType =
    | 'hidden'
    | 'array'
    | 'string'
    | 'object'
    | 'code'
    | 'closure'
    | 'regexp'
    | 'number'
    | 'native'
    | 'synthetic'
    | 'concatenated string'
    | 'sliced string'
    | 'symbol'
    | 'bigint'
    | 'object shape'
    | 'wasm object';

  /** DevTools' edge types (`meta.edge_types`). */
  type EdgeType = 'context' | 'element' | 'property' | 'internal' | 'hidden' | 'shortcut' | 'weak';

  /** One step of a retainer path from the root (left out) to an object: the edge followed
   * and the node it reaches. A path of more than 100 steps has one step of type `'elided'`
   * in the middle, whose `node` says how many steps it stands for. */
  interface PathStep {
    /** `leaks`, `[3]` for an element, `3` for a hidden or internal index. */
    edge: string;
    edgeType: EdgeType | 'elided';
    /** The node's name: a constructor, a function's name, a string's value (at most 200
     * characters)… */
    node: string;
    nodeType: NodeType | 'elided';
    /** V8's snapshot object id (the same object has the same id in every snapshot of a
     * process). */
    id: number;
  }

  interface HeapObject {
    id: number;
    name: string;
    type: NodeType;
    selfBytes: number;
    /** What freeing this object would free: the self sizes of the objects it dominates. */
    retainedBytes: number;
  }

  interface SnapshotFile {
    /** As given. */
    path: string;
    bytes: number;
    nodes: number;
    /** `null` for the target of the leak method, read for its object ids only. */
    edges: number | null;
    readMs: number;
  }

  interface LeakCluster {
    /** The class the cluster's retainer paths end at (DevTools' naming). */
    constructor: string;
    /** Leaked objects in the cluster. */
    count: number;
    /** Their retained bytes, each counted only when no object dominating it is leaked too:
     * no byte is counted twice, across clusters either. */
    retainedBytes: number;
    selfBytes: number;
    /** The shortest retainer path of `example`, from the root. */
    path: PathStep[];
    /** The member retaining the most. */
    example: HeapObject;
  }

  interface Leak {
    /** `baseline-target-final` (3 snapshots: allocated between the first two, alive in the
     * last) or `baseline-final` (2: in the second, not in the first). */
    method: 'baseline-target-final' | 'baseline-final';
    baseline: string;
    /** `null` with two snapshots. */
    target: string | null;
    final: string;
    /** Leaked objects: objects and closures (not strings, numbers, arrays' backing stores or
     * V8 internals), reachable in the final snapshot. */
    objects: number;
    /** Their retained bytes without double counting. */
    retainedBytes: number;
    /** Largest `retainedBytes` first, at most `top`. */
    clusters: LeakCluster[];
  }

  interface TopRetainer extends HeapObject {
    path: PathStep[];
  }

  interface ConstructorTotals {
    /** DevTools' class name: a constructor, `(string)`, `(array)`, `(closure) name`… */
    name: string;
    count: number;
    selfBytes: number;
    /** Each object's retained bytes unless an object of the same class dominates it. */
    retainedBytes: number;
  }

  interface DiffDetail {
    what: string;
    countAdded: number;
    countRemoved: number;
    bytesAdded: number;
    bytesRemoved: number;
    netBytes: number;
  }

  interface SnapshotTotals {
    path: string;
    nodes: number;
    bytes: number;
  }

  /** What {@link analyze} resolves with; `leakwatch analyze --json` prints the same. */
  interface AnalyzeReport {
    version: 1;
    /** In the order given. */
    snapshots: SnapshotFile[];
    timings: { readMs: number; dominatorsMs: number; analysisMs: number; totalMs: number };
    /** Of the last snapshot. */
    heap: {
      nodes: number;
      edges: number;
      /** The sum of all self sizes. */
      totalBytes: number;
      /** The root's retained size: every object reachable from it (without weak edges). */
      rootRetainedBytes: number;
    };
    /** `null` with one snapshot. */
    leak: Leak | null;
    /** Largest retained first, the root and the GC roots' categories left out. */
    topRetainers: TopRetainer[];
    /** Largest retained first. */
    constructors: ConstructorTotals[];
    /** The first snapshot against the last, by constructor, largest change first; `null`
     * with one snapshot. */
    diff: { before: SnapshotTotals; after: SnapshotTotals; details: DiffDetail[] } | null;
  }

  /**
   * Analyzes 1 to 3 heap snapshots: `[final]`, `[baseline, final]` or
   * `[baseline, target, final]`. The work runs on libuv's thread pool; the JS thread is free.
   *
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'`,
   *   `'ERR_LEAKWATCH_INVALID_VALUE'` or `'ERR_LEAKWATCH_UNKNOWN_OPTION'`, or RangeError
   *   `'ERR_LEAKWATCH_OUT_OF_RANGE'` (not 1 to 3 paths, `top` out of range), synchronously.
   * @throws Error `'ERR_LEAKWATCH_NATIVE_UNAVAILABLE'` when the native addon is not loaded.
   * @returns A promise of the report. It rejects with `code` `'ERR_LEAKWATCH_SNAPSHOT_READ'`
   *   for a file that cannot be read, `'ERR_LEAKWATCH_SNAPSHOT_FORMAT'` for one that is not a
   *   well-formed snapshot ("leakwatch: analyze: FILE: byte N: …").
   */
  function analyze(paths: string | readonly string[], options?: AnalyzeOptions): Promise<AnalyzeReport>;
}

export = analysis;
