//! Runs one test group: feeds input series step by step, evaluates the rule groups every
//! `evaluation_interval` from the start to the largest `eval_time`, checks `alert_rule_test`
//! at the evaluation covering their time and `promql_expr_test` against the same storage.
//!
//! Memory stays flat in the number of steps: input values are expanded lazily, expression
//! tests run as soon as the data they can see is complete, and samples older than the
//! longest window any expression can read are dropped.

use super::compat::{Difference, Differences};
use super::model::{TestFile, TestGroup};
use super::rules::{AlertState, CompiledGroup, EvalEnv, RuleKind, RuleState, eval_rule};
use super::series::Item;
use promql::histogram::FloatHistogram;
use promql::syntax::{DurationExpr, Expr, Modifiers};
use promql::{Engine, Labels, Storage, StoredValue, Value};
use std::collections::VecDeque;

/// Steps of alert state shown before a failing check (the check's own step included).
const TIMELINE_BEFORE: usize = 4;
/// Steps shown after it.
const TIMELINE_AFTER: usize = 2;
const LOOKBACK_MS: i64 = 300_000;

#[derive(Debug, Clone, PartialEq)]
pub struct AlertData {
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct SampleData {
    pub labels: Labels,
    pub value: f64,
    pub histogram: Option<FloatHistogram>,
}

#[derive(Debug, Clone)]
pub struct TimelineAlert {
    /// Formatted only if the timeline is printed (a failing test).
    pub labels: Labels,
    pub state: AlertState,
    pub active_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct TimelineStep {
    /// Relative to the test's start.
    pub t_ms: i64,
    pub alerts: Vec<TimelineAlert>,
}

#[derive(Debug, Clone)]
pub enum Failure {
    RuleError {
        rule: String,
        group: String,
        time_ms: i64,
        message: String,
    },
    Alert {
        index: usize,
        alertname: String,
        eval_time_ms: i64,
        expected: Vec<AlertData>,
        got: Vec<AlertData>,
        timeline: Vec<TimelineStep>,
        /// Time of the evaluation the alerts were compared at.
        compared_at_ms: i64,
    },
    Expr {
        index: usize,
        expr: String,
        eval_time_ms: i64,
        expected: Vec<SampleData>,
        got: Vec<SampleData>,
    },
    ExprError {
        index: usize,
        expr: String,
        eval_time_ms: i64,
        message: String,
    },
}

impl Failure {
    fn order(&self) -> (u8, usize) {
        match self {
            Failure::RuleError { .. } => (0, 0),
            Failure::Alert { index, .. } => (1, *index),
            Failure::Expr { index, .. } | Failure::ExprError { index, .. } => (2, *index),
        }
    }
}

#[derive(Debug)]
pub struct GroupOutcome {
    pub failures: Vec<Failure>,
    pub steps: u64,
}

/// How far before its evaluation time an expression can read; `None` when unbounded
/// (`@`, negative offsets).
pub(crate) fn lookback_ms(e: &Expr) -> Option<i64> {
    /// A literal duration in milliseconds; `None` for a duration expression (its value
    /// depends on the query), which counts as unbounded.
    fn ms(d: &DurationExpr) -> Option<i64> {
        d.literal_ns().map(|ns| ns / 1_000_000)
    }
    /// How far back the modifiers move the read; `None` for `@` and negative offsets.
    fn shift(m: &Modifiers) -> Option<i64> {
        if m.at.is_some() {
            return None;
        }
        match &m.offset {
            None => Some(0),
            Some(o) => ms(&o.value).filter(|d| *d >= 0),
        }
    }
    fn walk(e: &Expr, extra: i64) -> Option<i64> {
        match e {
            Expr::Selector(vs) => Some(
                extra
                    .saturating_add(shift(&vs.modifiers)?)
                    .saturating_add(LOOKBACK_MS),
            ),
            Expr::Matrix(m) => Some(
                extra
                    .saturating_add(shift(&m.modifiers)?)
                    .saturating_add(ms(&m.range)?),
            ),
            Expr::Subquery(sq) => {
                let step = match &sq.step {
                    Some(d) => ms(d)?,
                    None => 0,
                };
                walk(
                    &sq.expr,
                    extra
                        .saturating_add(shift(&sq.modifiers)?)
                        .saturating_add(ms(&sq.range)?)
                        .saturating_add(step),
                )
            }
            Expr::Aggregate(a) => {
                let p = match &a.param {
                    Some(p) => walk(p, extra)?,
                    None => 0,
                };
                Some(walk(&a.expr, extra)?.max(p))
            }
            Expr::Unary(u) => walk(&u.expr, extra),
            Expr::Paren(p) => walk(&p.expr, extra),
            Expr::Binary(b) => Some(walk(&b.lhs, extra)?.max(walk(&b.rhs, extra)?)),
            Expr::Call(c) => {
                let mut m = extra;
                for a in &c.args {
                    m = m.max(walk(a, extra)?);
                }
                Some(m)
            }
            Expr::Number(_) | Expr::String(_) => Some(extra),
        }
    }
    walk(e, 0)
}

fn float_eq(a: f64, b: f64, fuzzy: bool) -> bool {
    if a == b || (a.is_nan() && b.is_nan()) {
        return true;
    }
    // Fuzzy: ignore a difference in the last bit of the mantissa.
    fuzzy
        && a.is_finite()
        && b.is_finite()
        && a.is_sign_positive() == b.is_sign_positive()
        && a.to_bits().abs_diff(b.to_bits()) <= 1
}

fn hist_eq(a: &FloatHistogram, b: &FloatHistogram, fuzzy: bool) -> bool {
    let nz = |v: &[(i32, f64)]| -> Vec<(i32, f64)> {
        v.iter().filter(|(_, c)| *c != 0.0).copied().collect()
    };
    let buckets_eq = |x: &[(i32, f64)], y: &[(i32, f64)]| {
        let (x, y) = (nz(x), nz(y));
        x.len() == y.len()
            && x.iter()
                .zip(&y)
                .all(|(p, q)| p.0 == q.0 && float_eq(p.1, q.1, fuzzy))
    };
    a.schema == b.schema
        && float_eq(a.count, b.count, fuzzy)
        && float_eq(a.sum, b.sum, fuzzy)
        && float_eq(a.zero_count, b.zero_count, fuzzy)
        && a.zero_threshold == b.zero_threshold
        && a.custom_values == b.custom_values
        && buckets_eq(&a.positive, &b.positive)
        && buckets_eq(&a.negative, &b.negative)
}

pub(crate) fn samples_equal(exp: &[SampleData], got: &[SampleData], fuzzy: bool) -> bool {
    exp.len() == got.len()
        && exp.iter().zip(got).all(|(e, g)| {
            e.labels == g.labels
                && float_eq(e.value, g.value, fuzzy)
                && match (&e.histogram, &g.histogram) {
                    (None, None) => true,
                    (Some(a), Some(b)) => hist_eq(a, b, fuzzy),
                    _ => false,
                }
        })
}

fn sort_samples(v: &mut [SampleData]) {
    v.sort_by(|a, b| a.labels.cmp(&b.labels));
}

fn run_query(
    engine: &Engine,
    storage: &Storage,
    expr: &Expr,
    t_ms: i64,
) -> Result<Vec<SampleData>, String> {
    match engine
        .instant(storage, expr, t_ms)
        .map_err(|e| e.to_string())?
    {
        Value::Vector(v) => Ok(v
            .into_iter()
            .map(|s| SampleData {
                labels: s.labels,
                value: if s.h.is_some() { 0.0 } else { s.f },
                histogram: s.h,
            })
            .collect()),
        Value::Scalar(f) => Ok(vec![SampleData {
            labels: Labels::new(),
            value: f,
            histogram: None,
        }]),
        _ => Err("rule result is not a vector or scalar".to_string()),
    }
}

struct InputFeed<'a> {
    series: Vec<(&'a Labels, super::series::Cursor<'a>)>,
    start_ms: i64,
    interval_ms: i64,
    /// Prometheus before 2.49 loaded the input of a test group without `interval` 0s
    /// apart: every value at the start, where the first one of each series stays (the
    /// others, at the same time, are dropped).
    first_values_only: bool,
}

impl InputFeed<'_> {
    /// Appends every input sample at or before `t_ms`, except those before `floor`: no
    /// query can read them any more (they would be dropped at the next clean-up), so a test
    /// whose input is far denser than its evaluations does not hold all of it at once.
    fn load_until(&mut self, storage: &mut Storage, t_ms: i64, floor: Option<i64>) {
        if t_ms < self.start_ms {
            return;
        }
        if self.first_values_only {
            self.load_first_values(storage);
            return;
        }
        let max_step = ((t_ms - self.start_ms) / self.interval_ms.max(1)) as u64;
        for (labels, cur) in &mut self.series {
            while let Some(step) = cur.peek_step() {
                if step > max_step {
                    break;
                }
                let t = self.start_ms + step as i64 * self.interval_ms;
                if floor.is_some_and(|f| t < f) {
                    cur.next_item();
                    continue;
                }
                match cur.next_item() {
                    Some(Item::Float(f)) => storage.append(labels, t, StoredValue::Float(f)),
                    Some(Item::Stale) => storage.append(labels, t, StoredValue::Stale),
                    Some(Item::Histogram(h)) => {
                        storage.append(labels, t, StoredValue::Histogram(h));
                    }
                    Some(Item::Missing) => {}
                    None => break,
                }
            }
        }
    }
}

impl InputFeed<'_> {
    /// Appends the first value of every series at the start, once; the rest is never read.
    fn load_first_values(&mut self, storage: &mut Storage) {
        for (labels, cur) in self.series.drain(..) {
            let mut cur = cur;
            // A gap (`_x1000`) is skipped at once, so this takes as many steps as items.
            let value = loop {
                match cur.next_item() {
                    Some(Item::Missing) => {}
                    Some(Item::Float(f)) => break Some(StoredValue::Float(f)),
                    Some(Item::Stale) => break Some(StoredValue::Stale),
                    Some(Item::Histogram(h)) => break Some(StoredValue::Histogram(h)),
                    None => break None,
                }
            };
            if let Some(v) = value {
                storage.append(labels, self.start_ms, v);
            }
        }
    }
}

/// An alert under test while its group runs: the alerting rules of that name ((group, rule)
/// indices) and its state over the last steps, for the timeline a failure shows.
struct TrackedAlert {
    rules: Vec<(usize, usize)>,
    steps: VecDeque<TimelineStep>,
}

/// Runs a test group as the file says (Prometheus 3.x semantics, unless the file was loaded
/// for 2.x).
pub fn run_group(file: &TestFile, groups: &[&CompiledGroup], tg: &TestGroup) -> GroupOutcome {
    run_group_as(file, groups, tg, file.differences)
}

/// Runs a test group with Prometheus 3.x semantics but for `differences`.
pub(crate) fn run_group_as(
    file: &TestFile,
    groups: &[&CompiledGroup],
    tg: &TestGroup,
    differences: Differences,
) -> GroupOutcome {
    let ei = file.evaluation_interval_ms.max(1);
    let engine = Engine {
        lookback_delta_ms: LOOKBACK_MS,
        no_step_subquery_interval_ms: ei,
        max_samples: file.limits.max_query_samples,
        semantics: differences.semantics(),
    };
    let grammar = differences.grammar();
    let env = EvalEnv {
        engine: &engine,
        grammar: &grammar,
        external_labels: &tg.external_labels,
        external_url: &tg.external_url,
    };
    let mut storage = Storage::new();
    let mut feed = InputFeed {
        series: tg
            .input_series
            .iter()
            .map(|s| (&s.labels, s.values.cursor()))
            .collect(),
        start_ms: tg.start_ms,
        interval_ms: tg.interval_ms.max(1),
        first_values_only: !tg.interval_given && differences.contains(Difference::IntervalDefault),
    };
    let max_eval = tg.max_eval_time();
    let last_step_rel = (max_eval / ei) * ei;

    // Retention: the longest window any expression reads, or unbounded.
    let mut retention: Option<i64> = Some(0);
    let mut deferred = Vec::new();
    let mut in_sweep = Vec::new();
    for (i, p) in tg.promql_tests.iter().enumerate() {
        if let Some(l) = lookback_ms(&p.expr) {
            retention = retention.map(|r| r.max(l));
            in_sweep.push(i);
        } else {
            retention = None;
            deferred.push(i);
        }
    }
    for g in groups {
        for r in &g.rules {
            match lookback_ms(&r.expr) {
                Some(l) if !r.uses_query => {
                    retention = retention.map(|x| x.max(l.saturating_add(g.query_offset_ms)));
                }
                _ => retention = None,
            }
        }
    }
    in_sweep.sort_by_key(|i| tg.promql_tests[*i].eval_time_ms);
    let mut alert_order: Vec<usize> = (0..tg.alert_tests.len()).collect();
    alert_order.sort_by_key(|i| tg.alert_tests[*i].eval_time_ms);
    let tracked: std::collections::BTreeSet<&str> = tg
        .alert_tests
        .iter()
        .map(|a| a.alertname.as_str())
        .collect();

    let mut states: Vec<Vec<RuleState>> = groups
        .iter()
        .map(|g| g.rules.iter().map(|_| RuleState::default()).collect())
        .collect();
    let mut failures: Vec<Failure> = Vec::new();
    let mut rule_errors: Vec<Failure> = Vec::new();
    let mut history: std::collections::BTreeMap<&str, TrackedAlert> = tracked
        .iter()
        .map(|name| {
            let rules = groups
                .iter()
                .enumerate()
                .flat_map(|(gi, g)| g.rules.iter().enumerate().map(move |(ri, r)| (gi, ri, r)))
                .filter(|(_, _, r)| r.name == *name && matches!(r.kind, RuleKind::Alert { .. }))
                .map(|(gi, ri, _)| (gi, ri))
                .collect();
            let steps = VecDeque::with_capacity(TIMELINE_BEFORE + 1);
            (*name, TrackedAlert { rules, steps })
        })
        .collect();
    // Failures whose timeline still waits for later steps: (failure index, steps left).
    let mut open_timelines: Vec<(usize, usize)> = Vec::new();
    let mut next_alert = 0;
    let mut next_expr = 0;
    let mut steps = 0u64;

    let mut k: i64 = 0;
    loop {
        let rel = k * ei;
        if rel > max_eval {
            break;
        }
        let ts = tg.start_ms + rel;
        steps += 1;
        // No query from now on reads a sample older than the longest window before `ts` (and
        // one input interval, for the sample a window starts just after).
        let floor = retention.map(|ret| ts.saturating_sub(ret).saturating_sub(tg.interval_ms));
        feed.load_until(&mut storage, ts, floor);
        for (gi, g) in groups.iter().enumerate() {
            for (ri, r) in g.rules.iter().enumerate() {
                if let Err(message) = eval_rule(
                    &env,
                    &mut storage,
                    r,
                    &mut states[gi][ri],
                    ts,
                    g.query_offset_ms,
                ) {
                    rule_errors.push(Failure::RuleError {
                        rule: r.name.clone(),
                        group: g.name.clone(),
                        time_ms: rel,
                        message,
                    });
                }
            }
        }
        if !rule_errors.is_empty() {
            // promtool stops at the first evaluation with errors; expression tests never run.
            failures.retain(|f| matches!(f, Failure::Alert { .. }));
            failures.extend(rule_errors);
            failures.sort_by_key(Failure::order);
            return GroupOutcome { failures, steps };
        }

        // Alert state history of the alerts under test.
        for (name, tracked) in &mut history {
            let mut alerts = Vec::new();
            for &(gi, ri) in &tracked.rules {
                for (labels, a) in states[gi][ri].alerts() {
                    alerts.push(TimelineAlert {
                        labels: labels.clone(),
                        state: a.state,
                        active_at_ms: a.active_at_ms - tg.start_ms,
                    });
                }
            }
            let step = TimelineStep { t_ms: rel, alerts };
            for (fi, left) in &mut open_timelines {
                if let Some(Failure::Alert {
                    alertname,
                    timeline,
                    ..
                }) = failures.get_mut(*fi)
                    && alertname == name
                    && *left > 0
                {
                    timeline.push(step.clone());
                    *left -= 1;
                }
            }
            if tracked.steps.len() == TIMELINE_BEFORE {
                tracked.steps.pop_front();
            }
            tracked.steps.push_back(step);
        }
        open_timelines.retain(|(_, left)| *left > 0);

        // Alert checks covered by this evaluation: ts <= eval_time < ts + interval.
        while let Some(&ai) = alert_order.get(next_alert) {
            let at = &tg.alert_tests[ai];
            if !(rel <= at.eval_time_ms && at.eval_time_ms < rel + ei) {
                if at.eval_time_ms < rel {
                    next_alert += 1;
                    continue;
                }
                break;
            }
            next_alert += 1;
            // Every alert under test is tracked: its rules and last steps are in `history`.
            let tracked = &history[at.alertname.as_str()];
            let mut got = Vec::new();
            for &(gi, ri) in &tracked.rules {
                let r = &groups[gi].rules[ri];
                for (labels, a) in states[gi][ri].alerts() {
                    if a.state != AlertState::Firing {
                        continue;
                    }
                    got.push(AlertData {
                        labels: labels
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                        annotations: a.payload.annotations(&env, &storage, r),
                    });
                }
            }
            let mut expected: Vec<AlertData> = at
                .exp_alerts
                .iter()
                .map(|e| {
                    let mut labels = e.labels.clone();
                    labels.insert("alertname".to_string(), at.alertname.clone());
                    AlertData {
                        labels: labels.into_iter().collect(),
                        annotations: e.annotations.clone().into_iter().collect(),
                    }
                })
                .collect();
            let key = |a: &AlertData| (a.labels.clone(), a.annotations.clone());
            got.sort_by_key(key);
            expected.sort_by_key(key);
            if got != expected {
                let timeline: Vec<TimelineStep> = tracked.steps.iter().cloned().collect();
                failures.push(Failure::Alert {
                    index: at.index,
                    alertname: at.alertname.clone(),
                    eval_time_ms: at.eval_time_ms,
                    expected,
                    got,
                    timeline,
                    compared_at_ms: rel,
                });
                open_timelines.push((failures.len() - 1, TIMELINE_AFTER));
            }
        }

        // Expression tests whose data is complete: eval_time < ts + interval.
        while let Some(&pi) = in_sweep.get(next_expr) {
            let pt = &tg.promql_tests[pi];
            if pt.eval_time_ms >= rel + ei && rel < last_step_rel {
                break;
            }
            next_expr += 1;
            // promtool loads input samples up to its last evaluation before querying.
            let visible = pt.eval_time_ms.min(last_step_rel);
            feed.load_until(&mut storage, tg.start_ms + visible, floor);
            if let Some(f) = check_expr(file, &engine, &storage, tg, pi) {
                failures.push(f);
            }
        }

        if let Some(ret) = retention
            && k % 64 == 63
        {
            // Slack of two evaluations and one input interval past the longest window.
            storage.drop_before(
                ts.saturating_sub(ret)
                    .saturating_sub(2 * ei)
                    .saturating_sub(tg.interval_ms),
            );
        }
        k += 1;
    }
    // Whatever is left (eval times the sweep did not reach, and unbounded expressions).
    while let Some(&pi) = in_sweep.get(next_expr) {
        next_expr += 1;
        deferred.push(pi);
    }
    deferred.sort_unstable();
    for pi in deferred {
        feed.load_until(&mut storage, tg.start_ms + last_step_rel, None);
        if let Some(f) = check_expr(file, &engine, &storage, tg, pi) {
            failures.push(f);
        }
    }
    failures.sort_by_key(Failure::order);
    GroupOutcome { failures, steps }
}

fn check_expr(
    file: &TestFile,
    engine: &Engine,
    storage: &Storage,
    tg: &TestGroup,
    pi: usize,
) -> Option<Failure> {
    let pt = &tg.promql_tests[pi];
    match run_query(engine, storage, &pt.expr, tg.start_ms + pt.eval_time_ms) {
        Err(message) => Some(Failure::ExprError {
            index: pt.index,
            expr: pt.expr_text.clone(),
            eval_time_ms: pt.eval_time_ms,
            message,
        }),
        Ok(mut got) => {
            let mut expected: Vec<SampleData> = pt
                .exp_samples
                .iter()
                .map(|s| SampleData {
                    labels: s.labels.clone(),
                    value: s.value,
                    histogram: s.histogram.clone(),
                })
                .collect();
            sort_samples(&mut got);
            sort_samples(&mut expected);
            if samples_equal(&expected, &got, file.fuzzy_compare) {
                None
            } else {
                Some(Failure::Expr {
                    index: pt.index,
                    expr: pt.expr_text.clone(),
                    eval_time_ms: pt.eval_time_ms,
                    expected,
                    got,
                })
            }
        }
    }
}
