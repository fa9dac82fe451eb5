// Heap snapshot walk for HeapDiff: V8's HeapProfiler snapshot, read node by node (an index
// loop over GetNode(i), never a recursive graph walk) and handed to Rust, then deleted.
// JS thread of the calling isolate, outside any GC. No exceptions.

#include "heap_snapshot.h"

#include <v8.h>
#include <v8-profiler.h>
#include <v8-version.h>

namespace {

// A fresh HandleScope every so many nodes: GetName() creates a handle per call, and one
// scope for a million nodes would keep a million handles alive until the walk ends.
constexpr int kNodesPerScope = 4096;

bool has_useful_name(v8::HeapGraphNode::Type type) {
  switch (type) {
    case v8::HeapGraphNode::kObject:
    case v8::HeapGraphNode::kClosure:
    case v8::HeapGraphNode::kNative:
    case v8::HeapGraphNode::kSynthetic:
      return true;
    default:
      return false;
  }
}

void walk(v8::Isolate* isolate, const v8::HeapSnapshot* snapshot, void* context) {
  const int count = snapshot->GetNodesCount();
  for (int start = 0; start < count; start += kNodesPerScope) {
    v8::HandleScope scope(isolate);
    const int end = count - start > kNodesPerScope ? start + kNodesPerScope : count;
    for (int i = start; i < end; i++) {
      const v8::HeapGraphNode* node = snapshot->GetNode(i);
      const v8::HeapGraphNode::Type type = node->GetType();
      const uint32_t id = static_cast<uint32_t>(node->GetId());
      const double self_size = static_cast<double>(node->GetShallowSize());
      if (has_useful_name(type)) {
        v8::String::Utf8Value name(isolate, node->GetName());
        const char* chars = *name;
        const size_t length = chars == nullptr ? 0 : static_cast<size_t>(name.length());
        leakwatch_on_heap_node(context, id, static_cast<uint32_t>(type), chars, length, self_size);
      } else {
        leakwatch_on_heap_node(context, id, static_cast<uint32_t>(type), nullptr, 0, self_size);
      }
    }
  }
}

}  // namespace

extern "C" {

int64_t leakwatch_heap_snapshot_walk(void* context) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return -1;
  v8::HeapProfiler* profiler = isolate->GetHeapProfiler();
  if (profiler == nullptr) return -1;
  v8::HandleScope scope(isolate);
  // The default options have the same meaning on V8 11 (Node 20) through 14 (Node 26):
  // regular mode, numeric values hidden. Taking the snapshot runs full GCs first, so only
  // live objects are in it.
  const v8::HeapSnapshot* snapshot = profiler->TakeHeapSnapshot();
  if (snapshot == nullptr) return -1;
  const int64_t count = snapshot->GetNodesCount();
  walk(isolate, snapshot, context);
  // Delete() only takes a non-const pointer; the snapshot is ours and nothing else holds it.
  const_cast<v8::HeapSnapshot*>(snapshot)->Delete();
  return count;
}

}  // extern "C"
