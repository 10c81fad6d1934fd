//! `alertlint test`: exit codes, failure output, and the promtool / kubernetes-mixin corpora.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn promtool_corpus() -> PathBuf {
    root().join("../shared/corpora/promtool-unittest")
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("alertlint")
        .expect("binary")
        .current_dir(dir)
        .arg("test")
        .arg("--color")
        .arg("never")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn fixtures() -> PathBuf {
    root().join("fixtures/unittest")
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
fn run_selects_tests_and_junit_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let corpus = promtool_corpus();
    let (code, out) = run_in(
        &corpus,
        &[
            "--run",
            "^correct",
            "--junit",
            junit.to_str().expect("utf8"),
            "rules_run.yml",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 skipped"), "{out}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(xml.contains("<testcase name=\"correct test\""), "{xml}");
    assert!(xml.contains("<skipped/>"), "{xml}");
}

#[test]
fn missing_path_is_usage_error() {
    let (code, _) = run_in(&fixtures(), &["nope.yml"]);
    assert_eq!(code, 2);
}

// promtool's own fixtures (cmd/promtool/testdata): what promtool passes must pass.
#[test]
fn promtool_corpus_passing_files() {
    for f in [
        "unittest.yml",
        "long-period.yml",
        "no-test-group-interval.yml",
        "start-time-test.yml",
        "at-modifier-test.yml",
        "negative-offset-test.yml",
    ] {
        let (code, out) = run_in(&promtool_corpus(), &[f]);
        assert_eq!(code, 0, "{f}:\n{out}");
    }
    // Passes with --ignore-unknown-fields, as with promtool.
    let (code, out) = run_in(
        &promtool_corpus(),
        &["--ignore-unknown-fields", "rules_run_extrafields.yml"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn promtool_corpus_failing_cases() {
    let (code, out) = run_in(&promtool_corpus(), &["--format", "json", "failing.yml"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let tests = v["files"][0]["tests"].as_array().expect("tests").clone();
    let kinds = |t: &serde_json::Value| -> Vec<String> {
        t["failures"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["kind"].as_str().unwrap_or(""),
                    f["alertname"].as_str().or(f["expr"].as_str()).unwrap_or("")
                )
            })
            .collect()
    };
    // Same cases as promtool: test 0 fails its alert (Test) and expr (test) checks, test 1
    // fails both alert checks (InstanceDown and AlwaysFiring fire at 5m).
    assert_eq!(
        kinds(&tests[0]),
        ["alert_rule_test:Test", "promql_expr_test:test"]
    );
    assert_eq!(
        kinds(&tests[1]),
        [
            "alert_rule_test:InstanceDown",
            "alert_rule_test:AlwaysFiring"
        ]
    );

    // rules_run.yml: "wrong test" fails, "correct test" passes.
    let (code, out) = run_in(&promtool_corpus(), &["rules_run.yml"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ test \"wrong test\""), "{out}");
    assert!(!out.contains("✗ test \"correct test\""), "{out}");

    // Fuzzy compare: one-ulp differences pass, larger ones fail; without it all fail.
    let (code, out) = run_in(&promtool_corpus(), &["rules_run_fuzzy.yml"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ test \"wrong fuzzy match\""), "{out}");
    assert!(!out.contains("✗ test \"correct fuzzy match\""), "{out}");
    let (code, out) = run_in(&promtool_corpus(), &["rules_run_no_fuzzy.yml"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ test \"correct fuzzy match\""), "{out}");
}

#[test]
fn promtool_corpus_bad_files_are_rejected() {
    let corpus = promtool_corpus();
    // Unloadable: exit 2 with a positioned diagnostic.
    let (code, out) = run_in(&corpus, &["bad-input-series.yml"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("invalid series") && out.contains("bad-input-series.yml:3:17"),
        "{out}"
    );
    let (code, out) = run_in(&corpus, &["bad-rules-syntax-test.yml"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("bad-rules-syntax.yml:7:"), "{out}");
    // Valid files whose evaluation fails: a failed test with the evaluator's error.
    let (code, out) = run_in(&corpus, &["bad-rules-error-test.yml"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("rule joined (group bad-example) failed to evaluate at 0s"),
        "{out}"
    );
    assert!(out.contains("many-to-many matching not allowed"), "{out}");
    let (code, out) = run_in(&corpus, &["bad-promql.yml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("many-to-many matching not allowed"), "{out}");
    // Without --ignore-unknown-fields, unknown rule-group fields are rejected.
    let (code, out) = run_in(&corpus, &["rules_run_extrafields.yml"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("unknown field `namespace`"), "{out}");
}

#[test]
fn kubernetes_mixin_suites_pass() {
    let dir = root().join("../shared/corpora/kubernetes-mixin/tests");
    let (code, out) = run_in(&dir, &["."]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("in 6 files"), "{out}");
}

#[test]
fn rules_examples_tests_pass() {
    let (code, out) = run_in(&root().join("rules-examples/tests"), &["."]);
    assert_eq!(code, 0, "{out}");
}
