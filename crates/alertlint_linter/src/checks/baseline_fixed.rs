//! ## What it does
//! With `alertlint check --baseline FILE`, reports each finding of the baseline that the run
//! no longer finds: the problem was fixed (or its rule removed), and its entry can go.
//!
//! ## Why is this bad?
//! A baseline is the list of findings a team accepted when it adopted alertlint. An entry
//! that stays after its problem is fixed will silently accept the same problem when it comes
//! back, in that rule, and the baseline never shrinks.
//!
//! ## Example
//! ```json
//! {"version": 1, "findings": [
//!   {"check": "alert/runbook", "file": "rules/api.yaml", "rule": "api/ApiDown",
//!    "fingerprint": "6c1f0e2b9a3d4f51", "message": "alert `ApiDown` has no runbook_url"}
//! ]}
//! ```
//! after `ApiDown` was given its runbook.
//!
//! ## Use instead
//! ```json
//! {"version": 1, "findings": []}
//! ```
//! (`alertlint check --write-baseline FILE` writes it again from what the run finds.)

use super::{Category, Check};
use alertlint_diagnostics::diagnostic::Severity;

pub(super) const CHECK: Check = Check {
    id: "baseline/fixed",
    summary: "a finding of the `--baseline` file that is fixed, so its entry can go",
    category: Category::Suppression,
    default_severity: Severity::Info,
    default_enabled: true,
    source: include_str!("baseline_fixed.rs"),
    // Reported by `crate::baseline` when a run is compared with its baseline.
    run: None,
};
