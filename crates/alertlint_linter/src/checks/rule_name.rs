//! ## What it does
//! Reports recording rule names that are not valid metric names, including names with braces
//! (a selector pasted into `record:`).
//!
//! ## Why is this bad?
//! The recording rule's name becomes the name of the series it writes. Prometheus rejects
//! invalid names; a name like `job:errors:rate5m{job="api"}` shows a selector that belongs in
//! `expr`.
//!
//! ## Example
//! ```yaml
//! - record: job:http_errors:rate5m{job="api"}
//!   expr: sum by (job) (rate(http_errors_total[5m]))
//! ```
//!
//! ## Use instead
//! ```yaml
//! - record: job:http_errors:rate5m
//!   expr: sum by (job) (rate(http_errors_total{job="api"}[5m]))
//! ```

use super::{Category, Check, Context, is_valid_metric_name, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "rule/name",
    summary: "a recording rule name that is not a valid metric name",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("rule_name.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let Some(record) = rule.record.as_ref().filter(|r| !r.value.is_empty()) else {
            continue;
        };
        let name = &record.value;
        if name.contains('{') || name.contains('}') {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    record.span,
                    format!("recording rule name `{name}` contains braces"),
                )
                .with_help("move the label matchers into `expr`; the name is only the metric name"),
            );
        } else if !is_valid_metric_name(name) {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    record.span,
                    format!("invalid recording rule name `{name}`"),
                )
                .with_help("metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, by convention level:metric:operations"),
            );
        }
    }
}
