//! ## What it does
//! Routes each alert through the Alertmanager config (`--alertmanager` or `alertmanager:` in
//! `.alertlint.yaml`) by its static labels (group labels, rule labels and `alertname`) and
//! reports alerts that reach no route but the root, so only the default receiver gets them.
//!
//! ## Why is this bad?
//! The default receiver is a catch-all that nobody owns: an alert that falls through to it is
//! read by nobody, or by the wrong person at 3am. Usually a `team` label is missing or
//! misspelt, or a route for the team was never added.
//!
//! ## Example
//! ```yaml
//! # alertmanager.yml routes on team="fraud-ml"; the alert says `team: fraud`
//! - alert: FraudModelDown
//!   labels:
//!     severity: critical
//!     team: fraud
//! ```
//!
//! ## Use instead
//! ```yaml
//!   labels:
//!     severity: critical
//!     team: fraud-ml
//! ```

use super::{Category, Check, Context};
use crate::alertmanager::Routing;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "route/unrouted",
    summary: "an alert that only reaches the default receiver",
    category: Category::Routing,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("route_unrouted.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    for a in ctx.routed_alerts() {
        let Routing::Routes(matches) = &a.routing else {
            continue;
        };
        if !matches.iter().all(super::super::alertmanager::Matched::is_root) {
            continue;
        }
        let receiver = matches.first().map_or("", |m| m.receiver_name());
        let span = am.route.receiver.as_ref().map_or(am.route.span, |r| r.span);
        let labels: Vec<String> = a
            .labels
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        out.push(
            Diagnostic::new(
                CHECK.id,
                &a.file.source,
                a.rule.name_span(),
                format!(
                    "alert `{}` reaches only the default receiver `{receiver}`",
                    a.rule.name()
                ),
            )
            .with_label(format!("routed with {{{}}}", labels.join(", ")))
            .with_help(
                "give the alert the labels its team's route matches (usually `team`), or add a route for it",
            )
            .with_related(&am.file, span, "the root route's default receiver"),
        );
    }
}
