// Finds V8's entry points in the running process by their mangled names (see v8_api.h).
// The names were read with `nm -D` from Node 20.20, 22.23, 24.22 and 26.12 (V8 11.3, 12.4,
// 13.6, 14.6); an entry with two names has two signatures across those lines.

#include "v8_api.h"

#include <dlfcn.h>

#include "gc_hook.h"

namespace lw {

V8Api v8api = {};

namespace {

struct Entry {
  void** slot;
  const char* mangled;
  const char* alternate;  // another signature's name: either one, whichever is there
  const char* readable;   // for the "missing" reason
};

// The storage of a function pointer, to store dlsym's void* into (POSIX guarantees that
// conversion for dlsym's results).
template <typename F>
void** slot(F* fn) {
  return reinterpret_cast<void**>(fn);
}

// A test hook: a mangled name to pretend is missing (LEAKWATCH_SIMULATE_V8_MISSING, read by Rust).
const char* pretend_missing = nullptr;

// dlsym(RTLD_DEFAULT): the node executable exports V8 (libnode too, when Node is a shared lib).
void* find(const char* name) {
  if (name == nullptr) return nullptr;
  if (pretend_missing != nullptr && strcmp(name, pretend_missing) == 0) return nullptr;
  return dlsym(RTLD_DEFAULT, name);
}

}  // namespace
}  // namespace lw

extern "C" const char* leakwatch_v8_resolve(const char* pretend_missing) {
  using lw::slot;
  lw::pretend_missing = pretend_missing;
  lw::V8Api& a = lw::v8api;
  // Optional (see v8_api.h): found or not, the rest of the layer does not depend on them.
  *slot(&a.profiler_start_sampling) =
      lw::find("_ZN2v812HeapProfiler25StartSamplingHeapProfilerEmiNS0_13SamplingFlagsE");
  *slot(&a.profiler_stop_sampling) = lw::find("_ZN2v812HeapProfiler24StopSamplingHeapProfilerEv");
  *slot(&a.profiler_get_allocation_profile) =
      lw::find("_ZN2v812HeapProfiler20GetAllocationProfileEv");
  const lw::Entry entries[] = {
      {slot(&a.isolate_get_current), "_ZN2v87Isolate10GetCurrentEv", nullptr,
       "v8::Isolate::GetCurrent()"},
      {slot(&a.isolate_get_heap_statistics), "_ZN2v87Isolate17GetHeapStatisticsEPNS_14HeapStatisticsE",
       nullptr, "v8::Isolate::GetHeapStatistics(HeapStatistics*)"},
      {slot(&a.isolate_number_of_heap_spaces), "_ZN2v87Isolate18NumberOfHeapSpacesEv", nullptr,
       "v8::Isolate::NumberOfHeapSpaces()"},
      {slot(&a.isolate_get_heap_space_statistics),
       "_ZN2v87Isolate22GetHeapSpaceStatisticsEPNS_19HeapSpaceStatisticsEm", nullptr,
       "v8::Isolate::GetHeapSpaceStatistics(HeapSpaceStatistics*, size_t)"},
      {slot(&a.isolate_add_gc_prologue_callback),
       "_ZN2v87Isolate21AddGCPrologueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_S2_",
       nullptr, "v8::Isolate::AddGCPrologueCallback(GCCallbackWithData, void*, GCType)"},
      {slot(&a.isolate_add_gc_epilogue_callback),
       "_ZN2v87Isolate21AddGCEpilogueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_S2_",
       nullptr, "v8::Isolate::AddGCEpilogueCallback(GCCallbackWithData, void*, GCType)"},
      {slot(&a.isolate_remove_gc_prologue_callback),
       "_ZN2v87Isolate24RemoveGCPrologueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_",
       nullptr, "v8::Isolate::RemoveGCPrologueCallback(GCCallbackWithData, void*)"},
      {slot(&a.isolate_remove_gc_epilogue_callback),
       "_ZN2v87Isolate24RemoveGCEpilogueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_",
       nullptr, "v8::Isolate::RemoveGCEpilogueCallback(GCCallbackWithData, void*)"},
      {slot(&a.isolate_memory_pressure_notification),
       "_ZN2v87Isolate26MemoryPressureNotificationENS_19MemoryPressureLevelE", nullptr,
       "v8::Isolate::MemoryPressureNotification(MemoryPressureLevel)"},
      {slot(&a.isolate_get_heap_profiler), "_ZN2v87Isolate15GetHeapProfilerEv", nullptr,
       "v8::Isolate::GetHeapProfiler()"},
      {slot(&a.isolate_is_execution_terminating), "_ZN2v87Isolate22IsExecutionTerminatingEv",
       nullptr, "v8::Isolate::IsExecutionTerminating()"},
      {slot(&a.profiler_take_heap_snapshot),
       "_ZN2v812HeapProfiler16TakeHeapSnapshotEPNS_15ActivityControlEPNS0_19ContextNameResolverEbb",
       "_ZN2v812HeapProfiler16TakeHeapSnapshotEPNS_15ActivityControlEPNS0_18ObjectNameResolverEbb",
       "v8::HeapProfiler::TakeHeapSnapshot(ActivityControl*, ContextNameResolver* or "
       "ObjectNameResolver*, bool, bool)"},
      {slot(&a.profiler_clear_object_ids), "_ZN2v812HeapProfiler14ClearObjectIdsEv", nullptr,
       "v8::HeapProfiler::ClearObjectIds()"},
      {slot(&a.snapshot_delete), "_ZN2v812HeapSnapshot6DeleteEv", nullptr,
       "v8::HeapSnapshot::Delete()"},
      {slot(&a.snapshot_get_nodes_count), "_ZNK2v812HeapSnapshot13GetNodesCountEv", nullptr,
       "v8::HeapSnapshot::GetNodesCount()"},
      {slot(&a.snapshot_get_node), "_ZNK2v812HeapSnapshot7GetNodeEi", nullptr,
       "v8::HeapSnapshot::GetNode(int)"},
      {slot(&a.snapshot_get_root), "_ZNK2v812HeapSnapshot7GetRootEv", nullptr,
       "v8::HeapSnapshot::GetRoot()"},
      {slot(&a.snapshot_serialize),
       "_ZNK2v812HeapSnapshot9SerializeEPNS_12OutputStreamENS0_19SerializationFormatE", nullptr,
       "v8::HeapSnapshot::Serialize(OutputStream*, SerializationFormat)"},
      {slot(&a.node_get_type), "_ZNK2v813HeapGraphNode7GetTypeEv", nullptr,
       "v8::HeapGraphNode::GetType()"},
      {slot(&a.node_get_name), "_ZNK2v813HeapGraphNode7GetNameEv", nullptr,
       "v8::HeapGraphNode::GetName()"},
      {slot(&a.node_get_id), "_ZNK2v813HeapGraphNode5GetIdEv", nullptr,
       "v8::HeapGraphNode::GetId()"},
      {slot(&a.node_get_shallow_size), "_ZNK2v813HeapGraphNode14GetShallowSizeEv", nullptr,
       "v8::HeapGraphNode::GetShallowSize()"},
      {slot(&a.node_get_children_count), "_ZNK2v813HeapGraphNode16GetChildrenCountEv", nullptr,
       "v8::HeapGraphNode::GetChildrenCount()"},
      {slot(&a.node_get_child), "_ZNK2v813HeapGraphNode8GetChildEi", nullptr,
       "v8::HeapGraphNode::GetChild(int)"},
      {slot(&a.edge_get_type), "_ZNK2v813HeapGraphEdge7GetTypeEv", nullptr,
       "v8::HeapGraphEdge::GetType()"},
      {slot(&a.edge_get_name), "_ZNK2v813HeapGraphEdge7GetNameEv", nullptr,
       "v8::HeapGraphEdge::GetName()"},
      {slot(&a.edge_get_to_node), "_ZNK2v813HeapGraphEdge9GetToNodeEv", nullptr,
       "v8::HeapGraphEdge::GetToNode()"},
      {slot(&a.value_is_number), "_ZNK2v85Value8IsNumberEv", nullptr, "v8::Value::IsNumber()"},
      {slot(&a.number_value), "_ZNK2v86Number5ValueEv", nullptr, "v8::Number::Value()"},
      {slot(&a.name_get_identity_hash), "_ZN2v84Name15GetIdentityHashEv", nullptr,
       "v8::Name::GetIdentityHash()"},
      {slot(&a.utf8_value_delete), "_ZN2v86String9Utf8ValueD1Ev", nullptr,
       "v8::String::Utf8Value::~Utf8Value()"},
      {slot(&a.dispose_global), "_ZN2v812api_internal13DisposeGlobalEPm", nullptr,
       "v8::api_internal::DisposeGlobal(Address*)"},
  };
  a.ready = false;
  for (const lw::Entry& e : entries) {
    void* fn = lw::find(e.mangled);
    if (fn == nullptr) fn = lw::find(e.alternate);
    if (fn == nullptr) return e.readable;
    *e.slot = fn;
  }
  // The pairs whose two signatures need two call sites (v8_api.h): one of each must be there.
  *slot(&a.utf8_value_new) = lw::find("_ZN2v86String9Utf8ValueC1EPNS_7IsolateENS_5LocalINS_5ValueEEE");
  *slot(&a.utf8_value_new_with_options) =
      lw::find("_ZN2v86String9Utf8ValueC1EPNS_7IsolateENS_5LocalINS_5ValueEEENS0_12WriteOptionsE");
  if (a.utf8_value_new == nullptr && a.utf8_value_new_with_options == nullptr) {
    return "v8::String::Utf8Value::Utf8Value(Isolate*, Local<Value>[, WriteOptions])";
  }
  *slot(&a.globalize_value) = lw::find("_ZN2v812api_internal18GlobalizeReferenceEPNS_8internal7IsolateEm");
  *slot(&a.globalize_slot) = lw::find("_ZN2v812api_internal18GlobalizeReferenceEPNS_8internal7IsolateEPm");
  if (a.globalize_value == nullptr && a.globalize_slot == nullptr) {
    return "v8::api_internal::GlobalizeReference(internal::Isolate*, Address or Address*)";
  }
  a.ready = true;
  return nullptr;
}
