//! Functions of the histograms of an instant vector: quantiles and fractions of native and
//! classic histograms (`histogram_quantile`, `histogram_quantiles`, `histogram_fraction`,
//! computed in [`crate::hquantile`]) and statistics of native histograms (`histogram_count`,
//! `histogram_sum`, `histogram_avg`, `histogram_stddev`, `histogram_stdvar`).

use crate::syntax::Call;

use super::{arg, string_arg};
use crate::engine::{Evaluator, Val};
use crate::histogram::{FloatHistogram, go_format_g};
use crate::hquantile;
use crate::value::EvalError;

pub(super) fn quantile<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let q = ev.eval_scalar(arg(c, 0)?, t)?;
    let v = ev.with_stats_decoding(false, |ev| ev.eval_vector(arg(c, 1)?, t))?;
    hquantile::histogram_quantile(ev, q, v, t, (arg(c, 0)?, arg(c, 1)?)).map(Val::Vector)
}

/// The quantiles of its scalar arguments, each sample labelled with its quantile.
pub(super) fn quantiles<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let v = ev.with_stats_decoding(false, |ev| ev.eval_vector(arg(c, 0)?, t))?;
    let label = string_arg(c, 1)?;
    let mut out = Vec::new();
    for i in 2..c.args.len() {
        let q_expr = arg(c, i)?;
        let q = ev.eval_scalar(q_expr, t)?;
        let value = open_metrics_float(q);
        for mut s in hquantile::histogram_quantile(ev, q, v.clone(), t, (q_expr, arg(c, 0)?))? {
            s.labels = s.labels.with(&label, &value);
            out.push(s);
        }
    }
    Ok(Val::Vector(out))
}

pub(super) fn fraction<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let lo = ev.eval_scalar(arg(c, 0)?, t)?;
    let hi = ev.eval_scalar(arg(c, 1)?, t)?;
    let v = ev.with_stats_decoding(false, |ev| ev.eval_vector(arg(c, 2)?, t))?;
    hquantile::histogram_fraction(ev, lo, hi, v, t, arg(c, 2)?).map(Val::Vector)
}

pub(super) fn count<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    statistic(ev, c, t, true, |h| h.count)
}

pub(super) fn sum<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    statistic(ev, c, t, true, |h| h.sum)
}

pub(super) fn avg<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    statistic(ev, c, t, true, |h| h.sum / h.count)
}

pub(super) fn stddev<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    statistic(ev, c, t, false, |h| hquantile::histogram_variance(h).sqrt())
}

pub(super) fn stdvar<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    statistic(ev, c, t, false, hquantile::histogram_variance)
}

/// `value` of every histogram sample; float samples are dropped. `stats_only`: the value
/// needs no buckets (counts and sums), so histograms are decoded as Prometheus does then,
/// with counter-reset hints detected on the fly.
fn statistic<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
    stats_only: bool,
    value: fn(&FloatHistogram) -> f64,
) -> Result<Val<'a>, EvalError> {
    let v = ev.with_stats_decoding(stats_only, |ev| ev.eval_vector(arg(c, 0)?, t))?;
    let mut out = Vec::new();
    for mut s in v {
        let Some(h) = s.h.take() else {
            continue;
        };
        s.f = value(&h);
        s.t = t;
        s.drop_name = true;
        out.push(s);
    }
    Ok(Val::Vector(out))
}

/// OpenMetrics float formatting (as for normalised `le`/`quantile`
/// labels): always a decimal point or exponent, `+Inf`, `NaN`.
fn open_metrics_float(f: f64) -> String {
    let s = go_format_g(f);
    if f.is_finite() && !s.contains(['.', 'e']) {
        format!("{s}.0")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_metrics_floats() {
        assert_eq!(open_metrics_float(0.0), "0.0");
        assert_eq!(open_metrics_float(0.25), "0.25");
        assert_eq!(open_metrics_float(f64::NAN), "NaN");
    }
}
