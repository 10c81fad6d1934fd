//! Every routing check (`route/*`, `inhibit/*`) has a failing fixture under
//! `fixtures/alertmanager/checks/<family>__<name>/` (an `alertmanager.yml` and/or a
//! `rules.yaml`; a missing one is taken from `fixtures/alertmanager/pass/`), pinned as a
//! snapshot of the human output, and passes on `fixtures/alertmanager/pass/`. Also: config
//! errors, and the `alertlint route` command on the example rules.

mod common;
use common::render;

use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::alertmanager::{self, Alertmanager, Settings};
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::checks::CHECKS;
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, load_file};
use std::path::{Path, PathBuf};

const ROOT: &str = "fixtures/alertmanager";

fn am(path: &Path) -> Alertmanager {
    alertmanager::read(path, Settings::default())
        .unwrap_or_else(|e| panic!("{}: {:?}", path.display(), common::messages(&e)))
}

fn diagnostics(check: &str, am_path: &Path, rules: &Path) -> Vec<Diagnostic> {
    diagnostics_with(&Config::default(), check, am_path, rules)
}

/// [`diagnostics`] under a config.
fn diagnostics_with(config: &Config, check: &str, am_path: &Path, rules: &Path) -> Vec<Diagnostic> {
    let am = am(am_path);
    let inputs = Inputs {
        alertmanager: Some(&am),
        ..Inputs::default()
    };
    common::diagnostics_of(check, rules, config, &inputs)
}

fn pick(dir: &Path, name: &str) -> PathBuf {
    let own = dir.join(name);
    if own.exists() {
        own
    } else {
        Path::new(ROOT).join("pass").join(name)
    }
}

#[test]
fn every_routing_check_has_failing_and_passing_fixtures() {
    let pass = Path::new(ROOT).join("pass");
    let mut covered = 0;
    for check in CHECKS {
        let family = check.id.split('/').next().unwrap_or("");
        if !matches!(family, "route" | "inhibit") {
            continue;
        }
        covered += 1;
        let dir = Path::new(ROOT)
            .join("checks")
            .join(check.id.replace('/', "__"));
        assert!(dir.is_dir(), "no fixture directory {}", dir.display());
        let fail = diagnostics(
            check.id,
            &pick(&dir, "alertmanager.yml"),
            &pick(&dir, "rules.yaml"),
        );
        assert!(
            !fail.is_empty(),
            "{}: no {} diagnostic",
            dir.display(),
            check.id
        );
        insta::assert_snapshot!(check.id.replace('/', "__"), render(&fail));
        let ok = diagnostics(
            check.id,
            &pass.join("alertmanager.yml"),
            &pass.join("rules.yaml"),
        );
        assert!(
            ok.is_empty(),
            "{} fires on the passing fixture:\n{}",
            check.id,
            render(&ok)
        );
        assert!(
            check.doc().contains("## What it does") && check.doc().contains("## Use instead"),
            "{} lacks its docs",
            check.id
        );
    }
    assert!(covered >= 9, "only {covered} routing checks");
}

#[test]
fn routing_checks_are_silent_without_alertmanager() {
    let Ok(Classified::Rules(file)) = load_file(
        &Path::new(ROOT).join("checks/route__unrouted/rules.yaml"),
        alertlint_linter::model::Dialect::Prometheus,
    ) else {
        panic!("fixture")
    };
    let diags = analyse(
        std::slice::from_ref(&file),
        &Config::default(),
        &Inputs::default(),
    );
    assert!(diags.iter().all(|d| !d.check.starts_with("route/")));
}

#[test]
fn invalid_alertmanager_configs_are_positioned_errors() {
    let text = r#"route:
  receiver: default
  matchers: [team="x"]
  routes:
    - matchers: ['team="unterminated']
      receiver: a
    - match_re: {team: "(" }
      receiver: a
    - recevier: a
receivers:
  - name: default
  - name: default
"#;
    let errors = Alertmanager::parse(&SourceFile::new("alertmanager.yml", text.to_string()))
        .err()
        .unwrap_or_default();
    assert!(errors.iter().all(|d| d.check == "config"));
    insta::assert_snapshot!("invalid_alertmanager", render(&errors));
}

#[test]
fn invalid_alertmanager_settings_are_config_errors() {
    // (The list's first item is no string: the unknown name is still shown at its own item.)
    let text = "alertmanager:\n  config: am.yml\n  paging_integrations: [[pagerduty], pagerdutty]\n  warning_pages: maybe\n  temas: {}\n";
    let errors = common::config_errors(text);
    insta::assert_snapshot!("invalid_settings", render(&errors));
}

#[test]
fn examples_route_every_alert_to_its_team() {
    let out = common::alertlint()
        .current_dir("rules-examples")
        .args(["route", "--rules", "rules/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    insta::assert_snapshot!("route_rules_examples", table);
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (team, receivers) = (cols[2], cols[3]);
        assert!(receivers.starts_with(team), "{line}");
    }
}

#[test]
fn route_labels_prints_the_path_and_receivers() {
    let out = common::alertlint()
        .args([
            "route",
            "--alertmanager",
            "fixtures/alertmanager/oracle.yml",
            "--no-config",
            "--labels",
            "alertname=FraudModelDown,severity=critical,team=fraud-ml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("route_labels", String::from_utf8_lossy(&out.stdout));

    let verify = |receivers: &str| {
        common::alertlint()
            .args([
                "route",
                "--alertmanager",
                "fixtures/alertmanager/oracle.yml",
                "--no-config",
                "--labels",
                "team=db,severity=critical",
                "--verify-receivers",
                receivers,
            ])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(verify("storage-pager,storage-slack"), Some(0));
    assert_eq!(verify("storage-pager"), Some(1));
}

#[test]
fn route_needs_an_alertmanager_config() {
    let out = common::alertlint()
        .args(["route", "--no-config", "--labels", "a=b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = common::alertlint()
        .args([
            "route",
            "--no-config",
            "--alertmanager",
            "fixtures/alertmanager/oracle.yml",
            "--labels",
            "a=~b",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_examples_is_clean_with_routing() {
    let out = common::alertlint()
        .args(["check", "rules-examples/"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("No problems found"), "{stdout}");
}

#[test]
fn broken_routing_examples_report_every_routing_check() {
    let out = common::alertlint()
        .args(["check", "--format", "json", "rules-examples/broken/"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for id in [
        "route/unrouted",
        "route/owner",
        "route/paging",
        "route/receiver",
        "route/shadowed",
        "inhibit/unmatched",
        "inhibit/self",
        "inhibit/equal",
    ] {
        assert!(
            stdout.contains(&format!("\"{id}\"")),
            "no {id} in broken examples"
        );
    }
}

/// An override's `policy:` names the severity label `route/paging` reads for the alerts it
/// applies to, as it does for the `alert/*` checks.
#[test]
fn paging_reads_each_alerts_own_severity_label() {
    let tmp = common::dir_with(&[(
        "rules.yaml",
        "groups:\n  - name: fraud\n    labels: {team: fraud-ml}\n    rules:\n\
         \x20     - alert: FraudDrift\n        expr: fraud_psi > 0.2\n\
         \x20       labels: {severity: warning, level: critical}\n",
    )]);
    let rules = tmp.path().join("rules.yaml");
    let am_path = Path::new(ROOT).join("pass/alertmanager.yml");
    let paging = |config_text: &str| -> Vec<String> {
        let config = common::parse_config(config_text);
        diagnostics_with(&config, "route/paging", &am_path, &rules)
            .into_iter()
            .map(|d| d.message)
            .collect()
    };
    // By the base policy it is a `warning`, which need not page.
    assert_eq!(paging("policy: {}\n"), Vec::<String>::new());
    // Alerts with a `level` are graded by it: this one is critical, and reaches only Slack.
    assert_eq!(
        paging("overrides:\n  - labels: {level: critical}\n    policy: {severity_label: level}\n"),
        ["`critical` alert `FraudDrift` pages nobody: it reaches `fraud-ml-slack`"]
    );
}

/// An alert routes by the labels its expression's series are known to carry, not only by its
/// rule labels: `up{team="fraud-ml"} == 0` reaches fraud-ml without a `team:` rule label, while
/// `sum(...)` drops the label and the same alert is unrouted.
#[test]
fn alerts_route_by_the_labels_their_series_carry() {
    let rule = |expr: &str| {
        format!(
            "groups:\n  - name: g\n    rules:\n      - alert: ScorerDown\n        expr: {expr}\n        \
             for: 5m\n        labels:\n          severity: critical\n"
        )
    };
    let am_path = Path::new(ROOT).join("pass/alertmanager.yml");
    let kept = common::dir_with(&[(
        "rules.yaml",
        &rule(r#"up{team="fraud-ml", job="scorer"} == 0"#),
    )]);
    let unrouted = diagnostics("route/unrouted", &am_path, &kept.path().join("rules.yaml"));
    assert!(unrouted.is_empty(), "{:?}", common::messages(&unrouted));
    let dropped = common::dir_with(&[("rules.yaml", &rule(r#"sum(up{team="fraud-ml"}) == 0"#))]);
    let unrouted = diagnostics(
        "route/unrouted",
        &am_path,
        &dropped.path().join("rules.yaml"),
    );
    assert_eq!(unrouted.len(), 1, "{:?}", common::messages(&unrouted));
}
