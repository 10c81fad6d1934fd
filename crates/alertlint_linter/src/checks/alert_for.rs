//! ## What it does
//! Reports alerts whose `for:` is missing or shorter than their severity tier's minimum
//! (`policy.tiers.<tier>.min_for`, by default 1m for `critical` and `warning`), and alerts whose
//! `for:` is longer than `policy.max_for` (by default 1d).
//!
//! ## Why is this bad?
//! Without `for:` an alert fires on the first evaluation that matches: one slow scrape, one
//! restart, one blip pages someone, and on-call learns to ignore the alert. A very long `for:`
//! is the opposite mistake: Prometheus forgets pending alerts on restart, so an alert that must
//! stay true for days may never fire at all.
//!
//! ## Example
//! ```yaml
//! - alert: FraudModelErrorRateHigh
//!   expr: job:fraud_model_errors:ratio5m > 0.02
//!   labels:
//!     severity: critical
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: FraudModelErrorRateHigh
//!   expr: job:fraud_model_errors:ratio5m > 0.02
//!   for: 5m
//!   labels:
//!     severity: critical
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use prometheus_time::duration::{format_duration, parse_duration};

pub(super) const CHECK: Check = Check {
    id: "alert/for",
    summary: "an alert whose `for:` is missing, too short for its tier, or too long",
    category: Category::Policy,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("alert_for.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for &((file, group, rule), policy) in ctx.alerts_with_policy() {
        let severity = rule
            .effective_label(group, &policy.severity_label)
            .map(|p| p.value.value.as_str());
        let tier = severity.and_then(|s| policy.tier(s));
        let min = tier.map_or(0, |t| t.min_for_ms);
        let tier_name = tier.map_or("", |t| t.name.as_str());
        let Some(for_) = &rule.for_ else {
            if min > 0 {
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        &file.source,
                        rule.name_span(),
                        format!("{tier_name} alert `{}` has no `for:`", rule.name()),
                    )
                    .with_help(format!(
                        "add `for: {}` or longer, so a single bad evaluation does not page",
                        format_duration(min)
                    )),
                );
            }
            continue;
        };
        // An unparsable duration is rule/duration's to report.
        let Ok(ms) = parse_duration(&for_.value) else {
            continue;
        };
        if ms < min {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    for_.span,
                    format!(
                        "`for: {}` is shorter than the {} minimum for {tier_name} alerts",
                        for_.value,
                        format_duration(min)
                    ),
                )
                .with_help("a short `for:` pages on blips; raise it, or lower the severity"),
            );
        } else if ms > policy.max_for_ms {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    for_.span,
                    format!(
                        "`for: {}` is longer than the {} maximum",
                        for_.value,
                        format_duration(policy.max_for_ms)
                    ),
                )
                .with_help(
                    "pending alerts are lost when Prometheus restarts; alert on a longer range in `expr` instead",
                ),
            );
        }
    }
}
