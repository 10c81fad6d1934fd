//! Hostile and huge input in PromQL, series values and templates (issue 15): every case
//! that used to panic, abort, wrap silently or run without end now stops at a limit with a
//! message that names it, in `alertlint check` (a positioned `promql/syntax` error, exit 1)
//! and in `alertlint test` (a positioned load error, exit 2, or a failing test, exit 1).
//!
//! Prometheus' own limits are checked with Prometheus' words. Debian's promtool 2.42 agrees
//! on every message below except where noted: 2.42 does not accept a number of seconds as a
//! range, offset or subquery step at all (`up[1e300]`: "missing unit character in
//! duration"), which Prometheus 3.x does and then finds out of range; 3.x wins.

mod common;
use common::alertlint;

/// Writes `files` into a new temporary directory.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

/// A rule file with one recording rule whose `expr` is `expr`, single-quoted on line 5: the
/// expression starts at column 12.
fn rule_file(expr: &str) -> String {
    format!(
        "groups:\n- name: g\n  rules:\n  - record: r\n    expr: '{}'\n",
        expr.replace('\'', "''")
    )
}

/// `alertlint check --format json` on one rule file: exit code and the `promql/syntax`
/// diagnostics as (message, line, column).
fn check(expr: &str) -> (i32, Vec<(String, u64, u64)>) {
    let dir = dir_with(&[("rules.yaml", &rule_file(expr))]);
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "--no-config", "--format", "json", "rules.yaml"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let diags = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["check"] == "promql/syntax")
        .map(|d| {
            (
                d["message"].as_str().expect("message").to_string(),
                d["location"]["start"]["line"].as_u64().expect("line"),
                d["location"]["start"]["column"].as_u64().expect("column"),
            )
        })
        .collect();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), diags)
}

/// `check` of `expr` reports exactly `message` at the byte offset `at` of the expression.
fn assert_syntax_error(expr: &str, message: &str, at: usize) {
    let (code, diags) = check(expr);
    assert_eq!(code, 1, "{expr}: {diags:?}");
    assert_eq!(
        diags,
        vec![(
            format!("invalid PromQL in `r`: {message}"),
            5,
            12 + at as u64
        )],
        "{expr}"
    );
}

#[test]
fn check_huge_durations_are_out_of_range_not_a_crash() {
    // promql-parser panicked on these (Duration::from_secs_f64).
    assert_syntax_error("rate(up[1e300])", "duration out of range", 8);
    assert_syntax_error("up offset 1e300", "duration out of range", 10);
    assert_syntax_error("up[5m:1e300]", "duration out of range", 6);
    // promtool 2.42: "1:4: parse error: duration out of range".
    assert_syntax_error("up[293y]", "duration out of range", 3);
    // Accepted before, and evaluated with a millisecond count that wrapped.
    assert_syntax_error(
        "count_over_time(up[300000000y])",
        "duration out of range",
        19,
    );
    // promtool 3.x (prometheus/common's ParseDuration); 2.42 said "duration out of range".
    assert_syntax_error(
        "up[99999999999999999999y]",
        "not a valid duration string: \"99999999999999999999y\"",
        3,
    );
}

#[test]
fn check_at_timestamps_and_numbers_out_of_range() {
    // promtool 2.42: "1:1: parse error: timestamp out of bounds for @ modifier: 1000...".
    assert_syntax_error(
        "up @ 1e20",
        "timestamp out of bounds for @ modifier: 100000000000000000000.000000",
        0,
    );
    // promtool 2.42: "1:6: ..." (the expression the @ modifies).
    assert_syntax_error(
        "rate(up[5m] @ 1e20)",
        "timestamp out of bounds for @ modifier: 100000000000000000000.000000",
        5,
    );
    // promtool 2.42: "1:1: parse error: error parsing number: strconv.ParseFloat: ...".
    assert_syntax_error(
        "1e999999999",
        "error parsing number: strconv.ParseFloat: parsing \"1e999999999\": value out of range",
        0,
    );
    assert_syntax_error(
        "up > 1e999999999",
        "error parsing number: strconv.ParseFloat: parsing \"1e999999999\": value out of range",
        5,
    );
}

#[test]
fn check_deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    let n = 100_000;
    let expr = format!("{}up{}", "sum(".repeat(n), ")".repeat(n));
    // The first bracket past the limit: depth is 1 at the top, 1000 after 999 brackets.
    assert_syntax_error(
        &expr,
        "expression nested deeper than 1000 levels",
        4 * 1000 - 1,
    );
    let chain = vec!["up"; 100_000].join(" or ");
    let (code, diags) = check(&chain);
    assert_eq!(code, 1);
    assert_eq!(
        diags[0].0,
        "invalid PromQL in `r`: expression nested deeper than 1000 levels"
    );
    // At the limit, it checks clean.
    let deep = format!("{}up{}", "sum(".repeat(998), ")".repeat(998));
    assert_eq!(check(&deep), (0, vec![]));
}

// ---------------------------------------------------------------------------------------
// alertlint test

const RULES: &str = "groups:\n- name: g\n  rules:\n  - record: r\n    expr: vector(1)\n";

/// `alertlint test --format json` on `test.yaml` (with `rules.yaml` = [`RULES`] unless
/// given) and `env`: exit code and the JSON report.
fn test_run(files: &[(&str, &str)], env: &[(&str, &str)]) -> (i32, serde_json::Value) {
    let mut all: Vec<(&str, &str)> = vec![("rules.yaml", RULES)];
    all.retain(|(n, _)| !files.iter().any(|(m, _)| m == n));
    all.extend_from_slice(files);
    let dir = dir_with(&all);
    let mut cmd = alertlint();
    cmd.current_dir(dir.path())
        .args(["test", "--format", "json", "test.yaml"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (out.status.code().unwrap_or(-1), doc)
}

/// A test file: `rule_files: [rules.yaml]`, the file-level `head` lines, then one test group
/// made of `group` (lines indented under `- `).
fn test_file(head: &str, group: &str) -> String {
    let mut s = String::from("rule_files: [rules.yaml]\n");
    s.push_str(head);
    s.push_str("tests:\n");
    for (i, line) in group.lines().enumerate() {
        s.push_str(if i == 0 { "- " } else { "  " });
        s.push_str(line);
        s.push('\n');
    }
    s
}

/// The load errors of the first file: (message, line, column).
fn load_errors(doc: &serde_json::Value) -> Vec<(String, u64, u64)> {
    doc["files"][0]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["message"].as_str().expect("message").to_string(),
                e["line"].as_u64().expect("line"),
                e["column"].as_u64().expect("column"),
            )
        })
        .collect()
}

/// The failures of the first test group: (kind, message or "").
fn failures(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["files"][0]["tests"][0]["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// One expression test of `expr` at `eval_time` over `up` = `values` every minute, expecting
/// no sample (`expected` empty) or one of value `expected`. Line 8 column 12 is the start of
/// the `expr` (after its quote), line 9 column 16 the `eval_time`.
fn expr_test(expr: &str, eval_time: &str, values: &str, expected: &str) -> String {
    let samples = if expected.is_empty() {
        " []".to_string()
    } else {
        format!("\n  - value: {expected}")
    };
    test_file(
        "",
        &format!(
            "interval: 1m\ninput_series:\n- series: up\n  values: '{values}'\npromql_expr_test:\n- expr: '{expr}'\n  eval_time: {eval_time}\n  exp_samples:{samples}\n"
        ),
    )
}

#[test]
fn test_rule_file_with_a_huge_duration_is_unloadable() {
    let rules = rule_file("rate(up[1e300])");
    let test = expr_test("vector(1)", "0", "1", "1");
    let (code, doc) = test_run(&[("rules.yaml", &rules), ("test.yaml", &test)], &[]);
    assert_eq!(code, 2, "{doc}");
    let errors = doc["files"][0]["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["check"], "promql/syntax");
    assert_eq!(
        errors[0]["message"],
        "invalid PromQL in `r`: duration out of range"
    );
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_u64()),
        (Some(5), Some(20))
    );
}

#[test]
fn test_expressions_out_of_range_are_unloadable() {
    // Positioned at the culprit inside the expression (which starts at column 12).
    for (expr, message, at) in [
        ("up offset 1e300", "duration out of range", 10),
        (
            "count_over_time(up[300000000y])",
            "duration out of range",
            19,
        ),
        ("up[5m:1e300]", "duration out of range", 6),
        (
            "up @ 1e20",
            "timestamp out of bounds for @ modifier: 100000000000000000000.000000",
            0,
        ),
    ] {
        let test = expr_test(expr, "0", "1", "1");
        let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
        assert_eq!(code, 2, "{expr}: {doc}");
        assert_eq!(
            load_errors(&doc),
            vec![(format!("invalid expr {expr:?}: {message}"), 8, 12 + at)],
            "{expr}"
        );
    }
}

#[test]
fn test_template_query_with_a_huge_duration_is_an_error_text_not_a_crash() {
    let rules = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n    annotations:\n      q: '{{ query \"up[1e300]\" }}'\n";
    let test = test_file(
        "",
        "interval: 1m\nalert_rule_test:\n- alertname: A\n  eval_time: 0\n  exp_alerts:\n  - exp_annotations:\n      q: x\n",
    );
    let (code, doc) = test_run(&[("rules.yaml", rules), ("test.yaml", &test)], &[]);
    assert_eq!(code, 1, "{doc}");
    let got = &doc["files"][0]["tests"][0]["failures"][0]["got"][0]["annotations"]["q"];
    assert_eq!(
        got,
        "<error expanding template: error executing template __alert_A: error calling query: \
         duration out of range>",
        "{doc}"
    );
}

#[test]
fn test_a_repetition_past_u64_does_not_wrap_to_an_empty_series() {
    // `x18446744073709551615` is 2^64 values: the count used to wrap to zero, the series was
    // empty, and a test expecting no sample passed.
    let test = expr_test("sum(up)", "5m", "1x18446744073709551615", "1");
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 0, "{doc}");
    let test = expr_test("sum(up)", "5m", "1x18446744073709551615", "");
    let (code, _) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 1);
}

#[test]
fn test_huge_repetitions_are_read_lazily() {
    // Each of these tried to allocate gigabytes to terabytes before.
    for values in [
        "_x99999999999999 1",
        "_x18446744073709551615",
        "{{schema:0 sum:1 count:1}}x10000000",
        "{{schema:0 sum:1 count:1}}+{{schema:0 sum:1 count:1}}x18446744073709551615",
    ] {
        let test = expr_test("count(up)", "10m", values, "");
        let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
        // Only whether a sample is there matters: `_` values leave none.
        let expect_fail = !values.starts_with("_x");
        assert_eq!(code, i32::from(expect_fail), "{values}: {doc}");
    }
}

#[test]
fn test_an_invalid_item_is_rejected_before_anything_is_expanded() {
    // 16 bytes that were expanded into 10 million histograms (2 GB) before the `1+` after
    // them was found invalid.
    let test = expr_test("up", "0", "{{}}x9999999 1+", "");
    let started = std::time::Instant::now();
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 2, "{doc}");
    assert_eq!(
        load_errors(&doc),
        vec![(
            "invalid values \"{{}}x9999999 1+\": increment without repetition in \"1+\""
                .to_string(),
            6,
            13
        )]
    );
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn test_eval_times_beyond_a_go_duration_are_out_of_range() {
    // promtool reads eval_time as a Go duration: "duration out of range".
    let test = expr_test("up", "1000y", "1", "");
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 2);
    assert_eq!(
        load_errors(&doc),
        vec![(
            "`eval_time`: duration out of range: \"1000y\"".to_string(),
            9,
            16
        )]
    );
}

#[test]
fn test_evaluation_steps_are_capped_with_a_message_naming_the_limit() {
    // 10 years at one evaluation a minute: 5,256,001 steps (promtool runs for hours).
    let test = expr_test("up", "10y", "1", "");
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 2, "{doc}");
    assert_eq!(
        load_errors(&doc),
        vec![(
            "eval_time 10y at an evaluation_interval of 1m is 5256001 evaluations, more than the \
             limit of 1000000 per test group (set ALERTLINT_MAX_EVAL_STEPS to raise it)"
                .to_string(),
            9,
            16
        )]
    );
    // The variable raises it (or lowers it).
    let test = expr_test("up", "1h", "1", "");
    let (code, doc) = test_run(
        &[("test.yaml", &test)],
        &[("ALERTLINT_MAX_EVAL_STEPS", "60")],
    );
    assert_eq!(code, 2);
    assert!(
        load_errors(&doc)[0]
            .0
            .contains("is 61 evaluations, more than the limit of 60")
    );
    // At the limit it runs (and passes: the sample at 0 is out of reach at 1h).
    let (code, doc) = test_run(
        &[("test.yaml", &test)],
        &[("ALERTLINT_MAX_EVAL_STEPS", "61")],
    );
    assert_eq!(code, 0, "{doc}");
    let (code, doc) = test_run(
        &[("test.yaml", &test)],
        &[("ALERTLINT_MAX_EVAL_STEPS", "many")],
    );
    assert_eq!(code, 2);
    assert_eq!(
        load_errors(&doc)[0].0,
        "ALERTLINT_MAX_EVAL_STEPS must be a positive whole number, found \"many\""
    );
}

#[test]
fn test_input_samples_are_capped_with_a_message_naming_the_limit() {
    // One evaluation a day, input every millisecond: 86,400,001 samples to load.
    let test = test_file(
        "evaluation_interval: 1d\n",
        "interval: 1ms\ninput_series:\n- series: up\n  values: '1x18446744073709551615'\npromql_expr_test:\n- expr: up\n  eval_time: 1d\n  exp_samples: []\n",
    );
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 2, "{doc}");
    assert_eq!(
        load_errors(&doc),
        vec![(
            "the input series hold more than 10000000 samples up to the last evaluation at 1d \
             (one every 1ms), the limit a test group may load (set ALERTLINT_MAX_INPUT_SAMPLES \
             to raise it)"
                .to_string(),
            7,
            13
        )]
    );
}

#[test]
fn test_queries_loading_too_many_samples_fail_as_in_promtool() {
    // promtool test rules runs its queries with MaxSamples 10000 (promqltest.LazyLoader);
    // 2.42 prints the same message for this expression.
    let test = test_file(
        "",
        "interval: 1s\ninput_series:\n- series: up\n  values: '0+1x20000'\npromql_expr_test:\n- expr: count_over_time(up[3h])\n  eval_time: 3h\n  exp_samples:\n  - value: 10800\n- expr: count_over_time(up[2h])\n  eval_time: 3h\n  exp_samples:\n  - value: 7200\n",
    );
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        failures(&doc),
        vec![(
            "promql_expr_error".to_string(),
            "query processing would load too many samples into memory in query execution"
                .to_string()
        )]
    );
    let (code, doc) = test_run(
        &[("test.yaml", &test)],
        &[("ALERTLINT_QUERY_MAX_SAMPLES", "20000")],
    );
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn test_a_subquery_with_a_tiny_step_stops_at_the_sample_limit() {
    // 8.64 billion steps: this took 9 GB in a minute and went on. Every step returns a
    // sample here (input for the whole 100 days, one evaluation a day).
    let test = test_file(
        "evaluation_interval: 1d\n",
        "interval: 1m\ninput_series:\n- series: up\n  values: '1x200000'\npromql_expr_test:\n- expr: max_over_time(up[100d:1ms])\n  eval_time: 100d\n  exp_samples:\n  - value: 1\n",
    );
    let started = std::time::Instant::now();
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        failures(&doc),
        vec![(
            "promql_expr_error".to_string(),
            "query processing would load too many samples into memory in query execution"
                .to_string()
        )]
    );
    // With no sample to hold, the steps are counted instead.
    let test = expr_test("max_over_time(nothing[100d:1ms])", "1m", "1", "");
    let (code, doc) = test_run(&[("test.yaml", &test)], &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        failures(&doc),
        vec![(
            "promql_expr_error".to_string(),
            "query processing would evaluate the expression at more than 1000000 steps (a \
             subquery or range query with too small a step for its range)"
                .to_string()
        )]
    );
    assert!(started.elapsed().as_secs() < 120);
}

#[test]
fn test_runaway_templates_stop_at_the_output_limit() {
    // Each reReplaceAll makes its input 9 times longer: 9^10 bytes without a limit.
    let mut t = String::from("\"x\"");
    for _ in 0..10 {
        t = format!("(reReplaceAll \"\" \"xxxxxxxx\" {t})");
    }
    let rules = format!(
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n    annotations:\n      big: '{{{{ {} }}}}'\n",
        &t[1..t.len() - 1]
    );
    let test = test_file(
        "",
        "interval: 1m\nalert_rule_test:\n- alertname: A\n  eval_time: 0\n  exp_alerts:\n  - exp_annotations:\n      big: x\n",
    );
    let (code, doc) = test_run(&[("rules.yaml", &rules), ("test.yaml", &test)], &[]);
    assert_eq!(code, 1, "{doc}");
    let got = doc["files"][0]["tests"][0]["failures"][0]["got"][0]["annotations"]["big"]
        .as_str()
        .expect("annotation");
    assert!(
        got.ends_with(
            "error calling reReplaceAll: result longer than 1048576 bytes, the limit of a \
             string a template builds>"
        ),
        "{got}"
    );
}
