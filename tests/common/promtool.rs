//! `promtool check rules` as an oracle: its verdict on a file, read from its output, and the
//! comparison of that verdict with alertlint's correctness findings. Shared by tier 1 (verdicts
//! recorded in `fixtures/oracle/promtool-check-rules.json`) and the oracle tier (promtool live).

use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::checks::{Category, CheckId};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, load_file};
use alertlint_linter::model::Dialect;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What promtool said of one rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Verdict {
    /// Errors other than the duplicate-rules lint.
    pub failed: bool,
    /// The duplicate-rules lint fired.
    pub duplicates: bool,
    /// Lines promtool names (`line 7:` or `7:15:`), for the errors it positions.
    pub lines: Vec<usize>,
}

/// `fixtures/oracle/promtool-check-rules.json`: promtool's verdict per input file, and the files
/// where Prometheus 3.x (which alertlint follows) decides otherwise than the recorded 2.42.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Recording {
    /// `promtool --version`'s first line when recorded.
    pub promtool: String,
    pub verdicts: BTreeMap<String, Verdict>,
    /// File → why Prometheus 3.x's verdict differs from the recorded one (alertlint's verdict
    /// must then be the opposite `failed`). Written by hand, kept when re-recording.
    #[serde(default)]
    pub differs_in_3x: BTreeMap<String, String>,
}

pub(crate) const RECORDING: &str = "promtool-check-rules.json";

/// The project's own inputs whose promtool verdicts are recorded: the fixtures of every
/// correctness check, the example rule set (plain rule files), and the generated corpus under
/// `fixtures/oracle/check-rules/`. Sorted, relative to the repository root.
pub(crate) fn inputs() -> Vec<PathBuf> {
    let root = super::oracle::root();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("fixtures/checks")).expect("fixtures/checks") {
        let dir = entry.expect("entry").path();
        let id = dir
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.replace("__", "/"))
            .unwrap_or_default();
        if CheckId::from_id(&id).is_some_and(|c| c.check().category == Category::Correctness) {
            files.push(dir.join("fail.yaml"));
            files.push(dir.join("pass.yaml"));
        }
    }
    for dir in ["rules-examples/rules", "fixtures/oracle/check-rules"] {
        for entry in ignore::WalkBuilder::new(root.join(dir)).build() {
            let path = entry.expect("walk").into_path();
            // promtool reads plain rule files only, not `PrometheusRule` manifests.
            let manifest =
                || std::fs::read_to_string(&path).is_ok_and(|t| t.contains("kind: PrometheusRule"));
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") && !manifest() {
                files.push(path);
            }
        }
    }
    let mut files: Vec<PathBuf> = files
        .into_iter()
        .map(|p| p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(p))
        .collect();
    files.sort();
    files
}

/// Runs `promtool check rules` on `path` and reads its verdict.
pub(crate) fn run(promtool: &str, path: &Path) -> Verdict {
    let out = Command::new(promtool)
        .args(["check", "rules"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{promtool}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    read_output(&text)
}

/// promtool's verdict from what it printed.
pub(crate) fn read_output(text: &str) -> Verdict {
    let duplicates = text.contains("duplicate rule(s) found");
    // `file.yml: 7:15: group ...` (the node position) or `line 7: field x not found`; not the
    // `1:7:` inside a PromQL message, which is relative to the expression.
    let line_re = regex::Regex::new(r"(?m)(?:line (\d+):|\.ya?ml: (\d+):\d+: )").expect("regex");
    let mut lines: Vec<usize> = line_re
        .captures_iter(text)
        .filter_map(|c| c.get(1).or(c.get(2)).and_then(|m| m.as_str().parse().ok()))
        // `0:0:` is promtool's position for a field that is absent.
        .filter(|&l| l > 0)
        .collect();
    lines.sort_unstable();
    lines.dedup();
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
    Verdict {
        failed,
        duplicates,
        lines,
    }
}

/// alertlint's correctness findings on one rule file, with default settings.
fn correctness_findings(path: &Path) -> Result<Vec<Diagnostic>, String> {
    let file = match load_file(path, Dialect::Prometheus) {
        Ok(Classified::Rules(f)) => f,
        // Skipped as YAML that is not rules (an empty file, say): alertlint finds nothing, as
        // promtool finds no rule to refuse.
        Ok(Classified::NotRules) => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    Ok(analyse(
        std::slice::from_ref(&file),
        &Config::default(),
        &Inputs::default(),
    )
    .into_iter()
    .filter(|d| {
        CheckId::from_id(d.check).is_some_and(|c| c.check().category == Category::Correctness)
    })
    .collect())
}

/// Whether alertlint agrees with promtool's `verdict` on `path`: the same pass/fail (the
/// opposite where `differs_in_3x`), the duplicate lint alike, and an error in each rule whose
/// line promtool names.
pub(crate) fn compare(path: &Path, verdict: &Verdict, differs_in_3x: bool) -> Result<(), String> {
    let diags = correctness_findings(path)?;
    let errors: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let dup = diags.iter().any(|d| d.check == "rule/duplicate");
    let alertlint_failed = !errors.is_empty();
    if (verdict.failed != differs_in_3x) != alertlint_failed {
        return Err(format!(
            "{}: promtool failed={}{}, alertlint errors: {:?}",
            path.display(),
            verdict.failed,
            if differs_in_3x { " (3.x differs)" } else { "" },
            errors
                .iter()
                .map(|d| format!("{}:{} {}", d.start().line, d.check, d.message))
                .collect::<Vec<_>>()
        ));
    }
    if verdict.duplicates != dup {
        return Err(format!(
            "{}: promtool duplicates={}, alertlint={dup}",
            path.display(),
            verdict.duplicates
        ));
    }
    if differs_in_3x {
        return Ok(());
    }
    // promtool positions some errors at the rule (its `record:`), alertlint at the offending
    // field: they agree when they name the same rule.
    if verdict.lines.is_empty() {
        return Ok(());
    }
    let Ok(Classified::Rules(file)) = load_file(path, Dialect::Prometheus) else {
        return Err(format!(
            "{}: promtool names lines, alertlint skips the file as not rules",
            path.display()
        ));
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
    for &line in verdict.lines.iter().filter(|_| !only_syntax) {
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
