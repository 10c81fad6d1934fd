//! Rule groups as Prometheus' rule manager evaluates them: recording rules write their
//! output back to storage, alerting rules keep per-alert state (pending → firing after `for`,
//! `keep_firing_for`, resolved alerts kept 15 minutes) and write `ALERTS` and
//! `ALERTS_FOR_STATE`; series a rule stops returning are marked stale.

use alertlint_linter::model::RuleFile;
use prometheus_template::{QueryResultSample, TemplateContext};
use promql::Expr;
use promql::{Engine, Labels, Sample, Storage, StoredValue, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

pub(crate) use prometheus_alerting::AlertState;
use prometheus_alerting::{Alert, AlertingRule};

#[derive(Debug)]
pub enum RuleKind {
    Record,
    Alert {
        for_ms: i64,
        keep_firing_for_ms: i64,
        annotations: Vec<(String, String)>,
    },
}

#[derive(Debug)]
pub struct CompiledRule {
    pub name: String,
    pub kind: RuleKind,
    pub expr: Expr,
    /// Labels added by the rule (group labels first, rule labels overriding).
    pub labels: Vec<(String, String)>,
    /// Whether any label/annotation template calls `query` (then expansion must be eager).
    pub uses_query: bool,
    /// Whether the labels are all fixed (no template): an alert's output labels for a
    /// series can then be reused from one evaluation to the next.
    pub fixed_labels: bool,
}

#[derive(Debug)]
pub struct CompiledGroup {
    pub name: String,
    pub file: String,
    pub query_offset_ms: i64,
    pub rules: Vec<CompiledRule>,
}

/// Builds the evaluation model from loaded, validated rule files.
pub fn compile(files: &[RuleFile]) -> Vec<CompiledGroup> {
    let mut out = Vec::new();
    for f in files {
        for g in &f.groups {
            let query_offset_ms = g
                .query_offset
                .as_ref()
                .and_then(|s| prometheus_time::duration::parse_duration(&s.value).ok())
                .unwrap_or(0);
            let mut rules = Vec::new();
            for r in &g.rules {
                let Some(Ok(expr)) = &r.promql else { continue };
                let mut labels: Vec<(String, String)> = Vec::new();
                for p in g.labels.iter().chain(&r.labels) {
                    labels.retain(|(k, _)| *k != p.key.value);
                    labels.push((p.key.value.clone(), p.value.value.clone()));
                }
                let dur = |s: &Option<alertlint_linter::model::Str>| {
                    s.as_ref()
                        .and_then(|s| prometheus_time::duration::parse_duration(&s.value).ok())
                        .unwrap_or(0)
                };
                let mut uses_query = false;
                let kind = if r.is_alert() {
                    let mut annotations: Vec<(String, String)> = Vec::new();
                    for p in &r.annotations {
                        annotations.retain(|(k, _)| *k != p.key.value);
                        annotations.push((p.key.value.clone(), p.value.value.clone()));
                    }
                    annotations.sort();
                    uses_query = labels
                        .iter()
                        .chain(&annotations)
                        .any(|(_, v)| v.contains("query"));
                    RuleKind::Alert {
                        for_ms: dur(&r.for_),
                        keep_firing_for_ms: dur(&r.keep_firing_for),
                        annotations,
                    }
                } else {
                    RuleKind::Record
                };
                rules.push(CompiledRule {
                    name: r.name().to_string(),
                    kind,
                    expr: expr.clone(),
                    fixed_labels: !labels.iter().any(|(_, v)| v.contains("{{")),
                    labels,
                    uses_query,
                });
            }
            out.push(CompiledGroup {
                name: g.name.as_ref().map(|s| s.value.clone()).unwrap_or_default(),
                file: f.source.display_path(),
                query_offset_ms,
                rules,
            });
        }
    }
    out
}

/// Orders groups as promtool does: by position in `group_eval_order` (groups not listed
/// count as position 0), ties in file order.
pub fn order_groups<'a>(groups: &'a [CompiledGroup], order: &[String]) -> Vec<&'a CompiledGroup> {
    let mut v: Vec<&CompiledGroup> = groups.iter().collect();
    v.sort_by_key(|g| order.iter().position(|n| *n == g.name).unwrap_or(0));
    v
}

/// What annotations are expanded from, kept so expansion happens only when a test reads them.
#[derive(Debug, Clone)]
struct AnnotationInput {
    sample_labels: Labels,
    value: f64,
    eval_ms: i64,
}

/// What the unit-test runner keeps with each alert of the shared state machine: its
/// annotations, expanded at once when a template calls `query` (the storage moves on), else
/// when a test reads them.
#[derive(Debug, Clone)]
pub(crate) struct AlertPayload {
    annotations: Result<Vec<(String, String)>, AnnotationInput>,
}

pub(crate) type ActiveAlert = Alert<AlertPayload>;

/// Mutable state of one rule across evaluations.
#[derive(Debug, Default)]
pub(crate) struct RuleState {
    /// Series written at the previous evaluation (to mark the ones that vanish stale).
    previous: HashSet<Labels>,
    /// An alerting rule's alerts (Prometheus' state machine, shared with `backtest`);
    /// made at its first evaluation.
    alerting: Option<AlertingRule<Labels, AlertPayload>>,
    /// The `ALERTS` and `ALERTS_FOR_STATE` label sets of each alert for its state, rebuilt
    /// only when the state changes rather than at every evaluation.
    alert_series: HashMap<Labels, (AlertState, Labels, Labels)>,
    /// Output label set per result label set of the previous evaluation: result labels
    /// usually come back as the same shared sets step after step, so the output set is
    /// looked up instead of rebuilt. Only the last evaluation's sets are kept.
    out_labels: HashMap<Labels, Labels>,
}

impl RuleState {
    /// The alerts known now (pending, firing, resolved and still kept), by label set.
    pub(crate) fn alerts(&self) -> impl Iterator<Item = (&Labels, &ActiveAlert)> {
        self.alerting.iter().flat_map(|a| a.alerts().iter())
    }
}

pub(crate) struct EvalEnv<'a> {
    pub engine: &'a Engine,
    /// How templates' `query` calls are parsed (Prometheus 2.x's function names, or not).
    pub grammar: &'a promql::Options,
    pub external_labels: &'a BTreeMap<String, String>,
    pub external_url: &'a str,
}

/// The labels of a rule's output series: the sample's without its metric name, then
/// `overrides` in order (a later one wins, an empty value removes the label).
fn output_labels(sample: &Labels, overrides: impl Iterator<Item = (String, String)>) -> Labels {
    let nameless = sample.without_name();
    let own = nameless.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Labels::from_pairs(own.chain(overrides))
}

fn labels_map(l: &Labels) -> BTreeMap<String, String> {
    l.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn query_fn<'s>(
    engine: &'s Engine,
    grammar: &'s promql::Options,
    storage: &'s Storage,
    t_ms: i64,
) -> impl Fn(&str) -> Result<Vec<QueryResultSample>, String> + 's {
    move |q: &str| {
        let expr = promql::parse_with(q, grammar).map_err(|errors| {
            errors
                .first()
                .map_or_else(String::new, std::string::ToString::to_string)
        })?;
        match engine
            .instant(storage, &expr, t_ms)
            .map_err(|e| e.to_string())?
        {
            Value::Vector(v) => Ok(v
                .into_iter()
                .map(|s| QueryResultSample {
                    labels: labels_map(&s.labels),
                    value: s.f,
                })
                .collect()),
            Value::Scalar(f) => Ok(vec![QueryResultSample {
                labels: BTreeMap::new(),
                value: f,
            }]),
            _ => Err("query result is not a vector or scalar".to_string()),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn expand(
    env: &EvalEnv,
    storage: &Storage,
    rule_name: &str,
    text: &str,
    sample_labels: &BTreeMap<String, String>,
    value: f64,
    eval_ms: i64,
) -> String {
    let q = query_fn(env.engine, env.grammar, storage, eval_ms);
    let ctx = TemplateContext {
        labels: sample_labels,
        external_labels: env.external_labels,
        external_url: env.external_url,
        value,
        query: Some(&q),
    };
    prometheus_template::expand_alert_field(rule_name, text, &ctx, eval_ms)
}

impl AnnotationInput {
    /// The rule's annotations, expanded for this sample.
    fn expand(
        &self,
        env: &EvalEnv,
        storage: &Storage,
        rule: &CompiledRule,
    ) -> Vec<(String, String)> {
        let RuleKind::Alert { annotations, .. } = &rule.kind else {
            return Vec::new();
        };
        let sample_labels = labels_map(&self.sample_labels);
        annotations
            .iter()
            .map(|(k, v)| {
                let ev = expand(
                    env,
                    storage,
                    &rule.name,
                    v,
                    &sample_labels,
                    self.value,
                    self.eval_ms,
                );
                (k.clone(), ev)
            })
            .collect()
    }
}

impl AlertPayload {
    /// The alert's annotations, expanded as of its latest evaluation.
    pub(crate) fn annotations(
        &self,
        env: &EvalEnv,
        storage: &Storage,
        rule: &CompiledRule,
    ) -> Vec<(String, String)> {
        match &self.annotations {
            Ok(a) => a.clone(),
            Err(input) => input.expand(env, storage, rule),
        }
    }
}

/// Evaluates one rule at `ts_ms` and appends its output. Errors read like Prometheus'.
pub(crate) fn eval_rule(
    env: &EvalEnv,
    storage: &mut Storage,
    rule: &CompiledRule,
    state: &mut RuleState,
    ts_ms: i64,
    query_offset_ms: i64,
) -> Result<(), String> {
    let t = ts_ms.saturating_sub(query_offset_ms);
    let result = env
        .engine
        .instant(storage, &rule.expr, t)
        .map_err(|e| e.to_string())?;
    let samples: Vec<Sample> = match result {
        Value::Vector(v) => v,
        Value::Scalar(f) => vec![Sample {
            labels: Labels::new(),
            t_ms: t,
            f,
            h: None,
        }],
        _ => return Err("rule result is not a vector or scalar".to_string()),
    };
    let mut out: Vec<(Labels, StoredValue)> = Vec::new();
    match &rule.kind {
        RuleKind::Record => {
            let mut seen = HashSet::with_capacity(samples.len());
            let mut out_labels = HashMap::with_capacity(samples.len());
            for s in samples {
                let labels = match state.out_labels.get(&s.labels) {
                    Some(l) => l.clone(),
                    None => output_labels(
                        &s.labels,
                        std::iter::once(("__name__".to_string(), rule.name.clone()))
                            .chain(rule.labels.iter().cloned()),
                    ),
                };
                out_labels.insert(s.labels, labels.clone());
                if !seen.insert(labels.clone()) {
                    return Err(
                        "vector contains metrics with the same labelset after applying rule labels"
                            .to_string(),
                    );
                }
                let v = match s.h {
                    Some(h) => StoredValue::Histogram(h),
                    None => StoredValue::Float(s.f),
                };
                out.push((labels, v));
            }
            state.out_labels = out_labels;
        }
        RuleKind::Alert {
            for_ms,
            keep_firing_for_ms,
            ..
        } => {
            let mut results = Vec::with_capacity(samples.len());
            let mut out_labels = HashMap::new();
            for s in samples {
                let cached = if rule.fixed_labels {
                    state.out_labels.get(&s.labels).cloned()
                } else {
                    None
                };
                let labels = if let Some(l) = cached {
                    l
                } else {
                    let sample_labels = labels_map(&s.labels);
                    let templated = rule.labels.iter().map(|(k, v)| {
                        let ev = expand(env, storage, &rule.name, v, &sample_labels, s.f, ts_ms);
                        (k.clone(), ev)
                    });
                    let name = std::iter::once(("alertname".to_string(), rule.name.clone()));
                    output_labels(&s.labels, templated.chain(name))
                };
                if rule.fixed_labels {
                    out_labels.insert(s.labels.clone(), labels.clone());
                }
                let value = s.f;
                let input = AnnotationInput {
                    sample_labels: s.labels,
                    value,
                    eval_ms: ts_ms,
                };
                let annotations = if rule.uses_query {
                    Ok(input.expand(env, storage, rule))
                } else {
                    Err(input)
                };
                results.push((labels, value, AlertPayload { annotations }));
            }
            state.out_labels = out_labels;
            let alerting = state
                .alerting
                .get_or_insert_with(|| AlertingRule::new(*for_ms, *keep_firing_for_ms, 0));
            alerting.eval(ts_ms, results).map_err(|e| e.to_string())?;
            // Pending and firing alerts (returned now, or kept firing) write their series.
            let mut alert_series = HashMap::with_capacity(state.alert_series.len());
            for (labels, a) in alerting.alerts() {
                if a.state == AlertState::Inactive {
                    continue;
                }
                let (alerts, for_state) = match state.alert_series.remove(labels) {
                    Some((st, al, fs)) if st == a.state => (al, fs),
                    _ => {
                        let mut alerts = labels.iter().collect::<Vec<_>>();
                        alerts.push(("__name__", "ALERTS"));
                        alerts.push(("alertstate", a.state.as_str()));
                        let mut fs = labels.iter().collect::<Vec<_>>();
                        fs.push(("__name__", "ALERTS_FOR_STATE"));
                        (Labels::from_pairs(alerts), Labels::from_pairs(fs))
                    }
                };
                out.push((alerts.clone(), StoredValue::Float(1.0)));
                out.push((
                    for_state.clone(),
                    StoredValue::Float((a.active_at_ms as f64 / 1000.0).floor()),
                ));
                alert_series.insert(labels.clone(), (a.state, alerts, for_state));
            }
            state.alert_series = alert_series;
        }
    }
    let mut now = HashSet::with_capacity(out.len());
    for (l, v) in out {
        storage.append(&l, t, v);
        now.insert(l);
    }
    for l in &state.previous {
        if !now.contains(l) {
            storage.append(l, t, StoredValue::Stale);
        }
    }
    state.previous = now;
    Ok(())
}
