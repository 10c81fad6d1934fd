//! ## What it does
//! Off by default (`alertlint simulate` always reports it). Replays each alert firing, then
//! stops scraping its target, in two ways: scrapes fail (`up` is 0, the other series go
//! stale) and the target disappears (`up` goes stale too). Reports an alert that resolves in
//! such a gap while no alert of the rule set starts firing for it (an `up == 0` or
//! `absent(up{job="..."})` alert on the same target).
//!
//! ## Why is this bad?
//! The incident is still there; only the data is gone. Resolving silently tells on-call the
//! problem went away exactly when the system became least observable.
//!
//! ## Example
//! ```yaml
//! - alert: DiskFull
//!   expr: node_filesystem_avail_bytes{job="node"} / node_filesystem_size_bytes{job="node"} < 0.05
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: DiskFull
//!   expr: node_filesystem_avail_bytes{job="node"} / node_filesystem_size_bytes{job="node"} < 0.05
//! - alert: NodeExporterDown
//!   expr: up{job="node"} == 0 or absent(up{job="node"})
//!   for: 5m
//! ```

use super::{Category, Check, Context};
use crate::simulate::{Outcome, fmt_ms};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "behaviour/silent-on-gap",
    summary: "an alert that resolves when its target stops being scraped, with no alert for the gap",
    category: Category::Behaviour,
    default_severity: Severity::Warning,
    default_enabled: false,
    source: include_str!("behaviour_silent_on_gap.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for sim in ctx.simulations() {
        let Outcome::Simulated(b) = &sim.outcome else {
            continue;
        };
        let Some(gap) = &b.gap else { continue };
        let silent = gap.silent();
        if silent.is_empty() {
            continue;
        }
        let after = gap
            .down_resolves_ms
            .or(gap.gone_resolves_ms)
            .map(fmt_ms)
            .unwrap_or_default();
        let (file, _, rule) = sim.rule;
        out.push(
            Diagnostic::new(
                CHECK.id,
                &file.source,
                rule.name_span(),
                format!(
                    "`{}` resolves {after} after its target stops being scraped, and no alert fires when {}",
                    rule.name(),
                    silent.join(" or when ")
                ),
            )
            .with_help("add an alert on the target's `up` (`up == 0`, `absent(up{job=...})`), or `keep_firing_for:` to ride out short gaps"),
        );
    }
}
