//! In-memory series storage, indexed by metric name.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::histogram::FloatHistogram;
use super::labels::Labels;

/// Prometheus' staleness marker bit pattern; kept distinct from ordinary NaN.
pub(crate) const STALE_NAN_BITS: u64 = 0x7ff0000000000002;

pub(crate) fn is_stale_nan(f: f64) -> bool {
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
}

/// The latest sample at or before a time, as seen by an instant selector.
pub(crate) enum Latest<'a> {
    Float(i64, f64),
    Histogram(i64, &'a FloatHistogram),
}

impl StoredSeries {
    /// Latest non-stale sample in `(mint, maxt]`; a staleness marker that is
    /// newer than every sample ends the series.
    pub(crate) fn latest(&self, mint: i64, maxt: i64) -> Option<Latest<'_>> {
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
    pub(crate) fn floats_in(&self, mint: i64, maxt: i64) -> Cow<'_, [(i64, f64)]> {
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

    pub(crate) fn histograms_in(&self, mint: i64, maxt: i64) -> &[(i64, FloatHistogram)] {
        let lo = self.histograms.partition_point(|(t, _)| *t <= mint);
        let hi = self.histograms.partition_point(|(t, _)| *t <= maxt);
        if lo >= hi {
            &[]
        } else {
            &self.histograms[lo..hi]
        }
    }
}

/// The series a selector matched, as of the first `scanned` candidates.
#[derive(Debug)]
struct SelectorMatch {
    /// The selector's name and matchers, as text.
    key: String,
    scanned: usize,
    ids: Arc<Vec<usize>>,
}

/// Bound on cached selectors: one-off queries (templates, tests) must not
/// make the cache grow without limit.
const SELECTOR_CACHE_MAX: usize = 4096;

/// In-memory series store. Appends per series must be in non-decreasing
/// time order; an append at the same timestamp replaces the sample.
#[derive(Debug, Default)]
pub struct Storage {
    pub(crate) series: Vec<StoredSeries>,
    by_labels: HashMap<Labels, usize>,
    by_name: HashMap<String, Vec<usize>>,
    /// Selector results kept across queries. Series are only ever added, never removed, so
    /// a selector's match list only grows: each query re-checks just the series added since
    /// the last one instead of every candidate at every evaluation step. Keyed by a hash of
    /// the selector's name and matchers; an entry keeps the full key, so a collision only
    /// replaces the other selector's scan. Behind a lock because queries only get `&Storage`.
    selectors: Mutex<HashMap<u64, SelectorMatch>>,
}

impl Storage {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn append(&mut self, labels: &Labels, t_ms: i64, v: StoredValue) {
        let idx = if let Some(i) = self.by_labels.get(labels) {
            *i
        } else {
            let i = self.series.len();
            self.series.push(StoredSeries {
                labels: labels.clone(),
                ..Default::default()
            });
            self.by_labels.insert(labels.clone(), i);
            // Selectors without a name scan every series: only named ones are indexed.
            if let Some(n) = labels.metric_name() {
                self.by_name.entry(n.to_string()).or_default().push(i);
            }
            i
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
            }
            StoredValue::Histogram(h) => s.histograms.push((t_ms, h)),
        }
    }

    /// Forgets every sample (float, histogram, staleness marker) older than `t_ms`; the
    /// series themselves stay known. Lets a caller that only queries a bounded window
    /// behind the latest sample keep memory flat however long it runs.
    pub fn drop_before(&mut self, t_ms: i64) {
        for s in &mut self.series {
            let k = s.floats.partition_point(|(t, _)| *t < t_ms);
            if k > 0 {
                s.floats.drain(..k);
            }
            let k = s.histograms.partition_point(|(t, _)| *t < t_ms);
            if k > 0 {
                s.histograms.drain(..k);
            }
        }
    }

    /// Indexes of the series matching a selector, `selector` being its name and matchers as
    /// text (the cache key), `index_name` the metric name it pins (for the index) and
    /// `matches` its full test. Resumes the cached scan of this
    /// selector, checking only series added since.
    pub(crate) fn matching(
        &self,
        selector: &str,
        index_name: Option<&str>,
        matches: impl Fn(&Labels) -> bool,
    ) -> Arc<Vec<usize>> {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        selector.hash(&mut h);
        let key = h.finish();
        // Candidates: the series of the pinned name, else every series. Both lists only
        // grow, so a scan resumes where the last one stopped.
        let candidates: Option<&[usize]> =
            index_name.map(|n| self.by_name.get(n).map_or(&[][..], Vec::as_slice));
        let total = candidates.map_or(self.series.len(), <[usize]>::len);
        let mut cache = self
            .selectors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= SELECTOR_CACHE_MAX {
            cache.clear();
        }
        let fresh = || SelectorMatch {
            key: selector.to_string(),
            scanned: 0,
            ids: Arc::new(Vec::new()),
        };
        let m = cache.entry(key).or_insert_with(fresh);
        if m.key != selector {
            *m = fresh();
        }
        if m.scanned < total {
            let new: Vec<usize> = match candidates {
                Some(c) => c[m.scanned..]
                    .iter()
                    .copied()
                    .filter(|i| matches(&self.series[*i].labels))
                    .collect(),
                None => (m.scanned..total)
                    .filter(|i| matches(&self.series[*i].labels))
                    .collect(),
            };
            if !new.is_empty() {
                Arc::make_mut(&mut m.ids).extend(new);
            }
            m.scanned = total;
        }
        m.ids.clone()
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

    #[test]
    fn drop_before_keeps_newer_samples_and_series() {
        let mut s = Storage::new();
        let l = Labels::from_pairs([("__name__", "m")]);
        for i in 0..10 {
            s.append(&l, i * 60_000, StoredValue::Float(i as f64));
        }
        s.append(&l, 600_000, StoredValue::Stale);
        s.drop_before(300_000);
        assert_eq!(s.series.len(), 1);
        let ser = &s.series[0];
        assert_eq!(ser.floats.first().map(|p| p.0), Some(300_000));
        assert_eq!(ser.floats_in(i64::MIN, i64::MAX).len(), 5);
        assert!(ser.latest(300_000, 600_000).is_none());
        // A selector matched before the drop still finds the series after it.
        s.append(&l, 660_000, StoredValue::Float(11.0));
        assert!(matches!(
            s.series[0].latest(360_000, 660_000),
            Some(Latest::Float(660_000, _))
        ));
    }
}
