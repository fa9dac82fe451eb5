// The C interface of V8's sampling heap profiler (sampling_profiler.cc), for allocation sites
// in leak reports. Plain C types only: Rust declares the same functions in
// crates/node/src/sampling_ffi.rs.
#ifndef LEAKWATCH_SAMPLING_PROFILER_H
#define LEAKWATCH_SAMPLING_PROFILER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// A node of the allocation call tree as the walk hands it to Rust. Strings are UTF-8, not
// NUL-terminated, valid only during the call. `line` and `column` (1-based, 0 unknown) are
// where the function is defined.
typedef struct LwProfileNode {
  uint32_t parent;  // the caller's node index in this walk; LEAKWATCH_NO_PARENT for the root
  int32_t script_id;
  int32_t line;
  int32_t column;
  const char* name;
  size_t name_len;
  const char* script;
  size_t script_len;
} LwProfileNode;

// The live samples of one size at a node; `count` is V8's scaled estimate of objects.
typedef struct LwAllocation {
  double size;
  double count;
} LwAllocation;

#define LEAKWATCH_NO_PARENT 0xFFFFFFFFu

// Implemented in Rust. Receives the tree's nodes in pre-order (a parent before its children),
// numbered from 0 in that order, each with its own live samples (`allocations`, `count` of
// them, valid only during the call). JS thread, outside any GC.
void leakwatch_on_profile_node(void* context, const LwProfileNode* node,
                               const LwAllocation* allocations, size_t count);

// True when this V8 has the three sampling entry points (v8_api.cc resolves them apart from
// the rest: without them only allocation sites are unavailable).
bool leakwatch_sampling_available(void);

// Starts V8's sampling heap profiler on the calling thread's isolate: a sample per
// `interval_bytes` on average, stacks of up to `stack_depth` frames, no flags (a sample is
// dropped when its object dies). Returns the isolate's HeapProfiler (the handle for the two
// calls below) when it started; NULL when V8 refused (a sampler is already running: someone
// else's) or there is no isolate. JS thread, outside any GC.
void* leakwatch_sampling_start(uint64_t interval_bytes, int32_t stack_depth);

// Stops the sampling heap profiler of `profiler` (what leakwatch_sampling_start returned).
// JS thread of that isolate, outside any GC, the isolate alive (env cleanup hooks qualify).
void leakwatch_sampling_stop(void* profiler);

// Reads the live samples of `profiler`'s running sampler and passes the tree to
// leakwatch_on_profile_node; V8's profile copy is deleted before returning. Returns the
// number of nodes walked, or -1 when no sampler is running (someone stopped it). `env` is the
// napi_env of the current call (its handle scope holds the profile's strings).
// JS thread, outside any GC.
int64_t leakwatch_sampling_read(void* env, void* profiler, void* context);

#ifdef __cplusplus
}
#endif

#endif
