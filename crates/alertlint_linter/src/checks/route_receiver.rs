//! ## What it does
//! Checks the receivers of the Alertmanager config: a route names a receiver that is not
//! defined, a receiver is defined but no route uses it, or a receiver has no integration
//! (no `pagerduty_configs`, `slack_configs`, `email_configs`, `webhook_configs`, …).
//!
//! ## Why is this bad?
//! Alertmanager refuses to load a config with an undefined receiver, so the change never takes
//! effect. An unused receiver is dead configuration that reviewers still read and trust. A
//! receiver without integrations silently drops every alert routed to it.
//!
//! ## Example
//! ```yaml
//! route:
//!   receiver: default
//!   routes:
//!     - matchers: [team="fraud-ml"]
//!       receiver: fraud-ml-pagerduty     # defined as fraud-ml-pager
//! receivers:
//!   - name: default
//!   - name: fraud-ml-pager
//!     pagerduty_configs: [{routing_key: "..."}]
//! ```
//!
//! ## Use instead
//! ```yaml
//!       receiver: fraud-ml-pager
//! receivers:
//!   - name: default
//!     slack_configs: [{channel: "#alerts-unrouted"}]
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use std::collections::HashSet;

/// How many receiver names may be compared, in all, to suggest a likely one for undefined
/// receivers: each comparison is an edit distance, and 100,000 undefined receivers against
/// 100,000 defined ones would take hours. Suggestions stop once it is spent.
const SUGGESTION_BUDGET: usize = 1_000_000;

pub(super) const CHECK: Check = Check {
    id: "route/receiver",
    summary: "an undefined, unused or empty Alertmanager receiver",
    category: Category::Routing,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("route_receiver.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    let names: Vec<&str> = am.receivers.iter().map(|r| r.name.value.as_str()).collect();
    let defined: HashSet<&str> = names.iter().copied().collect();
    let mut used = Vec::new();
    am.route.walk(&mut Vec::new(), &mut |_, route| {
        if let Some(r) = &route.receiver {
            used.push(r);
        }
    });
    let mut budget = SUGGESTION_BUDGET;
    for r in &used {
        if !defined.contains(r.value.as_str()) {
            let hint = if budget >= names.len() {
                budget -= names.len();
                crate::suggest::closest(&r.value, &names)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &am.file,
                    r.span,
                    format!("receiver `{}` is not defined", r.value),
                )
                .with_help(format!(
                    "{hint}Alertmanager refuses a config that routes to an undefined receiver"
                )),
            );
        }
    }
    let used: HashSet<&str> = used.iter().map(|u| u.value.as_str()).collect();
    for rcv in &am.receivers {
        if !used.contains(rcv.name.value.as_str()) {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &am.file,
                    rcv.name.span,
                    format!(
                        "receiver `{}` is defined but no route uses it",
                        rcv.name.value
                    ),
                )
                .with_help("remove it, or add the route that was meant to use it"),
            );
        }
        if rcv.integrations.is_empty() {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &am.file,
                    rcv.name.span,
                    format!(
                        "receiver `{}` has no integrations: alerts routed to it are dropped",
                        rcv.name.value
                    ),
                )
                .with_help(
                    "add a `*_configs` entry; if dropping is intended, turn `route/receiver` off for this file in .alertlint.yaml `overrides`",
                ),
            );
        }
    }
}
