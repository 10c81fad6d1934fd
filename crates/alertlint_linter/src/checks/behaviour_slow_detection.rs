//! ## What it does
//! Off by default (`alertlint simulate` always reports it). Replays each alert with its
//! inputs stepping from a healthy level to just past the threshold, and reports an alert
//! that takes longer to fire than its severity tier allows (`policy.tiers.<tier>.max_detection`:
//! 10m for `critical`, 30m for `warning` by default), or that does not fire at all.
//!
//! ## Why is this bad?
//! Detection latency is the time users suffer before anyone knows. Windows, `for:` and the
//! recording rules in between add up: a 30-minute rate window behind a 15-minute `for:` pages
//! three quarters of an hour into the incident, which no one meant when writing each part.
//!
//! ## Example
//! ```yaml
//! - alert: CheckoutErrors
//!   expr: sum(rate(http_requests_total{code=~"5.."}[30m])) / sum(rate(http_requests_total[30m])) > 0.02
//!   for: 15m
//!   labels: {severity: critical}
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: CheckoutErrors
//!   expr: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.02
//!   for: 5m
//!   labels: {severity: critical}
//! ```

use super::{Category, Check, Context};
use crate::simulate::{Outcome, fmt_ms};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "behaviour/slow-detection",
    summary: "an alert that fires later than its tier's max_detection, once past its threshold",
    category: Category::Behaviour,
    default_severity: Severity::Warning,
    default_enabled: false,
    source: include_str!("behaviour_slow_detection.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for sim in ctx.simulations() {
        let Outcome::Simulated(b) = &sim.outcome else {
            continue;
        };
        let Some(max) = crate::simulate::tier(sim).and_then(|t| t.max_detection_ms) else {
            continue;
        };
        let (file, _, rule) = sim.rule;
        let message = match b.detection_ms {
            Some(d) if d <= max => continue,
            Some(d) => format!(
                "`{}` fires {} after {} passes its threshold; its tier allows {}",
                rule.name(),
                fmt_ms(d),
                b.driver,
                fmt_ms(max)
            ),
            None => format!(
                "`{}` does not fire within {} of {} passing its threshold; its tier allows {}",
                rule.name(),
                fmt_ms(b.detection_horizon_ms),
                b.driver,
                fmt_ms(max)
            ),
        };
        out.push(
            Diagnostic::new(CHECK.id, &file.source, rule.name_span(), message).with_help(
                "shorten the range windows or `for:` (see `alertlint simulate` for the scenario)",
            ),
        );
    }
}
