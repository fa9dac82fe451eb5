// V8's sampling heap profiler for allocation sites: start, stop, and a read of its live
// samples as a call tree, walked iteratively (an explicit stack, never recursion) and handed
// to Rust node by node. JS thread of the calling isolate, outside any GC. No exceptions.
//
// AllocationProfile::Node and ::Allocation have the same layout in the headers of Node 20,
// 22, 24 and 26; ::Sample does not (V8 14 appends a field), so GetSamples() is never read.

#include "sampling_profiler.h"

#include <string.h>

#include <vector>

#include <node_api.h>

#include "v8_api.h"

using lw::Handle;
using lw::v8api;

namespace {

using ProfileNode = v8::AllocationProfile::Node;
using Allocation = v8::AllocationProfile::Allocation;

// The nodes walked at most (a bound on our memory and on the read's time; V8's tree is
// bounded by the distinct stacks sampled, far fewer in practice).
constexpr size_t kMaxNodes = size_t{1} << 20;

// A std::vector<T> of V8's (Node's libstdc++) read without our standard library's vector
// (the prebuilt binary is built with libc++): both are three pointers, {begin, end, end of
// storage}, in that order. Only begin and end are read.
template <typename T>
struct VectorView {
  T* begin;
  T* end;
  T* capacity;
  size_t size() const { return begin == nullptr || end < begin ? 0 : static_cast<size_t>(end - begin); }
};
static_assert(sizeof(std::vector<void*>) == 3 * sizeof(void*), "std::vector is not three pointers");

template <typename T>
VectorView<T> view(const void* vector) {
  VectorView<T> v;
  memcpy(&v, vector, sizeof v);
  return v;
}

Handle handle_of(const v8::Local<v8::String>& local) {
  Handle h;
  static_assert(sizeof h == sizeof local, "a Local is one pointer");
  memcpy(&h, &local, sizeof h);
  return h;
}

}  // namespace

extern "C" bool leakwatch_sampling_available(void) {
  return v8api.ready && v8api.profiler_start_sampling != nullptr &&
         v8api.profiler_stop_sampling != nullptr && v8api.profiler_get_allocation_profile != nullptr;
}

extern "C" void* leakwatch_sampling_start(uint64_t interval_bytes, int32_t stack_depth) {
  if (!leakwatch_sampling_available()) return nullptr;
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return nullptr;
  v8::HeapProfiler* profiler = v8api.isolate_get_heap_profiler(isolate);
  if (profiler == nullptr) return nullptr;
  // V8 returns false when a sampler is already running on this isolate (there is one).
  const bool started = v8api.profiler_start_sampling(profiler, interval_bytes, stack_depth,
                                                     v8::HeapProfiler::kSamplingNoFlags);
  return started ? profiler : nullptr;
}

extern "C" void leakwatch_sampling_stop(void* profiler) {
  if (profiler == nullptr || !leakwatch_sampling_available()) return;
  v8api.profiler_stop_sampling(static_cast<v8::HeapProfiler*>(profiler));
}

extern "C" int64_t leakwatch_sampling_read(void* env, void* profiler, void* context) {
  if (profiler == nullptr || !leakwatch_sampling_available()) return -1;
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return -1;
  lw::NapiScope scope(static_cast<napi_env>(env));  // for the profile's strings
  // Owned by us (nullptr: no sampler running); its nodes live as long as it does.
  v8::AllocationProfile* profile =
      v8api.profiler_get_allocation_profile(static_cast<v8::HeapProfiler*>(profiler));
  if (profile == nullptr) return -1;
  struct Pending {
    const ProfileNode* node;
    uint32_t parent;
  };
  std::vector<Pending> pending;
  std::vector<LwAllocation> allocations;
  pending.push_back({profile->GetRootNode(), LEAKWATCH_NO_PARENT});
  uint32_t next = 0;
  while (!pending.empty() && next < kMaxNodes) {
    const Pending at = pending.back();
    pending.pop_back();
    if (at.node == nullptr) continue;
    const ProfileNode& node = *at.node;
    const uint32_t index = next++;
    lw::Utf8 name(isolate, handle_of(node.name));
    lw::Utf8 script(isolate, handle_of(node.script_name));
    const VectorView<const Allocation> own = view<const Allocation>(&node.allocations);
    allocations.clear();
    for (size_t i = 0; i < own.size(); i++) {
      allocations.push_back({static_cast<double>(own.begin[i].size),
                             static_cast<double>(own.begin[i].count)});
    }
    const LwProfileNode out = {at.parent,     node.script_id, node.line_number,
                               node.column_number, name.data(), name.length(),
                               script.data(), script.length()};
    leakwatch_on_profile_node(context, &out, allocations.data(), allocations.size());
    // Children pushed in reverse, so they are walked (and numbered) in V8's order.
    const VectorView<ProfileNode* const> children = view<ProfileNode* const>(&node.children);
    for (size_t i = children.size(); i > 0; i--) pending.push_back({children.begin[i - 1], index});
  }
  // The virtual destructor: V8's own, which frees with V8's allocator.
  delete profile;
  return next;
}
