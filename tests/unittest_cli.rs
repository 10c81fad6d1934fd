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
