//! ## What it does
//! Reports `{{ $labels.NAME }}` (also `.Labels.NAME` and `index $labels "NAME"`) in an alert's
//! annotations and labels where the alert's expression can never return a `NAME` label: an
//! aggregation that does not keep it (`sum by (service) (...)`, `count(...)`), `absent()` of a
//! selector that does not match it with `=`, `on (...)` matching without it, `histogram_quantile`
//! (which removes `le`)... Where the expression could return the label (a bare selector may
//! carry any), nothing is reported.
//!
//! ## Why is this bad?
//! Templates see the labels of the series the expression returns, and nothing else: the
//! rule's own `labels:` are added after the templates are expanded. The notification says
//! "API errors high on " with the blank where the paged engineer needed to read which job.
//!
//! ## Example
//! ```yaml
//! - alert: ApiErrorsHigh
//!   expr: sum by (namespace, service) (rate(http_errors_total[5m])) > 5
//!   annotations:
//!     summary: "API errors high on {{ $labels.job }}"
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ApiErrorsHigh
//!   expr: sum by (namespace, service) (rate(http_errors_total[5m])) > 5
//!   annotations:
//!     summary: "API errors high on {{ $labels.service }} in {{ $labels.namespace }}"
//! ```

use super::{Category, Check, Context, alerts};
use crate::semantics::LabelFact;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const CHECK: Check = Check {
    id: "template/labels",
    summary: "a template reads a label the alert's expression never returns",
    category: Category::Semantics,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("template_labels.rs"),
    run: Some(run),
};

/// A reference to a label of the alert: `$labels.x`, `.Labels.x`, or `index $labels "x"`.
/// No capture groups: the name is read off the match ([`reference_name`]), so the search runs
/// on the regex's fast engines instead of the slower one that reports groups.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        \$labels\.[A-Za-z_][A-Za-z0-9_]*
        | \.Labels\.[A-Za-z_][A-Za-z0-9_]*
        | \bindex\s+(?:\$labels|\.Labels)\s+"[A-Za-z_][A-Za-z0-9_]*"
        "#,
    )
    .expect("static regex")
});

/// The label a [`REFERENCE`] match names; `None` for `.Labels.x` that is a field of something
/// else (`$v.Labels.x`, `(f).Labels.x`, `a.Labels.x`), told by the character before it.
fn reference_name(reference: &str, before: Option<char>) -> Option<&str> {
    if let Some(name) = reference.strip_prefix("$labels.") {
        return Some(name);
    }
    if let Some(name) = reference.strip_prefix(".Labels.") {
        let field_of_something = before.is_some_and(|c| {
            regex_syntax::is_word_character(c) || matches!(c, '$' | '.' | ')' | ']')
        });
        return (!field_of_something).then_some(name);
    }
    // `index $labels "x"`: the name is between the quotes that end the match.
    let quoted = reference.strip_suffix('"')?;
    quoted.rfind('"').map(|i| &quoted[i + 1..])
}

/// What makes the simple reading of a template wrong: `$labels` assigned, or the dot or the
/// variables rebound (`range`, `with`, template definitions). Such templates are skipped.
static REBINDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$labels\s*:?=|\{\{-?\s*(?:range|with|define|block|template)\b")
        .expect("static regex")
});

/// The label references of a template the simple reading understands: (start, end, name).
fn references(text: &str) -> Vec<(usize, usize, &str)> {
    // Every form of reference has `abels` in it (`$labels`, `.Labels`): a substring search
    // rules out most templates and actions before any regex runs.
    if !text.contains("abels") || !text.contains("{{") || REBINDS.is_match(text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for action in prometheus_template::action_spans(text) {
        let action_text = &text[action.clone()];
        let inner = action_text[2..].trim_start_matches('-').trim_start();
        if inner.starts_with("/*") || !inner.contains("abels") {
            continue;
        }
        for r in REFERENCE.find_iter(action_text) {
            let before = action_text[..r.start()].chars().next_back();
            let Some(name) = reference_name(r.as_str(), before) else {
                continue;
            };
            if name.starts_with("__") {
                continue;
            }
            out.push((action.start + r.start(), action.start + r.end(), name));
        }
    }
    out
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in alerts(ctx) {
        let (Some(expr), Some(sem)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        let facts = &sem.result_labels;
        for pair in rule.labels.iter().chain(&rule.annotations) {
            let text = &pair.value.value;
            // Only references to labels the result never has; parsed only then (a template
            // that does not parse is `template/syntax`'s, and most never get this far).
            let refs: Vec<_> = references(text)
                .into_iter()
                .filter_map(|(start, end, name)| match facts.get(name) {
                    LabelFact::Absent(dropped) => Some((start, end, name, dropped)),
                    _ => None,
                })
                .collect();
            if refs.is_empty() || prometheus_template::check_syntax(text).is_err() {
                continue;
            }
            for (start, end, name, dropped) in refs {
                let reference = &text[start..end];
                let help = match facts.only_labels() {
                    Some(l) if l.is_empty() => format!(
                        "the result carries no labels: say where in words, or keep `{name}` in the expression"
                    ),
                    Some(l) => format!(
                        "the result carries only {}: use one of them, or keep `{name}` in the expression",
                        l.iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => format!("keep `{name}` in the expression"),
                };
                out.push(
                    Diagnostic::new(
                        CHECK.id,
                        &file.source,
                        pair.value.sub_span(&file.source, start, end),
                        format!(
                            "`{reference}` is always empty: the result has no `{name}` label"
                        ),
                    )
                    .with_label(format!("no series of `{}` has `{name}`", rule.name()))
                    .with_related(
                        &file.source,
                        expr.sub_span(&file.source, dropped.start, dropped.end),
                        format!("`{name}` is dropped here"),
                    )
                    .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::references;

    #[test]
    fn finds_the_references_a_simple_reading_understands() {
        let names = |t| {
            references(t)
                .into_iter()
                .map(|(s, e, n)| (&t[s..e], n))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(r#"{{ $labels.job }} on {{ .Labels.pod }} {{ index $labels "le" }}"#),
            vec![
                ("$labels.job", "job"),
                (".Labels.pod", "pod"),
                (r#"index $labels "le""#, "le"),
            ]
        );
        // Outside actions, in comments, of other variables, `__name__`: not references.
        assert!(names("$labels.job {{/* $labels.job */}} {{ $x.Labels.job }}").is_empty());
        assert!(names("{{ $labels.__name__ }}").is_empty());
        // `.Labels` is the alert's only where it is not a field of something else.
        assert_eq!(
            names("{{.Labels.pod}}{{ (f).Labels.a }}{{ x.Labels.b }}{{ $v.Labels.c }}"),
            vec![(".Labels.pod", "pod")]
        );
        assert_eq!(
            names(r#"{{ index .Labels "node" }} {{ printf "%s" $labels.zone }}"#),
            vec![(r#"index .Labels "node""#, "node"), ("$labels.zone", "zone")]
        );
        // Rebound dot or `$labels`: skipped whole.
        assert!(names(r#"{{ range query "up" }}{{ .Labels.job }}{{ end }}"#).is_empty());
        assert!(names("{{ $labels := .Labels }}{{ $labels.job }}").is_empty());
    }
}
