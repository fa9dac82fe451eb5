// Type tests of leakwatch/analyze (ES module consumer): named and default imports.
import { analyze } from 'leakwatch/analyze';
import analysis from 'leakwatch/analyze';

const report: analysis.AnalyzeReport = await analyze(['a.heapsnapshot']);
const same: typeof analyze = analysis.analyze;
const leak: analysis.Leak | null = report.leak;
