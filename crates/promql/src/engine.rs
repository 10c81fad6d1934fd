//! The evaluator: walks the syntax tree ([`crate::syntax`]) at one timestamp at a time.
//!
//! Range queries are evaluated step by step. Prometheus evaluates them
//! vectorised, but every PromQL construct is defined per step (subqueries use
//! absolute, step-aligned inner timestamps), so results are the same while
//! memory stays proportional to one step plus the output.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Arc;

use crate::syntax::{
    AtValue, BinOp, DurationExpr, Expr, MatchOp, Modifiers, SubqueryExpr, UnaryOp, VectorSelector,
};

use super::histogram::{CounterResetHint, FloatHistogram};
use super::labels::{Labels, METRIC_NAME};
use super::storage::{Latest, Storage};
use super::value::{Annotation, AnnotationKind, EvalError, Sample, Series, Value};

/// A sample during evaluation. `drop_name` implements Prometheus' delayed
/// `__name__` removal: the name is only removed when the result is returned.
#[derive(Clone, Debug)]
pub(crate) struct ESample {
    pub labels: Labels,
    pub t: i64,
    pub f: f64,
    pub h: Option<Box<FloatHistogram>>,
    pub drop_name: bool,
}

/// One series of a range vector during evaluation; borrows from storage
/// when read straight from a selector.
#[derive(Clone, Debug)]
pub(crate) struct RSeries<'a> {
    pub labels: Labels,
    pub floats: Cow<'a, [(i64, f64)]>,
    pub hists: Cow<'a, [(i64, FloatHistogram)]>,
    pub drop_name: bool,
}

#[derive(Debug)]
pub(crate) enum Val<'a> {
    Scalar(f64),
    Str(String),
    Vector(Vec<ESample>),
    Matrix(Vec<RSeries<'a>>),
}

impl Val<'_> {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Scalar(_) => "scalar",
            Val::Str(_) => "string",
            Val::Vector(_) => "instant vector",
            Val::Matrix(_) => "range vector",
        }
    }
}

/// A subquery series under construction: labels, floats, histograms and
/// whether its name is to be dropped.
type SubSeries = (Labels, Vec<(i64, f64)>, Vec<(i64, FloatHistogram)>, bool);

/// A range vector together with the window it was selected for.
pub(crate) struct MatrixArg<'a> {
    pub series: Vec<RSeries<'a>>,
    pub range_start: i64,
    pub range_end: i64,
    pub range_ms: i64,
}

/// Prometheus' default `--query.max-samples`: samples one query may hold in memory at once.
const DEFAULT_MAX_SAMPLES: usize = 50_000_000;

/// The `MaxSamples` of `promtool test rules` (its `promqltest.LazyLoader` engine), which
/// is also Prometheus' `promqltest.DefaultMaxSamplesPerQuery`.
pub const PROMTOOL_MAX_SAMPLES: usize = 10_000;

/// Evaluation steps one query may take: the steps of a range query plus the inner steps of
/// every subquery (`max_over_time(x[100d:1ms])` is 8.64 billion). Prometheus has no such
/// count; its sample limit stops such a query as soon as the steps return samples, and a
/// timeout (100 s in promtool) otherwise. Here the evaluator steps through subqueries one
/// timestamp at a time, so steps that return nothing are counted too: a million takes a
/// second or so, and a query that stays under the sample limit rarely needs more.
pub const MAX_QUERY_STEPS: u64 = 1_000_000;

/// Prometheus' message when a query exceeds the sample limit (`ErrTooManySamples` in
/// "query execution").
const TOO_MANY_SAMPLES: &str =
    "query processing would load too many samples into memory in query execution";

/// Where evaluation follows Prometheus 2.x rather than 3.x: one switch per change Prometheus
/// made to evaluation, named after the 2.x behaviour it brings back. The default, every switch
/// off, is Prometheus 3.x. (`holt_winters`, the other change, is the parser's:
/// [`crate::syntax::Options::v2_function_names`].)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Semantics {
    /// Range selectors, subqueries and the lookback delta take a sample exactly at the
    /// window's start (`[t - range, t]`), as before 3.0 made them left-open
    /// (prometheus#13904).
    pub left_closed_windows: bool,
    /// `rate` and `increase` of floats cut the extrapolation towards the window's start at
    /// the counter's zero point before deciding whether to extrapolate all the way, as before
    /// 2.51 (prometheus#13725), which decides first.
    pub zero_clamp_before_threshold: bool,
    /// `.` in a regex (matchers, `label_replace`) does not match a newline, as before 3.0
    /// (prometheus#14505).
    pub dot_excludes_newline: bool,
    /// `stddev` and `stdvar` of a group whose only float is NaN or infinite are 0, as before
    /// 3.0 made them NaN (prometheus#14941).
    pub lone_non_finite_deviation_is_zero: bool,
}

/// The PromQL engine settings.
#[derive(Clone, Debug)]
pub struct Engine {
    pub lookback_delta_ms: i64,
    /// Step of subqueries written without one (`x[5m:]`); Prometheus uses
    /// the global evaluation interval (promqltest: 1m).
    pub no_step_subquery_interval_ms: i64,
    /// Samples a query may hold in memory at once, counted as Prometheus' engine counts
    /// them (see [`Evaluator::eval`]); a query holding more fails with Prometheus' error
    /// ("query processing would load too many samples into memory ...").
    pub max_samples: usize,
    /// Prometheus 3.x unless switched back to 2.x, difference by difference.
    pub semantics: Semantics,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            lookback_delta_ms: 300_000,
            no_step_subquery_interval_ms: 60_000,
            max_samples: DEFAULT_MAX_SAMPLES,
            semantics: Semantics::default(),
        }
    }
}

fn too_many_samples() -> EvalError {
    EvalError::new(TOO_MANY_SAMPLES)
}

fn too_many_steps() -> EvalError {
    EvalError::new(format!(
        "query processing would evaluate the expression at more than {MAX_QUERY_STEPS} steps \
         (a subquery or range query with too small a step for its range)"
    ))
}

/// Prometheus' `HPoint.size()`: a histogram sample counts as its size in memory over that of
/// a float sample (16 bytes). Spans are counted as runs of consecutive bucket indexes, which
/// may be fewer than Prometheus keeps, so this never counts more than Prometheus does.
pub(crate) fn histogram_samples(h: &FloatHistogram) -> usize {
    fn spans(b: &[(i32, f64)]) -> usize {
        b.iter()
            .zip(b.iter().skip(1))
            .filter(|(a, c)| c.0 != a.0.wrapping_add(1))
            .count()
            + usize::from(!b.is_empty())
    }
    let size = 168
        + 8 * (spans(&h.positive)
            + spans(&h.negative)
            + h.positive.len()
            + h.negative.len()
            + h.custom_values.len());
    (size + 8) / 16
}

impl Engine {
    pub fn instant(&self, storage: &Storage, expr: &Expr, t_ms: i64) -> Result<Value, EvalError> {
        self.instant_with_annotations(storage, expr, t_ms)
            .map(|(v, _)| v)
    }

    pub fn instant_with_annotations(
        &self,
        storage: &Storage,
        expr: &Expr,
        t_ms: i64,
    ) -> Result<(Value, Vec<Annotation>), EvalError> {
        let mut ev = Evaluator::new(self, storage, t_ms, t_ms, 0);
        let v = ev.eval(expr, t_ms)?;
        let out = match v {
            Val::Scalar(f) => Value::Scalar(f),
            Val::Str(s) => Value::String(s),
            Val::Vector(v) => Value::Vector(
                finish_vector(v)?
                    .into_iter()
                    .map(|s| Sample {
                        labels: s.labels,
                        t_ms,
                        f: s.f,
                        h: s.h.map(|b| *b),
                    })
                    .collect(),
            ),
            Val::Matrix(m) => {
                let mut out: Vec<Series> = m
                    .into_iter()
                    .map(|s| Series {
                        labels: if s.drop_name {
                            s.labels.without_name()
                        } else {
                            s.labels
                        },
                        floats: s.floats.into_owned(),
                        histograms: s.hists.into_owned(),
                    })
                    .collect();
                out.sort_by(|a, b| a.labels.cmp(&b.labels));
                Value::Matrix(out)
            }
        };
        Ok((out, ev.annotations))
    }

    pub fn range(
        &self,
        storage: &Storage,
        expr: &Expr,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<Vec<Series>, EvalError> {
        self.range_with_annotations(storage, expr, start_ms, end_ms, step_ms)
            .map(|(v, _)| v)
    }

    pub fn range_with_annotations(
        &self,
        storage: &Storage,
        expr: &Expr,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<(Vec<Series>, Vec<Annotation>), EvalError> {
        if step_ms <= 0 {
            return Err(EvalError::new(
                "zero or negative query resolution step widths are not accepted",
            ));
        }
        if end_ms < start_ms {
            return Err(EvalError::new(
                "end timestamp must not be before start time",
            ));
        }
        let mut ev = Evaluator::new(self, storage, start_ms, end_ms, step_ms);
        let mut sorts = Vec::new();
        find_sorts(expr, &mut sorts);
        for s in sorts {
            ev.warn_at(
                "sort is ineffective for range queries since results are always ordered by labels"
                    .into(),
                s,
            );
        }
        let mut out: BTreeMap<Labels, Series> = BTreeMap::new();
        let mut t = start_ms;
        while t <= end_ms {
            ev.count_step()?;
            match ev.eval(expr, t)? {
                Val::Scalar(f) => out.entry(Labels::new()).or_default().floats.push((t, f)),
                Val::Vector(v) => {
                    for s in finish_vector(v)? {
                        let e = out.entry(s.labels.clone()).or_insert_with(|| Series {
                            labels: s.labels.clone(),
                            ..Default::default()
                        });
                        match s.h {
                            Some(h) => e.histograms.push((t, *h)),
                            None => e.floats.push((t, s.f)),
                        }
                    }
                }
                other => {
                    return Err(EvalError::new(format!(
                        "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
                        other.type_name()
                    )));
                }
            }
            // The output so far stays in memory: `eval` left it counted in `ev.samples`, where
            // the next step starts.
            match t.checked_add(step_ms) {
                Some(next) => t = next,
                None => break,
            }
        }
        Ok((out.into_values().collect(), ev.annotations))
    }
}

/// Applies delayed name removal and rejects duplicate label sets.
pub(crate) fn finish_vector(v: Vec<ESample>) -> Result<Vec<ESample>, EvalError> {
    let any_drop = v.iter().any(|s| s.drop_name);
    let v: Vec<ESample> = if any_drop {
        v.into_iter()
            .map(|mut s| {
                if s.drop_name {
                    s.labels = s.labels.without_name();
                    s.drop_name = false;
                }
                s
            })
            .collect()
    } else {
        v
    };
    if v.len() > 1 {
        let mut seen: std::collections::HashSet<&Labels> =
            std::collections::HashSet::with_capacity(v.len());
        for s in &v {
            if !seen.insert(&s.labels) {
                return Err(EvalError::new(
                    "vector cannot contain metrics with the same labelset",
                ));
            }
        }
    }
    Ok(v)
}

/// Sort calls anywhere in an expression (they are no-ops in range queries).
fn find_sorts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Call(c) => {
            if super::functions::function(c.func.name).is_some_and(|f| f.orders) {
                out.push(e);
            }
            for a in &c.args {
                find_sorts(a, out);
            }
        }
        Expr::Paren(p) => find_sorts(&p.expr, out),
        Expr::Unary(u) => find_sorts(&u.expr, out),
        Expr::Binary(b) => {
            find_sorts(&b.lhs, out);
            find_sorts(&b.rhs, out);
        }
        Expr::Aggregate(a) => find_sorts(&a.expr, out),
        Expr::Subquery(s) => find_sorts(&s.expr, out),
        _ => {}
    }
}

pub(crate) fn unwrap_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unwrap_parens(&p.expr),
        other => other,
    }
}

/// Counter-reset hint of stored histogram `k` as histogram stats decoding
/// sees it: gauges stay gauges, the first sample keeps its hint, later ones
/// are a reset or not depending on their predecessor.
fn stats_hint(hs: &[(i64, FloatHistogram)], k: usize) -> CounterResetHint {
    let Some((_, h)) = hs.get(k) else {
        return CounterResetHint::Unknown;
    };
    if h.counter_reset_hint == CounterResetHint::Gauge {
        return CounterResetHint::Gauge;
    }
    match k.checked_sub(1).and_then(|p| hs.get(p)) {
        None => h.counter_reset_hint,
        Some((_, prev)) if h.detect_reset(prev) => CounterResetHint::CounterReset,
        Some(_) => CounterResetHint::NotCounterReset,
    }
}

/// A selector's identity for the storage's cache of matched series: its name and matchers,
/// as text (two selectors with the same text match the same series), marked when its
/// regexes' `.` does not match newlines (then the same text may match other series).
fn selector_key(vs: &VectorSelector, dot_matches_newline: bool) -> String {
    let mut key = String::new();
    if !dot_matches_newline {
        key.push('\u{1}');
    }
    if let Some(n) = &vs.name {
        key.push_str(&n.name);
    }
    for m in &vs.matchers {
        key.push('\0');
        key.push_str(&m.name.name);
        key.push_str(m.op.as_str());
        key.push_str(&m.value.value);
    }
    key
}

/// A selector's matchers, their regexes compiled, for testing series against.
pub(crate) struct CompiledSelector<'v> {
    name: Option<&'v str>,
    matchers: Vec<(&'v str, MatchOp, &'v str, Option<Arc<regex::Regex>>)>,
}

impl<'v> CompiledSelector<'v> {
    /// Compiles the regexes through the process' cache. The parser has checked that they
    /// compile; one that does not (a tree built by hand) matches nothing.
    pub(crate) fn new(vs: &'v VectorSelector, dot_matches_newline: bool) -> CompiledSelector<'v> {
        CompiledSelector {
            name: vs.name.as_ref().map(|n| n.name.as_str()),
            matchers: vs
                .matchers
                .iter()
                .map(|m| {
                    let re = match m.op {
                        MatchOp::Regex | MatchOp::NotRegex => {
                            crate::syntax::matcher_regex(&m.value.value, dot_matches_newline).ok()
                        }
                        MatchOp::Equal | MatchOp::NotEqual => None,
                    };
                    (m.name.name.as_str(), m.op, m.value.value.as_str(), re)
                })
                .collect(),
        }
    }

    /// Whether a series' label set satisfies every matcher (a missing label is empty).
    pub(crate) fn matches(&self, labels: &Labels) -> bool {
        if let Some(n) = self.name
            && labels.get(METRIC_NAME) != Some(n)
        {
            return false;
        }
        self.matchers.iter().all(|(name, op, value, re)| {
            let v = labels.get_or_empty(name);
            match op {
                MatchOp::Equal => v == *value,
                MatchOp::NotEqual => v != *value,
                MatchOp::Regex => re.as_ref().is_some_and(|r| r.is_match(v)),
                MatchOp::NotRegex => re.as_ref().is_some_and(|r| !r.is_match(v)),
            }
        })
    }
}

pub(crate) struct Evaluator<'a> {
    pub storage: &'a Storage,
    pub lookback: i64,
    pub subquery_step: i64,
    pub query_start: i64,
    pub query_end: i64,
    pub query_step: i64,
    pub annotations: Vec<Annotation>,
    /// Samples held in memory by the query so far, as Prometheus' `currentSamples`.
    samples: usize,
    max_samples: usize,
    /// Evaluation steps taken (range query steps and subquery steps).
    steps: u64,
    /// Selector results cached per (selector address, time): rules commonly
    /// repeat a selector, and subqueries re-read it at shared timestamps.
    matched: HashMap<usize, Arc<Vec<usize>>>,
    /// Selectors are read only for histogram counts and sums (inside
    /// `histogram_count`/`_sum`/`_avg`): as Prometheus' histogram stats
    /// decoding, each histogram then carries a counter-reset hint detected
    /// against its predecessor in the series.
    stats_decoding: bool,
    pub semantics: Semantics,
}

impl<'a> Evaluator<'a> {
    fn new(engine: &Engine, storage: &'a Storage, start: i64, end: i64, step: i64) -> Self {
        Evaluator {
            storage,
            lookback: engine.lookback_delta_ms,
            subquery_step: if engine.no_step_subquery_interval_ms > 0 {
                engine.no_step_subquery_interval_ms
            } else {
                60_000
            },
            query_start: start,
            query_end: end,
            query_step: step,
            annotations: Vec::new(),
            samples: 0,
            max_samples: engine.max_samples,
            steps: 0,
            matched: HashMap::new(),
            stats_decoding: false,
            semantics: engine.semantics,
        }
    }

    /// How much earlier than a window's start its samples are read from: a window is
    /// `(start - slack, end]`, left-open (3.x) with 0, left-closed (2.x) with 1 ms.
    fn window_slack_ms(&self) -> i64 {
        i64::from(self.semantics.left_closed_windows)
    }

    /// Counts one evaluation step of a range query or subquery against [`MAX_QUERY_STEPS`].
    fn count_step(&mut self) -> Result<(), EvalError> {
        self.steps += 1;
        if self.steps > MAX_QUERY_STEPS {
            return Err(too_many_steps());
        }
        Ok(())
    }

    /// `f` with histogram stats decoding set to `on`, restored afterwards (whether `f`
    /// succeeds or not).
    pub(crate) fn with_stats_decoding<T>(&mut self, on: bool, f: impl FnOnce(&mut Self) -> T) -> T {
        let prev = std::mem::replace(&mut self.stats_decoding, on);
        let out = f(self);
        self.stats_decoding = prev;
        out
    }

    /// Records an annotation once, at the start of the expression it is about (where
    /// Prometheus positions it).
    pub(crate) fn annotate(&mut self, kind: AnnotationKind, message: String, at: Option<usize>) {
        let a = Annotation {
            kind,
            message,
            position: at,
        };
        if !self.annotations.contains(&a) {
            self.annotations.push(a);
        }
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.annotate(AnnotationKind::Warning, message, None);
    }

    pub(crate) fn info(&mut self, message: String) {
        self.annotate(AnnotationKind::Info, message, None);
    }

    pub(crate) fn warn_at(&mut self, message: String, at: &Expr) {
        self.annotate(AnnotationKind::Warning, message, Some(at.span().start));
    }

    pub(crate) fn info_at(&mut self, message: String, at: &Expr) {
        self.annotate(AnnotationKind::Info, message, Some(at.span().start));
    }

    /// The timestamp a selector or subquery reads at, given its `@` and `offset`.
    pub(crate) fn effective_time(&self, m: &Modifiers, t: i64) -> Result<i64, EvalError> {
        let base = match m.at.as_ref().map(|a| a.value) {
            None => t,
            Some(AtValue::Start) => self.query_start,
            Some(AtValue::End) => self.query_end,
            Some(AtValue::Timestamp(ms)) => ms,
        };
        let offset = match &m.offset {
            None => 0,
            Some(o) => self.duration_ms(&o.value, true)?,
        };
        Ok(base.saturating_sub(offset))
    }

    /// Milliseconds of a range, subquery step or offset. A literal is Prometheus'
    /// `time.Duration` of it, in whole milliseconds; a duration expression is computed as
    /// Prometheus computes it before running a query (`promql/durations.go`): in seconds,
    /// `step()` the query's step and `range()` its range (both 0 for an instant query),
    /// refused when not finite, out of range, or (but for an offset) not positive.
    pub(crate) fn duration_ms(
        &self,
        d: &DurationExpr,
        negative_allowed: bool,
    ) -> Result<i64, EvalError> {
        if let Some(ns) = d.literal_ns() {
            return Ok(ns / 1_000_000);
        }
        let secs = self.duration_seconds(d)?;
        let span = d.span();
        let fail = |what: &str| {
            Err(EvalError::new(format!(
                "{}:{}: {what}",
                span.start, span.end
            )))
        };
        if !secs.is_finite() {
            return fail("duration is NaN or infinite");
        }
        if secs <= 0.0 && !negative_allowed {
            return fail("duration must be greater than 0");
        }
        // `int64` nanoseconds, as the parser bounds duration literals.
        let bound = 9_223_372_036.854_776;
        if secs > bound || secs < -bound {
            return fail("duration is out of range");
        }
        #[allow(clippy::cast_possible_truncation)] // within ±2^63 ns, checked above
        Ok((secs * 1000.0) as i64)
    }

    fn duration_seconds(&self, d: &DurationExpr) -> Result<f64, EvalError> {
        Ok(match d {
            DurationExpr::Number(n) => n.value,
            DurationExpr::Step(_) => self.query_step as f64 / 1000.0,
            DurationExpr::Range(_) => (self.query_end - self.query_start) as f64 / 1000.0,
            DurationExpr::Paren(p) => self.duration_seconds(&p.expr)?,
            DurationExpr::Neg(n) => -self.duration_seconds(&n.expr)?,
            DurationExpr::MinMax(m) => {
                let (l, r) = (
                    self.duration_seconds(&m.lhs)?,
                    self.duration_seconds(&m.rhs)?,
                );
                if m.max { l.max(r) } else { l.min(r) }
            }
            DurationExpr::Binary(b) => {
                let (l, r) = (
                    self.duration_seconds(&b.lhs)?,
                    self.duration_seconds(&b.rhs)?,
                );
                let span = d.span();
                let by_zero = |what: &str| {
                    Err(EvalError::new(format!(
                        "{}:{}: {what} by zero",
                        span.start, span.end
                    )))
                };
                match b.op {
                    BinOp::Add => l + r,
                    BinOp::Sub => l - r,
                    BinOp::Mul => l * r,
                    BinOp::Div if r == 0.0 => return by_zero("division"),
                    BinOp::Div => l / r,
                    BinOp::Mod if r == 0.0 => return by_zero("modulo"),
                    BinOp::Mod => l % r,
                    BinOp::Pow => l.powf(r),
                    other => {
                        return Err(EvalError::new(format!(
                            "unexpected duration expression operator {:?}",
                            other.as_str()
                        )));
                    }
                }
            }
        })
    }

    /// Indexes of stored series matching a selector. Cached per query by
    /// selector address (the set of series does not change during one query,
    /// and subqueries re-read selectors at every inner step), and across
    /// queries by the storage, which only re-checks series added since.
    fn matching_series(&mut self, vs: &VectorSelector) -> Arc<Vec<usize>> {
        let key = std::ptr::from_ref::<VectorSelector>(vs) as usize;
        if let Some(v) = self.matched.get(&key) {
            return v.clone();
        }
        let storage = self.storage;
        let dot_matches_newline = !self.semantics.dot_excludes_newline;
        let compiled = std::cell::OnceCell::new();
        let text = selector_key(vs, dot_matches_newline);
        let v = storage.matching(&text, vs.metric_name(), |l| {
            compiled
                .get_or_init(|| CompiledSelector::new(vs, dot_matches_newline))
                .matches(l)
        });
        self.matched.insert(key, v.clone());
        v
    }

    /// Evaluates `e` at `t`, counting the samples it holds in memory as Prometheus' engine
    /// does (`currentSamples` against `MaxSamples`): while a node is computed, its operands'
    /// results and its own result are held together; once it is done, only its result. A
    /// range function (`rate(x[5m])`) holds one series' window at a time (see
    /// [`Self::eval_matrix_arg`]); a subquery holds every inner step's result. Where the two
    /// engines differ in what they hold, this counts the smaller amount, so a query
    /// Prometheus runs never fails here.
    pub(crate) fn eval(&mut self, e: &Expr, t: i64) -> Result<Val<'a>, EvalError> {
        let before = self.samples;
        let v = self.eval_node(e, t)?;
        let own = val_samples(&v);
        let peak = match e {
            // Nothing new is held: the operand's result is passed on (or, for a subquery,
            // already counted step by step).
            Expr::Paren(_) | Expr::Unary(_) | Expr::Subquery(_) => before.saturating_add(own),
            _ => self.samples.saturating_add(own),
        };
        if peak > self.max_samples {
            return Err(too_many_samples());
        }
        self.samples = before.saturating_add(own);
        Ok(v)
    }

    fn eval_node(&mut self, e: &Expr, t: i64) -> Result<Val<'a>, EvalError> {
        match e {
            Expr::Number(n) => Ok(Val::Scalar(n.value)),
            Expr::String(s) => Ok(Val::Str(s.value.to_string())),
            Expr::Paren(p) => self.eval(&p.expr, t),
            // Prometheus' parser drops a unary plus.
            Expr::Unary(u) if u.op == UnaryOp::Plus => self.eval(&u.expr, t),
            Expr::Unary(u) => match self.eval(&u.expr, t)? {
                Val::Scalar(f) => Ok(Val::Scalar(-f)),
                Val::Vector(v) => {
                    let mut out = Vec::with_capacity(v.len());
                    for mut s in v {
                        if let Some(h) = s.h.as_mut() {
                            h.scale(-1.0);
                        }
                        s.f = -s.f;
                        s.drop_name = true;
                        s.t = t;
                        out.push(s);
                    }
                    Ok(Val::Vector(out))
                }
                other => Err(EvalError::new(format!(
                    "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                    other.type_name()
                ))),
            },
            Expr::Binary(b) => super::binary::eval_binary(self, b, t),
            Expr::Aggregate(a) => super::aggregate::eval_aggregate(self, a, t),
            Expr::Call(c) => super::functions::eval_call(self, c, t),
            Expr::Selector(vs) => Ok(Val::Vector(self.select_vector(vs, t)?)),
            Expr::Matrix(ms) => {
                unsupported_modifiers(&ms.modifiers)?;
                let end = self.effective_time(&ms.modifiers, t)?;
                let range = self.duration_ms(&ms.range, false)?;
                Ok(Val::Matrix(
                    self.select_matrix(
                        &ms.selector,
                        end.saturating_sub(range)
                            .saturating_sub(self.window_slack_ms()),
                        end,
                    ),
                ))
            }
            Expr::Subquery(sq) => Ok(Val::Matrix(self.eval_subquery(sq, t)?.series)),
        }
    }

    pub(crate) fn select_vector(
        &mut self,
        vs: &VectorSelector,
        t: i64,
    ) -> Result<Vec<ESample>, EvalError> {
        unsupported_modifiers(&vs.modifiers)?;
        let rt = self.effective_time(&vs.modifiers, t)?;
        let idx = self.matching_series(vs);
        let storage = self.storage;
        let lookback_start = (rt - self.lookback).saturating_sub(self.window_slack_ms());
        let mut out = Vec::with_capacity(idx.len());
        for &i in idx.iter() {
            let s = &storage.series[i];
            match s.latest(lookback_start, rt) {
                Some(Latest::Float(st, f)) => out.push(ESample {
                    labels: s.labels.clone(),
                    t: st,
                    f,
                    h: None,
                    drop_name: false,
                }),
                Some(Latest::Histogram(st, h)) => {
                    let mut h = h.clone();
                    if self.stats_decoding {
                        let k = s.histograms.partition_point(|(ht, _)| *ht < st);
                        h.counter_reset_hint = stats_hint(&s.histograms, k);
                    }
                    out.push(ESample {
                        labels: s.labels.clone(),
                        t: st,
                        f: 0.0,
                        h: Some(Box::new(h)),
                        drop_name: false,
                    });
                }
                None => {}
            }
        }
        Ok(out)
    }

    /// Samples in the left-open window `(mint, maxt]`.
    pub(crate) fn select_matrix(
        &mut self,
        vs: &VectorSelector,
        mint: i64,
        maxt: i64,
    ) -> Vec<RSeries<'a>> {
        let idx = self.matching_series(vs);
        let storage: &'a Storage = self.storage;
        let mut out = Vec::new();
        for &i in idx.iter() {
            let s = &storage.series[i];
            let floats = s.floats_in(mint, maxt);
            let hists = s.histograms_in(mint, maxt);
            if floats.is_empty() && hists.is_empty() {
                continue;
            }
            let hists = if self.stats_decoding && !hists.is_empty() {
                // `hists` is the slice of stored histograms after `mint`.
                let first = s.histograms.partition_point(|(t, _)| *t <= mint);
                Cow::Owned(
                    hists
                        .iter()
                        .enumerate()
                        .map(|(k, (t, h))| {
                            let mut h = h.clone();
                            h.counter_reset_hint = stats_hint(&s.histograms, first + k);
                            (*t, h)
                        })
                        .collect(),
                )
            } else {
                Cow::Borrowed(hists)
            };
            out.push(RSeries {
                labels: s.labels.clone(),
                floats,
                hists,
                drop_name: false,
            });
        }
        out
    }

    /// Evaluates a subquery: the inner expression at every multiple of the
    /// step inside the left-open window `(end - range, end]` (left-closed with
    /// [`Semantics::left_closed_windows`]).
    pub(crate) fn eval_subquery(
        &mut self,
        sq: &SubqueryExpr,
        t: i64,
    ) -> Result<MatrixArg<'a>, EvalError> {
        unsupported_modifiers(&sq.modifiers)?;
        let end = self.effective_time(&sq.modifiers, t)?;
        let range = self.duration_ms(&sq.range, false)?;
        let step = match &sq.step {
            Some(d) => match self.duration_ms(d, false)? {
                0 => self.subquery_step,
                ms => ms,
            },
            None => self.subquery_step,
        };
        let start = end.saturating_sub(range);
        // The first multiple of the step after `start` (at or after it, left-closed).
        let after = i128::from(start) - i128::from(self.window_slack_ms());
        let first = (after.div_euclid(i128::from(step)) + 1) * i128::from(step);
        let mut ts = i64::try_from(first).unwrap_or(i64::MAX);
        let mut by_labels: HashMap<Labels, usize> = HashMap::new();
        let mut series: Vec<SubSeries> = Vec::new();
        // Every inner step's result is held until the subquery is done (counted by `eval`,
        // which leaves each step's result in `self.samples`).
        while ts <= end {
            self.count_step()?;
            // Subqueries re-detect counter resets themselves, on full
            // histograms.
            match self.with_stats_decoding(false, |ev| ev.eval(&sq.expr, ts))? {
                Val::Vector(v) => {
                    for s in v {
                        let i = *by_labels.entry(s.labels.clone()).or_insert_with(|| {
                            series.push((s.labels.clone(), Vec::new(), Vec::new(), false));
                            series.len() - 1
                        });
                        let e = &mut series[i];
                        e.3 |= s.drop_name;
                        match s.h {
                            Some(h) => e.2.push((ts, *h)),
                            None => e.1.push((ts, s.f)),
                        }
                    }
                }
                Val::Scalar(f) => {
                    let i = *by_labels.entry(Labels::new()).or_insert_with(|| {
                        series.push((Labels::new(), Vec::new(), Vec::new(), false));
                        series.len() - 1
                    });
                    series[i].1.push((ts, f));
                }
                other => {
                    return Err(EvalError::new(format!(
                        "subquery is only allowed on instant vector, got {}",
                        other.type_name()
                    )));
                }
            }
            match ts.checked_add(step) {
                Some(next) => ts = next,
                None => break,
            }
        }
        Ok(MatrixArg {
            series: series
                .into_iter()
                .map(|(labels, f, h, d)| RSeries {
                    labels,
                    floats: Cow::Owned(f),
                    hists: Cow::Owned(h),
                    drop_name: d,
                })
                .collect(),
            range_start: start,
            range_end: end,
            range_ms: range,
        })
    }

    /// Evaluates a function argument that must be a range vector.
    pub(crate) fn eval_matrix_arg(&mut self, e: &Expr, t: i64) -> Result<MatrixArg<'a>, EvalError> {
        match unwrap_parens(e) {
            Expr::Matrix(ms) => {
                unsupported_modifiers(&ms.modifiers)?;
                let end = self.effective_time(&ms.modifiers, t)?;
                let range = self.duration_ms(&ms.range, false)?;
                let start = end.saturating_sub(range);
                let series = self.select_matrix(
                    &ms.selector,
                    start.saturating_sub(self.window_slack_ms()),
                    end,
                );
                // Prometheus loads the window of one series at a time and counts it on top
                // of what the query holds (the function's output so far, not counted here).
                let window = series.iter().map(rseries_samples).max().unwrap_or(0);
                if self.samples.saturating_add(window) > self.max_samples {
                    return Err(too_many_samples());
                }
                Ok(MatrixArg {
                    series,
                    range_start: start,
                    range_end: end,
                    range_ms: range,
                })
            }
            Expr::Subquery(sq) => self.eval_subquery(sq, t),
            other => Err(EvalError::new(format!(
                "expected range vector argument, got {}",
                self.eval(other, t)?.type_name()
            ))),
        }
    }

    pub(crate) fn eval_scalar(&mut self, e: &Expr, t: i64) -> Result<f64, EvalError> {
        match self.eval(e, t)? {
            Val::Scalar(f) => Ok(f),
            other => Err(EvalError::new(format!(
                "expected scalar, got {}",
                other.type_name()
            ))),
        }
    }

    pub(crate) fn eval_vector(&mut self, e: &Expr, t: i64) -> Result<Vec<ESample>, EvalError> {
        match self.eval(e, t)? {
            Val::Vector(v) => Ok(v),
            other => Err(EvalError::new(format!(
                "expected instant vector, got {}",
                other.type_name()
            ))),
        }
    }
}

/// `anchored` and `smoothed` (Prometheus' experimental extended range selectors) are parsed
/// but not evaluated yet: an error says so rather than a result computed without them.
fn unsupported_modifiers(m: &Modifiers) -> Result<(), EvalError> {
    if m.anchored.is_some() {
        return Err(EvalError::unsupported("the anchored modifier"));
    }
    if m.smoothed.is_some() {
        return Err(EvalError::unsupported("the smoothed modifier"));
    }
    Ok(())
}

fn rseries_samples(s: &RSeries) -> usize {
    s.floats.len()
        + s.hists
            .iter()
            .map(|(_, h)| histogram_samples(h))
            .sum::<usize>()
}

/// Samples a value holds, as Prometheus counts them (a scalar is one sample, a string none).
fn val_samples(v: &Val) -> usize {
    match v {
        Val::Scalar(_) => 1,
        Val::Str(_) => 0,
        Val::Vector(v) => v
            .iter()
            .map(|s| s.h.as_deref().map_or(1, histogram_samples))
            .sum(),
        Val::Matrix(m) => m.iter().map(rseries_samples).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::storage::StoredValue;
    use super::*;

    fn storage() -> Storage {
        let mut s = Storage::new();
        let l = Labels::from_pairs([("__name__", "m"), ("job", "a")]);
        for i in 0..10 {
            s.append(&l, i * 60_000, StoredValue::Float(i as f64));
        }
        s
    }

    fn q(s: &str) -> Expr {
        crate::syntax::parse(s).expect("valid query")
    }

    #[test]
    fn instant_selector_and_lookback() {
        let st = storage();
        let e = Engine::default();
        match e.instant(&st, &q("m"), 150_000).unwrap() {
            Value::Vector(v) => {
                assert_eq!(v.len(), 1);
                assert_eq!(v[0].f, 2.0);
            }
            other => panic!("unexpected {other:?}"),
        }
        // Left-open lookback: the sample at 9m is out of reach at 14m.
        match e.instant(&st, &q("m"), 14 * 60_000).unwrap() {
            Value::Vector(v) => assert!(v.is_empty()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn left_open_range_and_subquery() {
        let st = storage();
        let e = Engine::default();
        match e.instant(&st, &q("m[2m]"), 240_000).unwrap() {
            Value::Matrix(m) => assert_eq!(m[0].floats, vec![(180_000, 3.0), (240_000, 4.0)]),
            other => panic!("unexpected {other:?}"),
        }
        match e.instant(&st, &q("m[2m:1m]"), 240_000).unwrap() {
            Value::Matrix(m) => assert_eq!(m[0].floats.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn range_query_collects_series() {
        let st = storage();
        let e = Engine::default();
        let r = e.range(&st, &q("m * 2"), 0, 120_000, 60_000).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].floats, vec![(0, 0.0), (60_000, 2.0), (120_000, 4.0)]);
        assert!(r[0].labels.metric_name().is_none());
        assert!(e.range(&st, &q("m[1m]"), 0, 60_000, 60_000).is_err());
    }

    /// Engines with Prometheus 3.x semantics and with one 2.x switch on.
    fn engines(v2: Semantics) -> (Engine, Engine) {
        let v3 = Engine::default();
        let v2 = Engine {
            semantics: v2,
            ..Engine::default()
        };
        (v3, v2)
    }

    fn floats(v: Value) -> Vec<(String, f64)> {
        match v {
            Value::Vector(v) => v.into_iter().map(|s| (s.labels.to_string(), s.f)).collect(),
            Value::Scalar(f) => vec![(String::new(), f)],
            other => panic!("unexpected {other:?}"),
        }
    }

    fn one_float(e: &Engine, st: &Storage, query: &str, t: i64) -> f64 {
        match floats(e.instant(st, &q(query), t).unwrap()).as_slice() {
            [(_, f)] => *f,
            other => panic!("{query}: {other:?}"),
        }
    }

    /// 2.x windows are `[t - range, t]`: a sample exactly at the start counts, in a range
    /// selector, a subquery (whose inner steps start at the start when it is on the step
    /// grid) and the lookback delta.
    #[test]
    fn left_closed_windows_take_the_sample_at_their_start() {
        let st = storage();
        let (v3, v2) = engines(Semantics {
            left_closed_windows: true,
            ..Semantics::default()
        });
        for (query, at, in_3x, in_2x) in [
            ("count_over_time(m[2m])", 240_000, 2.0, 3.0),
            ("count_over_time(m[2m:1m])", 240_000, 2.0, 3.0),
            ("count_over_time(m[150s:1m])", 240_000, 3.0, 3.0),
            ("count_over_time(m[2m] offset 1m)", 300_000, 2.0, 3.0),
            // The sample at 9m, exactly 5m before 14m.
            ("count(m)", 14 * 60_000, f64::NAN, 1.0),
        ] {
            let got = |e: &Engine| match floats(e.instant(&st, &q(query), at).unwrap()).as_slice() {
                [] => f64::NAN,
                [(_, f)] => *f,
                other => panic!("{query}: {other:?}"),
            };
            assert!(
                got(&v3).total_cmp(&in_3x).is_eq(),
                "3.x {query}: {}",
                got(&v3)
            );
            assert!(
                got(&v2).total_cmp(&in_2x).is_eq(),
                "2.x {query}: {}",
                got(&v2)
            );
        }
        match v2.instant(&st, &q("m[2m:1m]"), 240_000).unwrap() {
            Value::Matrix(m) => assert_eq!(
                m[0].floats,
                vec![(120_000, 2.0), (180_000, 3.0), (240_000, 4.0)]
            ),
            other => panic!("unexpected {other:?}"),
        }
        // rate extrapolates to the same window start either way; only the samples differ.
        assert_eq!(one_float(&v2, &st, "increase(m[2m])", 240_000), 2.0);
        assert_eq!(one_float(&v3, &st, "increase(m[2m])", 240_000), 2.0);
    }

    /// A counter whose first sample in the window is 3m after the window's start, one
    /// sample a minute, rising from 1 by 10: its zero point is 42s before the first sample.
    /// 2.51 first cuts the extrapolation to half an interval (30s) and then to the zero
    /// point (still 30s); before, the zero point (42s, within 110% of the interval) came
    /// first and was extrapolated to in full.
    #[test]
    fn the_zero_clamp_came_before_the_extrapolation_threshold_before_2_51() {
        let mut st = Storage::new();
        let l = Labels::from_pairs([("__name__", "c")]);
        for (i, v) in [1.0, 3.0, 4.0, 6.0, 7.0, 9.0, 10.0, 11.0]
            .into_iter()
            .enumerate()
        {
            st.append(&l, (3 + i as i64) * 60_000, StoredValue::Float(v));
        }
        let (v3, v2) = engines(Semantics {
            zero_clamp_before_threshold: true,
            ..Semantics::default()
        });
        let at = 600_000;
        assert_eq!(one_float(&v2, &st, "increase(c[10m])", at), 11.0);
        assert_eq!(
            one_float(&v3, &st, "increase(c[10m])", at),
            10.0 * 450.0 / 420.0
        );
        assert_eq!(one_float(&v2, &st, "rate(c[10m])", at), 11.0 / 600.0);
        // delta is no counter: never clamped.
        let delta = 10.0 * 450.0 / 420.0;
        assert_eq!(one_float(&v2, &st, "delta(c[10m])", at), delta);
        assert_eq!(one_float(&v3, &st, "delta(c[10m])", at), delta);
        // A zero point beyond 110% of the interval: half an interval either way (and the
        // whole minute to the window's end).
        let mut high = Storage::new();
        for (i, v) in [100.0, 101.0, 102.0].into_iter().enumerate() {
            high.append(&l, (7 + i as i64) * 60_000, StoredValue::Float(v));
        }
        let half = 2.0 * (120.0 + 30.0 + 60.0) / 120.0;
        assert_eq!(one_float(&v2, &high, "increase(c[10m])", at), half);
        assert_eq!(one_float(&v3, &high, "increase(c[10m])", at), half);
    }

    /// 2.x compiled matchers and `label_replace` regexes as `^(?:re)$`: `.` stops at a
    /// newline. The selector cache keeps the two apart on one storage.
    #[test]
    fn dot_does_not_match_newlines_in_prometheus_2() {
        let store = |targets: [&str; 2]| {
            let mut st = Storage::new();
            for target in targets {
                let labels = Labels::from_pairs([("__name__", "probe"), ("target", target)]);
                st.append(&labels, 0, StoredValue::Float(1.0));
            }
            st
        };
        let st = store(["line1", "line1-line2"]);
        let st2 = store(["line1", "line1\nline2"]);
        let (v3, v2) = engines(Semantics {
            dot_excludes_newline: true,
            ..Semantics::default()
        });
        let query = "count(probe{target=~\"line1.*\"})";
        // Without a newline in any value both agree.
        assert_eq!(one_float(&v3, &st, query, 0), 2.0);
        assert_eq!(one_float(&v2, &st, query, 0), 2.0);
        // 3.x, 2.x, 3.x again: each reads its own entry of the storage's caches.
        assert_eq!(one_float(&v3, &st2, query, 0), 2.0);
        assert_eq!(one_float(&v2, &st2, query, 0), 1.0);
        assert_eq!(one_float(&v3, &st2, query, 0), 2.0);
        let negated = "count(probe{target!~\"line1.+\"})";
        assert_eq!(one_float(&v2, &st2, negated, 0), 2.0);
        let replaced = |e: &Engine| -> Vec<String> {
            floats(
                e.instant(
                    &st2,
                    &q("label_replace(probe, \"first\", \"$1\", \"target\", \"(.*)\")"),
                    0,
                )
                .unwrap(),
            )
            .into_iter()
            .map(|(l, _)| l)
            .collect()
        };
        assert!(replaced(&v3).iter().all(|l| l.contains("first=")));
        assert_eq!(
            replaced(&v2)
                .iter()
                .filter(|l| l.contains("first="))
                .count(),
            1
        );
    }

    /// 2.x started a group's running variance at 0 with its first value, so a lone NaN or
    /// infinity gave 0; 3.0 gives NaN. With more samples both give NaN.
    #[test]
    fn deviation_of_a_lone_non_finite_value_was_zero_in_prometheus_2() {
        let mut st = Storage::new();
        for (job, v) in [("inf", f64::INFINITY), ("nan", f64::NAN), ("one", 4.0)] {
            st.append(
                &Labels::from_pairs([("__name__", "x"), ("job", job)]),
                0,
                StoredValue::Float(v),
            );
        }
        let (v3, v2) = engines(Semantics {
            lone_non_finite_deviation_is_zero: true,
            ..Semantics::default()
        });
        for op in ["stddev", "stdvar"] {
            let query = format!("{op} by (job) (x)");
            let got = |e: &Engine| floats(e.instant(&st, &q(&query), 0).unwrap());
            let v3 = got(&v3);
            assert!(
                v3.iter().all(|(l, f)| f.is_nan() != l.contains("one")),
                "{v3:?}"
            );
            assert!(got(&v2).iter().all(|(_, f)| *f == 0.0), "{:?}", got(&v2));
            let all = format!("{op}(x)");
            assert!(one_float(&v2, &st, &all, 0).is_nan());
        }
    }

    /// `holt_winters` (parsed with 2.x's function names) smooths as
    /// `double_exponential_smoothing` does; its factors are checked only when there is a
    /// series to smooth, and NaN passes, as in 2.x.
    #[test]
    fn holt_winters_is_double_exponential_smoothing_checked_as_in_prometheus_2() {
        let st = storage();
        let e = Engine::default();
        let v2 = crate::syntax::Options {
            v2_function_names: true,
            ..crate::syntax::Options::default()
        };
        let parse_v2 = |s: &str| crate::syntax::parse_with(s, &v2).expect("2.x PromQL");
        let at = 540_000;
        let smoothed = |text: &str, expr: &Expr| -> Vec<(String, f64)> {
            floats(
                e.instant(&st, expr, at)
                    .unwrap_or_else(|err| panic!("{text}: {err}")),
            )
        };
        let hw = "holt_winters(m[5m], 0.3, 0.6)";
        let des = "double_exponential_smoothing(m[5m], 0.3, 0.6)";
        let all = crate::syntax::Options::all();
        assert_eq!(
            smoothed(hw, &parse_v2(hw)),
            smoothed(des, &crate::syntax::parse_with(des, &all).unwrap())
        );
        assert!(
            e.instant(&st, &parse_v2("holt_winters(m[5m], 1, 0.5)"), at)
                .unwrap_err()
                .to_string()
                .contains("invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000")
        );
        assert!(
            e.instant(&st, &parse_v2("holt_winters(nothing[5m], 1, 0.5)"), at)
                .is_ok()
        );
        let nan = floats(
            e.instant(&st, &parse_v2("holt_winters(m[5m], NaN, 0.5)"), at)
                .unwrap(),
        );
        assert!(nan.len() == 1 && nan[0].1.is_nan(), "{nan:?}");
    }
}
