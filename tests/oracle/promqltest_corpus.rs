//! Prometheus' own promqltest corpus (`promqltest` under the corpora) through the evaluator:
//! per-file pass counts never drop below the pinned figures.

use crate::common::oracle::corpus;
use promql::Engine;
use promqltest::{Verdict, run_str};

/// Minimum passing evals per corpus file. Raise these as the evaluator
/// improves; never lower them.
const PINNED: &[(&str, usize)] = &[
    ("aggregators.test", 159),
    ("at_modifier.test", 78),
    ("collision.test", 2),
    ("functions.test", 431),
    ("histograms.test", 185),
    ("limit.test", 37),
    ("literals.test", 25),
    ("name_label_dropping.test", 30),
    ("native_histograms.test", 522),
    ("operators.test", 214),
    ("range_queries.test", 18),
    ("trig_functions.test", 19),
];

#[test]
fn promqltest_corpus_pass_counts() {
    let dir = corpus("promqltest");
    let engine = Engine::default();
    let mut regressions = Vec::new();
    for (file, min_pass) in PINNED {
        let path = dir.join(file);
        let content = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let outcomes = run_str(&engine, &content)
            .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
        let passed = outcomes
            .iter()
            .filter(|o| o.verdict == Verdict::Pass)
            .count();
        println!("{file}: {passed} passed (pinned {min_pass})");
        if passed < *min_pass {
            regressions.push(format!(
                "{file}: {passed} passed, expected at least {min_pass}"
            ));
        }
    }
    assert!(
        regressions.is_empty(),
        "regressions:\n{}",
        regressions.join("\n")
    );
}
