//! ## What it does
//! Reports expressions that are not valid PromQL: syntax errors, unknown functions, and type
//! errors such as `rate()` over an instant vector, each at the token where Prometheus' parser
//! fails. Where the parser can go on after an error (in the next argument or matcher), every
//! error is reported. Experimental syntax that Prometheus accepts only behind a feature flag
//! is `promql/experimental`'s.
//!
//! ## Why is this bad?
//! Prometheus rejects the whole rule file, so every rule in it stops being evaluated after the
//! next reload, not only the broken one.
//!
//! ## Example
//! ```yaml
//! - alert: HighErrorRate
//!   expr: sum(rate(http_errors_total[5m]) by (job) > 0.05
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: HighErrorRate
//!   expr: sum(rate(http_errors_total[5m])) by (job) > 0.05
//! ```

use super::{Category, Check, Context, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "promql/syntax",
    summary: "an expression that is not valid PromQL",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("promql_syntax.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let Some(Err(errors)) = &rule.promql else {
            continue;
        };
        for e in errors {
            out.push(error_at(CHECK.id, "invalid", file, rule, e));
        }
    }
}

/// A PromQL error of `rule`'s expression at its token: "<what> PromQL in `name`: message",
/// labelled with the message (`promql/syntax`, `promql/experimental`).
pub(super) fn error_at(
    check: &'static str,
    what: &str,
    file: &crate::model::RuleFile,
    rule: &crate::model::Rule,
    e: &promql::SyntaxError,
) -> Diagnostic {
    let span = rule.expr.as_ref().map_or(rule.span, |expr| {
        expr.sub_span(&file.source, e.span.start, e.span.end)
    });
    Diagnostic::new(
        check,
        &file.source,
        span,
        format!("{what} PromQL in `{}`: {}", rule.name(), e.message),
    )
    .with_label(e.message.clone())
}
