//! SARIF 2.1.0, as GitHub code scanning reads it: one run, the checks as rules with their
//! documentation, results with physical locations relative to the repository root.

use crate::checks::CHECKS;
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
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": file.display_path(), "uriBaseId": "%SRCROOT%"},
            "region": region(file, span),
        }
    })
}

pub fn render(diags: &[Diagnostic]) -> String {
    let rules: Vec<Value> = CHECKS
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.id.replace(['/', '-'], "_"),
                "shortDescription": {"text": c.summary},
                "fullDescription": {"text": c.summary},
                "help": {"text": c.doc(), "markdown": c.doc()},
                "defaultConfiguration": {"level": level(c.default_severity), "enabled": c.default_enabled},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let rule_index = CHECKS.iter().position(|c| c.id == d.check);
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
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///"}},
            "results": results,
        }],
    });
    let mut s = super::escape_json_controls(serde_json::to_string_pretty(&doc).unwrap_or_default());
    s.push('\n');
    s
}
