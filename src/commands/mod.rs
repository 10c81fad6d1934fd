//! One module per subcommand: each turns parsed arguments into an exit code.

pub(crate) mod backtest;
pub(crate) mod check;
pub(crate) mod explain;
pub(crate) mod route;
pub(crate) mod runbook;
pub(crate) mod simulate;
pub(crate) mod test;

use std::io::Write;

/// Exit codes shared by every subcommand.
pub(crate) const EXIT_OK: u8 = 0;
pub(crate) const EXIT_PROBLEMS: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;

/// Why a command could not do its work. Commands return it; `main` prints it, in one place
/// ([`CliError::print`]), and exits with code 2 whatever it is.
pub(crate) enum CliError {
    /// Bad arguments, a path that cannot be read or written: one line, `error: …`.
    Usage(String),
    /// Errors in a config file (`.alertlint.yaml`, `alertmanager.yml`), each at its line and
    /// column as `check` reports problems, then a closing line naming the files.
    Config {
        errors: Vec<alertlint_diagnostics::diagnostic::Diagnostic>,
        closing: String,
        color: crate::cli::Color,
    },
}

impl CliError {
    pub(crate) fn usage(message: impl std::fmt::Display) -> CliError {
        CliError::Usage(message.to_string())
    }

    /// Prints the error to standard error. Messages may quote a file name or a value from the
    /// input: never raw to the terminal.
    pub(crate) fn print(&self) {
        let escape =
            |m: &str| alertlint_diagnostics::report::escape_controls(m, &['\n']).into_owned();
        match self {
            CliError::Usage(message) => write_stderr(&format!("error: {}", escape(message))),
            CliError::Config {
                errors,
                closing,
                color,
            } => {
                check::print_config_errors(errors, *color);
                write_stderr(&format!("error: {}", escape(closing)));
            }
        }
    }
}

/// A runbook skeleton that could not be written: one line, as a usage error.
impl From<alertlint_linter::runbook::skeleton::WriteError> for CliError {
    fn from(e: alertlint_linter::runbook::skeleton::WriteError) -> Self {
        CliError::usage(e)
    }
}

/// Writes one line to standard error (warnings, notes, errors). A failure is ignored: with
/// standard error closed (`2>&-`) or its reader gone there is no one left to tell, and the
/// exit code still says how the run went (`eprintln!` would panic and exit with 101).
pub(crate) fn write_stderr(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
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
        write_stderr(&format!("error: cannot write to standard output: {e}"));
        std::process::exit(EXIT_USAGE.into());
    }
}

/// Columns padded to their widest cell, two spaces apart.
pub(crate) fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Findings of some rule files as `check` prints them, after a command's own report
/// (`backtest`, `simulate`): `files` is how many rule files they were found in.
pub(crate) fn render_findings(
    diags: &[alertlint_diagnostics::diagnostic::Diagnostic],
    files: usize,
    color: crate::cli::Color,
) -> String {
    let mut summary = alertlint_diagnostics::report::Summary {
        files,
        ..alertlint_diagnostics::report::Summary::default()
    };
    summary.count(diags);
    alertlint_diagnostics::report::render_human(diags, &summary, &check::human_options(color))
}

/// Whether findings fail the run under `--fail-on`: one at or above its level.
pub(crate) fn fails_on(
    fail_on: crate::cli::FailOn,
    diags: &[alertlint_diagnostics::diagnostic::Diagnostic],
) -> bool {
    use alertlint_diagnostics::diagnostic::Severity;
    let threshold = match fail_on {
        crate::cli::FailOn::Error => Severity::Error,
        crate::cli::FailOn::Warning => Severity::Warning,
        crate::cli::FailOn::Info => Severity::Info,
        crate::cli::FailOn::Never => return false,
    };
    diags.iter().any(|d| d.severity >= threshold)
}
