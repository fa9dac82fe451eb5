// The whole C++ side of leakwatch: V8 GC callbacks and a forced full GC.
// Every function here runs on the JS thread of the isolate it was installed on.
// No exceptions, no JS allocation, no heap allocation inside the GC callbacks.

#include "gc_hook.h"

#include <string.h>
#include <time.h>

#include <new>

#include <v8-version.h>

#include "v8_api.h"

using lw::v8api;

namespace {

// V8 renamed the minor mark GC in V8 12 (Node 22); the bit is the same.
#if V8_MAJOR_VERSION >= 12
constexpr v8::GCType kMinorMarkType = v8::kGCTypeMinorMarkSweep;
#else
constexpr v8::GCType kMinorMarkType = v8::kGCTypeMinorMarkCompact;
#endif


// v8::HeapStatistics is 112 bytes up to V8 13 (Node 24) and 120 in V8 14 (Node 26, which
// appended total_allocated_bytes_): V8 writes its own line's size, whatever our headers say.
// So it is never declared at header size: V8 writes into this over-allocated buffer, and we
// read only the fields every line has, at offsets that are the same on every line.
constexpr size_t kHeapStatsKnownSize = 120;  // the largest of the supported lines
constexpr size_t kHeapStatsBufferSize = 256;
struct alignas(16) HeapStatsBuffer {
  unsigned char bytes[kHeapStatsBufferSize];
};
// Byte offsets in v8::HeapStatistics (v8-statistics.h, V8 11.3 to 14.x: all size_t, in this
// order; does_zap_garbage_ at 72 is padded to 8).
enum : size_t {
  kTotalHeapSize = 0,
  kTotalHeapSizeExecutable = 8,
  kTotalPhysicalSize = 16,
  kTotalAvailableSize = 24,
  kUsedHeapSize = 32,
  kHeapSizeLimit = 40,
  kMallocedMemory = 48,
  kExternalMemory = 56,
  kPeakMallocedMemory = 64,
  kNumberOfNativeContexts = 80,
  kNumberOfDetachedContexts = 88,
};

// v8::HeapSpaceStatistics is 40 bytes on every line; the same treatment, for the same reason.
struct alignas(16) SpaceStatsBuffer {
  unsigned char bytes[128];
};
enum : size_t {
  kSpaceName = 0,
  kSpaceSize = 8,
  kSpaceUsedSize = 16,
  kSpaceAvailableSize = 24,
  kPhysicalSpaceSize = 32,
};

inline double field(const unsigned char* bytes, size_t offset) {
  size_t value;
  memcpy(&value, bytes + offset, sizeof value);
  return static_cast<double>(value);
}
inline double field(const HeapStatsBuffer& b, size_t offset) { return field(b.bytes, offset); }

// Fills `b` with `fill`, then lets V8 write its heap statistics into it.
void get_heap_statistics(v8::Isolate* isolate, HeapStatsBuffer* b, unsigned char fill) {
  memset(b->bytes, fill, sizeof b->bytes);
  v8api.isolate_get_heap_statistics(isolate, b->bytes);
}

struct LwHookState {
  v8::Isolate* isolate;
  void* context;
  uint32_t deliver_mask;
  int heap_spaces;
  double started_ms[LW_KIND_COUNT];
  LwGcEvent event;  // reused for every GC: nothing is allocated in the pause
  HeapStatsBuffer heap_stats;    // V8 writes here, never on our stack (see HeapStatsBuffer)
  SpaceStatsBuffer space_stats;  // likewise
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
  HeapStatsBuffer& h = state->heap_stats;
  get_heap_statistics(state->isolate, &h, 0);
  e.used_heap_size = field(h, kUsedHeapSize);
  e.total_heap_size = field(h, kTotalHeapSize);
  e.total_heap_size_executable = field(h, kTotalHeapSizeExecutable);
  e.heap_size_limit = field(h, kHeapSizeLimit);
  e.total_physical_size = field(h, kTotalPhysicalSize);
  e.total_available_size = field(h, kTotalAvailableSize);
  e.malloced_memory = field(h, kMallocedMemory);
  e.peak_malloced_memory = field(h, kPeakMallocedMemory);
  e.external_memory = field(h, kExternalMemory);
  e.number_of_native_contexts = field(h, kNumberOfNativeContexts);
  e.number_of_detached_contexts = field(h, kNumberOfDetachedContexts);

  e.space_count = 0;
  if (!state->heap_spaces) return;
  size_t spaces = v8api.isolate_number_of_heap_spaces(state->isolate);
  unsigned char* s = state->space_stats.bytes;
  for (size_t i = 0; i < spaces && e.space_count < LW_MAX_SPACES; i++) {
    memset(s, 0, sizeof state->space_stats.bytes);
    if (!v8api.isolate_get_heap_space_statistics(state->isolate, s, i)) continue;
    LwHeapSpace& out = e.spaces[e.space_count++];
    memcpy(&out.name, s + kSpaceName, sizeof out.name);
    out.size = field(s, kSpaceSize);
    out.used = field(s, kSpaceUsedSize);
    out.available = field(s, kSpaceAvailableSize);
    out.physical = field(s, kPhysicalSpaceSize);
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
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return nullptr;
  auto* state = new (std::nothrow) LwHookState();  // value-initialised: all zero
  if (state == nullptr) return nullptr;
  state->isolate = isolate;
  state->context = context;
  state->deliver_mask = deliver_mask;
  state->heap_spaces = heap_spaces;
  v8api.isolate_add_gc_prologue_callback(isolate, on_prologue, state, v8::kGCTypeAll);
  v8api.isolate_add_gc_epilogue_callback(isolate, on_epilogue, state, v8::kGCTypeAll);
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
  v8api.isolate_remove_gc_prologue_callback(state->isolate, on_prologue, state);
  v8api.isolate_remove_gc_epilogue_callback(state->isolate, on_epilogue, state);
  delete state;
}

int leakwatch_force_full_gc(void) {
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return 1;
  // One synchronous full GC when called on the isolate's thread. Unlike
  // RequestGarbageCollectionForTesting it needs no --expose-gc, and unlike
  // LowMemoryNotification it does not run two full GCs.
  v8api.isolate_memory_pressure_notification(
      isolate, static_cast<int>(v8::MemoryPressureLevel::kCritical));
  v8api.isolate_memory_pressure_notification(isolate,
                                             static_cast<int>(v8::MemoryPressureLevel::kNone));
  return 0;
}

int leakwatch_heap_statistics_probe(LwHeapStatisticsProbe* out) {
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr || out == nullptr) return 1;
  constexpr unsigned char kCanary = 0xA5;
  HeapStatsBuffer b;
  get_heap_statistics(isolate, &b, kCanary);
  int inside = 1;
  for (size_t i = kHeapStatsKnownSize; i < sizeof b.bytes; i++) {
    if (b.bytes[i] != kCanary) inside = 0;
  }
  out->stayed_inside = inside;
  out->known_size = static_cast<uint32_t>(kHeapStatsKnownSize);
  out->heap_size_limit = field(b, kHeapSizeLimit);
  out->total_heap_size = field(b, kTotalHeapSize);
  out->used_heap_size = field(b, kUsedHeapSize);
  return 0;
}

}  // extern "C"
