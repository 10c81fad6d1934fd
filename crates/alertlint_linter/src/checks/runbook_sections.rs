//! ## What it does
//! Reports a runbook that lacks a required section or header field, or has one that is
//! empty. What is required depends on the root's preset (`runbooks: [{dir: …, preset: …}]`):
//!
//! - `incident` (the default): header fields `Alert`, `Severity`, `Owner` and `Last updated`
//!   (lines such as `**Owner:** fraud-ml` before the first section, or front matter), then
//!   sections `Context`, at least one diagnostic step (`### Step 1: …` headings, or an ordered
//!   list under `## Diagnostic steps`), `Resolution`, `Escalation` and `Post-incident`.
//! - `prometheus-operator`: sections `Meaning`, `Impact`, `Diagnosis` and `Mitigation`.
//!
//! `sections:` and `fields:` in the root's config replace the preset's lists. Headings match
//! case- and punctuation-insensitively (`Post-incident` = `POST INCIDENT:`). A section holding
//! only an HTML comment (`<!-- TODO -->`) is empty. Runbook files linked only with a
//! `#fragment` (shared files with one heading per alert) are not checked.
//!
//! ## Why is this bad?
//! The engineer paged at 3am needs the same things every time: what the alert means, how to
//! confirm it, how to fix it, whom to call. A runbook without an escalation path leaves them
//! alone when the fix does not work.
//!
//! ## Example
//! ```markdown
//! # FraudModelDown
//!
//! ## Context
//! All replicas are down.
//!
//! ## Escalation
//! ```
//!
//! ## Use instead
//! ```markdown
//! # FraudModelDown
//!
//! **Alert:** FraudModelDown
//! **Severity:** critical
//! **Owner:** fraud-ml
//! **Last updated:** 2026-11-02
//!
//! ## Context
//! …
//! ## Diagnostic steps
//! ### Step 1: Are the pods running?
//! …
//! ## Resolution
//! …
//! ## Escalation
//! Page the fraud-ml secondary via PagerDuty.
//! ## Post-incident
//! …
//! ```

use super::{Category, Check, Context};
use crate::runbook::Resolution;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "runbook/sections",
    summary: "a runbook without a required section or field, or with an empty one",
    category: Category::Runbook,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("runbook_sections.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    // Files only linked with a #fragment hold several runbooks; their layout is their own.
    let mut whole = vec![false; rbs.docs.len()];
    let mut fragment = vec![false; rbs.docs.len()];
    for r in ctx.runbook_references() {
        match r.resolution {
            Resolution::Found { doc, fragment: f } => {
                let v = if f { &mut fragment } else { &mut whole };
                if let Some(x) = v.get_mut(doc) {
                    *x = true;
                }
            }
            Resolution::MissingHeading { doc, .. } => {
                if let Some(x) = fragment.get_mut(doc) {
                    *x = true;
                }
            }
            _ => {}
        }
    }
    for (i, doc) in rbs.docs.iter().enumerate() {
        if doc.is_index || (fragment[i] && !whole[i]) {
            continue;
        }
        if let Some(size) = doc.too_large {
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    doc.file(),
                    alertlint_diagnostics::source::Span::point(0),
                    format!(
                        "runbook too large to read ({size} bytes; the limit is {} bytes)",
                        crate::runbook::markdown::MAX_RUNBOOK_BYTES
                    ),
                )
                .with_help(
                    "a runbook is read at 3am: split it, or move reference material elsewhere",
                ),
            );
            continue;
        }
        let Some(root) = rbs.roots.get(doc.root) else {
            continue;
        };
        let settings = &root.settings;
        let preset = PresetNote(&settings.preset);
        let top = doc.title_span();
        for (name, key) in settings.fields.iter().zip(&root.keys.fields) {
            match doc.field_by_key(key) {
                None => out.push(
                    Diagnostic::new(
                        CHECK.id,
                        doc.file(),
                        top,
                        format!("the runbook has no `{name}` field{preset}"),
                    )
                    .with_help(format!(
                        "add a line `**{name}:** …` under the title, before the first section"
                    )),
                ),
                Some(f)
                    if doc.field_value(f).trim().is_empty()
                        || doc.field_value(f).starts_with("<!--") =>
                {
                    out.push(
                        Diagnostic::new(
                            CHECK.id,
                            doc.file(),
                            f.name_span.join(f.value_span),
                            format!("the runbook's `{name}` field is empty"),
                        )
                        .with_label("no value"),
                    );
                }
                Some(_) => {}
            }
        }
        for (name, key) in settings.sections.iter().zip(&root.keys.sections) {
            match doc.section_by_key(key) {
                None => out.push(
                    Diagnostic::new(
                        CHECK.id,
                        doc.file(),
                        top,
                        format!("the runbook has no `{name}` section{preset}"),
                    )
                    .with_help(format!("add a `## {name}` section")),
                ),
                Some(h) if !h.has_content => out.push(
                    Diagnostic::new(
                        CHECK.id,
                        doc.file(),
                        h.span,
                        format!("the `{name}` section is empty"),
                    )
                    .with_label("nothing under this heading")
                    .with_help("whoever is paged reads this at 3am: write down what you know"),
                ),
                Some(_) => {}
            }
        }
        if settings.require_steps && doc.steps.is_empty() {
            let (span, what) = match doc.diagnosis.and_then(|d| doc.headings.get(d)) {
                Some(h) => (
                    h.span,
                    format!("the `{}` section has no steps", doc.str(h.text)),
                ),
                None => (top, format!("the runbook has no diagnostic steps{preset}")),
            };
            out.push(
                Diagnostic::new(CHECK.id, doc.file(), span, what).with_help(format!(
                    "add a `## {}` section with `### Step 1: …` headings (or a numbered list)",
                    settings
                        .diagnosis
                        .first()
                        .map_or("Diagnostic steps", String::as_str)
                )),
            );
        }
    }
}

/// A root's preset as messages name it, ` (preset `incident`)`, or nothing: written only into
/// the messages of findings.
struct PresetNote<'a>(&'a str);

impl std::fmt::Display for PresetNote<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            "" => Ok(()),
            p => write!(f, " (preset `{p}`)"),
        }
    }
}
