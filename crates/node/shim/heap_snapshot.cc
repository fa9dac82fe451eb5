// Heap snapshot walk for HeapDiff: V8's HeapProfiler snapshot, read node by node (an index
// loop over GetNode(i), never a recursive graph walk) and handed to Rust; then, for a leak
// report, a breadth-first search (a queue, never recursion) for retainer paths; then deleted.
// JS thread of the calling isolate, outside any GC. No exceptions.

#include "heap_snapshot.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <node_api.h>

#include "v8_api.h"

using lw::Handle;
using lw::v8api;

namespace {

// Gives glibc's free lists back to the system: a snapshot's ~1.2 KB per heap node is freed by
// Delete() but glibc keeps it (RSS stays up by the snapshot's size) until trimmed.
// LEAKWATCH_BENCH_NO_RELEASE=1 skips it, for bench/snapshot.js's "before the fix" rows only
// (read once: getenv is not safe against a concurrent setenv).
void give_memory_back() {
#ifdef __GLIBC__
  static const bool skip = std::getenv("LEAKWATCH_BENCH_NO_RELEASE") != nullptr;
  if (!skip) malloc_trim(0);
#endif
}

// Stops a snapshot (V8's generation through its ActivityControl, our serialisation and path
// search by polling) when it runs past its time budget or the thread is being terminated
// (worker.terminate(), process exit): either way nobody wants the result any more.
class SnapshotControl final : public v8::ActivityControl {
 public:
  SnapshotControl(v8::Isolate* isolate, double budget_ms, void* probe)
      : isolate_(isolate),
        probe_(probe),
        unlimited_(!(budget_ms < 1e12)),  // NaN, Infinity, 30 years: no time limit
        deadline_(std::chrono::steady_clock::now() +
                  std::chrono::microseconds(unlimited_ ? 0 : static_cast<int64_t>(
                                                                 std::max(budget_ms, 0.0) * 1000))) {}

  // JS thread, inside TakeHeapSnapshot (between GCs, never inside one).
  ControlOption ReportProgressValue(uint32_t, uint32_t) override {
    return should_stop() ? kAbort : kContinue;
  }

  bool should_stop() {
    if (outcome_ == 0) {
      if (v8api.isolate_is_execution_terminating(isolate_) ||
          (probe_ != nullptr && leakwatch_env_stopping(probe_))) {
        outcome_ = LEAKWATCH_SNAPSHOT_TERMINATING;
      } else if (!unlimited_ && std::chrono::steady_clock::now() > deadline_) {
        outcome_ = LEAKWATCH_SNAPSHOT_OVER_BUDGET;
      }
    }
    return outcome_ != 0;
  }

  // 0 while running; the LEAKWATCH_SNAPSHOT_* code of why it stopped.
  int64_t outcome() const { return outcome_; }

 private:
  v8::Isolate* isolate_;
  void* probe_;
  bool unlimited_;
  std::chrono::steady_clock::time_point deadline_;
  int64_t outcome_ = 0;
};

// Takes a snapshot under `control`. Returns nullptr when V8 gave none (aborted or failed).
// The ActivityControl overload has the same meaning in the headers of Node 20, 22, 24 and 26
// (V8 11.3, 12.4, 13.6, 14.6; its resolver parameter's type changed in 14, nullptr suits
// both): no resolver, internals hidden, numeric values not captured (V8's defaults); and it
// keeps V8's HeapSnapshotOptions (whose size differs between lines) off our stack.
const v8::HeapSnapshot* take_snapshot(v8::HeapProfiler* profiler, SnapshotControl* control) {
  return v8api.profiler_take_heap_snapshot(profiler, control, nullptr, true, false);
}

void delete_snapshot(const v8::HeapSnapshot* snapshot) {
  // The snapshot is ours and nothing else holds it.
  v8api.snapshot_delete(snapshot);
  give_memory_back();
}

inline v8::HeapGraphNode::Type type_of(const v8::HeapGraphNode* node) {
  return static_cast<v8::HeapGraphNode::Type>(v8api.node_get_type(node));
}

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

uint32_t name_key_of(void* context, uint32_t type, v8::Isolate* isolate, Handle name) {
  lw::Utf8 text(isolate, name);
  return leakwatch_heap_name_key(context, type, text.data(), text.length());
}

// Rust's name key for each (type, name) seen, so that a million nodes named "Item" cost one
// UTF-8 conversion and one hash lookup in Rust, not a million. GetName() gives V8's
// internalized string, unique per content, so a cached entry is matched by the string's hash
// and then its identity (no character is read). Open addressing, linear probing; the strings
// are held by global handles (lw::globalize: v8::Global's inline code is not ours to run)
// until the walk ends.
class NameCache {
 public:
  NameCache(v8::Isolate* isolate, void* context) : isolate_(isolate), context_(context) {
    unnamed_.fill(LEAKWATCH_NO_NAME_KEY);
    slots_.resize(1024);
  }
  ~NameCache() {
    for (Slot& slot : slots_) {
      if (slot.name != nullptr) v8api.dispose_global(slot.name);
    }
  }
  NameCache(const NameCache&) = delete;
  NameCache& operator=(const NameCache&) = delete;

  // Nodes whose type carries no useful name: one key per type.
  uint32_t unnamed(uint32_t type) {
    if (type >= kTypeSlots) return leakwatch_heap_name_key(context_, type, nullptr, 0);
    if (unnamed_[type] == LEAKWATCH_NO_NAME_KEY) {
      unnamed_[type] = leakwatch_heap_name_key(context_, type, nullptr, 0);
    }
    return unnamed_[type];
  }

  uint32_t named(uint32_t type, Handle name) {
    if (name == nullptr) return unnamed(type);
    const int hash = v8api.name_get_identity_hash(name);
    const size_t mask = slots_.size() - 1;
    size_t at = mix(hash, type) & mask;
    for (; slots_[at].used; at = (at + 1) & mask) {
      const Slot& slot = slots_[at];
      if (slot.hash == hash && slot.type == type && lw::same_object(name, slot.name)) {
        return slot.key;
      }
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
    uintptr_t* name = nullptr;  // a global handle's slot (lw::globalize), owned by the cache
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

  void fill(size_t at, uint32_t type, Handle name, int hash, uint32_t key) {
    Slot& slot = slots_[at];
    slot.name = lw::globalize(isolate_, name);
    slot.hash = hash;
    slot.type = type;
    slot.key = key;
    slot.used = true;
    used_++;
  }

  uint32_t insert(uint32_t type, Handle name, int hash, uint32_t key) {
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
      slots_[at] = slot;
      slot.name = nullptr;  // moved: `old`'s destructor must not dispose it
    }
  }

  v8::Isolate* isolate_;
  void* context_;
  std::vector<Slot> slots_;
  size_t used_ = 0;
  std::array<uint32_t, kTypeSlots> unnamed_;
};

void walk(napi_env env, v8::Isolate* isolate, const v8::HeapSnapshot* snapshot, void* context) {
  const int count = v8api.snapshot_get_nodes_count(snapshot);
  if (count <= 0) return;
  NameCache names(isolate, context);
  std::vector<LwHeapNode> batch;
  batch.reserve(kNodesPerBatch);
  for (int start = 0; start < count; start += kNodesPerBatch) {
    lw::NapiScope scope(env);
    const int end = count - start > kNodesPerBatch ? start + kNodesPerBatch : count;
    batch.clear();
    for (int i = start; i < end; i++) {
      const v8::HeapGraphNode* node = v8api.snapshot_get_node(snapshot, i);
      const v8::HeapGraphNode::Type type = type_of(node);
      const uint32_t raw_type = static_cast<uint32_t>(type);
      const uint32_t key = has_useful_name(type)
                               ? names.named(raw_type, v8api.node_get_name(node))
                               : names.unnamed(raw_type);
      if (key == LEAKWATCH_NO_NAME_KEY) continue;
      const size_t self_size = v8api.node_get_shallow_size(node);
      batch.push_back({static_cast<uint32_t>(v8api.node_get_id(node)), key,
                       static_cast<uint32_t>(std::min<size_t>(self_size, UINT32_MAX))});
    }
    leakwatch_on_heap_nodes(context, batch.data(), batch.size(), static_cast<size_t>(count));
  }
}

// Retainer-path search limits: memory is about 40 bytes per node it may visit (allocated up
// front), time is the snapshot's budget; the search gives up (reporting the paths found so
// far) rather than grow without bound on a huge heap.
constexpr size_t kMaxVisited = 4'000'000;
constexpr size_t kMaxEdges = 40'000'000;
constexpr size_t kMaxPaths = 3;
// Retainers whose path looked like one already reported: stop after this many.
constexpr size_t kMaxHoldersTried = 256;
constexpr size_t kMaxLabel = 60;

struct Visit {
  const v8::HeapGraphNode* node;
  int32_t parent;  // index in the visit order, -1 for the root
  int32_t edge;    // index of the edge in the parent's children
};

std::string utf8(v8::Isolate* isolate, Handle value) {
  if (value == nullptr) return std::string();
  lw::Utf8 text(isolate, value);
  if (text.data() == nullptr) return std::string();
  std::string out(text.data(), text.length());
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
  switch (type_of(node)) {
    case v8::HeapGraphNode::kString:
    case v8::HeapGraphNode::kConsString:
    case v8::HeapGraphNode::kSlicedString:
      return "(string)";  // the name is the string's content: never copied
    case v8::HeapGraphNode::kHeapNumber:
      return "(number)";
    case v8::HeapGraphNode::kClosure: {
      std::string name = utf8(isolate, v8api.node_get_name(node));
      return name.empty() ? "(closure)" : name + "()";
    }
    default:
      break;
  }
  std::string name = utf8(isolate, v8api.node_get_name(node));
  if (!name.empty()) return name;
  switch (type_of(node)) {
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
  Handle name = v8api.edge_get_name(edge);
  if (name == nullptr) return std::string();
  if (v8api.value_is_number(name)) {
    const double index = v8api.number_value(name);
    return "[" + std::to_string(static_cast<int64_t>(index)) + "]";
  }
  std::string text = utf8(isolate, name);
  // Internal edges of hash tables and arrays are named by their slot number.
  return all_digits(text) ? "[" + text + "]" : text;
}

// "global → cache (Map) → table (system / OrderedHashMap) → [7] (LeakyThing)": the root's
// child first, then one "edge (node)" per hop.
std::string format_path(napi_env env, v8::Isolate* isolate, const Visit* order, int32_t at) {
  lw::NapiScope scope(env);
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
    const v8::HeapGraphEdge* edge = v8api.node_get_child(order[v.parent].node, v.edge);
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

// The search's memory, allocated up front with malloc (never std containers: built with
// -fno-exceptions, a failed growth would abort the process): the BFS queue, kept whole for the
// parent links, and an open-addressing set of the nodes seen. About 40 bytes per node it may
// visit; when that cannot be had there is no search.
class SearchMemory {
 public:
  explicit SearchMemory(size_t capacity)
      : capacity_(capacity),
        shift_(shift_for(capacity)),
        slots_(size_t{1} << (64 - shift_)),
        order_(static_cast<Visit*>(std::malloc(capacity * sizeof(Visit)))),
        seen_(static_cast<const v8::HeapGraphNode**>(std::calloc(slots_, sizeof(void*)))) {}
  ~SearchMemory() {
    std::free(order_);
    std::free(seen_);
  }
  SearchMemory(const SearchMemory&) = delete;
  SearchMemory& operator=(const SearchMemory&) = delete;

  bool ok() const { return order_ != nullptr && seen_ != nullptr; }
  Visit* order() { return order_; }
  size_t capacity() const { return capacity_; }

  // Adds `node` to the seen set; false when it was there already.
  bool insert(const v8::HeapGraphNode* node) {
    // Fibonacci hashing: the product's high bits depend on every bit of the pointer.
    size_t i = static_cast<size_t>(
        (static_cast<uint64_t>(reinterpret_cast<uintptr_t>(node)) * 0x9E3779B97F4A7C15ull) >> shift_);
    while (seen_[i] != nullptr) {
      if (seen_[i] == node) return false;
      i = (i + 1) & (slots_ - 1);
    }
    seen_[i] = node;
    return true;
  }

 private:
  // 64 - log2(slots), for a power of two of slots at least twice the capacity: the set never
  // fills past half.
  static int shift_for(size_t capacity) {
    int bits = 4;
    while ((size_t{1} << bits) < 2 * capacity) bits++;
    return 64 - bits;
  }
  size_t capacity_;
  int shift_;
  size_t slots_;
  Visit* order_;
  const v8::HeapGraphNode** seen_;
};

// How often (in visited nodes) the search looks at the clock and the termination flag.
constexpr size_t kVisitsPerCheck = 4096;

// V8's string table, a synthetic root: it lists every internalized string but does not keep
// one alive (the GC clears dead entries), so a path through it names no retainer. Without this
// a leak of strings (a Map of responses) would be "held by" the string table, the shortest path.
bool is_string_table(v8::Isolate* isolate, const v8::HeapGraphNode* node) {
  if (type_of(node) != v8::HeapGraphNode::kSynthetic) return false;
  lw::Utf8 name(isolate, v8api.node_get_name(node));
  if (name.data() == nullptr) return false;
  const std::string text(name.data(), name.length());
  return text == "(Internalized strings)" || text == "(String table)";
}

// Up to kMaxPaths retainer paths to the target objects (the added objects of the group that
// grew most). Which paths: the BFS tree gives every reached target its shortest path, and its
// parent in that tree is its nearest retainer; the retainers holding the most targets come
// first (a leaked Map's table holds thousands of them, a handle scope holding one transient
// string holds one), ties broken by the shorter path. Only then are the few chosen paths
// formatted (one path per distinct shape).
void find_retainer_paths(napi_env env, v8::Isolate* isolate, const v8::HeapSnapshot* snapshot,
                         const uint32_t* ids, size_t id_count, SnapshotControl* control,
                         void* context) {
  const v8::HeapGraphNode* root = v8api.snapshot_get_root(snapshot);
  if (root == nullptr) return;
  SearchMemory memory(
      std::min(static_cast<size_t>(v8api.snapshot_get_nodes_count(snapshot)) + 1, kMaxVisited));
  if (!memory.ok()) return;
  // For each target reached, (its parent's index in the visit order, its own index): malloc,
  // not a std container (see SearchMemory).
  struct Reached {
    int32_t parent;
    int32_t at;
  };
  Reached* reached = static_cast<Reached*>(std::malloc(std::max<size_t>(id_count, 1) * sizeof(Reached)));
  if (reached == nullptr) return;
  size_t reached_count = 0;
  Visit* order = memory.order();
  size_t visited = 0;
  order[visited++] = {root, -1, -1};
  memory.insert(root);
  size_t edges = 0;
  bool done = false;
  for (size_t head = 0; head < visited && !done; head++) {
    if (head % kVisitsPerCheck == 0 && control->should_stop()) break;
    const v8::HeapGraphNode* node = order[head].node;
    const int children = v8api.node_get_children_count(node);
    for (int i = 0; i < children; i++) {
      if (++edges > kMaxEdges || visited >= memory.capacity()) {
        done = true;
        break;
      }
      const v8::HeapGraphEdge* edge = v8api.node_get_child(node, i);
      // Weak edges do not retain; shortcuts duplicate a real path (root → global objects is
      // the one exception V8 makes, and it is what people expect to see first).
      const int edge_type = v8api.edge_get_type(edge);
      if (edge_type == v8::HeapGraphEdge::kWeak) continue;
      if (edge_type == v8::HeapGraphEdge::kShortcut && head != 0) continue;
      const v8::HeapGraphNode* to = v8api.edge_get_to_node(edge);
      if (to == nullptr || !memory.insert(to)) continue;
      if (is_string_table(isolate, to)) continue;
      order[visited++] = {to, static_cast<int32_t>(head), i};
      const uint32_t id = static_cast<uint32_t>(v8api.node_get_id(to));
      if (!std::binary_search(ids, ids + id_count, id)) continue;
      reached[reached_count++] = {static_cast<int32_t>(head), static_cast<int32_t>(visited - 1)};
      if (reached_count >= id_count) {
        done = true;  // every target has its shortest path
        break;
      }
    }
  }
  // Group by parent (stable: within a parent, the first reached is the shortest path).
  std::stable_sort(reached, reached + reached_count,
                   [](const Reached& x, const Reached& y) { return x.parent < y.parent; });
  // Compact to one entry per parent: (count, first target), in place.
  struct Holder {
    size_t count;
    int32_t at;
  };
  Holder* holders = reinterpret_cast<Holder*>(std::malloc(std::max<size_t>(reached_count, 1) * sizeof(Holder)));
  if (holders == nullptr) {
    std::free(reached);
    return;
  }
  size_t holder_count = 0;
  for (size_t k = 0; k < reached_count;) {
    size_t end = k;
    while (end < reached_count && reached[end].parent == reached[k].parent) end++;
    holders[holder_count++] = {end - k, reached[k].at};
    k = end;
  }
  std::free(reached);
  // Most targets first; equal counts: earlier in the visit order (a shorter path) first.
  std::stable_sort(holders, holders + holder_count, [](const Holder& x, const Holder& y) {
    return x.count != y.count ? x.count > y.count : x.at < y.at;
  });
  std::vector<std::string> shapes;
  for (size_t k = 0; k < holder_count && shapes.size() < kMaxPaths && k < kMaxHoldersTried; k++) {
    std::string path = format_path(env, isolate, order, holders[k].at);
    std::string shape = path_shape(path);
    if (std::find(shapes.begin(), shapes.end(), shape) != shapes.end()) continue;
    shapes.push_back(shape);
    leakwatch_on_retainer_path(context, path.data(), path.size());
  }
  std::free(holders);
}

// Serialises a snapshot into an open file, in Chrome DevTools' JSON format, checking every
// write and the control between chunks.
class FileOutputStream final : public v8::OutputStream {
 public:
  FileOutputStream(FILE* file, SnapshotControl* control) : file_(file), control_(control) {}
  int GetChunkSize() override { return 64 * 1024; }
  void EndOfStream() override {}
  // JS thread, inside HeapSnapshot::Serialize.
  WriteResult WriteAsciiChunk(char* data, int size) override {
    if (control_->should_stop()) return kAbort;
    if (std::fwrite(data, 1, static_cast<size_t>(size), file_) != static_cast<size_t>(size)) {
      error_ = errno == 0 ? EIO : errno;
      return kAbort;
    }
    return kContinue;
  }
  int error() const { return error_; }

 private:
  FILE* file_;
  SnapshotControl* control_;
  int error_ = 0;
};

}  // namespace

extern "C" {

int64_t leakwatch_heap_snapshot_walk(void* env, void* context, double budget_ms, void* probe) {
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return LEAKWATCH_SNAPSHOT_UNAVAILABLE;
  v8::HeapProfiler* profiler = v8api.isolate_get_heap_profiler(isolate);
  if (profiler == nullptr) return LEAKWATCH_SNAPSHOT_UNAVAILABLE;
  napi_env napi = static_cast<napi_env>(env);
  lw::NapiScope scope(napi);
  SnapshotControl control(isolate, budget_ms, probe);
  // Taking the snapshot runs full GCs first, so only live objects are in it.
  const v8::HeapSnapshot* snapshot = take_snapshot(profiler, &control);
  if (snapshot == nullptr) {
    give_memory_back();  // what V8 built before it stopped
    return control.outcome() != 0 ? control.outcome() : LEAKWATCH_SNAPSHOT_UNAVAILABLE;
  }
  const int64_t count = v8api.snapshot_get_nodes_count(snapshot);
  if (!leakwatch_heap_reserve(context, static_cast<size_t>(count))) {
    delete_snapshot(snapshot);
    return LEAKWATCH_SNAPSHOT_NO_MEMORY;
  }
  walk(napi, isolate, snapshot, context);
  const uint32_t* ids = nullptr;
  size_t id_count = 0;
  leakwatch_heap_path_targets(context, &ids, &id_count);
  if (ids != nullptr && id_count > 0) {
    // Past the budget the picture is still whole: only the paths not found yet are lost.
    find_retainer_paths(napi, isolate, snapshot, ids, id_count, &control, context);
  }
  delete_snapshot(snapshot);
  return count;
}

int64_t leakwatch_heap_snapshot_write(void* env, const char* path, double budget_ms, void* probe,
                                      int* error_number) {
  if (error_number != nullptr) *error_number = 0;
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr || path == nullptr) return LEAKWATCH_SNAPSHOT_UNAVAILABLE;
  v8::HeapProfiler* profiler = v8api.isolate_get_heap_profiler(isolate);
  if (profiler == nullptr) return LEAKWATCH_SNAPSHOT_UNAVAILABLE;
  FILE* file = std::fopen(path, "wb");
  if (file == nullptr) {
    if (error_number != nullptr) *error_number = errno;
    return LEAKWATCH_SNAPSHOT_WRITE_FAILED;
  }
  lw::NapiScope scope(static_cast<napi_env>(env));
  SnapshotControl control(isolate, budget_ms, probe);
  const v8::HeapSnapshot* snapshot = take_snapshot(profiler, &control);
  int64_t result = LEAKWATCH_SNAPSHOT_UNAVAILABLE;
  int error = 0;
  if (snapshot != nullptr) {
    FileOutputStream stream(file, &control);
    v8api.snapshot_serialize(snapshot, &stream, v8::HeapSnapshot::kJSON);
    result = v8api.snapshot_get_nodes_count(snapshot);
    error = stream.error();
    delete_snapshot(snapshot);
  } else {
    give_memory_back();
  }
  if (std::fclose(file) != 0 && error == 0) error = errno == 0 ? EIO : errno;
  if (control.outcome() != 0) {
    result = control.outcome();
  } else if (error != 0) {
    result = LEAKWATCH_SNAPSHOT_WRITE_FAILED;
  }
  if (result < 0) std::remove(path);  // never leave a half-written file behind
  if (error_number != nullptr) *error_number = error;
  return result;
}

void leakwatch_heap_clear_object_ids(void) {
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return;
  v8::HeapProfiler* profiler = v8api.isolate_get_heap_profiler(isolate);
  if (profiler == nullptr) return;
  v8api.profiler_clear_object_ids(profiler);
  give_memory_back();  // the id map: ~40 bytes per object the GC has moved
}

}  // extern "C"

// --- Benchmark floor: V8's own snapshot cost, nothing of ours -----------------------------------

extern "C" {

int64_t leakwatch_heap_snapshot_floor(void* env, int32_t snapshots, int32_t clear_ids_first) {
  v8::Isolate* isolate = lw::current_isolate();
  if (isolate == nullptr) return -1;
  v8::HeapProfiler* profiler = v8api.isolate_get_heap_profiler(isolate);
  if (profiler == nullptr) return -1;
  if (clear_ids_first != 0) v8api.profiler_clear_object_ids(profiler);
  int64_t count = 0;
  // Taken and deleted as every leakwatch snapshot is (same overload, memory given back after
  // Delete()), with no time limit: the floor is V8's cost, not ours.
  SnapshotControl control(isolate, INFINITY, nullptr);
  for (int32_t i = 0; i < snapshots; i++) {
    lw::NapiScope scope(static_cast<napi_env>(env));
    const v8::HeapSnapshot* snapshot = take_snapshot(profiler, &control);
    if (snapshot == nullptr) return -1;
    count = v8api.snapshot_get_nodes_count(snapshot);
    delete_snapshot(snapshot);
  }
  return count;
}

}  // extern "C"
