//! `histogram_quantile` and `histogram_fraction` for classic (`le`)
//! buckets and native histograms.

use std::collections::HashMap;

use crate::syntax::Expr;

use super::engine::{ESample, Evaluator};
use super::histogram::FloatHistogram;
use super::labels::{Labels, METRIC_NAME};
use super::notation::parse_float;
use super::value::EvalError;

const BUCKET_LABEL: &str = "le";

/// Quantile from classic cumulative buckets `(upper bound, count)`.
/// Returns the value and whether monotonicity had to be forced.
pub(crate) fn bucket_quantile(q: f64, buckets: &mut [(f64, f64)]) -> (f64, bool) {
    if q.is_nan() {
        return (f64::NAN, false);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, false);
    }
    if q > 1.0 {
        return (f64::INFINITY, false);
    }
    buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    match buckets.last() {
        Some(b) if b.0 == f64::INFINITY => {}
        _ => return (f64::NAN, false),
    }
    // Merge buckets with equal bounds.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for b in buckets.iter() {
        match merged.last_mut() {
            Some(last) if last.0 == b.0 => last.1 += b.1,
            _ => merged.push(*b),
        }
    }
    // Treat tiny relative decreases as float noise rather than a fix-up.
    let mut prev = merged[0].1;
    for b in merged.iter_mut().skip(1) {
        let delta = (b.1 - prev).abs();
        if delta == 0.0 {
            continue;
        }
        if delta / b.1 <= 1e-12 {
            b.1 = prev;
        } else {
            prev = b.1;
        }
    }
    let mut forced = false;
    let mut max = merged[0].1;
    for b in merged.iter_mut().skip(1) {
        if b.1 > max {
            max = b.1;
        } else if b.1 < max {
            b.1 = max;
            forced = true;
        }
    }
    if merged.len() < 2 {
        return (f64::NAN, false);
    }
    let n = merged.len();
    let observations = merged[n - 1].1;
    if observations == 0.0 {
        return (f64::NAN, false);
    }
    let mut rank = q * observations;
    let b = merged[..n - 1].partition_point(|x| x.1 < rank);
    if b == n - 1 {
        return (merged[n - 2].0, forced);
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return (merged[0].0, forced);
    }
    let mut start = 0.0;
    let end = merged[b].0;
    let mut count = merged[b].1;
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    (start + (end - start) * (rank / count), forced)
}

/// A bucket as quantile and fraction estimation see it.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    lower: f64,
    upper: f64,
    count: f64,
}

/// Buckets of a histogram in ascending order, without empty ones, with the
/// bucket straddling zero narrowed to `[0, upper]` (or `[lower, 0]`) when
/// all other buckets are on one side of zero: no observation can be on the
/// other side. For custom buckets this makes the lowest bucket `[0, le]`
/// when `le > 0`, like classic `histogram_quantile`.
fn estimation_buckets(h: &FloatHistogram) -> Vec<Bucket> {
    let only_positive = h.negative.is_empty() && !h.positive.is_empty();
    let only_negative = h.positive.is_empty() && !h.negative.is_empty();
    h.buckets_ascending()
        .into_iter()
        .filter(|b| b.2 != 0.0)
        .map(|(mut lower, mut upper, count)| {
            if lower < 0.0 && upper > 0.0 {
                if only_positive {
                    lower = 0.0;
                } else if only_negative {
                    upper = 0.0;
                }
            }
            Bucket {
                lower,
                upper,
                count,
            }
        })
        .collect()
}

/// Linear interpolation suits custom buckets (as with classic ones) and
/// the zero bucket; exponential buckets interpolate on a log scale.
fn linear_bucket(h: &FloatHistogram, b: &Bucket) -> bool {
    h.uses_custom_buckets() || (b.lower <= 0.0 && b.upper >= 0.0)
}

/// Quantile of a native histogram (Prometheus' `histogramQuantile`).
pub(crate) fn native_quantile(q: f64, h: &FloatHistogram) -> f64 {
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    if h.count == 0.0 || q.is_nan() {
        return f64::NAN;
    }
    let buckets = estimation_buckets(h);
    let Some(first) = buckets.first() else {
        return f64::NAN;
    };
    // With NaN observations (sum NaN) the count exceeds the bucket total,
    // so only forward iteration finds the right rank.
    let forward = h.sum.is_nan() || q < 0.5;
    let mut rank = if forward {
        q * h.count
    } else {
        (1.0 - q) * h.count
    };
    let mut count = 0.0;
    let mut cur = *first;
    let iter: Box<dyn Iterator<Item = &Bucket>> = if forward {
        Box::new(buckets.iter())
    } else {
        Box::new(buckets.iter().rev())
    };
    for b in iter {
        cur = *b;
        count += b.count;
        if count >= rank {
            break;
        }
    }
    if count > h.count {
        count = h.count;
    }
    if count < rank {
        // The rank lies among NaN observations (they count but sit in no
        // bucket), or was missed by float error.
        return if h.sum.is_nan() { f64::NAN } else { cur.upper };
    }
    // Infinite-width custom buckets cannot be interpolated: report their
    // finite bound, as classic histogram_quantile does.
    if cur.lower == f64::NEG_INFINITY {
        return cur.upper;
    }
    if cur.upper == f64::INFINITY {
        return cur.lower;
    }
    if forward {
        rank -= count - cur.count;
    } else {
        rank = count - rank;
    }
    let fraction = rank / cur.count;
    if linear_bucket(h, &cur) {
        return cur.lower + (cur.upper - cur.lower) * fraction;
    }
    let log_lower = cur.lower.abs().log2();
    let log_upper = cur.upper.abs().log2();
    if cur.lower > 0.0 {
        (log_lower + (log_upper - log_lower) * fraction).exp2()
    } else {
        -(log_upper + (log_lower - log_upper) * (1.0 - fraction)).exp2()
    }
}

/// Rank (observations at or below `v`) interpolated inside bucket `b`,
/// given the observations in the buckets below it.
fn rank_within(b: &Bucket, v: f64, rank: f64, linear: bool) -> f64 {
    // Observations of an infinite-width bucket are taken to sit at its
    // infinite end: a value inside it adds none of them.
    if b.lower == f64::NEG_INFINITY {
        return rank + b.count;
    }
    if b.upper == f64::INFINITY {
        return rank;
    }
    if linear {
        return rank + b.count * (v - b.lower) / (b.upper - b.lower);
    }
    let log_lower = b.lower.abs().log2();
    let log_upper = b.upper.abs().log2();
    let log_v = v.abs().log2();
    let fraction = if v > 0.0 {
        (log_v - log_lower) / (log_upper - log_lower)
    } else {
        1.0 - (log_v - log_upper) / (log_lower - log_upper)
    };
    rank + b.count * fraction
}

/// Share of the width of a bucket with finite bounds `lower < v < upper`
/// that lies at or below `v` (Prometheus' `Bucket.FractionBelow`): linear
/// for custom buckets and the zero bucket, otherwise on a log2 scale, where
/// exponential bucket bounds are evenly spaced (negative buckets mirrored).
/// Values outside the bucket or infinite bounds give meaningless results.
/// Logarithms are taken as Go takes them ([`go_log2`]), so that results
/// match Prometheus' to the last bit where the bounds do.
pub(crate) fn fraction_below(lower: f64, upper: f64, v: f64, linear: bool) -> f64 {
    if linear {
        return (v - lower) / (upper - lower);
    }
    let log_lower = go_log2(lower.abs());
    let log_upper = go_log2(upper.abs());
    let log_v = go_log2(v.abs());
    if v > 0.0 {
        (log_v - log_lower) / (log_upper - log_lower)
    } else {
        1.0 - (log_v - log_upper) / (log_lower - log_upper)
    }
}

/// Go's `math.Log2`: the binary exponent plus the natural logarithm of the
/// mantissa in `[0.5, 1)` times `log2(e)`, exact for powers of two. It can
/// differ from `f64::log2` in the last bit.
fn go_log2(x: f64) -> f64 {
    let (mantissa, exponent) = go_frexp(x);
    if mantissa == 0.5 {
        return f64::from(exponent - 1);
    }
    mantissa.ln() * std::f64::consts::LOG2_E + f64::from(exponent)
}

/// Go's `math.Frexp`: `x = mantissa * 2^exponent` with `|mantissa|` in
/// `[0.5, 1)`; zero, infinities and NaN come back unchanged with exponent 0.
fn go_frexp(x: f64) -> (f64, i32) {
    const EXPONENT_BITS: u64 = 0x7ff << 52;
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    // Subnormals: scale into the normal range first.
    let (x, adjust) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(52), -52)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let biased = i32::try_from((bits & EXPONENT_BITS) >> 52).unwrap_or(0);
    let mantissa = f64::from_bits((bits & !EXPONENT_BITS) | (1022 << 52));
    (mantissa, biased - 1022 + adjust)
}

/// Fraction of `total` observations in `[lower, upper]` over ascending
/// buckets (Prometheus' `histogramFraction`).
fn fraction_over(
    buckets: &[Bucket],
    total: f64,
    lower: f64,
    upper: f64,
    linear: impl Fn(&Bucket) -> bool,
    nan_observations: bool,
) -> f64 {
    if total == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }
    let (mut rank, mut lower_rank, mut upper_rank) = (0.0, 0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    for b in buckets {
        if !lower_set && b.lower >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && b.lower >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && b.lower < lower && b.upper > lower {
            lower_rank = rank_within(b, lower, rank, linear(b));
            lower_set = true;
        }
        if !upper_set && b.lower < upper && b.upper > upper {
            upper_rank = rank_within(b, upper, rank, linear(b));
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank += b.count;
    }
    // Bounds beyond every bucket take all bucketed observations; with NaN
    // observations (counted in `total` but in no bucket) those stay out.
    let bucketed = if nan_observations {
        rank.min(total)
    } else {
        total
    };
    if !lower_set || lower_rank > total {
        lower_rank = bucketed;
    }
    if !upper_set || upper_rank > total {
        upper_rank = bucketed;
    }
    (upper_rank - lower_rank) / total
}

/// Fraction of observations of a native histogram in `[lower, upper]`.
pub(crate) fn native_fraction(lower: f64, upper: f64, h: &FloatHistogram) -> f64 {
    let buckets = estimation_buckets(h);
    fraction_over(
        &buckets,
        h.count,
        lower,
        upper,
        |b| linear_bucket(h, b),
        h.sum.is_nan(),
    )
}

/// Fraction of observations of classic cumulative buckets `(le, count)`
/// in `[lower, upper]`: the buckets are read as a histogram with custom
/// bounds (the lowest one starting at 0 when its bound is positive).
pub(crate) fn bucket_fraction(lower: f64, upper: f64, buckets: &mut [(f64, f64)]) -> f64 {
    buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    match buckets.last() {
        Some(b) if b.0 == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for b in buckets.iter() {
        match merged.last_mut() {
            Some(last) if last.0 == b.0 => last.1 += b.1,
            _ => merged.push(*b),
        }
    }
    let mut max = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.1 < max {
            b.1 = max;
        } else {
            max = b.1;
        }
    }
    let total = merged.last().map_or(0.0, |b| b.1);
    let mut out = Vec::with_capacity(merged.len());
    let mut prev = (f64::NEG_INFINITY, 0.0);
    for (i, (le, c)) in merged.iter().enumerate() {
        let mut lo = prev.0;
        if i == 0 && *le > 0.0 {
            lo = 0.0;
        }
        if c - prev.1 != 0.0 {
            out.push(Bucket {
                lower: lo,
                upper: *le,
                count: c - prev.1,
            });
        }
        prev = (*le, *c);
    }
    fraction_over(&out, total, lower, upper, |_| true, false)
}

/// Estimated variance of the observations of a native histogram.
pub(crate) fn histogram_variance(h: &FloatHistogram) -> f64 {
    let mean = h.sum / h.count;
    let (mut var, mut c) = (0.0, 0.0);
    for (lo, up, cnt) in h.buckets_ascending() {
        if cnt == 0.0 {
            continue;
        }
        let val = if h.uses_custom_buckets() {
            f64::midpoint(up, lo)
        } else if lo <= 0.0 && up >= 0.0 {
            0.0
        } else {
            let v = (up * lo).sqrt();
            if up < 0.0 { -v } else { v }
        };
        let d = val - mean;
        (var, c) = super::aggregate::kahan_inc(cnt * d * d, var, c);
    }
    (var + c) / h.count
}

/// Classic buckets of one series: labels without `le`, and `(bound, count)` pairs.
type BucketGroup = (Labels, Vec<(f64, f64)>);

struct Grouped {
    /// Classic bucket groups, keyed by labels without `le`, in input order.
    classic: Vec<BucketGroup>,
    natives: Vec<ESample>,
}

fn group_buckets(ev: &mut Evaluator<'_>, v: Vec<ESample>, at: &Expr) -> Grouped {
    let mut idx: HashMap<Labels, usize> = HashMap::new();
    let mut classic: Vec<BucketGroup> = Vec::new();
    let mut natives = Vec::new();
    for s in v {
        if s.h.is_some() {
            natives.push(s);
            continue;
        }
        let le = s.labels.get_or_empty(BUCKET_LABEL);
        let ub = match parse_float(le) {
            Ok(u) if !le.is_empty() => u,
            _ => {
                ev.warn_at(
                    format!(
                        "bucket label \"le\" is missing or has a malformed value of \"{}\" for metric name \"{}\"",
                        le,
                        s.labels.get_or_empty(METRIC_NAME)
                    ),
                    at,
                );
                continue;
            }
        };
        let key = s.labels.filter(|n| n != BUCKET_LABEL);
        let i = *idx.entry(key.clone()).or_insert_with(|| {
            classic.push((key, Vec::new()));
            classic.len() - 1
        });
        classic[i].1.push((ub, s.f));
    }
    // A native histogram and classic buckets of the same series: neither
    // is evaluated.
    let mut kept = Vec::new();
    for s in natives {
        if let Some(&i) = idx.get(&s.labels)
            && !classic[i].1.is_empty()
        {
            ev.warn_at(
                format!(
                    "vector contains a mix of classic and native histograms for metric name \"{}\"",
                    s.labels.get_or_empty(METRIC_NAME)
                ),
                at,
            );
            classic[i].1.clear();
            continue;
        }
        kept.push(s);
    }
    Grouped {
        classic,
        natives: kept,
    }
}

/// Warns, as Prometheus does, about a quantile outside [0, 1] (the result is ±Inf).
pub(crate) fn validate_quantile(ev: &mut Evaluator<'_>, q: f64, at: &Expr) {
    if q.is_nan() || !(0.0..=1.0).contains(&q) {
        ev.warn_at(
            format!(
                "quantile value should be between 0 and 1, got {}",
                super::aggregate::format_float(q)
            ),
            at,
        );
    }
}

pub(crate) fn histogram_quantile(
    ev: &mut Evaluator<'_>,
    q: f64,
    v: Vec<ESample>,
    t: i64,
    args: (&Expr, &Expr),
) -> Result<Vec<ESample>, EvalError> {
    validate_quantile(ev, q, args.0);
    let g = group_buckets(ev, v, args.1);
    let mut out = Vec::new();
    for s in g.natives {
        let Some(h) = s.h.as_deref() else { continue };
        let f = native_quantile(q, h);
        if h.sum.is_nan() && h.count > 0.0 && (0.0..=1.0).contains(&q) {
            let effect = if f.is_nan() {
                "result is NaN"
            } else {
                "result is skewed higher"
            };
            ev.info_at(
                format!(
                    "input to histogram_quantile has NaN observations, {effect} for metric name \"{}\"",
                    s.labels.get_or_empty(METRIC_NAME)
                ),
                args.1,
            );
        }
        out.push(ESample {
            labels: s.labels.clone(),
            t,
            f,
            h: None,
            drop_name: true,
        });
    }
    for (labels, mut buckets) in g.classic {
        if buckets.is_empty() {
            continue;
        }
        let (f, forced) = bucket_quantile(q, &mut buckets);
        if forced {
            ev.info_at(format!(
                "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \"{}\"",
                labels.get_or_empty(METRIC_NAME)
            ), args.1);
        }
        out.push(ESample {
            labels,
            t,
            f,
            h: None,
            drop_name: true,
        });
    }
    Ok(out)
}

pub(crate) fn histogram_fraction(
    ev: &mut Evaluator<'_>,
    lower: f64,
    upper: f64,
    v: Vec<ESample>,
    t: i64,
    at: &Expr,
) -> Result<Vec<ESample>, EvalError> {
    let g = group_buckets(ev, v, at);
    let mut out = Vec::new();
    for s in g.natives {
        let Some(h) = s.h.as_deref() else { continue };
        if h.sum.is_nan() && h.count > 0.0 {
            ev.info_at(
                format!(
                    "input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name \"{}\"",
                    s.labels.get_or_empty(METRIC_NAME)
                ),
                at,
            );
        }
        out.push(ESample {
            labels: s.labels.clone(),
            t,
            f: native_fraction(lower, upper, h),
            h: None,
            drop_name: true,
        });
    }
    for (labels, mut buckets) in g.classic {
        if buckets.is_empty() {
            continue;
        }
        out.push(ESample {
            labels,
            t,
            f: bucket_fraction(lower, upper, &mut buckets),
            h: None,
            drop_name: true,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_fraction() {
        // (0,1]:1 (1,2]:2 (2,3]:3 (3,+Inf]:94
        let mut b = vec![(1.0, 1.0), (2.0, 3.0), (3.0, 6.0), (f64::INFINITY, 100.0)];
        assert!((bucket_fraction(0.0, 1.5, &mut b) - 0.02).abs() < 1e-12);
        // Values inside the +Inf bucket add none of its observations.
        assert_eq!(bucket_fraction(4.0, 5.0, &mut b), 0.0);
        let mut neg = vec![(-3.0, 10.0), (-2.0, 12.0), (f64::INFINITY, 100.0)];
        assert!((bucket_fraction(-4.0, -2.0, &mut neg) - 0.02).abs() < 1e-12);
        let mut no_inf = vec![(1.0, 1.0)];
        assert!(bucket_fraction(0.0, 1.0, &mut no_inf).is_nan());
    }

    #[test]
    fn native_quantile_log_interpolation() {
        let h = super::super::histogram::parse_histogram_body(
            "schema:0 count:2 sum:3 buckets:[2] offset:1",
        )
        .expect("valid");
        // Bucket (1, 2]: the median sits at sqrt(2) on a log scale.
        assert!((native_quantile(0.5, &h) - std::f64::consts::SQRT_2).abs() < 1e-12);
        let nan =
            super::super::histogram::parse_histogram_body("schema:0 count:15 sum:NaN buckets:[12]")
                .expect("valid");
        assert!(native_quantile(0.81, &nan).is_nan());
        assert!((native_fraction(f64::NEG_INFINITY, f64::INFINITY, &nan) - 0.8).abs() < 1e-12);
    }

    #[test]
    fn go_log2_and_fraction_below() {
        assert_eq!(go_frexp(8.0), (0.5, 4));
        assert_eq!(go_frexp(-3.0), (-0.75, 2));
        assert_eq!(go_frexp(f64::from_bits(1)), (0.5, -1073));
        assert_eq!(go_log2(1024.0), 10.0);
        assert_eq!(go_log2(0.25), -2.0);
        assert_eq!(go_log2(0.0), f64::NEG_INFINITY);
        // Exponential buckets interpolate on a log scale, mirrored below zero.
        let frac = fraction_below(1.0, 2.0, std::f64::consts::SQRT_2, false);
        assert!((frac - 0.5).abs() < 1e-15);
        let frac = fraction_below(-4.0, -2.0, -(2.0_f64.powf(1.5)), false);
        assert!((frac - 0.5).abs() < 1e-15);
        let frac = fraction_below(-4.0, -2.0, -2.5, false);
        assert!(frac > 0.5 && frac < 1.0, "{frac}");
        assert!((fraction_below(10.0, 15.0, 13.0, true) - 0.6).abs() < 1e-15);
    }

    #[test]
    fn classic_quantile() {
        let mut b = vec![(1.0, 1.0), (2.0, 3.0), (f64::INFINITY, 4.0)];
        let (v, forced) = bucket_quantile(0.5, &mut b);
        assert!(!forced);
        assert!((v - 1.5).abs() < 1e-12);
        let mut b = vec![(1.0, 2.0), (2.0, 1.0), (f64::INFINITY, 4.0)];
        assert!(bucket_quantile(0.5, &mut b).1);
        let mut b = vec![(1.0, 2.0)];
        assert!(bucket_quantile(0.5, &mut b).0.is_nan());
    }
}
