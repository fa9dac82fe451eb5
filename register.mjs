// leakwatch/register for `node --import leakwatch/register app.mjs`: the same preload as
// `node -r leakwatch/register` (register.js), loaded from ESM.
import './register.js';
