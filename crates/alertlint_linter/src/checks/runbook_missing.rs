//! ## What it does
//! Reports an alert whose `runbook_url` resolves to no runbook: under a configured runbook
//! root (`runbooks:` in `.alertlint.yaml`, or `--runbooks DIR`) there is no such Markdown file,
//! or the file has no heading with the URL's `#fragment` (anchors as GitHub renders them:
//! `## Alert Name: KubePodCrashLooping` is `#alert-name-kubepodcrashlooping`).
//!
//! ## Why is this bad?
//! The link is the first thing the engineer paged at 3am clicks. A 404 there, or a page that
//! scrolls to nowhere, costs minutes while the incident runs, and usually means the runbook
//! was never written or the alert was renamed without it.
//!
//! ## Example
//! ```yaml
//! # runbooks/ holds FraudModelDown.md only
//! - alert: FraudModelLatencyP99High
//!   annotations:
//!     runbook_url: https://runbooks.example.com/fraud/FraudModelLatencyP99High
//! ```
//!
//! ## Use instead
//! Write `runbooks/FraudModelLatencyP99High.md` (`alertlint runbook new
//! FraudModelLatencyP99High` starts one from the rule), or fix the link.

use super::{Category, Check, Context};
use crate::runbook::markdown::stem;
use crate::runbook::{Resolution, Runbook};
use crate::suggest::closest;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use std::collections::HashMap;

pub(super) const CHECK: Check = Check {
    id: "runbook/missing",
    summary: "a runbook_url that resolves to no runbook file or heading",
    category: Category::Runbook,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("runbook_missing.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    // Per root, its runbooks (not index pages) and their names, built on the first missing
    // runbook there: the candidates for "did you mean".
    let mut candidates: HashMap<Option<usize>, (Vec<&Runbook>, Vec<&str>)> = HashMap::new();
    for r in ctx.runbook_references() {
        let file = &r.file.source;
        let span = r.url.value.span;
        match &r.resolution {
            Resolution::MissingFile { root, expected } => {
                let mut d = Diagnostic::new(
                    CHECK.id,
                    file,
                    span,
                    format!(
                        "the runbook of `{}` does not exist: no `{expected}`",
                        r.rule.name()
                    ),
                )
                .with_label("no runbook here");
                let (in_root, stems) = candidates.entry(*root).or_insert_with(|| {
                    let in_root: Vec<&Runbook> = rbs
                        .docs
                        .iter()
                        .filter(|doc| Some(doc.root) == *root && !doc.is_index)
                        .collect();
                    let stems = in_root.iter().map(|doc| stem(&doc.rel)).collect();
                    (in_root, stems)
                });
                let near = closest(stem(expected), stems)
                    .and_then(|s| stems.iter().position(|x| *x == s))
                    .and_then(|i| in_root.get(i))
                    .map(|doc| alertlint_diagnostics::source::display_path(&doc.path));
                d = match near {
                    Some(n) => d.with_help(format!(
                        "did you mean `{n}`? Otherwise write the runbook: `alertlint runbook new {}`",
                        r.rule.name()
                    )),
                    None => d.with_help(format!(
                        "write it (`alertlint runbook new {}` starts one from the rule), or fix the link",
                        r.rule.name()
                    )),
                };
                out.push(d);
            }
            Resolution::MissingHeading { doc, fragment } => {
                let Some(doc) = rbs.doc(*doc) else { continue };
                let help = match doc.closest_anchor(fragment) {
                    Some(s) => format!("did you mean `#{s}`?"),
                    None => "anchors are the heading text in lower case, punctuation removed, spaces as `-` (as GitHub renders them)".to_string(),
                };
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        file,
                        span,
                        format!(
                            "`{}` has no heading with the anchor `#{fragment}`",
                            alertlint_diagnostics::source::display_path(&doc.path)
                        ),
                    )
                    .with_label("no such heading")
                    .with_help(help)
                    .with_related(
                        doc.file(),
                        doc.title_span(),
                        "the runbook file",
                    ),
                );
            }
            _ => {}
        }
    }
}
