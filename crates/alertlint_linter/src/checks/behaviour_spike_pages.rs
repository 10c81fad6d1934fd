//! ## What it does
//! Off by default (`alertlint simulate` always reports it). Replays each alert with its
//! inputs past the threshold for one scrape, and separately for two minutes, and reports an
//! alert that fires on such a spike, unless its severity tier sets
//! `policy.tiers.<tier>.spike_pages: true`.
//!
//! ## Why is this bad?
//! One bad scrape or a burst of a minute is noise: an alert that pages for it wakes someone
//! for nothing, and teaches them to ignore the next page. `max_over_time` over a long window
//! and a missing `for:` are the usual causes.
//!
//! ## Example
//! ```yaml
//! - alert: QueueBacklog
//!   expr: max_over_time(queue_depth[1h]) > 1000
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: QueueBacklog
//!   expr: avg_over_time(queue_depth[10m]) > 1000
//!   for: 5m
//! ```

use super::{Category, Check, Context};
use crate::simulate::{Outcome, fmt_ms};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "behaviour/spike-pages",
    summary: "an alert that fires on a spike of one scrape or two minutes",
    category: Category::Behaviour,
    default_severity: Severity::Warning,
    default_enabled: false,
    source: include_str!("behaviour_spike_pages.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for sim in ctx.simulations() {
        let Outcome::Simulated(b) = &sim.outcome else {
            continue;
        };
        if crate::simulate::tier(sim).is_some_and(|t| t.spike_pages) {
            continue;
        }
        let spike = if b.absence { "gap" } else { "spike" };
        let spike = match (b.spike_ms, b.spike_2m_ms) {
            (Some(at), _) => format!(
                "a {spike} of one scrape ({}) makes it fire {} later",
                fmt_ms(b.scrape_interval_ms),
                fmt_ms(at)
            ),
            (None, Some(at)) => format!("a {spike} of 2m makes it fire {} later", fmt_ms(at)),
            (None, None) => continue,
        };
        let what = if b.absence {
            format!("in {}", b.driver)
        } else {
            format!("of {} past its threshold", b.driver)
        };
        let (file, _, rule) = sim.rule;
        let span = rule.for_.as_ref().map_or_else(|| rule.name_span(), |f| f.span);
        out.push(
            Diagnostic::new(
                CHECK.id,
                &file.source,
                span,
                format!("`{}` fires on noise: {spike} ({what})", rule.name()),
            )
            .with_help("average over the window instead of taking its maximum, or add a `for:` longer than the spike"),
        );
    }
}
