//! ## What it does
//! Reports durations Prometheus cannot parse: `for`, `keep_firing_for`, and a group's
//! `interval` and `query_offset`.
//!
//! ## Why is this bad?
//! Prometheus rejects the file. Its durations are whole numbers with a unit, largest unit first
//! (`1h30m`); `90` (no unit), `1.5h` (a fraction) and `5M` (capital M) are all invalid.
//!
//! ## Example
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//!   for: 1.5m
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//!   for: 90s
//! ```

use super::{Category, Check, Context};
use crate::model::Str;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use prometheus_time::duration::parse_duration;

pub(super) const CHECK: Check = Check {
    id: "rule/duration",
    summary: "a duration Prometheus cannot parse",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("rule_duration.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for file in ctx.files {
        let mut check = |field: &str, value: Option<&Str>| {
            let Some(v) = value else { return };
            if let Err(e) = parse_duration(&v.value) {
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        &file.source,
                        v.span,
                        format!("invalid `{field}`: {e}"),
                    )
                    .with_help(
                        "durations are whole numbers with units, largest first: 30s, 5m, 1h30m, 1d",
                    ),
                );
            }
        };
        for group in &file.groups {
            check("interval", group.interval.as_ref());
            check("query_offset", group.query_offset.as_ref());
            for rule in &group.rules {
                check("for", rule.for_.as_ref());
                check("keep_firing_for", rule.keep_firing_for.as_ref());
            }
        }
    }
}
