//! ## What it does
//! Reports rules without an `expr`, or with an empty one.
//!
//! ## Why is this bad?
//! Prometheus rejects the rule file: there is nothing to evaluate.
//!
//! ## Example
//! ```yaml
//! - alert: ApiDown
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

pub(super) const CHECK: Check = Check {
    id: "rule/expr",
    summary: "a rule without an `expr`",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("rule_expr.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let span = match &rule.expr {
            Some(e) if e.value.trim().is_empty() => e.span,
            Some(_) => continue,
            None => rule.name_span(),
        };
        out.push(
            Diagnostic::new(CHECK.id, &file.source, span, "rule has no `expr`")
                .with_help("add the PromQL expression the rule evaluates: `expr: ...`"),
        );
    }
}
