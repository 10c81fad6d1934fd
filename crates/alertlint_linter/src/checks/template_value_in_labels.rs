//! ## What it does
//! Reports an alerting rule whose `labels:` print the alert's value (`{{ $value }}`,
//! `{{ $value | humanize }}`, `{{ printf "%.2f" .Value }}`). Using the value in a condition
//! (`{{ if gt $value 100.0 }}critical{{ else }}warning{{ end }}`) is not reported: the label
//! then changes only when the value crosses the threshold.
//!
//! ## Why is this bad?
//! Labels are the alert's identity. A label that prints the value is different at nearly every
//! evaluation, so Prometheus ends the old alert and starts a new one each time: the alert never
//! stays firing long enough to pass its `for:`, or Alertmanager receives a new alert (and a new
//! notification) every evaluation interval, and silences written for the old labels no longer
//! match.
//!
//! ## Example
//! ```yaml
//! - alert: DiskAlmostFull
//!   expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
//!   labels:
//!     severity: critical
//!     free: "{{ $value | humanizePercentage }}"
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: DiskAlmostFull
//!   expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
//!   labels:
//!     severity: critical
//!   annotations:
//!     summary: "Disk {{ $labels.mountpoint }} has {{ $value | humanizePercentage }} free"
//! ```

use super::{Category, Check, Context, alerts};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const CHECK: Check = Check {
    id: "template/value-in-labels",
    summary: "an alert label that prints the value, making a new alert at every evaluation",
    category: Category::Semantics,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("template_value_in_labels.rs"),
    run: Some(run),
};

/// The value, as templates name it.
static VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$value\b|(?:^|[\s(|])\.Value\b").expect("static regex"));

/// Words that start an action printing nothing (control flow, definitions).
const CONTROL: &[&str] = &[
    "if", "else", "end", "with", "range", "define", "template", "block", "break", "continue",
    "/*",
];

/// Whether an action prints its result: not control flow, not a comment, not an assignment
/// (`$x := $value`).
fn prints(action: &str) -> bool {
    let body = action.trim();
    let first = body.split_whitespace().next().unwrap_or("");
    if CONTROL.contains(&first) || body.starts_with("/*") {
        return false;
    }
    // `:=` and `=` both start with `=` once the `:` is dropped.
    let assigns = body[first.len()..]
        .trim_start()
        .trim_start_matches(':')
        .starts_with('=');
    !(first.starts_with('$') && assigns)
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in alerts(ctx) {
        for pair in &rule.labels {
            let text = &pair.value.value;
            if !text.contains("{{") {
                continue;
            }
            for action in prometheus_template::action_spans(text) {
                // Inside the delimiters and their trim markers.
                let inner = &text[action.start + 2..action.end - 2];
                let body = inner.strip_prefix('-').unwrap_or(inner);
                let body = body.strip_suffix('-').unwrap_or(body);
                let body_start = action.start + 2 + usize::from(inner.starts_with('-'));
                if !prints(body) {
                    continue;
                }
                let Some(m) = VALUE.find(body) else {
                    continue;
                };
                // The reference itself, without the blank or bracket the pattern starts at.
                let found = m.as_str();
                let skip = found.len() - found.trim_start_matches([' ', '\t', '\n', '(', '|']).len();
                let start = body_start + m.start() + skip;
                let end = body_start + m.end();
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        &file.source,
                        pair.value.sub_span(&file.source, start, end),
                        format!(
                            "label `{}` of `{}` prints the value: every evaluation makes a new alert",
                            pair.key.value,
                            rule.name()
                        ),
                    )
                    .with_label("changes at every evaluation")
                    .with_help(
                        "labels identify the alert: show the value in an annotation instead",
                    ),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::prints;

    #[test]
    fn only_actions_that_print_count() {
        assert!(prints(" $value "));
        assert!(prints(" $value | humanize "));
        assert!(prints(" printf \"%.2f\" .Value "));
        assert!(!prints(" if gt $value 2.0 "));
        assert!(!prints(" else if lt $value 1.0 "));
        assert!(!prints(" $v := $value "));
        assert!(!prints(" $v = $value "));
        assert!(!prints("/* $value */"));
        assert!(!prints(" with $value "));
    }
}
