//! `alertlint test` agrees with `promtool test rules` on the project's unit-test files: the
//! cases under `fixtures/unittest/cases/`, the files in `fixtures/unittest/` and the example
//! rule set's tests. promtool's verdicts (could it load the file, which checks failed) are
//! recorded in `fixtures/oracle/promtool-test-rules.json` by the oracle tier, which also checks
//! them against a live promtool. Exit codes are compared by meaning (promtool exits 1 for an
//! unloadable file, alertlint 2). Where Debian's promtool 2.42 and Prometheus 3.x differ, 3.x
//! wins: the recording's `differs_in_3x` says why, and [`expected_3x`] says what 3.x gives.

mod common;
use common::oracle::{assert_recording_covers, key, read_recording};
use common::promtool_test::{
    self, CASES, Failure, Kind, Recording, Verdict, compare, is_case_rules, is_case_test,
    run_alertlint, run_alertlint_with,
};
use std::collections::BTreeMap;
use std::path::Path;

fn passes() -> Verdict {
    fails(&[])
}

/// A verdict of a file that loads, with these failed checks (kind, test group where promtool
/// names it, alert name / expression / rule, evaluation time).
fn fails(failures: &[(Kind, Option<&str>, &str, &str)]) -> Verdict {
    Verdict {
        exit_code: i32::from(!failures.is_empty()),
        loaded: true,
        load_errors: Vec::new(),
        failures: failures
            .iter()
            .map(|&(kind, test, name, time)| Failure {
                test: test.map(str::to_string),
                kind,
                name: name.to_string(),
                time: time.to_string(),
            })
            .collect(),
    }
}

/// A verdict of a file that does not load.
fn unloadable() -> Verdict {
    Verdict {
        exit_code: 2,
        loaded: false,
        load_errors: Vec::new(),
        failures: Vec::new(),
    }
}

/// What Prometheus 3.x gives on the files where it differs from the recorded promtool 2.42.
fn expected_3x() -> BTreeMap<String, Verdict> {
    let windows = Some("windows take the sample at their start");
    let zero_clamp = Some("increase extrapolates to the counter's zero point");
    [
        // One ulp apart is equal under fuzzy_compare, two ulps are not (2.42 rejects the key).
        (
            "fuzzy-compare.test.yml",
            fails(&[(Kind::Expr, None, "ratio_observed", "0s")]),
        ),
        // The test group's interval defaults to evaluation_interval, itself 1m by default.
        ("interval-default.test.yml", passes()),
        ("interval-unset.test.yml", passes()),
        // `histogram:` expected samples.
        ("native-histogram.test.yml", passes()),
        // Written for 2.x: each group but the last fails, for one 3.x change each.
        (
            "prometheus-2.test.yml",
            fails(&[
                (Kind::Alert, windows, "LoadingBayDoorBusy", "6m"),
                (
                    Kind::Expr,
                    None,
                    "count_over_time(door_swings_total[3m])",
                    "6m",
                ),
                (
                    Kind::Expr,
                    None,
                    "count_over_time(door_swings_total[3m:1m])",
                    "6m",
                ),
                (Kind::Expr, None, "forklift_heartbeat", "5m"),
                (Kind::Alert, zero_clamp, "PickingSurge", "10m"),
                (Kind::Expr, None, "increase(picks_total[10m])", "10m"),
                (
                    Kind::Expr,
                    None,
                    "count(scanner_up{station=~\"dock.*\"})",
                    "0s",
                ),
                (
                    Kind::Expr,
                    None,
                    "label_replace(scanner_up, \"site\", \"$1\", \"station\", \"(.*)\")",
                    "0s",
                ),
                (Kind::Expr, None, "stddev(scale_reading_kg)", "0s"),
                (Kind::Expr, None, "stdvar(scale_reading_kg)", "0s"),
                (Kind::Expr, None, "pallets_waiting", "2m"),
            ]),
        ),
        // `holt_winters` is not a 3.x function.
        ("prometheus-2-holt-winters.test.yml", unloadable()),
        // Left-open range selectors and lookback.
        ("range-boundary.test.yml", passes()),
        // `start_timestamp`.
        ("start-timestamp.test.yml", passes()),
    ]
    .into_iter()
    .map(|(file, verdict)| (format!("{CASES}/{file}"), verdict))
    .collect()
}

#[test]
fn every_case_file_is_a_test_or_a_rule_file() {
    let stray: Vec<String> = promtool_test::case_files()
        .iter()
        .filter(|p| !is_case_test(p) && !is_case_rules(p))
        .map(|p| key(p))
        .collect();
    assert!(
        stray.is_empty(),
        "name unit-test files *.test.yml and rule files *.rules.yml: {stray:?}"
    );
}

#[test]
fn every_unit_test_file_has_a_recorded_verdict() {
    let recorded: Recording = read_recording(promtool_test::RECORDING);
    let keys: Vec<String> = promtool_test::inputs().iter().map(|p| key(p)).collect();
    let cases = keys.iter().filter(|k| k.starts_with(CASES)).count();
    assert!(cases >= 15, "only {cases} cases under {CASES}");
    assert_recording_covers(&keys, recorded.verdicts.keys());
    // A recording that tests all three ways.
    let v = recorded.verdicts.values();
    let unloadable = v.clone().filter(|v| !v.loaded).count();
    let failing = v
        .clone()
        .filter(|v| v.loaded && !v.failures.is_empty())
        .count();
    let passing = v.filter(|v| v.loaded && v.failures.is_empty()).count();
    assert!(
        unloadable >= 3 && failing >= 3 && passing >= 3,
        "{passing} passing, {failing} failing, {unloadable} unloadable"
    );
    // Every 3.x difference is explained and has its 3.x verdict, and only those.
    let noted: Vec<&String> = recorded.differs_in_3x.keys().collect();
    let expected = expected_3x();
    assert_eq!(
        noted,
        expected.keys().collect::<Vec<_>>(),
        "differs_in_3x in the recording and expected_3x() here must name the same files"
    );
}

#[test]
fn agrees_with_recorded_promtool_verdicts() {
    let recorded: Recording = read_recording(promtool_test::RECORDING);
    let mut compared = 0;
    let problems: Vec<String> = recorded
        .verdicts
        .iter()
        .filter(|(k, _)| !recorded.differs_in_3x.contains_key(*k))
        .filter_map(|(k, verdict)| {
            compared += 1;
            compare(Path::new(k), verdict, &run_alertlint(Path::new(k))).err()
        })
        .collect();
    assert!(compared >= 15, "only {compared} files compared");
    assert!(
        problems.is_empty(),
        "{} of {compared} unit-test files disagree with promtool:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn follows_prometheus_3_where_it_differs_from_the_recorded_promtool() {
    let recorded: Recording = read_recording(promtool_test::RECORDING);
    let mut problems = Vec::new();
    for (k, want) in expected_3x() {
        let path = Path::new(&k);
        let ours = run_alertlint(path);
        if let Err(e) = compare(path, &want, &ours) {
            problems.push(format!("not as in Prometheus 3.x: {e}"));
        }
        // Were alertlint to agree with 2.42 here, the note would be wrong.
        if let Some(old) = recorded.verdicts.get(&k)
            && compare(path, old, &ours).is_ok()
        {
            problems.push(format!(
                "{k}: alertlint agrees with promtool 2.42, yet differs_in_3x says {:?}",
                recorded.differs_in_3x.get(&k)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// With `--prometheus-version 2`, alertlint gives promtool 2.42's own verdict on every recorded
/// file (the ones 3.x differs on included), but those written in a newer test-file format.
#[test]
fn prometheus_version_2_agrees_with_the_recorded_promtool_2_42() {
    let recorded: Recording = read_recording(promtool_test::RECORDING);
    let newer_format = promtool_test::newer_file_format();
    for k in &newer_format {
        assert!(
            recorded.differs_in_3x.contains_key(k) && !recorded.verdicts[k].loaded,
            "{k}: not a file 2.42 refuses"
        );
    }
    let mut compared = 0;
    let problems: Vec<String> = recorded
        .verdicts
        .iter()
        .filter(|(k, _)| !newer_format.contains(k))
        .filter_map(|(k, verdict)| {
            compared += 1;
            let ours = run_alertlint_with(Path::new(k), &["--prometheus-version", "2"]);
            compare(Path::new(k), verdict, &ours).err()
        })
        .collect();
    assert!(compared >= 15, "only {compared} files compared");
    assert!(
        problems.is_empty(),
        "{} of {compared} unit-test files disagree with promtool 2.42 under \
         --prometheus-version 2:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
