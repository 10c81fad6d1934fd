//! ## What it does
//! Reports alerts with an owning team (`team: X`, see `policy.owner_label`) that the
//! Alertmanager config routes to a receiver of another team. A receiver belongs to the teams
//! listed for it under `alertmanager.teams` in `.alertlint.yaml`; otherwise to the longest
//! known team name found in its name (`fraud-ml-pager` belongs to `fraud-ml`). Receivers in
//! `alertmanager.shared_receivers` may receive any team's alerts.
//!
//! ## Why is this bad?
//! An alert that routes to the wrong team wakes the wrong expert at 3am, while the team that
//! can fix the problem does not hear of it.
//!
//! ## Example
//! ```yaml
//! # alertmanager.yml
//! routes:
//!   - matchers: ['team=~"ml-.*"']      # also catches team="ml-fraud"
//!     receiver: ml-platform-pager
//! ```
//!
//! ## Use instead
//! ```yaml
//! routes:
//!   - matchers: ['team="ml-platform"']
//!     receiver: ml-platform-pager
//! ```

use super::{Category, Check, Context, is_templated};
use crate::alertmanager::{Routing, known_teams};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "route/owner",
    summary: "an alert routed to a receiver of another team",
    category: Category::Routing,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("route_owner.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    let alerts = ctx.routed_alerts();
    let teams = known_teams(ctx.config, am, alerts);
    let teams: Vec<&str> = teams.iter().map(String::as_str).collect();
    let teams = crate::alertmanager::ReceiverTeams::new(&am.settings, &teams);
    for a in alerts {
        let Routing::Routes(matches) = &a.routing else {
            continue;
        };
        let Some(pair) = a.label(&a.policy.owner_label) else {
            continue;
        };
        let team = pair.value.value.as_str();
        if team.trim().is_empty() || is_templated(team) {
            continue;
        }
        let mut seen = Vec::new();
        for m in matches.iter().filter(|m| !m.is_root()) {
            let receiver = m.receiver_name();
            if seen.contains(&receiver) || am.receiver_serves(receiver, team, &teams) {
                continue;
            }
            seen.push(receiver);
            let whose = teams
                .team_of(receiver)
                .map(|t| format!(", a receiver of `{t}`"))
                .unwrap_or_default();
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &a.file.source,
                    a.rule.name_span(),
                    format!(
                        "alert `{}` of team `{team}` reaches receiver `{receiver}`{whose}",
                        a.rule.name()
                    ),
                )
                .with_label(format!("routed via {}", m.path_name()))
                .with_help(format!(
                    "fix the route's matchers, or map the receiver to `{team}` under `alertmanager.teams` (or `shared_receivers`) in .alertlint.yaml"
                ))
                .with_related(&am.file, m.span(), format!("route to `{receiver}`")),
            );
        }
    }
}
