//! ## What it does
//! In `alertlint backtest`, reports a team (the alerts' owner label) whose paging alerts (of a
//! tier with `pages: true`, `critical` by default) fired more often per week over the window
//! than the page budget (`--page-budget`, 10 a week).
//!
//! ## Why is this bad?
//! Fewer than ten actionable pages a week per on-call engineer is the line past which people
//! stop reading pages. The report says which alerts make up the count, so the noisiest can be
//! tuned or moved to a tier that does not page.
//!
//! ## Example
//! ```yaml
//! - alert: PodRestarted
//!   expr: increase(kube_pod_container_status_restarts_total[5m]) > 0
//!   labels: {severity: critical, team: platform}
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: PodCrashLooping
//!   expr: increase(kube_pod_container_status_restarts_total[1h]) > 5
//!   for: 15m
//!   labels: {severity: warning, team: platform}
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "backtest/pages-over-budget",
    summary: "a team whose alerts would have paged more than its weekly budget",
    category: Category::Backtest,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("backtest_pages_over_budget.rs"),
    // Reported by `alertlint backtest`, from the replay of the rule against a server's history.
    run: None,
};
