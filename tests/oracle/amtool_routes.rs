//! `amtool config routes test`, live: the receivers recorded for each label set are amtool's.

use crate::common::amtool::{self, Recording};
use crate::common::oracle::{
    oracle_binary, oracle_version, read_recording, recording, write_recording,
};
use std::collections::BTreeMap;
use std::process::Command;

fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

fn amtool_receivers(amtool: &str, config: &str, labels: &BTreeMap<String, String>) -> Vec<String> {
    let mut cmd = Command::new(amtool);
    cmd.args([
        "config",
        "routes",
        "test",
        &format!("--config.file={config}"),
    ]);
    for (k, v) in labels {
        cmd.arg(format!("{k}={}", quote(v)));
    }
    let out = cmd.output().expect("run amtool");
    assert!(
        out.status.success(),
        "amtool failed for {labels:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("");
    line.split(',').map(str::to_string).collect()
}

#[test]
fn recorded_routes_are_amtools_own() {
    let binary = oracle_binary("amtool", "AMTOOL", "prometheus-alertmanager");
    let mut recorded: Recording = read_recording(amtool::RECORDING);
    let live: Vec<Vec<String>> = recorded
        .cases
        .iter()
        .map(|c| amtool_receivers(&binary, &recorded.config, &c.labels))
        .collect();
    if recording() {
        recorded.amtool = oracle_version(&binary);
        for (case, receivers) in recorded.cases.iter_mut().zip(live) {
            case.receivers = receivers;
        }
        write_recording(amtool::RECORDING, &recorded);
        return;
    }
    let changed: Vec<String> = recorded
        .cases
        .iter()
        .zip(&live)
        .filter(|(c, live)| &c.receivers != *live)
        .map(|(c, live)| {
            format!(
                "{:?}: recorded {:?}, amtool now {live:?}",
                c.labels, c.receivers
            )
        })
        .collect();
    assert!(
        changed.is_empty(),
        "amtool disagrees with the recording ({}); re-record with scripts/record-oracles.sh \
         and review the diff:\n{}",
        recorded.amtool,
        changed.join("\n")
    );
}
