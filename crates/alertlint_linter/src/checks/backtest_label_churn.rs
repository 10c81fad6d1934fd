//! ## What it does
//! In `alertlint backtest`, reports an alert whose rule labels are templates and which fired
//! with more label sets than its series have: each value of a templated label is a new alert.
//!
//! ## Why is this bad?
//! An alert's identity is its label set. With `$value` (or anything that changes) in a label,
//! every evaluation makes a new alert: pending restarts, `for:` never holds, and the
//! Alertmanager sees a stream of new alerts and resolutions.
//!
//! ## Example
//! ```yaml
//! - alert: ErrorsHigh
//!   expr: rate(errors_total[5m]) > 1
//!   labels:
//!     rate: "{{ $value }}"
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ErrorsHigh
//!   expr: rate(errors_total[5m]) > 1
//!   annotations:
//!     description: "{{ $value }} errors per second"
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "backtest/label-churn",
    summary: "an alert whose label templates made a new alert at each evaluation",
    category: Category::Backtest,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("backtest_label_churn.rs"),
    // Reported by `alertlint backtest`, from the replay of the rule against a server's history.
    run: None,
};
