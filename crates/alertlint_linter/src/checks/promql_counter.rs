//! ## What it does
//! Reports a counter (a series named `..._total` or `..._bucket`) whose raw value an alert
//! compares with a constant threshold it grows past (`errors_total > 10`, `10 <= errors_total`),
//! or aggregates (`sum`, `avg`, `min`, `max`, `quantile`, `topk`...) and alerts on, without
//! `rate`, `increase` or another function of a range first.
//!
//! Not reported, to stay on the safe side:
//! - a counter inside any function of a range (`rate`, `irate`, `increase`, `resets`,
//!   `changes`, `delta`, `deriv`, every `*_over_time`...), `timestamp`, `absent`, `count`,
//!   `count_values`, `group`;
//! - comparisons with 0 (`x_total > 0`, `x_total == 0`): the "has it ever happened" tests
//!   and the guards of a division, and many exporters name gauges `..._total`
//!   (`minio_cluster_nodes_offline_total > 0`);
//! - `<`, `<=`, `==`, `!=` against the counter: `uptime_seconds_total < 60` catches a
//!   restart, it does not fire forever;
//! - names ending `_count` or `_sum` (a histogram's, but also gauges such as
//!   `pg_stat_activity_count`), and `_created` (a timestamp, compared with `time()`);
//! - a counter compared with another series, or combined with one by arithmetic
//!   (`x_total - x_total offset 1h`, `a_total / b_total`): the result may well be meaningful;
//! - a series whose name has a colon (`job:errors_total:sum`): a recording rule's output,
//!   whatever its suffix;
//! - recording rules.
//!
//! ## Why is this bad?
//! A counter only grows (until its process restarts). Once it passes the threshold it stays
//! above it: `http_errors_total > 10` starts firing at the tenth error since the last restart
//! and then fires forever, whether errors still happen or stopped a week ago. What the alert
//! meant is the rate of errors, or how many happened recently.
//!
//! ## Example
//! ```yaml
//! - alert: PaymentErrors
//!   expr: sum by (service) (payment_errors_total) > 10
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: PaymentErrors
//!   expr: sum by (service) (increase(payment_errors_total[1h])) > 10
//! ```

use super::{Category, Check, Context, alerts};
use crate::semantics::RawUse;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "promql/counter",
    summary: "a counter's raw, ever-growing value compared with a threshold or aggregated",
    category: Category::Semantics,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("promql_counter.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in alerts(ctx) {
        let (Some(expr), Some(sem)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        for raw in &sem.values.raw_counters {
            let name = &raw.name;
            let (how, at) = match raw.used {
                RawUse::Comparison(s) => ("compared with a threshold", s),
                RawUse::Aggregation(s) => ("aggregated", s),
            };
            let selector = &expr.value[raw.selector.start..raw.selector.end];
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    expr.sub_span(&file.source, raw.selector.start, raw.selector.end),
                    format!(
                        "the counter `{name}` is {how} as it is: it only grows, so `{}` \
                         stays true once it is",
                        rule.name()
                    ),
                )
                .with_label("the total since the process started")
                .with_related(
                    &file.source,
                    expr.sub_span(&file.source, at.start, at.end),
                    format!("{how} here"),
                )
                .with_help(format!(
                    "alert on how fast it grows, `rate({selector}[5m])`, or how much it grew \
                     recently, `increase({selector}[1h])`"
                )),
            );
        }
    }
}
