// The C interface of the heap snapshot walk (heap_snapshot.cc) used by HeapDiff.
// Plain C types only: Rust declares the same functions in src/ffi.rs.
#ifndef LEAKWATCH_HEAP_SNAPSHOT_H
#define LEAKWATCH_HEAP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Implemented in Rust. Receives one node of the snapshot; JS thread, outside any GC.
// `type` is v8::HeapGraphNode::Type. `name` is UTF-8, not NUL-terminated, valid only during
// the call, and given only for the node types whose name says what they are (objects:
// the constructor name, closures: the function name, native and synthetic nodes); for the
// others it is NULL with `name_len` 0 (a string node's name is its content: never copied).
void leakwatch_on_heap_node(void* context, uint32_t id, uint32_t type, const char* name,
                            size_t name_len, double self_size);

// Implemented in Rust. Called once after the node walk, before the snapshot is deleted: sets
// `*ids` to the ids (ascending) of the nodes to find retainer paths to and `*count` to their
// number (NULL and 0 for none: no path search). The array stays valid until the walk returns.
void leakwatch_heap_path_targets(void* context, const uint32_t** ids, size_t* count);

// Implemented in Rust. Receives one retainer path (UTF-8, not NUL-terminated, valid only
// during the call), e.g. "global → cache (Map) → table (system / OrderedHashMap) → [3] (Leaky)".
void leakwatch_on_retainer_path(void* context, const char* path, size_t path_len);

// Takes a heap snapshot of the calling thread's isolate (V8 runs full GCs first), passes
// every node to leakwatch_on_heap_node in index order, iteratively; then, when
// leakwatch_heap_path_targets names targets, searches breadth-first from the snapshot's root
// for the shortest strong paths to up to 3 of them (distinct paths, bounded work and memory)
// and passes each to leakwatch_on_retainer_path; then deletes the snapshot at once so V8's
// copy is freed before the caller does anything else.
// Returns the number of nodes walked, or -1 when there is no isolate or no snapshot.
int64_t leakwatch_heap_snapshot_walk(void* context);

#ifdef __cplusplus
}
#endif

#endif
