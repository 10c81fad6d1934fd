//! ## What it does
//! Reports alert labels and annotations that are not valid Go templates as Prometheus parses
//! them: unclosed actions, unknown functions (`humanise`), undefined variables (`$label`).
//!
//! ## Why is this bad?
//! Prometheus rejects the rule file. Where a template error slips through (a tool that does not
//! check), the notification shows `<error expanding template: …>` instead of the summary,
//! at the moment someone needs to read it.
//!
//! ## Example
//! ```yaml
//! annotations:
//!   description: "p99 latency is {{ $value | humanise }} on {{ $label.model }}"
//! ```
//!
//! ## Use instead
//! ```yaml
//! annotations:
//!   description: "p99 latency is {{ $value | humanize }} on {{ $labels.model }}"
//! ```

use super::{Category, Check, Context, alerts};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use prometheus_template::check_syntax;

pub(super) const CHECK: Check = Check {
    id: "template/syntax",
    summary: "a label or annotation that is not a valid Go template",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("template_syntax.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Prometheus expands templates of alerting rules only.
    for (file, _, rule) in alerts(ctx) {
        for (what, pair) in rule
            .labels
            .iter()
            .map(|p| ("label", p))
            .chain(rule.annotations.iter().map(|p| ("annotation", p)))
        {
            let value = &pair.value.value;
            if !value.contains("{{") {
                continue;
            }
            if let Err(e) = check_syntax(value) {
                let at = e.offset.min(value.len());
                // Underline the whole word at the error (`humanise`), not one letter of it.
                let word = value[at..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
                    .unwrap_or(value.len() - at);
                let end = if word == 0 {
                    value[at..].chars().next().map_or(at, |c| at + c.len_utf8())
                } else {
                    at + word
                };
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        &file.source,
                        pair.value.sub_span(&file.source, at, end),
                        format!(
                            "invalid template in {what} `{}`: {}",
                            pair.key.value, e.message
                        ),
                    )
                    .with_label(e.message.clone()),
                );
            }
        }
    }
}
