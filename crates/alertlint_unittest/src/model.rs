//! The unit-test file model (promtool's `test rules` format) and its loader.
//!
//! Reads with the span-preserving YAML reader so every problem in a test file is reported
//! at its line and column. Like promtool (which decodes strictly), unknown fields are errors.

use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::{SourceFile, Span};
use alertlint_yaml::{self as yaml, Node, Value};
use promql::Expr;
use promql::Labels;
use promql::histogram::FloatHistogram;
use promql::notation::{self, NotationError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::compat::Differences;
use super::series::SeriesValues;

/// Check id used for problems in test files.
pub(crate) const TEST_FILE_CHECK: &str = "test/file";

/// The longest Go `time.Duration` (int64 nanoseconds), in milliseconds.
const MAX_GO_DURATION_MS: i64 = i64::MAX / 1_000_000;

#[derive(Debug)]
pub struct TestFile {
    pub source: Arc<SourceFile>,
    /// Rule files after resolving globs relative to the test file, in order.
    pub rule_files: Vec<PathBuf>,
    /// `rule_files` entries, with their span, for messages.
    pub rule_file_patterns: Vec<(String, Span)>,
    pub evaluation_interval_ms: i64,
    pub group_eval_order: Vec<String>,
    pub fuzzy_compare: bool,
    pub tests: Vec<TestGroup>,
    /// What each test group may cost (see [`super::Limits`]).
    pub limits: super::Limits,
    /// Non-fatal notes (a glob matching nothing), printed like promtool's warnings.
    pub warnings: Vec<String>,
    /// Where the file runs as Prometheus 2.x would run it (its expressions were parsed with
    /// that grammar).
    pub(crate) differences: Differences,
}

#[derive(Debug)]
pub struct TestGroup {
    pub index: usize,
    pub name: String,
    pub span: Span,
    pub interval_ms: i64,
    /// `interval` was given (and not 0s): `interval_ms` is not `evaluation_interval`'s
    /// default (see [`crate::compat::Difference::IntervalDefault`]).
    pub interval_given: bool,
    pub start_ms: i64,
    pub input_series: Vec<InputSeries>,
    pub alert_tests: Vec<AlertTest>,
    pub promql_tests: Vec<PromqlTest>,
    pub external_labels: BTreeMap<String, String>,
    pub external_url: String,
}

impl TestGroup {
    /// How the test is named in reports: its `name`, else its position.
    pub fn display_name(&self) -> String {
        if self.name.is_empty() {
            format!("tests[{}]", self.index)
        } else {
            self.name.clone()
        }
    }

    pub fn max_eval_time(&self) -> i64 {
        let a = self.alert_tests.iter().map(|t| t.eval_time_ms);
        let p = self.promql_tests.iter().map(|t| t.eval_time_ms);
        a.chain(p).max().unwrap_or(0).max(0)
    }
}

#[derive(Debug)]
pub struct InputSeries {
    pub labels: Labels,
    pub values: SeriesValues,
}

#[derive(Debug)]
pub struct AlertTest {
    pub index: usize,
    pub eval_time_ms: i64,
    pub alertname: String,
    pub exp_alerts: Vec<ExpAlert>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ExpAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug)]
pub struct PromqlTest {
    pub index: usize,
    pub expr_text: String,
    pub expr: Expr,
    pub eval_time_ms: i64,
    pub exp_samples: Vec<ExpSample>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ExpSample {
    pub labels: Labels,
    pub value: f64,
    pub histogram: Option<FloatHistogram>,
}

struct Reader<'a> {
    source: &'a Arc<SourceFile>,
    problems: Vec<Diagnostic>,
}

const FILE_FIELDS: &[&str] = &[
    "rule_files",
    "evaluation_interval",
    "group_eval_order",
    "tests",
    "fuzzy_compare",
];
const GROUP_FIELDS: &[&str] = &[
    "interval",
    "input_series",
    "alert_rule_test",
    "promql_expr_test",
    "external_labels",
    "external_url",
    "name",
    "start_timestamp",
];
const SERIES_FIELDS: &[&str] = &["series", "values"];
const ALERT_TEST_FIELDS: &[&str] = &["eval_time", "alertname", "exp_alerts"];
const ALERT_FIELDS: &[&str] = &["exp_labels", "exp_annotations"];
const PROMQL_TEST_FIELDS: &[&str] = &["expr", "eval_time", "exp_samples"];
const SAMPLE_FIELDS: &[&str] = &["labels", "value", "histogram"];

impl Reader<'_> {
    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.problems
            .push(Diagnostic::new(TEST_FILE_CHECK, self.source, span, msg));
    }

    /// The entries of a mapping, reporting unknown fields; `None` (reported) if not a mapping.
    fn fields<'n>(&mut self, node: &'n Node, known: &[&str], what: &str) -> Option<&'n Node> {
        if node.is_null() {
            return None;
        }
        let Some(entries) = node.as_map() else {
            self.err(
                node.span,
                format!("{what} must be a mapping, found {}", node.kind_name()),
            );
            return None;
        };
        for e in entries {
            let key = e.key.as_str().unwrap_or("");
            if !known.contains(&key) {
                let hint = alertlint_linter::suggest::closest(key, known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                self.err(
                    e.key.span,
                    format!("field `{key}` is not allowed in {what}{hint}"),
                );
            }
        }
        Some(node)
    }

    fn seq<'n>(&mut self, node: Option<&'n Node>, what: &str) -> &'n [Node] {
        match node {
            None => &[],
            Some(n) if n.is_null() => &[],
            Some(n) => {
                if let Some(items) = n.as_seq() {
                    items
                } else {
                    self.err(
                        n.span,
                        format!("`{what}` must be a list, found {}", n.kind_name()),
                    );
                    &[]
                }
            }
        }
    }

    fn string(&mut self, node: Option<&Node>, what: &str) -> Option<(String, Span)> {
        let n = node?;
        if n.is_null() {
            return None;
        }
        if let Some(s) = n.as_str() {
            Some((s.to_string(), n.span))
        } else {
            self.err(
                n.span,
                format!("`{what}` must be a string, found {}", n.kind_name()),
            );
            None
        }
    }

    fn duration(&mut self, node: Option<&Node>, what: &str) -> Option<i64> {
        let (s, span) = self.string(node, what)?;
        match prometheus_time::duration::parse_duration(&s) {
            // promtool reads these as Go durations, int64 nanoseconds (~292 years at most).
            Ok(ms) if ms > MAX_GO_DURATION_MS => {
                self.err(span, format!("`{what}`: duration out of range: {s:?}"));
                None
            }
            Ok(ms) => Some(ms),
            Err(e) => {
                self.err(span, format!("`{what}`: {e}"));
                None
            }
        }
    }

    fn bool(&mut self, node: Option<&Node>, what: &str) -> bool {
        let Some((s, span)) = self.string(node, what) else {
            return false;
        };
        match s.as_str() {
            "true" | "True" | "TRUE" | "yes" | "on" => true,
            "false" | "False" | "FALSE" | "no" | "off" => false,
            _ => {
                self.err(span, format!("`{what}` must be true or false, found {s:?}"));
                false
            }
        }
    }

    fn string_map(&mut self, node: Option<&Node>, what: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(n) = node else { return out };
        if n.is_null() {
            return out;
        }
        let Some(entries) = n.as_map() else {
            self.err(
                n.span,
                format!("`{what}` must be a mapping, found {}", n.kind_name()),
            );
            return out;
        };
        for e in entries {
            let k = e.key.as_str().unwrap_or("").to_string();
            let v = match &e.value.value {
                Value::Scalar(s) if s.is_null() => String::new(),
                Value::Scalar(s) => s.text.clone(),
                _ => {
                    self.err(
                        e.value.span,
                        format!(
                            "`{what}.{k}` must be a string, found {}",
                            e.value.kind_name()
                        ),
                    );
                    continue;
                }
            };
            out.insert(k, v);
        }
        out
    }
}

/// Parses a float the way Go's YAML decoder reads one into a float64 field.
pub(crate) fn parse_yaml_float(s: &str) -> Option<f64> {
    let t = s.trim();
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let clean = t.replace('_', "");
    if let Some(hex) = clean.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    clean.parse::<f64>().ok()
}

/// A `start_timestamp` that is neither Unix seconds nor an RFC 3339 time (the text, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidStartTimestamp {
    pub text: String,
}

impl std::fmt::Display for InvalidStartTimestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid start_timestamp {:?}: expected Unix seconds or an RFC 3339 time",
            self.text
        )
    }
}

impl std::error::Error for InvalidStartTimestamp {}

/// Parses `start_timestamp`: Unix seconds or an RFC 3339 time. Returns milliseconds.
pub(crate) fn parse_start_timestamp(s: &str) -> Result<i64, InvalidStartTimestamp> {
    let t = s.trim();
    if let Ok(v) = t.parse::<f64>()
        && v.is_finite()
        && v.abs() < 1e14
    {
        return Ok((v * 1000.0).round() as i64);
    }
    parse_rfc3339(t).ok_or_else(|| InvalidStartTimestamp {
        text: t.to_string(),
    })
}

fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac_ms = 0i64;
    if let Some(r) = rest.strip_prefix('.') {
        let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let mut ms = digits.clone();
        ms.truncate(3);
        while ms.len() < 3 {
            ms.push('0');
        }
        frac_ms = ms.parse().ok()?;
        rest = &r[digits.len()..];
    }
    let offset_s = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = prometheus_time::calendar::days_from_civil(
        y,
        u32::try_from(mo).ok()?,
        u32::try_from(d).ok()?,
    );
    let secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    Some(secs * 1000 + frac_ms)
}

/// Parses promtool's `labels` of an expected sample (`name{a="b"}`, `{a="b"}` or empty).
pub fn parse_metric(s: &str) -> Result<Labels, NotationError> {
    if s.trim().is_empty() {
        return Ok(Labels::new());
    }
    notation::parse_series_desc(s)
}

/// Why an expected sample's `histogram` is not one histogram.
#[derive(Debug, Clone, PartialEq)]
pub enum HistogramError {
    /// Not series notation.
    Notation(NotationError),
    /// A sequence standing for this many values, not one.
    NotOneValue(u64),
    /// One value, but not a histogram (the text as given).
    NotAHistogram(String),
}

impl std::fmt::Display for HistogramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistogramError::Notation(e) => e.fmt(f),
            HistogramError::NotOneValue(total) => write!(f, "expected 1 value, got {total}"),
            HistogramError::NotAHistogram(s) => write!(f, "expected a histogram, got {s:?}"),
        }
    }
}

impl std::error::Error for HistogramError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HistogramError::Notation(e) => Some(e),
            _ => None,
        }
    }
}

impl From<NotationError> for HistogramError {
    fn from(e: NotationError) -> Self {
        HistogramError::Notation(e)
    }
}

/// Parses a histogram given in series notation (`{{schema:1 sum:3 ...}}`).
pub fn parse_histogram(s: &str) -> Result<FloatHistogram, HistogramError> {
    // Checked to be one value before anything is expanded (`{{}}x5000000` is five million).
    let items = notation::parse_items(s)?;
    let total = notation::check_expansion(&items)?;
    if total != 1 {
        return Err(HistogramError::NotOneValue(total));
    }
    match items.iter().find(|i| !i.is_empty()) {
        Some(notation::SeqItem::Histograms { start, .. }) => Ok((**start).clone()),
        _ => Err(HistogramError::NotAHistogram(s.to_string())),
    }
}

/// Loads a test file to run with `differences` (which may change how its expressions parse).
/// Errors are positioned diagnostics in the test file.
pub(crate) fn load_test_file(
    path: &Path,
    differences: Differences,
) -> Result<TestFile, Vec<Diagnostic>> {
    let source = alertlint_linter::load::read_source(path, TEST_FILE_CHECK, "test file")?;
    parse_test_file_as(&source, differences)
}

/// Reads a test file to run with Prometheus 3.x semantics.
pub fn parse_test_file(source: &Arc<SourceFile>) -> Result<TestFile, Vec<Diagnostic>> {
    parse_test_file_as(source, Differences::default())
}

pub(crate) fn parse_test_file_as(
    source: &Arc<SourceFile>,
    differences: Differences,
) -> Result<TestFile, Vec<Diagnostic>> {
    let (docs, yaml_problems) = yaml::parse(&source.text);
    let mut r = Reader {
        source,
        problems: Vec::new(),
    };
    for p in yaml_problems {
        r.err(p.span, p.message);
    }
    let limits = match super::Limits::from_env() {
        Ok(l) => l,
        Err(e) => {
            r.err(Span::point(0), e.to_string());
            super::Limits::default()
        }
    };
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    let empty = Node {
        value: Value::Scalar(yaml::Scalar::null()),
        span: Span::point(0),
    };
    let root = docs.first().map_or(&empty, |d| &d.root);
    if docs.len() > 1 {
        r.err(
            docs[1].root.span,
            "a test file holds one YAML document; found more",
        );
    }
    r.fields(root, FILE_FIELDS, "the test file");

    let base = source.path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut rule_files = Vec::new();
    let mut patterns = Vec::new();
    let mut warnings = Vec::new();
    for item in r.seq(root.get("rule_files"), "rule_files") {
        let Some((pat, span)) = r.string(Some(item), "rule_files[]") else {
            continue;
        };
        patterns.push((pat.clone(), span));
        match resolve_glob(&base, &pat) {
            Ok(found) if found.is_empty() => warnings.push(format!(
                "no file match pattern {}",
                base.join(&pat).display()
            )),
            Ok(found) => {
                // A glob expands to regular files only, as `check`'s directory walk does: a
                // FIFO or socket it happens to match would block the run or be unreadable.
                let (files, others): (Vec<_>, Vec<_>) = found
                    .into_iter()
                    .partition(|p| !is_glob(&pat) || p.is_file());
                for other in others {
                    r.err(
                        span,
                        format!(
                            "rule_files pattern matches {}, which is not a regular file",
                            other.display()
                        ),
                    );
                }
                rule_files.extend(files);
            }
            Err(e) => r.err(span, format!("invalid rule_files pattern: {e}")),
        }
    }
    let evaluation_interval_ms = r
        .duration(root.get("evaluation_interval"), "evaluation_interval")
        .filter(|ms| *ms > 0)
        .unwrap_or(60_000);
    let mut group_eval_order = Vec::new();
    for item in r.seq(root.get("group_eval_order"), "group_eval_order") {
        if let Some((name, span)) = r.string(Some(item), "group_eval_order[]") {
            if group_eval_order.contains(&name) {
                r.err(
                    span,
                    format!("group name repeated in evaluation order: {name}"),
                );
            }
            group_eval_order.push(name);
        }
    }
    let fuzzy_compare = r.bool(root.get("fuzzy_compare"), "fuzzy_compare");

    let grammar = differences.grammar();
    let mut tests = Vec::new();
    for (i, t) in r.seq(root.get("tests"), "tests").iter().enumerate() {
        tests.push(read_group(
            &mut r,
            i,
            t,
            evaluation_interval_ms,
            &limits,
            &grammar,
        ));
    }
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    Ok(TestFile {
        source: Arc::clone(source),
        rule_files,
        rule_file_patterns: patterns,
        evaluation_interval_ms,
        group_eval_order,
        fuzzy_compare,
        tests,
        warnings,
        limits,
        differences,
    })
}

fn read_group(
    r: &mut Reader,
    index: usize,
    t: &Node,
    eval_interval: i64,
    limits: &super::Limits,
    grammar: &promql::Options,
) -> TestGroup {
    r.fields(t, GROUP_FIELDS, "a test group");
    let name = r
        .string(t.get("name"), "name")
        .map(|s| s.0)
        .unwrap_or_default();
    let interval = r
        .duration(t.get("interval"), "interval")
        .filter(|ms| *ms > 0);
    let interval_ms = interval.unwrap_or(eval_interval);
    let start_ms = match r.string(t.get("start_timestamp"), "start_timestamp") {
        None => 0,
        Some((s, span)) => match parse_start_timestamp(&s) {
            Ok(v) => v,
            Err(e) => {
                r.err(span, e.to_string());
                0
            }
        },
    };
    let mut input_series = Vec::new();
    let mut input_spans = Vec::new();
    for s in r.seq(t.get("input_series"), "input_series") {
        if r.fields(s, SERIES_FIELDS, "an input series").is_none() {
            continue;
        }
        let labels = if let Some((text, span)) = r.string(s.get("series"), "series") {
            match notation::parse_series_desc(&text) {
                Ok(l) => Some(l),
                Err(e) => {
                    r.err(span, format!("invalid series {text:?}: {e}"));
                    None
                }
            }
        } else {
            r.err(s.span, "an input series needs `series`");
            None
        };
        let values_span = s.get("values").map_or(s.span, |v| v.span);
        let values = match r.string(s.get("values"), "values") {
            Some((text, span)) => match SeriesValues::parse(&text) {
                Ok(v) => Some(v),
                Err(e) => {
                    r.err(span, format!("invalid values {text:?}: {e}"));
                    None
                }
            },
            None => Some(SeriesValues::default()),
        };
        if let (Some(labels), Some(values)) = (labels, values) {
            input_series.push(InputSeries { labels, values });
            input_spans.push(values_span);
        }
    }
    let mut alert_tests = Vec::new();
    let mut eval_times: Vec<(i64, Span)> = Vec::new();
    for (i, a) in r
        .seq(t.get("alert_rule_test"), "alert_rule_test")
        .iter()
        .enumerate()
    {
        r.fields(a, ALERT_TEST_FIELDS, "an alert_rule_test");
        let eval_time_ms = r.duration(a.get("eval_time"), "eval_time").unwrap_or(0);
        eval_times.push((eval_time_ms, a.get("eval_time").map_or(a.span, |n| n.span)));
        let alertname = r
            .string(a.get("alertname"), "alertname")
            .map(|s| s.0)
            .unwrap_or_default();
        if alertname.is_empty() {
            r.err(
                a.span,
                format!(
                    "an item under alert_rule_test misses required attribute alertname at eval_time {}",
                    prometheus_time::duration::format_duration(eval_time_ms)
                ),
            );
        }
        let mut exp_alerts = Vec::new();
        for e in r.seq(a.get("exp_alerts"), "exp_alerts") {
            if !e.is_null() {
                r.fields(e, ALERT_FIELDS, "an expected alert");
            }
            exp_alerts.push(ExpAlert {
                labels: r.string_map(e.get("exp_labels"), "exp_labels"),
                annotations: r.string_map(e.get("exp_annotations"), "exp_annotations"),
            });
        }
        alert_tests.push(AlertTest {
            index: i,
            eval_time_ms,
            alertname,
            exp_alerts,
            span: a.span,
        });
    }
    let mut promql_tests = Vec::new();
    for (i, p) in r
        .seq(t.get("promql_expr_test"), "promql_expr_test")
        .iter()
        .enumerate()
    {
        r.fields(p, PROMQL_TEST_FIELDS, "a promql_expr_test");
        let eval_time_ms = r.duration(p.get("eval_time"), "eval_time").unwrap_or(0);
        eval_times.push((eval_time_ms, p.get("eval_time").map_or(p.span, |n| n.span)));
        let Some((expr_text, expr_span)) = r.string(p.get("expr"), "expr") else {
            r.err(p.span, "a promql_expr_test needs `expr`");
            continue;
        };
        let expr = match promql::parse_with(&expr_text, grammar) {
            Ok(e) => Some(e),
            Err(errors) => {
                // Each error at its token inside the expression.
                for e in errors {
                    let span = match p.get("expr") {
                        Some(node) => alertlint_yaml::scalar_map::map_scalar(&r.source.text, node)
                            .file_span(e.span.start, e.span.end),
                        None => expr_span,
                    };
                    r.err(span, format!("invalid expr {expr_text:?}: {e}"));
                }
                None
            }
        };
        let mut exp_samples = Vec::new();
        for s in r.seq(p.get("exp_samples"), "exp_samples") {
            if s.is_null() {
                exp_samples.push(ExpSample {
                    labels: Labels::new(),
                    value: 0.0,
                    histogram: None,
                });
                continue;
            }
            r.fields(s, SAMPLE_FIELDS, "an expected sample");
            let labels = match r.string(s.get("labels"), "labels") {
                None => Labels::new(),
                Some((text, span)) => match parse_metric(&text) {
                    Ok(l) => l,
                    Err(e) => {
                        r.err(span, format!("labels {text:?}: {e}"));
                        Labels::new()
                    }
                },
            };
            let value = match r.string(s.get("value"), "value") {
                None => 0.0,
                Some((text, span)) => parse_yaml_float(&text).unwrap_or_else(|| {
                    r.err(span, format!("`value` must be a number, found {text:?}"));
                    0.0
                }),
            };
            let histogram = match r.string(s.get("histogram"), "histogram") {
                None => None,
                Some((text, span)) if !text.is_empty() => match parse_histogram(&text) {
                    Ok(h) => Some(h),
                    Err(e) => {
                        r.err(span, format!("histogram {text:?}: {e}"));
                        None
                    }
                },
                Some(_) => None,
            };
            exp_samples.push(ExpSample {
                labels,
                value,
                histogram,
            });
        }
        if let Some(expr) = expr {
            promql_tests.push(PromqlTest {
                index: i,
                expr_text,
                expr,
                eval_time_ms,
                exp_samples,
                span: p.span,
            });
        }
    }
    check_cost(
        r,
        limits,
        eval_interval,
        interval_ms,
        &eval_times,
        &input_series,
        &input_spans,
    );
    let external_labels = r.string_map(t.get("external_labels"), "external_labels");
    let external_url = r
        .string(t.get("external_url"), "external_url")
        .map(|s| s.0)
        .unwrap_or_default();
    TestGroup {
        index,
        name,
        span: t.span,
        interval_ms,
        interval_given: interval.is_some(),
        start_ms,
        input_series,
        alert_tests,
        promql_tests,
        external_labels,
        external_url,
    }
}

/// Refuses a test group that would evaluate more steps or load more input samples than
/// `limits` allow, before anything runs (both are known from the file alone).
fn check_cost(
    r: &mut Reader,
    limits: &super::Limits,
    eval_interval: i64,
    interval: i64,
    eval_times: &[(i64, Span)],
    input_series: &[InputSeries],
    input_spans: &[Span],
) {
    let Some(&(max_eval, eval_span)) = eval_times.iter().max_by_key(|(t, _)| *t) else {
        return;
    };
    let max_eval = max_eval.max(0);
    let eval_interval = eval_interval.max(1);
    let steps = (max_eval / eval_interval) as u64 + 1;
    if steps > limits.max_eval_steps {
        r.err(
            eval_span,
            format!(
                "eval_time {} at an evaluation_interval of {} is {steps} evaluations, more than \
                 the limit of {} per test group (set {} to raise it)",
                prometheus_time::duration::format_duration(max_eval),
                prometheus_time::duration::format_duration(eval_interval),
                limits.max_eval_steps,
                super::ENV_MAX_EVAL_STEPS,
            ),
        );
        return;
    }
    // The runner loads input up to its last evaluation.
    let last_eval = (max_eval / eval_interval) * eval_interval;
    let last_step = (last_eval / interval.max(1)) as u64;
    let mut total = 0u64;
    for (series, span) in input_series.iter().zip(input_spans) {
        total = total.saturating_add(series.values.samples_until(last_step));
        if total > limits.max_input_samples {
            r.err(
                *span,
                format!(
                    "the input series hold more than {} samples up to the last evaluation at {} \
                     (one every {}), the limit a test group may load (set {} to raise it)",
                    limits.max_input_samples,
                    prometheus_time::duration::format_duration(last_eval),
                    prometheus_time::duration::format_duration(interval.max(1)),
                    super::ENV_MAX_INPUT_SAMPLES,
                ),
            );
            return;
        }
    }
}

/// Whether a `rule_files` entry is a glob pattern rather than a path.
fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// Resolves a `rule_files` entry relative to the test file's directory, expanding globs
/// (`*`, `?`, `[...]` in the last components) like Go's `filepath.Glob`, sorted.
pub(crate) fn resolve_glob(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        base.join(pattern)
    };
    let has_meta = is_glob;
    if !has_meta(pattern) {
        return Ok(if full.exists() {
            vec![full]
        } else {
            Vec::new()
        });
    }
    // Walk component by component, expanding the ones with metacharacters.
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    for comp in full.components() {
        let c = comp.as_os_str().to_string_lossy().to_string();
        if !has_meta(&c) {
            for p in &mut current {
                p.push(comp);
            }
            continue;
        }
        let matcher = globset::GlobBuilder::new(&c)
            .literal_separator(true)
            .build()
            .map_err(|e| e.to_string())?
            .compile_matcher();
        let mut next = Vec::new();
        for dir in &current {
            let read_dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let Ok(entries) = std::fs::read_dir(read_dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(std::result::Result::ok)
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| matcher.is_match(n))
                .collect();
            names.sort();
            for n in names {
                next.push(dir.join(n));
            }
        }
        current = next;
    }
    current.retain(|p| p.exists());
    Ok(current)
}
