//! GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.
//!
//! A command is one line, `::error file=…,line=…,title=…::message`. As GitHub documents
//! (and as the runner's parser decodes), the message escapes `%`, CR and LF (`%25`, `%0D`,
//! `%0A`) and property values also `:` and `,` (`%3A`, `%2C`), so that no text of a rule file
//! can end the command or start another (`::add-mask::`, `::stop-commands::`). The other control
//! characters (ESC, BEL, C1, bidi overrides), which the log viewer would act on, are written as
//! `\u{1b}` first, as in the human report.

use super::Summary;
use super::escape_controls;
use super::human::summary_line;
use crate::diagnostic::{Diagnostic, Severity};

/// Escapes a message as GitHub's workflow command parser expects: CR and LF percent-encoded
/// (they stay line breaks in the annotation), every other control character made visible.
fn escape_data(s: &str) -> String {
    escape_controls(s, &['\n', '\r'])
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): also `:` and `,`, which end a value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(super) fn render(diags: &[Diagnostic], summary: &Summary) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_escape_as_github_documents() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_data("a\nb"), "a%0Ab");
        assert_eq!(escape_data("::add-mask::x"), "::add-mask::x");
        assert_eq!(escape_property("dir,a:b%.yaml"), "dir%2Ca%3Ab%25.yaml");
        assert_eq!(escape_property("a\nb"), "a%0Ab");
        assert_eq!(escape_data("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(escape_data("\u{202e}abc"), "\\u{202e}abc");
    }
}
