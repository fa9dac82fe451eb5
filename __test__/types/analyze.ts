// Type tests of leakwatch/analyze (CommonJS consumer).
import analysis = require('leakwatch/analyze');

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}

async function use(): Promise<void> {
  const report = await analysis.analyze(['a.heapsnapshot', 'b.heapsnapshot'], {
    top: 10,
    onProgress: (p) => {
      assertType<Equal<typeof p, analysis.AnalyzeProgress>>();
      const fraction: number = p.bytesRead / p.bytesTotal;
      const phase: 'read' | 'dominators' | 'analysis' | 'done' = p.phase;
    },
  });
  assertType<Equal<typeof report, analysis.AnalyzeReport>>();
  const one: 1 = report.version;
  const edges: number | null = report.snapshots[0].edges;
  const totals: number = report.heap.totalBytes + report.heap.rootRetainedBytes + report.timings.totalMs;
  if (report.leak) {
    const [top] = report.leak.clusters;
    const name: string = top.constructor;
    const steps: string = top.path.map((s) => `${s.edge}:${s.edgeType}→${s.node}(${s.nodeType})#${s.id}`).join(' ');
    const example: analysis.HeapObject = top.example;
    const method: 'baseline-target-final' | 'baseline-final' = report.leak.method;
    const target: string | null = report.leak.target;
  }
  for (const r of report.topRetainers) {
    const n: number = r.retainedBytes + r.selfBytes + r.path.length;
  }
  const c: analysis.ConstructorTotals | undefined = report.constructors[0];
  const net: number | undefined = report.diff?.details[0]?.netBytes;
  await analysis.analyze('only.heapsnapshot');
}

// @ts-expect-error: top is a number
analysis.analyze(['a'], { top: '5' });
// @ts-expect-error: an unknown option
analysis.analyze(['a'], { tpo: 5 });
// @ts-expect-error: paths are strings
analysis.analyze([1]);
