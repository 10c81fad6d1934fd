//! ## What it does
//! Reports, in an alerting rule, two constructs whose result does not follow the values:
//! - `topk`, `bottomk`, `limitk` and `limit_ratio` whose series make the alerts (not under an
//!   aggregation such as `sum(...)`); `topk by (...) (1, ...)`, the idiom that keeps one
//!   series per group to drop duplicates (a target scraped twice), is not reported;
//! - `scalar(...)` of something that may return more than one series: an aggregation with
//!   `by (...)` or `without (...)`, a bare selector, `rate(...)` of one...
//!
//! ## Why is this bad?
//! Each series of the result is one alert. `topk(3, ...)` keeps the three that rank highest
//! at this evaluation: when the ranking changes, alerts resolve and fire again for other
//! series, none stays long enough for `for:`, and the series ranked fourth never alerts
//! however bad it is. `limitk` and `limit_ratio` keep series regardless of their value, so
//! the others never alert.
//!
//! `scalar()` returns the value of its argument only when the argument is exactly one float
//! series; with none, or with two or more, it returns NaN. `scalar(sum by (device) (...))`
//! is NaN as soon as there are two devices, and a comparison with NaN is false (`>`, `<`,
//! `==`...: the alert silently never fires) or, for `!=`, true for every series (it fires
//! for all of them).
//!
//! ## Example
//! ```yaml
//! - alert: DiskLatencyOutlier
//!   expr: disk_latency_seconds > 2 * scalar(avg by (device) (disk_latency_seconds))
//! - alert: BusiestQueues
//!   expr: topk(3, queue_depth)
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: DiskLatencyOutlier
//!   expr: disk_latency_seconds > on (device) group_left 2 * avg by (device) (disk_latency_seconds)
//! - alert: QueueBacklog
//!   expr: queue_depth > 1000
//! ```

use super::{Category, Check, Context, alerts};
use crate::semantics::{Comparison, Fragile};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use promql::syntax::{AggOp, BinOp, Span};

pub(super) const CHECK: Check = Check {
    id: "promql/fragile",
    summary: "an alert on `topk`-like selections or on `scalar()` of what may be several series",
    category: Category::Semantics,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("promql_fragile.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in alerts(ctx) {
        let (Some(expr), Some(sem)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        let text = &expr.value;
        let at = |s: Span| expr.sub_span(&file.source, s.start, s.end);
        let has_threshold = sem.condition.comparisons.iter().any(Comparison::filters);
        for f in &sem.condition.fragile {
            let d = match *f {
                Fragile::Selection {
                    one_per_group: true,
                    ..
                } => continue,
                Fragile::Selection { op, span, .. } => {
                    let (message, label) = match op {
                        AggOp::Topk | AggOp::Bottomk => (
                            format!(
                                "`{}` picks series by their rank at each evaluation: when the ranking changes, alerts resolve and fire again for other series",
                                op.as_str()
                            ),
                            "the series kept change with the ranking",
                        ),
                        _ => (
                            format!(
                                "`{}` keeps series regardless of their value: the series it leaves out never alert",
                                op.as_str()
                            ),
                            "picks series whatever their value",
                        ),
                    };
                    let help = if has_threshold {
                        format!(
                            "drop `{}`: the comparison alone alerts for every series that crosses the threshold",
                            op.as_str()
                        )
                    } else {
                        "alert on a threshold (`> 1000`) so that every series that crosses it fires; rank series on a dashboard".to_string()
                    };
                    Diagnostic::new(CHECK.id, &file.source, at(span), message)
                        .with_label(label)
                        .with_help(help)
                }
                Fragile::Scalar {
                    name,
                    argument,
                    grouping,
                    compared_by,
                    ..
                } => {
                    let mut message = match grouping.and_then(|g| text.get(g.start..g.end)) {
                        Some(g) => format!(
                            "`scalar()` of an aggregation `{g}` is NaN as soon as there are two groups"
                        ),
                        None => match text.get(argument.start..argument.end) {
                            Some(a) if a.len() <= 60 => format!(
                                "`scalar({a})` is NaN unless `{a}` returns exactly one series"
                            ),
                            _ => "`scalar()` is NaN unless its argument returns exactly one series"
                                .to_string(),
                        },
                    };
                    match compared_by {
                        Some(BinOp::Neq) => message.push_str(
                            "; `!=` with NaN is true, so the alert then fires for every series",
                        ),
                        Some(op) => message.push_str(&format!(
                            "; `{}` with NaN is false, so the alert then silently never fires",
                            op.as_str()
                        )),
                        None => {}
                    }
                    let mut d = Diagnostic::new(CHECK.id, &file.source, at(name), message)
                        .with_label("NaN with no series or with several");
                    if let Some(g) = grouping {
                        d = d.with_related(
                            &file.source,
                            at(g),
                            "one series per group",
                        );
                    }
                    d.with_help(
                        "match the series with `on (...)` (and `group_left`) instead of `scalar()`, or aggregate to a single series",
                    )
                }
            };
            out.push(d);
        }
    }
}
