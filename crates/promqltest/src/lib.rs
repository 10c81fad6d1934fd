//! Parser and runner for Prometheus' promqltest `.test` files: `load` blocks fill a
//! [`promql::Storage`], each `eval` runs on a [`promql::Engine`] and is compared with its
//! expected result, annotations or failure, as Prometheus' `promql/promqltest` does.

use regex::Regex;

use promql::histogram::{CUSTOM_BUCKETS_SCHEMA, FloatHistogram};
use promql::labels::METRIC_NAME;
use promql::notation::{NotationValue, parse_float, parse_series_line, read_quoted};
use promql::{
    AnnotationKind, Engine, EvalError, Labels, Storage, StoredValue, Value, almost_equal,
};

const EPSILON: f64 = 1e-6;

/// Parses a Prometheus duration such as `5m`, `1h30m`, `10s53ms` or `0`, as the rule files'
/// durations are (units largest first, each at most once), optionally negative.
fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    match s.strip_prefix('-') {
        Some(body) => prometheus_time::duration::parse_duration(body).map(|ms| -ms),
        None => prometheus_time::duration::parse_duration(s),
    }
    .map_err(|e| e.to_string())
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKind {
    Fail,
    Warn,
    NoWarn,
    Info,
    NoInfo,
    Ordered,
}

#[derive(Clone, Debug)]
pub struct Expect {
    pub kind: ExpectKind,
    /// `None` matches anything.
    pub message: Option<String>,
    pub regex: Option<Regex>,
}

impl Expect {
    fn matches(&self, s: &str) -> bool {
        if let Some(m) = &self.message {
            return m == s;
        }
        if let Some(r) = &self.regex {
            return r.is_match(s);
        }
        true
    }
}

#[derive(Clone, Debug)]
pub enum EvalKind {
    Instant {
        at_ms: i64,
    },
    Range {
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    },
}

#[derive(Clone, Debug)]
pub struct EvalCmd {
    pub line: usize,
    pub expr: String,
    pub kind: EvalKind,
    pub expects: Vec<Expect>,
    pub expected_series: Vec<(Labels, Vec<NotationValue>)>,
    pub expected_scalar: Option<f64>,
    pub expected_string: Option<String>,
    /// `expect range vector from .. to .. step ..` for instant queries.
    pub range_vector: Option<(i64, i64, i64)>,
}

#[derive(Clone, Debug)]
pub enum Command {
    Load {
        line: usize,
        step_ms: i64,
        with_nhcb: bool,
        series: Vec<(Labels, Vec<NotationValue>)>,
    },
    Clear,
    Eval(Box<EvalCmd>),
}

fn parse_expect(line: &str) -> Result<Expect, String> {
    let re =
        Regex::new(r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$")
            .map_err(|e| e.to_string())?;
    let caps = re
        .captures(line.trim())
        .ok_or_else(|| format!("invalid expect statement {line:?}"))?;
    let kind = match &caps[1] {
        "ordered" => ExpectKind::Ordered,
        "fail" => ExpectKind::Fail,
        "warn" => ExpectKind::Warn,
        "no_warn" => ExpectKind::NoWarn,
        "info" => ExpectKind::Info,
        _ => ExpectKind::NoInfo,
    };
    let (mut message, mut regex) = (None, None);
    if let (Some(mt), Some(v)) = (caps.get(2), caps.get(3)) {
        let v = v.as_str().trim().to_string();
        if mt.as_str() == "msg" {
            message = Some(v);
        } else {
            regex = Some(Regex::new(&v).map_err(|e| format!("invalid regex {v:?}: {e}"))?);
        }
    }
    Ok(Expect {
        kind,
        message,
        regex,
    })
}

/// A line of a `.test` file that could not be read: its number (1-based) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ScriptError {}

/// A [`ScriptError`] at `line`, from anything displayable.
fn at<E: std::fmt::Display>(line: usize) -> impl Fn(E) -> ScriptError {
    move |e| ScriptError {
        line,
        message: e.to_string(),
    }
}

/// Parses a `.test` file into commands.
pub fn parse(input: &str) -> Result<Vec<Command>, ScriptError> {
    let lines: Vec<&str> = input
        .lines()
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') { "" } else { l }
        })
        .collect();
    let re_instant =
        Regex::new(r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")
            .unwrap_or_else(|_| unreachable!("static regex"));
    let re_range = Regex::new(
        r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$",
    )
    .unwrap_or_else(|_| unreachable!("static regex"));
    let re_range_vec = Regex::new(r"^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$")
        .unwrap_or_else(|_| unreachable!("static regex"));
    let mut cmds = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let lineno = i + 1;
        if l.is_empty() {
            i += 1;
            continue;
        }
        let word = l.split_whitespace().next().unwrap_or("").to_lowercase();
        if word == "clear" {
            cmds.push(Command::Clear);
            i += 1;
        } else if word.starts_with("load") {
            let with_nhcb = word == "load_with_nhcb";
            let step = l[word.len()..].trim();
            let step_ms =
                parse_duration(step).map_err(|e| at(lineno)(format!("invalid step: {e}")))?;
            let mut series = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].is_empty() {
                series.push(parse_series_line(lines[i]).map_err(at(i + 1))?);
                i += 1;
            }
            cmds.push(Command::Load {
                line: lineno,
                step_ms,
                with_nhcb,
                series,
            });
        } else if word.starts_with("eval") {
            let (kind, expr, modifier) = if let Some(c) = re_instant.captures(l) {
                let at = c.get(2).map_or("0", |m| m.as_str());
                let at_ms = parse_duration(at).map_err(self::at(lineno))?;
                (
                    EvalKind::Instant { at_ms },
                    c[3].to_string(),
                    c.get(1).map(|m| m.as_str().to_string()),
                )
            } else if let Some(c) = re_range.captures(l) {
                let p = |s: &str| parse_duration(s).map_err(at(lineno));
                (
                    EvalKind::Range {
                        start_ms: p(&c[2])?,
                        end_ms: p(&c[3])?,
                        step_ms: p(&c[4])?,
                    },
                    c[5].to_string(),
                    c.get(1).map(|m| m.as_str().to_string()),
                )
            } else {
                return Err(at(lineno)("invalid eval command"));
            };
            let mut cmd = EvalCmd {
                line: lineno,
                expr,
                kind,
                expects: Vec::new(),
                expected_series: Vec::new(),
                expected_scalar: None,
                expected_string: None,
                range_vector: None,
            };
            let legacy = |k| Expect {
                kind: k,
                message: None,
                regex: None,
            };
            match modifier.as_deref() {
                Some("fail") => cmd.expects.push(legacy(ExpectKind::Fail)),
                Some("warn") => cmd.expects.push(legacy(ExpectKind::Warn)),
                Some("info") => cmd.expects.push(legacy(ExpectKind::Info)),
                Some("ordered") => cmd.expects.push(legacy(ExpectKind::Ordered)),
                _ => {}
            }
            i += 1;
            while i < lines.len() && !lines[i].is_empty() {
                let d = lines[i];
                let dl = i + 1;
                i += 1;
                if let Some(rest) = d.strip_prefix("expected_fail_message") {
                    cmd.expects.push(Expect {
                        kind: ExpectKind::Fail,
                        message: Some(rest.trim().to_string()),
                        regex: None,
                    });
                    continue;
                }
                if let Some(rest) = d.strip_prefix("expected_fail_regexp") {
                    let r = Regex::new(rest.trim()).map_err(at(dl))?;
                    cmd.expects.push(Expect {
                        kind: ExpectKind::Fail,
                        message: None,
                        regex: Some(r),
                    });
                    continue;
                }
                if let Some(c) = re_range_vec.captures(d) {
                    let p = |s: &str| parse_duration(s).map_err(at(dl));
                    cmd.range_vector = Some((p(&c[1])?, p(&c[2])?, p(&c[3])?));
                    continue;
                }
                if let Some(rest) = d.strip_prefix("expect string") {
                    let (s, _) = read_quoted(rest.trim()).map_err(at(dl))?;
                    cmd.expected_string = Some(s);
                    continue;
                }
                if d.split(' ').next() == Some("expect") {
                    cmd.expects.push(parse_expect(d).map_err(at(dl))?);
                    continue;
                }
                if let Ok(f) = parse_float(d) {
                    cmd.expected_scalar = Some(f);
                    continue;
                }
                cmd.expected_series
                    .push(parse_series_line(d).map_err(at(dl))?);
            }
            cmds.push(Command::Eval(Box::new(cmd)));
        } else {
            return Err(at(lineno)(format!("invalid command {l:?}")));
        }
    }
    Ok(cmds)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Fail(String),
    /// The evaluator reported the query as unsupported.
    Skip(String),
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub line: usize,
    pub expr: String,
    pub verdict: Verdict,
}

fn check_annotations(cmd: &EvalCmd, annos: &[(AnnotationKind, String)]) -> Result<(), String> {
    let warns: Vec<&str> = annos
        .iter()
        .filter(|a| a.0 == AnnotationKind::Warning)
        .map(|a| a.1.as_str())
        .collect();
    let infos: Vec<&str> = annos
        .iter()
        .filter(|a| a.0 == AnnotationKind::Info)
        .map(|a| a.1.as_str())
        .collect();
    for (kind, actual, name) in [
        (ExpectKind::Warn, &warns, "warn"),
        (ExpectKind::Info, &infos, "info"),
    ] {
        let exp: Vec<&Expect> = cmd.expects.iter().filter(|e| e.kind == kind).collect();
        if exp.is_empty() {
            continue;
        }
        if actual.is_empty() {
            return Err(format!("expected {name} annotations but none were found"));
        }
        for e in &exp {
            if !actual.iter().any(|a| e.matches(a)) {
                return Err(format!(
                    "expected {name} annotation matching {:?} but found {:?}",
                    e.message
                        .clone()
                        .or(e.regex.as_ref().map(std::string::ToString::to_string)),
                    actual
                ));
            }
        }
        for a in actual {
            if !exp.iter().any(|e| e.matches(a)) {
                return Err(format!("unexpected {name} annotation {a:?}"));
            }
        }
    }
    let has = |k: ExpectKind| cmd.expects.iter().any(|e| e.kind == k);
    if has(ExpectKind::NoWarn) && !warns.is_empty() {
        return Err(format!("unexpected warning annotations: {warns:?}"));
    }
    if has(ExpectKind::NoInfo) && !infos.is_empty() {
        return Err(format!("unexpected info annotations: {infos:?}"));
    }
    Ok(())
}

fn value_matches(exp: &NotationValue, f: f64, h: Option<&FloatHistogram>) -> bool {
    match (exp, h) {
        (NotationValue::Float(e), None) => almost_equal(*e, f, EPSILON),
        (NotationValue::Histogram(e), Some(h)) => e.approx_eq(h, false),
        _ => false,
    }
}

fn compare(cmd: &EvalCmd, v: &Value) -> Result<(), String> {
    let ordered = cmd.expects.iter().any(|e| e.kind == ExpectKind::Ordered);
    match v {
        Value::Scalar(f) => match cmd.expected_scalar {
            Some(e) if almost_equal(e, *f, EPSILON) => Ok(()),
            Some(e) => Err(format!("expected scalar {e} but got {f}")),
            None => Err(format!(
                "expected vector or matrix result, but got scalar {f}"
            )),
        },
        Value::String(s) => match &cmd.expected_string {
            Some(e) if e == s => Ok(()),
            _ => Err(format!("unexpected string result {s:?}")),
        },
        Value::Vector(samples) => {
            if let Some(e) = cmd.expected_scalar {
                return Err(format!("expected scalar {e}, got a vector"));
            }
            let mut seen = vec![false; cmd.expected_series.len()];
            for (pos, s) in samples.iter().enumerate() {
                let Some(idx) = cmd.expected_series.iter().position(|(l, _)| *l == s.labels) else {
                    return Err(format!(
                        "unexpected metric {} in result, has value {}",
                        s.labels,
                        s.h.as_ref()
                            .map_or_else(|| s.f.to_string(), std::string::ToString::to_string)
                    ));
                };
                if ordered && idx != pos {
                    return Err(format!(
                        "expected metric {} at position {} but was at {}",
                        s.labels,
                        idx + 1,
                        pos + 1
                    ));
                }
                let exp = cmd.expected_series[idx]
                    .1
                    .first()
                    .ok_or_else(|| format!("no expected value for {}", s.labels))?;
                if !value_matches(exp, s.f, s.h.as_ref()) {
                    return Err(format!(
                        "expected {:?} for {} but got {}",
                        exp,
                        s.labels,
                        s.h.as_ref()
                            .map_or_else(|| s.f.to_string(), std::string::ToString::to_string)
                    ));
                }
                seen[idx] = true;
            }
            if let Some(i) = seen.iter().position(|x| !x) {
                return Err(format!(
                    "expected metric {} not found",
                    cmd.expected_series[i].0
                ));
            }
            Ok(())
        }
        Value::Matrix(series) => {
            if ordered {
                return Err("expected ordered result, but query returned a matrix".into());
            }
            if cmd.expected_scalar.is_some() {
                return Err("expected scalar result, but got matrix".into());
            }
            let (start, end, step) = match (&cmd.kind, cmd.range_vector) {
                (_, Some(rv)) => rv,
                (
                    EvalKind::Range {
                        start_ms,
                        end_ms,
                        step_ms,
                    },
                    None,
                ) => (*start_ms, *end_ms, *step_ms),
                (EvalKind::Instant { at_ms }, None) => (*at_ms, *at_ms, 0),
            };
            let mut seen = vec![false; cmd.expected_series.len()];
            for s in series {
                let Some(idx) = cmd.expected_series.iter().position(|(l, _)| *l == s.labels) else {
                    return Err(format!("unexpected metric {} in result", s.labels));
                };
                seen[idx] = true;
                let mut ef = Vec::new();
                let mut eh = Vec::new();
                for (i, v) in cmd.expected_series[idx].1.iter().enumerate() {
                    let ts = start + i as i64 * step;
                    if ts > end {
                        return Err(format!(
                            "expected {} points for {}, but query time range cannot return this many points",
                            cmd.expected_series[idx].1.len(),
                            s.labels
                        ));
                    }
                    match v {
                        NotationValue::Float(f) => ef.push((ts, *f)),
                        NotationValue::Histogram(h) => eh.push((ts, &**h)),
                        _ => {}
                    }
                }
                if ef.len() != s.floats.len() || eh.len() != s.histograms.len() {
                    return Err(format!(
                        "expected {} float points and {} histogram points for {}, but got {:?} and {} histograms",
                        ef.len(),
                        eh.len(),
                        s.labels,
                        s.floats,
                        s.histograms.len()
                    ));
                }
                for (e, a) in ef.iter().zip(&s.floats) {
                    if e.0 != a.0 || !almost_equal(e.1, a.1, EPSILON) {
                        return Err(format!(
                            "expected {} at t={} for {}, got {} at t={}",
                            e.1, e.0, s.labels, a.1, a.0
                        ));
                    }
                }
                for (e, a) in eh.iter().zip(&s.histograms) {
                    if e.0 != a.0 || !e.1.approx_eq(&a.1, false) {
                        return Err(format!(
                            "expected histogram {} at t={} for {}, got {} at t={}",
                            e.1, e.0, s.labels, a.1, a.0
                        ));
                    }
                }
            }
            if let Some(i) = seen.iter().position(|x| !x) {
                return Err(format!(
                    "expected metric {} not found",
                    cmd.expected_series[i].0
                ));
            }
            Ok(())
        }
    }
}

fn run_eval(engine: &Engine, storage: &Storage, cmd: &EvalCmd) -> (Result<(), String>, bool) {
    let expect_fail = cmd.expects.iter().find(|e| e.kind == ExpectKind::Fail);
    // Prometheus' test engine enables every experimental feature of the language.
    let expr = match promql::parse_with(&cmd.expr, &promql::Options::all()) {
        Ok(e) => e,
        Err(errors) => {
            let err = errors
                .first()
                .map_or_else(String::new, |e| e.message.clone());
            return match expect_fail {
                Some(f) if f.matches(&err) => (Ok(()), false),
                Some(_) => (
                    Err(format!("parse error did not match expectation: {err}")),
                    false,
                ),
                None => (Err(format!("parse error: {err}")), false),
            };
        }
    };
    let res: Result<(Value, Vec<(AnnotationKind, String)>), EvalError> = match &cmd.kind {
        EvalKind::Instant { at_ms } => {
            let at = cmd.range_vector.map_or(*at_ms, |r| r.1);
            engine
                .instant_with_annotations(storage, &expr, at)
                .map(|(v, a)| (v, a.iter().map(|x| (x.kind, x.render(&cmd.expr))).collect()))
        }
        EvalKind::Range {
            start_ms,
            end_ms,
            step_ms,
        } => engine
            .range_with_annotations(storage, &expr, *start_ms, *end_ms, *step_ms)
            .map(|(v, a)| {
                (
                    Value::Matrix(v),
                    a.iter().map(|x| (x.kind, x.render(&cmd.expr))).collect(),
                )
            }),
    };
    match res {
        Err(e) => {
            let unsupported = e.is_unsupported();
            match expect_fail {
                Some(f) if !unsupported => {
                    if f.matches(&e.message) {
                        (Ok(()), false)
                    } else {
                        (
                            Err(format!(
                                "expected error matching {:?}, got: {}",
                                f.message
                                    .clone()
                                    .or(f.regex.as_ref().map(std::string::ToString::to_string)),
                                e
                            )),
                            false,
                        )
                    }
                }
                _ => (Err(format!("error evaluating query: {e}")), unsupported),
            }
        }
        Ok((v, annos)) => {
            if expect_fail.is_some() {
                return (
                    Err("expected error evaluating query but got none".into()),
                    false,
                );
            }
            if let Err(e) = check_annotations(cmd, &annos) {
                return (Err(e), false);
            }
            (compare(cmd, &v), false)
        }
    }
}

/// Cumulative classic-histogram data of one series at one timestamp, as
/// collected for the native-histogram-with-custom-buckets conversion.
#[derive(Default)]
struct TempHistogram {
    /// `(le, cumulative count)`, sorted by `le`, without duplicates.
    buckets: Vec<(f64, f64)>,
    count: Option<f64>,
    sum: f64,
    /// The data cannot form a histogram (negative or non-cumulative counts).
    invalid: bool,
}

impl TempHistogram {
    fn set_bucket(&mut self, le: f64, count: f64) {
        if count < 0.0 || count.is_nan() {
            self.invalid = true;
            return;
        }
        let i = self.buckets.partition_point(|b| b.0 < le);
        if self.buckets.get(i).is_some_and(|b| b.0 == le) {
            // Same bound spelled differently (`0.2`, `2e-1`): a duplicate.
            return;
        }
        let below = i.checked_sub(1).and_then(|j| self.buckets.get(j));
        if below.is_some_and(|b| count < b.1) || self.buckets.get(i).is_some_and(|b| count > b.1) {
            self.invalid = true;
            return;
        }
        self.buckets.insert(i, (le, count));
    }

    fn convert(mut self) -> Option<FloatHistogram> {
        if self.invalid {
            return None;
        }
        let count = match self.count {
            Some(c) => c,
            None => self.buckets.last()?.1,
        };
        if self.buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
            self.buckets.push((f64::INFINITY, count));
        }
        if self.buckets.last().is_some_and(|b| b.1 != count) {
            return None;
        }
        let mut h = FloatHistogram {
            schema: CUSTOM_BUCKETS_SCHEMA,
            count,
            sum: self.sum,
            ..Default::default()
        };
        let mut prev = 0.0;
        for (i, (le, c)) in self.buckets.iter().enumerate() {
            if *le != f64::INFINITY {
                h.custom_values.push(*le);
            }
            h.positive.push((i as i32, c - prev));
            prev = *c;
        }
        Some(h)
    }
}

/// The native histograms with custom buckets (NHCB) that promqltest's
/// `load_with_nhcb` derives from classic `_bucket`/`_count`/`_sum` series:
/// one series per base name and label set (without `le`), named without the
/// suffix, with a histogram at every timestamp any of its parts has a float.
fn classic_to_nhcb(
    series: &[(Labels, Vec<NotationValue>)],
    step_ms: i64,
) -> Vec<(Labels, Vec<(i64, FloatHistogram)>)> {
    use std::collections::BTreeMap;
    let mut temps: BTreeMap<Labels, BTreeMap<i64, TempHistogram>> = BTreeMap::new();
    for (labels, vals) in series {
        let name = labels.metric_name().unwrap_or("");
        enum Part {
            Bucket(f64),
            Count,
            Sum,
        }
        let (base, part) = if let Some(b) = name.strip_suffix("_bucket") {
            let le = labels.get_or_empty("le");
            match parse_float(le) {
                Ok(v) if !v.is_nan() && !le.is_empty() => (b, Part::Bucket(v)),
                _ => continue,
            }
        } else if let Some(b) = name.strip_suffix("_sum") {
            (b, Part::Sum)
        } else if let Some(b) = name.strip_suffix("_count") {
            (b, Part::Count)
        } else {
            continue;
        };
        let key = labels.filter(|n| n != "le").with(METRIC_NAME, base);
        let per_ts = temps.entry(key).or_default();
        for (i, v) in vals.iter().enumerate() {
            let NotationValue::Float(f) = v else {
                continue;
            };
            let t = i as i64 * step_ms;
            let th = per_ts.entry(t).or_default();
            match part {
                Part::Bucket(le) => th.set_bucket(le, *f),
                Part::Count => {
                    if *f < 0.0 {
                        th.invalid = true;
                    }
                    th.count = Some(*f);
                }
                Part::Sum => th.sum = *f,
            }
        }
    }
    temps
        .into_iter()
        .map(|(labels, per_ts)| {
            let points = per_ts
                .into_iter()
                .filter_map(|(t, th)| th.convert().map(|h| (t, h)))
                .collect();
            (labels, points)
        })
        .collect()
}

/// Runs a parsed test file, returning one outcome per eval command.
fn run_commands(engine: &Engine, cmds: &[Command]) -> Vec<Outcome> {
    let mut storage = Storage::new();
    let mut out = Vec::new();
    for c in cmds {
        match c {
            Command::Clear => {
                storage = Storage::new();
            }
            Command::Load {
                step_ms,
                with_nhcb,
                series,
                ..
            } => {
                for (labels, vals) in series {
                    for (i, v) in vals.iter().enumerate() {
                        let t = i as i64 * step_ms;
                        let sv = match v {
                            NotationValue::Missing => continue,
                            NotationValue::Stale => StoredValue::Stale,
                            NotationValue::Float(f) => StoredValue::Float(*f),
                            NotationValue::Histogram(h) => StoredValue::Histogram((**h).clone()),
                        };
                        storage.append(labels, t, sv);
                    }
                }
                if *with_nhcb {
                    for (labels, points) in classic_to_nhcb(series, *step_ms) {
                        for (t, h) in points {
                            storage.append(&labels, t, StoredValue::Histogram(h));
                        }
                    }
                }
            }
            Command::Eval(cmd) => {
                let (res, unsupported) = run_eval(engine, &storage, cmd);
                let verdict = match res {
                    Ok(()) => Verdict::Pass,
                    Err(e) if unsupported => Verdict::Skip(e),
                    Err(e) => Verdict::Fail(e),
                };
                out.push(Outcome {
                    line: cmd.line,
                    expr: cmd.expr.clone(),
                    verdict,
                });
            }
        }
    }
    out
}

/// Parses and runs a test file's contents.
pub fn run_str(engine: &Engine, input: &str) -> Result<Vec<Outcome>, ScriptError> {
    Ok(run_commands(engine, &parse(input)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("10s53ms"), Ok(10_053));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert!(parse_duration("5x").is_err());
        // As Prometheus' `model.ParseDuration`: units largest first, each once.
        assert!(parse_duration("30s1m").is_err());
        assert_eq!(parse_duration("-1m"), Ok(-60_000));
    }

    #[test]
    fn script_errors_name_their_line() {
        let e = parse("clear\n\nbogus x").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.to_string(), "line 3: invalid command \"bogus x\"");
        assert_eq!(
            parse("load 5x").unwrap_err().to_string(),
            format!(
                "line 1: invalid step: {}",
                parse_duration("5x").unwrap_err()
            )
        );
    }

    #[test]
    fn nhcb_from_classic_series() {
        let input = "load_with_nhcb 5m\n  h_bucket{le=\"1\"} 1 2\n  h_bucket{le=\"1e0\"} 1 2\n  h_bucket{le=\"+Inf\"} 3 4\n  h_sum 5 6\n\neval instant at 5m histogram_count(h)\n  {} 4\n\neval instant at 5m h\n  h {{schema:-53 count:4 sum:6 custom_values:[1] buckets:[2 2]}}\n\neval instant at 5m h_bucket{le=\"+Inf\"}\n  h_bucket{le=\"+Inf\"} 4\n";
        let out = run_str(&Engine::default(), input).unwrap();
        assert!(out.iter().all(|o| o.verdict == Verdict::Pass), "{out:?}");
    }

    /// Summing histograms whose custom buckets must be reconciled, then one with exponential
    /// buckets: `sum_over_time` gives the "reconciled" info beside the mixed-schema warning,
    /// `sum` only the warning (the two callers of `histogram::sum_histograms`).
    #[test]
    fn reconciled_info_before_a_mixed_schema_failure() {
        let input = "load 5m\n  h {{schema:-53 count:1 sum:1 custom_values:[1] buckets:[1]}} {{schema:-53 count:1 sum:1 custom_values:[2] buckets:[1]}} {{schema:0 count:1 sum:1 buckets:[1]}}\n  a {{schema:-53 count:1 sum:1 custom_values:[1] buckets:[1]}}\n  b {{schema:-53 count:1 sum:1 custom_values:[2] buckets:[1]}}\n  c {{schema:0 count:1 sum:1 buckets:[1]}}\n\neval instant at 10m sum_over_time(h[15m])\n  expect info\n  expect warn\n\neval instant at 0m sum({__name__=~\"a|b|c\"})\n  expect no_info\n  expect warn\n\neval instant at 5m sum_over_time(h[10m])\n  expect info\n  expect no_warn\n  {} {{schema:-53 count:2 sum:2 buckets:[2]}}\n";
        let out = run_str(&Engine::default(), input).unwrap();
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|o| o.verdict == Verdict::Pass), "{out:?}");
    }

    #[test]
    fn runs_small_file() {
        let input = "load 5m\n  m{a=\"1\"} 0+10x10\n\neval instant at 50m m\n  m{a=\"1\"} 100\n\neval instant at 50m m\n  m{a=\"1\"} 99\n\neval range from 0 to 10m step 5m m * 2\n  {a=\"1\"} 0 20 40\n\neval instant at 0m nope(\n  expect fail\n";
        let out = run_str(&Engine::default(), input).unwrap();
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].verdict, Verdict::Pass);
        assert!(matches!(out[1].verdict, Verdict::Fail(_)));
        assert_eq!(out[2].verdict, Verdict::Pass);
        assert_eq!(out[3].verdict, Verdict::Pass);
    }
}
