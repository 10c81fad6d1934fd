//! Report: turns diagnostics into what the user reads: human (miette), JSON, SARIF, GitHub.

mod github;
mod human;
mod json;
mod sarif;

pub use human::render_human;

use crate::diagnostic::{Diagnostic, Severity};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write;

/// Characters that act on a terminal, or reorder what it shows, instead of printing: the C0
/// controls, DEL, the C1 controls, and the bidirectional embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) of "Trojan Source".
pub fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with each [control](is_control) character except those in `keep` written as Rust writes
/// it in a string literal's escape, `\u{1b}`: visible, unambiguous, and never acted on by a
/// terminal, whatever `--color` says. Borrowed when there is nothing to escape.
pub fn escape_controls<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| is_control(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s, keep);
    Cow::Owned(out)
}

/// Appends `s` to `out`, escaped as [`escape_controls`] does.
pub fn push_escaped(out: &mut String, s: &str, keep: &[char]) {
    for c in s.chars() {
        if is_control(c) && !keep.contains(&c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// JSON text with the [control](is_control) characters serde leaves raw (DEL, C1, bidi
/// controls: JSON only requires U+0000–U+001F escaped) written as `\uXXXX` escapes. The JSON
/// means the same, and printing it on a terminal acts on nothing. These characters can only
/// occur inside JSON strings, where `\uXXXX` is always valid.
pub fn escape_json_controls(json: String) -> String {
    if !json.chars().any(is_control_in_json) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_control_in_json(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// The control characters serde_json writes raw. (U+0000–U+001F it escapes; the line breaks
/// and tabs outside strings are its own formatting.)
fn is_control_in_json(c: char) -> bool {
    is_control(c) && c > '\x1f'
}

/// A report format (the command line's `--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// Counts printed at the end of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rule files checked.
    pub files: usize,
    /// YAML files found that are not rule files (other manifests, test files, configs), and
    /// templates (Helm, Jinja) that are YAML only once rendered.
    pub skipped: usize,
    /// Of `skipped`, the templates (in JSON only when there are some).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_templates: usize,
    /// Of `skipped_templates`, those that render to rules (`PrometheusRule`, `groups:`).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_rule_templates: usize,
    /// Runbooks read (Markdown files under the runbook roots).
    pub runbooks: usize,
    /// Alertmanager configs read (0 or 1).
    pub alertmanager_configs: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    pub fn count(&mut self, diags: &[Diagnostic]) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
}

pub struct HumanOptions {
    pub color: bool,
    pub width: usize,
}

/// What a report says about a check (SARIF lists every check as a rule with its
/// documentation). The linter owns the checks; the report only prints them.
pub struct CheckDoc {
    pub id: &'static str,
    pub summary: &'static str,
    pub doc: String,
    pub default_severity: Severity,
    pub default_enabled: bool,
}

pub fn render(
    format: Format,
    diags: &[Diagnostic],
    summary: &Summary,
    human: &HumanOptions,
    checks: &[CheckDoc],
) -> String {
    match format {
        Format::Human => render_human(diags, summary, human),
        Format::Json => json::render(diags, summary),
        Format::Sarif => sarif::render(diags, checks),
        Format::Github => github::render(diags, summary),
    }
}
