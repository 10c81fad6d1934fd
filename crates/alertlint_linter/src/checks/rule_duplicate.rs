//! ## What it does
//! Reports two rules in one file with the same name and the same labels (group labels
//! included), as `promtool check rules` does; and a rule defined again in another of the
//! checked files (a plain rule file or a `PrometheusRule` manifest) with the same name,
//! expression (compared in Prometheus' canonical form, so layout and spacing do not matter)
//! and labels.
//!
//! ## Why is this bad?
//! Two recording rules writing the same series overwrite each other's samples, and the result
//! depends on evaluation order. Two identical alerts page twice, or hide each other's changes
//! when one is edited and the other is forgotten: a copy left in a second file (a manifest
//! next to the rule file it was generated from) is the usual way this happens.
//!
//! ## Example
//! ```yaml
//! - record: job:requests:rate5m
//!   expr: sum by (job) (rate(requests_total[5m]))
//! - record: job:requests:rate5m
//!   expr: sum by (job) (rate(requests_total[1m]))
//! ```
//!
//! ## Use instead
//! ```yaml
//! - record: job:requests:rate5m
//!   expr: sum by (job) (rate(requests_total[5m]))
//! - record: job:requests:rate1m
//!   expr: sum by (job) (rate(requests_total[1m]))
//! ```

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use crate::model::Rule;
use alertlint_diagnostics::source::SourceFile;
use fnv::FnvHashMap as HashMap;
use std::sync::Arc;

/// A rule's labels (its group's, then its own, which win), sorted by name: what tells two rules
/// of one name apart. A sorted vector rather than a map: a handful of labels, hashed once per
/// rule.
fn label_key<'a>(group: &'a crate::model::RuleGroup, rule: &'a Rule) -> Vec<(&'a str, &'a str)> {
    let mut labels: Vec<(&str, &str)> = rule.labels_with(group).collect();
    // Stable: of two values of one label, the later (the rule's) stays last, and is kept.
    labels.sort_by_key(|(k, _)| *k);
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(labels.len());
    for l in labels {
        match out.last_mut() {
            Some(last) if last.0 == l.0 => *last = l,
            _ => out.push(l),
        }
    }
    out
}

pub(super) const CHECK: Check = Check {
    id: "rule/duplicate",
    summary: "two rules with the same name and labels in one file, or the same rule in two files",
    category: Category::Correctness,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("rule_duplicate.rs"),
    run: Some(run),
};

/// One copy of a rule: the index of its file, the file, the rule.
type RuleCopy<'a> = (usize, &'a Arc<SourceFile>, &'a Rule);

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Every rule by name and labels, in file and rule order: the key is worked out once per
    // rule for both findings.
    type Key<'a> = (&'a str, Vec<(&'a str, &'a str)>);
    let mut by_name: HashMap<Key<'_>, Vec<RuleCopy<'_>>> = HashMap::default();
    for (index, file) in ctx.files.iter().enumerate() {
        for (group, rule) in file.rules() {
            if !rule.name().is_empty() {
                by_name
                    .entry((rule.name(), label_key(group, rule)))
                    .or_default()
                    .push((index, &file.source, rule));
            }
        }
    }
    let mut alike: Vec<&Vec<RuleCopy<'_>>> = by_name.values().filter(|c| c.len() > 1).collect();
    // In file order, whatever the hash map's.
    alike.sort_by_key(|copies| (copies[0].0, copies[0].2.name_span().start));
    for copies in alike {
        in_one_file(copies, out);
        if copies.iter().any(|c| c.0 != copies[0].0) {
            across_files(copies, out);
        }
    }
}

/// Each later copy of a rule in the same file, pointing at the copy before it.
fn in_one_file(copies: &[RuleCopy<'_>], out: &mut Vec<Diagnostic>) {
    for pair in copies.windows(2) {
        let [(file, _, before), (later_file, source, rule)] = pair else {
            continue;
        };
        if file != later_file {
            continue;
        }
        out.push(
            Diagnostic::new(
                CHECK.id,
                source,
                rule.name_span(),
                format!(
                    "rule `{}` is defined twice with the same labels",
                    rule.name()
                ),
            )
            .with_related(source, before.name_span(), "first defined here")
            .with_help("remove one, or tell them apart by name or labels"),
        );
    }
}

/// The expression as Prometheus prints it when it parses (layout and spacing aside), else
/// as written.
fn canonical_expr(rule: &Rule) -> Option<String> {
    match (&rule.promql, &rule.expr) {
        (Some(Ok(e)), _) => Some(e.to_string()),
        (_, Some(text)) => Some(text.value.trim().to_string()),
        (_, None) => None,
    }
}

/// Copies of one rule (name and labels) found in several files, in file order: each copy
/// with the same expression as one in an earlier file is reported once, pointing at the
/// first. Only such rules have their expressions printed.
fn across_files(copies: &[RuleCopy<'_>], out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<String, RuleCopy<'_>> = HashMap::default();
    for &(index, source, rule) in copies {
        let Some(expr) = canonical_expr(rule) else {
            continue;
        };
        match first.get(&expr) {
            Some(&(at, other, first_rule)) if at != index => out.push(
                Diagnostic::new(
                    CHECK.id,
                    source,
                    rule.name_span(),
                    format!(
                        "rule `{}` is also defined in {} with the same expression and labels",
                        rule.name(),
                        other.display_path()
                    ),
                )
                .with_related(other, first_rule.name_span(), "first defined here")
                .with_help("keep one copy: Prometheus would evaluate both"),
            ),
            Some(_) => {}
            None => {
                first.insert(expr, (index, source, rule));
            }
        }
    }
}
