//! ## What it does
//! Reports values of the wrong type: a list where a mapping belongs, a mapping where a string
//! belongs, a group `limit` that is not a whole number.
//!
//! ## Why is this bad?
//! Prometheus rejects the file. These mistakes usually come from indentation: a rule nested one
//! level too deep becomes a value of the previous rule's field.
//!
//! ## Example
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//!   labels:
//!     - severity: critical
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//!   labels:
//!     severity: critical
//! ```

use super::{Category, Check, Context, report_load_problems};
use crate::model::LoadProblemKind;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "schema/type",
    summary: "a value of the wrong type",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("schema_type.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    report_load_problems(ctx, LoadProblemKind::WrongType, CHECK.id, None, out);
}
