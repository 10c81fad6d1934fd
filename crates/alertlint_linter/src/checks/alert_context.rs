//! ## What it does
//! Reports alerts whose annotations do not give the on-call engineer context:
//! - no `summary` or no `description` annotation;
//! - a summary that only repeats the alert name instead of saying what is broken;
//! - neither annotation shows the current value (`{{ $value }}`): how bad is it?
//! - `{{ $value }}` printed raw, which shows floats like `0.30000000000000004`: use
//!   `humanize`, `humanizePercentage`, `humanizeDuration` or `printf`;
//! - the expression returns labelled series, but neither annotation names any label
//!   (`{{ $labels.instance }}`, …): where is it broken?
//!
//! ## Why is this bad?
//! The notification is all the context a paged engineer has before opening a laptop. "FraudApi
//! alert" says nothing; "Fraud model p99 latency is 412ms (SLO 250ms) on model v7 in
//! eu-west-1" says what, how bad and where.
//!
//! ## Example
//! ```yaml
//! - alert: FraudModelLatencyHigh
//!   expr: histogram_quantile(0.99, sum by (le, model) (rate(fraud_score_seconds_bucket[5m]))) > 0.25
//!   annotations:
//!     summary: FraudModelLatencyHigh
//!     description: "latency is {{ $value }}"
//! ```
//!
//! ## Use instead
//! ```yaml
//!   annotations:
//!     summary: Fraud model p99 scoring latency above the 250ms SLO
//!     description: "p99 latency of model {{ $labels.model }} is {{ $value | humanizeDuration }}"
//! ```

use super::{Category, Check, Context};
use crate::semantics::ValueKind;
use crate::model::{Pair, Rule};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use alertlint_diagnostics::source::SourceFile;
use regex::Regex;
use std::sync::{Arc, LazyLock};

pub(super) const CHECK: Check = Check {
    id: "alert/context",
    summary: "alert annotations that do not say what is broken, how badly, and where",
    category: Category::Policy,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("alert_context.rs"),
    run: Some(run),
};

static RAW_VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{-?\s*(\$value|\.Value)\s*-?\}\}").expect("static regex"));

fn mentions_value(s: &str) -> bool {
    s.contains("$value") || s.contains(".Value")
}

fn mentions_labels(s: &str) -> bool {
    s.contains("$labels") || s.contains(".Labels")
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for &((file, _, rule), policy) in ctx.alerts_with_policy() {
        let summary = rule.annotation(&policy.summary_annotation);
        let description = rule.annotation(&policy.description_annotation);
        let d = |span, msg: String| Diagnostic::new(CHECK.id, &file.source, span, msg);
        for (name, ann) in [
            (&policy.summary_annotation, summary),
            (&policy.description_annotation, description),
        ] {
            if ann.is_none() {
                out.push(
                    d(
                        rule.name_span(),
                        format!("alert `{}` has no `{name}` annotation", rule.name()),
                    )
                    .with_help(format!("add `{name}:` under `annotations:`")),
                );
            }
        }
        if let Some(s) = summary {
            check_summary(&file.source, rule, s, out);
        }
        let texts: Vec<&Pair> = [summary, description].into_iter().flatten().collect();
        if texts.is_empty() {
            continue;
        }
        let anchor = description
            .or(summary)
            .map_or(rule.name_span(), |p| p.value.span);
        if !texts.iter().any(|p| mentions_value(&p.value.value)) {
            out.push(
                d(
                    anchor,
                    "the annotations do not show the current value".to_string(),
                )
                .with_help("say how bad it is: e.g. `{{ $value | humanize }}`"),
            );
        }
        // Labels the result can carry: none when it is known to carry none.
        let carried = ctx
            .semantics(rule)
            .map(|s| s.result_labels.only_labels());
        if let Some(carried) = carried
            && carried.as_ref().is_none_or(|l| !l.is_empty())
            && !texts.iter().any(|p| mentions_labels(&p.value.value))
        {
            let example = carried
                .as_ref()
                .and_then(|l| l.first().copied())
                .unwrap_or("instance");
            out.push(
                d(
                    anchor,
                    "the annotations do not say where: no `$labels` are shown".to_string(),
                )
                .with_help(format!(
                    "name the affected series, e.g. `{{{{ $labels.{example} }}}}`"
                )),
            );
        }
        // A whole number by construction (`count(...) > 3`) prints as one.
        let integral = ctx
            .semantics(rule)
            .is_some_and(|s| s.values.kind() == ValueKind::Integral);
        // Both forms end in `alue`: a substring search rules out most annotations.
        for p in rule
            .annotations
            .iter()
            .filter(|p| !integral && p.value.value.contains("alue"))
        {
            for m in RAW_VALUE.find_iter(&p.value.value) {
                out.push(
                    d(
                        p.value.sub_span(&file.source, m.start(), m.end()),
                        format!("`{}` prints the raw float value", m.as_str()),
                    )
                    .with_label("e.g. 0.30000000000000004")
                    .with_help("format it: `{{ $value | humanize }}`, `humanizePercentage`, `humanizeDuration`, or `printf \"%.2f\"`"),
                );
            }
        }
    }
}

fn check_summary(file: &Arc<SourceFile>, rule: &Rule, summary: &Pair, out: &mut Vec<Diagnostic>) {
    let text = summary.value.value.trim();
    // Letters and digits only, lower-cased: compared as they come, nothing allocated.
    fn squash(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
    }
    let words = text.split_whitespace().count();
    let message = if text.is_empty() {
        "the summary is empty".to_string()
    } else if squash(text).eq(squash(rule.name())) {
        "the summary only repeats the alert name".to_string()
    } else if words < 2 {
        format!("the summary `{text}` does not say what is broken")
    } else {
        return;
    };
    out.push(
        Diagnostic::new(CHECK.id, file, summary.value.span, message)
            .with_help("say what is broken in words a paged engineer understands, e.g. `Fraud model p99 latency above SLO`"),
    );
}
