//! ## What it does
//! In `alertlint backtest`, reports an alert that fired again within the flap window
//! (`--flap-window`, 1 hour by default) after resolving, three times or more over the window.
//!
//! ## Why is this bad?
//! Every fire is a page or a message: an alert that resolves and fires again an hour later
//! pages twice for one problem. A longer `for:` or a `keep_firing_for:` merges the gaps.
//!
//! ## Example
//! ```yaml
//! - alert: LatencyHigh
//!   expr: histogram_quantile(0.99, sum by (le) (rate(request_seconds_bucket[1m]))) > 0.5
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: LatencyHigh
//!   expr: histogram_quantile(0.99, sum by (le) (rate(request_seconds_bucket[5m]))) > 0.5
//!   for: 10m
//!   keep_firing_for: 15m
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "backtest/flapping",
    summary: "an alert that fired again soon after resolving, several times",
    category: Category::Backtest,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("backtest_flapping.rs"),
    // Reported by `alertlint backtest`, from the replay of the rule against a server's history.
    run: None,
};
