//! Reporters for `alertlint test`: human (label-by-label diffs and alert state timelines),
//! JSON and JUnit XML. All output is in file and test order, whatever order tests ran in.

use super::FileResult;
use super::coverage::{COVERAGE_VERSION, Coverage, RuleRef, percent_text};
use super::explain::PassesWith;
use super::runner::{AlertData, Failure, SampleData, TimelineStep};
use alertlint_diagnostics::report::{HumanOptions, Summary};
use prometheus_time::duration::format_duration;
use promql::Labels;
use promql::histogram::FloatHistogram;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite, XmlString};
use serde_json::{Value as Json, json};
use std::fmt::Write;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Totals {
    pub files: usize,
    pub tests: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub load_errors: usize,
}

pub(crate) fn totals(results: &[FileResult]) -> Totals {
    let mut t = Totals {
        files: results.len(),
        ..Default::default()
    };
    for f in results {
        if !f.load_errors.is_empty() {
            t.load_errors += 1;
        }
        for g in &f.groups {
            if g.skipped {
                t.skipped += 1;
                continue;
            }
            t.tests += 1;
            if g.failures.is_empty() {
                t.passed += 1;
            } else {
                t.failed += 1;
            }
        }
    }
    t
}

fn num(v: f64) -> String {
    prometheus_template::format_g(v, None)
}

fn q(s: &str) -> String {
    format!("{s:?}")
}

/// One alert of a diff that is only on one side, with its annotations.
fn alert_lines(
    out: &mut String,
    what: &str,
    labels: &[(String, String)],
    annotations: &[(String, String)],
) {
    let _ = writeln!(out, "      {what}: {}", pairs_string(labels));
    for (k, v) in annotations {
        let _ = writeln!(out, "            annotation {k}: {}", q(v));
    }
}

fn pairs_string(p: &[(String, String)]) -> String {
    let inner: Vec<String> = p.iter().map(|(k, v)| format!("{k}={}", q(v))).collect();
    format!("{{{}}}", inner.join(", "))
}

/// A histogram in promtool's series notation.
pub(crate) fn histogram_string(h: &FloatHistogram) -> String {
    let mut s = String::from("{{");
    let mut parts = Vec::new();
    if h.schema != 0 {
        parts.push(format!("schema:{}", h.schema));
    }
    parts.push(format!("count:{}", num(h.count)));
    parts.push(format!("sum:{}", num(h.sum)));
    if h.zero_count != 0.0 {
        parts.push(format!("z_bucket:{}", num(h.zero_count)));
    }
    if h.zero_threshold != 0.0 {
        parts.push(format!("z_bucket_w:{}", num(h.zero_threshold)));
    }
    if !h.custom_values.is_empty() {
        let cv: Vec<String> = h.custom_values.iter().map(|v| num(*v)).collect();
        parts.push(format!("custom_values:[{}]", cv.join(" ")));
    }
    let buckets = |b: &[(i32, f64)], name: &str, parts: &mut Vec<String>| {
        if b.is_empty() {
            return;
        }
        let first = b[0].0;
        let last = b[b.len() - 1].0;
        let mut vals = Vec::new();
        for i in first..=last {
            let c = b.iter().find(|(k, _)| *k == i).map_or(0.0, |(_, c)| *c);
            vals.push(num(c));
        }
        parts.push(format!("{name}buckets:[{}]", vals.join(" ")));
        if first != 0 {
            parts.push(format!("{name}offset:{first}"));
        }
    };
    buckets(&h.positive, "", &mut parts);
    buckets(&h.negative, "n_", &mut parts);
    s.push_str(&parts.join(" "));
    s.push_str("}}");
    s
}

fn sample_value(s: &SampleData) -> String {
    match &s.histogram {
        Some(h) => histogram_string(h),
        None => num(s.value),
    }
}

/// Pairs expected with got items: identical first, then by most labels in common.
fn pair_up<T>(
    exp: &[T],
    got: &[T],
    same: impl Fn(&T, &T) -> bool,
    overlap: impl Fn(&T, &T) -> usize,
) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let mut used_g = vec![false; got.len()];
    let mut used_e = vec![false; exp.len()];
    let mut pairs = Vec::new();
    for (ei, e) in exp.iter().enumerate() {
        if let Some(gi) = (0..got.len()).find(|&gi| !used_g[gi] && same(e, &got[gi])) {
            used_g[gi] = true;
            used_e[ei] = true;
        }
    }
    for (ei, e) in exp.iter().enumerate() {
        if used_e[ei] {
            continue;
        }
        let best = (0..got.len())
            .filter(|&gi| !used_g[gi])
            .map(|gi| (overlap(e, &got[gi]), gi))
            .filter(|(o, _)| *o > 0)
            .max_by_key(|(o, gi)| (*o, std::cmp::Reverse(*gi)));
        if let Some((_, gi)) = best {
            used_g[gi] = true;
            used_e[ei] = true;
            pairs.push((ei, gi));
        }
    }
    let missing = (0..exp.len()).filter(|i| !used_e[*i]).collect();
    let extra = (0..got.len()).filter(|i| !used_g[*i]).collect();
    (pairs, missing, extra)
}

fn diff_pairs(out: &mut String, indent: &str, exp: &[(String, String)], got: &[(String, String)]) {
    let mut keys: Vec<&String> = exp.iter().chain(got).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let e = exp.iter().find(|(ek, _)| ek == k).map(|p| &p.1);
        let g = got.iter().find(|(gk, _)| gk == k).map(|p| &p.1);
        match (e, g) {
            (Some(e), Some(g)) if e == g => {
                let _ = writeln!(out, "{indent}  {k}: {}", q(e));
            }
            (e, g) => {
                if let Some(e) = e {
                    let _ = writeln!(out, "{indent}- {k}: {}   (expected)", q(e));
                }
                if let Some(g) = g {
                    let _ = writeln!(out, "{indent}+ {k}: {}   (got)", q(g));
                }
            }
        }
    }
}

fn overlap_pairs(a: &[(String, String)], b: &[(String, String)]) -> usize {
    a.iter().filter(|p| b.contains(p)).count()
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn render_alert_diff(out: &mut String, exp: &[AlertData], got: &[AlertData]) {
    let _ = writeln!(
        out,
        "      expected {}, got {}",
        plural(exp.len(), "firing alert"),
        plural(got.len(), "firing alert")
    );
    let (pairs, missing, extra) = pair_up(
        exp,
        got,
        |a, b| a == b,
        |a, b| overlap_pairs(&a.labels, &b.labels) + 1,
    );
    for (ei, gi) in pairs {
        let (e, g) = (&exp[ei], &got[gi]);
        let _ = writeln!(out, "      ~ alert {} differs:", pairs_string(&g.labels));
        if e.labels != g.labels {
            let _ = writeln!(out, "          labels:");
            diff_pairs(out, "          ", &e.labels, &g.labels);
        }
        if e.annotations != g.annotations {
            let _ = writeln!(out, "          annotations:");
            diff_pairs(out, "          ", &e.annotations, &g.annotations);
        }
    }
    for ei in missing {
        let e = &exp[ei];
        alert_lines(
            out,
            "- expected alert not firing",
            &e.labels,
            &e.annotations,
        );
    }
    for gi in extra {
        let g = &got[gi];
        alert_lines(out, "+ unexpected firing alert", &g.labels, &g.annotations);
    }
}

fn render_timeline(
    out: &mut String,
    alertname: &str,
    timeline: &[TimelineStep],
    compared_at: i64,
    interval: i64,
) {
    let _ = writeln!(
        out,
        "      state of {alertname} around {} (evaluated every {}):",
        format_duration(compared_at),
        format_duration(interval)
    );
    let width = timeline
        .iter()
        .map(|s| format_duration(s.t_ms).len())
        .max()
        .unwrap_or(2);
    for step in timeline {
        let mark = if step.t_ms == compared_at { ">" } else { " " };
        let t = format_duration(step.t_ms);
        if step.alerts.is_empty() {
            let _ = writeln!(out, "      {mark} {t:>width$}  (no active alerts)");
            continue;
        }
        for (i, a) in step.alerts.iter().enumerate() {
            let tcol = if i == 0 { t.clone() } else { String::new() };
            let since = match a.state {
                super::rules::AlertState::Inactive => "resolved".to_string(),
                _ => format!("since {}", format_duration(a.active_at_ms)),
            };
            let _ = writeln!(
                out,
                "      {mark} {tcol:>width$}  {:<8} {} ({since})",
                a.state.as_str(),
                a.labels
            );
        }
    }
}

fn render_sample_diff(out: &mut String, exp: &[SampleData], got: &[SampleData]) {
    let _ = writeln!(
        out,
        "      expected {}, got {}",
        plural(exp.len(), "sample"),
        plural(got.len(), "sample")
    );
    let as_pairs = |l: &Labels| -> Vec<(String, String)> {
        l.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (pairs, missing, extra) = pair_up(
        exp,
        got,
        |a, b| {
            a.labels == b.labels
                && super::runner::samples_equal(
                    std::slice::from_ref(a),
                    std::slice::from_ref(b),
                    false,
                )
        },
        |a, b| {
            if a.labels == b.labels {
                usize::MAX / 2
            } else {
                overlap_pairs(&as_pairs(&a.labels), &as_pairs(&b.labels))
                    + usize::from(a.labels.is_empty() || b.labels.is_empty())
            }
        },
    );
    for (ei, gi) in pairs {
        let (e, g) = (&exp[ei], &got[gi]);
        if e.labels == g.labels {
            let _ = writeln!(out, "      ~ {}", e.labels);
        } else {
            let _ = writeln!(out, "      ~ sample labels differ:");
            diff_pairs(
                out,
                "          ",
                &as_pairs(&e.labels),
                &as_pairs(&g.labels),
            );
        }
        let (ev, gv) = (sample_value(e), sample_value(g));
        if ev != gv || e.labels == g.labels {
            let _ = writeln!(out, "          - value: {ev}   (expected)");
            let _ = writeln!(out, "          + value: {gv}   (got)");
        } else {
            let _ = writeln!(out, "            value: {ev}");
        }
    }
    for ei in missing {
        let e = &exp[ei];
        let _ = writeln!(
            out,
            "      - expected sample missing: {} {}",
            e.labels,
            sample_value(e)
        );
    }
    for gi in extra {
        let g = &got[gi];
        let _ = writeln!(
            out,
            "      + unexpected sample: {} {}",
            g.labels,
            sample_value(g)
        );
    }
}

fn render_failure(out: &mut String, f: &Failure, interval: i64) {
    match f {
        Failure::RuleError {
            rule,
            group,
            time_ms,
            message,
        } => {
            let _ = writeln!(
                out,
                "    rule {rule} (group {group}) failed to evaluate at {}:",
                format_duration(*time_ms)
            );
            let _ = writeln!(out, "      {message}");
        }
        Failure::Alert {
            index,
            alertname,
            eval_time_ms,
            expected,
            got,
            timeline,
            compared_at_ms,
        } => {
            let _ = writeln!(
                out,
                "    alert_rule_test[{index}]: alert {alertname} at {}",
                format_duration(*eval_time_ms)
            );
            render_alert_diff(out, expected, got);
            render_timeline(out, alertname, timeline, *compared_at_ms, interval);
        }
        Failure::Expr {
            index,
            expr,
            eval_time_ms,
            expected,
            got,
        } => {
            let _ = writeln!(
                out,
                "    promql_expr_test[{index}]: expr {} at {}",
                q(expr),
                format_duration(*eval_time_ms)
            );
            render_sample_diff(out, expected, got);
        }
        Failure::ExprError {
            index,
            expr,
            eval_time_ms,
            message,
        } => {
            let _ = writeln!(
                out,
                "    promql_expr_test[{index}]: expr {} at {} failed:",
                q(expr),
                format_duration(*eval_time_ms)
            );
            let _ = writeln!(out, "      {message}");
        }
    }
}

/// The human report; load errors go through the same renderer as `alertlint check`. Text
/// from the test files (paths, names, labels, messages) is written with its control
/// characters escaped (`\u{1b}`), as `alertlint check` writes it.
pub fn render_human(results: &[FileResult], opts: &HumanOptions) -> String {
    let mut out = String::new();
    // What this function writes, escaped into `out` before miette's output (already escaped,
    // and coloured with escape sequences of its own) and at the end.
    let mut text = String::new();
    let flush = |out: &mut String, text: &mut String| {
        out.push_str(&alertlint_diagnostics::report::escape_controls(
            text,
            &['\n'],
        ));
        text.clear();
    };
    for f in results {
        for w in &f.warnings {
            let _ = writeln!(text, "warning: {}: {w}", f.path);
        }
        if !f.load_errors.is_empty() {
            let _ = writeln!(text, "ERROR {}", f.path);
            let mut summary = Summary::default();
            summary.count(&f.load_errors);
            flush(&mut out, &mut text);
            let report =
                alertlint_diagnostics::report::render_human(&f.load_errors, &summary, opts);
            // Keep the diagnostics, not the rule-file summary line.
            let body = report
                .rsplit_once("\n\n")
                .map_or(report.as_str(), |(b, _)| b);
            out.push_str(body);
            out.push('\n');
            if let Some(p) = &f.passes_with {
                let _ = writeln!(text, "  hint: {}", p.hint());
            }
            continue;
        }
        let ran: Vec<_> = f.groups.iter().filter(|g| !g.skipped).collect();
        let failed = ran.iter().filter(|g| !g.failures.is_empty()).count();
        if failed == 0 {
            let _ = writeln!(text, "PASS  {}  ({})", f.path, plural(ran.len(), "test"));
            continue;
        }
        let _ = writeln!(
            text,
            "FAIL  {}  ({} of {} failed)",
            f.path,
            failed,
            plural(ran.len(), "test")
        );
        for g in ran.iter().filter(|g| !g.failures.is_empty()) {
            let label = if g.name == format!("tests[{}]", g.index) {
                g.name.clone()
            } else {
                format!("{} (tests[{}])", q(&g.name), g.index)
            };
            let _ = writeln!(text, "  ✗ test {label}");
            for fl in &g.failures {
                render_failure(&mut text, fl, f.evaluation_interval_ms);
            }
            if let Some(p) = &g.passes_with {
                let _ = writeln!(text, "    hint: {}", p.hint());
            }
        }
    }
    let t = totals(results);
    let mut parts = vec![
        format!("{} passed", t.passed),
        format!("{} failed", t.failed),
    ];
    if t.skipped > 0 {
        parts.push(format!("{} skipped", t.skipped));
    }
    if t.load_errors > 0 {
        parts.push(format!("{} not loaded", plural(t.load_errors, "file")));
    }
    let _ = writeln!(
        text,
        "\n{} in {}: {}",
        plural(t.tests, "test"),
        plural(t.files, "file"),
        parts.join(", ")
    );
    flush(&mut out, &mut text);
    out
}

fn alert_json(a: &AlertData) -> Json {
    json!({
        "labels": a.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, Json>>(),
        "annotations": a.annotations.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, Json>>(),
    })
}

fn float_json(v: f64) -> Json {
    if v.is_finite() {
        json!(v)
    } else {
        json!(num(v))
    }
}

fn sample_json(s: &SampleData) -> Json {
    let labels: serde_json::Map<String, Json> = s
        .labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    match &s.histogram {
        Some(h) => json!({"labels": labels, "histogram": histogram_string(h)}),
        None => json!({"labels": labels, "value": float_json(s.value)}),
    }
}

fn failure_json(f: &Failure) -> Json {
    match f {
        Failure::RuleError {
            rule,
            group,
            time_ms,
            message,
        } => json!({
            "kind": "rule_error", "rule": rule, "group": group,
            "time": format_duration(*time_ms), "message": message,
        }),
        Failure::Alert {
            index,
            alertname,
            eval_time_ms,
            expected,
            got,
            timeline,
            ..
        } => json!({
            "kind": "alert_rule_test", "index": index, "alertname": alertname,
            "eval_time": format_duration(*eval_time_ms),
            "expected": expected.iter().map(alert_json).collect::<Vec<_>>(),
            "got": got.iter().map(alert_json).collect::<Vec<_>>(),
            "timeline": timeline.iter().map(|s| json!({
                "time": format_duration(s.t_ms),
                "alerts": s.alerts.iter().map(|a| json!({
                    "labels": a.labels.to_string(), "state": a.state.as_str(),
                    "active_at": format_duration(a.active_at_ms),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
        Failure::Expr {
            index,
            expr,
            eval_time_ms,
            expected,
            got,
        } => json!({
            "kind": "promql_expr_test", "index": index, "expr": expr,
            "eval_time": format_duration(*eval_time_ms),
            "expected": expected.iter().map(sample_json).collect::<Vec<_>>(),
            "got": got.iter().map(sample_json).collect::<Vec<_>>(),
        }),
        Failure::ExprError {
            index,
            expr,
            eval_time_ms,
            message,
        } => json!({
            "kind": "promql_expr_error", "index": index, "expr": expr,
            "eval_time": format_duration(*eval_time_ms), "message": message,
        }),
    }
}

/// How a failing test (or a file that did not load) passes with Prometheus 2.x semantics.
fn passes_with_json(p: &PassesWith) -> Json {
    json!({
        "kind": p.kind(),
        "differences": p.differences().iter().map(|d| {
            let (major, minor) = d.release();
            json!({"id": d.id(), "release": format!("{major}.{minor}"), "reason": d.reason()})
        }).collect::<Vec<_>>(),
        "hint": p.hint(),
    })
}

/// `key: value` added to a JSON object, when there is a value.
fn with_optional(mut object: Json, key: &str, value: Option<Json>) -> Json {
    if let (Json::Object(map), Some(value)) = (&mut object, value) {
        map.insert(key.to_string(), value);
    }
    object
}

/// The coverage report that follows the human report (`--coverage`): the counts, then each
/// category's rules as `file:line  name`. Names and paths are written with their control
/// characters escaped, as the rest of the report.
pub fn render_coverage_human(coverage: &Coverage) -> String {
    let mut text = String::new();
    let alerts = coverage.alerts.len();
    let records = coverage.records.len();
    let unloaded: Vec<&str> = coverage
        .rule_files
        .iter()
        .filter(|f| !f.loaded_by_tests)
        .map(|f| f.path.as_str())
        .collect();
    let _ = write!(
        text,
        "\nCoverage: {} and {} in {}",
        plural(alerts, "alerting rule"),
        plural(records, "recording rule"),
        plural(coverage.rule_files.len(), "rule file")
    );
    if unloaded.is_empty() {
        text.push('\n');
    } else {
        let _ = writeln!(text, " ({} loaded by no test file)", unloaded.len());
    }
    if !coverage.run_filter.is_empty() {
        let patterns: Vec<String> = coverage.run_filter.iter().map(|p| q(p)).collect();
        let _ = writeln!(
            text,
            "  only the test groups --run selects count ({}): {} of {} ran",
            patterns.join(", "),
            coverage.groups_ran,
            plural(coverage.groups_total, "test group")
        );
    }
    let evaluated = coverage.alerts.iter().filter(|a| a.evaluated()).count();
    let silent = coverage
        .alerts
        .iter()
        .filter(|a| a.asserted_silent > 0)
        .count();
    let reached = coverage.records.iter().filter(|r| r.reached).count();
    let _ = writeln!(
        text,
        "  asserted firing: {:>4} of {alerts} alerting rules ({})",
        coverage.asserted_firing(),
        percent_text(coverage.firing_percent())
    );
    let _ = writeln!(
        text,
        "  asserted silent: {silent:>4} of {alerts} alerting rules"
    );
    let _ = writeln!(
        text,
        "  evaluated:       {evaluated:>4} of {alerts} alerting rules"
    );
    let _ = writeln!(
        text,
        "  reached:         {reached:>4} of {records} recording rules"
    );
    if !unloaded.is_empty() {
        let _ = writeln!(
            text,
            "\n  rule files no test file loads ({}):",
            unloaded.len()
        );
        for path in unloaded {
            let _ = writeln!(text, "    {path}");
        }
    }
    let mut list = |title: &str, rules: Vec<&RuleRef>| {
        if rules.is_empty() {
            return;
        }
        let _ = writeln!(text, "\n  {title} ({}):", rules.len());
        // Names in a column after the widest `file:line` of the list.
        let places: Vec<String> = rules
            .iter()
            .map(|r| format!("{}:{}", r.file, r.line))
            .collect();
        let width = places.iter().map(|p| p.chars().count()).max().unwrap_or(0);
        for (place, r) in places.iter().zip(rules) {
            let _ = writeln!(text, "    {place:<width$}  {}", r.name);
        }
    };
    let alerts_where = |keep: fn(&super::AlertCoverage) -> bool| -> Vec<&RuleRef> {
        coverage
            .alerts
            .iter()
            .filter(|a| keep(a))
            .map(|a| &a.rule)
            .collect()
    };
    list(
        "alerting rules no test evaluates",
        alerts_where(|a| !a.evaluated()),
    );
    list(
        "alerting rules never asserted firing",
        alerts_where(|a| a.asserted_firing == 0),
    );
    list(
        "alerting rules never asserted silent",
        alerts_where(|a| a.asserted_silent == 0),
    );
    list(
        "recording rules no test reaches",
        coverage
            .records
            .iter()
            .filter(|r| !r.reached)
            .map(|r| &r.rule)
            .collect(),
    );
    alertlint_diagnostics::report::escape_controls(&text, &['\n']).into_owned()
}

/// A rule's place, as the JSON report gives it.
fn rule_json(r: &RuleRef) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    m.insert("name".to_string(), json!(r.name));
    m.insert("group".to_string(), json!(r.group));
    m.insert("file".to_string(), json!(r.file));
    m.insert("line".to_string(), json!(r.line));
    m
}

/// The `coverage` object of the JSON report (`--coverage`), versioned on its own.
fn coverage_json(coverage: &Coverage) -> Json {
    let alerts: Vec<Json> = coverage
        .alerts
        .iter()
        .map(|a| {
            let mut m = rule_json(&a.rule);
            m.insert(
                "file_loaded_by_tests".to_string(),
                json!(a.file_loaded_by_tests),
            );
            m.insert("tests".to_string(), json!(a.tests));
            m.insert("asserted_firing".to_string(), json!(a.asserted_firing));
            m.insert("asserted_silent".to_string(), json!(a.asserted_silent));
            Json::Object(m)
        })
        .collect();
    let records: Vec<Json> = coverage
        .records
        .iter()
        .map(|r| {
            let mut m = rule_json(&r.rule);
            m.insert(
                "file_loaded_by_tests".to_string(),
                json!(r.file_loaded_by_tests),
            );
            m.insert("reached".to_string(), json!(r.reached));
            Json::Object(m)
        })
        .collect();
    let count = |keep: fn(&super::AlertCoverage) -> bool| {
        coverage.alerts.iter().filter(|a| keep(a)).count()
    };
    json!({
        "version": COVERAGE_VERSION,
        "run_filter": coverage.run_filter,
        "test_groups": {"ran": coverage.groups_ran, "total": coverage.groups_total},
        "rule_files": coverage.rule_files.iter().map(|f| json!({
            "path": f.path, "loaded_by_tests": f.loaded_by_tests,
        })).collect::<Vec<_>>(),
        "summary": {
            "alerting_rules": coverage.alerts.len(),
            "evaluated": count(super::AlertCoverage::evaluated),
            "asserted_firing": coverage.asserted_firing(),
            "asserted_silent": count(|a| a.asserted_silent > 0),
            "asserted_firing_percent": coverage.firing_percent(),
            "recording_rules": coverage.records.len(),
            "reached": coverage.records.iter().filter(|r| r.reached).count(),
        },
        "alerting_rules": alerts,
        "recording_rules": records,
    })
}

/// The JSON report. A test that failed but passes with Prometheus 2.x semantics, and a file
/// that did not load but passes with them, carry `passes_with_prometheus_2`; with
/// `--coverage`, a `coverage` object follows the summary.
pub fn render_json(results: &[FileResult], coverage: Option<&Coverage>) -> String {
    let t = totals(results);
    let files: Vec<Json> = results
        .iter()
        .map(|f| {
            let status = if !f.load_errors.is_empty() {
                "error"
            } else if f.failed() {
                "fail"
            } else {
                "pass"
            };
            let file = json!({
                "path": f.path,
                "status": status,
                "warnings": f.warnings,
                "errors": f.load_errors.iter().map(|d| {
                    let at = d.start();
                    json!({"file": d.file.display_path(), "line": at.line, "column": at.col,
                           "check": d.check, "message": d.message})
                }).collect::<Vec<_>>(),
                "tests": f.groups.iter().map(|g| with_optional(json!({
                    "index": g.index,
                    "name": g.name,
                    "status": if g.skipped { "skipped" } else if g.failures.is_empty() { "pass" } else { "fail" },
                    "failures": g.failures.iter().map(failure_json).collect::<Vec<_>>(),
                }), "passes_with_prometheus_2", g.passes_with.as_ref().map(passes_with_json))).collect::<Vec<_>>(),
            });
            with_optional(
                file,
                "passes_with_prometheus_2",
                f.passes_with.as_ref().map(passes_with_json),
            )
        })
        .collect();
    let doc = with_optional(
        json!({
            "files": files,
            "summary": {"files": t.files, "tests": t.tests, "passed": t.passed, "failed": t.failed,
                        "skipped": t.skipped, "not_loaded": t.load_errors},
        }),
        "coverage",
        coverage.map(coverage_json),
    );
    let mut s = alertlint_diagnostics::report::escape_json_controls(
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    );
    s.push('\n');
    s
}

/// Text for the JUnit report, escaped as the human report escapes it: every
/// [control](alertlint_diagnostics::report::is_control) character (C0 but LF in element content,
/// DEL, C1, bidi overrides) and the two characters XML 1.0 does not allow at all (U+FFFE,
/// U+FFFF) written as `\u{1b}`. quick-junit escapes the markup characters; left to it, control
/// characters and escape sequences would be dropped, and a tab or CR lost (a CR, LF or tab in an
/// attribute is read back as a space).
fn xml_text(s: &str, in_attribute: bool) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        let keep = c == '\n' && !in_attribute;
        if matches!(c, '\u{fffe}' | '\u{ffff}')
            || (alertlint_diagnostics::report::is_control(c) && !keep)
        {
            let _ = write!(o, "\\u{{{:x}}}", c as u32);
        } else {
            o.push(c);
        }
    }
    o
}

/// An attribute value: a name, a path, a message (see [`xml_text`]).
fn attr(s: &str) -> XmlString {
    XmlString::new(xml_text(s, true))
}

/// Element content: a failure's body (see [`xml_text`]).
fn body(s: &str) -> XmlString {
    XmlString::new(xml_text(s, false))
}

/// The JUnit XML report, as CI systems (GitHub, GitLab, Jenkins) read it: one test suite per
/// file, one test case per test group (with its time; skipped when `--run` left it out, a
/// failure with the rendered diffs when it failed), and a `load` test case with an error for a
/// file that could not be loaded.
pub(crate) fn junit(results: &[FileResult]) -> Report {
    let mut report = Report::new("alertlint test");
    for f in results {
        let mut suite = TestSuite::new(attr(&f.path));
        if !f.load_errors.is_empty() {
            let msgs: Vec<String> = f
                .load_errors
                .iter()
                .map(|d| {
                    let at = d.start();
                    format!(
                        "{}:{}:{}: {}",
                        d.file.display_path(),
                        at.line,
                        at.col,
                        d.message
                    )
                })
                .collect();
            let mut description = msgs.join("\n");
            if let Some(p) = &f.passes_with {
                description.push_str(&format!("\n{}", p.hint()));
            }
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(attr(msgs.first().map_or("", |s| s.as_str())))
                .set_description(body(&description));
            let mut case = TestCase::new("load", status);
            case.set_classname(attr(&f.path));
            suite.add_test_case(case);
        }
        let mut time = std::time::Duration::ZERO;
        for g in &f.groups {
            time += g.duration;
            let status = if g.skipped {
                TestCaseStatus::skipped()
            } else if g.failures.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut text = String::new();
                for fl in &g.failures {
                    render_failure(&mut text, fl, f.evaluation_interval_ms);
                }
                if let Some(p) = &g.passes_with {
                    let _ = writeln!(text, "    hint: {}", p.hint());
                }
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(attr(&plural(g.failures.len(), "failure")))
                    .set_description(body(&text));
                status
            };
            let mut case = TestCase::new(attr(&g.name), status);
            case.set_classname(attr(&f.path)).set_time(g.duration);
            suite.add_test_case(case);
        }
        suite.set_time(time);
        report.add_test_suite(suite);
    }
    report
}

/// [`junit`], written out.
pub fn render_junit(results: &[FileResult]) -> String {
    // Serialising into memory: no I/O to fail.
    junit(results)
        .to_string()
        .expect("a JUnit report serialises into memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GroupResult;
    use alertlint_diagnostics::diagnostic::Diagnostic;
    use alertlint_diagnostics::source::{SourceFile, Span};
    use std::time::Duration;

    fn group(index: usize, name: &str, skipped: bool, failures: Vec<Failure>) -> GroupResult {
        GroupResult {
            index,
            name: name.to_string(),
            skipped,
            failures,
            passes_with: None,
            steps: 0,
            duration: Duration::from_millis(if skipped { 0 } else { 1500 }),
        }
    }

    /// A suite per file, a test case per test group (passed, failed with the rendered failure,
    /// skipped), a `load` error for a file that did not load; the counts add up.
    #[test]
    fn junit_has_a_suite_per_file_and_a_case_per_group() {
        let failure = Failure::ExprError {
            index: 0,
            expr: "up < 1".to_string(),
            eval_time_ms: 60_000,
            message: "bad <data>".to_string(),
        };
        let file = SourceFile::new("b.test.yml", "tests: [\n".to_string());
        let results = [
            FileResult {
                path: "a.test.yml".to_string(),
                load_errors: Vec::new(),
                passes_with: None,
                warnings: Vec::new(),
                groups: vec![
                    group(0, "passes", false, Vec::new()),
                    group(1, "fails", false, vec![failure]),
                    group(2, "left out by --run", true, Vec::new()),
                ],
                evaluation_interval_ms: 60_000,
                exercised: None,
            },
            FileResult {
                path: "b.test.yml".to_string(),
                load_errors: vec![Diagnostic::new(
                    "unittest",
                    &file,
                    Span { start: 7, end: 8 },
                    "unexpected end of input\tafter `[`",
                )],
                passes_with: None,
                warnings: Vec::new(),
                groups: Vec::new(),
                evaluation_interval_ms: 60_000,
                exercised: None,
            },
        ];
        let want = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="alertlint test" tests="4" skipped="1" failures="1" errors="1">
    <testsuite name="a.test.yml" tests="3" skipped="1" errors="0" failures="1" time="3.000">
        <testcase name="passes" classname="a.test.yml" time="1.500"/>
        <testcase name="fails" classname="a.test.yml" time="1.500">
            <failure message="1 failure">    promql_expr_test[0]: expr &quot;up &lt; 1&quot; at 1m failed:
      bad &lt;data&gt;
</failure>
        </testcase>
        <testcase name="left out by --run" classname="a.test.yml" time="0.000">
            <skipped/>
        </testcase>
    </testsuite>
    <testsuite name="b.test.yml" tests="1" skipped="0" errors="1" failures="0" time="0.000">
        <testcase name="load" classname="b.test.yml">
            <error message="b.test.yml:1:8: unexpected end of input\u{9}after `[`">b.test.yml:1:8: unexpected end of input\u{9}after `[`</error>
        </testcase>
    </testsuite>
</testsuites>
"#;
        assert_eq!(render_junit(&results), want);
    }
}
