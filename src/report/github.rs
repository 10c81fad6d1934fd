//! GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.

use super::Summary;
use super::human::summary_line;
use crate::diagnostic::{Diagnostic, Severity};

/// Escapes a message as GitHub's workflow command parser expects.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(diags: &[Diagnostic], summary: &Summary) -> String {
    let mut out = String::new();
    for d in diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let s = d.start();
        let e = d.end();
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&d.file.display_path()),
            s.line,
            s.col,
            e.line,
            e.col,
            escape_property(&format!("alertlint {}", d.check)),
            escape_data(&message)
        ));
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}
