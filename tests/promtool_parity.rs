//! `alertlint check` agrees with `promtool check rules` on which files Prometheus would refuse.
//!
//! The oracle is Debian's promtool (2.42); `.ci/run` installs it and this test fails, not skips,
//! without it. Where 2.42 and Prometheus 3.x differ, 3.x wins and the case says why.

use alertlint::analyse::{Inputs, analyse};
use alertlint::checks::{Category, find};
use alertlint::config::Config;
use alertlint::diagnostic::{Diagnostic, Severity};
use alertlint::load::{Classified, load_file};
use std::path::{Path, PathBuf};
use std::process::Command;

struct PromtoolVerdict {
    /// Errors other than the duplicate-rules lint.
    failed: bool,
    duplicates: bool,
    /// Lines promtool names (`line 7:` or `7:15:`), for the errors it positions.
    lines: Vec<usize>,
}

fn promtool(path: &Path) -> PromtoolVerdict {
    let out = Command::new("promtool")
        .args(["check", "rules"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("promtool is required for this test (apt-get install prometheus): {e}")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let duplicates = text.contains("duplicate rule(s) found");
    // `file.yml: 7:15: group ...` (the node position) or `line 7: field x not found`; not the
    // `1:7:` inside a PromQL message, which is relative to the expression.
    let line_re = regex::Regex::new(r"(?m)(?:line (\d+):|\.ya?ml: (\d+):\d+: )").expect("regex");
    let lines = line_re
        .captures_iter(&text)
        .filter_map(|c| c.get(1).or(c.get(2)).and_then(|m| m.as_str().parse().ok()))
        // `0:0:` is promtool's position for a field that is absent.
        .filter(|&l| l > 0)
        .collect();
    // The duplicate-rules lint also prints FAILED; it is compared separately.
    let lint_line = |l: &str| {
        let t = l.trim();
        t.is_empty()
            || t.starts_with("Checking ")
            || t == "FAILED:"
            || t.starts_with("lint error")
            || t.starts_with("Metric:")
            || t.starts_with("Label(s):")
            || t.starts_with("Might cause")
            || l.starts_with('\t')
    };
    let failed = text.contains("FAILED") && !text.lines().all(lint_line);
    PromtoolVerdict {
        failed,
        duplicates,
        lines,
    }
}

fn alertlint(path: &Path) -> Vec<Diagnostic> {
    let file = match load_file(path) {
        Ok(Classified::Rules(f)) => f,
        other => panic!("{}: not read as rules ({})", path.display(), other.is_err()),
    };
    analyse(
        std::slice::from_ref(&file),
        &Config::default(),
        &Inputs::default(),
    )
    .into_iter()
    .filter(|d| find(d.check).is_some_and(|c| c.category == Category::Correctness))
    .collect()
}

fn corpus(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    assert!(root.is_dir(), "corpus missing: {}", root.display());
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(&root)
        .build()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

fn compare(path: &Path) -> Result<(), String> {
    let pt = promtool(path);
    let diags = alertlint(path);
    let errors: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let dup = diags.iter().any(|d| d.check == "rule/duplicate");
    let alertlint_failed = !errors.is_empty();
    if pt.failed != alertlint_failed {
        return Err(format!(
            "{}: promtool failed={}, alertlint errors: {:?}",
            path.display(),
            pt.failed,
            errors
                .iter()
                .map(|d| format!("{}:{} {}", d.start().line, d.check, d.message))
                .collect::<Vec<_>>()
        ));
    }
    if pt.duplicates != dup {
        return Err(format!(
            "{}: promtool duplicates={}, alertlint={dup}",
            path.display(),
            pt.duplicates
        ));
    }
    // promtool positions some errors at the rule (its `record:`), alertlint at the offending
    // field: they agree when they name the same rule.
    let file = match load_file(path) {
        Ok(Classified::Rules(f)) => f,
        _ => return Err(format!("{}: not rules", path.display())),
    };
    let rule_lines = |line: usize| {
        file.rules()
            .map(|(_, r)| {
                (
                    file.source.line_col(r.span.start).line,
                    file.source.line_col(r.span.end).line,
                )
            })
            .find(|(s, e)| *s <= line && line <= *e)
            .unwrap_or((line, line))
    };
    // YAML parsers disagree on where a syntax error is (yaml.v3 names the enclosing block).
    let only_syntax = !errors.is_empty() && errors.iter().all(|d| d.check == "yaml/syntax");
    for line in pt.lines.into_iter().filter(|_| !only_syntax) {
        let (from, to) = rule_lines(line);
        if !errors.iter().any(|d| (from..=to).contains(&d.start().line)) {
            return Err(format!(
                "{}: promtool reports line {line}, alertlint does not",
                path.display()
            ));
        }
    }
    Ok(())
}

#[test]
fn agrees_with_promtool_on_the_awesome_prometheus_alerts_corpus() {
    let files = corpus("../shared/corpora/awesome-prometheus-alerts");
    assert!(files.len() > 100);
    let problems: Vec<String> = files.iter().filter_map(|f| compare(f).err()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn agrees_with_promtool_on_its_own_rule_fixtures() {
    let mut checked = 0;
    for f in corpus("../shared/corpora/promtool-unittest") {
        // Unit-test files are not rule files: alertlint skips them (promtool rejects them).
        if !matches!(load_file(&f), Ok(Classified::Rules(_))) {
            continue;
        }
        compare(&f).unwrap_or_else(|e| panic!("{e}"));
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} promtool fixtures compared");
}

#[test]
fn agrees_with_promtool_on_each_correctness_fixture() {
    let root = Path::new("fixtures/checks");
    let mut checked = 0;
    for entry in std::fs::read_dir(root).expect("fixtures") {
        let dir = entry.expect("entry").path();
        let Some(id) = dir
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.replace("__", "/"))
        else {
            continue;
        };
        if !find(&id).is_some_and(|c| c.category == Category::Correctness) {
            continue;
        }
        for f in ["fail.yaml", "pass.yaml"] {
            compare(&dir.join(f)).unwrap_or_else(|e| panic!("{e}"));
            checked += 1;
        }
    }
    assert!(checked >= 24);
}
