//! `alertlint check` agrees with `promtool check rules` on which files Prometheus would refuse:
//! promtool's verdicts on the project's own inputs (correctness fixtures, the example rule set,
//! the generated near-miss corpus) are recorded in `fixtures/oracle/promtool-check-rules.json`
//! by the oracle tier, which also checks them against a live promtool. Where Debian's promtool
//! 2.42 and Prometheus 3.x differ, 3.x wins and the recording's `differs_in_3x` says why.

mod common;
use common::oracle::{assert_recording_covers, key, read_recording};
use common::promtool::{self, Recording, compare};

#[test]
fn agrees_with_recorded_promtool_verdicts() {
    let recorded: Recording = read_recording(promtool::RECORDING);
    let inputs = promtool::inputs();
    let keys: Vec<String> = inputs.iter().map(|p| key(p)).collect();
    // Nothing silently left out: every input has a verdict, every verdict an input.
    assert_recording_covers(&keys, recorded.verdicts.keys());
    assert!(inputs.len() > 200, "only {} inputs", inputs.len());
    let failed = recorded.verdicts.values().filter(|v| v.failed).count();
    assert!(
        failed > 50 && failed < inputs.len() - 50,
        "{failed} of {} recorded as failing: a corpus that tests both ways",
        inputs.len()
    );
    let problems: Vec<String> = inputs
        .iter()
        .zip(&keys)
        .filter_map(|(path, k)| {
            compare(
                path,
                &recorded.verdicts[k],
                recorded.differs_in_3x.contains_key(k),
            )
            .err()
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{} of {} files disagree with promtool:\n{}",
        problems.len(),
        inputs.len(),
        problems.join("\n")
    );
}
