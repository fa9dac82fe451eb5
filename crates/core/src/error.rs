//! The one error type of the pure core. The binding maps it to JS errors:
//! `InvalidType` → `TypeError`, `OutOfRange` → `RangeError`, with a stable `code`.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A value of the wrong kind, e.g. a non-finite number where a finite one is needed.
    InvalidType { name: String, expected: String },
    /// A value of the right kind outside its allowed range.
    OutOfRange {
        name: String,
        allowed: String,
        got: String,
    },
}

impl Error {
    pub fn invalid_type(name: &str, expected: &str) -> Self {
        Error::InvalidType {
            name: name.into(),
            expected: expected.into(),
        }
    }

    pub fn out_of_range(name: &str, allowed: &str, got: impl fmt::Display) -> Self {
        Error::OutOfRange {
            name: name.into(),
            allowed: allowed.into(),
            got: got.to_string(),
        }
    }

    /// Stable code for `err.code` on the JS side.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidType { .. } => "ERR_LEAKWATCH_INVALID_TYPE",
            Error::OutOfRange { .. } => "ERR_LEAKWATCH_OUT_OF_RANGE",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidType { name, expected } => write!(f, "{name} must be {expected}"),
            Error::OutOfRange { name, allowed, got } => {
                write!(f, "{name} must be {allowed} (got {got})")
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_value_and_the_allowed_range() {
        let e = Error::out_of_range("windowMs", "between 1000 and 86400000", 5);
        assert_eq!(
            e.to_string(),
            "windowMs must be between 1000 and 86400000 (got 5)"
        );
        assert_eq!(e.code(), "ERR_LEAKWATCH_OUT_OF_RANGE");
        let e = Error::invalid_type("timestamp", "a finite number");
        assert_eq!(e.to_string(), "timestamp must be a finite number");
    }
}
