//! ## What it does
//! Reports two rules in one file with the same name and the same labels (group labels
//! included), as `promtool check rules` does.
//!
//! ## Why is this bad?
//! Two recording rules writing the same series overwrite each other's samples, and the result
//! depends on evaluation order. Two identical alerts page twice, or hide each other's changes
//! when one is edited and the other is forgotten.
//!
//! ## Example
//! ```yaml
//! - record: job:requests:rate5m
//!   expr: sum by (job) (rate(requests_total[5m]))
//! - record: job:requests:rate5m
//!   expr: sum by (job) (rate(requests_total[1m]))
//! ```
//!
//! ## Use instead
//! ```yaml
//! - record: job:requests:rate5m
//!   expr: sum by (job) (rate(requests_total[5m]))
//! - record: job:requests:rate1m
//!   expr: sum by (job) (rate(requests_total[1m]))
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use std::collections::{BTreeMap, HashMap};

pub(super) const CHECK: Check = Check {
    id: "rule/duplicate",
    summary: "two rules with the same name and labels in one file",
    category: Category::Correctness,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("rule_duplicate.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for file in ctx.files {
        let mut seen = HashMap::new();
        for (group, rule) in file.rules() {
            if rule.name().is_empty() {
                continue;
            }
            let labels: BTreeMap<&str, &str> = rule.labels_with(group).collect();
            let span = rule.name_span();
            if let Some(first) = seen.insert((rule.name(), labels), span) {
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        &file.source,
                        span,
                        format!(
                            "rule `{}` is defined twice with the same labels",
                            rule.name()
                        ),
                    )
                    .with_related(&file.source, first, "first defined here")
                    .with_help("remove one, or tell them apart by name or labels"),
                );
            }
        }
    }
}
