//! ## What it does
//! Reports `for`, `keep_firing_for` or `annotations` on a recording rule.
//!
//! ## Why is this bad?
//! Those fields only mean something for alerts; Prometheus rejects a recording rule that has
//! them. It usually means the rule was meant to be an alert and says `record:` by mistake.
//!
//! ## Example
//! ```yaml
//! - record: job:errors:ratio5m
//!   expr: sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))
//!   for: 5m
//! ```
//!
//! ## Use instead
//! ```yaml
//! - record: job:errors:ratio5m
//!   expr: sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))
//! ```

use super::{Category, Check, Context, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use prometheus_time::duration::parse_duration;

pub(super) const CHECK: Check = Check {
    id: "rule/recording-fields",
    summary: "`for`, `keep_firing_for` or `annotations` on a recording rule",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("rule_recording_fields.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let Some(record) = rule.record.as_ref().filter(|r| !r.value.is_empty()) else {
            continue;
        };
        // Prometheus objects to a non-zero duration only: `for: 0s` is accepted.
        let nonzero = |d: &Option<crate::model::Str>| {
            d.as_ref()
                .is_some_and(|d| parse_duration(&d.value) != Ok(0))
        };
        let mut report = |field: &str, span| {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    span,
                    format!(
                        "invalid field `{field}` in recording rule `{}`",
                        record.value
                    ),
                )
                .with_help("remove it, or make the rule an alert with `alert:`"),
            );
        };
        if nonzero(&rule.for_) {
            report("for", rule.for_.as_ref().map_or(record.span, |f| f.span));
        }
        if nonzero(&rule.keep_firing_for) {
            report(
                "keep_firing_for",
                rule.keep_firing_for
                    .as_ref()
                    .map_or(record.span, |f| f.span),
            );
        }
        if let Some(first) = rule.annotations.first() {
            report("annotations", first.key.span);
        }
    }
}
