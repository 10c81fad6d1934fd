//! ## What it does
//! Reports invalid label and annotation names on rules and groups: names outside
//! `[a-zA-Z_][a-zA-Z0-9_]*`, and `__name__`, which a rule may not set.
//!
//! ## Why is this bad?
//! Prometheus 2 rejects the file. Prometheus 3 accepts UTF-8 names only under its UTF-8
//! validation scheme, and Alertmanager matchers, receivers' templates and most exporters of
//! alerts still expect classic names, so such a label breaks routing further down.
//!
//! ## Example
//! ```yaml
//! labels:
//!   owning-team: payments
//! ```
//!
//! ## Use instead
//! ```yaml
//! labels:
//!   owning_team: payments
//! ```

use super::{Category, Check, Context, is_valid_label_name};
use crate::model::Pair;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use alertlint_diagnostics::source::SourceFile;
use std::sync::Arc;

pub(super) const CHECK: Check = Check {
    id: "rule/labels",
    summary: "an invalid label or annotation name",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("rule_labels.rs"),
    run: Some(run),
};

fn check_pairs(file: &Arc<SourceFile>, pairs: &[Pair], what: &str, out: &mut Vec<Diagnostic>) {
    for p in pairs {
        let name = &p.key.value;
        let bad = !is_valid_label_name(name) || (what == "label" && name == "__name__");
        if bad {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    file,
                    p.key.span,
                    format!("invalid {what} name `{name}`"),
                )
                .with_help("names match [a-zA-Z_][a-zA-Z0-9_]*; a rule may not set `__name__`"),
            );
        }
    }
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for file in ctx.files {
        for group in &file.groups {
            check_pairs(&file.source, &group.labels, "label", out);
            for rule in &group.rules {
                check_pairs(&file.source, &rule.labels, "label", out);
                check_pairs(&file.source, &rule.annotations, "annotation", out);
            }
        }
    }
}
