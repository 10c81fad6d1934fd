//! ## What it does
//! Reports rule groups without a name, and group names used twice in one file (one YAML
//! document, for `PrometheusRule` manifests).
//!
//! ## Why is this bad?
//! Prometheus rejects both. Groups are identified by file and name: two groups of the same name
//! would share evaluation state, so the second is refused.
//!
//! ## Example
//! ```yaml
//! groups:
//!   - name: api
//!     rules: [...]
//!   - name: api
//!     rules: [...]
//! ```
//!
//! ## Use instead
//! ```yaml
//! groups:
//!   - name: api-availability
//!     rules: [...]
//!   - name: api-latency
//!     rules: [...]
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use std::collections::HashMap;

pub(super) const CHECK: Check = Check {
    id: "group/name",
    summary: "a rule group without a name, or with a name used twice in the file",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("group_name.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for file in ctx.files {
        let mut seen = HashMap::new();
        for g in &file.groups {
            let Some(name) = g.name.as_ref().filter(|n| !n.value.is_empty()) else {
                let span = g.name.as_ref().map_or(g.span, |n| n.span);
                out.push(
                    Diagnostic::new(CHECK.id, &file.source, span, "rule group has no name")
                        .with_help("add `name: <group name>` to the group"),
                );
                continue;
            };
            if let Some(first) = seen.insert((g.document, name.value.as_str()), name.span) {
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        &file.source,
                        name.span,
                        format!("group name `{}` is used twice in this file", name.value),
                    )
                    .with_related(&file.source, first, "first used here")
                    .with_help("give every group in a file its own name"),
                );
            }
        }
    }
}
