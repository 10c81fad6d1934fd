//! ## What it does
//! Reports alerts whose routing cannot be determined statically: a label that some route
//! matches on (`team`, `severity`, …) has a templated value such as `{{ $labels.owner }}`.
//!
//! ## Why is this bad?
//! alertlint routes alerts by their static labels to check that they reach their team and page
//! as they should. A templated value is only known when the alert fires, so those checks are
//! skipped for the alert: nobody verifies where it goes until it pages (or does not).
//!
//! ## Example
//! ```yaml
//! - alert: GpuMemoryNearlyFull
//!   labels:
//!     team: "{{ $labels.owner }}"
//! ```
//!
//! ## Use instead
//! ```yaml
//!   labels:
//!     team: ml-platform
//! ```

use super::{Category, Check, Context};
use crate::alertmanager::Routing;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "route/templated",
    summary: "an alert whose routing depends on templated label values",
    category: Category::Routing,
    default_severity: Severity::Info,
    default_enabled: true,
    source: include_str!("route_templated.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for a in ctx.routed_alerts() {
        let Routing::Templated(names) = &a.routing else {
            continue;
        };
        let span = names
            .first()
            .and_then(|n| {
                a.rule
                    .label(n)
                    .or_else(|| a.group.labels.iter().find(|p| &p.key.value == n))
            })
            .map_or(a.rule.name_span(), |p| p.value.span);
        let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        out.push(
            Diagnostic::new(
                CHECK.id,
                &a.file.source,
                span,
                format!(
                    "routing of alert `{}` cannot be checked: {} is templated and routes match on it",
                    a.rule.name(),
                    list.join(", ")
                ),
            )
            .with_help("use a literal value so alertlint can check where the alert goes"),
        );
    }
}
