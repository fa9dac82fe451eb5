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

// One finished GC, as leakwatch_hook_pop gives it out (outside the pause; the epilogue
// recorded it into the hook's ring raw, its times in clock ticks). Sizes in bytes, times in ms.
typedef struct {
  uint64_t sequence;     // 1, 2, ... in GC order, across both rings
  uint32_t kind;
  uint32_t gc_flags;     // v8::GCCallbackFlags of this GC, as V8 passed them to the epilogue
  uint32_t space_count;  // 0 unless heap spaces were asked for
  uint32_t own_snapshot; // 1: during leakwatch_hook_mark_own_snapshot(hook, 1)
  double monotonic_ms;   // steady clock (CLOCK_MONOTONIC) at the epilogue
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
} LwGcRecord;

// Implemented in Rust. Called on the JS thread from the event loop (a libuv check or prepare
// handle), never inside a GC pause, when the ring has records and no wake is outstanding:
// schedules a delivery. Until leakwatch_hook_rearm, it is not called again.
void leakwatch_wake(void* context);

typedef struct LwHook LwHook;

// Installs GC callbacks on the calling thread's isolate, and the wake-up handles on the
// loop of `env` (a napi_env, the current call's). `deliver_mask` has bit (1 << LW_KIND_*)
// set for every kind that is recorded; the others are only counted and timed. Returns NULL
// when there is no isolate or the loop's handles cannot be had.
LwHook* leakwatch_hook_install(void* env, void* context, uint32_t deliver_mask, int heap_spaces);
// Changes what is recorded without reinstalling (and without losing counters).
void leakwatch_hook_configure(LwHook* hook, uint32_t deliver_mask, int heap_spaces);
// Removes the callbacks, closes the wake-up handles and frees the hook. On the isolate's thread.
void leakwatch_hook_remove(LwHook* hook);
// Takes the oldest record out of the ring (its heap spaces into `spaces`, LW_MAX_SPACES of
// them): 1, or 0 when empty. JS thread, outside GC.
int leakwatch_hook_pop(LwHook* hook, LwGcRecord* out, LwHeapSpace* spaces);
// The records the ring overwrote since the last call (it keeps the newest).
uint64_t leakwatch_hook_take_dropped(LwHook* hook);
// The delivery the last leakwatch_wake scheduled has taken the records: wake again on new ones.
void leakwatch_hook_rearm(LwHook* hook);
// GCs recorded from now on are (1) or are not (0) leakwatch's own snapshot's.
void leakwatch_hook_mark_own_snapshot(LwHook* hook, int own);
// CLOCK_REALTIME minus CLOCK_MONOTONIC now, ms: a record's wall time is monotonic_ms + this.
double leakwatch_clock_offset_ms(void);

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
