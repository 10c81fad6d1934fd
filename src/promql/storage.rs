//! In-memory series storage, indexed by metric name.

use std::borrow::Cow;
use std::collections::HashMap;

use super::histogram::FloatHistogram;
use super::labels::Labels;

/// Prometheus' staleness marker bit pattern; kept distinct from ordinary NaN.
pub const STALE_NAN_BITS: u64 = 0x7ff0000000000002;

pub fn is_stale_nan(f: f64) -> bool {
    f.to_bits() == STALE_NAN_BITS
}

#[derive(Clone, Debug, PartialEq)]
pub enum StoredValue {
    Float(f64),
    Histogram(FloatHistogram),
    Stale,
}

#[derive(Debug, Default)]
pub(crate) struct StoredSeries {
    pub labels: Labels,
    /// Float samples and staleness markers (as `STALE_NAN_BITS`).
    pub floats: Vec<(i64, f64)>,
    pub histograms: Vec<(i64, FloatHistogram)>,
    /// Stale markers present: matrix reads must filter them out.
    pub has_stale: bool,
    /// Timestamps of stale markers, to let them end histogram runs too.
    pub stale_ts: Vec<i64>,
}

/// The latest sample at or before a time, as seen by an instant selector.
pub(crate) enum Latest<'a> {
    Float(i64, f64),
    Histogram(i64, &'a FloatHistogram),
}

impl StoredSeries {
    /// Latest non-stale sample in `(mint, maxt]`; a staleness marker that is
    /// newer than every sample ends the series.
    pub fn latest(&self, mint: i64, maxt: i64) -> Option<Latest<'_>> {
        let fi = self.floats.partition_point(|(t, _)| *t <= maxt);
        let hi = self.histograms.partition_point(|(t, _)| *t <= maxt);
        let f = if fi > 0 {
            Some(self.floats[fi - 1])
        } else {
            None
        };
        let h = if hi > 0 {
            Some(&self.histograms[hi - 1])
        } else {
            None
        };
        let pick_float = match (f, h) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((ft, _)), Some((ht, _))) => ft >= *ht,
        };
        if pick_float {
            let (t, v) = f?;
            if t <= mint || is_stale_nan(v) {
                return None;
            }
            Some(Latest::Float(t, v))
        } else {
            let (t, hv) = h?;
            if *t <= mint {
                return None;
            }
            Some(Latest::Histogram(*t, hv))
        }
    }

    /// Float samples in `(mint, maxt]`, without staleness markers.
    pub fn floats_in(&self, mint: i64, maxt: i64) -> Cow<'_, [(i64, f64)]> {
        let lo = self.floats.partition_point(|(t, _)| *t <= mint);
        let hi = self.floats.partition_point(|(t, _)| *t <= maxt);
        if lo >= hi {
            return Cow::Borrowed(&[]);
        }
        let s = &self.floats[lo..hi];
        if self.has_stale && s.iter().any(|(_, v)| is_stale_nan(*v)) {
            Cow::Owned(
                s.iter()
                    .filter(|(_, v)| !is_stale_nan(*v))
                    .copied()
                    .collect(),
            )
        } else {
            Cow::Borrowed(s)
        }
    }

    pub fn histograms_in(&self, mint: i64, maxt: i64) -> &[(i64, FloatHistogram)] {
        let lo = self.histograms.partition_point(|(t, _)| *t <= mint);
        let hi = self.histograms.partition_point(|(t, _)| *t <= maxt);
        if lo >= hi {
            &[]
        } else {
            &self.histograms[lo..hi]
        }
    }
}

/// In-memory series store. Appends per series must be in non-decreasing
/// time order; an append at the same timestamp replaces the sample.
#[derive(Debug, Default)]
pub struct Storage {
    pub(crate) series: Vec<StoredSeries>,
    by_labels: HashMap<Labels, usize>,
    by_name: HashMap<String, Vec<usize>>,
    nameless: Vec<usize>,
}

impl Storage {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn append(&mut self, labels: &Labels, t_ms: i64, v: StoredValue) {
        let idx = match self.by_labels.get(labels) {
            Some(i) => *i,
            None => {
                let i = self.series.len();
                self.series.push(StoredSeries {
                    labels: labels.clone(),
                    ..Default::default()
                });
                self.by_labels.insert(labels.clone(), i);
                match labels.metric_name() {
                    Some(n) => self.by_name.entry(n.to_string()).or_default().push(i),
                    None => self.nameless.push(i),
                }
                i
            }
        };
        let s = &mut self.series[idx];
        // Out-of-order or duplicate timestamps replace by dropping newer data,
        // keeping the slices sorted for binary search.
        let trim = |s: &mut StoredSeries| {
            while s.floats.last().is_some_and(|(t, _)| *t >= t_ms) {
                s.floats.pop();
            }
            while s.histograms.last().is_some_and(|(t, _)| *t >= t_ms) {
                s.histograms.pop();
            }
        };
        trim(s);
        match v {
            StoredValue::Float(f) => {
                // A plain NaN that happens to carry the stale payload would be
                // misread; normalise it.
                let f = if is_stale_nan(f) { f64::NAN } else { f };
                s.floats.push((t_ms, f));
            }
            StoredValue::Stale => {
                s.floats.push((t_ms, f64::from_bits(STALE_NAN_BITS)));
                s.has_stale = true;
                s.stale_ts.push(t_ms);
            }
            StoredValue::Histogram(h) => s.histograms.push((t_ms, h)),
        }
    }

    pub fn num_series(&self) -> usize {
        self.series.len()
    }

    /// Candidate series for a selector: by metric name when it is known.
    pub(crate) fn candidates(&self, name: Option<&str>) -> Box<dyn Iterator<Item = usize> + '_> {
        match name {
            Some(n) => match self.by_name.get(n) {
                Some(v) => Box::new(v.iter().copied()),
                None => Box::new(std::iter::empty()),
            },
            None => Box::new(0..self.series.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_respects_staleness_and_lookback() {
        let mut s = Storage::new();
        let l = Labels::from_pairs([("__name__", "m")]);
        s.append(&l, 0, StoredValue::Float(1.0));
        s.append(&l, 60_000, StoredValue::Stale);
        s.append(&l, 120_000, StoredValue::Float(2.0));
        let ser = &s.series[0];
        assert!(matches!(ser.latest(-300_000, 0), Some(Latest::Float(0, _))));
        assert!(ser.latest(-240_000, 60_000).is_none());
        assert!(matches!(
            ser.latest(0, 130_000),
            Some(Latest::Float(120_000, _))
        ));
        assert!(ser.latest(120_000, 130_000).is_none());
        assert_eq!(ser.floats_in(-1, 200_000).len(), 2);
    }
}
