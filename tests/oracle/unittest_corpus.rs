//! `alertlint test` on third-party unit-test suites: promtool's own test data
//! (`cmd/promtool/testdata`, corpus `promtool-unittest`) and the kubernetes-mixin tests. These
//! files follow Prometheus 3.x (`start_timestamp`, `fuzzy_compare`, native histograms), so
//! alertlint is held to what 3.x does with them rather than to Debian's promtool 2.42.

use crate::common::oracle::corpus;
use crate::common::promtool_test::alertlint_test as run_in;

// promtool's own fixtures: what promtool passes must pass.
#[test]
fn promtool_corpus_passing_files() {
    let corpus = corpus("promtool-unittest");
    for f in [
        "unittest.yml",
        "long-period.yml",
        "no-test-group-interval.yml",
        "start-time-test.yml",
        "at-modifier-test.yml",
        "negative-offset-test.yml",
    ] {
        let (code, out) = run_in(&corpus, &[f]);
        assert_eq!(code, 0, "{f}:\n{out}");
    }
    // Passes with --ignore-unknown-fields, as with promtool.
    let (code, out) = run_in(
        &corpus,
        &["--ignore-unknown-fields", "rules_run_extrafields.yml"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn run_selects_tests_and_junit_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let (code, out) = run_in(
        &corpus("promtool-unittest"),
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
fn promtool_corpus_failing_cases() {
    let corpus = corpus("promtool-unittest");
    let (code, out) = run_in(&corpus, &["--format", "json", "failing.yml"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let tests = v["files"][0]["tests"].as_array().expect("tests").clone();
    let kinds = crate::common::failure_kinds;
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
    let (code, out) = run_in(&corpus, &["rules_run.yml"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ test \"wrong test\""), "{out}");
    assert!(!out.contains("✗ test \"correct test\""), "{out}");

    // Fuzzy compare: one-ulp differences pass, larger ones fail; without it all fail.
    let (code, out) = run_in(&corpus, &["rules_run_fuzzy.yml"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ test \"wrong fuzzy match\""), "{out}");
    assert!(!out.contains("✗ test \"correct fuzzy match\""), "{out}");
    let (code, out) = run_in(&corpus, &["rules_run_no_fuzzy.yml"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ test \"correct fuzzy match\""), "{out}");
}

#[test]
fn promtool_corpus_bad_files_are_rejected() {
    let corpus = corpus("promtool-unittest");
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
    let dir = corpus("kubernetes-mixin").join("tests");
    let (code, out) = run_in(&dir, &["."]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("in 6 files"), "{out}");
}
