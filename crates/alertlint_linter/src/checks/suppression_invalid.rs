//! ## What it does
//! Reports `# alertlint:` comments that cannot be honoured: an unknown check id, a malformed
//! directive, or a suppression without a reason.
//!
//! Suppressions are written as YAML comments:
//! - `# alertlint: disable=<check>[,<check>…] <reason>` inside a rule, or on the lines
//!   just above it, silences those checks for that rule;
//! - `# alertlint: disable-file=<check>[,<check>…] <reason>` anywhere silences them for the file.
//!
//! `<check>` may be a family such as `alert/*`.
//!
//! ## Why is this bad?
//! A suppression with a typo silences nothing and hides that it silences nothing. One without a
//! reason leaves the next reader unable to tell whether the exception still holds.
//!
//! ## Example
//! ```yaml
//! # alertlint: disable=alert/dashbord
//! - alert: BatchJobLate
//! ```
//!
//! ## Use instead
//! ```yaml
//! # alertlint: disable=alert/dashboard batch jobs have no dashboard; the runbook links the logs
//! - alert: BatchJobLate
//! ```

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "suppression/invalid",
    summary: "an `# alertlint:` comment with an unknown check, bad syntax or no reason",
    category: Category::Suppression,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("suppression_invalid.rs"),
    // Reported by the suppression pass in `crate::suppress`, which reads the comments.
    run: None,
};
