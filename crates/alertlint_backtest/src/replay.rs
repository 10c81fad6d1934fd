//! Replays one alerting rule over its expression's history, as the rule's Prometheus would
//! have evaluated it: at each point of the group's evaluation grid, the series the range
//! query returned there are the expression's result, and Prometheus' alert state machine
//! ([`prometheus_alerting`], the one `alertlint test` uses) turns them into pending and firing
//! alerts. What comes out is each alert's firing intervals, from which [`RuleReport`] counts
//! fires, firing time, flaps and label churn.

use crate::series::Chunk;
use prometheus_alerting::{AlertState, AlertingRule, Transition};
use prometheus_template::TemplateContext;
use std::collections::{BTreeMap, BTreeSet};

/// A rule's labels: the series' labels without `__name__`, the rule's labels and `alertname`.
pub type LabelSet = BTreeMap<String, String>;

/// What the replay needs of an alerting rule and its group.
#[derive(Debug, Clone)]
pub struct AlertRule {
    pub name: String,
    pub for_ms: i64,
    pub keep_firing_for_ms: i64,
    /// The group's `limit` (0: none).
    pub limit: usize,
    /// The rule's labels, as written (templates are expanded per series and evaluation).
    pub labels: Vec<(String, String)>,
    /// The group's evaluation interval.
    pub interval_ms: i64,
    /// The group's `query_offset`: each evaluation at `t` queries `t - query_offset`.
    pub query_offset_ms: i64,
}

impl AlertRule {
    /// How long before a window the history must start for alerts already pending or kept
    /// firing at its start to be right: `for + keep_firing_for + interval`.
    pub fn warm_up_ms(&self) -> i64 {
        self.for_ms + self.keep_firing_for_ms + self.interval_ms
    }
}

/// One alert's firing, from the evaluation that made it fire to the one that resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    pub labels: LabelSet,
    /// When it fired (pending → firing).
    pub fired_at_ms: i64,
    /// When it resolved; `None` while still firing at the end of the window.
    pub resolved_at_ms: Option<i64>,
    /// It had fired before the window started.
    pub before_window: bool,
}

/// An evaluation that failed, as Prometheus would have logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalFailure {
    pub at_ms: i64,
    pub message: String,
}

/// A rule's replay in progress: fed the chunks of its expression's range query in time order.
pub struct Replay {
    rule: AlertRule,
    window_start_ms: i64,
    machine: AlertingRule<LabelSet, ()>,
    transitions: Vec<Transition<LabelSet>>,
    /// Firing intervals still open, by label set.
    open: BTreeMap<LabelSet, Firing>,
    firings: Vec<Firing>,
    failures: Vec<EvalFailure>,
    /// Whether any rule label is a template (then labels are expanded per sample).
    templated: bool,
    /// The last evaluation replayed, so that a chunk that repeats points is not replayed
    /// twice.
    last_eval_ms: Option<i64>,
    max_concurrent: usize,
}

impl Replay {
    /// A replay whose report covers evaluations from `window_start_ms` on; earlier ones only
    /// warm the state machine up.
    pub fn new(rule: AlertRule, window_start_ms: i64) -> Replay {
        let templated = rule.labels.iter().any(|(_, v)| v.contains("{{"));
        let machine = AlertingRule::new(rule.for_ms, rule.keep_firing_for_ms, rule.limit);
        Replay {
            rule,
            window_start_ms,
            machine,
            transitions: Vec::new(),
            open: BTreeMap::new(),
            firings: Vec::new(),
            failures: Vec::new(),
            templated,
            last_eval_ms: None,
            max_concurrent: 0,
        }
    }

    /// Replays the evaluations of one chunk: every grid point from its start to its end, with
    /// the series that have a sample there (`step_ms`: the chunk's grid step).
    pub fn feed(&mut self, chunk: &Chunk, step_ms: i64) {
        if step_ms <= 0 || chunk.end_ms < chunk.start_ms {
            return;
        }
        let points = usize::try_from((chunk.end_ms - chunk.start_ms) / step_ms + 1).unwrap_or(0);
        // The samples of each grid point, as (series, value).
        let mut at: Vec<Vec<(usize, f64)>> = vec![Vec::new(); points];
        for (i, s) in chunk.series.iter().enumerate() {
            for &(t, v) in &s.samples {
                let offset = t - chunk.start_ms;
                if offset < 0 || offset % step_ms != 0 {
                    // Off the grid (a server that moved it): not an evaluation of this rule.
                    continue;
                }
                if let Some(bucket) = usize::try_from(offset / step_ms)
                    .ok()
                    .and_then(|k| at.get_mut(k))
                {
                    bucket.push((i, v));
                }
            }
        }
        let fixed: Vec<Option<LabelSet>> = if self.templated {
            vec![None; chunk.series.len()]
        } else {
            chunk
                .series
                .iter()
                .map(|s| Some(self.output_labels(&s.labels, 0.0, 0)))
                .collect()
        };
        for (k, samples) in at.into_iter().enumerate() {
            let query_ms = chunk.start_ms + i64::try_from(k).unwrap_or(i64::MAX / 2) * step_ms;
            let eval_ms = query_ms + self.rule.query_offset_ms;
            if self.last_eval_ms.is_some_and(|last| eval_ms <= last) {
                continue;
            }
            self.last_eval_ms = Some(eval_ms);
            let results: Vec<(LabelSet, f64, ())> = samples
                .into_iter()
                .map(|(i, v)| {
                    let labels = match &fixed[i] {
                        Some(l) => l.clone(),
                        None => self.output_labels(&chunk.series[i].labels, v, eval_ms),
                    };
                    (labels, v, ())
                })
                .collect();
            self.eval(eval_ms, results);
        }
    }

    fn eval(&mut self, eval_ms: i64, results: Vec<(LabelSet, f64, ())>) {
        self.transitions.clear();
        let outcome = self
            .machine
            .eval_with_transitions(eval_ms, results, &mut self.transitions);
        if let Err(e) = outcome {
            self.failures.push(EvalFailure {
                at_ms: eval_ms,
                message: e.to_string(),
            });
        }
        for t in self.transitions.drain(..) {
            match (t.from, t.to) {
                (_, AlertState::Firing) => {
                    self.open.insert(
                        t.labels.clone(),
                        Firing {
                            labels: t.labels,
                            fired_at_ms: t.at_ms,
                            resolved_at_ms: None,
                            before_window: t.at_ms < self.window_start_ms,
                        },
                    );
                }
                (AlertState::Firing, _) => {
                    if let Some(mut f) = self.open.remove(&t.labels) {
                        f.resolved_at_ms = Some(t.at_ms);
                        if t.at_ms >= self.window_start_ms {
                            self.firings.push(f);
                        }
                    }
                }
                _ => {}
            }
        }
        if eval_ms >= self.window_start_ms {
            let firing = self
                .machine
                .alerts()
                .values()
                .filter(|a| a.state == AlertState::Firing)
                .count();
            self.max_concurrent = self.max_concurrent.max(firing);
        }
    }

    /// An alert's labels for a sample: the series' without `__name__`, the rule's (expanded;
    /// an empty value removes the label), and `alertname`.
    fn output_labels(
        &self,
        series: &BTreeMap<String, String>,
        value: f64,
        eval_ms: i64,
    ) -> LabelSet {
        let mut labels: LabelSet = series
            .iter()
            .filter(|(k, _)| k.as_str() != "__name__")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in &self.rule.labels {
            let empty = BTreeMap::new();
            let ctx = TemplateContext {
                labels: series,
                external_labels: &empty,
                external_url: "",
                value,
                // A template's `query` would need the server at that time: not replayed.
                query: None,
            };
            let value = prometheus_template::expand_alert_field(&self.rule.name, v, &ctx, eval_ms);
            if value.is_empty() {
                labels.remove(k);
            } else {
                labels.insert(k.clone(), value);
            }
        }
        labels.insert("alertname".to_string(), self.rule.name.clone());
        labels
    }

    /// The report over the window, which ends at `end_ms` (alerts still firing then are
    /// counted up to it).
    pub fn finish(mut self, end_ms: i64, flap_window_ms: i64) -> RuleReport {
        let mut firings = std::mem::take(&mut self.firings);
        firings.extend(std::mem::take(&mut self.open).into_values());
        firings.sort_by(|a, b| (a.fired_at_ms, &a.labels).cmp(&(b.fired_at_ms, &b.labels)));
        RuleReport::new(
            firings,
            self.failures,
            self.window_start_ms,
            end_ms,
            flap_window_ms,
            self.max_concurrent,
        )
    }
}

/// What a rule did over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleReport {
    /// Every firing that overlaps the window, in time order.
    pub firings: Vec<Firing>,
    pub failures: Vec<EvalFailure>,
    /// Alerts that started firing in the window.
    pub fires: usize,
    /// Of those: fires of a label set within the flap window after it resolved.
    pub flaps: usize,
    /// Alerts already firing when the window started.
    pub firing_at_start: usize,
    /// Time firing within the window, summed over alerts.
    pub firing_ms: i64,
    /// The longest and the median firing, within the window.
    pub max_firing_ms: i64,
    pub median_firing_ms: i64,
    /// The label sets that fired.
    pub label_sets: usize,
    /// The most alerts firing at once.
    pub max_concurrent: usize,
    pub window_ms: i64,
}

impl RuleReport {
    fn new(
        firings: Vec<Firing>,
        failures: Vec<EvalFailure>,
        start_ms: i64,
        end_ms: i64,
        flap_window_ms: i64,
        max_concurrent: usize,
    ) -> RuleReport {
        let mut durations: Vec<i64> = firings
            .iter()
            .map(|f| f.resolved_at_ms.unwrap_or(end_ms).min(end_ms) - f.fired_at_ms.max(start_ms))
            .map(|d| d.max(0))
            .collect();
        let firing_ms = durations.iter().sum();
        durations.sort_unstable();
        let median_firing_ms = match durations.len() {
            0 => 0,
            n if n % 2 == 1 => durations[n / 2],
            n => i64::midpoint(durations[n / 2 - 1], durations[n / 2]),
        };
        let mut last_resolved: BTreeMap<&LabelSet, i64> = BTreeMap::new();
        let mut flaps = 0;
        for f in &firings {
            if let Some(r) = last_resolved.get(&f.labels)
                && f.fired_at_ms - r <= flap_window_ms
            {
                flaps += 1;
            }
            if let Some(r) = f.resolved_at_ms {
                last_resolved.insert(&f.labels, r);
            }
        }
        let label_sets = firings
            .iter()
            .map(|f| &f.labels)
            .collect::<BTreeSet<_>>()
            .len();
        RuleReport {
            fires: firings.iter().filter(|f| !f.before_window).count(),
            firing_at_start: firings.iter().filter(|f| f.before_window).count(),
            max_firing_ms: durations.last().copied().unwrap_or(0),
            median_firing_ms,
            firing_ms,
            flaps,
            label_sets,
            max_concurrent,
            window_ms: end_ms - start_ms,
            firings,
            failures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Series;

    const MIN: i64 = 60_000;

    fn rule(for_m: i64, keep_m: i64) -> AlertRule {
        AlertRule {
            name: "Down".to_string(),
            for_ms: for_m * MIN,
            keep_firing_for_ms: keep_m * MIN,
            limit: 0,
            labels: vec![("severity".to_string(), "page".to_string())],
            interval_ms: MIN,
            query_offset_ms: 0,
        }
    }

    /// A chunk of one series present at the minutes marked `1`.
    fn chunk(pattern: &str, instance: &str) -> Chunk {
        let samples = pattern
            .chars()
            .enumerate()
            .filter(|(_, c)| *c == '1')
            .map(|(i, _)| (i64::try_from(i).expect("small") * MIN, 1.0))
            .collect();
        Chunk {
            start_ms: 0,
            end_ms: i64::try_from(pattern.len() - 1).expect("small") * MIN,
            series: vec![Series {
                labels: [("__name__", "up"), ("instance", instance)]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                samples,
            }],
            warnings: Vec::new(),
            infos: Vec::new(),
        }
    }

    #[test]
    fn fires_flaps_and_firing_time() {
        // Fires at 2 (for 2m), resolves at 4 when the series is gone; fires again at 9,
        // within the flap window, and resolves at 11.
        let mut r = Replay::new(rule(2, 0), 0);
        r.feed(&chunk("11110001111000", "a"), MIN);
        let report = r.finish(13 * MIN, 60 * MIN);
        assert_eq!(report.fires, 2);
        assert_eq!(report.flaps, 1);
        assert_eq!(report.firing_ms, 2 * MIN + 2 * MIN);
        assert_eq!(report.label_sets, 1);
        let labels = &report.firings[0].labels;
        assert_eq!(labels.get("alertname").map(String::as_str), Some("Down"));
        assert_eq!(labels.get("severity").map(String::as_str), Some("page"));
        assert!(!labels.contains_key("__name__"));
    }

    #[test]
    fn keep_firing_for_merges_short_gaps() {
        let mut r = Replay::new(rule(0, 3), 0);
        r.feed(&chunk("1100110000", "a"), MIN);
        let report = r.finish(9 * MIN, 60 * MIN);
        assert_eq!(report.fires, 1, "{report:?}");
        assert_eq!(report.flaps, 0);
    }

    #[test]
    fn warm_up_marks_fires_before_the_window() {
        let mut r = Replay::new(rule(1, 0), 5 * MIN);
        r.feed(&chunk("1111111100", "a"), MIN);
        let report = r.finish(9 * MIN, 60 * MIN);
        assert_eq!((report.fires, report.firing_at_start), (0, 1));
        // Counted from the window's start to the resolution at 8.
        assert_eq!(report.firing_ms, 3 * MIN);
    }

    #[test]
    fn value_in_labels_churns_label_sets() {
        let mut rule = rule(0, 0);
        rule.labels
            .push(("current".to_string(), "{{ $value }}".to_string()));
        let mut r = Replay::new(rule, 0);
        let mut c = chunk("1111", "a");
        for (i, s) in c.series[0].samples.iter_mut().enumerate() {
            s.1 = i as f64;
        }
        r.feed(&c, MIN);
        let report = r.finish(3 * MIN, 60 * MIN);
        assert_eq!(report.label_sets, 4, "{report:?}");
    }
}
