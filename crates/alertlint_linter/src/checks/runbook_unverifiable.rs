//! ## What it does
//! Reports a `runbook_url` outside every configured runbook root: not a relative path to a
//! file under a root, and not under any root's `url_prefix`. alertlint never fetches URLs,
//! so it cannot tell whether such a runbook exists.
//!
//! Its severity is set like any check's: `checks: {runbook/unverifiable: info}` (or `off`)
//! when links to an external wiki are expected.
//!
//! ## Why is this bad?
//! A runbook nobody can check is a runbook that can silently disappear. When all runbooks
//! live in the repository, every link is verified on every pull request.
//!
//! ## Example
//! ```yaml
//! # .alertlint.yaml: runbooks: [{dir: runbooks/, url_prefix: https://runbooks.example.com/fraud/}]
//!   annotations:
//!     runbook_url: https://wiki.example.com/display/FRAUD/Model+down
//! ```
//!
//! ## Use instead
//! ```yaml
//!   annotations:
//!     runbook_url: https://runbooks.example.com/fraud/FraudModelDown
//! ```
//! Or add the wiki's directory as a root with its `url_prefix`.

use super::{Category, Check, Context};
use crate::runbook::Resolution;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "runbook/unverifiable",
    summary: "a runbook_url outside every configured runbook root",
    category: Category::Runbook,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("runbook_unverifiable.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    let prefixes: Vec<&str> = rbs
        .roots
        .iter()
        .filter_map(|r| r.url_prefix.as_deref())
        .collect();
    for r in ctx.runbook_references() {
        if r.resolution != Resolution::Unverifiable {
            continue;
        }
        let help = if prefixes.is_empty() {
            "no runbook root has a `url_prefix`; add one (`runbooks: [{dir: runbooks/, url_prefix: https://…/}]`) or link a path under a root".to_string()
        } else {
            format!(
                "runbook roots cover {}; move the runbook under a root or add a root for this location",
                prefixes
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(
            Diagnostic::new(
                CHECK.id,
                &r.file.source,
                r.url.value.span,
                format!(
                    "the runbook link of `{}` is outside every runbook root, so it cannot be checked",
                    r.rule.name()
                ),
            )
            .with_help(help),
        );
    }
}
