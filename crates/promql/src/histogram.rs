//! Native histograms: storage representation and the parts of their
//! semantics the evaluator needs without full histogram arithmetic.

use super::aggregate::kahan_inc;
use super::notation::NotationError;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CounterResetHint {
    #[default]
    Unknown,
    CounterReset,
    NotCounterReset,
    Gauge,
}

/// A float histogram. Buckets are stored sparsely by bucket index with
/// absolute (not delta-encoded) counts, which is what evaluation needs.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FloatHistogram {
    pub schema: i32,
    pub zero_threshold: f64,
    pub zero_count: f64,
    pub count: f64,
    pub sum: f64,
    /// `(bucket index, count)`, sorted by index.
    pub positive: Vec<(i32, f64)>,
    pub negative: Vec<(i32, f64)>,
    /// Upper bounds of custom buckets (schema -53); empty otherwise.
    pub custom_values: Vec<f64>,
    pub counter_reset_hint: CounterResetHint,
}

pub const CUSTOM_BUCKETS_SCHEMA: i32 = -53;

impl FloatHistogram {
    pub(crate) fn uses_custom_buckets(&self) -> bool {
        self.schema == CUSTOM_BUCKETS_SCHEMA
    }

    /// Compares two histograms the way promqltest does: tolerant on float
    /// fields, ignoring empty buckets and the counter-reset hint unless asked.
    pub fn approx_eq(&self, other: &FloatHistogram, check_hint: bool) -> bool {
        let eq = |a: f64, b: f64| super::value::almost_equal(a, b, 1e-6);
        if self.schema != other.schema
            || !eq(self.count, other.count)
            || !eq(self.sum, other.sum)
            || self.zero_threshold != other.zero_threshold
            || !eq(self.zero_count, other.zero_count)
        {
            return false;
        }
        if self.uses_custom_buckets() && self.custom_values != other.custom_values {
            return false;
        }
        let nz = |v: &[(i32, f64)]| -> BTreeMap<i32, f64> {
            v.iter().filter(|(_, c)| *c != 0.0).copied().collect()
        };
        let cmp = |a: BTreeMap<i32, f64>, b: BTreeMap<i32, f64>| {
            a.len() == b.len()
                && a.iter()
                    .zip(b.iter())
                    .all(|((ia, ca), (ib, cb))| ia == ib && eq(*ca, *cb))
        };
        if !cmp(nz(&self.positive), nz(&other.positive))
            || !cmp(nz(&self.negative), nz(&other.negative))
        {
            return false;
        }
        !check_hint || self.counter_reset_hint == other.counter_reset_hint
    }

    /// Upper bound of positive bucket `idx` for exponential schemas.
    fn exp_upper(schema: i32, idx: i32) -> f64 {
        2f64.powf(idx as f64 * 2f64.powf(-(schema as f64)))
    }

    /// All buckets in ascending order of their bounds as
    /// `(lower, upper, count)`, with the zero bucket in the middle.
    pub(crate) fn buckets_ascending(&self) -> Vec<(f64, f64, f64)> {
        let mut out = Vec::new();
        if self.uses_custom_buckets() {
            for (idx, c) in &self.positive {
                let i = *idx as usize;
                let lower = if i == 0 {
                    f64::NEG_INFINITY
                } else {
                    self.custom_values
                        .get(i - 1)
                        .copied()
                        .unwrap_or(f64::INFINITY)
                };
                let upper = self.custom_values.get(i).copied().unwrap_or(f64::INFINITY);
                out.push((lower, upper, *c));
            }
            return out;
        }
        for (idx, c) in self.negative.iter().rev() {
            let upper = -Self::exp_upper(self.schema, idx.saturating_sub(1));
            let lower = -Self::exp_upper(self.schema, *idx);
            out.push((lower, upper, *c));
        }
        if self.zero_count != 0.0 || self.zero_threshold != 0.0 {
            out.push((-self.zero_threshold, self.zero_threshold, self.zero_count));
        }
        for (idx, c) in &self.positive {
            out.push((
                Self::exp_upper(self.schema, idx.saturating_sub(1)),
                Self::exp_upper(self.schema, *idx),
                *c,
            ));
        }
        out
    }
}

/// Why two histograms cannot be combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HistogramOpError {
    /// One uses exponential buckets, the other custom buckets.
    MixedSchemas,
}

/// Index of the bucket at `target` schema that contains bucket `idx` of the
/// finer `origin` schema (bucket `i` covers `(2^((i-1)/2^s), 2^(i/2^s)]`).
fn target_index(idx: i32, origin: i32, target: i32) -> i32 {
    let delta = (origin - target).clamp(0, 31);
    (idx.saturating_sub(1) >> delta).saturating_add(1)
}

/// Adds `(idx, count)` into a sorted sparse bucket list.
pub(crate) fn add_bucket(v: &mut Vec<(i32, f64)>, idx: i32, count: f64) {
    match v.binary_search_by_key(&idx, |p| p.0) {
        Ok(k) => v[k].1 += count,
        Err(k) => v.insert(k, (idx, count)),
    }
}

impl FloatHistogram {
    /// Multiplies every count and the sum by `f`.
    pub(crate) fn scale(&mut self, f: f64) {
        self.count *= f;
        self.sum *= f;
        self.zero_count *= f;
        for b in self.positive.iter_mut().chain(self.negative.iter_mut()) {
            b.1 *= f;
        }
    }

    /// Divides every count and the sum by `f`. Division by zero leaves only
    /// a zero bucket holding every (now infinite or NaN) observation, as in
    /// Prometheus.
    pub(crate) fn divide(&mut self, f: f64) {
        if f == 0.0 {
            self.count /= f;
            self.sum /= f;
            self.zero_count = self.count;
            self.positive.clear();
            self.negative.clear();
            return;
        }
        self.count /= f;
        self.sum /= f;
        self.zero_count /= f;
        for b in self.positive.iter_mut().chain(self.negative.iter_mut()) {
            b.1 /= f;
        }
    }

    /// The same histogram at a coarser (lower) exponential schema; finer
    /// targets and custom buckets are returned unchanged.
    pub(crate) fn to_schema(&self, target: i32) -> FloatHistogram {
        if self.uses_custom_buckets() || target >= self.schema {
            return self.clone();
        }
        let mut out = self.clone();
        out.schema = target;
        let reduce = |v: &[(i32, f64)]| {
            let mut r: Vec<(i32, f64)> = Vec::with_capacity(v.len());
            for (i, c) in v {
                add_bucket(&mut r, target_index(*i, self.schema, target), *c);
            }
            r
        };
        out.positive = reduce(&self.positive);
        out.negative = reduce(&self.negative);
        out
    }

    /// Count the zero bucket would hold when widened to at least
    /// `threshold`, and the threshold it ends up with: a bucket that starts
    /// below the threshold is swallowed whole, widening it to the bucket's
    /// upper bound.
    fn zero_count_for_threshold(&self, threshold: f64) -> (f64, f64) {
        let mut t = threshold;
        loop {
            let mut count = self.zero_count;
            let before = t;
            for side in [&self.positive, &self.negative] {
                for (i, c) in side {
                    let lower = Self::exp_upper(self.schema, i.saturating_sub(1));
                    if lower >= t {
                        break;
                    }
                    count += c;
                    t = t.max(Self::exp_upper(self.schema, *i));
                }
            }
            // Stops once no bucket widens the threshold further (t only
            // grows, so this terminates; a NaN threshold ends at once).
            if t == before || t.is_nan() {
                return (count, t);
            }
        }
    }

    /// The histogram with its zero bucket widened to `threshold` (which
    /// must come from `zero_count_for_threshold`).
    fn with_zero_threshold(&self, threshold: f64) -> FloatHistogram {
        let (count, t) = self.zero_count_for_threshold(threshold);
        let mut out = self.clone();
        let schema = self.schema;
        let keep = |v: &[(i32, f64)]| -> Vec<(i32, f64)> {
            v.iter()
                .filter(|(i, _)| Self::exp_upper(schema, i.saturating_sub(1)) >= t)
                .copied()
                .collect()
        };
        out.positive = keep(&self.positive);
        out.negative = keep(&self.negative);
        out.zero_count = count;
        out.zero_threshold = t;
        out
    }

    /// `self + sign * other`. For custom buckets with different bounds the
    /// result uses the bounds both have (each bucket goes to the smallest
    /// common bound at or above its own); the flag reports that. Exponential
    /// histograms are combined at the coarser schema and wider zero bucket.
    pub(crate) fn combine(
        &self,
        other: &FloatHistogram,
        sign: f64,
    ) -> Result<(FloatHistogram, bool), HistogramOpError> {
        if self.uses_custom_buckets() != other.uses_custom_buckets() {
            return Err(HistogramOpError::MixedSchemas);
        }
        let hint = combine_hints(self.counter_reset_hint, other.counter_reset_hint);
        if self.uses_custom_buckets() {
            let mut out = self.clone();
            out.counter_reset_hint = hint;
            out.count += sign * other.count;
            out.sum += sign * other.sum;
            if self.custom_values == other.custom_values {
                for (i, c) in &other.positive {
                    add_bucket(&mut out.positive, *i, sign * c);
                }
                return Ok((out, false));
            }
            let common: Vec<f64> = self
                .custom_values
                .iter()
                .filter(|v| other.custom_values.contains(v))
                .copied()
                .collect();
            let remap = |h: &FloatHistogram, f: f64, into: &mut Vec<(i32, f64)>| {
                for (i, c) in &h.positive {
                    let upper = usize::try_from(*i)
                        .ok()
                        .and_then(|i| h.custom_values.get(i))
                        .copied()
                        .unwrap_or(f64::INFINITY);
                    let j = common.partition_point(|x| *x < upper);
                    add_bucket(into, j as i32, f * c);
                }
            };
            let mut buckets = Vec::new();
            remap(self, 1.0, &mut buckets);
            remap(other, sign, &mut buckets);
            out.positive = buckets;
            out.custom_values = common;
            return Ok((out, true));
        }
        let (mut a, mut b) = (self.clone(), other.clone());
        if a.zero_threshold != b.zero_threshold {
            let mut t = a.zero_threshold.max(b.zero_threshold);
            loop {
                let (_, ta) = a.zero_count_for_threshold(t);
                let (_, tb) = b.zero_count_for_threshold(ta);
                if tb == t || tb.is_nan() {
                    break;
                }
                t = tb;
            }
            a = a.with_zero_threshold(t);
            b = b.with_zero_threshold(t);
        }
        let target = a.schema.min(b.schema);
        let mut out = a.to_schema(target);
        let b = b.to_schema(target);
        out.counter_reset_hint = hint;
        out.count += sign * b.count;
        out.sum += sign * b.sum;
        out.zero_count += sign * b.zero_count;
        for (i, c) in &b.positive {
            add_bucket(&mut out.positive, *i, sign * c);
        }
        for (i, c) in &b.negative {
            add_bucket(&mut out.negative, *i, sign * c);
        }
        Ok((out, false))
    }

    /// Drops empty buckets (Prometheus compacts results the same way).
    pub(crate) fn compact(&mut self) {
        self.positive.retain(|b| b.1 != 0.0);
        self.negative.retain(|b| b.1 != 0.0);
    }

    /// Whether `self`, following `prev` in a counter, implies a reset
    /// (Prometheus' `DetectReset`).
    pub(crate) fn detect_reset(&self, prev: &FloatHistogram) -> bool {
        match self.counter_reset_hint {
            CounterResetHint::CounterReset => return true,
            CounterResetHint::NotCounterReset => return false,
            _ => {}
        }
        if self.count < prev.count {
            return true;
        }
        if self.uses_custom_buckets() != prev.uses_custom_buckets() {
            return true;
        }
        let decreased = |cur: &[(i32, f64)], old: &[(i32, f64)]| {
            old.iter().any(|(i, c)| {
                let now = cur
                    .binary_search_by_key(i, |p| p.0)
                    .map_or(0.0, |k| cur[k].1);
                now < *c
            })
        };
        if self.uses_custom_buckets() {
            if self.custom_values != prev.custom_values {
                // Changed bounds are compared on the bounds both have.
                let Ok((cur, _)) = self.combine(
                    &FloatHistogram {
                        schema: CUSTOM_BUCKETS_SCHEMA,
                        custom_values: prev.custom_values.clone(),
                        ..Default::default()
                    },
                    1.0,
                ) else {
                    return true;
                };
                let Ok((old, _)) = prev.combine(
                    &FloatHistogram {
                        schema: CUSTOM_BUCKETS_SCHEMA,
                        custom_values: self.custom_values.clone(),
                        ..Default::default()
                    },
                    1.0,
                ) else {
                    return true;
                };
                return decreased(&cur.positive, &old.positive);
            }
            return decreased(&self.positive, &prev.positive);
        }
        if self.schema > prev.schema || self.zero_threshold < prev.zero_threshold {
            return true;
        }
        let (old_zero, t) = prev.zero_count_for_threshold(self.zero_threshold);
        if t != self.zero_threshold || self.zero_count < old_zero {
            return true;
        }
        let old = prev.with_zero_threshold(t).to_schema(self.schema);
        decreased(&self.positive, &old.positive) || decreased(&self.negative, &old.negative)
    }
}

/// Compensated (Kahan-Neumaier) summation of histograms, field by field,
/// optionally as a mean that switches to incremental averaging when the
/// plain sum would overflow (as Prometheus does for `avg` and
/// `avg_over_time`).
struct HistogramAccumulator {
    value: FloatHistogram,
    comp: FloatHistogram,
    n: f64,
    incremental: bool,
    /// Inputs hinted as a counter reset, and as no counter reset: both
    /// together make the result's hint contradictory.
    reset_seen: bool,
    not_reset_seen: bool,
}

/// `value`'s layout with every count zero.
fn zeroed(h: &FloatHistogram) -> FloatHistogram {
    let mut z = h.clone();
    z.count = 0.0;
    z.sum = 0.0;
    z.zero_count = 0.0;
    for b in z.positive.iter_mut().chain(z.negative.iter_mut()) {
        b.1 = 0.0;
    }
    z
}

/// Visits the fields of `acc`/`comp` with the matching field of `h`
/// (zero where `h` has no such bucket); all three share one layout, and
/// `acc` and `comp` gain any bucket only `h` has.
fn for_each_field(
    acc: &mut FloatHistogram,
    comp: &mut FloatHistogram,
    h: &FloatHistogram,
    mut f: impl FnMut(&mut f64, &mut f64, f64),
) {
    f(&mut acc.count, &mut comp.count, h.count);
    f(&mut acc.sum, &mut comp.sum, h.sum);
    f(&mut acc.zero_count, &mut comp.zero_count, h.zero_count);
    for (av, cv, hv) in [
        (&mut acc.positive, &mut comp.positive, &h.positive),
        (&mut acc.negative, &mut comp.negative, &h.negative),
    ] {
        for (i, _) in hv {
            add_bucket(av, *i, 0.0);
            add_bucket(cv, *i, 0.0);
        }
        for (k, (i, a)) in av.iter_mut().enumerate() {
            let inc = hv.binary_search_by_key(i, |p| p.0).map_or(0.0, |j| hv[j].1);
            let c = match cv.get_mut(k) {
                Some(c) if c.0 == *i => &mut c.1,
                _ => continue,
            };
            f(a, c, inc);
        }
    }
}

fn has_infinite(h: &FloatHistogram) -> bool {
    h.count.is_infinite()
        || h.sum.is_infinite()
        || h.zero_count.is_infinite()
        || h.positive
            .iter()
            .chain(&h.negative)
            .any(|b| b.1.is_infinite())
}

impl HistogramAccumulator {
    pub(crate) fn new(h: &FloatHistogram) -> Self {
        HistogramAccumulator {
            value: h.clone(),
            comp: zeroed(h),
            n: 1.0,
            incremental: false,
            reset_seen: h.counter_reset_hint == CounterResetHint::CounterReset,
            not_reset_seen: h.counter_reset_hint == CounterResetHint::NotCounterReset,
        }
    }

    /// Whether inputs disagreed on being a counter reset.
    pub(crate) fn counter_reset_collision(&self) -> bool {
        self.reset_seen && self.not_reset_seen
    }

    /// Brings the accumulator and `h` to one layout; the flag reports
    /// reconciled custom bounds.
    fn align(&mut self, h: &FloatHistogram) -> Result<(FloatHistogram, bool), HistogramOpError> {
        if self.value.uses_custom_buckets() != h.uses_custom_buckets() {
            return Err(HistogramOpError::MixedSchemas);
        }
        let mut h = h.clone();
        if self.value.uses_custom_buckets() {
            if self.value.custom_values == h.custom_values {
                return Ok((h, false));
            }
            let bounds = |cv: &[f64]| FloatHistogram {
                schema: CUSTOM_BUCKETS_SCHEMA,
                custom_values: cv.to_vec(),
                ..Default::default()
            };
            let theirs = bounds(&h.custom_values);
            let ours = bounds(&self.value.custom_values);
            self.value = self.value.combine(&theirs, 1.0)?.0;
            self.comp = self.comp.combine(&theirs, 1.0)?.0;
            h = h.combine(&ours, 1.0)?.0;
            return Ok((h, true));
        }
        if self.value.zero_threshold != h.zero_threshold {
            let mut t = self.value.zero_threshold.max(h.zero_threshold);
            loop {
                let (_, ta) = self.value.zero_count_for_threshold(t);
                let (_, tb) = h.zero_count_for_threshold(ta);
                if tb == t || tb.is_nan() {
                    break;
                }
                t = tb;
            }
            self.value = self.value.with_zero_threshold(t);
            self.comp = self.comp.with_zero_threshold(t);
            self.comp.zero_threshold = t;
            h = h.with_zero_threshold(t);
        }
        let target = self.value.schema.min(h.schema);
        self.value = self.value.to_schema(target);
        self.comp = self.comp.to_schema(target);
        Ok((h.to_schema(target), false))
    }

    /// Adds `h`; with `mean`, the running value may turn into a mean.
    pub(crate) fn add(&mut self, h: &FloatHistogram, mean: bool) -> Result<bool, HistogramOpError> {
        self.reset_seen |= h.counter_reset_hint == CounterResetHint::CounterReset;
        self.not_reset_seen |= h.counter_reset_hint == CounterResetHint::NotCounterReset;
        let (h, reconciled) = self.align(h)?;
        self.value.counter_reset_hint =
            combine_hints(self.value.counter_reset_hint, h.counter_reset_hint);
        self.n += 1.0;
        if mean && !self.incremental {
            let mut v = self.value.clone();
            let mut c = self.comp.clone();
            for_each_field(&mut v, &mut c, &h, |a, c, inc| {
                (*a, *c) = kahan_inc(inc, *a, *c);
            });
            if !has_infinite(&v) || has_infinite(&self.value) || has_infinite(&h) {
                self.value = v;
                self.comp = c;
                return Ok(reconciled);
            }
            // The sum overflows: continue with the mean so far.
            let prev = self.n - 1.0;
            self.value.divide(prev);
            self.comp.divide(prev);
            self.incremental = true;
        }
        if self.incremental {
            let n = self.n;
            let q = (n - 1.0) / n;
            for_each_field(&mut self.value, &mut self.comp, &h, |a, c, inc| {
                (*a, *c) = kahan_inc(inc / n, q * *a, q * *c);
            });
        } else {
            for_each_field(&mut self.value, &mut self.comp, &h, |a, c, inc| {
                (*a, *c) = kahan_inc(inc, *a, *c);
            });
        }
        Ok(reconciled)
    }

    /// The compensated sum, or the mean with `mean`.
    pub(crate) fn finish(mut self, mean: bool) -> FloatHistogram {
        let comp = std::mem::take(&mut self.comp);
        let mut out = self.value.clone();
        let mut c = zeroed(&out);
        for_each_field(&mut out, &mut c, &comp, |a, _, inc| {
            if !a.is_infinite() {
                *a += inc;
            }
        });
        if mean && !self.incremental {
            out.divide(self.n);
        }
        out
    }
}

/// The compensated sum (the mean, with `mean`) of histograms, compacted: what `sum`/`avg`
/// and `sum_over_time`/`avg_over_time` compute. The callers word the annotations, each where
/// Prometheus emits them.
pub(crate) struct HistogramSum {
    pub h: FloatHistogram,
    /// Histograms with different custom buckets were reconciled on the way.
    pub reconciled: bool,
    /// Counter-reset hints contradicted each other.
    pub collision: bool,
}

/// Why histograms could not be summed: the one at `at` (in the order given) mixes exponential
/// and custom buckets with the ones before it, `reconciled` telling whether any were
/// reconciled before it.
pub(crate) struct MixedSchemas {
    pub at: usize,
    pub reconciled: bool,
}

/// Sums `hs` (see [`HistogramSum`]); `Ok(None)` when there are none.
pub(crate) fn sum_histograms<'h>(
    mut hs: impl Iterator<Item = &'h FloatHistogram>,
    mean: bool,
) -> Result<Option<HistogramSum>, MixedSchemas> {
    let Some(first) = hs.next() else {
        return Ok(None);
    };
    let mut acc = HistogramAccumulator::new(first);
    let mut reconciled = false;
    for (i, h) in hs.enumerate() {
        match acc.add(h, mean) {
            Ok(r) => reconciled |= r,
            Err(_) => {
                return Err(MixedSchemas {
                    at: i + 1,
                    reconciled,
                });
            }
        }
    }
    let collision = acc.counter_reset_collision();
    let mut h = acc.finish(mean);
    h.compact();
    Ok(Some(HistogramSum {
        h,
        reconciled,
        collision,
    }))
}

/// Counter-reset hint of a sum, as Prometheus combines them.
fn combine_hints(a: CounterResetHint, b: CounterResetHint) -> CounterResetHint {
    use CounterResetHint::{Gauge, Unknown};
    if a == b || a == Gauge {
        a
    } else if b == Gauge {
        Gauge
    } else {
        Unknown
    }
}

impl FloatHistogram {
    /// Prometheus' `FloatHistogram.String()`: count, sum and the non-empty
    /// buckets in ascending order with their bounds (as `count_values`
    /// prints histogram values).
    pub(crate) fn prom_string(&self) -> String {
        let g = go_format_g;
        let mut out = format!("{{count:{}, sum:{}", g(self.count), g(self.sum));
        for (lower, upper, count) in self.buckets_ascending() {
            if count == 0.0 {
                continue;
            }
            let is_zero = !self.uses_custom_buckets() && lower < 0.0 && upper > 0.0;
            let is_negative = !self.uses_custom_buckets() && upper <= 0.0 && !is_zero;
            let (open, close) = if is_zero {
                ('[', ']')
            } else if is_negative {
                ('[', ')')
            } else {
                ('(', ']')
            };
            out.push_str(&format!(
                ", {open}{},{}{close}:{}",
                g(lower),
                g(upper),
                g(count)
            ));
        }
        out.push('}');
        out
    }
}

impl fmt::Display for FloatHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{")?;
        if self.schema != 0 {
            write!(f, "schema:{} ", self.schema)?;
        }
        write!(f, "count:{} sum:{}", self.count, self.sum)?;
        if self.zero_count != 0.0 {
            write!(f, " z_bucket:{}", self.zero_count)?;
        }
        if self.zero_threshold != 0.0 {
            write!(f, " z_bucket_w:{}", self.zero_threshold)?;
        }
        if !self.custom_values.is_empty() {
            write!(f, " custom_values:{:?}", self.custom_values)?;
        }
        if !self.positive.is_empty() {
            write!(f, " buckets:{:?}", self.positive)?;
        }
        if !self.negative.is_empty() {
            write!(f, " n_buckets:{:?}", self.negative)?;
        }
        write!(f, "}}}}")
    }
}

/// The note Prometheus gives when custom bucket bounds of two histograms had to be reconciled
/// for `operation` (`addition`, `subtraction`, `aggregation`).
pub(crate) fn reconciled_note(operation: &str) -> String {
    format!("mismatched custom buckets were reconciled during {operation}")
}

/// Prometheus' warning when histograms with exponential and custom buckets meet; the metric
/// name follows it in quotes (see [`mixed_schemas_note`]).
pub(crate) const MIXED_SCHEMAS: &str = "vector contains a mix of histograms with exponential and custom buckets schemas for metric name";

/// [`MIXED_SCHEMAS`] for series named `metric`.
pub(crate) fn mixed_schemas_note(metric: &str) -> String {
    series_note(MIXED_SCHEMAS, metric)
}

/// A warning about the series named `metric`, as Prometheus words them: the metric name
/// follows the text in quotes.
pub(crate) fn series_note(what: &str, metric: &str) -> String {
    format!("{what} \"{metric}\"")
}

/// Prometheus' warning when histograms aggregated together disagree on counter resets.
pub(crate) const COLLISION: &str = "conflicting counter resets during histogram aggregation";

/// Parses the inside of `{{ ... }}` (without the braces).
pub(crate) fn parse_histogram_body(s: &str) -> Result<FloatHistogram, NotationError> {
    let mut h = FloatHistogram::default();
    let mut buckets: Vec<f64> = Vec::new();
    let mut n_buckets: Vec<f64> = Vec::new();
    let mut offset = 0i32;
    let mut n_offset = 0i32;
    let mut rest = s.trim();
    while !rest.is_empty() {
        let colon = rest
            .find(':')
            .ok_or_else(|| NotationError::BadHistogramField(s.to_string()))?;
        let key = rest[..colon].trim();
        rest = rest[colon + 1..].trim_start();
        let value: &str;
        if rest.starts_with('[') {
            let end = rest
                .find(']')
                .ok_or_else(|| NotationError::UnterminatedList(s.to_string()))?;
            value = &rest[1..end];
            rest = rest[end + 1..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            value = &rest[..end];
            rest = rest[end..].trim_start();
        }
        let num = |v: &str| super::notation::parse_float(v);
        let list = |v: &str| -> Result<Vec<f64>, NotationError> {
            v.split_whitespace()
                .map(super::notation::parse_float)
                .collect()
        };
        match key {
            "schema" => h.schema = num(value)? as i32,
            "sum" => h.sum = num(value)?,
            "count" => h.count = num(value)?,
            "z_bucket" => h.zero_count = num(value)?,
            "z_bucket_w" => h.zero_threshold = num(value)?,
            "offset" => offset = num(value)? as i32,
            "n_offset" => n_offset = num(value)? as i32,
            "buckets" => buckets = list(value)?,
            "n_buckets" => n_buckets = list(value)?,
            "custom_values" => h.custom_values = list(value)?,
            "counter_reset_hint" => {
                h.counter_reset_hint = match value {
                    "gauge" => CounterResetHint::Gauge,
                    "reset" => CounterResetHint::CounterReset,
                    "not_reset" => CounterResetHint::NotCounterReset,
                    "unknown" => CounterResetHint::Unknown,
                    other => return Err(NotationError::BadCounterResetHint(other.to_string())),
                }
            }
            other => return Err(NotationError::UnknownHistogramField(other.to_string())),
        }
    }
    let custom = h.uses_custom_buckets();
    // Custom-bucket indexes start at 0; exponential ones at the offset.
    h.positive = buckets
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as i32 + offset, c))
        .collect();
    h.negative = n_buckets
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as i32 + n_offset, c))
        .collect();
    if custom && offset < 0 {
        return Err(NotationError::NegativeCustomOffset);
    }
    Ok(h)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: shortest representation,
/// exponent form for exponents below -4 or from 21 up.
pub(crate) fn go_format_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..21).contains(&exp) {
        return format!("{f}");
    }
    // Rust writes `1e-5`; Go writes `1e-05`.
    let e = format!("{f:e}");
    match e.split_once('e') {
        Some((mant, ex)) => {
            let (sign, digits) = match ex.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', ex),
            };
            let digits = if digits.len() < 2 {
                format!("0{digits}")
            } else {
                digits.to_string()
            };
            format!("{mant}e{sign}{digits}")
        }
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formats() {
        assert_eq!(go_format_g(0.001), "0.001");
        assert_eq!(go_format_g(1e-5), "1e-05");
        assert_eq!(go_format_g(1e21), "1e+21");
        assert_eq!(go_format_g(f64::NEG_INFINITY), "-Inf");
    }

    fn h(body: &str) -> FloatHistogram {
        parse_histogram_body(body).expect("valid histogram")
    }

    #[test]
    fn combine_reduces_schema_and_widens_zero_bucket() {
        // Schema 0 buckets 1 and 2 fall into schema -1 bucket 1 (1, 4].
        let low = h("schema:-1 sum:4 count:1 buckets:[1] offset:1");
        let high = h("schema:0 sum:4 count:4 buckets:[2 2] offset:1");
        let (r, rec) = low.combine(&high, 1.0).unwrap();
        assert!(!rec);
        assert!(r.approx_eq(&h("schema:-1 count:5 sum:8 offset:1 buckets:[5]"), false));
        // A wider zero bucket swallows the buckets it overlaps.
        let a = h("schema:0 count:2 sum:1 z_bucket:1 z_bucket_w:1 buckets:[1] offset:1");
        let b = h("schema:0 count:2 sum:1 buckets:[1 1]");
        let (r, _) = a.combine(&b, 1.0).unwrap();
        assert_eq!(r.zero_threshold, 1.0);
        assert_eq!(r.zero_count, 2.0);
        assert_eq!(r.count, 4.0);
    }

    #[test]
    fn combine_custom_buckets() {
        let a = h("schema:-53 sum:1 count:1 custom_values:[1] buckets:[2]");
        let b = h("schema:-53 sum:1 count:1 custom_values:[1 10] buckets:[1]");
        let (r, rec) = b.combine(&a, -1.0).unwrap();
        assert!(rec);
        assert_eq!(r.custom_values, vec![1.0]);
        assert_eq!(r.positive, vec![(0, -1.0)]);
        let e = h("sum:1 count:1");
        assert_eq!(a.combine(&e, 1.0), Err(HistogramOpError::MixedSchemas));
    }

    #[test]
    fn nan_zero_threshold_terminates() {
        let a = h("schema:0 count:1 sum:1 z_bucket_w:NaN buckets:[1]");
        let b = h("schema:0 count:1 sum:1 z_bucket_w:0.5 buckets:[1]");
        assert!(a.combine(&b, 1.0).is_ok());
    }

    #[test]
    fn resets_and_division() {
        let prev = h("schema:0 count:3 sum:3 buckets:[1 2]");
        assert!(!h("schema:0 count:4 sum:4 buckets:[2 2]").detect_reset(&prev));
        assert!(h("schema:0 count:4 sum:4 buckets:[4 0]").detect_reset(&prev));
        assert!(h("schema:1 count:4 sum:4 buckets:[4]").detect_reset(&prev));
        let mut d = prev.clone();
        d.divide(0.0);
        assert_eq!(d.count, f64::INFINITY);
        assert!(d.positive.is_empty());
    }

    #[test]
    fn compensated_sum_and_overflowing_mean() {
        let mut acc = HistogramAccumulator::new(&h("count:1 sum:1"));
        for body in ["count:2 sum:1e100", "count:3 sum:1", "count:4 sum:-1e100"] {
            acc.add(&h(body), false).unwrap();
        }
        let r = acc.finish(false);
        assert_eq!((r.count, r.sum), (10.0, 2.0));
        let mut acc = HistogramAccumulator::new(&h("count:1.7976931348623157e308 sum:1"));
        acc.add(&h("count:1e308 sum:1"), true).unwrap();
        let r = acc.finish(true);
        assert!(r.count.is_finite() && r.count > 1e308);
    }

    #[test]
    fn prom_string() {
        let x =
            h("schema:0 sum:10 count:20 z_bucket_w:0.001 z_bucket:2 buckets:[1 2] n_buckets:[1 2]");
        assert_eq!(
            x.prom_string(),
            "{count:20, sum:10, [-2,-1):2, [-1,-0.5):1, [-0.001,0.001]:2, (0.5,1]:1, (1,2]:2}"
        );
    }

    #[test]
    fn parses_histogram() {
        let h = parse_histogram_body("schema:1 sum:3 count:22 buckets:[5 10 7] offset:1").unwrap();
        assert_eq!(h.schema, 1);
        assert_eq!(h.count, 22.0);
        assert_eq!(h.positive, vec![(1, 5.0), (2, 10.0), (3, 7.0)]);
        assert!(parse_histogram_body("bogus").is_err());
    }
}
