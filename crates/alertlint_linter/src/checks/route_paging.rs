//! ## What it does
//! Checks that each alert pages as the on-call policy says: alerts of a tier with
//! `pages: true` (by default `critical`) must reach a receiver with a paging integration
//! (PagerDuty, Opsgenie, VictorOps; see `alertmanager.paging_integrations`), alerts of a tier
//! with `pages: false` (by default `info`) must not. `warning` alerts may do either unless the
//! policy or `alertmanager.warning_pages` says otherwise.
//!
//! ## Why is this bad?
//! A critical alert that only posts to Slack is seen hours late; an info alert that pages
//! wakes someone for nothing, and teaches on-call to ignore pages.
//!
//! ## Example
//! ```yaml
//! # alertmanager.yml: critical alerts of fraud-ml go to Slack only
//! - matchers: [team="fraud-ml"]
//!   receiver: fraud-ml-slack
//! ```
//!
//! ## Use instead
//! ```yaml
//! - matchers: [team="fraud-ml"]
//!   receiver: fraud-ml-slack
//!   routes:
//!     - matchers: [severity="critical"]
//!       receiver: fraud-ml-pager        # pagerduty_configs
//! ```

use super::{Category, Check, Context};
use crate::alertmanager::{Routing, tier_pages};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "route/paging",
    summary: "an alert that pages against the policy, or does not page when it must",
    category: Category::Routing,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("route_paging.rs"),
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
        let Some(severity) = a.labels.labels.get(&a.policy.severity_label) else {
            continue;
        };
        let Some(must_page) = tier_pages(a.policy, &am.settings, severity) else {
            continue;
        };
        let paging: Vec<_> = matches
            .iter()
            .filter(|m| am.pages(m.receiver_name()))
            .collect();
        let names: Vec<&str> = matches.iter().map(super::super::alertmanager::Matched::receiver_name).collect();
        if must_page && paging.is_empty() {
            let mut d = Diagnostic::new(
                CHECK.id,
                &a.file.source,
                a.rule.name_span(),
                format!(
                    "`{severity}` alert `{}` pages nobody: it reaches {}",
                    a.rule.name(),
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_help(format!(
                "route `{severity}` alerts to a receiver with a paging integration ({})",
                am.settings.paging_integrations.join(", ")
            ));
            for m in matches {
                d = d.with_related(
                    &am.file,
                    m.span(),
                    format!("`{}` does not page", m.receiver_name()),
                );
            }
            out.push(d);
        } else if !must_page && !paging.is_empty() {
            let mut d = Diagnostic::new(
                CHECK.id,
                &a.file.source,
                a.rule.name_span(),
                format!(
                    "`{severity}` alert `{}` pages, but `{severity}` alerts must not",
                    a.rule.name()
                ),
            )
            .with_help(format!(
                "route `{severity}` alerts to a non-paging receiver (a chat channel, email, a ticket)"
            ));
            for m in paging {
                let kinds: Vec<String> = am
                    .paging_integrations(m.receiver_name())
                    .iter()
                    .map(|i| i.kind.clone())
                    .collect();
                d = d.with_related(
                    &am.file,
                    m.span(),
                    format!("`{}` pages via {}", m.receiver_name(), kinds.join(", ")),
                );
            }
            out.push(d);
        }
    }
}
