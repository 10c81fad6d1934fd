//! ## What it does
//! In `alertlint backtest`, reports an alert that did not fire once over the window.
//!
//! ## Why is this bad?
//! Often it is fine: the failure it watches for did not happen. But an alert that cannot
//! fire (a selector that matches series that no longer exist, a threshold out of reach) looks
//! the same; the finding asks for a look, with the monthly review of every alert.
//!
//! ## Example
//! ```yaml
//! - alert: PaymentsDown
//!   expr: up{job="payments-v1"} == 0   # the job was renamed payments-api
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: PaymentsDown
//!   expr: up{job="payments-api"} == 0
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "backtest/never-fired",
    summary: "an alert that never fired over the backtest window",
    category: Category::Backtest,
    default_severity: Severity::Info,
    default_enabled: true,
    source: include_str!("backtest_never_fired.rs"),
    // Reported by `alertlint backtest`, from the replay of the rule against a server's history.
    run: None,
};
