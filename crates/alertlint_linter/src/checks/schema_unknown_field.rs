//! ## What it does
//! Reports fields that Prometheus does not know in a rule file, a rule group or a rule.
//!
//! ## Why is this bad?
//! Prometheus rejects rule files with unknown fields. A misspelt optional field (`anotations`,
//! `keep_firing`) is worse when a tool ignores it: the alert loads without the annotations or
//! behaviour you wrote.
//!
//! ## Example
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//!   anotations:
//!     summary: API is down
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//!   annotations:
//!     summary: API is down
//! ```

use super::{Category, Check, Context, report_load_problems};
use crate::model::LoadProblemKind;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "schema/unknown-field",
    summary: "a field Prometheus does not know",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("schema_unknown_field.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    report_load_problems(ctx, LoadProblemKind::UnknownField, CHECK.id, None, out);
}
