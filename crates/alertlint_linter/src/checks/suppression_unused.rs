//! ## What it does
//! Reports `# alertlint: disable=…` comments that suppress nothing: the check they name found
//! no problem in their scope.
//!
//! ## Why is this bad?
//! The problem was fixed, or the comment sits on the wrong rule. Left in place, it will silently
//! hide the next real problem of that kind.
//!
//! ## Example
//! ```yaml
//! # alertlint: disable=alert/runbook runbook still being written
//! - alert: FraudModelDown
//!   annotations:
//!     runbook_url: https://runbooks.example.com/FraudModelDown.md
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: FraudModelDown
//!   annotations:
//!     runbook_url: https://runbooks.example.com/FraudModelDown.md
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "suppression/unused",
    summary: "an `# alertlint: disable` comment that suppresses nothing",
    category: Category::Suppression,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("suppression_unused.rs"),
    // Reported by the suppression pass in `crate::suppress`, after every check has run.
    run: None,
};
