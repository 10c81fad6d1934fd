//! The upstream prometheus-operator runbooks under their own preset, pinned as a snapshot.

use crate::common::oracle::corpus;
use crate::common::{dir_with, load_config, load_runbooks};
use alertlint_linter::analyse::{Inputs, analyse};

/// The upstream prometheus-operator runbooks (no rules: `runbook/orphan` does not apply) under
/// their own preset. Every remaining finding is a real defect of the upstream file, pinned.
#[test]
fn prometheus_operator_corpus_under_its_preset() {
    let corpus = corpus("prometheus-operator-runbooks").join("content/runbooks");
    assert!(corpus.is_dir(), "corpus missing: {}", corpus.display());
    let abs = std::path::absolute(&corpus).expect("absolute");
    let tmp = dir_with(&[(
        ".alertlint.yaml",
        &format!(
            "runbooks:\n  - dir: '{}'\n    preset: prometheus-operator\n    max_age: off\n",
            abs.display()
        ),
    )]);
    let config = load_config(&tmp.path().join(".alertlint.yaml"));
    let rbs = load_runbooks(&config, &[]).expect("root");
    assert!(rbs.docs.len() > 100, "{} runbooks", rbs.docs.len());
    let inputs = Inputs {
        runbooks: Some(&rbs),
        ..Inputs::default()
    };
    let findings: Vec<String> = analyse(&[], &config, &inputs)
        .iter()
        .filter(|d| d.check != "runbook/orphan")
        .map(|d| {
            let path = d.file.display_path();
            let rel = path
                .rsplit_once("content/runbooks/")
                .map_or(path.as_str(), |(_, r)| r)
                .to_string();
            format!("{} {}:{} {}", d.check, rel, d.start().line, d.message)
        })
        .collect();
    insta::assert_snapshot!("prometheus_operator_corpus", findings.join("\n"));
}
