//! The semantic checks on real rule sets (issue 18): every finding of a semantic check on
//! awesome-prometheus-alerts and the kubernetes-mixin rules, kept as a snapshot. Each finding
//! was judged true or false positive when the check was written (the judgement is in the
//! review of the snapshot); a change to the list is a change in what users of those rule
//! sets would see, to be reviewed the same way.

use crate::common::oracle::{corpus, yaml_files_under};
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, load_file};
use std::path::Path;

/// The checks issue 18 adds: their findings are listed, those of the older checks are not
/// (the promtool comparison covers correctness; policy findings are by design many).
const SEMANTIC_CHECKS: &[&str] = &[
    "alert/condition",
    "promql/experimental",
    "promql/impossible",
    "promql/regexp",
    "promql/fragile",
    "template/labels",
    "template/value-in-labels",
    "promql/counter",
    "promql/rate",
    "promql/range",
    "rule/dependency",
];

fn findings_under(dir: &Path, name: &str) -> Vec<String> {
    let mut files = Vec::new();
    for path in yaml_files_under(dir) {
        if let Classified::Rules(f) = load_file(&path, alertlint_linter::model::Dialect::Prometheus)
            .expect("readable corpus file")
        {
            files.push(f);
        }
    }
    assert!(!files.is_empty(), "no rule files under {}", dir.display());
    let mut out: Vec<String> = analyse(&files, &Config::default(), &Inputs::default())
        .into_iter()
        .filter(|d| SEMANTIC_CHECKS.contains(&d.check))
        .map(|d| {
            let at = d.start();
            let path = d.file.path.strip_prefix(dir).unwrap_or(&d.file.path);
            format!(
                "{name}/{}:{}:{} {} [{}] {}",
                path.display(),
                at.line,
                at.col,
                d.severity.as_str(),
                d.check,
                d.message
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn semantic_findings_on_the_corpora() {
    let mut all = findings_under(
        &corpus("awesome-prometheus-alerts"),
        "awesome-prometheus-alerts",
    );
    all.extend(findings_under(
        &corpus("kubernetes-mixin"),
        "kubernetes-mixin",
    ));
    insta::assert_snapshot!(all.join("\n"));
}
