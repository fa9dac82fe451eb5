// The wake-up out of the GC pause: an unref'd libuv check handle and an unref'd prepare handle
// on one environment's loop, each calling `on_turn(data)` once per turn of that loop. The GC
// epilogue only records; these turns (outside any pause) schedule the delivery.
#ifndef LEAKWATCH_LOOP_WAKE_H
#define LEAKWATCH_LOOP_WAKE_H

namespace lw {

struct LoopWaker;

// Opens the two handles on `env`'s loop (a napi_env of the current call; JS thread). `*owner`
// is set to the waker and back to nullptr when it closes: by lw::close_waker, or by Node's
// async cleanup hook at the environment's teardown (the loop then runs until the handles are
// closed, so a worker's loop closes clean). nullptr when the loop or a handle cannot be had.
LoopWaker* open_waker(void* env, void (*on_turn)(void* data), void* data, LoopWaker** owner);
// Stops the calls at once; the handles are freed by their close callbacks. JS thread.
void close_waker(LoopWaker* waker);

}  // namespace lw

#endif
