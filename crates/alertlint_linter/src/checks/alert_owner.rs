//! ## What it does
//! Reports alerts without an owning-team label (`policy.owner_label`, by default `team`), or
//! whose team is not in `policy.teams` when that list is set.
//!
//! ## Why is this bad?
//! Alertmanager routes alerts to teams by this label. An alert without an owner reaches the
//! default receiver or the wrong team: the person woken up cannot fix it, and the person who
//! can does not know.
//!
//! ## Example
//! ```yaml
//! - alert: GpuMemoryNearlyFull
//!   expr: DCGM_FI_DEV_FB_USED / DCGM_FI_DEV_FB_TOTAL > 0.95
//!   labels:
//!     severity: warning
//! ```
//!
//! ## Use instead
//! ```yaml
//!   labels:
//!     severity: warning
//!     team: ml-platform
//! ```

use super::{Category, Check, Context, is_templated};
use crate::suggest::closest;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "alert/owner",
    summary: "an alert without an owning team",
    category: Category::Policy,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("alert_owner.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for &((file, group, rule), policy) in ctx.alerts_with_policy() {
        let label = &policy.owner_label;
        let pair = rule.effective_label(group, label);
        match pair {
            None => out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    rule.name_span(),
                    format!("alert `{}` has no `{label}` label", rule.name()),
                )
                .with_help(format!(
                    "add `{label}: <owning team>` under `labels:` so it routes to its owners"
                )),
            ),
            Some(p) if p.value.value.trim().is_empty() => out.push(Diagnostic::new(
                CHECK.id,
                &file.source,
                p.value.span,
                format!("`{label}` is empty"),
            )),
            Some(p) => {
                let team = p.value.value.as_str();
                let known = &policy.teams;
                if !known.is_empty() && !is_templated(team) && !known.iter().any(|t| t == team) {
                    let teams: Vec<&str> = known.iter().map(String::as_str).collect();
                    let hint = closest(team, &teams)
                        .map(|t| format!("did you mean `{t}`? "))
                        .unwrap_or_default();
                    out.push(
                        Diagnostic::new(
                            CHECK.id,
                            &file.source,
                            p.value.span,
                            format!("team `{team}` is not in the configured teams"),
                        )
                        .with_label(format!("expected one of {}", teams.join(", ")))
                        .with_help(format!(
                            "{hint}teams are listed in `.alertlint.yaml` under `policy.teams`"
                        )),
                    );
                }
            }
        }
    }
}
