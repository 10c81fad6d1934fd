//! ## What it does
//! Reports a runbook whose declared `Alert`, `Severity` or `Owner` header field disagrees with
//! the alert that links to it: a different alert name, or a severity or owning team (the
//! labels named by `policy.severity_label` and `policy.owner_label`) that the rule does not
//! have. A field listing several values (`Severity: warning, critical`) matches any of them.
//!
//! ## Why is this bad?
//! The runbook was written for another alert, or the rule changed and the runbook did not:
//! the paged engineer reads "Severity: warning, no need to wake anyone" for an alert that now
//! pages, or escalates to a team that no longer owns the service.
//!
//! ## Example
//! ```yaml
//! - alert: FraudModelErrorRateHigh
//!   labels: {severity: critical, team: fraud-ml}
//! ```
//! ```markdown
//! **Alert:** FraudModelErrorRateHigh
//! **Severity:** warning
//! **Owner:** ml-platform
//! ```
//!
//! ## Use instead
//! ```markdown
//! **Alert:** FraudModelErrorRateHigh
//! **Severity:** critical
//! **Owner:** fraud-ml
//! ```

use super::{Category, Check, Context};
use crate::runbook::Resolution;
use crate::runbook::markdown::NameKey;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "runbook/mismatch",
    summary: "a runbook whose Alert, Severity or Owner disagrees with its alert",
    category: Category::Runbook,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("runbook_mismatch.rs"),
    run: Some(run),
};

/// Whether one of the words of `s` is `want`, ignoring case.
fn has_word(s: &str, want: &str) -> bool {
    let want: std::borrow::Cow<str> = if want.is_ascii() {
        want.into()
    } else {
        want.to_lowercase().into()
    };
    // ASCII words compare byte by byte, without allocating: nearly every label value. Other
    // words are lower-cased first: one may lower-case to the value (the Kelvin sign `K`).
    // (Lower-casing never yields an upper-case ASCII letter, so ignoring ASCII case is safe.)
    s.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .filter(|w| !w.is_empty())
        .any(|w| {
            if w.is_ascii() {
                w.eq_ignore_ascii_case(&want)
            } else {
                w.to_lowercase().eq_ignore_ascii_case(&want)
            }
        })
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    // The fields' names as runbooks are searched for them, once rather than per alert.
    let keys = ["Alert", "Severity", "Owner"].map(NameKey::field);
    for r in ctx.runbook_references() {
        let Resolution::Found {
            doc,
            fragment: false,
        } = r.resolution
        else {
            continue;
        };
        let Some(doc) = rbs.doc(doc) else { continue };
        let policy = r.policy;
        let alert = r.rule.alert.as_ref();
        let checks = [
            ("Alert", alert, "alert"),
            ("Severity", r.label(&policy.severity_label), "`{}` label"),
            ("Owner", r.label(&policy.owner_label), "`{}` label"),
        ];
        for ((field, rule_value, what), key) in checks.into_iter().zip(&keys) {
            let (Some(f), Some(v)) = (doc.field_by_key(key), rule_value) else {
                continue;
            };
            let value = doc.field_value(f);
            if value.trim().is_empty() || value.contains("<!--") || v.value.contains("{{") {
                continue;
            }
            let want = v.value.trim();
            if want.is_empty() || has_word(value, want) {
                continue;
            }
            let what = match field {
                "Severity" => what.replace("{}", &policy.severity_label),
                "Owner" => what.replace("{}", &policy.owner_label),
                _ => what.to_string(),
            };
            let message = if field == "Alert" {
                format!(
                    "the runbook says Alert `{}`, but alert `{}` links to it",
                    value, v.value
                )
            } else {
                format!(
                    "the runbook says {field} `{}`, but alert `{}` has {what} `{}`",
                    value,
                    r.rule.name(),
                    v.value
                )
            };
            out.push(
                Diagnostic::new(CHECK.id, doc.file(), f.value_span, message)
                    .with_label(format!("rule says `{}`", v.value))
                    .with_related(&r.file.source, v.span, "set here in the rule")
                    .with_help(
                        "update whichever is out of date; the runbook and the rule must agree",
                    ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_word;

    #[test]
    fn words_compare_ignoring_case_in_unicode() {
        assert!(has_word("Team: Fraud-ML (secondary)", "fraud-ml"));
        assert!(!has_word("fraud-ml-infra", "fraud"));
        // The Kelvin sign lower-cases to an ASCII `k`.
        assert!(has_word("\u{212A}8s", "k8s"));
        assert!(has_word("ÉQUIPE", "équipe"));
    }
}
