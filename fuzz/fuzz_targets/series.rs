//! Series notation (promqltest `load` lines and promtool `input_series`): the text as a whole
//! series line, as a bare value sequence, and through the unit-test runner's lazy
//! `SeriesValues` (walked for at most 100,000 values).
#![no_main]

use alertlint_unittest::SeriesValues;
use libfuzzer_sys::{Corpus, fuzz_target};
use promql::notation;

fuzz_target!(|data: &[u8]| -> Corpus {
    let Some(text) = fuzz_support::text(data, 4096) else {
        return Corpus::Reject;
    };
    let _ = std::hint::black_box(notation::parse_series_line(text));
    let _ = std::hint::black_box(notation::parse_values(text));
    let _ = std::hint::black_box(alertlint_unittest::parse_metric(text));
    let _ = std::hint::black_box(alertlint_unittest::parse_histogram(text));
    if let Ok(values) = SeriesValues::parse(text) {
        let mut cursor = values.cursor();
        for _ in 0..100_000 {
            let _ = cursor.peek_step();
            if cursor.next_item().is_none() {
                break;
            }
        }
    }
    Corpus::Keep
});
