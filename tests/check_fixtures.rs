//! Every check of `alertlint check` has a failing and a passing fixture under
//! `fixtures/checks/<family>__<name>/`: the failing one must produce diagnostics of that check
//! (pinned as a snapshot of the human output), the passing one none.

mod common;
use common::render;

use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_linter::analyse::Inputs;
use alertlint_linter::checks::CHECKS;
use alertlint_linter::config::Config;
use std::path::{Path, PathBuf};

/// Families whose fixtures live here (runbook and routing checks have their own suites).
const FAMILIES: &[&str] = &[
    "yaml",
    "schema",
    "group",
    "rule",
    "promql",
    "template",
    "alert",
    "suppression",
    "behaviour",
];

fn diagnostics_of(check: &str, path: &Path, config: &Config) -> Vec<Diagnostic> {
    common::diagnostics_of(check, path, config, &Inputs::default())
}

#[test]
fn every_check_has_failing_and_passing_fixtures() {
    let root = PathBuf::from("fixtures/checks");
    let config = common::load_config(&root.join(".alertlint.yaml"));
    let mut covered = 0;
    for check in CHECKS {
        let family = check.id.split('/').next().unwrap_or("");
        if !FAMILIES.contains(&family) {
            continue;
        }
        let dir = root.join(check.id.replace('/', "__"));
        let fail = diagnostics_of(check.id, &dir.join("fail.yaml"), &config);
        assert!(
            !fail.is_empty(),
            "{}: fail.yaml produced no {} diagnostic",
            dir.display(),
            check.id
        );
        let pass = diagnostics_of(check.id, &dir.join("pass.yaml"), &config);
        assert!(
            pass.is_empty(),
            "{}: pass.yaml produced {}:\n{}",
            dir.display(),
            check.id,
            render(&pass)
        );
        insta::assert_snapshot!(check.id.replace('/', "__"), render(&fail));
        covered += 1;
    }
    assert!(covered >= 22, "only {covered} checks covered");
}

#[test]
fn every_check_is_documented_in_ruff_style() {
    for check in CHECKS {
        let doc = check.doc();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(doc.contains(section), "{} lacks `{section}`", check.id);
        }
    }
}
