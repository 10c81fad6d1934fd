//! ## What it does
//! Reports a key written twice in the same mapping.
//!
//! ## Why is this bad?
//! YAML parsers disagree on duplicates: Prometheus rejects the file, other tools silently keep
//! the last value. Either way one of the two values you wrote is not the one in effect, and a
//! reviewer reading the first one is misled.
//!
//! ## Example
//! ```yaml
//! labels:
//!   severity: warning
//!   team: payments
//!   severity: critical
//! ```
//!
//! ## Use instead
//! ```yaml
//! labels:
//!   severity: critical
//!   team: payments
//! ```

use super::{Category, Check, Context, report_load_problems};
use crate::model::LoadProblemKind;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "yaml/duplicate-key",
    summary: "a key appears twice in the same mapping",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("yaml_duplicate_key.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    report_load_problems(
        ctx,
        LoadProblemKind::DuplicateKey,
        CHECK.id,
        Some("written again here"),
        out,
    );
}
