//! One module per subcommand: each turns parsed arguments into an exit code.

pub mod check;
pub mod explain;
pub mod route;
pub mod runbook;
pub mod test;

use std::process::ExitCode;

/// Exit codes shared by every subcommand.
pub const EXIT_OK: u8 = 0;
pub const EXIT_PROBLEMS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    // The message may quote a file name or a value from the input: never raw to the terminal.
    let message = message.to_string();
    eprintln!(
        "error: {}",
        crate::report::escape_controls(&message, &['\n'])
    );
    ExitCode::from(EXIT_USAGE)
}
