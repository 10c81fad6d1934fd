//! ## What it does
//! Off by default (`alertlint simulate` always reports it). Reports an alert whose firing
//! behaviour could not be simulated, with the reason: its condition is outside what input
//! series can be synthesized for (it reads the clock, has no threshold, reads more than 15 days
//! of history, no steady level of its inputs makes it fire...).
//!
//! ## Why is this bad?
//! It is not bad in itself: it says where the other `behaviour/*` checks are silent because
//! they know nothing, not because the alert is fine. Such alerts need a hand-written unit test.
//!
//! ## Example
//! ```yaml
//! - alert: BackupTooOld
//!   expr: time() - backup_last_success_timestamp_seconds > 86400
//! ```
//!
//! ## Use instead
//! ```yaml
//! # The same rule, with a promtool unit test of its own (`alertlint test`).
//! - alert: BackupTooOld
//!   expr: time() - backup_last_success_timestamp_seconds > 86400
//! ```

use super::{Category, Check, Context};
use crate::simulate::Outcome;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "behaviour/unsimulated",
    summary: "an alert whose firing behaviour cannot be simulated, and why",
    category: Category::Behaviour,
    default_severity: Severity::Info,
    default_enabled: false,
    source: include_str!("behaviour_unsimulated.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for sim in ctx.simulations() {
        let Outcome::Unsimulated(why) = &sim.outcome else {
            continue;
        };
        let (file, _, rule) = sim.rule;
        out.push(Diagnostic::new(
            CHECK.id,
            &file.source,
            rule.name_span(),
            format!("`{}` is not simulated: {why}", rule.name()),
        ));
    }
}
