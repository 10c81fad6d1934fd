//! ## What it does
//! Reports `rate`, `irate` and `increase` of something that is not a counter:
//! - a series whose name says it is a gauge: no counter suffix (`_total`, `_count`, `_sum`,
//!   `_bucket`, `_created`) and either `up` or a gauge unit or kind (`_ratio`, `_percent`,
//!   `_percentage`, `_celsius`, `_temperature`, `_info`, `_utilisation`, `_utilization`).
//!   Names with `_bytes` or `_seconds` are not reported: some exporters name counters so
//!   (`junos_interface_transmit_bytes`), and so is a name with a colon, a recording rule's
//!   output (`job:up:ratio`), and a selector without a name;
//! - a subquery of a `sum` of counters (`rate(sum(errors_total)[5m:1m])`; not `irate`).
//!
//! ## Why is this bad?
//! These functions read every decrease of the series as a counter reset and add the value
//! back: a gauge that goes from 0.9 to 0.4 "grew" by 0.4. The result of `rate(up[5m])` is
//! meaningless noise whenever a target flaps. For a gauge, `deriv` (per-second slope) or
//! `delta` (change over the range) say what was meant.
//!
//! A sum of counters is not a counter: when one of the summed series resets (its process
//! restarts), the sum drops, and `rate` takes the drop for a reset of the sum and adds the
//! whole sum back: a spike. Take the rate of each series first and aggregate the rates.
//!
//! ## Example
//! ```yaml
//! - alert: TargetsFlapping
//!   expr: rate(up[10m]) > 0
//! - alert: ErrorsHigh
//!   expr: rate(sum by (job) (errors_total)[5m:1m]) > 1
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: TargetsFlapping
//!   expr: changes(up[10m]) > 2
//! - alert: ErrorsHigh
//!   expr: sum by (job) (rate(errors_total[5m])) > 1
//! ```

use super::{Category, Check, Context, rules};
use crate::semantics::MisuseReason;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "promql/rate",
    summary: "rate, irate or increase of a gauge, or of a sum of counters",
    category: Category::Semantics,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("promql_rate.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let (Some(expr), Some(sem)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        for m in &sem.values.rate_misuses {
            let f = m.function;
            let span = expr.sub_span(&file.source, m.argument.start, m.argument.end);
            let d = match &m.reason {
                MisuseReason::Gauge(name) => Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    span,
                    format!("`{f}` of `{name}`, a gauge: `{f}` is for counters"),
                )
                .with_label("a gauge by its name: its drops are taken for counter resets")
                .with_help(
                    "for a gauge use `deriv` (slope per second) or `delta` (change over the \
                     range); `changes` counts how often it changed",
                ),
                MisuseReason::AggregatedSubquery(_) => Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    span,
                    format!(
                        "`{f}` of a sum of counters: a reset of one series looks like a drop \
                         of the sum"
                    ),
                )
                .with_label("summed before the rate: not a counter, it drops when one series resets")
                .with_help(format!(
                    "take `{f}` of each series, then aggregate: `sum by (...) ({f}(x[5m]))`"
                )),
            };
            out.push(d);
        }
    }
}
