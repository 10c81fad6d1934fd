//! What the fuzz targets share: the panic policy, input decoding, the tiny fixed storage the
//! PromQL target evaluates over, a fixed compiled rule set for the unit-test runner, and the
//! report renderers every diagnostic goes through.

use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::report::{Format, HumanOptions, Summary};
use promql::notation::{NotationValue, parse_values};
use promql::{FloatHistogram, Labels, Storage, StoredValue};

/// The input as text of at most `max` bytes; `None` (the target rejects it) otherwise.
pub fn text(data: &[u8], max: usize) -> Option<&str> {
    if data.len() > max {
        return None;
    }
    std::str::from_utf8(data).ok()
}

/// Renders diagnostics in every output format, as `alertlint check` would: spans that are out
/// of range or split a character panic here.
pub fn render_all(diags: &[Diagnostic]) {
    let mut summary = Summary {
        files: 1,
        ..Summary::default()
    };
    summary.count(diags);
    let human = HumanOptions {
        color: false,
        width: 100,
    };
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        std::hint::black_box(alertlint_diagnostics::report::render(
            format,
            diags,
            &summary,
            &human,
            &alertlint_linter::checks::docs(),
        ));
    }
}

/// One series: labels, then a value per minute from t=0 in series notation.
const SERIES: &[(&str, &str)] = &[
    (r#"m{job="a",le="0.5"}"#, "1 2 stale 0 5 6 7 8 9 10 11"),
    (r#"m{job="b",le="+Inf"}"#, "NaN Inf 3 _ -1 1 2 3 4 5 6"),
    (r#"m{job="a",le="1"}"#, "3 4 4 1 9 10 11 12 13 14 15"),
    (r#"n{job="a",instance="x:9090"}"#, "0 _ _ 7 7 0+1x5"),
    (r#"up{job="a",instance="x:9090"}"#, "1x4 0x3 1x3"),
    (r#"ALERTS{alertname="A",alertstate="firing"}"#, "1x10"),
    (
        r#"h{job="a"}"#,
        "{{schema:0 sum:5 count:4 buckets:[1 2 1]}}+{{sum:2 count:1 buckets:[1]}}x10",
    ),
    (
        r#"hc{job="a"}"#,
        "{{schema:-53 sum:5 count:4 custom_values:[1 5] buckets:[1 2 1]}}x10",
    ),
];

/// The fixed storage the PromQL target evaluates over (built fresh per input, so a run never
/// depends on caches left by earlier inputs): floats, stale markers, NaN, ±Inf, counter
/// resets, gaps, an exponential and a custom-bucket native histogram, minutes 0 to 10.
pub fn storage() -> Storage {
    let mut st = Storage::new();
    for (desc, values) in SERIES {
        let labels: Labels =
            promql::notation::parse_series_desc(desc).expect("fixed series labels");
        let values = parse_values(values).expect("fixed series values");
        for (i, v) in values.into_iter().enumerate() {
            let t = i as i64 * 60_000;
            match v {
                NotationValue::Missing => {}
                NotationValue::Stale => st.append(&labels, t, StoredValue::Stale),
                NotationValue::Float(f) => st.append(&labels, t, StoredValue::Float(f)),
                NotationValue::Histogram(h) => {
                    // `h` may be boxed: `borrow` reads both forms.
                    let h: &FloatHistogram = std::borrow::Borrow::borrow(&h);
                    st.append(&labels, t, StoredValue::Histogram(h.clone()))
                }
            }
        }
    }
    st
}

/// The rule file the unit-test target runs every test group against (the unit-test fixture
/// plus rules that use `$value`, `query` and `humanize` in their templates).
pub const UNITTEST_RULES: &str = r#"groups:
  - name: example.recording
    rules:
      - record: job:requests:rate5m
        expr: sum by (job) (rate(requests_total[5m]))
  - name: example.alerts
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 5m
        labels:
          severity: page
        annotations:
          summary: "Instance {{ $labels.instance }} down"
          description: '{{ $value | humanize }} at {{ with query "up" }}{{ . | first | value }}{{ end }}'
      - alert: FlappingRecovered
        expr: up == 0
        keep_firing_for: 3m
        labels:
          severity: ticket
      - alert: HighRate
        expr: job:requests:rate5m > 1
        for: 1m
        labels:
          severity: '{{ if gt $value 2.0 }}page{{ else }}ticket{{ end }}'
        annotations:
          summary: '{{ $labels.job }}: {{ printf "%.2f" $value }}'
"#;

/// How many evaluation steps the subqueries of `e` take at one instant (nested subqueries
/// multiply, siblings add), saturating. The engine caps a query at
/// `promql::MAX_QUERY_STEPS` (a million) steps, which by design takes seconds,
/// and many more under the fuzzers' instrumentation: the PromQL target evaluates only
/// expressions well below it, so that the cap is not reported as a timeout over and over.
pub fn subquery_steps(e: &promql::Expr) -> u64 {
    use promql::Expr;
    match e {
        Expr::Aggregate(a) => {
            subquery_steps(&a.expr).saturating_add(a.param.as_ref().map_or(0, subquery_steps))
        }
        Expr::Unary(u) => subquery_steps(&u.expr),
        Expr::Binary(b) => subquery_steps(&b.lhs).saturating_add(subquery_steps(&b.rhs)),
        Expr::Paren(p) => subquery_steps(&p.expr),
        Expr::Call(c) => c
            .args
            .iter()
            .fold(0u64, |n, a| n.saturating_add(subquery_steps(a))),
        Expr::Subquery(s) => {
            // A duration expression counts as the longest range and the shortest step.
            let ms = |d: &promql::syntax::DurationExpr| d.literal_ns().map(|ns| ns / 1_000_000);
            let range = ms(&s.range).unwrap_or(i64::MAX).max(0);
            let step = s.step.as_ref().map_or(Some(60_000), ms).unwrap_or(1).max(1);
            let steps = u64::try_from(range / step + 1).unwrap_or(u64::MAX);
            steps.saturating_mul(subquery_steps(&s.expr).max(1))
        }
        _ => 0,
    }
}
