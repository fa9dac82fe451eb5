// V8's C++ entry points, found by name at run time (v8_api.cc) instead of linked, so that one
// binary built against the newest headers loads on every Node line, and one whose V8 lacks an
// entry point (or has it with another signature: another mangled name) still loads and says
// which. The V8 headers are included for types, enums and vtable layouts only: no V8 function
// is called except through `lw::v8api`, and no V8 struct is put on our stack at header size
// (`nm -D --undefined-only` of the .node shows no `_ZN2v8` symbol; a test checks it).
//
// Calling convention (Itanium C++ ABI, x86-64 and arm64): a non-virtual member function is a
// plain function taking `this` first; a `v8::Local<T>` is passed and returned as the one
// pointer it holds (its slot: Node's builds have no V8 direct handles), so here it is a
// `Handle`; enums are passed as int.
#ifndef LEAKWATCH_V8_API_H
#define LEAKWATCH_V8_API_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <node_api.h>
#include <v8.h>
#include <v8-profiler.h>

namespace lw {

// A v8::Local<T>: the address of its handle slot; nullptr is the empty handle.
using Handle = void*;
using GcCallback = void (*)(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void*);

struct V8Api {
  bool ready;  // every entry point below was found (leakwatch_v8_resolve)

  v8::Isolate* (*isolate_get_current)();
  void (*isolate_get_heap_statistics)(v8::Isolate*, void* heap_statistics);
  size_t (*isolate_number_of_heap_spaces)(v8::Isolate*);
  bool (*isolate_get_heap_space_statistics)(v8::Isolate*, void* space_statistics, size_t index);
  void (*isolate_add_gc_prologue_callback)(v8::Isolate*, GcCallback, void* data, int gc_type);
  void (*isolate_add_gc_epilogue_callback)(v8::Isolate*, GcCallback, void* data, int gc_type);
  void (*isolate_remove_gc_prologue_callback)(v8::Isolate*, GcCallback, void* data);
  void (*isolate_remove_gc_epilogue_callback)(v8::Isolate*, GcCallback, void* data);
  void (*isolate_memory_pressure_notification)(v8::Isolate*, int level);
  v8::HeapProfiler* (*isolate_get_heap_profiler)(v8::Isolate*);
  bool (*isolate_is_execution_terminating)(v8::Isolate*);

  // The resolver parameter's type differs in V8 14 (ContextNameResolver): always nullptr.
  const v8::HeapSnapshot* (*profiler_take_heap_snapshot)(v8::HeapProfiler*, v8::ActivityControl*,
                                                         void* resolver, bool hide_internals,
                                                         bool capture_numeric_value);
  void (*profiler_clear_object_ids)(v8::HeapProfiler*);
  void (*snapshot_delete)(const v8::HeapSnapshot*);
  int (*snapshot_get_nodes_count)(const v8::HeapSnapshot*);
  const v8::HeapGraphNode* (*snapshot_get_node)(const v8::HeapSnapshot*, int index);
  const v8::HeapGraphNode* (*snapshot_get_root)(const v8::HeapSnapshot*);
  void (*snapshot_serialize)(const v8::HeapSnapshot*, v8::OutputStream*, int format);
  int (*node_get_type)(const v8::HeapGraphNode*);
  Handle (*node_get_name)(const v8::HeapGraphNode*);
  v8::SnapshotObjectId (*node_get_id)(const v8::HeapGraphNode*);
  size_t (*node_get_shallow_size)(const v8::HeapGraphNode*);
  int (*node_get_children_count)(const v8::HeapGraphNode*);
  const v8::HeapGraphEdge* (*node_get_child)(const v8::HeapGraphNode*, int index);
  int (*edge_get_type)(const v8::HeapGraphEdge*);
  Handle (*edge_get_name)(const v8::HeapGraphEdge*);
  const v8::HeapGraphNode* (*edge_get_to_node)(const v8::HeapGraphEdge*);
  bool (*value_is_number)(Handle value);
  double (*number_value)(Handle number);
  int (*name_get_identity_hash)(Handle name);

  // String::Utf8Value: V8 13 (Node 24) added a WriteOptions parameter; exactly one is found.
  void (*utf8_value_new)(void* self, v8::Isolate*, Handle value);
  void (*utf8_value_new_with_options)(void* self, v8::Isolate*, Handle value, int options);
  void (*utf8_value_delete)(void* self);

  // What v8::Global's inline code calls: V8 11 (Node 20) globalizes from the handle's slot,
  // V8 12+ from the object's address; exactly one is found.
  uintptr_t* (*globalize_value)(v8::Isolate*, uintptr_t object);
  uintptr_t* (*globalize_slot)(v8::Isolate*, uintptr_t* slot);
  void (*dispose_global)(uintptr_t* slot);

  // The sampling heap profiler (sampling_profiler.cc). Optional: resolved apart from the
  // entries above, so a V8 without them loses allocation sites only (all three or none).
  bool (*profiler_start_sampling)(v8::HeapProfiler*, uint64_t interval, int stack_depth,
                                  int flags);
  void (*profiler_stop_sampling)(v8::HeapProfiler*);
  v8::AllocationProfile* (*profiler_get_allocation_profile)(v8::HeapProfiler*);
};

// Written once by leakwatch_v8_resolve (Rust calls it under a OnceLock), read-only after.
extern V8Api v8api;

// The calling thread's isolate; nullptr also when V8's entry points were not (all) found.
inline v8::Isolate* current_isolate() {
  return v8api.ready ? v8api.isolate_get_current() : nullptr;
}

// v8::String::Utf8Value without its header size on our stack: V8's constructor writes into an
// over-allocated, zeroed buffer; only `str_` (offset 0) and the low 32 bits of `length_`
// (offset 8: an int up to V8 12, a size_t from V8 13; little-endian) are read.
class Utf8 {
 public:
  Utf8(v8::Isolate* isolate, Handle value) {
    memset(bytes_, 0, sizeof bytes_);
    if (value == nullptr) return;
    if (v8api.utf8_value_new != nullptr) {
      v8api.utf8_value_new(bytes_, isolate, value);
    } else {
      v8api.utf8_value_new_with_options(bytes_, isolate, value, kReplaceInvalidUtf8);
    }
    constructed_ = true;
  }
  ~Utf8() {
    if (constructed_) v8api.utf8_value_delete(bytes_);
  }
  Utf8(const Utf8&) = delete;
  Utf8& operator=(const Utf8&) = delete;

  const char* data() const {
    char* str;
    memcpy(&str, bytes_, sizeof str);
    return str;
  }
  size_t length() const {
    uint32_t length;
    memcpy(&length, bytes_ + 8, sizeof length);
    return data() == nullptr ? 0 : length;
  }

 private:
  static constexpr int kReplaceInvalidUtf8 = 8;  // WriteOptions' default in V8 13
  alignas(16) unsigned char bytes_[64];          // V8's is 16 bytes on every line
  bool constructed_ = false;
};

// A handle scope, through Node-API: v8::HandleScope is inline in V8 14 (it reads the
// isolate's internals), Node-API's is a stable C function. `env` is the napi_env of the
// current call (nullptr: no scope).
class NapiScope {
 public:
  explicit NapiScope(napi_env env) : env_(env) {
    if (env_ != nullptr && napi_open_handle_scope(env_, &scope_) != napi_ok) scope_ = nullptr;
  }
  ~NapiScope() {
    if (scope_ != nullptr) napi_close_handle_scope(env_, scope_);
  }
  NapiScope(const NapiScope&) = delete;
  NapiScope& operator=(const NapiScope&) = delete;

 private:
  napi_env env_;
  napi_handle_scope scope_ = nullptr;
};

// A strong reference outliving its handle scope (v8::Global's job): the global handle's slot.
inline uintptr_t* globalize(v8::Isolate* isolate, Handle value) {
  uintptr_t* slot = static_cast<uintptr_t*>(value);
  return v8api.globalize_value != nullptr ? v8api.globalize_value(isolate, *slot)
                                          : v8api.globalize_slot(isolate, slot);
}

// The same object (what Local == Global compares): the addresses both slots hold now.
inline bool same_object(Handle value, const uintptr_t* global) {
  return global != nullptr && value != nullptr && *static_cast<uintptr_t*>(value) == *global;
}

}  // namespace lw

#endif
