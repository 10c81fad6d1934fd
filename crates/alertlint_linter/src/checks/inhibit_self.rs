//! ## What it does
//! Reports inhibit rules whose target matchers also match alerts their source matchers match:
//! the rule can inhibit its own source alerts.
//!
//! ## Why is this bad?
//! An alert that is both source and target can be silenced by another source alert of the
//! same `equal` group, so the alert meant to explain an outage may itself be suppressed. The
//! classic case is `source: severity="critical"`, `target: severity=~"warning|critical"`.
//! Alertmanager only partly guards against it, and the rule's intent is unclear to readers.
//!
//! ## Example
//! ```yaml
//! inhibit_rules:
//!   - source_matchers: [alertname="FraudModelDown"]
//!     target_matchers: [team="fraud-ml"]
//!     equal: [model]
//! ```
//!
//! ## Use instead
//! ```yaml
//!   - source_matchers: [alertname="FraudModelDown"]
//!     target_matchers: [team="fraud-ml", alertname!="FraudModelDown"]
//!     equal: [model]
//! ```

use super::{Category, Check, Context};
use crate::alertmanager::surely_matches;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "inhibit/self",
    summary: "an inhibit rule that can inhibit its own source",
    category: Category::Routing,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("inhibit_self.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    let alerts = ctx.routed_alerts();
    for rule in &am.inhibit_rules {
        let both: Vec<_> = alerts
            .iter()
            .filter(|a| {
                surely_matches(&rule.source, &a.labels) && surely_matches(&rule.target, &a.labels)
            })
            .collect();
        let Some(first) = both.first() else {
            continue;
        };
        let span = rule.target.first().map_or(rule.span, |m| m.span);
        let mut names: Vec<&str> = both.iter().map(|a| a.rule.name()).collect();
        names.dedup();
        out.push(
            Diagnostic::new(
                CHECK.id,
                &am.file,
                span,
                format!(
                    "this inhibit rule's target also matches its source alerts ({})",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_help("exclude the source from the target, e.g. with `alertname!=\"...\"`")
            .with_related(
                &first.file.source,
                first.rule.name_span(),
                "matches both the source and the target",
            ),
        );
    }
}
