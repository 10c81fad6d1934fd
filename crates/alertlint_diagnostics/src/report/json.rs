//! The JSON report. Its schema is stable (see the README): fields are only ever added.

use super::Summary;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};
use serde_json::{Value, json};

pub(super) const SCHEMA_VERSION: u32 = 1;

fn location(file: &SourceFile, span: Span) -> Value {
    let s = file.line_col(span.start);
    let e = file.line_col(span.end);
    json!({
        "file": file.display_path(),
        "start": {"line": s.line, "column": s.col, "offset": span.start},
        "end": {"line": e.line, "column": e.col, "offset": span.end},
    })
}

pub(super) fn diagnostic_json(d: &Diagnostic) -> Value {
    json!({
        "check": d.check,
        "severity": d.severity,
        "message": d.message,
        "label": d.label,
        "help": d.help,
        "location": location(&d.file, d.span),
        "related": d.related.iter().map(|r| json!({
            "message": r.message,
            "location": location(&r.file, r.span),
        })).collect::<Vec<_>>(),
    })
}

pub(super) fn render(diags: &[Diagnostic], summary: &Summary) -> String {
    let doc = json!({
        "version": SCHEMA_VERSION,
        "tool": {"name": "alertlint", "version": env!("CARGO_PKG_VERSION")},
        "summary": summary,
        "diagnostics": diags.iter().map(diagnostic_json).collect::<Vec<_>>(),
    });
    let mut s = super::escape_json_controls(serde_json::to_string_pretty(&doc).unwrap_or_default());
    s.push('\n');
    s
}
