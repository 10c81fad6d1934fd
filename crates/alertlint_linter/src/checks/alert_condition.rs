//! ## What it does
//! Reports an alerting rule whose expression has no condition: no comparison that drops
//! series (`> 0.9`, `== 0`), no `and`/`unless`, no `absent()`. A comparison with `bool`
//! (`x > bool 1`) is no condition either: it returns 0 or 1 for every series and drops none.
//! Constant expressions (`vector(1)`, the watchdog or dead man's switch that is meant to
//! fire all the time) are not reported, nor expressions using a function or operator whose
//! effect on the series is not modelled (`histogram_quantile`, `topk`...). A metric that is
//! exported only in the bad state (a series per leftover object, selected by its name) makes
//! such an alert by design: suppress the finding on that rule.
//!
//! ## Why is this bad?
//! An alerting rule fires for every series its expression returns, whatever the value: a
//! value of 0 fires as surely as 1. Without a condition the alert fires for as long as the
//! metric exists, which usually means the comparison was forgotten (or written with `bool`,
//! or moved into a recording rule), and the alert pages all the time or is silenced and
//! then never heard.
//!
//! ## Example
//! ```yaml
//! - alert: ReplicationBroken
//!   expr: mysql_slave_status_slave_sql_running
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ReplicationBroken
//!   expr: mysql_slave_status_slave_sql_running == 0
//! ```

use super::{Category, Check, Context, alerts};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "alert/condition",
    summary: "an alert whose expression has no condition, firing whenever the series exists",
    category: Category::Semantics,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("alert_condition.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in alerts(ctx) {
        let (Some(expr), Some(sem), Some(Ok(tree))) = (&rule.expr, ctx.semantics(rule), &rule.promql)
        else {
            continue;
        };
        let cond = &sem.condition;
        if !cond.never_filters() {
            continue;
        }
        let whole = tree.span();
        let mut d = Diagnostic::new(
            CHECK.id,
            &file.source,
            expr.sub_span(&file.source, whole.start, whole.end),
            format!(
                "`{}` has no condition: it fires for every series the expression returns, whatever the value",
                rule.name()
            ),
        )
        .with_label("nothing here drops a series");
        if let Some(b) = cond.comparisons.iter().find(|c| c.bool_modifier) {
            d = d.with_related(
                &file.source,
                expr.sub_span(&file.source, b.span.start, b.span.end),
                "with `bool`, the comparison returns 0 or 1 for every series and drops none",
            );
            d = d.with_help("drop `bool` so that the comparison filters, or compare the result (`== 1`)");
        } else {
            d = d.with_help(
                "add the threshold that should page (`== 0`, `> 0.9`); an alert meant to fire always is written `vector(1)`",
            );
        }
        out.push(d);
    }
}
