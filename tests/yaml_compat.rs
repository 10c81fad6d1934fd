//! YAML that Prometheus' reader (go-yaml) accepts and a YAML 1.2 reader alone would not
//! (issue 19): every rule file in `fixtures/yaml-compat/` is read without a `yaml/` finding,
//! every one in `fixtures/yaml-compat/rejected/` is a `yaml/syntax` error, as promtool decides
//! (held to live promtool by the oracle tier, `tests/oracle/yaml_compat.rs`), and findings
//! inside the constructs point where they are written. The README's table lists the constructs.

mod common;
use common::alertlint;
use common::oracle::root;
use common::promtool_test::alertlint_test;

use serde_json::Value;
use std::path::{Path, PathBuf};

const ACCEPTED: &str = "fixtures/yaml-compat";
const REJECTED: &str = "fixtures/yaml-compat/rejected";

/// The `.yaml` files directly in `dir` (relative to the repository root), sorted.
fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            p.strip_prefix(root())
                .expect("under the root")
                .to_path_buf()
        })
        .collect();
    files.sort();
    files
}

/// One finding of `alertlint check --format json`: check, start and end as `line:column`,
/// message.
struct Finding {
    check: String,
    start: (u64, u64),
    end: (u64, u64),
    message: String,
}

/// What `alertlint check --no-config` finds in the rule file at `path`, run as a user runs it.
fn check(path: &Path) -> Vec<Finding> {
    let out = alertlint()
        .current_dir(root())
        .args([
            "check",
            "--no-config",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg(path)
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let at = |v: &Value| {
        (
            v["line"].as_u64().expect("line"),
            v["column"].as_u64().expect("column"),
        )
    };
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| Finding {
            check: d["check"].as_str().expect("check").to_string(),
            start: at(&d["location"]["start"]),
            end: at(&d["location"]["end"]),
            message: d["message"].as_str().expect("message").to_string(),
        })
        .collect()
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "  {} {}:{}-{}:{} {}\n",
                f.check, f.start.0, f.start.1, f.end.0, f.end.1, f.message
            )
        })
        .collect()
}

#[test]
fn accepted_constructs_are_read_without_yaml_findings() {
    let files = fixtures(ACCEPTED);
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let findings = check(&path);
        let yaml: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.check.starts_with("yaml/"))
            .collect();
        assert!(
            yaml.is_empty(),
            "{}:\n{}",
            path.display(),
            describe(&findings)
        );
    }
}

#[test]
fn rejected_constructs_stay_syntax_errors() {
    let files = fixtures(REJECTED);
    assert!(files.len() >= 6, "{files:?}");
    let mut report = String::new();
    for path in files {
        let findings: Vec<Finding> = check(&path)
            .into_iter()
            .filter(|f| f.check == "yaml/syntax")
            .collect();
        assert_eq!(findings.len(), 1, "{}", path.display());
        report.push_str(&format!("{}\n{}", path.display(), describe(&findings)));
    }
    insta::assert_snapshot!("rejected_yaml_syntax", report);
}

/// Findings inside a continued scalar land on the line and column where the offending text
/// is written, continuation lines included.
#[test]
fn findings_inside_continued_scalars_point_where_they_are_written() {
    let findings = check(Path::new(
        "fixtures/yaml-compat/quoted-continuation-at-key-indent.yaml",
    ));
    let at = |check: &str| {
        findings.iter().find(|f| f.check == check).map_or_else(
            || panic!("no {check}:\n{}", describe(&findings)),
            |f| (f.start, f.end),
        )
    };
    // `"warning"` of `severity=~"warning"`, on the expression's continuation line (9).
    assert_eq!(at("promql/regexp"), ((9, 19), (9, 28)));
    // `$labels.instance`, on the summary's continuation line (16).
    assert_eq!(at("template/labels"), ((16, 19), (16, 35)));

    // Every finding of every accepted fixture, where it is reported.
    let mut report = String::new();
    for path in fixtures(ACCEPTED) {
        report.push_str(&format!("{}\n{}", path.display(), describe(&check(&path))));
    }
    insta::assert_snapshot!("accepted_findings", report);
}

/// `alertlint test` reads promtool unit-test files with the same reader: Ceph-style continued
/// series and expected labels load, and the test passes as it does under promtool.
#[test]
fn a_unit_test_file_with_continued_quoted_scalars_passes() {
    let (code, out) = alertlint_test(
        &root().join("fixtures/yaml-compat/unittest"),
        &["quoted-continuation.test.yaml"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS  quoted-continuation.test.yaml"), "{out}");
}
