// ESM entry: `import { analyze } from 'leakwatch/analyze'`.
import analysis from './analyze.js';

export default analysis;
export const { analyze } = analysis;
