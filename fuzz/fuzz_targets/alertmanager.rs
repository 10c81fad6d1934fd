//! Alertmanager config: `Alertmanager::parse`, then routing (label sets built from the
//! matchers' own names and values), receivers, and the `route/*` and `inhibit/*` checks over a
//! fixed rule file, rendered in every output format.
#![no_main]

use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::alertmanager::{Alertmanager, LabelSet};
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, read_rule_file};
use alertlint_linter::model::Dialect;
use libfuzzer_sys::{Corpus, fuzz_target};

const RULES: &str = r#"groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        labels: {severity: critical, team: fraud-ml}
        annotations: {summary: down, runbook_url: "https://example.com/r.md"}
      - alert: Slow
        expr: latency > 1
        for: 10m
        labels: {severity: warning, team: ml-platform, service: api}
        annotations: {summary: slow, runbook_url: "https://example.com/s.md"}
      - alert: Info
        expr: vector(1)
        labels: {severity: info, team: '{{ $labels.team }}'}
"#;

fuzz_target!(|data: &[u8]| -> Corpus {
    let Some(text) = fuzz_support::text(data, 64 * 1024) else {
        return Corpus::Reject;
    };
    let file = SourceFile::new("alertmanager.yml", text.to_string());
    let am = match Alertmanager::parse(&file) {
        Ok(am) => am,
        Err(diags) => {
            fuzz_support::render_all(&diags);
            return Corpus::Keep;
        }
    };
    // Label sets: empty, then every matcher name with each of its finite values (or a value
    // of its own), one at a time and all together.
    let mut all = LabelSet::default();
    let mut sets = vec![LabelSet::default()];
    let mut matchers = Vec::new();
    am.route.walk(&mut Vec::new(), &mut |_, r| {
        matchers.extend(r.matchers.iter())
    });
    for m in matchers.iter().take(64) {
        let values = m.finite_values().unwrap_or_default();
        for v in values
            .iter()
            .take(4)
            .chain(std::iter::once(&"x".to_string()))
        {
            let set: LabelSet = [(m.name.clone(), v.clone())].into_iter().collect();
            sets.push(set);
            all.insert(m.name.clone(), v.clone());
        }
    }
    sets.push(all);
    for set in &sets {
        for matched in am.route_labels(set) {
            let receiver = matched.receiver_name().to_string();
            std::hint::black_box((matched.path_name(), matched.span(), matched.is_root()));
            std::hint::black_box(am.pages(&receiver));
        }
    }
    std::hint::black_box(am.routing_label_names());

    let Classified::Rules(rules) = read_rule_file(
        SourceFile::new("rules.yaml", RULES.into()),
        Dialect::Prometheus,
    ) else {
        unreachable!("the fixed rule file is a rule file")
    };
    let inputs = Inputs {
        alertmanager: Some(&am),
        ..Inputs::default()
    };
    let diags = analyse(std::slice::from_ref(&rules), &Config::default(), &inputs);
    fuzz_support::render_all(&diags);
    Corpus::Keep
});
