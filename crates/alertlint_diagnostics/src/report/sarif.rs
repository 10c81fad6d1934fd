//! SARIF 2.1.0, as GitHub code scanning reads it: one run, the checks as rules with their
//! documentation, results with physical locations relative to the repository root.

use super::CheckDoc;
use crate::diagnostic::{Diagnostic, Severity};
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(file: &crate::source::SourceFile, span: crate::source::Span) -> Value {
    let s = file.line_col(span.start);
    let e = file.line_col(span.end.max(span.start));
    json!({
        "startLine": s.line,
        "startColumn": s.col,
        "endLine": e.line,
        "endColumn": if e == s { s.col + 1 } else { e.col },
    })
}

fn physical(file: &crate::source::SourceFile, span: crate::source::Span) -> Value {
    let path = file.display_path();
    // A path under the working directory is relative to %SRCROOT% (the repository root when
    // run from it, as in CI); any other is an absolute file URI of its own.
    let location = if std::path::Path::new(&path).is_absolute() {
        json!({"uri": file_uri(&path, false)})
    } else {
        json!({"uri": uri_escape(&path), "uriBaseId": "%SRCROOT%"})
    };
    json!({
        "physicalLocation": {
            "artifactLocation": location,
            "region": region(file, span),
        }
    })
}

/// `path` as a `file://` URI (SARIF requires the base of relative URIs to be absolute and to
/// end with `/`).
fn file_uri(path: &str, dir: bool) -> String {
    let mut uri = format!("file://{}", uri_escape(path));
    if dir && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Percent-encodes what may not appear in a URI path (RFC 3986: unreserved characters and `/`
/// stay). Hand-written for these few lines; the `url` crate would bring IDNA tables with it.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn render(diags: &[Diagnostic], checks: &[CheckDoc]) -> String {
    // Relative paths are shown relative to the working directory.
    let src_root = std::env::current_dir().map_or_else(
        |_| "file:///".to_string(),
        |d| file_uri(&d.to_string_lossy(), true),
    );
    let rules: Vec<Value> = checks
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.id.replace(['/', '-'], "_"),
                "shortDescription": {"text": c.summary},
                "fullDescription": {"text": c.summary},
                "help": {"text": c.doc, "markdown": c.doc},
                "defaultConfiguration": {"level": level(c.default_severity), "enabled": c.default_enabled},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let rule_index = checks.iter().position(|c| c.id == d.check);
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            let mut result = json!({
                "ruleId": d.check,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [physical(&d.file, d.span)],
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            if !d.related.is_empty() {
                result["relatedLocations"] = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut loc = physical(&r.file, r.span);
                        loc["id"] = json!(i);
                        loc["message"] = json!({"text": r.message});
                        loc
                    })
                    .collect();
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "alertlint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/alertlint/alertlint",
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": src_root}},
            "results": results,
        }],
    });
    let mut s = super::escape_json_controls(serde_json::to_string_pretty(&doc).unwrap_or_default());
    s.push('\n');
    s
}
