//! Replays synthesized series through a rule as Prometheus' rule manager would: every
//! `interval` from time 0 (as `promtool test rules` evaluates), the recording rules the alert
//! reads first (their output written back, and marked stale when a series stops), then the
//! alert through the shared alert state machine ([`prometheus_alerting`]).

use super::inputs::Value as SampleValue;
use prometheus_alerting::{AlertState, AlertingRule};
use prometheus_template::TemplateContext;
use promql::{Engine, Expr, Labels, Storage, StoredValue, Value};
use std::collections::{BTreeMap, HashSet};

/// A recording rule the alert reads, directly or through others.
#[derive(Debug, Clone)]
pub(crate) struct Recording<'a> {
    pub(crate) name: &'a str,
    pub(crate) expr: &'a Expr,
    /// The rule's labels, group labels first.
    pub(crate) labels: Vec<(String, String)>,
}

/// The alerting rule replayed.
#[derive(Debug, Clone)]
pub(crate) struct AlertSpec<'a> {
    pub(crate) name: &'a str,
    pub(crate) expr: &'a Expr,
    /// The rule's labels, group labels first; templates expanded per series.
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) for_ms: i64,
    pub(crate) keep_firing_for_ms: i64,
    pub(crate) limit: usize,
}

/// What is evaluated at each step.
#[derive(Debug, Clone)]
pub(crate) struct Program<'a> {
    /// In an order where each comes after those it reads.
    pub(crate) recordings: Vec<Recording<'a>>,
    pub(crate) alert: AlertSpec<'a>,
    pub(crate) interval_ms: i64,
    pub(crate) query_offset_ms: i64,
}

/// The alerts firing after one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub(crate) t_ms: i64,
    /// Each firing alert: its labels, the labels of the series it was last returned for
    /// (what its annotations are expanded with) and that series' value.
    pub(crate) firing: Vec<Firing>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Firing {
    pub(crate) labels: Labels,
    pub(crate) series: Labels,
    pub(crate) value: f64,
}

/// Why a replay stopped: the evaluation failed as Prometheus' would.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunError(pub(crate) String);

/// A storage holding the series.
pub(crate) fn storage(series: &[super::inputs::SeriesSamples]) -> Storage {
    let mut s = Storage::new();
    for (labels, samples) in series {
        for &(t, v) in samples {
            let v = match v {
                SampleValue::Float(f) => StoredValue::Float(f),
                SampleValue::Stale => StoredValue::Stale,
            };
            s.append(labels, t, v);
        }
    }
    s
}

/// The recording rules' state between evaluations: which series each returned last.
struct Recorder<'p, 'a> {
    program: &'p Program<'a>,
    last: Vec<HashSet<Labels>>,
}

impl<'p, 'a> Recorder<'p, 'a> {
    fn new(program: &'p Program<'a>) -> Self {
        Recorder {
            program,
            last: vec![HashSet::new(); program.recordings.len()],
        }
    }

    /// Evaluates every recording rule at `t_ms`, writing what it returns into `storage`.
    fn eval(&mut self, engine: &Engine, storage: &mut Storage, t_ms: i64) -> Result<(), RunError> {
        let query_ms = t_ms - self.program.query_offset_ms;
        for (i, r) in self.program.recordings.iter().enumerate() {
            let samples = evaluate(engine, storage, r.expr, query_ms)
                .map_err(|e| RunError(format!("recording rule `{}` failed: {}", r.name, e.0)))?;
            let mut now = HashSet::new();
            for (labels, f) in samples {
                let mut l = labels.with("__name__", r.name);
                for (k, v) in &r.labels {
                    l = l.with(k, v);
                }
                storage.append(&l, t_ms, StoredValue::Float(f));
                now.insert(l);
            }
            for gone in self.last[i].difference(&now) {
                storage.append(gone, t_ms, StoredValue::Stale);
            }
            self.last[i] = now;
        }
        Ok(())
    }
}

/// Whether the alert's expression returns any series at `t_ms`, the recording rules having
/// been evaluated at every step of the `recorded_window_ms` before it (what the alert reads
/// of their output; their own inputs are there from time 0).
pub(crate) fn holds_at(
    engine: &Engine,
    storage: &mut Storage,
    program: &Program,
    t_ms: i64,
    recorded_window_ms: i64,
) -> Result<bool, RunError> {
    let mut recorder = Recorder::new(program);
    if !program.recordings.is_empty() {
        let from = (t_ms - recorded_window_ms - program.interval_ms).max(0);
        let mut t = from - from % program.interval_ms;
        while t <= t_ms {
            recorder.eval(engine, storage, t)?;
            t += program.interval_ms;
        }
    }
    let samples = evaluate(
        engine,
        storage,
        program.alert.expr,
        t_ms - program.query_offset_ms,
    )?;
    Ok(!samples.is_empty())
}

/// The samples an expression returns at `t_ms`, as a rule reads them (a scalar is one
/// sample without labels).
fn evaluate(
    engine: &Engine,
    storage: &Storage,
    expr: &Expr,
    t_ms: i64,
) -> Result<Vec<(Labels, f64)>, RunError> {
    match engine.instant(storage, expr, t_ms) {
        Ok(Value::Vector(v)) => Ok(v.into_iter().map(|s| (s.labels, s.f)).collect()),
        Ok(Value::Scalar(f)) => Ok(vec![(Labels::new(), f)]),
        Ok(_) => Ok(Vec::new()),
        Err(e) => Err(RunError(e.to_string())),
    }
}

/// Replays the program from 0 to `end_ms`: the firing alerts after each evaluation.
pub(crate) fn run(
    engine: &Engine,
    storage: &mut Storage,
    program: &Program,
    end_ms: i64,
) -> Result<Vec<Step>, RunError> {
    let mut recorder = Recorder::new(program);
    let a = &program.alert;
    let mut rule: AlertingRule<Labels, Labels> =
        AlertingRule::new(a.for_ms, a.keep_firing_for_ms, a.limit);
    let mut steps = Vec::new();
    let mut t = 0;
    while t <= end_ms {
        recorder.eval(engine, storage, t)?;
        let query_ms = t - program.query_offset_ms;
        let samples = evaluate(engine, storage, a.expr, query_ms)?;
        let results: Vec<(Labels, f64, Labels)> = samples
            .into_iter()
            .map(|(l, f)| (alert_labels(a, &l, f, t), f, l))
            .collect();
        rule.eval(t, results).map_err(|e| RunError(e.to_string()))?;
        let firing = rule
            .alerts()
            .iter()
            .filter(|(_, al)| al.state == AlertState::Firing)
            .map(|(l, al)| Firing {
                labels: l.clone(),
                series: al.payload.clone(),
                value: al.value,
            })
            .collect();
        steps.push(Step { t_ms: t, firing });
        t += program.interval_ms;
    }
    Ok(steps)
}

/// An alert's labels for one series: the series' labels without its name, `alertname`, and
/// the rule's labels expanded for the series (an empty value removes the label). Templates
/// see the series' labels with its name, as Prometheus' `$labels` does.
pub(crate) fn alert_labels(a: &AlertSpec, series: &Labels, value: f64, t_ms: i64) -> Labels {
    let mut l = series.without_name().with("alertname", a.name);
    if a.labels.is_empty() {
        return l;
    }
    let map: BTreeMap<String, String> = series
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in &a.labels {
        l = l.with(k, &expand(a.name, v, &map, value, t_ms));
    }
    l
}

/// A label or annotation template expanded for one series, as the rule manager expands it
/// (no external labels or URL: `promtool test rules` has none unless a test sets them).
pub(crate) fn expand(
    alert: &str,
    text: &str,
    labels: &BTreeMap<String, String>,
    value: f64,
    t_ms: i64,
) -> String {
    let empty = BTreeMap::new();
    let ctx = TemplateContext {
        labels,
        external_labels: &empty,
        external_url: "",
        value,
        query: None,
    };
    prometheus_template::expand_alert_field(alert, text, &ctx, t_ms)
}
