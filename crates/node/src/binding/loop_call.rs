//! The call into JS straight from a turn of the event loop. The shim's wake-up runs in a libuv
//! check or prepare callback: on the JS thread, with no JS on the stack. So the batch is taken
//! and handed to the listener callback right there, through `napi_make_callback` (a handle
//! scope of our own, async hooks, then the nextTick queue and microtasks, as for any callback
//! from the loop), instead of a threadsafe function's eventfd write, queue and second hop
//! through the loop. The handles are unref'd: this never keeps the process alive.
//!
//! A packed batch crosses as arguments, not as an object, and allocates nothing on the V8 heap
//! when it has no leak report (the common case): `(numbers, count, state, heapSpaces, leaks,
//! ends)`, `numbers` a Float64Array kept from batch to batch (its first `count` are the batch's
//! `stats`, lib/stats-payload.js), `state` the index of the name in `statsLayout().leakStates`,
//! the others `undefined` when empty. Right after a full GC every allocation and every N-API
//! call costs several times its usual price (cold caches: docs/costs.md), so each one counts.

use std::cell::Cell;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;

use super::payload::{leak_state_code, Batch};

/// The kept Float64Array's first length: four GCs' `stats`; it grows when a batch has more.
const NUMBERS_FIRST_LEN: usize = 4 * super::payload::STATS_FIELDS.len();

/// The listener callback, held for calls from the loop. Created and dropped on the JS thread of
/// its environment (it lives in that environment's `Monitor`; the type holds raw pointers, so
/// it is neither `Send` nor `Sync`).
pub(crate) struct LoopCall {
    env: sys::napi_env,
    callback: sys::napi_ref,
    async_context: sys::napi_async_context,
    /// The kept Float64Array of packed batches (null until the first).
    numbers: Cell<sys::napi_ref>,
}

impl LoopCall {
    pub(crate) fn new(env: &Env, callback: &Function<Batch, ()>) -> Result<LoopCall> {
        let env = env.raw();
        let (mut callback_ref, mut name, mut async_context) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        const NAME: &str = "leakwatch:delivery";
        // SAFETY: `env` is the live environment of the current call (JS thread) and
        // `callback` a function of it; N-API fills the out-pointers on success.
        unsafe {
            check_status!(sys::napi_create_reference(
                env,
                callback.raw(),
                1,
                &mut callback_ref
            ))?;
            let made = check_status!(sys::napi_create_string_utf8(
                env,
                NAME.as_ptr().cast(),
                NAME.len() as isize,
                &mut name
            ))
            .and_then(|_| {
                check_status!(sys::napi_async_init(
                    env,
                    ptr::null_mut(),
                    name,
                    &mut async_context
                ))
            });
            if let Err(e) = made {
                sys::napi_delete_reference(env, callback_ref);
                return Err(e);
            }
        }
        Ok(LoopCall {
            env,
            callback: callback_ref,
            async_context,
            numbers: Cell::new(ptr::null_mut()),
        })
    }

    /// Calls the callback with `batch`. Only from a loop callback of this environment's thread
    /// (no JS on the stack) and inside a handle scope. A throw from JS becomes an uncaught
    /// exception, as it would from a threadsafe function's call.
    pub(crate) fn call(&self, batch: Batch) {
        // SAFETY: `self.env` is alive (a `LoopCall` is dropped by the environment's cleanup
        // hook at the latest), we are on its thread inside a handle scope, and the reference
        // and async context were made in it. N-API checks every value it is given.
        unsafe {
            let (mut func, mut recv, mut result) =
                (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
            if sys::napi_get_reference_value(self.env, self.callback, &mut func)
                != sys::Status::napi_ok
                || func.is_null()
                || sys::napi_get_global(self.env, &mut recv) != sys::Status::napi_ok
            {
                return;
            }
            let args = if batch.packed_stats.is_some() {
                self.packed_args(batch)
            } else {
                <Batch as ToNapiValue>::to_napi_value(self.env, batch).map(|b| vec![b])
            };
            let Ok(args) = args else {
                return;
            };
            let status = sys::napi_make_callback(
                self.env,
                self.async_context,
                recv,
                func,
                args.len(),
                args.as_ptr(),
                &mut result,
            );
            if status == sys::Status::napi_pending_exception {
                let mut error = ptr::null_mut();
                if sys::napi_get_and_clear_last_exception(self.env, &mut error)
                    == sys::Status::napi_ok
                {
                    sys::napi_fatal_exception(self.env, error);
                }
            }
        }
    }
}

impl LoopCall {
    /// A packed batch's arguments (see the module's comment). Inside the caller's handle scope.
    unsafe fn packed_args(&self, batch: Batch) -> Result<Vec<sys::napi_value>> {
        let numbers = batch.packed_stats.map(|n| n.0).unwrap_or_default();
        let (array, data) = unsafe { self.numbers_array(numbers.len())? };
        // SAFETY: `data` has at least `numbers.len()` f64s (numbers_array) and is not `numbers`.
        unsafe { ptr::copy_nonoverlapping(numbers.as_ptr(), data, numbers.len()) };
        let env = self.env;
        let number = |x: f64| -> Result<sys::napi_value> {
            let mut v = ptr::null_mut();
            // SAFETY: as for `call`.
            check_status!(unsafe { sys::napi_create_double(env, x, &mut v) })?;
            Ok(v)
        };
        let mut undefined = ptr::null_mut();
        // SAFETY: as for `call`.
        check_status!(unsafe { sys::napi_get_undefined(env, &mut undefined) })?;
        // SAFETY (the three): as for `call`; napi-rs converts the values into this scope.
        let spaces = match batch.heap_spaces {
            Some(s) => unsafe { ToNapiValue::to_napi_value(env, s)? },
            None => undefined,
        };
        let leaks = match batch.leaks {
            Some(l) if !l.is_empty() => unsafe { ToNapiValue::to_napi_value(env, l)? },
            _ => undefined,
        };
        let ends = match batch.ends {
            Some(e) if !e.is_empty() => unsafe { ToNapiValue::to_napi_value(env, e)? },
            _ => undefined,
        };
        Ok(vec![
            array,
            number(numbers.len() as f64)?,
            number(leak_state_code(&batch.state) as f64)?,
            spaces,
            leaks,
            ends,
        ])
    }

    /// The kept Float64Array and its data, at least `len` long: made (again) when there is none
    /// yet, it is too short, or JS detached its buffer (then its length reads 0).
    unsafe fn numbers_array(&self, len: usize) -> Result<(sys::napi_value, *mut f64)> {
        let env = self.env;
        let kept = self.numbers.get();
        if !kept.is_null() {
            let (mut array, mut kind, mut length, mut data) =
                (ptr::null_mut(), 0, 0, ptr::null_mut());
            let (mut buffer, mut offset) = (ptr::null_mut(), 0);
            // SAFETY: as for `call`; the reference is of a Float64Array made below.
            let ok = unsafe {
                sys::napi_get_reference_value(env, kept, &mut array) == sys::Status::napi_ok
                    && !array.is_null()
                    && sys::napi_get_typedarray_info(
                        env,
                        array,
                        &mut kind,
                        &mut length,
                        &mut data,
                        &mut buffer,
                        &mut offset,
                    ) == sys::Status::napi_ok
            };
            if ok && length >= len && !data.is_null() {
                return Ok((array, data.cast()));
            }
        }
        let capacity = len.max(NUMBERS_FIRST_LEN).next_power_of_two();
        let (mut data, mut buffer, mut array, mut reference) = (
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        // SAFETY: as for `call`; N-API fills the out-pointers on success, `data` then has
        // `capacity` f64s (an ArrayBuffer's data is aligned for any element type).
        unsafe {
            check_status!(sys::napi_create_arraybuffer(
                env,
                capacity * std::mem::size_of::<f64>(),
                &mut data,
                &mut buffer
            ))?;
            check_status!(sys::napi_create_typedarray(
                env,
                sys::TypedarrayType::float64_array,
                capacity,
                buffer,
                0,
                &mut array,
            ))?;
            check_status!(sys::napi_create_reference(env, array, 1, &mut reference))?;
            if !kept.is_null() {
                sys::napi_delete_reference(env, kept);
            }
        }
        self.numbers.set(reference);
        Ok((array, data.cast()))
    }
}

impl Drop for LoopCall {
    fn drop(&mut self) {
        // SAFETY: on the environment's JS thread (see the type), which is still alive.
        unsafe {
            sys::napi_async_destroy(self.env, self.async_context);
            sys::napi_delete_reference(self.env, self.callback);
            let numbers = self.numbers.get();
            if !numbers.is_null() {
                sys::napi_delete_reference(self.env, numbers);
            }
        }
    }
}

/// A handle scope for a call from the loop, where Node opened none. Closed on drop.
pub(crate) struct LoopScope {
    env: sys::napi_env,
    scope: sys::napi_handle_scope,
}

impl LoopScope {
    /// `None` when N-API cannot open one (the environment is going away).
    pub(crate) fn open(env: sys::napi_env) -> Option<LoopScope> {
        let mut scope = ptr::null_mut();
        // SAFETY: `env` is a live environment and we are on its JS thread (see the callers).
        let status = unsafe { sys::napi_open_handle_scope(env, &mut scope) };
        (status == sys::Status::napi_ok).then_some(LoopScope { env, scope })
    }
}

impl Drop for LoopScope {
    fn drop(&mut self) {
        // SAFETY: the scope was opened on this thread and is the innermost one.
        unsafe {
            sys::napi_close_handle_scope(self.env, self.scope);
        }
    }
}
