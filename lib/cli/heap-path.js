'use strict';
// Heap nodes and retainer paths as `leakwatch analyze` writes them, in its text and its HTML:
// DevTools' names for nodes, `.name` / `[n]` / `{name}` for edges.

// Longer paths keep their first 3 and last 8 steps.
const MAX_PATH_STEPS = 12;

/** A heap node as DevTools names it: `LeakyThing`, `(array)`, `"text…"`, `(closure) onData`. */
function nodeLabel(name, type) {
  const text = String(name ?? '');
  switch (type) {
    case 'object':
    case 'native':
      return text || `(${type})`;
    case 'closure':
      return `(closure) ${text || '(anonymous)'}`;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    case 'synthetic':
      return text;
    default:
      return text && text !== `(${type})` ? `(${type}) ${text}` : `(${type})`;
  }
}

/** An edge as a path step: `.leaks` (property), `[12]` (element), `{map}` (internal…). */
function edgeLabel(name, type) {
  const text = String(name ?? '');
  switch (type) {
    case 'element':
    case 'hidden':
      return text.startsWith('[') ? text : `[${text}]`;
    case 'property':
    case 'context':
    case 'shortcut':
      return `.${text}`;
    case 'internal':
      // A hash table's slot (a Map's entries) is an internal edge named by its index.
      return /^\d+$/.test(text) ? `[${text}]` : `{${text}}`;
    case 'weak':
      return `(weak) ${text}`;
    default:
      return `{${text}}`;
  }
}

/** `root → (GC roots) → … → .leaks → Map → [3] → LeakyThing`: edges and nodes, the middle
 * of long paths elided. */
function formatPath(steps) {
  const parts = ['root'];
  const shown = steps.length > MAX_PATH_STEPS ? [...steps.slice(0, 3), null, ...steps.slice(-(MAX_PATH_STEPS - 4))] : steps;
  for (const step of shown) {
    if (step === null) parts.push('…');
    else {
      // The root's own edges are numbered links to (GC roots) and the global objects.
      const fromRoot = parts.length === 1 && (step.edgeType === 'element' || step.edgeType === 'shortcut');
      if (!fromRoot) parts.push(edgeLabel(step.edge, step.edgeType));
      parts.push(nodeLabel(step.node, step.nodeType));
    }
  }
  return parts.join(' → ');
}

module.exports = { formatPath, nodeLabel };
