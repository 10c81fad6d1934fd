//! Project config (`.alertlint.yaml`): `Config::parse` (every section, `runbooks:` and
//! `alertmanager:` included), then what is asked of it (check settings and policies asked for a
//! rule), and its errors rendered in every output format.
#![no_main]

use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, read_rule_file};
use alertlint_linter::model::Dialect;
use libfuzzer_sys::{Corpus, fuzz_target};
use std::path::{Path, PathBuf};

const RULES: &str = r#"groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        labels: {severity: critical, team: fraud-ml}
      - record: job:up:sum
        expr: sum by (job) (up)
"#;

fuzz_target!(|data: &[u8]| -> Corpus {
    let Some(text) = fuzz_support::text(data, 64 * 1024) else {
        return Corpus::Reject;
    };
    let file = SourceFile::new(".alertlint.yaml", text.to_string());
    let config = match Config::parse(file, PathBuf::from(".")) {
        Ok(config) => config,
        Err(diags) => {
            fuzz_support::render_all(&diags);
            return Corpus::Keep;
        }
    };
    let Classified::Rules(rules) = read_rule_file(
        SourceFile::new("rules.yaml", RULES.into()),
        Dialect::Prometheus,
    ) else {
        unreachable!("the fixed rule file is a rule file")
    };
    for (group, rule) in rules.rules() {
        std::hint::black_box(config.policy_for(Path::new("rules.yaml"), group, rule));
    }
    for &check in alertlint_linter::checks::CheckId::ALL {
        std::hint::black_box(config.may_enable(check));
    }
    let labels = [("severity", "critical"), ("team", "fraud-ml")];
    let place = alertlint_linter::config::RulePlace {
        group: "fraud",
        labels: &labels,
    };
    std::hint::black_box(config.enabled(Path::new("rules.yaml"), Some(place)));
    // Every check under this config's settings and policy.
    let diags = analyse(std::slice::from_ref(&rules), &config, &Inputs::default());
    fuzz_support::render_all(&diags);
    std::hint::black_box(config.relative(Path::new("rules.yaml")));
    Corpus::Keep
});
