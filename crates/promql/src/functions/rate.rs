//! Rates and changes of a range vector's series: extrapolated (`rate`, `increase`, `delta`),
//! between the last two samples (`irate`, `idelta`), and counts of resets and changes
//! (`resets`, `changes`).

use crate::syntax::Expr;

use super::Window;
use super::range::{
    MIXED_FLOATS, NOT_COUNTER, NOT_GAUGE, Pt, float_sample, histogram_sample, merged, warn_hist,
};
use crate::engine::{ESample, Evaluator, MatrixArg, RSeries};
use crate::histogram::{CounterResetHint, FloatHistogram, MIXED_SCHEMAS, reconciled_note};

pub(super) fn rate(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    extrapolated(ev, w, s, true, true)
}

pub(super) fn increase(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    extrapolated(ev, w, s, true, false)
}

pub(super) fn delta(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    extrapolated(ev, w, s, false, false)
}

pub(super) fn irate(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    last_two(ev, w, s, true)
}

pub(super) fn idelta(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    last_two(ev, w, s, false)
}

pub(super) fn resets(_: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    count_pairs(w, s, |a, b| b < a, |a, b| b.detect_reset(a))
}

pub(super) fn changes(_: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    count_pairs(
        w,
        s,
        |a, b| a != b && !(a.is_nan() && b.is_nan()),
        |a, b| a != b,
    )
}

/// The number of consecutive samples for which `floats` or `hists` holds (a float next to
/// a histogram always counts).
fn count_pairs(
    w: &Window<'_>,
    s: &RSeries<'_>,
    floats: fn(f64, f64) -> bool,
    hists: fn(&FloatHistogram, &FloatHistogram) -> bool,
) -> Option<ESample> {
    let pts = merged(s);
    let mut n = 0.0;
    for p in pts.windows(2) {
        let hit = match (&p[0].1, &p[1].1) {
            (Pt::F(a), Pt::F(b)) => floats(*a, *b),
            (Pt::H(a), Pt::H(b)) => hists(a, b),
            _ => true,
        };
        if hit {
            n += 1.0;
        }
    }
    if pts.is_empty() {
        None
    } else {
        Some(float_sample(s, w.t, n, false))
    }
}

/// `rate` (`is_rate`), `increase` (a counter) or `delta` (neither).
fn extrapolated(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
    is_counter: bool,
    is_rate: bool,
) -> Option<ESample> {
    if !s.hists.is_empty() {
        return extrapolated_histogram(ev, w, s, is_counter, is_rate)
            .map(|h| histogram_sample(s, w.t, h));
    }
    let zero_clamp_first = ev.semantics.zero_clamp_before_threshold;
    extrapolated_float(s, w.matrix, is_counter, is_rate, zero_clamp_first)
        .map(|v| float_sample(s, w.t, v, false))
}

/// Prometheus' extrapolated rate/increase/delta for float samples (`zero_clamp_first`: see
/// [`extrapolation_factor`]).
fn extrapolated_float(
    s: &RSeries<'_>,
    m: &MatrixArg<'_>,
    is_counter: bool,
    is_rate: bool,
    zero_clamp_first: bool,
) -> Option<f64> {
    let f = &s.floats;
    if f.len() < 2 || !s.hists.is_empty() {
        return None;
    }
    let (first_t, first_v) = f[0];
    let (last_t, last_v) = f[f.len() - 1];
    let mut result = last_v - first_v;
    if is_counter {
        for w in f.windows(2) {
            if w[1].1 < w[0].1 {
                result += w[0].1;
            }
        }
    }
    Some(
        result
            * extrapolation_factor(
                m,
                (first_t, last_t, f.len()),
                is_counter,
                is_rate,
                (result, first_v),
                zero_clamp_first,
            ),
    )
}

/// rate, increase or delta of a series with histogram samples.
fn extrapolated_histogram(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
    is_counter: bool,
    is_rate: bool,
) -> Option<FloatHistogram> {
    let hs = &s.hists;
    if !s.floats.is_empty() {
        warn_hist(ev, MIXED_FLOATS, s, w.at);
        return None;
    }
    if hs.len() < 2 {
        return None;
    }
    let mut h = histogram_rate(ev, hs, is_counter, s, w.at)?;
    let first = &hs[0];
    let last = &hs[hs.len() - 1];
    let factor = extrapolation_factor(
        w.matrix,
        (first.0, last.0, hs.len()),
        is_counter,
        is_rate,
        (h.count, first.1.count),
        // Prometheus 2.x did not clamp histograms at all; the 3.x clamp stays.
        false,
    );
    h.scale(factor);
    Some(h)
}

/// Prometheus' extrapolation of a rate/increase/delta to the window
/// edges, given the first and last sample times and the sample count.
/// `result` and `first` are the raw increase and first value (for
/// histograms: their observation counts), which bound the extrapolation
/// of counters to where they would reach zero.
///
/// A first sample further from the window's start than 110% of the average
/// interval is extrapolated by half an interval only. Since 2.51 that cut
/// comes first and the zero point can only shorten it further; before
/// (`zero_clamp_first`), the zero point shortened the distance first, so a
/// zero point within 110% of the interval was extrapolated to in full even
/// where half an interval is less.
fn extrapolation_factor(
    m: &MatrixArg<'_>,
    (first_t, last_t, n): (i64, i64, usize),
    is_counter: bool,
    is_rate: bool,
    (result, first_v): (f64, f64),
    zero_clamp_first: bool,
) -> f64 {
    let f_len = n;
    let window_to_start = (first_t - m.range_start) as f64 / 1000.0;
    let mut to_start = window_to_start;
    let mut to_end = (m.range_end - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let avg = sampled / (f_len - 1) as f64;
    let threshold = avg * 1.1;
    if to_start >= threshold {
        to_start = avg / 2.0;
    }
    if is_counter && result > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / result);
        if zero_clamp_first {
            let clamped = if to_zero < window_to_start {
                to_zero
            } else {
                window_to_start
            };
            to_start = if clamped >= threshold {
                avg / 2.0
            } else {
                clamped
            };
        } else if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if is_rate {
        factor /= m.range_ms as f64 / 1000.0;
    }
    factor
}

/// The raw increase (or delta) between the first and last histogram of a
/// window, corrected for counter resets (Prometheus' `histogramRate`).
fn histogram_rate(
    ev: &mut Evaluator<'_>,
    hs: &[(i64, FloatHistogram)],
    is_counter: bool,
    s: &RSeries<'_>,
    at: &Expr,
) -> Option<FloatHistogram> {
    let gauge = |h: &FloatHistogram| h.counter_reset_hint == CounterResetHint::Gauge;
    let first = &hs.first()?.1;
    let last = &hs.last()?.1;
    if is_counter && (gauge(first) || gauge(last)) {
        warn_hist(ev, NOT_COUNTER, s, at);
    }
    // A reset between the first two samples means the first one does not
    // matter, nor does its bucket layout: start from an empty histogram.
    let empty;
    let mut prev: &FloatHistogram = first;
    if is_counter && hs.len() > 1 && hs[1].1.detect_reset(first) {
        empty = FloatHistogram {
            schema: hs[1].1.schema,
            custom_values: hs[1].1.custom_values.clone(),
            ..Default::default()
        };
        prev = &empty;
    }
    let custom = prev.uses_custom_buckets();
    if last.uses_custom_buckets() != custom {
        warn_hist(ev, MIXED_SCHEMAS, s, at);
        return None;
    }
    let mut min_schema = prev.schema.min(last.schema);
    for (_, h) in &hs[1..hs.len() - 1] {
        if !is_counter {
            continue;
        }
        if gauge(h) {
            warn_hist(ev, NOT_COUNTER, s, at);
        }
        min_schema = min_schema.min(h.schema);
        if h.uses_custom_buckets() != custom {
            warn_hist(ev, MIXED_SCHEMAS, s, at);
            return None;
        }
    }
    let Ok((mut h, reconciled)) = last.to_schema(min_schema).combine(prev, -1.0) else {
        warn_hist(ev, MIXED_SCHEMAS, s, at);
        return None;
    };
    if reconciled {
        ev.info_at(reconciled_note("subtraction"), at);
    }
    if is_counter {
        let mut p = prev;
        for (_, cur) in &hs[1..] {
            if cur.detect_reset(p) {
                if let Ok((r, _)) = h.combine(p, 1.0) {
                    h = r;
                } else {
                    warn_hist(ev, MIXED_SCHEMAS, s, at);
                    return None;
                }
            }
            p = cur;
        }
    } else if !(gauge(first) && gauge(last)) {
        warn_hist(ev, NOT_GAUGE, s, at);
    }
    h.counter_reset_hint = CounterResetHint::Gauge;
    h.compact();
    Some(h)
}

/// `irate` (`is_rate`) or `idelta`: from the last two samples.
fn last_two(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
    is_rate: bool,
) -> Option<ESample> {
    if !s.hists.is_empty() {
        match last_two_histograms(ev, w, s, is_rate) {
            LastTwo::Histogram(h) => return Some(histogram_sample(s, w.t, h)),
            LastTwo::Nothing => return None,
            LastTwo::Floats => {}
        }
    }
    let f = &s.floats;
    if f.len() < 2 {
        return None;
    }
    let (t0, v0) = f[f.len() - 2];
    let (t1, v1) = f[f.len() - 1];
    let interval = t1 - t0;
    if interval == 0 {
        return None;
    }
    let v = if is_rate {
        let d = if v1 < v0 { v1 } else { v1 - v0 };
        d / (interval as f64 / 1000.0)
    } else {
        v1 - v0
    };
    Some(float_sample(s, w.t, v, false))
}

/// What `irate` or `idelta` make of a series holding histograms.
enum LastTwo {
    Histogram(FloatHistogram),
    /// No output sample (annotations may have been added).
    Nothing,
    /// The last two samples are floats: the float path applies.
    Floats,
}

fn last_two_histograms(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
    is_rate: bool,
) -> LastTwo {
    let pts = merged(s);
    if pts.len() < 2 {
        return LastTwo::Nothing;
    }
    let (t0, p0) = &pts[pts.len() - 2];
    let (t1, p1) = &pts[pts.len() - 1];
    let (a, b) = match (p0, p1) {
        (Pt::H(a), Pt::H(b)) => (*a, *b),
        (Pt::F(_), Pt::F(_)) => return LastTwo::Floats,
        _ => {
            warn_hist(ev, MIXED_FLOATS, s, w.at);
            return LastTwo::Nothing;
        }
    };
    let mut r = if is_rate && b.detect_reset(a) {
        b.clone()
    } else if let Ok((h, reconciled)) = b.combine(a, -1.0) {
        if reconciled {
            ev.info_at(reconciled_note("subtraction"), w.at);
        }
        h
    } else {
        warn_hist(ev, MIXED_SCHEMAS, s, w.at);
        return LastTwo::Nothing;
    };
    let gauge = |h: &FloatHistogram| h.counter_reset_hint == CounterResetHint::Gauge;
    if is_rate && (gauge(a) || gauge(b)) {
        warn_hist(ev, NOT_COUNTER, s, w.at);
    }
    if !is_rate && (!gauge(a) || !gauge(b)) {
        warn_hist(ev, NOT_GAUGE, s, w.at);
    }
    r.counter_reset_hint = CounterResetHint::Gauge;
    r.compact();
    if is_rate {
        let dt = t1 - t0;
        if dt == 0 {
            return LastTwo::Nothing;
        }
        r.divide(dt as f64 / 1000.0);
    }
    LastTwo::Histogram(r)
}
