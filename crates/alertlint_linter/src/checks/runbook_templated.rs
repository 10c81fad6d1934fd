//! ## What it does
//! Reports a `runbook_url` that contains a Go template (`{{ $labels.x }}`): which runbook it
//! renders to depends on the alert's labels at firing time, so alertlint cannot check that it
//! exists. It reports instead of guessing.
//!
//! ## Why is this bad?
//! A templated link is only as good as every label value it will ever see. One unexpected
//! value and the on-call engineer gets a 404, and no CI run could have caught it.
//!
//! ## Example
//! ```yaml
//!   annotations:
//!     runbook_url: https://runbooks.example.com/fraud/{{ $labels.alertname }}
//! ```
//!
//! ## Use instead
//! ```yaml
//!   annotations:
//!     runbook_url: https://runbooks.example.com/fraud/FraudModelDown
//! ```
//! Or turn the check off for these rules (`checks: {runbook/templated: off}`) if the template
//! is deliberate.

use super::{Category, Check, Context};
use crate::runbook::Resolution;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "runbook/templated",
    summary: "a runbook_url built from a template, which cannot be checked",
    category: Category::Runbook,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("runbook_templated.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for r in ctx.runbook_references() {
        if r.resolution != Resolution::Templated {
            continue;
        }
        let v = &r.url.value;
        let start = v.value.find("{{").unwrap_or(0);
        let end = v.value[start..]
            .find("}}")
            .map_or(v.value.len(), |e| start + e + 2);
        out.push(
            Diagnostic::new(
                CHECK.id,
                &r.file.source,
                v.sub_span(&r.file.source, start, end),
                format!(
                    "the runbook link of `{}` is a template; alertlint cannot know which runbook it renders to",
                    r.rule.name()
                ),
            )
            .with_label("rendered at firing time")
            .with_help("link the runbook literally, so CI can check that it exists"),
        );
    }
}
