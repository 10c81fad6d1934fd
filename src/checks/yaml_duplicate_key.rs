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

use super::{Category, Check, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::LoadProblemKind;

pub const CHECK: Check = Check {
    id: "yaml/duplicate-key",
    summary: "a key appears twice in the same mapping",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("yaml_duplicate_key.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for file in ctx.files {
        for p in file
            .problems
            .iter()
            .filter(|p| p.kind == LoadProblemKind::DuplicateKey)
        {
            let mut d = Diagnostic::new(CHECK.id, &file.source, p.span, p.message.clone())
                .with_label("written again here");
            if let Some((span, msg)) = &p.related {
                d = d.with_related(&file.source, *span, msg.clone());
            }
            out.push(d);
        }
    }
}
