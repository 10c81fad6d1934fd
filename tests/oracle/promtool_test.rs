//! `promtool test rules`, live: its verdicts on the project's unit-test files are the recorded
//! ones that tier 1 (`tests/unittest_recorded.rs`) holds `alertlint test` to.

use crate::common::oracle::{
    key, oracle_binary, oracle_version, read_recording_for_update, recording, write_recording,
};
use crate::common::promtool_test::{
    self, CASES, Recording, Verdict, compare, run_alertlint, run_alertlint_with, run_promtool,
};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn recorded_unit_test_verdicts_are_promtools_own() {
    let binary = oracle_binary("promtool", "PROMTOOL", "prometheus");
    let mut recorded: Recording = read_recording_for_update(promtool_test::RECORDING);
    let inputs = promtool_test::inputs();
    assert!(inputs.len() >= 20, "only {} unit-test files", inputs.len());
    let live: BTreeMap<String, Verdict> = inputs
        .iter()
        .map(|p| (key(p), run_promtool(&binary, p)))
        .collect();
    if recording() {
        recorded.promtool = oracle_version(&binary);
        recorded.verdicts = live;
        recorded
            .differs_in_3x
            .retain(|k, _| recorded.verdicts.contains_key(k));
        write_recording(promtool_test::RECORDING, &recorded);
        return;
    }
    let mut changed: Vec<String> = live
        .iter()
        .filter(|(k, v)| recorded.verdicts.get(*k) != Some(v))
        .map(|(k, v)| {
            format!(
                "{k}: recorded {:?}, promtool now {v:?}",
                recorded.verdicts.get(k)
            )
        })
        .collect();
    changed.extend(
        recorded
            .verdicts
            .keys()
            .filter(|k| !live.contains_key(*k))
            .map(|k| format!("{k}: recorded, but no longer an input")),
    );
    assert!(
        changed.is_empty(),
        "promtool ({}) disagrees with the recording ({}); re-record with \
         scripts/record-oracles.sh and review the diff:\n{}",
        oracle_version(&binary),
        recorded.promtool,
        changed.join("\n")
    );
}

/// The release `promtool --version` names, as `--prometheus-version` takes it (`2.42`).
fn promtool_release(binary: &str) -> String {
    let version = oracle_version(binary);
    let number = version
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no version in {version:?}"));
    number.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// The suites written for Prometheus 2.x (`cases/prometheus-2*.test.yml`) pass under the live
/// promtool (2.42), as under `alertlint test --prometheus-version 2`, and not under alertlint's
/// default 3.x semantics.
#[test]
fn prometheus_2_suites_pass_in_promtool_as_with_prometheus_version_2() {
    let binary = oracle_binary("promtool", "PROMTOOL", "prometheus");
    for file in [
        "prometheus-2.test.yml",
        "prometheus-2-holt-winters.test.yml",
    ] {
        let path = Path::new(CASES).join(file);
        let live = run_promtool(&binary, &path);
        assert!(
            live.loaded && live.failures.is_empty(),
            "{file}: promtool ({}) does not pass it: {live:?}",
            oracle_version(&binary)
        );
        let ours = run_alertlint_with(&path, &["--prometheus-version", "2"]);
        if let Err(e) = compare(&path, &live, &ours) {
            panic!("--prometheus-version 2: {e}");
        }
        let v3 = run_alertlint(&path);
        assert!(
            !v3.loaded || !v3.failures.is_empty(),
            "{file} passes with 3.x semantics too: {v3:?}"
        );
    }
}

/// On every unit-test file (but those in a test-file format newer than the oracle),
/// `alertlint test --prometheus-version <the live promtool's release>` gives promtool's own
/// verdict.
#[test]
fn prometheus_version_of_the_oracle_agrees_with_it_live() {
    let binary = oracle_binary("promtool", "PROMTOOL", "prometheus");
    let release = promtool_release(&binary);
    let newer_format = promtool_test::newer_file_format();
    let problems: Vec<String> = promtool_test::inputs()
        .iter()
        .filter(|p| !newer_format.contains(&key(p)))
        .filter_map(|p| {
            let ours = run_alertlint_with(p, &["--prometheus-version", &release]);
            compare(p, &run_promtool(&binary, p), &ours).err()
        })
        .collect();
    assert!(
        problems.is_empty(),
        "--prometheus-version {release} disagrees with promtool ({}):\n{}",
        oracle_version(&binary),
        problems.join("\n")
    );
}
