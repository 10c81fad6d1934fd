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

/// One populated bucket as the trimming sees it: bounds and count.
#[derive(Clone, Copy, Debug)]
struct TrimBucket {
    lower: f64,
    upper: f64,
    count: f64,
}

impl FloatHistogram {
    /// Bound `idx` as Prometheus' `getBound` gives it: for custom buckets
    /// the upper bound of bucket `idx` (`-Inf` below the first, `+Inf` for
    /// the last); for exponential ones `2^(idx/2^schema)`, except that the
    /// bound that would be `2^1024` is the largest finite float, keeping
    /// `+Inf` for the bucket of infinite observations.
    fn trim_bound(schema: i32, custom_values: &[f64], idx: i32) -> f64 {
        if schema == CUSTOM_BUCKETS_SCHEMA {
            return match usize::try_from(idx) {
                Err(_) => f64::NEG_INFINITY,
                Ok(i) => custom_values.get(i).copied().unwrap_or(f64::INFINITY),
            };
        }
        let exponent = f64::from(idx) * 2f64.powf(-f64::from(schema));
        if exponent == 1024.0 {
            return f64::MAX;
        }
        Self::exp_upper(schema, idx)
    }

    /// Bounds of positive (or mirrored negative) bucket `idx`.
    fn trim_bucket_bounds(
        schema: i32,
        custom_values: &[f64],
        idx: i32,
        positive: bool,
    ) -> (f64, f64) {
        let below = Self::trim_bound(schema, custom_values, idx.saturating_sub(1));
        let at = Self::trim_bound(schema, custom_values, idx);
        if positive { (below, at) } else { (-at, -below) }
    }

    /// Prometheus' `TrimBuckets` on a copy: `upper` (`</`) keeps the
    /// observations below `rhs`, otherwise (`>/`) those above it. Buckets
    /// the trim point cuts keep the share of their count interpolated on the
    /// kept side; infinite-width buckets are kept or dropped whole. Unless
    /// nothing changed, count and sum are recomputed from the kept counts
    /// (the sum from each kept interval's midpoint) and empty buckets are
    /// dropped.
    pub(crate) fn trim_buckets(&self, rhs: f64, upper: bool) -> FloatHistogram {
        let mut h = self.clone();
        let linear = h.uses_custom_buckets();
        let (mut count, mut sum) = (0.0, 0.0);
        let mut trimmed = false;
        let (mut has_positive, mut has_negative) = (false, false);
        let FloatHistogram {
            schema,
            positive: positive_buckets,
            negative: negative_buckets,
            custom_values,
            ..
        } = &mut h;
        // Positive buckets first, then negative ones, then the zero bucket:
        // the order in which Prometheus accumulates count and sum.
        for (positive, buckets, seen) in [
            (true, positive_buckets, &mut has_positive),
            (false, negative_buckets, &mut has_negative),
        ] {
            for (idx, c) in buckets.iter_mut() {
                if *c == 0.0 {
                    continue;
                }
                *seen = true;
                let (lower, up) = Self::trim_bucket_bounds(*schema, custom_values, *idx, positive);
                let (keep_whole, cut) = if upper {
                    (up <= rhs, lower < rhs)
                } else {
                    (lower >= rhs, up > rhs)
                };
                if keep_whole {
                    count += *c;
                    sum += trim_midpoint(lower, up, positive, linear) * *c;
                } else if cut {
                    let b = TrimBucket {
                        lower,
                        upper: up,
                        count: *c,
                    };
                    let (keep, midpoint) = bucket_trim(b, rhs, upper, positive, linear);
                    count += keep;
                    sum += midpoint * keep;
                    if *c != keep {
                        *c = keep;
                        trimmed = true;
                    }
                } else {
                    *c = 0.0;
                    trimmed = true;
                }
            }
        }
        if h.zero_count > 0.0 {
            let zero = TrimBucket {
                lower: -h.zero_threshold,
                upper: h.zero_threshold,
                count: h.zero_count,
            };
            let (keep, midpoint) = zero_bucket_trim(zero, rhs, has_negative, has_positive, upper);
            if h.zero_count != keep {
                h.zero_count = keep;
                trimmed = true;
            }
            sum += midpoint * keep;
            count += keep;
        }
        if trimmed {
            h.count = count;
            h.sum = sum;
            h.compact();
        }
        h
    }
}

/// Where the observations of a kept interval are taken to sit (Prometheus'
/// `computeMidpoint`): the arithmetic mean for linear buckets, the
/// geometric one (signed) for exponential ones; with an infinite bound, the
/// finite one (halved if it is a positive upper bound), or 0 if none is.
#[allow(
    clippy::manual_midpoint,
    reason = "(a + b) / 2 as Prometheus computes it, overflowing where Go's does"
)]
fn trim_midpoint(lower: f64, upper: f64, positive: bool, linear: bool) -> f64 {
    if lower.is_infinite() {
        if upper.is_infinite() {
            return 0.0;
        }
        if upper > 0.0 {
            return upper / 2.0;
        }
        return upper;
    } else if upper.is_infinite() {
        return lower;
    }
    if linear {
        return (lower + upper) / 2.0;
    }
    let geometric = (lower * upper).abs().sqrt();
    if positive { geometric } else { -geometric }
}

/// Observations of `b` at or below `rhs` (Prometheus' `computeSplit`).
fn split_count(b: TrimBucket, rhs: f64, linear: bool) -> f64 {
    if rhs <= b.lower {
        return 0.0;
    }
    if rhs >= b.upper {
        return b.count;
    }
    b.count * super::hquantile::fraction_below(b.lower, b.upper, rhs, linear)
}

/// Kept count and midpoint of a bucket the trim point falls into
/// (Prometheus' `computeBucketTrim`).
fn bucket_trim(b: TrimBucket, rhs: f64, upper: bool, positive: bool, linear: bool) -> (f64, f64) {
    if b.lower == f64::NEG_INFINITY || b.upper == f64::INFINITY {
        return infinite_bucket_trim(b, rhs, upper);
    }
    let below = split_count(b, rhs, linear);
    if upper {
        return (below, trim_midpoint(b.lower, rhs, positive, linear));
    }
    (
        b.count - below,
        trim_midpoint(rhs, b.upper, positive, linear),
    )
}

/// Kept count and midpoint of a bucket with an infinite bound (Prometheus'
/// `handleInfinityBuckets`). Nothing is known about where in such a bucket
/// its observations are, so it is mostly kept or dropped whole; only a
/// custom `(-Inf, le]` bucket with `le > 0` is taken to start at 0 and is
/// interpolated linearly.
#[allow(
    clippy::manual_midpoint,
    reason = "(a + b) / 2 as Prometheus computes it, overflowing where Go's does"
)]
fn infinite_bucket_trim(b: TrimBucket, rhs: f64, upper: bool) -> (f64, f64) {
    let finite_or_zero = |x: f64| if x.is_infinite() { 0.0 } else { x };
    if b.lower == f64::NEG_INFINITY {
        if upper {
            if rhs >= b.upper {
                return (b.count, 0.0);
            }
            if rhs > 0.0 && b.upper > 0.0 && b.upper != f64::INFINITY {
                return (b.count * rhs / b.upper, rhs / 2.0);
            }
            if b.upper <= 0.0 {
                return (b.count, rhs);
            }
            return (0.0, finite_or_zero(b.upper));
        }
        if rhs <= b.lower {
            return (b.count, 0.0);
        }
        if rhs >= 0.0 && b.upper > rhs && b.upper != f64::INFINITY {
            return (b.count * (1.0 - rhs / b.upper), (rhs + b.upper) / 2.0);
        }
        return (0.0, finite_or_zero(b.upper));
    }
    // Only the upper bound is infinite.
    if upper {
        return (0.0, finite_or_zero(b.lower));
    }
    if rhs >= b.lower {
        return (b.count, rhs);
    }
    (0.0, finite_or_zero(b.lower))
}

/// Kept count and midpoint of the zero bucket `[-threshold, threshold]`
/// (Prometheus' `computeZeroBucketTrim`), narrowed to the side of zero
/// where the other populated buckets are if they are all on one side; the
/// zero bucket always interpolates linearly.
#[allow(
    clippy::manual_midpoint,
    reason = "(a + b) / 2 as Prometheus computes it, overflowing where Go's does"
)]
fn zero_bucket_trim(
    b: TrimBucket,
    rhs: f64,
    has_negative: bool,
    has_positive: bool,
    upper: bool,
) -> (f64, f64) {
    let (mut lower, mut up) = (b.lower, b.upper);
    if has_negative && !has_positive {
        up = 0.0;
    }
    if has_positive && !has_negative {
        lower = 0.0;
    }
    let (fraction, midpoint) = if upper {
        if rhs <= lower {
            return (0.0, 0.0);
        }
        if rhs >= up {
            return (b.count, (lower + up) / 2.0);
        }
        ((rhs - lower) / (up - lower), (lower + rhs) / 2.0)
    } else {
        if rhs <= lower {
            return (b.count, (lower + up) / 2.0);
        }
        if rhs >= up {
            return (0.0, 0.0);
        }
        ((up - rhs) / (up - lower), (rhs + up) / 2.0)
    };
    (b.count * fraction, midpoint)
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

/// Trimming (`</`, `>/`) against results from Prometheus' conformance
/// suite (native_histograms.test).
#[cfg(test)]
mod trim_tests {
    use super::*;

    /// Trims the histogram `load` at each `(operator, rhs)` and compares
    /// with the expected histogram as promqltest does.
    fn check(load: &str, cases: &[(&str, f64, &str)]) {
        let h = parse_histogram_body(load).expect("valid histogram");
        for (op, rhs, want) in cases {
            let upper = match *op {
                "</" => true,
                ">/" => false,
                other => panic!("not a trim operator: {other}"),
            };
            let want = parse_histogram_body(want).expect("valid expected histogram");
            let got = h.trim_buckets(*rhs, upper);
            assert!(
                got.approx_eq(&want, false),
                "{{{{{load}}}}} {op} {rhs}\n got {got:?}\nwant {want:?}"
            );
        }
    }

    /// The conformance suite's trim point halving bucket (1, 2] on a log scale.
    #[allow(
        clippy::approx_constant,
        reason = "the value as the conformance suite writes it"
    )]
    const NEAR_SQRT_2: f64 = 1.4142135624;

    const MIXED: &str = "schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]";

    #[test]
    fn infinite_trim_points_keep_or_drop_everything() {
        check(
            MIXED,
            &[
                (">/", f64::NEG_INFINITY, MIXED),
                ("</", f64::INFINITY, MIXED),
                (">/", f64::INFINITY, "schema:0 z_bucket_w:0.001"),
                ("</", f64::NEG_INFINITY, "schema:0 z_bucket_w:0.001"),
            ],
        );
    }

    #[test]
    fn untouched_histogram_keeps_its_own_sum() {
        // Midpoints would give a different sum: it is only recomputed when
        // some bucket actually lost observations.
        let h = parse_histogram_body(MIXED).unwrap();
        let same = h.trim_buckets(1e300, true);
        assert_eq!(same, h);
        let cut = h.trim_buckets(0.0, true);
        assert_ne!(cut.sum, h.sum);
        // The receiver is not modified.
        assert_eq!(h, parse_histogram_body(MIXED).unwrap());
    }

    #[test]
    fn zero_bucket_split_at_zero_with_buckets_on_both_sides() {
        check(
            MIXED,
            &[
                (
                    ">/",
                    0.0,
                    "schema:0 sum:120.20840280171308 count:30.5 z_bucket:0.5 z_bucket_w:0.001 buckets:[2 4 8 16]",
                ),
                (
                    "</",
                    0.0,
                    "schema:0 sum:-3.53578390593273768 count:3.5 z_bucket:0.5 z_bucket_w:0.001 n_buckets:[1 2]",
                ),
            ],
        );
    }

    #[test]
    fn exponential_bucket_cut_inside_interpolates_on_log_scale() {
        // sqrt(2) halves bucket (1, 2] on a log scale.
        check(
            MIXED,
            &[
                (
                    "</",
                    NEAR_SQRT_2,
                    "count:8 sum:0.2570938865989847 z_bucket:1 z_bucket_w:0.001 buckets:[2 2] n_buckets:[1 2]",
                ),
                (
                    ">/",
                    NEAR_SQRT_2,
                    "count:26 sum:116.50067065070982 z_bucket_w:0.001 buckets:[0 2 8 16]",
                ),
            ],
        );
    }

    #[test]
    fn log_interpolated_sum_matches_prometheus_to_the_bit() {
        // Kept counts on both sides of zero nearly cancel in the sum, so the
        // last bit of the interpolated fraction shows: Go's Log2 formula
        // gives Prometheus' value, the correctly rounded log2 does not.
        let h = parse_histogram_body(MIXED).unwrap();
        assert_eq!(h.trim_buckets(NEAR_SQRT_2, true).sum, 0.2570938865989847);
        assert_eq!(h.trim_buckets(NEAR_SQRT_2, false).sum, 116.50067065070982);
    }

    #[test]
    fn finer_schema_positive_and_negative_cuts() {
        check(
            "schema:2 sum:12.8286080906 count:28 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 4 7 3] n_buckets:[1 5 3 1]",
            &[
                (
                    "</",
                    1.13,
                    "schema:2 count:13.410582181123704 sum:-9.385798726068233 z_bucket:1 z_bucket_w:0.001 buckets:[1 1.410582181123704] n_buckets:[1 5 3 1]",
                ),
                (
                    ">/",
                    1.13,
                    "schema:2 count:14.589417818876296 sum:22.168126492693734 z_bucket_w:0.001 offset:1 buckets:[0.589417818876296 4 7 3]",
                ),
                (
                    ">/",
                    -1.3,
                    "schema:2 count:25.54213947904476 sum:16.29588491217537 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 4 7 3] n_buckets:[1 5 1.54213947904476]",
                ),
                (
                    "</",
                    -1.3,
                    "schema:2 count:2.45786052095524 sum:-3.5189307983595066 z_bucket_w:0.001 n_offset:2 n_buckets:[1.45786052095524 1]",
                ),
            ],
        );
    }

    #[test]
    fn exponential_cut_on_bucket_boundary() {
        check(
            MIXED,
            &[
                (
                    "</",
                    2.0,
                    "count:10 sum:3.5355339059327373 z_bucket:1 z_bucket_w:0.001 buckets:[2 4] n_buckets:[1 2]",
                ),
                (
                    ">/",
                    2.0,
                    "count:24 sum:113.13708498984761 z_bucket_w:0.001 offset:2 buckets:[8 16]",
                ),
                (
                    ">/",
                    -1.0,
                    "count:32 sum:119.50104602052653 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1]",
                ),
                (
                    "</",
                    -1.0,
                    "count:2 sum:-2.8284271247461903 z_bucket_w:0.001 n_offset:1 n_buckets:[2]",
                ),
            ],
        );
    }

    #[test]
    fn zero_bucket_leans_to_the_only_populated_side() {
        // Only positive buckets: the zero bucket counts as [0, 0.5].
        check(
            "schema:0 sum:8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 buckets:[10]",
            &[
                (
                    ">/",
                    0.5,
                    "schema:0 count:10 sum:7.0710678118654755 z_bucket:0 z_bucket_w:0.5 buckets:[10]",
                ),
                (
                    ">/",
                    0.1,
                    "schema:0 count:11.6 sum:7.551067811865476 z_bucket:1.6 z_bucket_w:0.5 buckets:[10]",
                ),
                (
                    ">/",
                    0.0,
                    "schema:0 sum:8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 buckets:[10]",
                ),
                (
                    "</",
                    0.5,
                    "schema:0 count:2 sum:0.5 z_bucket:2 z_bucket_w:0.5",
                ),
                (
                    "</",
                    0.1,
                    "schema:0 count:0.4 sum:0.02 z_bucket:0.4 z_bucket_w:0.5",
                ),
                ("</", 0.0, "schema:0 z_bucket_w:0.5"),
            ],
        );
        // Only negative buckets: the zero bucket counts as [-0.5, 0].
        check(
            "schema:0 sum:-8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 n_buckets:[10]",
            &[
                (
                    "</",
                    -0.5,
                    "schema:0 count:10 sum:-7.0710678118654755 z_bucket:0 z_bucket_w:0.5 n_buckets:[10]",
                ),
                (
                    "</",
                    -0.1,
                    "schema:0 count:11.6 sum:-7.551067811865476 z_bucket:1.6 z_bucket_w:0.5 n_buckets:[10]",
                ),
                (
                    "</",
                    0.0,
                    "schema:0 sum:-8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 n_buckets:[10]",
                ),
                (
                    ">/",
                    -0.5,
                    "schema:0 count:2 sum:-0.5 z_bucket:2 z_bucket_w:0.5",
                ),
                (
                    ">/",
                    -0.1,
                    "schema:0 count:0.4 sum:-0.02 z_bucket:0.4 z_bucket_w:0.5",
                ),
                (">/", 0.0, "schema:0 z_bucket_w:0.5"),
            ],
        );
    }

    #[test]
    fn lone_zero_bucket_interpolates_linearly_across_zero() {
        let w = |count: f64, sum: f64| {
            format!("schema:0 count:{count} sum:{sum} z_bucket:{count} z_bucket_w:0.1")
        };
        let cases = [
            (">/", 0.1, w(0.0, 0.0)),
            ("</", 0.1, w(5.0, 0.0)),
            (">/", 0.05, w(1.25, 0.09375)),
            ("</", 0.05, w(3.75, -0.09375)),
            (">/", 0.0, w(2.5, 0.125)),
            ("</", 0.0, w(2.5, -0.125)),
            (">/", -0.05, w(3.75, 0.09375)),
            ("</", -0.05, w(1.25, -0.09375)),
            ("</", -0.1, w(0.0, 0.0)),
            (">/", -0.1, w(5.0, 0.0)),
        ];
        let cases: Vec<(&str, f64, &str)> =
            cases.iter().map(|(o, r, e)| (*o, *r, e.as_str())).collect();
        check("schema:0 count:5 sum:0 z_bucket:5 z_bucket_w:0.1", &cases);
    }

    #[test]
    fn zero_bucket_with_buckets_on_both_sides_cut_off_zero() {
        check(
            "schema:0 sum:-6.75 z_bucket:5 z_bucket_w:0.01 buckets:[2 3] n_buckets:[1 2 3]",
            &[
                (
                    "</",
                    -0.005,
                    "count:7.25 sum:-12.03019028017131 z_bucket:1.25 z_bucket_w:0.01 n_buckets:[1 2 3]",
                ),
                (
                    ">/",
                    0.0,
                    "count:7.5 sum:5.669354249492381 z_bucket:2.5 z_bucket_w:0.01 buckets:[2 3]",
                ),
            ],
        );
    }

    const CBH: &str =
        "schema:-53 sum:172.5 count:15 custom_values:[5 10 15 20] buckets:[1 6 4 3 1]";

    #[test]
    fn custom_buckets_cut_on_boundary_inside_and_in_inf_bucket() {
        let empty = "schema:-53 custom_values:[5 10 15 20]";
        check(
            CBH,
            &[
                (
                    "</",
                    15.0,
                    "schema:-53 count:11 sum:97.5 custom_values:[5 10 15 20] buckets:[1 6 4]",
                ),
                (
                    ">/",
                    15.0,
                    "schema:-53 count:4 sum:72.5 custom_values:[5 10 15 20] offset:3 buckets:[3 1]",
                ),
                // Linear interpolation inside (10, 15].
                (
                    "</",
                    13.0,
                    "schema:-53 count:9.4 sum:75.1 custom_values:[5 10 15 20] buckets:[1 6 2.4]",
                ),
                (
                    ">/",
                    13.0,
                    "schema:-53 count:5.6 sum:94.9 custom_values:[5 10 15 20] offset:2 buckets:[1.6 3 1]",
                ),
                (
                    "</",
                    7.5,
                    "schema:-53 count:4 sum:21.25 custom_values:[5 10 15 20] buckets:[1 3]",
                ),
                // The (20, +Inf] bucket goes although 50 is above its lower bound.
                (
                    "</",
                    50.0,
                    "schema:-53 count:14 sum:150.0 custom_values:[5 10 15 20] buckets:[1 6 4 3]",
                ),
                ("</", f64::NEG_INFINITY, empty),
                (">/", f64::INFINITY, empty),
                ("</", f64::INFINITY, CBH),
                (">/", f64::NEG_INFINITY, CBH),
                // The first bucket (-Inf, 5] is taken to start at 0.
                (">/", 0.0, CBH),
                ("</", 0.0, empty),
            ],
        );
    }

    #[test]
    fn custom_buckets_with_negative_bound() {
        check(
            "schema:-53 sum:172.5 count:15 custom_values:[-10 5 10 15 20] buckets:[2 1 6 4 3 1]",
            &[
                (
                    "</",
                    2.0,
                    "schema:-53 count:2.8 sum:-23.2 custom_values:[-10 5 10 15 20] buckets:[2 0.8]",
                ),
                (
                    "</",
                    -4.0,
                    "schema:-53 count:2.4 sum:-22.8 custom_values:[-10 5 10 15 20] buckets:[2 0.4]",
                ),
                (
                    "</",
                    -15.0,
                    "schema:-53 count:2 sum:-30 custom_values:[-10 5 10 15 20] buckets:[2]",
                ),
            ],
        );
    }

    #[test]
    fn custom_single_bucket_spanning_everything() {
        let all = "schema:-53 sum:100 count:100 buckets:[100]";
        let none = "schema:-53 sum:0 count:0 buckets:[0]";
        check(
            "schema:-53 sum:100.0 count:100 buckets:[100]",
            &[
                ("</", 10.0, none),
                (">/", 10.0, none),
                ("</", f64::INFINITY, all),
                (">/", f64::INFINITY, none),
                (">/", f64::NEG_INFINITY, all),
                ("</", f64::NEG_INFINITY, none),
            ],
        );
    }

    #[test]
    fn custom_two_buckets_split_at_zero_positive_and_negative() {
        check(
            "schema:-53 sum:33.0 count:100 custom_values:[0] buckets:[1 100]",
            &[
                (
                    "</",
                    10.0,
                    "schema:-53 sum:0.0 count:1 custom_values:[0] buckets:[1 0]",
                ),
                (
                    "</",
                    0.0,
                    "schema:-53 sum:0.0 count:1 custom_values:[0] buckets:[1 0]",
                ),
                (
                    "</",
                    -10.0,
                    "schema:-53 sum:-10.0 count:1 custom_values:[0] buckets:[1 0]",
                ),
                (
                    ">/",
                    -10.0,
                    "schema:-53 sum:0.0 count:100 custom_values:[0] buckets:[0 100]",
                ),
                (
                    ">/",
                    0.0,
                    "schema:-53 sum:0.0 count:100 custom_values:[0] buckets:[0 100]",
                ),
                (
                    ">/",
                    10.0,
                    "schema:-53 sum:1000.0 count:100 custom_values:[0] buckets:[0 100]",
                ),
            ],
        );
        check(
            "schema:-53 sum:33 count:101 custom_values:[5] buckets:[1 100]",
            &[
                (
                    "</",
                    10.0,
                    "schema:-53 sum:2.5 count:1 custom_values:[5] buckets:[1 0]",
                ),
                (
                    "</",
                    2.0,
                    "schema:-53 sum:0.4 count:0.4 custom_values:[5] buckets:[0.4 0]",
                ),
                ("</", 0.0, "schema:-53 custom_values:[5]"),
                (
                    "</",
                    -10.0,
                    "schema:-53 sum:0.0 count:0 custom_values:[5] buckets:[0 0]",
                ),
                (
                    ">/",
                    -10.0,
                    "schema:-53 sum:500.0 count:100 custom_values:[5] buckets:[0 100]",
                ),
                (
                    ">/",
                    0.0,
                    "schema:-53 sum:33.0 count:101 custom_values:[5] buckets:[1 100]",
                ),
                (
                    ">/",
                    2.0,
                    "schema:-53 sum:502.1 count:100.6 custom_values:[5] buckets:[0.6 100]",
                ),
                (
                    ">/",
                    10.0,
                    "schema:-53 sum:1000.0 count:100 custom_values:[5] buckets:[0 100]",
                ),
                // Two rows of the on(label) join: trim points 1 and 4.
                (
                    ">/",
                    1.0,
                    "schema:-53 count:100.8 sum:502.4 custom_values:[5] buckets:[0.8 100]",
                ),
            ],
        );
        check(
            "schema:-53 sum:66 count:202 custom_values:[5] buckets:[2 200]",
            &[(
                ">/",
                4.0,
                "schema:-53 count:200.4 sum:1001.8 custom_values:[5] buckets:[0.4 200]",
            )],
        );
        check(
            "schema:-53 sum:33 count:101 custom_values:[-5] buckets:[1 100]",
            &[
                (
                    "</",
                    10.0,
                    "schema:-53 sum:-5.0 count:1 custom_values:[-5] buckets:[1 0]",
                ),
                (
                    "</",
                    0.0,
                    "schema:-53 sum:-5 count:1 custom_values:[-5] buckets:[1 0]",
                ),
                (
                    "</",
                    -2.0,
                    "schema:-53 sum:-5.0 count:1 custom_values:[-5] buckets:[1 0]",
                ),
                (
                    "</",
                    -10.0,
                    "schema:-53 sum:-10.0 count:1 custom_values:[-5] buckets:[1 0]",
                ),
                (
                    ">/",
                    -10.0,
                    "schema:-53 sum:-500 count:100 custom_values:[-5] buckets:[0 100]",
                ),
                (
                    ">/",
                    -2.0,
                    "schema:-53 sum:-200 count:100 custom_values:[-5] buckets:[0 100]",
                ),
                (
                    ">/",
                    0.0,
                    "schema:-53 sum:0.0 count:100 custom_values:[-5] buckets:[0 100]",
                ),
                (
                    ">/",
                    10.0,
                    "schema:-53 sum:1000.0 count:100 custom_values:[-5] buckets:[0 100]",
                ),
            ],
        );
    }

    #[test]
    fn empty_histograms_stay_empty() {
        for load in ["", "schema:-53 custom_values:[-3 2]"] {
            let h = parse_histogram_body(load).unwrap();
            for rhs in [f64::NEG_INFINITY, -5.0, 0.0, 5.0, f64::INFINITY] {
                for upper in [true, false] {
                    assert_eq!(h.trim_buckets(rhs, upper), h, "{{{{{load}}}}} at {rhs}");
                }
            }
        }
    }

    #[test]
    fn trimmed_result_drops_emptied_buckets() {
        // Prometheus compacts the result: emptied buckets are gone, not zero.
        let h = parse_histogram_body(MIXED).unwrap();
        let r = h.trim_buckets(2.0, false);
        assert_eq!(r.positive, vec![(2, 8.0), (3, 16.0)]);
        assert!(r.negative.is_empty());
        assert_eq!(r.zero_count, 0.0);
    }

    #[test]
    fn bucket_bounds_follow_prometheus() {
        // Custom: -Inf below the first bound, +Inf above the last.
        let cv = [5.0, 10.0];
        assert_eq!(
            FloatHistogram::trim_bucket_bounds(CUSTOM_BUCKETS_SCHEMA, &cv, 0, true),
            (f64::NEG_INFINITY, 5.0)
        );
        assert_eq!(
            FloatHistogram::trim_bucket_bounds(CUSTOM_BUCKETS_SCHEMA, &cv, 2, true),
            (10.0, f64::INFINITY)
        );
        // Exponential: negative buckets mirror positive ones.
        assert_eq!(
            FloatHistogram::trim_bucket_bounds(0, &[], 2, false),
            (-4.0, -2.0)
        );
        assert_eq!(
            FloatHistogram::trim_bucket_bounds(-1, &[], 1, true),
            (1.0, 4.0)
        );
        // The last finite bucket ends at the largest float, not at +Inf.
        assert_eq!(
            FloatHistogram::trim_bucket_bounds(0, &[], 1024, true).1,
            f64::MAX
        );
        assert_eq!(
            FloatHistogram::trim_bucket_bounds(2, &[], 4096, true).1,
            f64::MAX
        );
        assert_eq!(
            FloatHistogram::trim_bucket_bounds(0, &[], 1025, true).1,
            f64::INFINITY
        );
    }
}
