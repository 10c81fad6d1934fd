//! Baselines: the findings a repository accepted when it adopted alertlint, so that a run
//! reports, and fails on, only findings that are not in the baseline (`check --baseline`).
//!
//! Each finding is known by its check, its file (relative to the config's directory, with `/`),
//! the rule it sits in (`group/name`, none for a finding outside any rule) and a fingerprint of
//! the text it points at: nothing that changes when a rule moves within its file (no line
//! numbers), and nothing that changes when alertlint rewords a message. A file renamed is a
//! new file, so its findings are new. Several findings with one key are counted: a baseline of
//! two accepts two, and a third is new.

use crate::check_id::CheckId;
use crate::config::Config;
use crate::model::{RuleFile, RuleIndex};
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::{SourceFile, Span};
use alertlint_yaml as yaml;
use std::collections::BTreeMap;
use std::hash::Hasher;
use std::path::Path;
use std::sync::Arc;

/// The version written in baseline files; one with another version is refused.
const VERSION: i64 = 1;

/// What one finding is known by in a baseline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    file: String,
    rule: Option<String>,
    check: String,
    fingerprint: String,
}

/// One finding of a baseline file, with where it is written.
#[derive(Debug)]
struct Entry {
    key: Key,
    /// The entry's `fingerprint`, where a fixed finding is reported.
    span: Span,
    /// The finding's message when the baseline was written, for the reader.
    message: Option<String>,
}

/// A baseline read from its file.
#[derive(Debug)]
pub struct Baseline {
    source: Arc<SourceFile>,
    entries: Vec<Entry>,
}

/// A baseline file that cannot be used: reported where the problem is, and the run ends with
/// exit code 2, as for a config error.
pub type BaselineError = Diagnostic;

/// The key of a diagnostic: see the module's doc.
fn key(d: &Diagnostic, rules: &RuleIndex, config: &Config) -> Key {
    let file = slash_path(&config.relative(&d.file.path));
    let rule = rules
        .rule_at(&d.file, d.span.start)
        .map(|(_, name)| name.to_string());
    // FNV-1a (the `fnv` crate): a fingerprint kept in a file must read the same with every
    // build of alertlint, which std's hashers do not promise.
    let mut h = fnv::FnvHasher::default();
    for part in [
        d.check.as_bytes(),
        file.as_bytes(),
        rule.as_deref().unwrap_or("").as_bytes(),
        d.file
            .text
            .get(d.span.range())
            .unwrap_or_default()
            .as_bytes(),
    ] {
        h.write(part);
        // A separator byte no part holds, so that ("ab", "c") and ("a", "bc") differ.
        h.write(&[0xff]);
    }
    Key {
        file,
        rule,
        check: d.check.to_string(),
        fingerprint: format!("{:016x}", h.finish()),
    }
}

fn slash_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// The baseline file for `diags`: sorted, stable JSON, one entry per finding (the message
/// is there for the reader; matching ignores it).
pub fn write(diags: &[Diagnostic], files: &[RuleFile], config: &Config) -> String {
    let rules = RuleIndex::new(files);
    let mut entries: Vec<(Key, &str)> = diags
        .iter()
        .map(|d| (key(d, &rules, config), d.message.as_str()))
        .collect();
    entries.sort();
    let findings: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|(k, message)| {
            let mut o = serde_json::Map::new();
            o.insert("check".into(), k.check.into());
            o.insert("file".into(), k.file.into());
            if let Some(rule) = k.rule {
                o.insert("rule".into(), rule.into());
            }
            o.insert("fingerprint".into(), k.fingerprint.into());
            o.insert("message".into(), message.into());
            serde_json::Value::Object(o)
        })
        .collect();
    let doc = serde_json::json!({ "version": VERSION, "findings": findings });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

impl Baseline {
    /// Reads a baseline file written by [`write`].
    pub fn load(path: &Path) -> Result<Baseline, Vec<BaselineError>> {
        let source = crate::load::read_source(path, "baseline", "baseline")?;
        Baseline::parse(source)
    }

    fn parse(source: Arc<SourceFile>) -> Result<Baseline, Vec<BaselineError>> {
        let error = |span: Span, message: String| {
            Diagnostic::new("baseline", &source, span, message)
                .with_help("write it again with `alertlint check --write-baseline FILE`")
        };
        // JSON is YAML: the span-exact reader tells where each entry is written, for the
        // findings that are fixed.
        let (docs, problems) = yaml::parse(&source.text);
        if let Some(p) = problems.first() {
            return Err(vec![error(p.span, format!("invalid JSON: {}", p.message))]);
        }
        let Some(root) = docs
            .first()
            .map(|d| &d.root)
            .filter(|r| r.as_map().is_some())
        else {
            return Err(vec![error(
                Span::point(0),
                "a baseline is a JSON object with `version` and `findings`".to_string(),
            )]);
        };
        match root.get("version").and_then(yaml::Node::as_str) {
            Some(v) if v == VERSION.to_string() => {}
            _ => {
                let span = root.get("version").map_or(root.span, |v| v.span);
                return Err(vec![error(
                    span,
                    format!("this alertlint reads baselines of version {VERSION}"),
                )]);
            }
        }
        let Some(findings) = root.get("findings").and_then(yaml::Node::as_seq) else {
            let span = root.get("findings").map_or(root.span, |v| v.span);
            return Err(vec![error(span, "`findings` must be a list".to_string())]);
        };
        let mut errors = Vec::new();
        let mut entries = Vec::with_capacity(findings.len());
        for f in findings {
            let field = |name: &str| f.get(name).and_then(yaml::Node::as_str);
            match (field("check"), field("file"), field("fingerprint")) {
                (Some(check), Some(file), Some(fingerprint)) => entries.push(Entry {
                    key: Key {
                        file: file.to_string(),
                        rule: field("rule").map(str::to_string),
                        check: check.to_string(),
                        fingerprint: fingerprint.to_string(),
                    },
                    span: f.get("fingerprint").map_or(f.span, |n| n.span),
                    message: field("message").map(str::to_string),
                }),
                _ => errors.push(error(
                    f.span,
                    "a finding needs `check`, `file` and `fingerprint` strings".to_string(),
                )),
            }
        }
        if errors.is_empty() {
            Ok(Baseline { source, entries })
        } else {
            Err(errors)
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The findings of `diags` that are not in the baseline, and a `baseline/fixed` finding
    /// (at its entry in the baseline file) for each entry no finding matched any more.
    pub fn apply(
        &self,
        diags: Vec<Diagnostic>,
        files: &[RuleFile],
        config: &Config,
    ) -> Vec<Diagnostic> {
        let rules = RuleIndex::new(files);
        let mut accepted: BTreeMap<&Key, usize> = BTreeMap::new();
        for e in &self.entries {
            *accepted.entry(&e.key).or_default() += 1;
        }
        let mut out: Vec<Diagnostic> = diags
            .into_iter()
            .filter(|d| {
                let k = key(d, &rules, config);
                match accepted.get_mut(&k) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                }
            })
            .collect();
        let severity = config
            .enabled(&self.source.path, None)
            .severity(CheckId::BaselineFixed);
        let Some(severity) = severity else {
            return out;
        };
        // The entries left over, last ones first within a key, reported in file order.
        let mut fixed: Vec<&Entry> = Vec::new();
        for e in self.entries.iter().rev() {
            if let Some(n) = accepted.get_mut(&e.key).filter(|n| **n > 0) {
                *n -= 1;
                fixed.push(e);
            }
        }
        fixed.reverse();
        for e in fixed {
            let place = match &e.key.rule {
                Some(rule) => format!("{} (`{rule}`)", e.key.file),
                None => e.key.file.clone(),
            };
            let mut d = Diagnostic::new(
                CheckId::BaselineFixed.id(),
                &self.source,
                e.span,
                format!(
                    "this {} finding in {place} is fixed: remove it from the baseline",
                    e.key.check
                ),
            )
            .with_help("or write the baseline again with `alertlint check --write-baseline FILE`");
            if let Some(m) = &e.message {
                d = d.with_label(format!("was: {m}"));
            }
            d.severity = severity;
            out.push(d);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alertlint_diagnostics::diagnostic::Severity;

    fn rules(text: &str) -> Vec<RuleFile> {
        let source = SourceFile::new("rules/r.yaml", text.to_string());
        match crate::load::read_rule_file(source, crate::model::Dialect::Prometheus) {
            crate::load::Classified::Rules(f) => vec![f],
            crate::load::Classified::NotRules => panic!("not rules"),
        }
    }

    fn diag_at(file: &RuleFile, needle: &str, check: &'static str) -> Diagnostic {
        let start = file.source.text.find(needle).expect("needle");
        Diagnostic::new(
            check,
            &file.source,
            Span::new(start, start + needle.len()),
            "msg",
        )
    }

    const RULES: &str = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n      \
                         - alert: B\n        expr: down == 0\n";
    const MOVED: &str = "groups:\n  - name: g\n    rules:\n      - alert: B\n        expr: down == 0\n      \
                         - alert: A\n        expr: up == 0\n";

    #[test]
    fn keys_survive_moving_a_rule_but_not_renaming_the_file() {
        let config = Config::default();
        let before = rules(RULES);
        let after = rules(MOVED);
        let k = |files: &[RuleFile], needle| {
            key(
                &diag_at(&files[0], needle, "alert/runbook"),
                &RuleIndex::new(files),
                &config,
            )
        };
        assert_eq!(k(&before, "up == 0"), k(&after, "up == 0"));
        assert_eq!(k(&before, "up == 0").rule.as_deref(), Some("g/A"));
        assert_ne!(k(&before, "up == 0"), k(&before, "down == 0"));
        let renamed = SourceFile::new("rules/s.yaml", RULES.to_string());
        let renamed = match crate::load::read_rule_file(renamed, crate::model::Dialect::Prometheus)
        {
            crate::load::Classified::Rules(f) => vec![f],
            crate::load::Classified::NotRules => panic!("not rules"),
        };
        assert_ne!(k(&before, "up == 0"), k(&renamed, "up == 0"));
        // Outside any rule: no rule.
        assert_eq!(k(&before, "groups").rule, None);
    }

    #[test]
    fn accepted_findings_are_counted_and_leftovers_are_fixed() {
        let config = Config::default();
        let files = rules(RULES);
        let a = || diag_at(&files[0], "up == 0", "alert/runbook");
        let b = || diag_at(&files[0], "down == 0", "alert/runbook");
        let text = write(&[a(), a(), b()], &files, &config);
        let baseline =
            Baseline::parse(SourceFile::new("baseline.json", text.clone())).expect("reads back");
        assert_eq!(baseline.len(), 3);
        // Three accepted, three found: nothing to report.
        assert!(
            baseline
                .apply(vec![a(), a(), b()], &files, &config)
                .is_empty()
        );
        // A third `a` is new; `b` is fixed.
        let out = baseline.apply(vec![a(), a(), a()], &files, &config);
        let checks: Vec<&str> = out.iter().map(|d| d.check).collect();
        assert_eq!(checks, ["alert/runbook", "baseline/fixed"]);
        assert!(out[1].message.contains("g/B"), "{}", out[1].message);
        assert_eq!(out[1].severity, Severity::Info);
        // Written again, the same bytes.
        assert_eq!(write(&[b(), a(), a()], &files, &config), text);
    }

    #[test]
    fn unusable_baselines_are_errors_where_written() {
        for (text, message) in [
            ("[1, 2]", "a baseline is a JSON object"),
            (
                "{\"version\": 2, \"findings\": []}",
                "baselines of version 1",
            ),
            ("{\"version\": 1}", "`findings` must be a list"),
            (
                "{\"version\": 1, \"findings\": [{\"check\": \"x\"}]}",
                "needs `check`, `file` and `fingerprint`",
            ),
            ("{\"version\": 1, \"findings\": [", "invalid JSON"),
        ] {
            let errors =
                Baseline::parse(SourceFile::new("b.json", text.to_string())).expect_err(text);
            assert!(
                errors[0].message.contains(message),
                "{text}: {}",
                errors[0].message
            );
        }
    }
}
