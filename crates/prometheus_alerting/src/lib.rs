//! Prometheus' alert state machine, as `rules/alerting.go` runs it at each evaluation of an
//! alerting rule: the series the expression returns become pending alerts, pending alerts
//! fire once they have been active for `for`, a firing alert whose series is gone is kept
//! firing for `keep_firing_for` (reset when the series returns), and a resolved alert is
//! kept 15 minutes (for the Alertmanager) and then forgotten; a series that comes back after
//! its alert resolved is a new alert. The group's `limit` fails an evaluation that leaves
//! more alerts active than it allows, and forgets every alert, as Prometheus does.
//!
//! One implementation for `alertlint test` (promtool's unit tests) and `alertlint backtest`
//! (replays against a server's history): both see exactly Prometheus' transitions.
//! Generic over the label set type (`L`) and what a caller keeps with each alert (`P`:
//! annotations, cached series), so neither caller's types leak into the other.

use std::collections::BTreeMap;

/// How long a resolved alert is kept (and sent to the Alertmanager as resolved): Prometheus'
/// `resolvedRetention`.
pub const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertState {
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// One alert of a rule: a label set the expression returned.
#[derive(Debug, Clone)]
pub struct Alert<P> {
    pub state: AlertState,
    /// When the expression first returned the series (this alert's `activeAt`).
    pub active_at_ms: i64,
    /// When it started firing.
    pub fired_at_ms: Option<i64>,
    /// When it resolved (it is then inactive).
    pub resolved_at_ms: Option<i64>,
    /// Since when a firing alert has been kept firing without its series.
    pub keep_firing_since_ms: Option<i64>,
    /// The sample value at the last evaluation that returned the series.
    pub value: f64,
    /// What the caller keeps with the alert, replaced at each evaluation that returns it.
    pub payload: P,
}

/// Why an evaluation failed. Prometheus' messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// Two samples with one label set once the rule's labels are applied.
    DuplicateLabelSet,
    /// More alerts active or pending than the group's `limit`: every alert is forgotten.
    LimitExceeded { limit: usize, alerts: usize },
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::DuplicateLabelSet => f.write_str(
                "vector contains metrics with the same labelset after applying alert labels",
            ),
            EvalError::LimitExceeded { limit, alerts } => {
                write!(f, "exceeded limit of {limit} with {alerts} alerts")
            }
        }
    }
}

impl std::error::Error for EvalError {}

/// A change of one alert's state at an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition<L> {
    pub labels: L,
    pub at_ms: i64,
    /// The state before (`Inactive` for a new alert).
    pub from: AlertState,
    /// The state after (`Inactive` for a resolved alert, or a pending one dropped).
    pub to: AlertState,
}

/// The alerts of one alerting rule across evaluations.
#[derive(Debug, Clone)]
pub struct AlertingRule<L, P> {
    for_ms: i64,
    keep_firing_for_ms: i64,
    /// The group's `limit` (0: none).
    limit: usize,
    active: BTreeMap<L, Alert<P>>,
}

impl<L: Ord + Clone, P> AlertingRule<L, P> {
    pub fn new(for_ms: i64, keep_firing_for_ms: i64, limit: usize) -> Self {
        AlertingRule {
            for_ms,
            keep_firing_for_ms,
            limit,
            active: BTreeMap::new(),
        }
    }

    /// The alerts known now: pending, firing, and resolved ones still kept, by label set.
    pub fn alerts(&self) -> &BTreeMap<L, Alert<P>> {
        &self.active
    }

    /// The alerts a caller may update in place (their payload).
    pub fn alerts_mut(&mut self) -> impl Iterator<Item = (&L, &mut Alert<P>)> {
        self.active.iter_mut()
    }

    /// One evaluation at `ts_ms` whose expression returned `results` (each series' final
    /// label set, value and payload), in Prometheus' order of updates. On a duplicate label
    /// set nothing changes; over the limit every alert is forgotten.
    pub fn eval(
        &mut self,
        ts_ms: i64,
        results: impl IntoIterator<Item = (L, f64, P)>,
    ) -> Result<(), EvalError> {
        self.eval_noting(ts_ms, results, None)
    }

    /// [`AlertingRule::eval`], appending each alert's change of state to `transitions` (in
    /// label order). Over the limit, every alert known before ends `Inactive`.
    pub fn eval_with_transitions(
        &mut self,
        ts_ms: i64,
        results: impl IntoIterator<Item = (L, f64, P)>,
        transitions: &mut Vec<Transition<L>>,
    ) -> Result<(), EvalError> {
        self.eval_noting(ts_ms, results, Some(transitions))
    }

    fn eval_noting(
        &mut self,
        ts_ms: i64,
        results: impl IntoIterator<Item = (L, f64, P)>,
        mut transitions: Option<&mut Vec<Transition<L>>>,
    ) -> Result<(), EvalError> {
        let mut note = |labels: &L, from: AlertState, to: AlertState| {
            if from != to
                && let Some(t) = transitions.as_deref_mut()
            {
                t.push(Transition {
                    labels: labels.clone(),
                    at_ms: ts_ms,
                    from,
                    to,
                });
            }
        };
        let mut current: BTreeMap<L, (f64, P)> = BTreeMap::new();
        for (labels, value, payload) in results {
            if current.insert(labels, (value, payload)).is_some() {
                return Err(EvalError::DuplicateLabelSet);
            }
        }
        let mut returned = Vec::with_capacity(current.len());
        for (labels, (value, payload)) in current {
            returned.push(labels.clone());
            match self.active.get_mut(&labels) {
                Some(a) if a.state != AlertState::Inactive => {
                    a.value = value;
                    a.payload = payload;
                }
                // New, or back after it resolved: a new alert.
                _ => {
                    note(&labels, AlertState::Inactive, AlertState::Pending);
                    self.active.insert(
                        labels,
                        Alert {
                            state: AlertState::Pending,
                            active_at_ms: ts_ms,
                            fired_at_ms: None,
                            resolved_at_ms: None,
                            keep_firing_since_ms: None,
                            value,
                            payload,
                        },
                    );
                }
            }
        }
        let mut forget = Vec::new();
        let mut active_or_pending = 0;
        for (labels, a) in &mut self.active {
            // `returned` is sorted, as the map's keys are.
            if returned.binary_search(labels).is_ok() {
                a.keep_firing_since_ms = None;
            } else {
                let mut keep_firing = false;
                if a.state == AlertState::Firing && self.keep_firing_for_ms > 0 {
                    let since = *a.keep_firing_since_ms.get_or_insert(ts_ms);
                    keep_firing = ts_ms - since < self.keep_firing_for_ms;
                }
                if a.state == AlertState::Pending
                    || a.resolved_at_ms
                        .is_some_and(|r| ts_ms - r > RESOLVED_RETENTION_MS)
                {
                    forget.push(labels.clone());
                }
                if a.state != AlertState::Inactive && !keep_firing {
                    note(labels, a.state, AlertState::Inactive);
                    a.state = AlertState::Inactive;
                    a.resolved_at_ms = Some(ts_ms);
                }
                if !keep_firing {
                    continue;
                }
            }
            active_or_pending += 1;
            if a.state == AlertState::Pending && ts_ms - a.active_at_ms >= self.for_ms {
                note(labels, AlertState::Pending, AlertState::Firing);
                a.state = AlertState::Firing;
                a.fired_at_ms = Some(ts_ms);
            }
        }
        for labels in forget {
            self.active.remove(&labels);
        }
        if self.limit > 0 && active_or_pending > self.limit {
            for (labels, a) in &self.active {
                note(labels, a.state, AlertState::Inactive);
            }
            self.active.clear();
            return Err(EvalError::LimitExceeded {
                limit: self.limit,
                alerts: active_or_pending,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    /// The state of alert `a` after each evaluation, one per minute, the series returned at
    /// the minutes marked `1` in `returned`.
    fn states(for_m: i64, keep_m: i64, returned: &str) -> String {
        let mut rule: AlertingRule<&str, ()> = AlertingRule::new(for_m * MIN, keep_m * MIN, 0);
        let mut out = String::new();
        for (i, c) in returned.chars().enumerate() {
            let ts = i64::try_from(i).expect("small") * MIN;
            let results = (c == '1').then_some(("a", 1.0, ()));
            rule.eval(ts, results).expect("evaluates");
            out.push(match rule.alerts().get("a").map(|a| a.state) {
                None => '.',
                Some(AlertState::Inactive) => 'r',
                Some(AlertState::Pending) => 'p',
                Some(AlertState::Firing) => 'F',
            });
        }
        out
    }

    #[test]
    fn pending_fires_after_for() {
        assert_eq!(states(0, 0, "0110"), ".FFr");
        assert_eq!(states(2, 0, "011110"), ".ppFFr");
        // Gone before `for`: forgotten at once, and a new alert after.
        assert_eq!(states(2, 0, "0110111"), ".pp.ppF");
    }

    #[test]
    fn keep_firing_for_bridges_short_gaps_and_resets() {
        // Two minutes without the series, kept firing; back, the count restarts.
        assert_eq!(states(0, 3, "110011000011"), "FFFFFFFFFrFF");
        // Pending alerts are not kept.
        assert_eq!(states(2, 5, "11011"), "pp.pp");
    }

    #[test]
    fn resolved_alerts_are_kept_fifteen_minutes_then_forgotten() {
        let mut pattern = "1".to_string();
        pattern.push_str(&"0".repeat(17));
        let s = states(0, 0, &pattern);
        // Resolved at minute 1, kept while resolved for at most 15 minutes: forgotten at the
        // first evaluation more than 15 minutes after.
        assert_eq!(&s[..2], "Fr");
        assert_eq!(s[1..17].chars().filter(|c| *c == 'r').count(), 16);
        assert_eq!(&s[17..], ".");
    }

    #[test]
    fn a_series_back_after_resolution_is_a_new_alert() {
        let mut rule: AlertingRule<&str, ()> = AlertingRule::new(MIN, 0, 0);
        rule.eval(0, [("a", 1.0, ())]).expect("ok");
        rule.eval(MIN, [("a", 1.0, ())]).expect("ok");
        assert_eq!(rule.alerts()["a"].state, AlertState::Firing);
        rule.eval(2 * MIN, []).expect("ok");
        assert_eq!(rule.alerts()["a"].state, AlertState::Inactive);
        rule.eval(3 * MIN, [("a", 2.0, ())]).expect("ok");
        let a = &rule.alerts()["a"];
        assert_eq!(
            (a.state, a.active_at_ms, a.value),
            (AlertState::Pending, 3 * MIN, 2.0)
        );
    }

    #[test]
    fn transitions_are_noted_as_they_happen() {
        let mut rule: AlertingRule<&str, ()> = AlertingRule::new(2 * MIN, 2 * MIN, 0);
        let mut t = Vec::new();
        for (m, returned) in [
            (0, true),
            (1, true),
            (2, true),
            (3, false),
            (4, false),
            (5, false),
        ] {
            let results = returned.then_some(("a", 1.0, ()));
            rule.eval_with_transitions(m * MIN, results, &mut t)
                .expect("ok");
        }
        let seen: Vec<(i64, AlertState, AlertState)> =
            t.iter().map(|t| (t.at_ms / MIN, t.from, t.to)).collect();
        assert_eq!(
            seen,
            [
                (0, AlertState::Inactive, AlertState::Pending),
                (2, AlertState::Pending, AlertState::Firing),
                (5, AlertState::Firing, AlertState::Inactive),
            ]
        );
    }

    #[test]
    fn duplicates_and_the_limit_fail_the_evaluation() {
        let mut rule: AlertingRule<&str, ()> = AlertingRule::new(0, 0, 1);
        assert_eq!(
            rule.eval(0, [("a", 1.0, ()), ("a", 2.0, ())]),
            Err(EvalError::DuplicateLabelSet)
        );
        assert!(rule.alerts().is_empty());
        rule.eval(0, [("a", 1.0, ())]).expect("within the limit");
        let err = rule
            .eval(MIN, [("a", 1.0, ()), ("b", 1.0, ())])
            .expect_err("over the limit");
        assert_eq!(err.to_string(), "exceeded limit of 1 with 2 alerts");
        assert!(rule.alerts().is_empty(), "every alert is forgotten");
    }
}
