//! ## What it does
//! Reports a runbook under a runbook root that no alert's `runbook_url` points to. Index pages
//! (`README.md`, `index.md`, Hugo's `_index.md`, other `_`-prefixed files) are not runbooks
//! and are never reported. It runs only when directories are checked: with files named one
//! by one (pre-commit passes the changed files) the link may be in a file not named.
//!
//! ## Why is this bad?
//! An orphaned runbook is usually the trace of a renamed or deleted alert: the alert now
//! links nowhere (or somewhere new and empty) while the knowledge sits unread. Runbooks that
//! nothing links to also rot unnoticed.
//!
//! ## Example
//! ```text
//! runbooks/FraudModelLatencyHigh.md   # the alert was renamed FraudModelLatencyP99High
//! ```
//!
//! ## Use instead
//! Rename the runbook along with the alert (`git mv`), point the alert's `runbook_url` at it,
//! or delete it if the alert is gone. Check all rule files in one run: a runbook is only an
//! orphan if no rule file of the run links it.

use super::{Category, Check, Context};
use crate::runbook::Resolution;
use crate::suggest::closest;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "runbook/orphan",
    summary: "a runbook that no alert links to",
    category: Category::Runbook,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("runbook_orphan.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    if ctx.partial_rule_set {
        return;
    }
    let refs = ctx.runbook_references();
    let mut used = vec![false; rbs.docs.len()];
    let mut unresolved: Vec<&str> = Vec::new();
    for r in refs {
        match r.resolution {
            Resolution::Found { doc, .. } | Resolution::MissingHeading { doc, .. } => {
                if let Some(u) = used.get_mut(doc) {
                    *u = true;
                }
            }
            Resolution::MissingFile { .. } => unresolved.push(r.rule.name()),
            _ => {}
        }
    }
    for (doc, used) in rbs.docs.iter().zip(used) {
        if used || doc.is_index {
            continue;
        }
        let stem = crate::runbook::markdown::stem(&doc.rel);
        let near = if unresolved.len() <= 200 {
            closest(stem, &unresolved)
        } else {
            None
        };
        let help = match near {
            Some(alert) => format!(
                "alert `{alert}` links to a runbook that does not exist; was it renamed from this one?"
            ),
            None => "link it from an alert's `runbook_url`, or delete it if the alert is gone"
                .to_string(),
        };
        out.push(
            Diagnostic::new(
                CHECK.id,
                doc.file(),
                doc.title_span(),
                format!(
                    "no alert links to the runbook `{}`",
                    alertlint_diagnostics::source::display_path(&doc.path)
                ),
            )
            .with_help(help),
        );
    }
}
