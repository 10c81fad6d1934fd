//! Routing agrees with Alertmanager's own: every label set recorded in
//! `fixtures/oracle/amtool-routes.json` is routed by alertlint over the same non-trivial tree
//! (`fixtures/alertmanager/oracle.yml`) to exactly the receivers `amtool config routes test`
//! gave. The oracle tier checks the recording against a live amtool.

mod common;
use common::amtool::{self, Recording, alertlint_receivers};
use common::oracle::read_recording;

#[test]
fn routing_agrees_with_recorded_amtool_routes() {
    let recorded: Recording = read_recording(amtool::RECORDING);
    assert!(recorded.cases.len() >= 50, "{} cases", recorded.cases.len());
    // A recording where every label set reaches the same receivers would prove little.
    let distinct: std::collections::BTreeSet<&Vec<String>> =
        recorded.cases.iter().map(|c| &c.receivers).collect();
    assert!(
        distinct.len() >= 10,
        "only {} distinct routings",
        distinct.len()
    );
    let ours = alertlint_receivers(&recorded.config, &recorded.cases);
    let disagreements: Vec<String> = recorded
        .cases
        .iter()
        .zip(&ours)
        .filter(|(case, ours)| &case.receivers != *ours)
        .map(|(case, ours)| {
            format!(
                "{:?}: alertlint {ours:?}, amtool {:?}",
                case.labels, case.receivers
            )
        })
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} of {} label sets route differently:\n{}",
        disagreements.len(),
        recorded.cases.len(),
        disagreements.join("\n")
    );
}
