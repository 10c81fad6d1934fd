//! SARIF 2.1.0, as GitHub code scanning reads it: one run, the checks as rules with their
//! documentation, results with physical locations relative to the repository root.

use super::CheckDoc;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::collections::BTreeMap;

// The SARIF 2.1.0 objects alertlint writes, typed. Fields are declared in the alphabetical
// order of their JSON names, the order serde_json gave the untyped document this replaced, so
// the output is unchanged.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    results: Vec<SarifResult<'a>>,
    tool: Tool<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Rule<'a>>,
    version: &'static str,
}

/// A check, as SARIF's `reportingDescriptor`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    default_configuration: Configuration,
    full_description: Text<'a>,
    help: Help<'a>,
    id: &'a str,
    name: String,
    short_description: Text<'a>,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    markdown: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: [ResultLocation<'a>; 1],
    message: OwnedText,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<ResultLocation<'a>>,
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(file: &SourceFile, span: Span) -> Region {
    let s = file.line_col(span.start);
    let e = file.line_col(span.end.max(span.start));
    Region {
        start_line: s.line,
        start_column: s.col,
        end_line: e.line,
        end_column: if e == s { s.col + 1 } else { e.col },
    }
}

fn physical(file: &SourceFile, span: Span) -> PhysicalLocation {
    let path = file.display_path();
    // A path under the working directory is relative to %SRCROOT% (the repository root when
    // run from it, as in CI); any other is an absolute file URI of its own.
    let artifact_location = if std::path::Path::new(&path).is_absolute() {
        ArtifactLocation {
            uri: file_uri(&path, false),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: uri_escape(&path),
            uri_base_id: Some(SRC_ROOT),
        }
    };
    PhysicalLocation {
        artifact_location,
        region: region(file, span),
    }
}

const SRC_ROOT: &str = "%SRCROOT%";

/// `path` as a `file://` URI (SARIF requires the base of relative URIs to be absolute and to
/// end with `/`).
fn file_uri(path: &str, dir: bool) -> String {
    let mut uri = format!("file://{}", uri_escape(path));
    if dir && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// What a URI path keeps as written (RFC 3986's unreserved characters and `/`); everything
/// else is percent-encoded.
const URI_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

fn uri_escape(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, URI_PATH).to_string()
}

pub(super) fn render(diags: &[Diagnostic], checks: &[CheckDoc]) -> String {
    // Relative paths are shown relative to the working directory.
    let src_root = std::env::current_dir().map_or_else(
        |_| "file:///".to_string(),
        |d| file_uri(&d.to_string_lossy(), true),
    );
    let rules = checks
        .iter()
        .map(|c| Rule {
            id: c.id,
            name: c.id.replace(['/', '-'], "_"),
            short_description: Text { text: c.summary },
            full_description: Text { text: c.summary },
            help: Help {
                text: &c.doc,
                markdown: &c.doc,
            },
            default_configuration: Configuration {
                level: level(c.default_severity),
                enabled: c.default_enabled,
            },
        })
        .collect();
    let results = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            SarifResult {
                rule_id: d.check,
                rule_index: checks.iter().position(|c| c.id == d.check),
                level: level(d.severity),
                message: OwnedText { text },
                locations: [ResultLocation {
                    id: None,
                    message: None,
                    physical_location: physical(&d.file, d.span),
                }],
                related_locations: d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| ResultLocation {
                        id: Some(i),
                        message: Some(Text { text: &r.message }),
                        physical_location: physical(&r.file, r.span),
                    })
                    .collect(),
            }
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "alertlint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/alertlint/alertlint",
                    rules,
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRC_ROOT,
                ArtifactLocation {
                    uri: src_root,
                    uri_base_id: None,
                },
            )]),
            results,
        }],
    };
    let mut s = super::escape_json_controls(serde_json::to_string_pretty(&log).unwrap_or_default());
    s.push('\n');
    s
}
