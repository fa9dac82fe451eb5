//! Maps `core::Error` to the JS error classes users expect, with a stable `code`.

use napi::{Env, Error, Status};

use leakwatch_core::error::Error as CoreError;

/// Throws `TypeError`/`RangeError` on `env` and returns the "exception pending" error for `?`.
pub fn throw(env: &Env, err: CoreError) -> Error {
    let message = err.to_string();
    let thrown = match err {
        CoreError::InvalidType { .. } => env.throw_type_error(&message, Some(err.code())),
        CoreError::OutOfRange { .. } => env.throw_range_error(&message, Some(err.code())),
    };
    match thrown {
        Ok(()) => Error::from_status(Status::PendingException),
        Err(e) => e,
    }
}
