//! ## What it does
//! Reports files that are not valid YAML, are not UTF-8 text, are too large, nest too deeply,
//! or expand aliases beyond a sane budget.
//!
//! ## Why is this bad?
//! Prometheus refuses to load a rule file it cannot parse, and on reload keeps running the old
//! rules: the alert you meant to add never exists, and nothing tells you.
//!
//! ## Example
//! ```yaml
//! groups:
//!   - name: api
//!     rules:
//!       - alert: ApiDown
//!         expr: up{job="api"} == 0
//!        for: 5m        # one space short: not part of the rule
//! ```
//!
//! ## Use instead
//! ```yaml
//!       - alert: ApiDown
//!         expr: up{job="api"} == 0
//!         for: 5m
//! ```

use super::{Category, Check, Context, report_load_problems};
use crate::model::LoadProblemKind;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "yaml/syntax",
    summary: "the file is not valid YAML text",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("yaml_syntax.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    report_load_problems(ctx, LoadProblemKind::Syntax, CHECK.id, None, out);
}
