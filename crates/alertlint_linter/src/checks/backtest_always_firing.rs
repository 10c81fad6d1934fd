//! ## What it does
//! In `alertlint backtest`, reports an alert one of whose label sets was firing for at least
//! 95% of the window.
//!
//! ## Why is this bad?
//! An alert that never stops firing is noise: on-call learns to ignore it, and the day it
//! matters nobody looks. Either the threshold is wrong for this fleet, or the condition is a
//! state to show on a dashboard, not an alert.
//!
//! ## Example
//! ```yaml
//! - alert: DiskAlmostFull
//!   expr: disk_used_ratio > 0.5
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: DiskAlmostFull
//!   expr: predict_linear(disk_used_ratio[6h], 24 * 3600) > 0.95
//!   for: 30m
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "backtest/always-firing",
    summary: "an alert that fired through the whole backtest window",
    category: Category::Backtest,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("backtest_always_firing.rs"),
    // Reported by `alertlint backtest`, from the replay of the rule against a server's history.
    run: None,
};
