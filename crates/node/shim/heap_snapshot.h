// The C interface of the heap snapshot walk (heap_snapshot.cc) used by HeapDiff.
// Plain C types only: Rust declares the same functions in crates/node/src/ffi.rs.
#ifndef LEAKWATCH_HEAP_SNAPSHOT_H
#define LEAKWATCH_HEAP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// One node of a snapshot as the walk hands it to Rust. `self_size` is clamped to 4 GiB.
typedef struct LwHeapNode {
  uint32_t id;
  uint32_t name_key;
  uint32_t self_size;
} LwHeapNode;

// Returned by leakwatch_heap_name_key when Rust could not give a key: the node is left out.
#define LEAKWATCH_NO_NAME_KEY 0xFFFFFFFFu

// Implemented in Rust. The key of (type, name) in the diff's name table, interned on first
// sight. `type` is v8::HeapGraphNode::Type. `name` is UTF-8, not NUL-terminated, valid only
// during the call, and given only for the node types whose name says what they are (objects:
// the constructor name, closures: the function name, native and synthetic nodes); for the
// others it is NULL with `name_len` 0 (a string node's name is its content: never copied).
// JS thread, outside any GC; the walk caches keys, so this runs once per distinct name.
uint32_t leakwatch_heap_name_key(void* context, uint32_t type, const char* name,
                                 size_t name_len);

// Implemented in Rust. Receives the next `count` nodes of the snapshot in index order (the
// array is valid only during the call); `total` is the snapshot's node count, the same on
// every call. JS thread, outside any GC.
void leakwatch_on_heap_nodes(void* context, const LwHeapNode* nodes, size_t count,
                             size_t total);

// Implemented in Rust. Called once before the node walk with the number of nodes to come:
// false when the memory for them cannot be had (then there is no walk).
bool leakwatch_heap_reserve(void* context, size_t count);

// Implemented in Rust. Called once after the node walk, before the snapshot is deleted: sets
// `*ids` to the ids (ascending) of the nodes to find retainer paths to and `*count` to their
// number (NULL and 0 for none: no path search). The array stays valid until the walk returns.
void leakwatch_heap_path_targets(void* context, const uint32_t** ids, size_t* count);

// Implemented in Rust. Receives one retainer path (UTF-8, not NUL-terminated, valid only
// during the call), e.g. "global → cache (Map) → table (system / OrderedHashMap) → [3] (Leaky)".
void leakwatch_on_retainer_path(void* context, const char* path, size_t path_len);

// Implemented in Rust. True when the environment of `probe` (the last argument of the snapshot
// functions below) is being stopped, e.g. by worker.terminate() from another thread. V8's own
// IsExecutionTerminating() only turns true once JS runs again, which a snapshot never lets
// happen. JS thread, inside a snapshot (between GCs, never inside one).
bool leakwatch_env_stopping(void* probe);

// Why a snapshot function returned no result (its negative return values).
#define LEAKWATCH_SNAPSHOT_UNAVAILABLE (-1)   // no isolate, or V8 gave no snapshot
#define LEAKWATCH_SNAPSHOT_OVER_BUDGET (-2)   // ran past its time budget: aborted
#define LEAKWATCH_SNAPSHOT_TERMINATING (-3)   // the thread is being terminated: aborted
#define LEAKWATCH_SNAPSHOT_WRITE_FAILED (-4)  // the file could not be written (see errno)
#define LEAKWATCH_SNAPSHOT_NO_MEMORY (-5)     // no memory for the walk's picture

// `env` (every function here that creates V8 handles takes it) is the napi_env of the current
// Node-API call: its handle scopes stand in for v8::HandleScope (inline code in V8 14).

// Takes a heap snapshot of the calling thread's isolate (V8 runs full GCs first), passes
// every node to leakwatch_on_heap_nodes in index order, in batches, iteratively; then, when
// leakwatch_heap_path_targets names targets, searches breadth-first from the snapshot's root
// for the shortest strong paths to up to 3 of them (distinct paths, bounded work and memory)
// and passes each to leakwatch_on_retainer_path; then deletes the snapshot at once so V8's
// copy is freed (and given back to the system) before the caller does anything else.
// `budget_ms` bounds the snapshot and the path search in time (Infinity: no bound); V8's
// generation is aborted past it, or when the thread is terminating (`probe`, may be NULL, is
// passed to leakwatch_env_stopping). Returns the number of
// nodes walked, or a LEAKWATCH_SNAPSHOT_* code (nothing was walked).
// JS thread of the calling isolate, outside any GC.
int64_t leakwatch_heap_snapshot_walk(void* env, void* context, double budget_ms, void* probe);

// Takes a heap snapshot and writes it to `path` (NUL-terminated; created or truncated) in
// Chrome DevTools' .heapsnapshot format, under the same budget and abort rules. Returns the
// number of nodes, or a LEAKWATCH_SNAPSHOT_* code, in which case `path` has been removed;
// `*error_number` is the errno of a failed write (0 otherwise). JS thread, outside any GC.
int64_t leakwatch_heap_snapshot_write(void* env, const char* path, double budget_ms, void* probe,
                                      int* error_number);

// Releases V8's heap-profiler object-id map (HeapProfiler::ClearObjectIds): after a snapshot
// V8 tracks every object the GC moves, which makes every later GC several times slower. Ids
// restart afterwards, so only call it when no picture that will be compared is alive.
// JS thread, outside any GC; does nothing without a current isolate.
void leakwatch_heap_clear_object_ids(void);

// Benchmark floor for HeapDiff (bench/heapdiff.js): optionally clears V8's object-id map
// first (only when no HeapDiff picture is alive: ids restart after a clear), then takes and
// deletes `snapshots` bare heap snapshots (V8's full GCs and graph, no walk). JS thread.
// Returns the node count of the last, 0 for no snapshot, or -1 with no isolate or snapshot.
int64_t leakwatch_heap_snapshot_floor(void* env, int32_t snapshots, int32_t clear_ids_first);

#ifdef __cplusplus
}
#endif

#endif
