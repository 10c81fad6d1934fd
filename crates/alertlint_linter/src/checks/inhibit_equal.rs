//! ## What it does
//! Reports inhibit rules of the Alertmanager config without `equal`.
//!
//! ## Why is this bad?
//! Without `equal`, a source alert anywhere suppresses every matching target everywhere: one
//! model down in staging silences the same alerts for every model, cluster and namespace in
//! production.
//!
//! ## Example
//! ```yaml
//! inhibit_rules:
//!   - source_matchers: [alertname="FraudModelDown"]
//!     target_matchers: [alertname="FraudModelLatencyP99High"]
//! ```
//!
//! ## Use instead
//! ```yaml
//!   - source_matchers: [alertname="FraudModelDown"]
//!     target_matchers: [alertname="FraudModelLatencyP99High"]
//!     equal: [model]
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "inhibit/equal",
    summary: "an inhibit rule without `equal`, which suppresses across every cluster",
    category: Category::Routing,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("inhibit_equal.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    for rule in &am.inhibit_rules {
        if rule.equal.as_ref().is_some_and(|e| !e.is_empty()) {
            continue;
        }
        let span = rule
            .equal_span
            .or_else(|| rule.source.first().map(|m| m.span))
            .unwrap_or(rule.span);
        out.push(
            Diagnostic::new(
                CHECK.id,
                &am.file,
                span,
                "this inhibit rule has no `equal`: a source alert anywhere suppresses every matching target everywhere",
            )
            .with_help("add `equal:` with the labels that scope it, such as [cluster, namespace] or [model]"),
        );
    }
}
