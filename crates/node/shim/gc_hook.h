// The C interface between the V8 shim (gc_hook.cc) and Rust (crates/node/src/ffi.rs).
// Plain C types only: Rust mirrors these structs with #[repr(C)].
#ifndef LEAKWATCH_GC_HOOK_H
#define LEAKWATCH_GC_HOOK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Our own stable GC kind numbers, independent of V8's GCType bits.
enum {
  LW_KIND_SCAVENGE = 0,
  LW_KIND_MINOR_MARK_SWEEP = 1,
  LW_KIND_MARK_SWEEP_COMPACT = 2,
  LW_KIND_INCREMENTAL_MARKING = 3,
  LW_KIND_PROCESS_WEAK_CALLBACKS = 4,
  LW_KIND_COUNT = 5
};

#define LW_MAX_SPACES 16

typedef struct {
  const char* name;  // static string owned by V8
  double size;
  double used;
  double available;
  double physical;
} LwHeapSpace;

// One finished GC, read in the epilogue. Sizes in bytes, times in ms.
typedef struct {
  uint32_t kind;
  uint32_t space_count;  // 0 unless heap spaces were asked for
  uint32_t gc_flags;     // v8::GCCallbackFlags of this GC, as V8 passed them to the epilogue
  uint32_t reserved;     // keeps the doubles 8-byte aligned; always 0
  double timestamp_ms;   // wall clock, like Date.now()
  double monotonic_ms;   // steady clock, never goes back
  double pause_ms;
  double used_heap_size;
  double total_heap_size;
  double total_heap_size_executable;
  double heap_size_limit;
  double total_physical_size;
  double total_available_size;
  double malloced_memory;
  double peak_malloced_memory;
  double external_memory;
  double number_of_native_contexts;
  double number_of_detached_contexts;
  // Cumulative per kind since the hook was installed, this GC included.
  double gc_count[LW_KIND_COUNT];
  double gc_time_ms[LW_KIND_COUNT];
  // Time spent inside leakwatch's own callbacks, per kind (up to the previous GC).
  double self_time_ms[LW_KIND_COUNT];
  LwHeapSpace spaces[LW_MAX_SPACES];
} LwGcEvent;

// Implemented in Rust. Called on the JS thread, inside the GC pause.
void leakwatch_on_gc(void* context, const LwGcEvent* event);

typedef struct LwHook LwHook;

// Installs GC callbacks on the calling thread's isolate. `deliver_mask` has bit
// (1 << LW_KIND_*) set for every kind that is passed to leakwatch_on_gc; the
// others are only counted and timed. Returns NULL when there is no isolate.
LwHook* leakwatch_hook_install(void* context, uint32_t deliver_mask, int heap_spaces);
// Changes what is delivered without reinstalling (and without losing counters).
void leakwatch_hook_configure(LwHook* hook, uint32_t deliver_mask, int heap_spaces);
// Removes the callbacks and frees the hook. Must run on the isolate's thread.
void leakwatch_hook_remove(LwHook* hook);

// One full, synchronous GC on the calling thread's isolate. Returns 0 on success.
int leakwatch_force_full_gc(void);

// Finds every V8 entry point the shim calls (v8_api.cc). Returns NULL when all were found,
// else a readable name of the first missing one (static). `pretend_missing`, a mangled name
// or NULL, is treated as missing (a test hook). Call once, before any other function here;
// until it succeeded every function below fails as if there were no isolate.
const char* leakwatch_v8_resolve(const char* pretend_missing);

// The self-test of v8LayerInit: V8's heap statistics written into an over-allocated buffer
// filled with a canary. `stayed_inside` is 1 when every byte past `known_size` (the largest
// v8::HeapStatistics of the supported lines) is still the canary.
typedef struct {
  int32_t stayed_inside;
  uint32_t known_size;
  double heap_size_limit;
  double total_heap_size;
  double used_heap_size;
} LwHeapStatisticsProbe;

// Returns 0 on success, 1 without a current isolate.
int leakwatch_heap_statistics_probe(LwHeapStatisticsProbe* out);

#ifdef __cplusplus
}
#endif

#endif
