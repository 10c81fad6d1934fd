//! `amtool config routes test` as an oracle for routing: the label sets routed over
//! `fixtures/alertmanager/oracle.yml` and the receivers amtool gave for each, recorded in
//! `fixtures/oracle/amtool-routes.json` (labels written by the project, receivers recorded by the
//! oracle tier). Shared by tier 1 (alertlint against the recording) and the oracle tier.

use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::alertmanager::{Alertmanager, LabelSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const RECORDING: &str = "amtool-routes.json";

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Recording {
    /// `amtool --version`'s first line when recorded.
    pub amtool: String,
    /// The Alertmanager config routed over, relative to the repository root.
    pub config: String,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Case {
    /// The label set.
    pub labels: BTreeMap<String, String>,
    /// The receivers amtool routes it to, in its order.
    pub receivers: Vec<String>,
}

/// The receivers alertlint routes each label set of `cases` to, over the config at `config`.
pub(crate) fn alertlint_receivers(config: &str, cases: &[Case]) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(config).expect("read the Alertmanager fixture");
    let am = Alertmanager::parse(&SourceFile::new(Path::new(config), text))
        .unwrap_or_else(|e| panic!("{config} does not parse: {}", e[0].message));
    cases
        .iter()
        .map(|case| {
            let set: LabelSet = case
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            am.route_labels(&set)
                .iter()
                .map(|m| m.receiver_name().to_string())
                .collect()
        })
        .collect()
}
