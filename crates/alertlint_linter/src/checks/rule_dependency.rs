//! ## What it does
//! Reports a selector of a metric whose name has colons, which by Prometheus' naming
//! conventions only recording rules produce (`job:http_requests:rate5m`), when no recording
//! rule in the checked files records it. Names recorded outside the checked files are listed
//! as globs under `promql: known_metrics:` in `.alertlint.yaml`. Not reported when files are
//! named one by one (a pre-commit hook sees part of the rule set).
//!
//! ## Why is this bad?
//! A rule that reads a series nobody records evaluates to nothing, forever: an alert on it can
//! never fire, and nothing says so. It happens when a recording rule is renamed or removed
//! while rules elsewhere still use the old name, or when a name is mistyped.
//!
//! ## Example
//! ```yaml
//! - record: job:http_requests:rate5m
//!   expr: sum by (job) (rate(http_requests_total[5m]))
//! - alert: TrafficDropped
//!   expr: job:http_request:rate5m < 1
//! ```
//!
//! ## Use instead
//! ```yaml
//! - record: job:http_requests:rate5m
//!   expr: sum by (job) (rate(http_requests_total[5m]))
//! - alert: TrafficDropped
//!   expr: job:http_requests:rate5m < 1
//! ```

use super::{Category, Check, Context, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use std::collections::HashSet;

pub(super) const CHECK: Check = Check {
    id: "rule/dependency",
    summary: "a recording rule's output (a name with colons) that no checked rule records",
    category: Category::Semantics,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("rule_dependency.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Part of the rule set: the recording rule may be in a file not given.
    if ctx.partial_rule_set {
        return;
    }
    let recorded: HashSet<&str> = rules(ctx)
        .filter_map(|(_, _, r)| r.record.as_ref().map(|n| n.value.as_str()))
        .collect();
    let known = ctx.config.known_metrics.as_ref();
    for (file, _, rule) in rules(ctx) {
        let (Some(expr), Some(semantics)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        let mut reported = HashSet::new();
        for s in &semantics.selectors {
            let Some(name) = s.metric else {
                continue;
            };
            if !name.contains(':')
                || recorded.contains(name)
                || known.is_some_and(|k| k.is_match(name))
                || !reported.insert(name)
            {
                continue;
            }
            let suggestion = crate::suggest::closest(
                name,
                &recorded.iter().copied().collect::<Vec<_>>(),
            );
            let mut d = Diagnostic::new(
                CHECK.id,
                &file.source,
                expr.sub_span(&file.source, s.span.start, s.span.end),
                format!(
                    "`{}` reads `{name}`, a recording rule's output, but no checked rule records it",
                    rule.name()
                ),
            )
            .with_label("evaluates to nothing");
            d = match suggestion {
                Some(close) => d.with_help(format!("did you mean `{close}`?")),
                None => d.with_help(
                    "add the recording rule, or list the name under `promql: known_metrics:` \
                     in .alertlint.yaml if it is recorded elsewhere",
                ),
            };
            out.push(d);
        }
    }
}
