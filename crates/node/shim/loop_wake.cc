// See loop_wake.h. libuv is C and the node executable exports it: its functions are found by
// name (dlsym, like V8's in v8_api.cc) so the binary links none; the handles are allocated at
// uv_handle_size(), the running libuv's size, not at uv.h's (one binary runs on Node 20-26).
// uv.h is used for types and the handle type enum only; `data` is the first field of every
// uv_handle_t in libuv 1.x.

#include "loop_wake.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <new>

#include <node_api.h>
#include <uv.h>

namespace lw {
namespace {

struct Uv {
  bool ready;
  size_t (*handle_size)(uv_handle_type);
  int (*check_init)(uv_loop_t*, uv_check_t*);
  int (*check_start)(uv_check_t*, uv_check_cb);
  int (*prepare_init)(uv_loop_t*, uv_prepare_t*);
  int (*prepare_start)(uv_prepare_t*, uv_prepare_cb);
  void (*unref)(uv_handle_t*);
  void (*close)(uv_handle_t*, uv_close_cb);
};

template <typename F>
bool find(F* fn, const char* name) {
  *reinterpret_cast<void**>(fn) = dlsym(RTLD_DEFAULT, name);
  return *fn != nullptr;
}

// Resolved on the first open, once per process (a function-local static: its initialisation
// is thread-safe, so workers opening at the same time wait for one another).
const Uv& uv() {
  static Uv u = [] {
    Uv r = {};
    r.ready = find(&r.handle_size, "uv_handle_size") && find(&r.check_init, "uv_check_init") &&
              find(&r.check_start, "uv_check_start") && find(&r.prepare_init, "uv_prepare_init") &&
              find(&r.prepare_start, "uv_prepare_start") && find(&r.unref, "uv_unref") &&
              find(&r.close, "uv_close");
    return r;
  }();
  return u;
}

}  // namespace

struct LoopWaker {
  void (*on_turn)(void*);
  void* data;
  LoopWaker** owner;
  uv_handle_t* check;
  uv_handle_t* prepare;
  int open_handles;
  bool closing;
  napi_async_cleanup_hook_handle cleanup;
};

namespace {

LoopWaker* of(uv_handle_t* handle) { return static_cast<LoopWaker*>(handle->data); }

void on_check(uv_check_t* handle) {
  LoopWaker* w = of(reinterpret_cast<uv_handle_t*>(handle));
  if (!w->closing) w->on_turn(w->data);
}

void on_prepare(uv_prepare_t* handle) {
  LoopWaker* w = of(reinterpret_cast<uv_handle_t*>(handle));
  if (!w->closing) w->on_turn(w->data);
}

void on_closed(uv_handle_t* handle) {
  LoopWaker* w = of(handle);
  free(handle);
  if (--w->open_handles > 0) return;
  // Last one: let Node's teardown go on (or drop the hook that was not needed).
  if (w->cleanup != nullptr) napi_remove_async_cleanup_hook(w->cleanup);
  delete w;
}

// Node calls this at the environment's teardown, before the sync cleanup hook that removes
// the GC callbacks (cleanup hooks run newest first), and waits for napi_remove_async_cleanup_hook.
void on_env_teardown(napi_async_cleanup_hook_handle, void* arg) {
  close_waker(static_cast<LoopWaker*>(arg));
}

uv_handle_t* new_handle(uv_handle_type type, LoopWaker* w) {
  auto* h = static_cast<uv_handle_t*>(calloc(1, uv().handle_size(type)));
  if (h != nullptr) h->data = w;
  return h;
}

}  // namespace

LoopWaker* open_waker(void* env, void (*on_turn)(void*), void* data, LoopWaker** owner) {
  const Uv& u = uv();
  uv_loop_t* loop = nullptr;
  if (!u.ready || napi_get_uv_event_loop(static_cast<napi_env>(env), &loop) != napi_ok ||
      loop == nullptr) {
    return nullptr;
  }
  auto* w = new (std::nothrow) LoopWaker{on_turn, data, owner, nullptr, nullptr, 0, false, nullptr};
  if (w == nullptr) return nullptr;
  w->check = new_handle(UV_CHECK, w);
  w->prepare = new_handle(UV_PREPARE, w);
  if (w->check == nullptr || w->prepare == nullptr) {
    free(w->check);
    free(w->prepare);
    delete w;
    return nullptr;
  }
  // Init cannot fail for these two handle types (libuv only links them into the loop).
  u.check_init(loop, reinterpret_cast<uv_check_t*>(w->check));
  u.prepare_init(loop, reinterpret_cast<uv_prepare_t*>(w->prepare));
  w->open_handles = 2;
  u.check_start(reinterpret_cast<uv_check_t*>(w->check), on_check);
  u.prepare_start(reinterpret_cast<uv_prepare_t*>(w->prepare), on_prepare);
  // Never keeps the process (or the worker) alive.
  u.unref(w->check);
  u.unref(w->prepare);
  if (napi_add_async_cleanup_hook(static_cast<napi_env>(env), on_env_teardown, w, &w->cleanup) !=
      napi_ok) {
    w->cleanup = nullptr;
    close_waker(w);
    return nullptr;
  }
  *owner = w;
  return w;
}

void close_waker(LoopWaker* w) {
  if (w == nullptr || w->closing) return;
  w->closing = true;
  if (*w->owner == w) *w->owner = nullptr;
  uv().close(w->check, on_closed);
  uv().close(w->prepare, on_closed);
}

}  // namespace lw
