//! `promtool test rules`, live: its verdicts on the project's unit-test files are the recorded
//! ones that tier 1 (`tests/unittest_recorded.rs`) holds `alertlint test` to.

use crate::common::oracle::{
    key, oracle_binary, oracle_version, read_recording_for_update, recording, write_recording,
};
use crate::common::promtool_test::{self, Recording, Verdict, run_promtool};
use std::collections::BTreeMap;

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
