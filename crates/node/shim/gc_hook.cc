// The whole C++ side of leakwatch: V8 GC callbacks and a forced full GC.
// Every function here runs on the JS thread of the isolate it was installed on.
// No exceptions, no JS allocation, no heap allocation inside the GC callbacks.

#include "gc_hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__) && defined(__x86_64__)
#include <x86intrin.h>
#define LW_HAVE_TSC 1
#endif

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

// The pause's clock. Every read inside a pause is paid for and counted: CLOCK_MONOTONIC through
// the vDSO costs ~25 ns warm but ~350 ns as the first read after a full GC (its code and data
// pages are cold then), while the TSC is one instruction that touches no memory (~10 ns). The
// TSC is used only where the kernel itself trusts it as its clock: x86-64 Linux with
// constant_tsc and nonstop_tsc, and `tsc` the current clocksource (the kernel checks that the
// cores' TSCs agree before it picks it, and drops it when they stop agreeing). Elsewhere a tick
// is a CLOCK_MONOTONIC nanosecond, read as before.
struct PauseClock {
  bool tsc;
  double ms_per_tick;  // fixed for the process: cumulative times converted with it never step back
};

inline uint64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

inline uint64_t ticks(bool tsc) {
#ifdef LW_HAVE_TSC
  if (tsc) return __rdtsc();
#endif
  (void)tsc;
  return monotonic_ns();
}

#ifdef LW_HAVE_TSC
// Whether the first line of `path` starting with `prefix` (every line when prefix is empty)
// has every one of `words` as a whole word.
bool line_has_words(const char* path, const char* prefix, const char* const* words, int n) {
  FILE* f = fopen(path, "re");
  if (f == nullptr) return false;
  char* line = nullptr;
  size_t cap = 0;
  bool found = false;
  while (getline(&line, &cap, f) > 0) {
    if (strncmp(line, prefix, strlen(prefix)) != 0) continue;
    found = true;
    for (int i = 0; i < n && found; i++) {
      size_t len = strlen(words[i]);
      found = false;
      for (const char* at = strstr(line, words[i]); at != nullptr; at = strstr(at + 1, words[i])) {
        bool starts = at == line || at[-1] == ' ' || at[-1] == '\t';
        bool ends = at[len] == ' ' || at[len] == '\n' || at[len] == '\0';
        if (starts && ends) {
          found = true;
          break;
        }
      }
    }
    break;
  }
  free(line);
  fclose(f);
  return found;
}

bool tsc_trusted() {
  static const char* const kFlags[] = {"constant_tsc", "nonstop_tsc"};
  static const char* const kTsc[] = {"tsc"};
  return getenv("LEAKWATCH_SIMULATE_NO_TSC") == nullptr &&
         line_has_words("/proc/cpuinfo", "flags", kFlags, 2) &&
         line_has_words("/sys/devices/system/clocksource/clocksource0/current_clocksource", "",
                        kTsc, 1);
}

// A (TSC, CLOCK_MONOTONIC) pair read close together: of a few tries, the one whose two TSC
// reads around the clock read are closest (a preemption between them would skew the rate).
void anchor(uint64_t* tsc, uint64_t* ns) {
  uint64_t best = UINT64_MAX;
  for (int i = 0; i < 8; i++) {
    uint64_t before = __rdtsc();
    uint64_t at = monotonic_ns();
    uint64_t after = __rdtsc();
    if (after >= before && after - before < best) {
      best = after - before;
      *tsc = before + (after - before) / 2;
      *ns = at;
    }
  }
}
#endif

// Once per process (workers share it), at the first install, outside any pause: with the TSC,
// its rate against CLOCK_MONOTONIC over ~1 ms (good to ~1e-4, far below any duration it meters).
PauseClock measure_pause_clock() {
  PauseClock c = {false, 1e-6};
#ifdef LW_HAVE_TSC
  if (!tsc_trusted()) return c;
  uint64_t t0 = 0, n0 = 0, t1 = 0, n1 = 0;
  anchor(&t0, &n0);
  do {
    anchor(&t1, &n1);
  } while (n1 - n0 < 1000000);
  double ticks_per_ns = static_cast<double>(t1 - t0) / static_cast<double>(n1 - n0);
  // A rate outside 0.1-20 GHz is not a working TSC.
  if (t1 > t0 && ticks_per_ns > 0.1 && ticks_per_ns < 20) {
    c.tsc = true;
    c.ms_per_tick = 1e-6 / ticks_per_ns;
  }
#endif
  return c;
}

const PauseClock& pause_clock() {
  static const PauseClock clock = measure_pause_clock();  // thread-safe initialisation
  return clock;
}

// The median cost of one clock read, in ticks, over a few hundred back-to-back reads.
uint64_t calibrate_clock_read(bool tsc) {
  constexpr int kReads = 301;
  uint64_t deltas[kReads];
  uint64_t previous = ticks(tsc);
  for (uint64_t& d : deltas) {
    uint64_t t = ticks(tsc);
    d = t - previous;
    previous = t;
  }
  std::nth_element(deltas, deltas + kReads / 2, deltas + kReads);
  return deltas[kReads / 2];
}

constexpr size_t kHeapFields = 11;
constexpr size_t kHeapFieldOffsets[kHeapFields] = {
    kUsedHeapSize,     kTotalHeapSize,      kTotalHeapSizeExecutable, kHeapSizeLimit,
    kTotalPhysicalSize, kTotalAvailableSize, kMallocedMemory,          kPeakMallocedMemory,
    kExternalMemory,   kNumberOfNativeContexts, kNumberOfDetachedContexts};

// What the epilogue writes into the ring: raw, times in ticks; leakwatch_hook_pop converts it
// to an LwGcRecord outside the pause. Four cache lines.
struct alignas(64) Record {
  uint64_t sequence;
  uint32_t kind;
  uint32_t gc_flags;
  uint32_t own_snapshot;
  uint32_t space_count;
  uint64_t at;     // ticks at the epilogue
  uint64_t pause;  // ticks
  size_t heap[kHeapFields];  // in kHeapFieldOffsets' order
  uint64_t gc_count[LW_KIND_COUNT];
  uint64_t gc_ticks[LW_KIND_COUNT];
  uint64_t self_ticks[LW_KIND_COUNT];
};

// A ring of records, newest kept: when full, a push overwrites the oldest and counts it.
// Written by the epilogue, read by leakwatch_hook_pop, both on the JS thread (never at once:
// a pop calls nothing that could run a GC), so plain fields suffice.
struct Ring {
  Record* records;
  LwHeapSpace* spaces;  // LW_MAX_SPACES per record
  uint32_t capacity;
  uint64_t head;  // records pushed
  uint64_t tail;  // records popped or overwritten
  uint64_t dropped;

  bool allocate(uint32_t n) {
    capacity = n;
    records = new (std::nothrow) Record[n]();
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

// One kind's meter: 32 bytes, so a kind touches one cache line of it.
struct alignas(32) KindMeter {
  uint64_t started;  // ticks at the prologue, 0 outside a GC of this kind
  uint64_t count;
  uint64_t gc_ticks;
  uint64_t self_ticks;  // up to the previous GC of this kind
};

// Laid out for the pause: after a GC every line of it is a cache miss, so a scavenge that is
// only counted touches line 0 alone (the fields up to and with kinds[0]).
struct alignas(64) LwHookState {
  uint64_t read_ticks;  // one clock read's cost, calibrated at install (see on_epilogue)
  uint32_t deliver_mask;
  bool tsc;
  int heap_spaces;
  int own_snapshot;
  KindMeter kinds[LW_KIND_COUNT];
  Ring full;  // with the next two: line 3, what a recorded full GC adds
  v8::Isolate* isolate;
  uint64_t sequence;
  Ring minor;
  // Outside the pause only.
  double ms_per_tick;
  void* context;
  lw::LoopWaker* waker;  // nullptr once closed (remove, or the environment's teardown)
  bool wake_pending;     // leakwatch_wake was called and no delivery has taken the records yet
};
static_assert(offsetof(LwHookState, kinds) + sizeof(KindMeter) <= 64,
              "a scavenge's meter shares line 0 with the fields every GC reads");
static_assert(offsetof(LwHookState, full) / 64 == (offsetof(LwHookState, sequence) + 7) / 64,
              "a full GC's ring, isolate and sequence share one line");

inline int kind_of(v8::GCType type) {
  if (type & v8::kGCTypeScavenge) return LW_KIND_SCAVENGE;
  if (type & kMinorMarkType) return LW_KIND_MINOR_MARK_SWEEP;
  if (type & v8::kGCTypeMarkSweepCompact) return LW_KIND_MARK_SWEEP_COMPACT;
  if (type & v8::kGCTypeIncrementalMarking) return LW_KIND_INCREMENTAL_MARKING;
  if (type & v8::kGCTypeProcessWeakCallbacks) return LW_KIND_PROCESS_WEAK_CALLBACKS;
  return -1;
}

void read_heap(LwHookState* state, Record& e, LwHeapSpace* spaces_out) {
  // On the stack (its cache lines are hot in the pause; the over-allocation is what keeps V8's
  // write inside it) and not filled first: only fields that every line writes are read.
  HeapStatsBuffer h;
  v8api.isolate_get_heap_statistics(state->isolate, h.bytes);
  for (size_t i = 0; i < kHeapFields; i++) memcpy(&e.heap[i], h.bytes + kHeapFieldOffsets[i], sizeof e.heap[i]);

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

// The clock read that opens a callback, before any memory is touched (after a GC every line of
// the state is a cache miss, which must fall inside the metered time, not before it).
inline uint64_t first_read(const LwHookState* state) {
#ifdef LW_HAVE_TSC
  uint64_t tsc = __rdtsc();
  if (state->tsc) return tsc;
#endif
  return ticks(false);
}

// JS thread, inside the GC pause. One clock read and one store (its cost is metered as a
// calibrated constant, see on_epilogue).
void on_prologue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags, void* data) {
  auto* state = static_cast<LwHookState*>(data);
  uint64_t entered = first_read(state);
  int kind = kind_of(type);
  if (kind < 0) return;
  state->kinds[kind].started = entered;
}

// JS thread, inside the GC pause. Only records: no lock, no syscall (the TSC, or clock_gettime
// through the vDSO), no allocation, no call into Rust or Node-API; O(1) when the ring is full.
void on_epilogue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags flags, void* data) {
  auto* state = static_cast<LwHookState*>(data);
  uint64_t entered = first_read(state);
  int kind = kind_of(type);
  if (kind < 0) return;
  KindMeter& meter = state->kinds[kind];
  uint64_t pause = meter.started != 0 && entered > meter.started ? entered - meter.started : 0;
  meter.started = 0;
  meter.count += 1;
  meter.gc_ticks += pause;

  if (state->deliver_mask & (1u << kind)) {
    Ring& ring = kind == LW_KIND_MARK_SWEEP_COMPACT ? state->full : state->minor;
    uint32_t slot = ring.push();
    Record& e = ring.records[slot];
    // The record's four lines are cold: ask for them all at once rather than one miss each
    // (measured: the counters' copy into lines 2-3 went from ~165 to ~30 ns).
    for (size_t line = 0; line < sizeof e; line += 64) {
      __builtin_prefetch(reinterpret_cast<char*>(&e) + line, 1);
    }
    e.sequence = ++state->sequence;
    e.kind = static_cast<uint32_t>(kind);
    e.gc_flags = static_cast<uint32_t>(flags);
    e.own_snapshot = state->own_snapshot ? 1 : 0;
    e.pause = pause;
    e.at = entered;
    read_heap(state, e, ring.spaces + static_cast<size_t>(slot) * LW_MAX_SPACES);
    for (int k = 0; k < LW_KIND_COUNT; k++) {
      e.gc_count[k] = state->kinds[k].count;
      e.gc_ticks[k] = state->kinds[k].gc_ticks;
      e.self_ticks[k] = state->kinds[k].self_ticks;
    }
  }
  // Every clock read of this GC is counted: [entered, now] holds the work between the two
  // epilogue reads, but not the prologue's read nor about half of each epilogue read (the
  // instant a read returns lies inside it), so two calibrated reads are added.
  meter.self_ticks += ticks(state->tsc) - entered + 2 * state->read_ticks;
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
  const PauseClock& clock = pause_clock();
  state->tsc = clock.tsc;
  state->ms_per_tick = clock.ms_per_tick;
  state->read_ticks = calibrate_clock_read(clock.tsc);
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
  const Record& r = ring->records[slot];
  const double k = state->ms_per_tick;
  out->sequence = r.sequence;
  out->kind = r.kind;
  out->gc_flags = r.gc_flags;
  out->space_count = r.space_count;
  out->own_snapshot = r.own_snapshot;
  // A TSC tick has no fixed origin: the record's instant is placed on CLOCK_MONOTONIC from how
  // long ago it was (a read now of both clocks); a monotonic tick is a CLOCK_MONOTONIC ns.
  if (state->tsc) {
    uint64_t now = ticks(true);
    double now_ms = static_cast<double>(monotonic_ns()) * 1e-6;
    out->monotonic_ms = now_ms - static_cast<double>(now > r.at ? now - r.at : 0) * k;
  } else {
    out->monotonic_ms = static_cast<double>(r.at) * k;
  }
  out->pause_ms = static_cast<double>(r.pause) * k;
  double* heap_out[kHeapFields] = {
      &out->used_heap_size,      &out->total_heap_size,       &out->total_heap_size_executable,
      &out->heap_size_limit,     &out->total_physical_size,   &out->total_available_size,
      &out->malloced_memory,     &out->peak_malloced_memory,  &out->external_memory,
      &out->number_of_native_contexts, &out->number_of_detached_contexts};
  for (size_t i = 0; i < kHeapFields; i++) *heap_out[i] = static_cast<double>(r.heap[i]);
  for (int i = 0; i < LW_KIND_COUNT; i++) {
    out->gc_count[i] = static_cast<double>(r.gc_count[i]);
    out->gc_time_ms[i] = static_cast<double>(r.gc_ticks[i]) * k;
    out->self_time_ms[i] = static_cast<double>(r.self_ticks[i]) * k;
  }
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
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  double wall_ms = static_cast<double>(wall.tv_sec) * 1e3 + static_cast<double>(wall.tv_nsec) / 1e6;
  return wall_ms - static_cast<double>(monotonic_ns()) * 1e-6;
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
