//! The project's own PromQL conformance set, `fixtures/promqltest/*.test` (promqltest format,
//! Prometheus 3.x semantics): every eval must pass. The oracle tier checks the expected values
//! themselves against promtool (tests/oracle/promqltest_promtool.rs).

use promql::Engine;
use promqltest::{Verdict, run_str};
use std::path::PathBuf;

/// At least this many evals: the set cannot shrink unnoticed.
const MIN_EVALS: usize = 340;

#[test]
fn every_eval_of_the_conformance_set_passes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/promqltest");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
    let engine = Engine::default();
    let (mut evals, mut failures) = (0, Vec::new());
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let outcomes = run_str(&engine, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        println!("{name}: {} evals", outcomes.len());
        evals += outcomes.len();
        for o in outcomes {
            match o.verdict {
                Verdict::Pass => {}
                Verdict::Fail(why) => {
                    failures.push(format!("{name}:{}: {}: {why}", o.line, o.expr));
                }
                Verdict::Skip(why) => {
                    failures.push(format!("{name}:{}: {}: unsupported: {why}", o.line, o.expr));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {evals} evals fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        evals >= MIN_EVALS,
        "only {evals} evals in fixtures/promqltest (at least {MIN_EVALS})"
    );
}
