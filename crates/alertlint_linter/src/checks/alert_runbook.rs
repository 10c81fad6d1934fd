//! ## What it does
//! Reports alerts without a `runbook_url` annotation (the name is configurable as
//! `policy.runbook_annotation`), or with an empty one.
//!
//! ## Why is this bad?
//! "Never deploy an alert without a corresponding runbook." The engineer paged at 3am did not
//! write the alert; the runbook is how they learn what it means, how to confirm it and what to
//! do. Without the link they start from a blank page while the incident runs.
//!
//! ## Example
//! ```yaml
//! - alert: FraudModelLatencyHigh
//!   expr: histogram_quantile(0.99, sum by (le) (rate(fraud_score_seconds_bucket[5m]))) > 0.25
//!   annotations:
//!     summary: Fraud model p99 latency above SLO
//! ```
//!
//! ## Use instead
//! ```yaml
//!   annotations:
//!     summary: Fraud model p99 latency above SLO
//!     runbook_url: https://runbooks.example.com/fraud/FraudModelLatencyHigh.md
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "alert/runbook",
    summary: "an alert without a runbook link",
    category: Category::Policy,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("alert_runbook.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for &((file, _, rule), policy) in ctx.alerts_with_policy() {
        let key = &policy.runbook_annotation;
        match rule.annotation(key) {
            Some(p) if !p.value.value.trim().is_empty() => {}
            Some(p) => out.push(
                Diagnostic::new(CHECK.id, &file.source, p.value.span, format!("`{key}` is empty"))
                    .with_help("link the runbook that tells the on-call engineer what to do"),
            ),
            None => out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    rule.name_span(),
                    format!("alert `{}` has no `{key}` annotation", rule.name()),
                )
                .with_help(format!(
                    "add `{key}: <link to the runbook>` under `annotations:`; whoever is paged needs to know what to do"
                )),
            ),
        }
    }
}
