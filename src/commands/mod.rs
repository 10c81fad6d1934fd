//! One module per subcommand: each turns parsed arguments into an exit code.

pub(crate) mod check;
pub(crate) mod explain;
pub(crate) mod route;
pub(crate) mod runbook;
pub(crate) mod test;

use std::io::Write;
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

/// Writes `text` to standard output: every report and listing goes out here, through the locked
/// handle, whole. A reader that stops reading (`alertlint check big/ | head -1`, a broken pipe)
/// ends the process at once, quietly, with exit code 0, as ripgrep does: no one is left to read
/// anything more (`print!` would panic and exit with 101). Any other write error ends it with
/// exit code 2 and a message.
pub(crate) fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(EXIT_OK.into());
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(EXIT_USAGE.into());
    }
}
