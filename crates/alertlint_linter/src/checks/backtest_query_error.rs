//! ## What it does
//! In `alertlint backtest`, reports a rule whose expression the server refused or could not
//! answer over the window (a syntax the server does not know, a limit it kept hitting, an
//! authentication error), and evaluations that failed as Prometheus would have failed them
//! (two samples with one label set after the rule's labels, more alerts than the group's
//! `limit`).
//!
//! ## Why is this bad?
//! Nothing is known of how the rule would have fired; a failing evaluation also fails in
//! production, where the rule then sends no alert at all.
//!
//! ## Example
//! ```yaml
//! - alert: QueueStuck
//!   expr: sum by (queue) (queue_depth) > 100
//!   labels:
//!     queue: "{{ $labels.instance }}"   # two instances of one queue: one label set
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: QueueStuck
//!   expr: sum by (queue) (queue_depth) > 100
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "backtest/query-error",
    summary: "the server could not answer a rule's expression over the window, or an evaluation failed",
    category: Category::Backtest,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("backtest_query_error.rs"),
    // Reported by `alertlint backtest`, from the replay of the rule against a server's history.
    run: None,
};
