//! `alertlint test`: exit codes, failure output, `--run`, `--junit`, `--ignore-unknown-fields`
//! and positioned load errors, on the project's own unit-test fixtures. Whether each fixture
//! passes, fails or cannot be loaded is held to promtool's recorded verdicts by
//! `tests/unittest_recorded.rs`; the third-party suites are run by the oracle tier
//! (`tests/oracle/unittest_corpus.rs`).

mod common;
use common::oracle::root;
use common::promtool_test::{CASES, alertlint_test as run_in};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    root().join("fixtures/unittest")
}

fn cases() -> PathBuf {
    root().join(CASES)
}

#[test]
fn passing_file_exits_0() {
    let (code, out) = run_in(&fixtures(), &["pass.yml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS  pass.yml"), "{out}");
}

#[test]
fn failure_output_is_a_label_by_label_diff_with_timeline() {
    let (code, out) = run_in(&fixtures(), &["fail.yml"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("fail_human", out);
}

#[test]
fn bad_test_file_exits_2_with_position() {
    let (code, out) = run_in(&fixtures(), &["bad-field.yml"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("bad_field_human", out);
}

#[test]
fn json_format() {
    let (code, out) = run_in(&fixtures(), &["--format", "json", "fail.yml"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["summary"]["failed"], 1);
    assert_eq!(
        v["files"][0]["tests"][0]["failures"][0]["kind"],
        "alert_rule_test"
    );
    insta::assert_snapshot!("fail_json", out);
}

#[test]
fn missing_path_is_usage_error() {
    let (code, _) = run_in(&fixtures(), &["nope.yml"]);
    assert_eq!(code, 2);
}

#[test]
fn rules_examples_tests_pass() {
    let (code, out) = run_in(&root().join("rules-examples/tests"), &["."]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn run_selects_tests_and_junit_is_written() {
    // Without --run, the second test fails.
    let (code, out) = run_in(&cases(), &["run-selection.test.yml"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("✗ test \"regression expects the wrong backlog\""),
        "{out}"
    );
    assert!(!out.contains("✗ test \"smoke backlog recorded\""), "{out}");

    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let (code, out) = run_in(
        &cases(),
        &[
            "--run",
            "^smoke",
            "--junit",
            junit.to_str().expect("utf8"),
            "run-selection.test.yml",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 skipped"), "{out}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains("<testcase name=\"smoke backlog recorded\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"regression expects the wrong backlog\""),
        "{xml}"
    );
    assert!(xml.contains("<skipped/>"), "{xml}");
}

#[test]
fn unknown_rule_group_fields_are_rejected_unless_ignored() {
    let (code, out) = run_in(&cases(), &["unknown-group-field.test.yml"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("unknown field `owner`") && out.contains("unknown-group-field.rules.yml:5:5"),
        "{out}"
    );
    let (code, out) = run_in(
        &cases(),
        &["--ignore-unknown-fields", "unknown-group-field.test.yml"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn failed_checks_are_reported_per_test() {
    let (code, out) = run_in(&cases(), &["--format", "json", "failing.test.yml"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["summary"]["failed"], 2, "{out}");
    assert_eq!(v["summary"]["passed"], 1, "{out}");
    let tests = v["files"][0]["tests"].as_array().expect("tests").clone();
    let kinds = common::failure_kinds;
    // An alert check and an expression check fail in the first test; two alerts fire where
    // none are expected in the second (its third check passes); the third test passes.
    assert_eq!(
        kinds(&tests[0]),
        [
            "alert_rule_test:BacklogGrowing",
            "promql_expr_test:queue:backlog:max"
        ]
    );
    assert_eq!(
        kinds(&tests[1]),
        [
            "alert_rule_test:WorkerSilent",
            "alert_rule_test:BacklogGrowing"
        ]
    );
    assert!(kinds(&tests[2]).is_empty(), "{out}");
}

#[test]
fn bad_files_are_rejected_with_positions() {
    // Unloadable: exit 2 with a positioned diagnostic.
    let (code, out) = run_in(&cases(), &["bad-series.test.yml"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("invalid series") && out.contains("bad-series.test.yml:7:17"),
        "{out}"
    );
    let (code, out) = run_in(&cases(), &["syntax-error.test.yml"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("promql/syntax") && out.contains("syntax-error.rules.yml:6:"),
        "{out}"
    );
    // Valid files whose evaluation fails: failed tests with the evaluator's error.
    let (code, out) = run_in(&cases(), &["many-to-many.test.yml"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("rule shelf:stock:with_price (group joins) failed to evaluate at 0s"),
        "{out}"
    );
    assert!(
        out.contains("expr \"crate_weight < on (lot) crate_limit\" at 0s failed"),
        "{out}"
    );
    assert_eq!(
        out.matches("many-to-many matching not allowed").count(),
        2,
        "{out}"
    );
}

/// The suite written for Prometheus 2.x (`cases/prometheus-2*.test.yml`, which promtool 2.42
/// passes) passes with `--prometheus-version 2`.
#[test]
fn prometheus_2_suite_passes_with_prometheus_version_2() {
    let files = [
        "prometheus-2.test.yml",
        "prometheus-2-holt-winters.test.yml",
    ];
    let (code, out) = run_in(
        &cases(),
        &[&["--prometheus-version", "2"][..], &files].concat(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("7 tests in 2 files: 7 passed, 0 failed"),
        "{out}"
    );
}

/// Under 3.x semantics (the default) every group but the last fails, and says which change
/// it passes without; the file using `holt_winters` does not load, and says the same.
#[test]
fn prometheus_2_suite_fails_under_3_with_the_reason() {
    let (code, out) = run_in(&cases(), &["prometheus-2.test.yml"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.matches("hint: passes with Prometheus 2 semantics")
            .count(),
        5
    );
    insta::assert_snapshot!("prometheus_2_human", out);
    let (code, out) = run_in(&cases(), &["prometheus-2-holt-winters.test.yml"]);
    assert_eq!(code, 2, "{out}");
    insta::assert_snapshot!("prometheus_2_holt_winters_human", out);
}

/// The JSON report gives each failing group's differences by id, and JUnit the hint line.
#[test]
fn prometheus_2_hints_in_json_and_junit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let (code, out) = run_in(
        &cases(),
        &[
            "--format",
            "json",
            "--junit",
            junit.to_str().expect("utf8"),
            "prometheus-2.test.yml",
            "prometheus-2-holt-winters.test.yml",
        ],
    );
    assert_eq!(code, 2, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let ids = |p: &serde_json::Value| -> Vec<String> {
        p["passes_with_prometheus_2"]["differences"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d["id"].as_str().expect("id").to_string())
            .collect()
    };
    let groups: Vec<Vec<String>> = v["files"][0]["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(ids)
        .collect();
    assert_eq!(
        groups,
        [
            vec!["left-open-windows"],
            vec!["rate-zero-clamp"],
            vec!["regex-dot-newline"],
            vec!["non-finite-stddev"],
            vec!["interval-default"],
            vec![],
        ]
    );
    let hint = &v["files"][0]["tests"][1]["passes_with_prometheus_2"];
    assert_eq!(hint["kind"], "any_of");
    assert_eq!(hint["differences"][0]["release"], "2.51");
    assert_eq!(ids(&v["files"][1]), ["holt-winters-renamed"]);
    assert_eq!(v["files"][1]["status"], "error");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert_eq!(
        xml.matches("hint: passes with Prometheus 2 semantics")
            .count(),
        5,
        "{xml}"
    );
    assert!(
        xml.contains("passes with Prometheus 2 semantics: 3.0 renamed holt_winters"),
        "{xml}"
    );
}

/// A 2.x release keeps only the changes made after it: 2.54 already has 2.49's interval
/// default and 2.51's zero clamp, so those two groups fail, the others pass.
#[test]
fn a_prometheus_2_release_undoes_only_later_changes() {
    let (code, out) = run_in(
        &cases(),
        &[
            "--prometheus-version",
            "2.54",
            "--format",
            "json",
            "prometheus-2.test.yml",
        ],
    );
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let failed: Vec<&str> = v["files"][0]["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .filter(|t| t["status"] == "fail")
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        failed,
        [
            "increase extrapolates to the counter's zero point",
            "without an interval only the first value is loaded"
        ]
    );
    let (code, out) = run_in(
        &cases(),
        &["--prometheus-version", "4", "prometheus-2.test.yml"],
    );
    assert_eq!(code, 2, "{out}");
}
