// leakwatch/register: a side-effect-only preload, configured by environment variables; it
// exports nothing.
//
//   node -r leakwatch/register app.js
//   node --import leakwatch/register app.mjs
//   import 'leakwatch/register';   // first import of an entry point, same effect
//
// LEAKWATCH_LOG=json|pretty|off, LEAKWATCH_STATS=1, LEAKWATCH_OPTIONS (JSON for
// leakwatch.configure), LEAKWATCH_SNAPSHOT_DIR. See docs/integrations.md, "Zero-code preload".
export {};
