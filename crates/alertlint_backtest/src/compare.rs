//! How far a replay agrees with what really happened: the firing alerts the server recorded in
//! its `ALERTS{alertstate="firing"}` series, compared point by point on the rule's evaluation
//! grid with the replay's firings (same alert labels at the same time). Precision: the share
//! of the replay's firing points that really fired; recall: the share of the real ones the
//! replay found.

use crate::replay::{Firing, LabelSet};
use crate::series::Chunk;
use std::collections::{BTreeMap, BTreeSet};

/// Firing points of the replay and of the server's `ALERTS`, and those they share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Agreement {
    pub replayed: u64,
    pub actual: u64,
    pub both: u64,
}

impl Agreement {
    /// The share of replayed firing points that really fired (`None` without any).
    #[allow(clippy::cast_precision_loss)]
    pub fn precision(&self) -> Option<f64> {
        (self.replayed > 0).then(|| self.both as f64 / self.replayed as f64)
    }

    /// The share of real firing points the replay found (`None` without any).
    #[allow(clippy::cast_precision_loss)]
    pub fn recall(&self) -> Option<f64> {
        (self.actual > 0).then(|| self.both as f64 / self.actual as f64)
    }
}

/// Collects the real firing points of one alert from the chunks of its `ALERTS` range query.
#[derive(Debug, Default)]
pub struct ActualFiring {
    /// Per label set (without `__name__` and `alertstate`), the grid times it was firing.
    points: BTreeMap<LabelSet, BTreeSet<i64>>,
}

impl ActualFiring {
    pub fn new() -> ActualFiring {
        ActualFiring::default()
    }

    /// Adds a chunk of `ALERTS{alertname="…", alertstate="firing"}`.
    pub fn feed(&mut self, chunk: &Chunk) {
        for s in &chunk.series {
            let labels: LabelSet = s
                .labels
                .iter()
                .filter(|(k, _)| k.as_str() != "__name__" && k.as_str() != "alertstate")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            self.points
                .entry(labels)
                .or_default()
                .extend(s.samples.iter().map(|(t, _)| *t));
        }
    }

    /// The agreement with the replay's `firings` on the grid `start_ms + k × step_ms` up to
    /// `end_ms` (the query's grid: the times the points above are at).
    pub fn agreement(
        &self,
        firings: &[Firing],
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Agreement {
        let mut replayed: BTreeMap<&LabelSet, BTreeSet<i64>> = BTreeMap::new();
        if step_ms > 0 {
            for f in firings {
                let from = f.fired_at_ms.max(start_ms);
                let to = f.resolved_at_ms.unwrap_or(end_ms + 1).min(end_ms + 1);
                // The first grid point at or after `from`.
                let first =
                    start_ms + (from - start_ms + step_ms - 1).div_euclid(step_ms) * step_ms;
                let set = replayed.entry(&f.labels).or_default();
                let mut t = first;
                while t < to {
                    set.insert(t);
                    t += step_ms;
                }
            }
        }
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let mut a = Agreement {
            replayed: count(replayed.values().map(BTreeSet::len).sum()),
            actual: count(self.points.values().map(BTreeSet::len).sum()),
            both: 0,
        };
        for (labels, times) in &replayed {
            if let Some(actual) = self.points.get(*labels) {
                a.both += count(times.intersection(actual).count());
            }
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Series;

    const MIN: i64 = 60_000;

    fn labels(instance: &str) -> LabelSet {
        [("alertname", "Down"), ("instance", instance)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn agreement_counts_shared_points_per_label_set() {
        let mut actual = ActualFiring::new();
        let mut series_labels = labels("a");
        series_labels.insert("__name__".into(), "ALERTS".into());
        series_labels.insert("alertstate".into(), "firing".into());
        actual.feed(&Chunk {
            start_ms: 0,
            end_ms: 9 * MIN,
            series: vec![Series {
                labels: series_labels,
                samples: (3..7).map(|m| (m * MIN, 1.0)).collect(),
            }],
            warnings: Vec::new(),
            infos: Vec::new(),
        });
        // The replay: a fired from 2 to 6 (4 points: 2, 3, 4, 5), b from 8 on (8, 9).
        let firings = [
            Firing {
                labels: labels("a"),
                fired_at_ms: 2 * MIN,
                resolved_at_ms: Some(6 * MIN),
                before_window: false,
            },
            Firing {
                labels: labels("b"),
                fired_at_ms: 8 * MIN,
                resolved_at_ms: None,
                before_window: false,
            },
        ];
        let a = actual.agreement(&firings, 0, 9 * MIN, MIN);
        assert_eq!(
            a,
            Agreement {
                replayed: 6,
                actual: 4,
                both: 3
            }
        );
        assert_eq!(a.precision(), Some(0.5));
        assert_eq!(a.recall(), Some(0.75));
    }
}
