//! The `runbook/*` checks: for each, a failing fixture (pinned as a snapshot of the human
//! output) and a passing one, under `fixtures/runbooks/<family>__<name>/{fail,pass}/` (each a
//! small repository: `.alertlint.yaml`, `rules.yaml`, runbooks). Also: the example rule set,
//! the skeleton writer, and hostile Markdown. (The upstream prometheus-operator runbooks are
//! checked by the oracle tier, tests/oracle/runbook_corpus.rs.)

mod common;
use common::{TODAY, dir_with, load_config, load_runbooks, render};

use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::checks::CHECKS;
use alertlint_linter::config::Config;
use alertlint_linter::load::load_rule_files;
use alertlint_linter::model::RuleFile;
use alertlint_linter::runbook;
use std::path::{Path, PathBuf};

fn rule_files(paths: &[PathBuf], config: &Config) -> Vec<RuleFile> {
    load_rule_files(paths, &config.exclude, config.dialect)
        .expect("rule files")
        .0
}

/// Runs every check over a fixture repository.
fn check_dir(dir: &Path) -> Vec<Diagnostic> {
    let config = load_config(&dir.join(".alertlint.yaml"));
    let files = rule_files(&[dir.join("rules.yaml")], &config);
    let rbs = load_runbooks(&config, &[]);
    let inputs = Inputs {
        runbooks: rbs.as_ref(),
        ..Inputs::default()
    };
    analyse(&files, &config, &inputs)
}

#[test]
fn every_runbook_check_has_failing_and_passing_fixtures() {
    let root = PathBuf::from("fixtures/runbooks");
    let mut covered = 0;
    for check in CHECKS.iter().filter(|c| c.id.starts_with("runbook/")) {
        let dir = root.join(check.id.replace('/', "__"));
        let fail: Vec<Diagnostic> = check_dir(&dir.join("fail"))
            .into_iter()
            .filter(|d| d.check == check.id)
            .collect();
        assert!(
            !fail.is_empty(),
            "{}: fail/ produced no {}",
            dir.display(),
            check.id
        );
        let pass: Vec<Diagnostic> = check_dir(&dir.join("pass"))
            .into_iter()
            .filter(|d| d.check.starts_with("runbook/"))
            .collect();
        assert!(
            pass.is_empty(),
            "{}: pass/ produced:\n{}",
            dir.display(),
            render(&pass)
        );
        insta::assert_snapshot!(check.id.replace('/', "__"), render(&fail));
        covered += 1;
    }
    assert_eq!(covered, 9, "runbook checks covered");
}

#[test]
fn rules_examples_check_clean_with_their_runbooks() {
    let dir = PathBuf::from("rules-examples");
    let config = load_config(&dir.join(".alertlint.yaml"));
    let files = rule_files(std::slice::from_ref(&dir), &config);
    let rbs = load_runbooks(&config, &[]).expect("rules-examples configures a runbook root");
    let alerts = files
        .iter()
        .flat_map(alertlint_linter::model::RuleFile::rules)
        .filter(|(_, r)| r.is_alert())
        .count();
    let runbooks = rbs.docs.iter().filter(|d| !d.is_index).count();
    assert_eq!(alerts, runbooks, "one runbook per alert");
    let inputs = Inputs {
        runbooks: Some(&rbs),
        ..Inputs::default()
    };
    let diags = analyse(&files, &config, &inputs);
    assert!(diags.is_empty(), "{}", render(&diags));
}

#[test]
fn broken_examples_show_every_runbook_problem() {
    let dir = PathBuf::from("rules-examples/broken");
    let config = load_config(&dir.join(".alertlint.yaml"));
    let files = rule_files(&[dir.join("runbook-problems.yaml")], &config);
    let rbs = load_runbooks(&config, &[]).expect("root");
    let inputs = Inputs {
        runbooks: Some(&rbs),
        ..Inputs::default()
    };
    let mut ids: Vec<&str> = analyse(&files, &config, &inputs)
        .iter()
        .map(|d| d.check)
        .filter(|c| c.starts_with("runbook/"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids,
        [
            "runbook/actionable",
            "runbook/links",
            "runbook/mismatch",
            "runbook/missing",
            "runbook/orphan",
            "runbook/sections",
            "runbook/stale",
            "runbook/templated"
        ]
    );
}

#[test]
fn skeleton_leaves_only_the_todos_to_fill_in() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = Config::default();
    let files = rule_files(
        &[PathBuf::from(
            "rules-examples/rules/fraud-model-serving.yaml",
        )],
        &config,
    );
    let (group, rule) = files
        .iter()
        .flat_map(alertlint_linter::model::RuleFile::rules)
        .find(|(_, r)| r.name() == "FraudModelLatencyP99High")
        .expect("alert");
    let facts = runbook::skeleton::Facts::of(group, rule, &config.policy);
    assert_eq!(facts.threshold.as_deref(), Some("> 0.25"));
    let text = runbook::skeleton::render(&facts, &runbook::Settings::default(), TODAY);
    assert!(text.contains("**Severity:** critical"));
    assert!(text.contains("**Owner:** fraud-ml"));
    std::fs::write(tmp.path().join("FraudModelLatencyP99High.md"), &text).expect("write");
    let rbs = load_runbooks(&config, &[tmp.path().to_path_buf()]).expect("root");
    let inputs = Inputs {
        runbooks: Some(&rbs),
        ..Inputs::default()
    };
    let mut found: Vec<String> = analyse(&[], &config, &inputs)
        .iter()
        .filter(|d| d.check != "runbook/orphan")
        .map(|d| format!("{} {}", d.check, d.message))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "runbook/actionable the step `Step 2:` gives the reader nothing to do",
            "runbook/sections the `Escalation` section is empty",
            "runbook/sections the `Post-incident` section is empty",
            "runbook/sections the `Resolution` section is empty",
        ]
    );

    let po = runbook::Settings::preset("prometheus-operator").expect("preset");
    let text = runbook::skeleton::render(&facts, &po, TODAY);
    for s in ["## Meaning", "## Impact", "## Diagnosis", "## Mitigation"] {
        assert!(text.contains(s), "{s} in\n{text}");
    }
}

#[test]
fn hostile_markdown_never_panics() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    binary.extend_from_slice(b"\n# Step 99999999999999999999\n[x](%zz%)\n");
    std::fs::write(dir.join("binary.md"), binary).expect("write");
    std::fs::write(
        dir.join("deep.md"),
        ">".repeat(50_000) + " Step 1\n" + &"- ".repeat(20_000),
    )
    .expect("write");
    std::fs::write(dir.join("weird.md"), "---\ntitle: x\n---\n# \n## \n**Alert:**\n| Owner | |\n### Step 0\n[a](#)\n[b](../../../../../../../../x.md#y)\n[c]({{< ref \"\" >}})\nStep 1 Step 2\n1. \n").expect("write");
    let huge = "x".repeat(9 * 1024 * 1024);
    std::fs::write(dir.join("huge.md"), huge).expect("write");
    let config = Config::default();
    let rbs = load_runbooks(&config, &[dir.to_path_buf()]).expect("root");
    assert!(rbs.docs.iter().any(|d| d.too_large.is_some()));
    let inputs = Inputs {
        runbooks: Some(&rbs),
        ..Inputs::default()
    };
    let diags = analyse(&[], &config, &inputs);
    let _ = render(&diags);
    assert!(diags.iter().any(|d| d.message.contains("too large")));
}

#[test]
fn bad_runbooks_config_is_reported_in_the_config_file() {
    // Read with the rest of the config: its errors end the run before any directory is looked
    // for (`nowhere/` is not reported).
    let errors = common::config_errors(
        "runbooks:\n  - dir: nowhere/\n    preset: incidnet\n  - url_prefix: wiki\n  - dri: x\n",
    );
    let msgs: Vec<String> = errors
        .iter()
        .map(|d| format!("{}:{} {}", d.start().line, d.start().col, d.message))
        .collect();
    insta::assert_snapshot!("config_errors", msgs.join("\n"));
    assert!(errors.iter().all(|d| d.check == "config"));
}

/// An override's `policy:` (here for alerts labelled `squad`) changes the annotation the
/// runbook link is read from and the label `runbook/mismatch` compares the Owner with, as it
/// does for the `alert/*` checks; other alerts keep the base policy.
#[test]
fn runbook_checks_read_each_alerts_own_policy() {
    // CheckoutDown's owner is its `squad` (payments), not its `team` (sre).
    let tmp = dir_with(&[
        (
            ".alertlint.yaml",
            "runbooks:\n  - dir: runbooks/\n    fields: [Owner]\n    sections: []\n    steps: false\n\
             overrides:\n  - labels: {squad: payments}\n    policy: {owner_label: squad, runbook_annotation: playbook}\n",
        ),
        (
            "rules.yaml",
            "groups:\n  - name: g\n    rules:\n\
             \x20     - alert: CheckoutDown\n        expr: up == 0\n        for: 5m\n\
             \x20       labels: {severity: critical, team: sre, squad: payments}\n\
             \x20       annotations: {playbook: runbooks/CheckoutDown.md}\n\
             \x20     - alert: SearchDown\n        expr: up == 0\n        for: 5m\n\
             \x20       labels: {severity: critical, team: search}\n\
             \x20       annotations: {runbook_url: runbooks/SearchDown.md}\n",
        ),
        (
            "runbooks/CheckoutDown.md",
            "# CheckoutDown\n\n**Owner:** sre\n",
        ),
        (
            "runbooks/SearchDown.md",
            "# SearchDown\n\n**Owner:** search\n",
        ),
    ]);
    let dir = tmp.path();

    let found: Vec<(&str, String)> = check_dir(dir)
        .iter()
        .filter(|d| d.check.starts_with("runbook/"))
        .map(|d| (d.check, d.message.clone()))
        .collect();
    assert_eq!(
        found,
        [(
            "runbook/mismatch",
            "the runbook says Owner `sre`, but alert `CheckoutDown` has `squad` label `payments`"
                .to_string()
        )],
        "the playbook link resolves (no runbook/missing, no runbook/orphan), and Owner is \
         compared with `squad`"
    );
}
