//! ## What it does
//! Reports inhibit rules of the Alertmanager config whose `source_matchers` or
//! `target_matchers` match no alert of the checked rule files. A matcher on a label that an
//! alert does not set statically is assumed to match (the series may carry the label). It
//! runs only when directories are checked: with files named one by one (pre-commit passes the
//! changed files) the matching alert may be in a file not named.
//!
//! ## Why is this bad?
//! An inhibit rule that matches nothing is usually a renamed alert or a misspelt label: the
//! noise it was written to suppress pages again, on top of the alert that explains it.
//!
//! ## Example
//! ```yaml
//! inhibit_rules:
//!   - source_matchers: [alertname="FraudModelDowm"]
//!     target_matchers: [team="fraud-ml"]
//!     equal: [model]
//! ```
//!
//! ## Use instead
//! ```yaml
//!   - source_matchers: [alertname="FraudModelDown"]
//! ```

use super::{Category, Check, Context};
use crate::alertmanager::may_match;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "inhibit/unmatched",
    summary: "an inhibit rule whose source or target matches no alert",
    category: Category::Routing,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("inhibit_unmatched.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    if ctx.partial_rule_set {
        return;
    }
    let alerts = ctx.routed_alerts();
    if alerts.is_empty() {
        return;
    }
    for rule in &am.inhibit_rules {
        for (side, ms) in [("source", &rule.source), ("target", &rule.target)] {
            if alerts.iter().any(|a| may_match(ms, &a.labels)) {
                continue;
            }
            let span = ms.first().map_or(rule.span, |m| m.span);
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &am.file,
                    span,
                    format!(
                        "the {side} of this inhibit rule, {}, matches no alert of the checked rules",
                        crate::alertmanager::matcher::display_list(ms)
                    ),
                )
                .with_help("fix the matchers (a renamed alert? a misspelt label?) or remove the rule"),
            );
        }
    }
}
