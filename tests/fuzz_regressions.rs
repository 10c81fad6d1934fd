//! Crashes found by the fuzz targets (fuzz/, `scripts/fuzz.sh`), minimised with `cargo fuzz
//! tmin`, or by running a target on long hand-made inputs (which libFuzzer's slowly growing
//! input length does not reach soon), kept as regression tests. Each calls the public entry
//! point its target calls, the way the target calls it, and asserts what the target asserts:
//! no panic, an error or a value, within a time bound and, where memory was the crash, within
//! a bound on the bytes its thread holds. A test whose crash is not fixed yet is `#[ignore]`d
//! with the crash it shows (`cargo test --test fuzz_regressions -- --ignored` runs those). No
//! promtool, no third-party corpora.

use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::report::{Format, HumanOptions, Summary};
use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, read_rule_file};
use promql::notation::{NotationValue, parse_series_desc, parse_values};
use promql::{Engine, Storage, StoredValue};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::mpsc;
use std::time::Duration;

/// The system allocator, counting the bytes each thread holds, so that a test can bound the
/// memory an entry point takes (the fuzzers' `-rss_limit_mb`) without the machine running out.
struct Counting;

thread_local! {
    static HELD: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    let _ = HELD.try_with(|held| {
        let now = held.get().saturating_add_signed(delta);
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call goes to `System` unchanged; the counting touches only const-initialised
// thread-locals (no allocation, no unwinding).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` on a thread of its own, as [`within`] does, and fails if that thread ever held
/// more than `mib` MiB (counted even when it then returns an error).
fn within_memory(secs: u64, mib: usize, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    within(secs, move || {
        f();
        let _ = tx.send(PEAK.with(Cell::get));
    });
    let peak = rx.recv().expect("peak");
    assert!(
        peak <= mib << 20,
        "held {} MiB at its peak, more than {mib} MiB",
        peak >> 20
    );
}

/// Runs `f` on a thread of its own and fails if it panics or takes longer than `secs` (the
/// fuzzers' `-timeout=10`, with room for a debug build). A thread still running then is
/// left behind; the test process ends with the suite.
fn within(secs: u64, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            f();
            let _ = tx.send(());
        })
        .expect("spawn");
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("still running after {secs} s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("panicked (see above)"),
    }
}

/// Every output format, as `alertlint check` renders diagnostics.
fn render_all(diags: &[Diagnostic]) {
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

/// The `rules` target: a rule file, every check, every report format.
fn rules(text: &str) {
    rules_within(60, text);
}

fn rules_within(secs: u64, text: &str) {
    let text = text.to_string();
    within(secs, move || {
        if let Classified::Rules(file) = read_rule_file(
            SourceFile::new("rules.yaml", text),
            alertlint_linter::model::Dialect::Prometheus,
        ) {
            let diags = analyse(
                std::slice::from_ref(&file),
                &Config::default(),
                &Inputs::default(),
            );
            render_all(&diags);
        }
    });
}

/// The fuzz target's storage (fuzz/src/lib.rs): minutes 0 to 10.
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

fn storage() -> Storage {
    let mut st = Storage::new();
    for (desc, values) in SERIES {
        let labels = parse_series_desc(desc).expect("labels");
        for (i, v) in parse_values(values)
            .expect("values")
            .into_iter()
            .enumerate()
        {
            let t = i as i64 * 60_000;
            match v {
                NotationValue::Missing => {}
                NotationValue::Stale => st.append(&labels, t, StoredValue::Stale),
                NotationValue::Float(f) => st.append(&labels, t, StoredValue::Float(f)),
                NotationValue::Histogram(h) => st.append(&labels, t, StoredValue::Histogram(*h)),
            }
        }
    }
    st
}

/// The `promql` target: parse (every error positioned inside the text); evaluate a valid
/// expression at three instants and over a range.
fn promql(text: &str) {
    let text = text.to_string();
    within(60, move || match promql::parse(&text) {
        Err(errors) => {
            for e in errors {
                assert!(text.get(e.span.range()).is_some(), "error at {:?}", e.span);
            }
        }
        Ok(expr) => {
            let st = storage();
            let engine = Engine::default();
            for t in [0, 150_000, 600_000] {
                let _ = engine.instant_with_annotations(&st, &expr, t);
            }
            let _ = engine.range_with_annotations(&st, &expr, 0, 600_000, 60_000);
        }
    });
}

/// The harness itself, on inputs that must pass.
#[test]
fn harness_runs_the_entry_points() {
    rules("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n");
    promql("sum by (job) (rate(m[5m])) / on(job) group_left n");
    promql("sum(");
}

// ---------------------------------------------------------------------------------------
// series notation (fuzz target `series`) and unit-test files (fuzz target `unittest`)

/// A histogram of 40 buckets repeated ten million times: within `MAX_EXPANDED_VALUES`, which
/// counts values, not bytes (hence `MAX_EXPANDED_BUCKETS` since).
fn repeated_histogram() -> String {
    format!("{{{{buckets:[{}]}}}}x9999999", vec!["1"; 40].join(" "))
}

/// Found by the `series` target (a timeout under the fuzzer's instrumentation): an expected
/// histogram is one value, yet `parse_histogram` expanded the whole sequence first (here five
/// million empty histograms, 534 MiB) and only then checked that it held one.
#[test]
fn expected_histogram_is_not_expanded() {
    within_memory(60, 64, || {
        let r = alertlint_unittest::parse_histogram("{{}}x05000000");
        assert!(r.is_err(), "{r:?}");
    });
}

/// Found by the `series` target (out-of-memory at 2 GiB): ten million empty histograms have
/// no buckets, so the bucket budget let them through, yet each is a boxed histogram of about
/// 100 bytes. Each histogram now counts ten buckets for its fixed part.
#[test]
fn many_empty_histograms_are_refused_before_expansion() {
    within_memory(60, 64, || {
        for text in ["{{}}x9999999", "{{}}x099999999", "{{}}x1000000"] {
            let r = promql::notation::parse_values(text);
            let err = r.expect_err(text).to_string();
            assert!(err.contains("more than the limit"), "{text}: {err}");
        }
        // A hundred thousand are still read.
        let r = promql::notation::parse_values("{{}}x99999");
        assert_eq!(r.map(|v| v.len()), Ok(100_000));
    });
}

/// The same through the unit-test loader: a 100-byte `histogram:` in `exp_samples` took
/// 7 GiB (libFuzzer: out-of-memory at 2 GiB).
#[test]
fn unittest_expected_histogram_repetition_is_bounded() {
    let text = format!(
        "tests:\n  - promql_expr_test:\n      - expr: h\n        eval_time: 1m\n        exp_samples:\n          - histogram: '{}'\n",
        repeated_histogram()
    );
    within_memory(120, 256, move || {
        let source = SourceFile::new("t.test.yml", text);
        let r = alertlint_unittest::parse_test_file(&source);
        assert!(
            r.is_err(),
            "a histogram repeated ten million times is no expected sample"
        );
    });
}

/// The series-line reader promqltest `load` blocks use: the value cap counted values, so a
/// histogram with buckets, repeated to the cap, took 7 GiB (libFuzzer: out-of-memory at its
/// 2 GiB limit; ten million plain floats then took 1.07 GiB, 112 bytes a value).
#[test]
fn series_line_histogram_repetition_is_bounded() {
    let line = format!("m {}", repeated_histogram());
    within_memory(120, 2048, move || {
        let _ = std::hint::black_box(promql::notation::parse_series_line(&line));
    });
}

// ---------------------------------------------------------------------------------------
// rule files (fuzz target `rules`) and PromQL (fuzz target `promql`)

/// A rule whose expression is `expr` (single-quoted).
fn rule_with(expr: &str) -> String {
    format!(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: '{}'\n",
        expr.replace('\'', "''")
    )
}

/// Found probing the `rules` target with long inputs (a timeout): `promql/syntax` positioned a
/// parse error by parsing every prefix of the expression (`promql_locate`
/// `shortest_failing_prefix`), quadratic in its length: 30 KB took 11 s of CPU in a release
/// build, 100 KB minutes. Bounded since by a scan budget and bisection.
#[test]
fn long_broken_expression_is_located_in_bounded_time() {
    let file = rule_with(&format!("rate({})", "up ".repeat(10_000)));
    rules_within(60, &file);
}

/// The same for an error at the end of a long expression: cheaper prefixes, still quadratic
/// (30 KB take 0.6 s of CPU in a release build, 150 KB 20 s; rule files may hold 64 MiB).
#[test]
fn long_expression_ending_early_is_located_in_bounded_time() {
    let file = rule_with(&format!("up{{a=\"{}\"}} +", "x".repeat(150_000)));
    rules_within(60, &file);
}

/// The subquery of a million steps that the PromQL target steers clear of: bounded by
/// `MAX_QUERY_STEPS`, an error, not a hang.
#[test]
fn subquery_at_the_step_cap_is_an_error() {
    within(120, || {
        let expr = promql::parse("m[100y:1ms]").expect("valid PromQL");
        let r = Engine::default().instant(&storage(), &expr, 600_000);
        assert!(r.is_err(), "{r:?}");
    });
}

// ---------------------------------------------------------------------------------------
// Go templates (fuzz target `template`)

/// The `template` target: the syntax check, then expansion with fixed labels, value and a
/// `query` function answering from a fixed result.
fn template_within(secs: u64, src: &str) {
    use prometheus_template::{QueryResultSample, TemplateContext, check_syntax, expand_at};
    use std::collections::BTreeMap;
    let src = src.to_string();
    within(secs, move || {
        let _ = check_syntax(&src);
        let labels: BTreeMap<String, String> = [("alertname", "Fuzz"), ("instance", "x:9090")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let query = |_: &str| -> Result<Vec<QueryResultSample>, String> {
            Ok(vec![QueryResultSample {
                labels: BTreeMap::new(),
                value: 1.5,
            }])
        };
        let ctx = TemplateContext {
            labels: &labels,
            external_labels: &BTreeMap::new(),
            external_url: "http://prometheus.example:9090",
            value: 1234.5678,
            query: Some(&query),
        };
        let _ = std::hint::black_box(expand_at("__alert_Fuzz", &src, &ctx, 1_700_000_000.0));
    });
}

#[test]
fn template_harness_expands() {
    template_within(
        60,
        "{{ range $i := 3 }}{{ $i }}{{ end }} {{ $value | humanize }}",
    );
}

/// Probing the `template` target: `range` over an integer runs that many iterations, and
/// only gotmpl's per-execution budget of ten million `range` iterations ends it (with an
/// error): 6.4 s in a debug build, 60 s under the fuzzer's instrumentation, for a 33-byte
/// template (Go's text/template, and so Prometheus, have no such budget). Kept so that the
/// bound stays (a gotmpl upgrade without it would let `alertlint test` hang).
#[test]
fn template_range_over_a_large_integer_is_an_error() {
    use prometheus_template::{TemplateContext, expand};
    within(60, || {
        let none = std::collections::BTreeMap::new();
        let ctx = TemplateContext {
            labels: &none,
            external_labels: &none,
            external_url: "",
            value: 1.0,
            query: None,
        };
        let r = expand("__alert_Fuzz", "{{range $i := 1000000000}}{{end}}", &ctx);
        assert!(r.is_err(), "{r:?}");
    });
}

// ---------------------------------------------------------------------------------------
// Markdown runbooks (fuzz target `runbook`)

/// The `runbook` target's call: the runbook reader under the `incident` preset.
fn runbook_within(secs: u64, text: String) {
    use alertlint_linter::config::runbooks::Settings;
    use alertlint_linter::runbook::markdown::{NameKeys, Runbook, Scratch};
    within(secs, move || {
        let settings = Settings::default();
        let keys = NameKeys::new(&settings);
        let rb = Runbook::parse_with(
            "runbooks/r.md".into(),
            &text,
            0,
            "r.md".into(),
            &settings,
            &keys,
            &mut Scratch::default(),
        );
        std::hint::black_box(rb.slugs());
    });
}

#[test]
fn runbook_harness_reads() {
    runbook_within(
        60,
        "# A\n**Owner:** x\n## Diagnosis\n1. Step 1: look, go to Step 2\n".to_string(),
    );
}

/// Found probing the `runbook` target (a timeout: 20 s for a 64 KB runbook of `# a` lines
/// under the fuzzer's instrumentation, growing fourfold as it doubles): header fields are read
/// from the lines before the first `##` heading, and each of those lines is tested against
/// every heading and code block there (`read_fields`, `not_fields.iter().any(..)`), quadratic
/// when a runbook has no `##` heading. Runbooks may hold 8 MiB; this one is 1 MB. Fixed: the
/// excluded spans are merged and walked with one cursor.
#[test]
fn runbook_with_many_top_level_headings_is_read_in_bounded_time() {
    runbook_within(60, "# a\n".repeat(250_000));
}
