//! The message-and-hints form of an error and the exit codes git users expect.
//!
//! The library returns `anyhow::Result`; what the user's input or the repository's state
//! got wrong is a typed error of the module that found it, and `errors/` turns it into a
//! [`Failure`]: the `error:` line, the `hint:` lines (which name commands and flags) and
//! the exit code. The command line's own refusals are `Failure`s from the start. Anything
//! else is an internal or environment failure and exits 128 like git's `fatal:`.

use std::fmt;

/// Exit code: something was found (violations, overlaps, a stopped merge).
pub const EXIT_FOUND: i32 = 1;
/// Exit code: bad input or usage.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: fatal (not a repository, corrupt state), as git uses it.
pub const EXIT_FATAL: i32 = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: i32,
    pub message: String,
    pub hints: Vec<String>,
}

impl Failure {
    /// Bad input: exit 2, nothing changed.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// The repository or the environment is in a state we cannot work with: exit 128.
    pub fn fatal(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_FATAL,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// Something was found and reported already (used by commands that stop with exit 1).
    pub fn found(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_FOUND,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// `return Err(Failure::usage(..).into())` in one word.
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => { return Err($crate::cli::failure::Failure::usage(format!($($arg)*)).into()) };
}
