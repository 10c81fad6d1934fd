//! ## What it does
//! Reports alerts without a dashboard link annotation (`policy.dashboard_annotation`, by
//! default `dashboard_url`). Off by default: turn it on with `checks: {alert/dashboard: error}`,
//! or only for some alerts with an override (e.g. `labels: {severity: critical}`).
//!
//! ## Why is this bad?
//! The first thing on-call does after reading the alert is look at the graph. A link to the
//! right dashboard, already filtered, saves minutes of searching at the worst moment.
//!
//! ## Example
//! ```yaml
//!   annotations:
//!     summary: Fraud model p99 latency above SLO
//! ```
//!
//! ## Use instead
//! ```yaml
//!   annotations:
//!     summary: Fraud model p99 latency above SLO
//!     dashboard_url: https://grafana.example.com/d/fraud-serving?var-model={{ $labels.model }}
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "alert/dashboard",
    summary: "an alert without a dashboard link",
    category: Category::Policy,
    default_severity: Severity::Warning,
    default_enabled: false,
    source: include_str!("alert_dashboard.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for &((file, _, rule), policy) in ctx.alerts_with_policy() {
        let key = &policy.dashboard_annotation;
        if rule
            .annotation(key)
            .is_some_and(|p| !p.value.value.trim().is_empty())
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                CHECK.id,
                &file.source,
                rule.name_span(),
                format!("alert `{}` has no `{key}` annotation", rule.name()),
            )
            .with_help(format!(
                "add `{key}: <link to the dashboard>` under `annotations:`"
            )),
        );
    }
}
