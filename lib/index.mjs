// ESM entry: `import leakwatch, { LeakDetector, HeapDiff } from 'leakwatch'`.
import leakwatch from './index.js';

export default leakwatch;
export const { Leakwatch, LeakDetector, HeapDiff } = leakwatch;
export const gc = () => leakwatch.gc();
export const configure = (options) => leakwatch.configure(options);
export const writeSnapshot = (path) => leakwatch.writeSnapshot(path);
