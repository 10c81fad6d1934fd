//! `alertlint test`: exit codes, failure output, `--run`, `--junit`, `--ignore-unknown-fields`,
//! positioned load errors and `--coverage`, on the project's own unit-test fixtures. Whether each fixture
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

/// `fixtures/unittest/coverage/`: a rule file its test file leaves partly uncovered on purpose
/// (each rule says how), and one no test file loads.
fn coverage_fixtures() -> PathBuf {
    fixtures().join("coverage")
}

/// `alertlint test ARGS` in the coverage fixtures: exit code, standard output, standard error.
fn run_coverage(args: &[&str]) -> (i32, String, String) {
    let out = common::alertlint()
        .current_dir(coverage_fixtures())
        .args(["test", "--color", "never"])
        .args(args)
        .output()
        .expect("run alertlint test");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The names of the rules in `list` (a JSON array of rules) for which `keep` holds.
fn rule_names(list: &serde_json::Value, keep: impl Fn(&serde_json::Value) -> bool) -> Vec<String> {
    list.as_array()
        .expect("a list of rules")
        .iter()
        .filter(|r| keep(r))
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect()
}

/// The human report after the test results: the counts, the rule file no test loads (given
/// with `--rules`, which implies `--coverage`), and each category's rules with file and line.
#[test]
fn coverage_human_report_lists_each_category() {
    let (code, out, err) = run_coverage(&["--coverage", "--rules", "rules", "tests"]);
    assert_eq!(code, 0, "{out}{err}");
    insta::assert_snapshot!("coverage_human", out);
    // `--rules` asks for the report by itself.
    assert_eq!(run_coverage(&["--rules", "rules", "tests"]).1, out);
    // The README shows this report as its example.
    let report = out.split_once("\nCoverage:").expect("a coverage report").1;
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&format!("```\nCoverage:{report}```\n")),
        "README.md's example of the coverage report differs from:\nCoverage:{report}"
    );
}

/// The JSON report's `coverage` object: its version, the rule files (the one the test loads as
/// `tests/../rules/…` and `--rules` finds again is one file), and per rule what the tests
/// assert of it.
#[test]
fn coverage_json_has_a_versioned_object_with_per_rule_entries() {
    let (code, out, err) = run_coverage(&[
        "--format",
        "json",
        "--coverage",
        "--rules",
        "rules",
        "tests",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let c = &v["coverage"];
    assert_eq!(c["version"], 1);
    assert_eq!(
        c["rule_files"],
        serde_json::json!([
            {"path": "rules/billing.rules.yml", "loaded_by_tests": true},
            {"path": "rules/payouts.rules.yml", "loaded_by_tests": false},
        ])
    );
    let alerts = &c["alerting_rules"];
    assert_eq!(
        rule_names(alerts, |a| a["tests"] == 0),
        ["InvoiceBacklogAged", "PayoutsPiling"]
    );
    assert_eq!(
        rule_names(alerts, |a| a["asserted_firing"] != 0),
        ["InvoiceFailuresHigh", "InvoiceExporterDown"]
    );
    assert_eq!(
        rule_names(alerts, |a| a["asserted_silent"] != 0),
        ["InvoiceFailuresHigh", "InvoiceQueueStuck"]
    );
    assert_eq!(
        rule_names(&c["recording_rules"], |r| r["reached"] == false),
        [
            "invoice:backlog_age:max",
            "invoice:amount:sum1h",
            "payout:pending:sum"
        ]
    );
    assert_eq!(c["summary"]["asserted_firing_percent"], 40.0);
    insta::assert_snapshot!("coverage_json", out);
}

/// With `--run`, only the groups it selects count, and the report says so: the second group's
/// alerts and the records only it reaches are uncovered.
#[test]
fn coverage_counts_only_the_test_groups_that_ran() {
    let (code, out, err) = run_coverage(&["--coverage", "--run", "^failures", "tests"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "only the test groups --run selects count (\"^failures\"): 1 of 2 test groups ran"
        ),
        "{out}"
    );
    let (code, out, err) = run_coverage(&[
        "--format",
        "json",
        "--coverage",
        "--run",
        "^failures",
        "tests",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let c = &v["coverage"];
    assert_eq!(c["run_filter"], serde_json::json!(["^failures"]));
    assert_eq!(c["test_groups"], serde_json::json!({"ran": 1, "total": 2}));
    assert_eq!(
        rule_names(&c["alerting_rules"], |a| a["tests"] != 0),
        ["InvoiceFailuresHigh"]
    );
    assert_eq!(
        rule_names(&c["recording_rules"], |r| r["reached"] == true),
        [
            "invoice:failures:rate5m",
            "invoice:attempts:rate5m",
            "invoice:failure_ratio:rate5m"
        ]
    );
}

/// `--min-coverage` implies `--coverage`; the run fails (exit 1, the figure and the threshold
/// on standard error) below it and passes at it; the JSON report stays whole either way.
#[test]
fn min_coverage_fails_the_run_below_the_threshold() {
    // Without --rules: 2 of the 4 alerting rules of billing.rules.yml, 50%.
    let (code, out, err) = run_coverage(&["--min-coverage", "50", "tests"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("asserted firing:    2 of 4 alerting rules (50.0%)"),
        "{out}"
    );
    assert_eq!(err, "");
    let (code, out, err) = run_coverage(&["--min-coverage", "50.5", "tests"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        err,
        "error: coverage 50.0% (2 of 4 alerting rules asserted firing) is below --min-coverage 50.5%\n"
    );
    // The rule file no test loads brings it down to 2 of 5.
    let (code, out, err) = run_coverage(&[
        "--format",
        "json",
        "--min-coverage",
        "50%",
        "--rules",
        "rules",
        "tests",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("coverage 40.0% (2 of 5"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["coverage"]["summary"]["asserted_firing"], 2);
    assert_eq!(v["summary"]["failed"], 0);
}

/// A percentage outside 0 to 100, or not a number, is a usage error; so are a `--rules` path
/// that does not exist and a rule file that is not YAML (at its position). No test runs.
#[test]
fn bad_coverage_arguments_are_usage_errors() {
    for bad in ["101", "-1", "most"] {
        let arg = format!("--min-coverage={bad}");
        let (code, out, err) = run_coverage(&[&arg, "tests"]);
        assert_eq!(code, 2, "{bad}: {out}{err}");
        assert!(err.contains("expected a number from 0 to 100"), "{err}");
        assert_eq!(out, "");
    }
    let (code, out, err) = run_coverage(&["--rules", "no-such-dir", "tests"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("--rules no-such-dir:"), "{err}");
    assert_eq!(out, "");
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.rules.yml");
    std::fs::write(&broken, "groups:\n  - name: [unclosed\n").expect("write");
    let (code, out, err) = run_coverage(&["--rules", broken.to_str().expect("utf8"), "tests"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("broken.rules.yml:3:1: while parsing a flow sequence"),
        "{err}"
    );
    assert_eq!(out, "");
}
