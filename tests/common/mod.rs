//! Helpers shared by the snapshot suites.

use alertlint::diagnostic::Diagnostic;
use alertlint::report::{HumanOptions, Summary, render_human};

/// Diagnostics as `alertlint check` prints them for one file, without colours, at a fixed width
/// so snapshots do not depend on the terminal.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut summary = Summary {
        files: 1,
        ..Summary::default()
    };
    summary.count(diags);
    render_human(
        diags,
        &summary,
        &HumanOptions {
            color: false,
            width: 100,
        },
    )
}
