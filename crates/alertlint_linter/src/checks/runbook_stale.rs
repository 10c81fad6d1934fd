//! ## What it does
//! Reports a runbook whose `Last updated` field is older than the root's `max_age` (default
//! `180d`; `max_age: off` turns it off), or is not a `YYYY-MM-DD` date. Runbooks without the
//! field are left to `runbook/sections`.
//!
//! For reproducible runs, `ALERTLINT_TODAY=YYYY-MM-DD` sets the date to compare with.
//!
//! ## Why is this bad?
//! Systems change under runbooks: commands stop working, dashboards move, teams reorganise. A
//! runbook nobody has looked at for half a year is likely to send the on-call engineer down a
//! path that no longer exists.
//!
//! ## Example
//! ```markdown
//! **Last updated:** 2024-01-15
//! ```
//!
//! ## Use instead
//! Walk through the runbook (ideally in a game day), fix what changed, and bump the date:
//! ```markdown
//! **Last updated:** 2026-11-02
//! ```

use super::{Category, Check, Context};
use crate::runbook::date::{format_date, parse_date};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "runbook/stale",
    summary: "a runbook not updated within the configured age",
    category: Category::Runbook,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("runbook_stale.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    let key = crate::runbook::markdown::NameKey::field("Last updated");
    for doc in &rbs.docs {
        let Some(max) = rbs.settings_of(doc).max_age_days else {
            continue;
        };
        let Some(f) = doc.field_by_key(&key) else {
            continue;
        };
        let value = doc.field_value(f);
        if value.trim().is_empty() || value.starts_with("<!--") {
            continue;
        }
        match parse_date(value) {
            None => out.push(
                Diagnostic::new(
                    CHECK.id,
                    doc.file(),
                    f.value_span,
                    format!("`{value}` is not a date alertlint can read"),
                )
                .with_label("expected YYYY-MM-DD")
                .with_help("write the date as YYYY-MM-DD, such as `2026-11-02`"),
            ),
            Some(day) if rbs.today - day > max => out.push(
                Diagnostic::new(
                    CHECK.id,
                    doc.file(),
                    f.value_span,
                    format!(
                        "the runbook was last updated {} days ago (limit {max} days)",
                        rbs.today - day
                    ),
                )
                .with_label(format!("older than {}", format_date(rbs.today - max)))
                .with_help(
                    "review the runbook against the system as it is today, then bump the date",
                ),
            ),
            Some(day) if day > rbs.today + 1 => out.push(
                Diagnostic::new(
                    CHECK.id,
                    doc.file(),
                    f.value_span,
                    format!("`{value}` is in the future"),
                )
                .with_help("write the date the runbook was last reviewed"),
            ),
            Some(_) => {}
        }
    }
}
