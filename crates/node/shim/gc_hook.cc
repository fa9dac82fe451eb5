// The whole C++ side of leakwatch: V8 GC callbacks and a forced full GC.
// Every function here runs on the JS thread of the isolate it was installed on.
// No exceptions, no JS allocation, no heap allocation inside the GC callbacks.

#include "gc_hook.h"

#include <time.h>

#include <new>

#include <v8.h>
#include <v8-version.h>

namespace {

// V8 renamed the minor mark GC in V8 12 (Node 22); the bit is the same.
#if V8_MAJOR_VERSION >= 12
constexpr v8::GCType kMinorMarkType = v8::kGCTypeMinorMarkSweep;
#else
constexpr v8::GCType kMinorMarkType = v8::kGCTypeMinorMarkCompact;
#endif

struct LwHookState {
  v8::Isolate* isolate;
  void* context;
  uint32_t deliver_mask;
  int heap_spaces;
  double started_ms[LW_KIND_COUNT];
  LwGcEvent event;  // reused for every GC: nothing is allocated in the pause
};

inline double now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

inline int kind_of(v8::GCType type) {
  if (type & v8::kGCTypeScavenge) return LW_KIND_SCAVENGE;
  if (type & kMinorMarkType) return LW_KIND_MINOR_MARK_SWEEP;
  if (type & v8::kGCTypeMarkSweepCompact) return LW_KIND_MARK_SWEEP_COMPACT;
  if (type & v8::kGCTypeIncrementalMarking) return LW_KIND_INCREMENTAL_MARKING;
  if (type & v8::kGCTypeProcessWeakCallbacks) return LW_KIND_PROCESS_WEAK_CALLBACKS;
  return -1;
}

void read_heap(LwHookState* state) {
  LwGcEvent& e = state->event;
  v8::HeapStatistics h;
  state->isolate->GetHeapStatistics(&h);
  e.used_heap_size = static_cast<double>(h.used_heap_size());
  e.total_heap_size = static_cast<double>(h.total_heap_size());
  e.total_heap_size_executable = static_cast<double>(h.total_heap_size_executable());
  e.heap_size_limit = static_cast<double>(h.heap_size_limit());
  e.total_physical_size = static_cast<double>(h.total_physical_size());
  e.total_available_size = static_cast<double>(h.total_available_size());
  e.malloced_memory = static_cast<double>(h.malloced_memory());
  e.peak_malloced_memory = static_cast<double>(h.peak_malloced_memory());
  e.external_memory = static_cast<double>(h.external_memory());
  e.number_of_native_contexts = static_cast<double>(h.number_of_native_contexts());
  e.number_of_detached_contexts = static_cast<double>(h.number_of_detached_contexts());

  e.space_count = 0;
  if (!state->heap_spaces) return;
  size_t spaces = state->isolate->NumberOfHeapSpaces();
  for (size_t i = 0; i < spaces && e.space_count < LW_MAX_SPACES; i++) {
    v8::HeapSpaceStatistics s;
    if (!state->isolate->GetHeapSpaceStatistics(&s, i)) continue;
    LwHeapSpace& out = e.spaces[e.space_count++];
    out.name = s.space_name();
    out.size = static_cast<double>(s.space_size());
    out.used = static_cast<double>(s.space_used_size());
    out.available = static_cast<double>(s.space_available_size());
    out.physical = static_cast<double>(s.physical_space_size());
  }
}

// JS thread, inside the GC pause. One clock read and one store: the prologue's own time is
// not metered (a second clock read would cost more than everything else it does).
void on_prologue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags, void* data) {
  double entered = now_ms(CLOCK_MONOTONIC);
  int kind = kind_of(type);
  if (kind < 0) return;
  static_cast<LwHookState*>(data)->started_ms[kind] = entered;
}

// JS thread, inside the GC pause.
void on_epilogue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags flags, void* data) {
  double entered = now_ms(CLOCK_MONOTONIC);
  auto* state = static_cast<LwHookState*>(data);
  int kind = kind_of(type);
  if (kind < 0) return;
  LwGcEvent& e = state->event;
  double pause = state->started_ms[kind] > 0 ? entered - state->started_ms[kind] : 0;
  state->started_ms[kind] = 0;
  e.gc_count[kind] += 1;
  e.gc_time_ms[kind] += pause;

  if (state->deliver_mask & (1u << kind)) {
    e.kind = static_cast<uint32_t>(kind);
    e.gc_flags = static_cast<uint32_t>(flags);
    e.pause_ms = pause;
    e.monotonic_ms = entered;
    e.timestamp_ms = now_ms(CLOCK_REALTIME);
    read_heap(state);
    leakwatch_on_gc(state->context, &e);
  }
  e.self_time_ms[kind] += now_ms(CLOCK_MONOTONIC) - entered;
}

}  // namespace

extern "C" {

LwHook* leakwatch_hook_install(void* context, uint32_t deliver_mask, int heap_spaces) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return nullptr;
  auto* state = new (std::nothrow) LwHookState();  // value-initialised: all zero
  if (state == nullptr) return nullptr;
  state->isolate = isolate;
  state->context = context;
  state->deliver_mask = deliver_mask;
  state->heap_spaces = heap_spaces;
  isolate->AddGCPrologueCallback(on_prologue, state, v8::kGCTypeAll);
  isolate->AddGCEpilogueCallback(on_epilogue, state, v8::kGCTypeAll);
  return reinterpret_cast<LwHook*>(state);
}

void leakwatch_hook_configure(LwHook* hook, uint32_t deliver_mask, int heap_spaces) {
  if (hook == nullptr) return;
  auto* state = reinterpret_cast<LwHookState*>(hook);
  state->deliver_mask = deliver_mask;
  state->heap_spaces = heap_spaces;
}

void leakwatch_hook_remove(LwHook* hook) {
  if (hook == nullptr) return;
  auto* state = reinterpret_cast<LwHookState*>(hook);
  state->isolate->RemoveGCPrologueCallback(on_prologue, state);
  state->isolate->RemoveGCEpilogueCallback(on_epilogue, state);
  delete state;
}

int leakwatch_force_full_gc(void) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return 1;
  // One synchronous full GC when called on the isolate's thread. Unlike
  // RequestGarbageCollectionForTesting it needs no --expose-gc, and unlike
  // LowMemoryNotification it does not run two full GCs.
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
  return 0;
}

}  // extern "C"
