//! PromQL: parse with alertlint's parser, every experimental feature on; every error must be
//! positioned inside the text; on success, evaluate it with `promql::Engine` over a
//! tiny fixed storage (instant queries at three times and one range query). Input is capped at
//! 512 bytes, and expressions whose subqueries take over 20,000 steps are only parsed, to bound
//! the work.
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};
use promql::{Engine, Options, parse_with};

fuzz_target!(|data: &[u8]| -> Corpus {
    let Some(text) = fuzz_support::text(data, 512) else {
        return Corpus::Reject;
    };
    match parse_with(text, &Options::all()) {
        Err(errors) => {
            assert!(!errors.is_empty(), "an error without a message");
            for e in errors {
                // `promql/syntax` slices the expression with this span.
                assert!(
                    text.get(e.span.range()).is_some(),
                    "error at {:?} for a {}-byte expression ({})",
                    e.span,
                    text.len(),
                    e.message
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
