//! The binding's one way to throw: `core::Error` mapped to the JS error classes users expect,
//! and coded errors of the binding's own, each with a stable `code`.

use napi::{Env, Error, Status};

use leakwatch_core::error::Error as CoreError;

/// The JS class of a thrown error.
#[derive(Clone, Copy)]
pub enum JsErrorKind {
    Error,
    TypeError,
    RangeError,
}

/// Throws `TypeError`/`RangeError` on `env` and returns the "exception pending" error for `?`.
pub fn throw(env: &Env, err: CoreError) -> Error {
    let kind = match err {
        CoreError::InvalidType { .. } => JsErrorKind::TypeError,
        CoreError::OutOfRange { .. } => JsErrorKind::RangeError,
    };
    throw_coded(env, kind, &err.to_string(), err.code())
}

/// Throws a `kind` error with `message` and `code` on `env`; returns the "exception pending"
/// error for `?`.
pub fn throw_coded(env: &Env, kind: JsErrorKind, message: &str, code: &str) -> Error {
    let thrown = match kind {
        JsErrorKind::Error => env.throw_error(message, Some(code)),
        JsErrorKind::TypeError => env.throw_type_error(message, Some(code)),
        JsErrorKind::RangeError => env.throw_range_error(message, Some(code)),
    };
    match thrown {
        Ok(()) => Error::from_status(Status::PendingException),
        Err(e) => e,
    }
}
