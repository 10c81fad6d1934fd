//! Go templates in labels and annotations: the syntax check the `template/syntax` check runs,
//! and expansion as the unit-test runner expands alerts (fixed labels and value, a `query`
//! function that answers from a fixed result).
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};
use prometheus_template::{QueryResultSample, TemplateContext, check_syntax, expand_at};
use std::collections::BTreeMap;

fn query(q: &str) -> Result<Vec<QueryResultSample>, String> {
    if q.contains("error") {
        return Err("query failed".to_string());
    }
    let labels: BTreeMap<String, String> = [("__name__", "up"), ("instance", "x:9090")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(vec![
        QueryResultSample {
            labels: labels.clone(),
            value: 1.5,
        },
        QueryResultSample {
            labels,
            value: f64::NAN,
        },
    ])
}

/// `range` over an integer runs until gotmpl's budget of ten million iterations per execution
/// ends it with an error: bounded by design, but a minute under this build's instrumentation
/// (tests/fuzz_regressions.rs keeps the bound). Such templates (a `range` and a number literal
/// of six characters or more) are only checked, not expanded.
fn ranges_over_a_large_number(src: &str) -> bool {
    src.contains("range")
        && src
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-')))
            .any(|w| w.starts_with(|c: char| c.is_ascii_digit()) && w.len() >= 6)
}

fuzz_target!(|data: &[u8]| -> Corpus {
    let Some(src) = fuzz_support::text(data, 2048) else {
        return Corpus::Reject;
    };
    if let Err(e) = check_syntax(src) {
        assert!(
            e.offset <= src.len() && src.is_char_boundary(e.offset),
            "error offset {} in a {}-byte template",
            e.offset,
            src.len()
        );
    }
    let labels: BTreeMap<String, String> = [
        ("alertname", "Fuzz"),
        ("instance", "x:9090"),
        ("job", "a"),
        ("severity", "critical"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let external: BTreeMap<String, String> = [("cluster".to_string(), "c1".to_string())].into();
    let ctx = TemplateContext {
        labels: &labels,
        external_labels: &external,
        external_url: "http://prometheus.example:9090",
        value: 1234.5678,
        query: Some(&query),
    };
    if !ranges_over_a_large_number(src) {
        let _ = std::hint::black_box(expand_at("__alert_Fuzz", src, &ctx, 1_700_000_000.0));
    }
    Corpus::Keep
});
