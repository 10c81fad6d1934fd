//! One module per subcommand: each turns parsed arguments into an exit code.

pub(crate) mod check;
pub(crate) mod explain;
pub(crate) mod route;
pub(crate) mod runbook;
pub(crate) mod test;

use std::process::ExitCode;

/// Exit codes shared by every subcommand.
pub(crate) const EXIT_OK: u8 = 0;
pub(crate) const EXIT_PROBLEMS: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;

pub(crate) fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    // The message may quote a file name or a value from the input: never raw to the terminal.
    let message = message.to_string();
    eprintln!(
        "error: {}",
        alertlint_diagnostics::report::escape_controls(&message, &['\n'])
    );
    ExitCode::from(EXIT_USAGE)
}
