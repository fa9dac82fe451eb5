// Heap snapshot walk for HeapDiff: V8's HeapProfiler snapshot, read node by node (an index
// loop over GetNode(i), never a recursive graph walk) and handed to Rust; then, for a leak
// report, a breadth-first search (a queue, never recursion) for retainer paths; then deleted.
// JS thread of the calling isolate, outside any GC. No exceptions.

#include "heap_snapshot.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <v8.h>
#include <v8-profiler.h>
#include <v8-version.h>

namespace {

// Nodes per batch handed to Rust, and per HandleScope: GetName() creates a handle per call,
// and one scope for a million nodes would keep a million handles alive until the walk ends.
constexpr int kNodesPerBatch = 4096;
// The name cache's most slots (at most 3/4 used, ~2 MB); past that, names are still right,
// only slower (each further distinct name is converted and looked up in Rust every time).
constexpr size_t kMaxCachedNames = size_t{1} << 16;
constexpr uint32_t kTypeSlots = 32;

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

uint32_t name_key_of(void* context, uint32_t type, v8::Isolate* isolate,
                     v8::Local<v8::String> name) {
  v8::String::Utf8Value text(isolate, name);
  const char* chars = *text;
  const size_t length = chars == nullptr ? 0 : static_cast<size_t>(text.length());
  return leakwatch_heap_name_key(context, type, chars, length);
}

// Rust's name key for each (type, name) seen, so that a million nodes named "Item" cost one
// UTF-8 conversion and one hash lookup in Rust, not a million. GetName() gives V8's
// internalized string, unique per content, so a cached entry is matched by the string's hash
// and then its identity (no character is read). Open addressing, linear probing; the strings
// are held by Globals until the walk ends.
class NameCache {
 public:
  NameCache(v8::Isolate* isolate, void* context) : isolate_(isolate), context_(context) {
    unnamed_.fill(LEAKWATCH_NO_NAME_KEY);
    slots_.resize(1024);
  }

  // Nodes whose type carries no useful name: one key per type.
  uint32_t unnamed(uint32_t type) {
    if (type >= kTypeSlots) return leakwatch_heap_name_key(context_, type, nullptr, 0);
    if (unnamed_[type] == LEAKWATCH_NO_NAME_KEY) {
      unnamed_[type] = leakwatch_heap_name_key(context_, type, nullptr, 0);
    }
    return unnamed_[type];
  }

  uint32_t named(uint32_t type, v8::Local<v8::String> name) {
    if (name.IsEmpty()) return unnamed(type);
    const int hash = name->GetIdentityHash();
    const size_t mask = slots_.size() - 1;
    size_t at = mix(hash, type) & mask;
    for (; slots_[at].used; at = (at + 1) & mask) {
      const Slot& slot = slots_[at];
      if (slot.hash == hash && slot.type == type && slot.name == name) return slot.key;
    }
    const uint32_t key = name_key_of(context_, type, isolate_, name);
    if (key == LEAKWATCH_NO_NAME_KEY) return key;
    if ((used_ + 1) * 4 > slots_.size() * 3) {
      if (slots_.size() >= kMaxCachedNames) return key;  // full: correct, just uncached
      grow();
      return insert(type, name, hash, key);
    }
    fill(at, type, name, hash, key);
    return key;
  }

 private:
  struct Slot {
    v8::Global<v8::String> name;
    int hash = 0;
    uint32_t type = 0;
    uint32_t key = 0;
    bool used = false;
  };

  // Fibonacci hashing of (hash, type); the table never exceeds 2^16 slots.
  static size_t mix(int hash, uint32_t type) {
    const uint64_t h = static_cast<uint32_t>(hash) ^ (uint64_t{type} * 0x9E3779B9u);
    return static_cast<size_t>((h * 0x9E3779B97F4A7C15ull) >> 32);
  }

  void fill(size_t at, uint32_t type, v8::Local<v8::String> name, int hash, uint32_t key) {
    Slot& slot = slots_[at];
    slot.name.Reset(isolate_, name);
    slot.hash = hash;
    slot.type = type;
    slot.key = key;
    slot.used = true;
    used_++;
  }

  uint32_t insert(uint32_t type, v8::Local<v8::String> name, int hash, uint32_t key) {
    const size_t mask = slots_.size() - 1;
    size_t at = mix(hash, type) & mask;
    while (slots_[at].used) at = (at + 1) & mask;
    fill(at, type, name, hash, key);
    return key;
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (Slot& slot : old) {
      if (!slot.used) continue;
      size_t at = mix(slot.hash, slot.type) & mask;
      while (slots_[at].used) at = (at + 1) & mask;
      slots_[at] = std::move(slot);
    }
  }

  v8::Isolate* isolate_;
  void* context_;
  std::vector<Slot> slots_;
  size_t used_ = 0;
  std::array<uint32_t, kTypeSlots> unnamed_;
};

void walk(v8::Isolate* isolate, const v8::HeapSnapshot* snapshot, void* context) {
  const int count = snapshot->GetNodesCount();
  if (count <= 0) return;
  NameCache names(isolate, context);
  std::vector<LwHeapNode> batch;
  batch.reserve(kNodesPerBatch);
  for (int start = 0; start < count; start += kNodesPerBatch) {
    v8::HandleScope scope(isolate);
    const int end = count - start > kNodesPerBatch ? start + kNodesPerBatch : count;
    batch.clear();
    for (int i = start; i < end; i++) {
      const v8::HeapGraphNode* node = snapshot->GetNode(i);
      const v8::HeapGraphNode::Type type = node->GetType();
      const uint32_t raw_type = static_cast<uint32_t>(type);
      const uint32_t key = has_useful_name(type) ? names.named(raw_type, node->GetName())
                                                 : names.unnamed(raw_type);
      if (key == LEAKWATCH_NO_NAME_KEY) continue;
      const size_t self_size = node->GetShallowSize();
      batch.push_back({static_cast<uint32_t>(node->GetId()), key,
                       static_cast<uint32_t>(std::min<size_t>(self_size, UINT32_MAX))});
    }
    leakwatch_on_heap_nodes(context, batch.data(), batch.size(), static_cast<size_t>(count));
  }
}

// Retainer-path search limits: memory is about 60 bytes per visited node, so the search gives
// up (reporting the paths found so far) rather than grow without bound on a huge heap.
constexpr size_t kMaxVisited = 4'000'000;
constexpr size_t kMaxEdges = 40'000'000;
constexpr size_t kMaxPaths = 3;
// Targets reached whose path looked like one already reported: stop after this many.
constexpr size_t kMaxTargetsTried = 256;
constexpr size_t kMaxLabel = 60;

struct Visit {
  const v8::HeapGraphNode* node;
  int32_t parent;  // index in the visit order, -1 for the root
  int32_t edge;    // index of the edge in the parent's children
};

std::string utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return std::string();
  v8::String::Utf8Value text(isolate, value);
  if (*text == nullptr) return std::string();
  std::string out(*text, static_cast<size_t>(text.length()));
  if (out.size() > kMaxLabel) {
    // Cut on a UTF-8 character boundary.
    size_t cut = kMaxLabel;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) cut--;
    out.resize(cut);
    out += "…";
  }
  return out;
}

std::string node_label(v8::Isolate* isolate, const v8::HeapGraphNode* node) {
  switch (node->GetType()) {
    case v8::HeapGraphNode::kString:
    case v8::HeapGraphNode::kConsString:
    case v8::HeapGraphNode::kSlicedString:
      return "(string)";  // the name is the string's content: never copied
    case v8::HeapGraphNode::kHeapNumber:
      return "(number)";
    case v8::HeapGraphNode::kClosure: {
      std::string name = utf8(isolate, node->GetName());
      return name.empty() ? "(closure)" : name + "()";
    }
    default:
      break;
  }
  std::string name = utf8(isolate, node->GetName());
  if (!name.empty()) return name;
  switch (node->GetType()) {
    case v8::HeapGraphNode::kArray:
      return "(array)";
    case v8::HeapGraphNode::kHidden:
      return "(system)";
    case v8::HeapGraphNode::kCode:
      return "(code)";
    default:
      return "(anonymous)";
  }
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string edge_label(v8::Isolate* isolate, const v8::HeapGraphEdge* edge) {
  v8::Local<v8::Value> name = edge->GetName();
  if (name.IsEmpty()) return std::string();
  if (name->IsNumber()) {
    const double index = name.As<v8::Number>()->Value();
    return "[" + std::to_string(static_cast<int64_t>(index)) + "]";
  }
  std::string text = utf8(isolate, name);
  // Internal edges of hash tables and arrays are named by their slot number.
  return all_digits(text) ? "[" + text + "]" : text;
}

// "global → cache (Map) → table (system / OrderedHashMap) → [7] (LeakyThing)": the root's
// child first, then one "edge (node)" per hop.
std::string format_path(v8::Isolate* isolate, const std::vector<Visit>& order, int32_t at) {
  v8::HandleScope scope(isolate);
  std::vector<int32_t> chain;
  for (int32_t i = at; i > 0; i = order[i].parent) chain.push_back(i);
  std::reverse(chain.begin(), chain.end());
  std::string out;
  for (size_t k = 0; k < chain.size(); k++) {
    const Visit& v = order[chain[k]];
    std::string node = node_label(isolate, v.node);
    if (k == 0) {
      out = node;
      continue;
    }
    const v8::HeapGraphEdge* edge = order[v.parent].node->GetChild(v.edge);
    std::string label = edge_label(isolate, edge);
    out += " → ";
    if (!label.empty()) out += label + " ";
    // "(array)" and the like are already in parentheses.
    const bool wrapped = node.size() >= 2 && node.front() == '(' && node.back() == ')';
    out += wrapped ? node : "(" + node + ")";
  }
  return out;
}

// The path with element indices blanked: paths to two entries of one array differ only there.
std::string path_shape(const std::string& path) {
  std::string shape;
  shape.reserve(path.size());
  bool in_index = false;
  for (char c : path) {
    if (c == '[') in_index = true;
    if (c == ']') in_index = false;
    if (!in_index || c == '[') shape += c;
  }
  return shape;
}

void find_retainer_paths(v8::Isolate* isolate, const v8::HeapSnapshot* snapshot,
                         const uint32_t* ids, size_t id_count, void* context) {
  const v8::HeapGraphNode* root = snapshot->GetRoot();
  if (root == nullptr) return;
  const size_t expected =
      std::min(static_cast<size_t>(snapshot->GetNodesCount()), kMaxVisited);
  std::vector<Visit> order;  // the BFS queue, kept whole for the parent links
  order.reserve(expected);
  std::unordered_set<const v8::HeapGraphNode*> seen;
  seen.reserve(expected);
  order.push_back({root, -1, -1});
  seen.insert(root);
  std::vector<std::string> shapes;
  size_t edges = 0;
  size_t tried = 0;
  for (size_t head = 0; head < order.size(); head++) {
    const v8::HeapGraphNode* node = order[head].node;
    const int children = node->GetChildrenCount();
    for (int i = 0; i < children; i++) {
      if (++edges > kMaxEdges) return;
      const v8::HeapGraphEdge* edge = node->GetChild(i);
      // Weak edges do not retain; shortcuts duplicate a real path (root → global objects is
      // the one exception V8 makes, and it is what people expect to see first).
      if (edge->GetType() == v8::HeapGraphEdge::kWeak) continue;
      if (edge->GetType() == v8::HeapGraphEdge::kShortcut && head != 0) continue;
      const v8::HeapGraphNode* to = edge->GetToNode();
      if (to == nullptr || !seen.insert(to).second) continue;
      if (order.size() >= kMaxVisited) return;
      order.push_back({to, static_cast<int32_t>(head), i});
      const uint32_t id = static_cast<uint32_t>(to->GetId());
      if (!std::binary_search(ids, ids + id_count, id)) continue;
      std::string path = format_path(isolate, order, static_cast<int32_t>(order.size() - 1));
      std::string shape = path_shape(path);
      if (std::find(shapes.begin(), shapes.end(), shape) == shapes.end()) {
        shapes.push_back(shape);
        leakwatch_on_retainer_path(context, path.data(), path.size());
        if (shapes.size() >= kMaxPaths) return;
      }
      if (++tried >= kMaxTargetsTried) return;
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
  const uint32_t* ids = nullptr;
  size_t id_count = 0;
  leakwatch_heap_path_targets(context, &ids, &id_count);
  if (ids != nullptr && id_count > 0) {
    find_retainer_paths(isolate, snapshot, ids, id_count, context);
  }
  // Delete() only takes a non-const pointer; the snapshot is ours and nothing else holds it.
  const_cast<v8::HeapSnapshot*>(snapshot)->Delete();
  return count;
}

}  // extern "C"

// --- Benchmark floor: V8's own snapshot cost, nothing of ours -----------------------------------

extern "C" {

int64_t leakwatch_heap_snapshot_floor(int32_t snapshots, int32_t clear_ids_first) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return -1;
  v8::HeapProfiler* profiler = isolate->GetHeapProfiler();
  if (profiler == nullptr) return -1;
  if (clear_ids_first != 0) profiler->ClearObjectIds();
  int64_t count = 0;
  for (int32_t i = 0; i < snapshots; i++) {
    v8::HandleScope scope(isolate);
    const v8::HeapSnapshot* snapshot = profiler->TakeHeapSnapshot();
    if (snapshot == nullptr) return -1;
    count = snapshot->GetNodesCount();
    const_cast<v8::HeapSnapshot*>(snapshot)->Delete();
  }
  return count;
}

}  // extern "C"
