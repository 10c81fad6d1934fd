//! Changed-only runs (`check --diff-base REF`): which findings a change is responsible for.
//!
//! The caller says which files changed since the base revision and what each held there (the
//! CLI asks git). A finding is kept when it is in a rule that is new or different from every
//! rule the file held at the base, or outside any rule in a changed file (a YAML error, a
//! runbook, the Alertmanager config); and anywhere, when it is a `rule/dependency` finding on
//! a name that a changed file recorded at the base and nothing records now: the change broke
//! a rule it did not touch.

use crate::check_id::CheckId;
use crate::load::{Classified, read_rule_file};
use crate::model::{Dialect, Rule, RuleFile, RuleGroup, RuleIndex};
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::{SourceFile, Span};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files changed since the base revision, by absolute path, with their text there (`None`:
/// the file did not exist at the base).
#[derive(Debug, Default)]
pub struct ChangeSet {
    files: HashMap<PathBuf, Option<String>>,
    /// How the files at the base are read: as the current ones.
    dialect: Dialect,
}

/// What a changed-only run keeps, and why, for the note it prints.
#[derive(Debug)]
pub struct Kept {
    pub diagnostics: Vec<Diagnostic>,
    /// Rules new or changed since the base, in the checked files.
    pub changed_rules: usize,
    /// Checked rule files changed since the base.
    pub changed_files: usize,
    /// Recording rules' names recorded at the base by a changed file and by nothing now.
    pub lost_names: Vec<String>,
}

impl ChangeSet {
    pub fn new(
        files: impl IntoIterator<Item = (PathBuf, Option<String>)>,
        dialect: Dialect,
    ) -> ChangeSet {
        ChangeSet {
            files: files
                .into_iter()
                .map(|(p, text)| (canonical(&p), text))
                .collect(),
            dialect,
        }
    }

    fn previous(&self, path: &Path) -> Option<&Option<String>> {
        self.files.get(&canonical(path))
    }

    /// The findings of `diags` the change is responsible for (see the module's doc).
    pub fn keep(&self, diags: Vec<Diagnostic>, files: &[RuleFile]) -> Kept {
        // Per changed rule file: the spans of its changed rules.
        let mut changed: HashMap<*const SourceFile, HashSet<Span>> = HashMap::new();
        let mut changed_rules = 0;
        let mut recorded_before: HashSet<String> = HashSet::new();
        for f in files {
            let Some(before) = self.previous(&f.source.path) else {
                continue;
            };
            let old = before
                .as_ref()
                .and_then(|text| old_rules(&f.source.path, text, self.dialect));
            let old_keys: HashSet<String> = old
                .as_ref()
                .map(|o| o.rules().map(|(g, r)| content_key(g, r)).collect())
                .unwrap_or_default();
            if let Some(o) = &old {
                recorded_before.extend(recorded(o));
            }
            let spans: Vec<Span> = f
                .rules()
                .filter(|(g, r)| !old_keys.contains(&content_key(g, r)))
                .map(|(_, r)| r.span)
                .collect();
            changed_rules += spans.len();
            changed.insert(
                Arc::as_ptr(&f.source),
                spans.into_iter().collect::<HashSet<_>>(),
            );
        }
        // Changed files that are not checked now (deleted, or outside the paths) may have
        // recorded names too.
        let checked: HashSet<PathBuf> = files.iter().map(|f| canonical(&f.source.path)).collect();
        for (path, before) in &self.files {
            if checked.contains(path) {
                continue;
            }
            if let Some(o) = before
                .as_ref()
                .and_then(|text| old_rules(path, text, self.dialect))
            {
                recorded_before.extend(recorded(&o));
            }
        }
        let recorded_now: HashSet<String> = files.iter().flat_map(recorded).collect();
        let mut lost_names: Vec<String> =
            recorded_before.difference(&recorded_now).cloned().collect();
        lost_names.sort();

        let dependency = CheckId::RuleDependency.id();
        let rules = RuleIndex::new(files);
        // Whether a place is one the change touched: in a changed rule, outside the rules of a
        // changed rule file, or anywhere in another changed file.
        // Whether a file that is not a checked rule file changed (a runbook,
        // alertmanager.yml), asked once per file: the path is resolved on the file system.
        let other_changed: std::cell::RefCell<HashMap<*const SourceFile, bool>> =
            std::cell::RefCell::default();
        let touched = |file: &Arc<SourceFile>, at: Span| match changed.get(&Arc::as_ptr(file)) {
            Some(spans) => match rules.rule_at(file, at.start) {
                Some((span, _)) => spans.contains(&span),
                None => true,
            },
            None => *other_changed
                .borrow_mut()
                .entry(Arc::as_ptr(file))
                .or_insert_with(|| self.previous(&file.path).is_some()),
        };
        let diagnostics = diags
            .into_iter()
            .filter(|d| {
                touched(&d.file, d.span)
                    // A finding on an untouched rule about a changed one (the second of two
                    // duplicates, say).
                    || d.related.iter().any(|r| touched(&r.file, r.span))
                    || (d.check == dependency
                        && lost_names.iter().any(|n| *n == metric_name(d.snippet())))
            })
            .collect();
        Kept {
            diagnostics,
            changed_rules,
            changed_files: changed.len(),
            lost_names,
        }
    }
}

trait Snippet {
    fn snippet(&self) -> &str;
}

impl Snippet for Diagnostic {
    /// The text the diagnostic points at.
    fn snippet(&self) -> &str {
        self.file.text.get(self.span.range()).unwrap_or_default()
    }
}

/// The metric name a selector's text starts with (`job:x:rate5m{job="a"}` → `job:x:rate5m`).
fn metric_name(selector: &str) -> &str {
    let end = selector
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(selector.len());
    &selector[..end]
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| alertlint_diagnostics::source::absolute(path))
}

/// A file's rules as they were at the base, if it held rules.
fn old_rules(path: &Path, text: &str, dialect: Dialect) -> Option<RuleFile> {
    match read_rule_file(SourceFile::new(path, text.to_string()), dialect) {
        Classified::Rules(f) => Some(f),
        Classified::NotRules => None,
    }
}

/// The names a file's recording rules record.
fn recorded(f: &RuleFile) -> impl Iterator<Item = String> + '_ {
    f.rules()
        .filter_map(|(_, r)| r.record.as_ref().map(|n| n.value.clone()))
}

fn value(s: Option<&crate::model::Str>) -> &str {
    s.map_or("", |s| s.value.as_str())
}

/// What makes a rule the same rule, wherever it sits in its file: its group's settings and its
/// own fields, as written (layout and comments aside). `--diff-base` and `backtest
/// --baseline-ref` both tell changed rules by it.
pub fn content_key(g: &RuleGroup, r: &Rule) -> String {
    let mut key = String::new();
    for part in [
        value(g.name.as_ref()),
        value(g.interval.as_ref()),
        value(g.query_offset.as_ref()),
        value(g.limit.as_ref()),
        if r.is_alert() { "alert" } else { "record" },
        r.name(),
        value(r.expr.as_ref()),
        value(r.for_.as_ref()),
        value(r.keep_firing_for.as_ref()),
    ] {
        key.push_str(part);
        key.push('\0');
    }
    for pairs in [&g.labels, &r.labels, &r.annotations] {
        let mut sorted: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p.key.value.as_str(), p.value.value.as_str()))
            .collect();
        sorted.sort_unstable();
        for (k, v) in sorted {
            key.push_str(k);
            key.push('=');
            key.push_str(v);
            key.push('\0');
        }
        key.push('\u{1}');
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &Path, text: &str) -> RuleFile {
        old_rules(path, text, Dialect::Prometheus).expect("rules")
    }

    fn diag(f: &RuleFile, needle: &str, check: &'static str) -> Diagnostic {
        let start = f.source.text.find(needle).expect("needle");
        Diagnostic::new(
            check,
            &f.source,
            Span::new(start, start + needle.len()),
            "m",
        )
    }

    #[test]
    fn keeps_findings_of_changed_rules_and_of_rules_the_change_breaks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("b.yaml");
        let before = "groups:\n  - name: g\n    rules:\n      - alert: Same\n        expr: up == 0\n      \
                      - alert: Edited\n        expr: x > 1\n      - record: job:x:sum\n        expr: sum(x)\n";
        let after = "groups:\n  - name: g\n    rules:\n      - alert: Edited\n        expr: x > 2\n      \
                     - alert: Same\n        expr: up == 0\n";
        let other =
            "groups:\n  - name: h\n    rules:\n      - alert: User\n        expr: job:x:sum > 1\n";
        std::fs::write(&a, after).expect("write");
        std::fs::write(&b, other).expect("write");
        let files = [file(&a, after), file(&b, other)];
        let changes = ChangeSet::new([(a.clone(), Some(before.to_string()))], Dialect::Prometheus);
        let diags = vec![
            diag(&files[0], "x > 2", "alert/runbook"),
            diag(&files[0], "up == 0", "alert/runbook"),
            diag(&files[0], "groups", "yaml/syntax"),
            diag(&files[1], "job:x:sum", "rule/dependency"),
            diag(&files[1], "User", "alert/runbook"),
        ];
        let kept = changes.keep(diags, &files);
        let what: Vec<(&str, &str)> = kept
            .diagnostics
            .iter()
            .map(|d| (d.check, d.snippet()))
            .collect();
        assert_eq!(
            what,
            [
                ("alert/runbook", "x > 2"),
                ("yaml/syntax", "groups"),
                ("rule/dependency", "job:x:sum"),
            ]
        );
        assert_eq!(kept.changed_rules, 1);
        assert_eq!(kept.changed_files, 1);
        assert_eq!(kept.lost_names, ["job:x:sum"]);
    }

    #[test]
    fn a_new_file_is_all_new() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.yaml");
        let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n";
        std::fs::write(&a, text).expect("write");
        let files = [file(&a, text)];
        let kept = ChangeSet::new([(a, None)], Dialect::Prometheus)
            .keep(vec![diag(&files[0], "up", "x/y")], &files);
        assert_eq!(kept.diagnostics.len(), 1);
        assert_eq!(kept.changed_rules, 1);
    }

    #[test]
    fn metric_names_of_selectors() {
        assert_eq!(metric_name("job:x:rate5m{job=\"a\"}"), "job:x:rate5m");
        assert_eq!(metric_name("a:b[5m]"), "a:b");
        assert_eq!(metric_name("a:b"), "a:b");
    }
}
