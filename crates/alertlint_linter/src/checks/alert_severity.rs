//! ## What it does
//! Reports alerts without a `severity` label, or whose severity is not one of the configured
//! tiers (by default `critical`, `warning`, `info`; see `policy.tiers`).
//!
//! ## Why is this bad?
//! Alertmanager routes on severity: it decides whether an alert wakes someone up or waits in a
//! channel. An alert without one, or with a tier nobody routes (`page`, `high`, `Critical`),
//! falls through to the default receiver, which is usually where alerts go unread.
//!
//! ## Example
//! ```yaml
//! - alert: FeatureStoreStale
//!   expr: time() - feature_store_last_update_timestamp_seconds > 900
//!   labels:
//!     severity: high
//! ```
//!
//! ## Use instead
//! ```yaml
//!   labels:
//!     severity: critical
//! ```

use super::{Category, Check, Context, is_templated};
use crate::suggest::closest;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "alert/severity",
    summary: "an alert without a severity from the configured tiers",
    category: Category::Policy,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("alert_severity.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for &((file, group, rule), policy) in ctx.alerts_with_policy() {
        let label = &policy.severity_label;
        // Listed for messages only.
        let tier_names = || -> Vec<&str> { policy.tiers.iter().map(|t| t.name.as_str()).collect() };
        // A group label applies to every rule of the group.
        let pair = rule.effective_label(group, label);
        let Some(pair) = pair else {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    rule.name_span(),
                    format!("alert `{}` has no `{label}` label", rule.name()),
                )
                .with_help(format!(
                    "add `{label}: <{}>` under `labels:`",
                    tier_names().join("|")
                )),
            );
            continue;
        };
        let value = pair.value.value.as_str();
        if is_templated(value) {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    pair.value.span,
                    format!("`{label}` is a template, so its routing cannot be checked"),
                )
                .with_help("split the alert into one rule per severity with a literal value each"),
            );
        } else if policy.tier(value).is_none() {
            let tiers = tier_names();
            let hint = closest(&value.to_lowercase(), &tiers)
                .map(|t| format!("did you mean `{t}`? "))
                .unwrap_or_default();
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    pair.value.span,
                    format!("`{label}: {value}` is not a configured severity tier"),
                )
                .with_label(format!("expected one of {}", tiers.join(", ")))
                .with_help(format!(
                    "{hint}tiers are set in `.alertlint.yaml` under `policy.tiers`"
                )),
            );
        }
    }
}
