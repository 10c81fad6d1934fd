//! ## What it does
//! Reports rules that set both `alert` and `record`, or neither.
//!
//! ## Why is this bad?
//! A rule is either an alerting rule or a recording rule; Prometheus rejects anything else.
//! A rule with neither is usually a rule whose `alert:` line was lost in a merge.
//!
//! ## Example
//! ```yaml
//! - expr: up{job="api"} == 0
//!   for: 5m
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//!   for: 5m
//! ```

use super::{Category, Check, Context, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use alertlint_diagnostics::source::Span;

pub(super) const CHECK: Check = Check {
    id: "rule/kind",
    summary: "a rule must set exactly one of `alert` and `record`",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("rule_kind.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let alert = rule.alert.as_ref().filter(|a| !a.value.is_empty());
        let record = rule.record.as_ref().filter(|r| !r.value.is_empty());
        match (alert, record) {
            (Some(a), Some(r)) => out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    r.span,
                    "only one of `record` and `alert` may be set",
                )
                .with_related(&file.source, a.span, "`alert` is set here")
                .with_help("split this into a recording rule and an alerting rule"),
            ),
            (None, None) => out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    Span::new(rule.span.start, rule.span.start + 1),
                    "one of `record` or `alert` must be set",
                )
                .with_help("name the rule with `alert: <AlertName>` or `record: <metric:name>`"),
            ),
            _ => {}
        }
    }
}
