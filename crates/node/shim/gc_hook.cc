// The whole C++ side of leakwatch: V8 GC callbacks and a forced full GC.
// Every function here runs on the JS thread of the isolate it was installed on.
// No exceptions, no JS allocation, no heap allocation inside the GC callbacks.

#include "gc_hook.h"

#include <string.h>
#include <time.h>

#include <algorithm>
#include <new>

#include <v8-version.h>

#include "loop_wake.h"
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

// A ring of records, newest kept: when full, a push overwrites the oldest and counts it.
// Written by the epilogue, read by leakwatch_hook_pop, both on the JS thread (never at once:
// a pop calls nothing that could run a GC), so plain fields suffice.
struct Ring {
  LwGcRecord* records;
  LwHeapSpace* spaces;  // LW_MAX_SPACES per record
  uint32_t capacity;
  uint64_t head;  // records pushed
  uint64_t tail;  // records popped or overwritten
  uint64_t dropped;

  bool allocate(uint32_t n) {
    capacity = n;
    records = new (std::nothrow) LwGcRecord[n]();
    spaces = new (std::nothrow) LwHeapSpace[static_cast<size_t>(n) * LW_MAX_SPACES]();
    return records != nullptr && spaces != nullptr;
  }
  void release() {
    delete[] records;
    delete[] spaces;
  }
  bool empty() const { return head == tail; }
  // O(1) whatever the state: the slot to fill, the oldest given up when full.
  uint32_t push() {
    if (head - tail == capacity) {
      tail++;
      dropped++;
    }
    return static_cast<uint32_t>(head++ % capacity);
  }
};

// Full GCs and minor GCs have rings of their own, so a scavenge storm never pushes out the
// full GC the detector needs; a storm of full GCs keeps the newest of them (and a burst of
// back-to-back full GCs is one sample of evidence anyway: core::gc_burst).
constexpr uint32_t kFullRingCapacity = 32;
constexpr uint32_t kMinorRingCapacity = 64;

struct LwHookState {
  v8::Isolate* isolate;
  void* context;
  uint32_t deliver_mask;
  int heap_spaces;
  int own_snapshot;
  // The cost of one clock read (ms), calibrated at install: added for the reads that the
  // metered interval cannot contain (see on_epilogue).
  double clock_read_ms;
  double started_ms[LW_KIND_COUNT];
  double gc_count[LW_KIND_COUNT];
  double gc_time_ms[LW_KIND_COUNT];
  double self_time_ms[LW_KIND_COUNT];
  uint64_t sequence;
  Ring full;
  Ring minor;
  lw::LoopWaker* waker;  // nullptr once closed (remove, or the environment's teardown)
  bool wake_pending;     // leakwatch_wake was called and no delivery has taken the records yet
};

inline double now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// The median cost of one CLOCK_MONOTONIC read, in ms, over a few hundred back-to-back reads.
double calibrate_clock_read_ms() {
  constexpr int kReads = 301;
  double deltas[kReads];
  double previous = now_ms(CLOCK_MONOTONIC);
  for (double& d : deltas) {
    double t = now_ms(CLOCK_MONOTONIC);
    d = t - previous;
    previous = t;
  }
  std::nth_element(deltas, deltas + kReads / 2, deltas + kReads);
  return deltas[kReads / 2];
}

inline int kind_of(v8::GCType type) {
  if (type & v8::kGCTypeScavenge) return LW_KIND_SCAVENGE;
  if (type & kMinorMarkType) return LW_KIND_MINOR_MARK_SWEEP;
  if (type & v8::kGCTypeMarkSweepCompact) return LW_KIND_MARK_SWEEP_COMPACT;
  if (type & v8::kGCTypeIncrementalMarking) return LW_KIND_INCREMENTAL_MARKING;
  if (type & v8::kGCTypeProcessWeakCallbacks) return LW_KIND_PROCESS_WEAK_CALLBACKS;
  return -1;
}

void read_heap(LwHookState* state, LwGcRecord& e, LwHeapSpace* spaces_out) {
  // On the stack (its cache lines are hot in the pause; the over-allocation is what keeps V8's
  // write inside it) and not filled first: only fields that every line writes are read.
  HeapStatsBuffer h;
  v8api.isolate_get_heap_statistics(state->isolate, h.bytes);
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
  SpaceStatsBuffer b;
  unsigned char* s = b.bytes;
  for (size_t i = 0; i < spaces && e.space_count < LW_MAX_SPACES; i++) {
    memset(s, 0, sizeof b.bytes);
    if (!v8api.isolate_get_heap_space_statistics(state->isolate, s, i)) continue;
    LwHeapSpace& out = spaces_out[e.space_count++];
    memcpy(&out.name, s + kSpaceName, sizeof out.name);
    out.size = field(s, kSpaceSize);
    out.used = field(s, kSpaceUsedSize);
    out.available = field(s, kSpaceAvailableSize);
    out.physical = field(s, kPhysicalSpaceSize);
  }
}

// JS thread, inside the GC pause. One clock read and one store (its cost is metered as a
// calibrated constant, see on_epilogue).
void on_prologue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags, void* data) {
  double entered = now_ms(CLOCK_MONOTONIC);
  int kind = kind_of(type);
  if (kind < 0) return;
  static_cast<LwHookState*>(data)->started_ms[kind] = entered;
}

// JS thread, inside the GC pause. Only records: no lock, no syscall (clock_gettime is the
// vDSO), no allocation, no call into Rust or Node-API; O(1) when the ring is full.
void on_epilogue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags flags, void* data) {
  double entered = now_ms(CLOCK_MONOTONIC);
  auto* state = static_cast<LwHookState*>(data);
  int kind = kind_of(type);
  if (kind < 0) return;
  double pause = state->started_ms[kind] > 0 ? entered - state->started_ms[kind] : 0;
  state->started_ms[kind] = 0;
  state->gc_count[kind] += 1;
  state->gc_time_ms[kind] += pause;

  if (state->deliver_mask & (1u << kind)) {
    Ring& ring = kind == LW_KIND_MARK_SWEEP_COMPACT ? state->full : state->minor;
    uint32_t slot = ring.push();
    LwGcRecord& e = ring.records[slot];
    e.sequence = ++state->sequence;
    e.kind = static_cast<uint32_t>(kind);
    e.gc_flags = static_cast<uint32_t>(flags);
    e.own_snapshot = state->own_snapshot ? 1 : 0;
    e.pause_ms = pause;
    e.monotonic_ms = entered;
    read_heap(state, e, ring.spaces + static_cast<size_t>(slot) * LW_MAX_SPACES);
    memcpy(e.gc_count, state->gc_count, sizeof e.gc_count);
    memcpy(e.gc_time_ms, state->gc_time_ms, sizeof e.gc_time_ms);
    memcpy(e.self_time_ms, state->self_time_ms, sizeof e.self_time_ms);
  }
  // Every clock read of this GC is counted: [entered, now] holds the work between the two
  // epilogue reads, but not the prologue's read nor about half of each epilogue read (the
  // instant a read returns lies inside it), so two calibrated reads are added.
  state->self_time_ms[kind] += now_ms(CLOCK_MONOTONIC) - entered + 2 * state->clock_read_ms;
}

// A turn of the loop (libuv check or prepare handle), outside any pause: records are waiting
// and no delivery is on its way, so ask Rust for one.
void on_loop_turn(void* data) {
  auto* state = static_cast<LwHookState*>(data);
  if (state->wake_pending || (state->full.empty() && state->minor.empty())) return;
  state->wake_pending = true;
  leakwatch_wake(state->context);
}

}  // namespace

extern "C" {

LwHook* leakwatch_hook_install(void* env, void* context, uint32_t deliver_mask, int heap_spaces) {
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return nullptr;
  auto* state = new (std::nothrow) LwHookState();  // value-initialised: all zero
  if (state == nullptr) return nullptr;
  if (!state->full.allocate(kFullRingCapacity) || !state->minor.allocate(kMinorRingCapacity) ||
      lw::open_waker(env, on_loop_turn, state, &state->waker) == nullptr) {
    state->full.release();
    state->minor.release();
    delete state;
    return nullptr;
  }
  state->isolate = isolate;
  state->context = context;
  state->deliver_mask = deliver_mask;
  state->heap_spaces = heap_spaces;
  state->clock_read_ms = calibrate_clock_read_ms();
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
  lw::close_waker(state->waker);  // no-op when the teardown already closed it
  state->full.release();
  state->minor.release();
  delete state;
}

int leakwatch_hook_pop(LwHook* hook, LwGcRecord* out, LwHeapSpace* spaces) {
  if (hook == nullptr || out == nullptr || spaces == nullptr) return 0;
  auto* state = reinterpret_cast<LwHookState*>(hook);
  Ring* ring = nullptr;
  if (!state->full.empty()) ring = &state->full;
  if (!state->minor.empty() &&
      (ring == nullptr || state->minor.records[state->minor.tail % state->minor.capacity].sequence <
                              ring->records[ring->tail % ring->capacity].sequence)) {
    ring = &state->minor;
  }
  if (ring == nullptr) return 0;
  uint32_t slot = static_cast<uint32_t>(ring->tail++ % ring->capacity);
  *out = ring->records[slot];
  uint32_t count = out->space_count < LW_MAX_SPACES ? out->space_count : LW_MAX_SPACES;
  memcpy(spaces, ring->spaces + static_cast<size_t>(slot) * LW_MAX_SPACES, count * sizeof *spaces);
  return 1;
}

uint64_t leakwatch_hook_take_dropped(LwHook* hook) {
  if (hook == nullptr) return 0;
  auto* state = reinterpret_cast<LwHookState*>(hook);
  uint64_t dropped = state->full.dropped + state->minor.dropped;
  state->full.dropped = 0;
  state->minor.dropped = 0;
  return dropped;
}

void leakwatch_hook_rearm(LwHook* hook) {
  if (hook != nullptr) reinterpret_cast<LwHookState*>(hook)->wake_pending = false;
}

void leakwatch_hook_mark_own_snapshot(LwHook* hook, int own) {
  if (hook != nullptr) reinterpret_cast<LwHookState*>(hook)->own_snapshot = own;
}

double leakwatch_clock_offset_ms(void) {
  return now_ms(CLOCK_REALTIME) - now_ms(CLOCK_MONOTONIC);
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
