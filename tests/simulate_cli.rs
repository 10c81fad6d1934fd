//! `alertlint simulate`: the hand-checkable cases of `fixtures/simulate/rules.yaml`, the
//! emitted unit tests (which `alertlint test` must pass, and fail once the rule changes), the
//! `behaviour/*` checks through `check`, and bad arguments. The oracle tier runs the emitted
//! tests through `promtool test rules` (`tests/oracle/simulate_promtool.rs`).

mod common;
use common::alertlint;
use serde_json::Value;

const RULES: &str = "fixtures/simulate/rules.yaml";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = alertlint().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn simulate_json(extra: &[&str]) -> Value {
    let mut args = vec!["simulate", RULES, "--no-config", "--scrape-interval", "15s"];
    args.extend(["--format", "json", "--fail-on", "never"]);
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

fn alert<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["alert"] == name)
        .unwrap_or_else(|| panic!("{name} in {doc}"))
}

/// `rate(errors[5m]) / rate(requests[5m]) > 0.02` with `for: 5m` at a 1m interval: errors go
/// from none to just past 2% of the requests at t0. The first evaluation whose 5m window
/// holds only samples after t0 is t0+5m (samples sit half a scrape past each 15s), where the
/// ratio is past 2%: pending then, firing 5m later. Back to no errors, the window holding a
/// minute of healthy samples is below 2% again: resolved one evaluation later.
#[test]
fn error_ratio_detects_in_window_plus_for() {
    let doc = simulate_json(&[]);
    let a = alert(&doc, "PaymentErrorRatioHigh");
    assert_eq!(a["simulated"], true, "{a}");
    assert_eq!(a["input"]["healthy"], 0.0);
    assert_eq!(
        a["input"]["unhealthy"], 0.0211,
        "3 digits just past 0.02: {a}"
    );
    assert_eq!(a["detection_seconds"], 600.0, "{a}");
    assert_eq!(a["resolution_seconds"], 60.0, "{a}");
    assert_eq!(a["spike_fires_after_seconds"], Value::Null);
    assert_eq!(a["spike_2m_fires_after_seconds"], Value::Null);
    // A counter reset in the incident: rate() reads it as one, the alert keeps firing.
    assert_eq!(
        a["counter_reset"]["resolves_after_seconds"],
        Value::Null,
        "{a}"
    );
}

/// `max_over_time(g[1h]) > t` holds for an hour after one sample past `t`: one scrape pages
/// (no `for:`); `avg_over_time(g[10m]) > t` with `for: 5m` does not, for one scrape or two
/// minutes.
#[test]
fn max_over_time_fires_on_one_scrape_and_a_smoothed_alert_does_not() {
    let doc = simulate_json(&[]);
    let spiky = alert(&doc, "QueueDepthSpiky");
    assert_eq!(spiky["spike_fires_after_seconds"], 60.0, "{spiky}");
    assert_eq!(spiky["resolution_seconds"], 3600.0, "{spiky}");
    let smooth = alert(&doc, "QueueDepthSmoothed");
    assert_eq!(smooth["spike_fires_after_seconds"], Value::Null, "{smooth}");
    assert_eq!(
        smooth["spike_2m_fires_after_seconds"],
        Value::Null,
        "{smooth}"
    );
    // 1060 against 1000 from 0: the 10m average passes 1000 once 95% of the window is past
    // t0, then `for: 5m`.
    assert_eq!(smooth["detection_seconds"], 900.0, "{smooth}");
}

/// When the target disappears, `absent(up{job="a"})` fires: the gap is covered. When its
/// scrapes fail (`up` is 0), nothing in the set fires: the ratio alert resolves silently.
#[test]
fn absent_up_covers_the_target_disappearing_but_not_failing_scrapes() {
    let doc = simulate_json(&[]);
    let a = alert(&doc, "PaymentErrorRatioHigh");
    let gone = &a["gap"]["target_gone"];
    assert_eq!(
        gone["covered_by"],
        serde_json::json!(["PaymentsTargetMissing"]),
        "{a}"
    );
    let down = &a["gap"]["scrapes_fail"];
    assert_eq!(down["covered_by"], serde_json::json!([]), "{a}");
    // Its 5m window empties 5m after the last sample.
    assert_eq!(down["resolves_after_seconds"], 300.0, "{a}");
    let findings: Vec<&Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "behaviour/silent-on-gap")
        .collect();
    assert!(
        findings.iter().any(|f| f["message"]
            .as_str()
            .is_some_and(|m| m.contains("PaymentErrorRatioHigh") && m.contains("scrapes fail"))),
        "{findings:?}"
    );
    // The absence alert itself: its input going away is the step.
    let missing = alert(&doc, "PaymentsTargetMissing");
    assert_eq!(missing["input"]["absence"], true);
    assert_eq!(missing["gap"], Value::Null);
    assert_eq!(missing["detection_seconds"], 120.0, "{missing}");
}

#[test]
fn unsimulated_alerts_say_why() {
    let doc = simulate_json(&[]);
    let a = alert(&doc, "BackupTooOld");
    assert_eq!(a["simulated"], false);
    assert!(
        a["reason"].as_str().is_some_and(|r| r.contains("`time()`")),
        "{a}"
    );
}

#[test]
fn human_report() {
    let (code, out, _) = run(&[
        "simulate",
        RULES,
        "--no-config",
        "--scrape-interval",
        "15s",
        "--color",
        "never",
    ]);
    // Warnings: `QueueDepthSpiky` fires on a spike.
    assert_eq!(code, 1);
    insta::assert_snapshot!("simulate_human", out);
}

/// The emitted files are unit tests `alertlint test` passes; they hold the behaviour, so a
/// longer `for:` makes them fail.
#[test]
fn emitted_tests_pass_and_catch_a_changed_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.yaml");
    std::fs::copy(common::oracle::root().join(RULES), &rules).expect("copy");
    let tests = dir.path().join("tests");
    let (code, _, err) = run(&[
        "simulate",
        rules.to_str().expect("utf-8"),
        "--no-config",
        "--scrape-interval",
        "15s",
        "--fail-on",
        "never",
        "--emit-tests",
        tests.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 4 unit-test file(s)"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&tests)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "PaymentErrorRatioHigh.test.yaml",
            "PaymentsTargetMissing.test.yaml",
            "QueueDepthSmoothed.test.yaml",
            "QueueDepthSpiky.test.yaml"
        ]
    );
    let (code, out) = common::promtool_test::alertlint_test(&tests, &["."]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 failed"), "{out}");
    let text = std::fs::read_to_string(&rules).expect("read");
    std::fs::write(&rules, text.replacen("for: 5m", "for: 6m", 1)).expect("write");
    let (code, out) = common::promtool_test::alertlint_test(&tests, &["."]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  PaymentErrorRatioHigh.test.yaml"),
        "{out}"
    );
}

/// `check` runs the behaviour checks when the config turns them on, and not otherwise.
#[test]
fn check_reports_behaviour_findings_only_when_enabled() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        common::oracle::root().join(RULES),
        dir.path().join("rules.yaml"),
    )
    .expect("copy");
    let path = dir.path().join("rules.yaml");
    let path = path.to_str().expect("utf-8");
    let (_, out, _) = run(&["check", path, "--no-config", "--format", "json"]);
    assert!(!out.contains("behaviour/"), "{out}");
    std::fs::write(
        dir.path().join(".alertlint.yaml"),
        "policy:\n  scrape_interval: 15s\nchecks:\n  behaviour/*: warning\n",
    )
    .expect("config");
    let (_, out, _) = run(&["check", path, "--format", "json"]);
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    let checks: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["check"].as_str())
        .filter(|c| c.starts_with("behaviour/"))
        .collect();
    assert!(checks.contains(&"behaviour/spike-pages"), "{out}");
    assert!(checks.contains(&"behaviour/silent-on-gap"), "{out}");
    assert!(checks.contains(&"behaviour/unsimulated"), "{out}");
}

#[test]
fn tier_policy_sets_max_detection_and_spike_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        common::oracle::root().join(RULES),
        dir.path().join("rules.yaml"),
    )
    .expect("copy");
    // Critical alerts must fire within 5m: the ratio alert takes 10m. Warning alerts may
    // fire on spikes.
    std::fs::write(
        dir.path().join(".alertlint.yaml"),
        "policy:\n  scrape_interval: 15s\n  tiers:\n    critical: {max_detection: 5m}\n    warning: {spike_pages: true}\n",
    )
    .expect("config");
    let path = dir.path().join("rules.yaml");
    let (_, out, err) = run(&[
        "simulate",
        path.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let messages: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        messages
            .iter()
            .any(|(c, m)| *c == "behaviour/slow-detection"
                && m.contains("PaymentErrorRatioHigh")
                && m.contains("fires 10m after")
                && m.contains("allows 5m")),
        "{messages:?}"
    );
    // The warning tier may fire on spikes: the spiky queue alert is not reported; the
    // critical absence alert, which a 2m gap fires, still is.
    let spikes: Vec<&str> = messages
        .iter()
        .filter(|(c, _)| *c == "behaviour/spike-pages")
        .map(|(_, m)| *m)
        .collect();
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert!(spikes[0].contains("PaymentsTargetMissing"), "{spikes:?}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    for (args, expected) in [
        (vec!["--scrape-interval", "0s"], "--scrape-interval 0s"),
        (vec!["--scrape-interval", "soon"], "--scrape-interval soon"),
        (vec!["--interval", "0s"], "--interval 0s"),
        (vec!["--alert", "("], "invalid --alert regex"),
    ] {
        let mut all = vec!["simulate", RULES, "--no-config"];
        all.extend(args);
        let (code, out, err) = run(&all);
        assert_eq!(code, 2, "{all:?}: {out}{err}");
        assert!(err.contains(expected), "{all:?}: {err}");
        assert!(out.is_empty(), "{out}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = run(&[
        "simulate",
        dir.path().to_str().expect("utf-8"),
        "--no-config",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule files found"), "{err}");
}

/// The README shows `alertlint simulate rules-examples/` as it prints: the table and the
/// alerts not simulated.
#[test]
fn readme_example_is_the_real_output() {
    let (code, out, err) = run(&[
        "simulate",
        "rules-examples/",
        "--color",
        "never",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 0, "{err}");
    let readme = std::fs::read_to_string(common::oracle::root().join("README.md")).expect("README");
    let shown: String = out
        .split("\nbehaviour/")
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_string();
    assert!(
        readme.contains(&shown),
        "README's simulate example differs from:\n{shown}"
    );
}

/// A group evaluated once a year would replay years of scrapes, and two hundred alerts on one
/// target would each replay all the others on their gaps: the first is explained, not
/// simulated; the second stays one replay per distinct rule. Every alert gets an outcome.
#[test]
fn hostile_rule_sets_are_bounded_and_every_alert_has_an_outcome() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("yearly.yaml"),
        "groups:\n  - name: yearly\n    interval: 1y\n    rules:\n      - alert: Yearly\n        expr: up{job=\"api\"} == 0\n",
    )
    .expect("write");
    let mut many = String::from("groups:\n  - name: many\n    rules:\n");
    for i in 0..200 {
        many.push_str(&format!(
            "      - alert: ApiDown{i}\n        expr: up{{job=\"api\"}} == 0\n        for: 5m\n"
        ));
    }
    std::fs::write(dir.path().join("many.yaml"), many).expect("write");
    let (code, out, err) = run(&[
        "simulate",
        dir.path().to_str().expect("utf-8"),
        "--no-config",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    let alerts = doc["alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 201);
    let yearly = alert(&doc, "Yearly");
    assert_eq!(yearly["simulated"], false);
    assert!(
        yearly["reason"]
            .as_str()
            .is_some_and(|r| r.contains("scrapes of each input")),
        "{yearly}"
    );
    // `up == 0`: it keeps firing while scrapes fail, resolves when the target (and its
    // `up`) is gone, and none of the 199 others, all alike, fires anew for it.
    let first = alert(&doc, "ApiDown0");
    assert_eq!(first["simulated"], true, "{first}");
    let gap = &first["gap"];
    assert_eq!(
        gap["scrapes_fail"]["resolves_after_seconds"],
        Value::Null,
        "{gap}"
    );
    assert!(
        gap["target_gone"]["resolves_after_seconds"].is_number(),
        "{gap}"
    );
    assert_eq!(
        gap["target_gone"]["covered_by"],
        serde_json::json!([]),
        "{gap}"
    );
    assert_eq!(
        gap["scrapes_fail"]["covered_by"],
        serde_json::json!([]),
        "{gap}"
    );
}
