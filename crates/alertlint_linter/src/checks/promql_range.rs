//! ## What it does
//! Reports a range function (`rate`, `irate`, `increase`, `delta`, `idelta`, `deriv`,
//! `predict_linear`, `changes`, `resets`, the `*_over_time` functions) whose window is shorter
//! than two scrape intervals of the series it reads. The scrape interval is
//! `policy.scrape_interval` in `.alertlint.yaml` (Prometheus' default, 1m, unless set), or
//! `policy.scrape_intervals` for a selector that names its `job` with `=`.
//!
//! ## Why is this bad?
//! A window holds only the samples scraped inside it. Below two scrape intervals it often holds
//! one sample or none: `rate()` and `increase()` need two and return nothing, so the alert
//! silently stops evaluating whenever a scrape is late or missed; `*_over_time` see a single
//! sample and alert on noise. Prometheus' own advice is a window of at least four scrape
//! intervals for `rate()`.
//!
//! ## Example
//! ```yaml
//! # targets scraped every 30s
//! - alert: CheckoutErrorsHigh
//!   expr: sum by (service) (rate(checkout_errors_total[30s])) > 5
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: CheckoutErrorsHigh
//!   expr: sum by (service) (rate(checkout_errors_total[2m])) > 5
//! ```

use super::{Category, Check, Context, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use promql::syntax::MatchOp;

pub(super) const CHECK: Check = Check {
    id: "promql/range",
    summary: "a rate or *_over_time window shorter than two scrape intervals",
    category: Category::Semantics,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("promql_range.rs"),
    run: Some(run),
};

/// The functions whose result depends on how many samples their window holds.
fn counts_samples(function: &str) -> bool {
    matches!(
        function,
        "rate"
            | "irate"
            | "increase"
            | "delta"
            | "idelta"
            | "deriv"
            | "predict_linear"
            | "changes"
            | "resets"
    ) || function.ends_with("_over_time")
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, group, rule) in rules(ctx) {
        let (Some(expr), Some(semantics)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        let policy = ctx.config.policy_for(&file.source.path, group, rule);
        for s in &semantics.selectors {
            let (Some(range), Some(function)) = (&s.range, s.function) else {
                continue;
            };
            let Some(ms) = range.ms else { continue };
            if !counts_samples(function) {
                continue;
            }
            let job = s
                .matchers
                .iter()
                .find(|m| m.name == "job" && m.op == MatchOp::Equal)
                .map(|m| m.value);
            let scrape = policy.scrape_interval_ms(job);
            if ms >= 2 * scrape {
                continue;
            }
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    expr.sub_span(&file.source, range.span.start, range.span.end),
                    format!(
                        "`{function}()` over {} in `{}`: shorter than two scrape intervals ({})",
                        prometheus_time::duration::format_duration(ms),
                        rule.name(),
                        prometheus_time::duration::format_duration(scrape),
                    ),
                )
                .with_label("holds one sample or none when a scrape is late")
                .with_help(format!(
                    "use a window of at least {}{}; set `policy.scrape_interval` if the targets \
                     are scraped more often than every {}",
                    prometheus_time::duration::format_duration(2 * scrape),
                    if matches!(function, "rate" | "increase") {
                        " (four scrape intervals is Prometheus' advice for rate())"
                    } else {
                        ""
                    },
                    prometheus_time::duration::format_duration(scrape),
                )),
            );
        }
    }
}
