//! Aggregations over time of each series of a range vector: the `*_over_time` functions.
//! `sum`, `avg`, `count`, `first`, `last` and the `ts_of_*` of first and last also take
//! histograms; the others ignore them.

use crate::syntax::Call;

use super::range::{MIXED_FLOATS, float_sample, float_samples, histogram_sample, warn_hist};
use super::{Window, arg};
use crate::aggregate::{annotated_sum, kahan_inc, kahan_mean, quantile as quantile_of, variance};
use crate::engine::{ESample, Evaluator, RSeries};
use crate::histogram::{FloatHistogram, MIXED_SCHEMAS, reconciled_note, sum_histograms};
use crate::hquantile::validate_quantile;
use crate::value::EvalError;

pub(super) fn sum(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    sum_or_avg(ev, w, s, false)
}

pub(super) fn avg(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    sum_or_avg(ev, w, s, true)
}

fn sum_or_avg(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
    mean: bool,
) -> Option<ESample> {
    if !s.hists.is_empty() {
        return histogram_sum(ev, w, s, mean).map(|h| histogram_sample(s, w.t, h));
    }
    let f = &s.floats;
    if f.is_empty() {
        return None;
    }
    let v = if mean {
        kahan_mean(f.iter().map(|p| p.1))
    } else {
        let (mut sum, mut cc) = (0.0, 0.0);
        for p in f.iter() {
            (sum, cc) = kahan_inc(p.1, sum, cc);
        }
        if sum.is_infinite() { sum } else { sum + cc }
    };
    Some(float_sample(s, w.t, v, false))
}

/// The sum (or the mean) of the histograms of a series; none if it has floats too.
fn histogram_sum(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
    mean: bool,
) -> Option<FloatHistogram> {
    if !s.floats.is_empty() {
        warn_hist(ev, MIXED_FLOATS, s, w.at);
        return None;
    }
    // (The "reconciled" info is given even when a later histogram cannot be added.)
    match sum_histograms(s.hists.iter().map(|(_, h)| h), mean) {
        Ok(None) => None,
        Ok(Some(sum)) => Some(annotated_sum(ev, sum, w.at)),
        Err(mixed) => {
            if mixed.reconciled {
                ev.info_at(reconciled_note("aggregation"), w.at);
            }
            warn_hist(ev, MIXED_SCHEMAS, s, w.at);
            None
        }
    }
}

pub(super) fn count(_: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    let n = (s.floats.len() + s.hists.len()) as f64;
    Some(float_sample(s, w.t, n, false))
}

pub(super) fn present(_: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    Some(float_sample(s, w.t, 1.0, false))
}

pub(super) fn min(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    extreme(ev, w, s, false, false)
}

pub(super) fn max(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    extreme(ev, w, s, true, false)
}

pub(super) fn ts_of_min(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
) -> Option<ESample> {
    extreme(ev, w, s, false, true)
}

pub(super) fn ts_of_max(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
) -> Option<ESample> {
    extreme(ev, w, s, true, true)
}

/// The least (or greatest) float value, or with `ts_of` the time it last occurs. A NaN
/// loses to any value after it.
fn extreme(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
    is_max: bool,
    ts_of: bool,
) -> Option<ESample> {
    let f = float_samples(ev, s, 1)?;
    let (mut best, mut best_t) = (f[0].1, f[0].0);
    for (pt, pv) in f {
        let better = if ts_of {
            (if is_max { *pv >= best } else { *pv <= best }) || best.is_nan()
        } else {
            (if is_max { *pv > best } else { *pv < best }) || best.is_nan()
        };
        if better {
            best = *pv;
            best_t = *pt;
        }
    }
    let v = if ts_of { best_t as f64 / 1000.0 } else { best };
    Some(float_sample(s, w.t, v, false))
}

pub(super) fn ts_of_first(
    _: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
) -> Option<ESample> {
    let tf = s.floats.first().map_or(i64::MAX, |p| p.0);
    let th = s.hists.first().map_or(i64::MAX, |p| p.0);
    Some(float_sample(s, w.t, tf.min(th) as f64 / 1000.0, false))
}

pub(super) fn ts_of_last(
    _: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
) -> Option<ESample> {
    let tf = s.floats.last().map_or(i64::MIN, |p| p.0);
    let th = s.hists.last().map_or(i64::MIN, |p| p.0);
    Some(float_sample(s, w.t, tf.max(th) as f64 / 1000.0, false))
}

pub(super) fn first(_: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    first_or_last(w, s, false)
}

pub(super) fn last(_: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    first_or_last(w, s, true)
}

/// The first (or last) sample, float or histogram, keeping the series' name.
fn first_or_last(w: &Window<'_>, s: &RSeries<'_>, last: bool) -> Option<ESample> {
    let f = &s.floats;
    let fp = if last { f.last() } else { f.first() };
    let hp = if last {
        s.hists.last()
    } else {
        s.hists.first()
    };
    let use_h = match (fp, hp) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => {
            if last {
                b.0 > a.0
            } else {
                b.0 < a.0
            }
        }
    };
    if use_h {
        let (_, h) = hp?;
        return Some(ESample {
            labels: s.labels.clone(),
            t: w.t,
            f: 0.0,
            h: Some(Box::new(h.clone())),
            drop_name: s.drop_name,
        });
    }
    fp.map(|p| float_sample(s, w.t, p.1, true))
}

pub(super) fn stddev(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    let f = float_samples(ev, s, 1)?;
    let v = variance(f.iter().map(|p| p.1)).sqrt();
    Some(float_sample(s, w.t, v, false))
}

pub(super) fn stdvar(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    let f = float_samples(ev, s, 1)?;
    let v = variance(f.iter().map(|p| p.1));
    Some(float_sample(s, w.t, v, false))
}

/// A quantile (`scalars[0]`) outside [0, 1] is warned about (the result is ±Inf).
pub(super) fn check_quantile(
    ev: &mut Evaluator<'_>,
    c: &Call,
    scalars: &[f64],
) -> Result<(), EvalError> {
    validate_quantile(ev, scalars[0], arg(c, 0)?);
    Ok(())
}

/// The `scalars[0]` quantile of the float values.
pub(super) fn quantile(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    let f = float_samples(ev, s, 1)?;
    let mut vals: Vec<f64> = f.iter().map(|p| p.1).collect();
    Some(float_sample(
        s,
        w.t,
        quantile_of(w.scalars[0], &mut vals),
        false,
    ))
}

/// The median absolute deviation of the float values from their median.
pub(super) fn mad(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    let f = float_samples(ev, s, 1)?;
    let mut vals: Vec<f64> = f.iter().map(|p| p.1).collect();
    // A NaN sample makes the deviation undefined rather than being sorted to one end.
    if vals.iter().any(|v| v.is_nan()) {
        return Some(float_sample(s, w.t, f64::NAN, false));
    }
    let med = quantile_of(0.5, &mut vals);
    let mut dev: Vec<f64> = f.iter().map(|p| (p.1 - med).abs()).collect();
    Some(float_sample(s, w.t, quantile_of(0.5, &mut dev), false))
}
