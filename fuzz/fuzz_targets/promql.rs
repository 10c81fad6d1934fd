//! PromQL: parse with alertlint's guarded parser entry point; on an error, position it as the
//! `promql/syntax` check does; on success, evaluate it with `promql::Engine` over a
//! tiny fixed storage (instant queries at three times and one range query). Input is capped at
//! 512 bytes, and expressions whose subqueries take over 20,000 steps are only parsed, to bound
//! the work.
#![no_main]

use promql::{Engine, parse};
use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    fuzz_support::init();
    let Some(text) = fuzz_support::text(data, 512) else {
        return Corpus::Reject;
    };
    match parse(text) {
        Err(e) => {
            let (range, message) = alertlint_linter::promql_locate::explain(text, &e.message);
            // The check slices the expression with this range.
            assert!(
                text.get(range.clone()).is_some(),
                "explain gave {range:?} for a {}-byte expression ({message})",
                text.len()
            );
            if let Some(p) = &e.position {
                assert!(
                    text.get(p.clone()).is_some(),
                    "parse error position {p:?} for a {}-byte expression",
                    text.len()
                );
            }
        }
        // By design up to a million steps per query: see `subquery_steps`.
        Ok(expr) if fuzz_support::subquery_steps(&expr) > 20_000 => {}
        Ok(expr) => {
            let storage = fuzz_support::storage();
            let engine = Engine::default();
            for t in [0, 150_000, 600_000] {
                let _ = std::hint::black_box(engine.instant_with_annotations(&storage, &expr, t));
            }
            let _ = std::hint::black_box(
                engine.range_with_annotations(&storage, &expr, 0, 600_000, 60_000),
            );
        }
    }
    Corpus::Keep
});
