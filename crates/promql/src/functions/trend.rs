//! Trends of a range vector's float series: `deriv` and `predict_linear` (simple linear
//! regression) and `double_exponential_smoothing`. A series' histograms are ignored.

use crate::syntax::Call;

use super::Window;
use super::arg;
use super::range::{float_sample, float_samples};
use crate::aggregate::kahan_inc;
use crate::engine::{ESample, Evaluator, RSeries, Val};
use crate::value::EvalError;

pub(super) fn deriv(ev: &mut Evaluator<'_>, w: &Window<'_>, s: &RSeries<'_>) -> Option<ESample> {
    let f = float_samples(ev, s, 2)?;
    Some(float_sample(s, w.t, linear_regression(f, f[0].0).0, false))
}

/// The value predicted `scalars[0]` seconds after the evaluation time.
pub(super) fn predict_linear(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
) -> Option<ESample> {
    let f = float_samples(ev, s, 2)?;
    let (slope, icpt) = linear_regression(f, w.t);
    Some(float_sample(s, w.t, slope * w.scalars[0] + icpt, false))
}

/// The smoothing and trend factors (`scalars`) must lie strictly between 0 and 1.
pub(super) fn check_smoothing_factors(
    _: &mut Evaluator<'_>,
    _: &Call,
    scalars: &[f64],
) -> Result<(), EvalError> {
    let (sf, tf) = (scalars[0], scalars[1]);
    if sf <= 0.0 || sf >= 1.0 || sf.is_nan() {
        return Err(EvalError::new(format!(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
        )));
    }
    if tf <= 0.0 || tf >= 1.0 || tf.is_nan() {
        return Err(EvalError::new(format!(
            "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
        )));
    }
    Ok(())
}

/// Holt's linear method with smoothing factor `scalars[0]` and trend factor `scalars[1]`.
pub(super) fn double_exponential_smoothing(
    ev: &mut Evaluator<'_>,
    w: &Window<'_>,
    s: &RSeries<'_>,
) -> Option<ESample> {
    let f = float_samples(ev, s, 2)?;
    let (sf, tf) = (w.scalars[0], w.scalars[1]);
    let mut s1 = f[0].1;
    let mut b = f[1].1 - f[0].1;
    let mut s0 = 0.0;
    for (i, p) in f.iter().enumerate().skip(1) {
        let x = sf * p.1;
        if i > 1 {
            b = tf * (s1 - s0) + (1.0 - tf) * b;
        }
        let y = (1.0 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    Some(float_sample(s, w.t, s1, false))
}

/// `holt_winters`, Prometheus 2.x's name for [`double_exponential_smoothing`] (the parser
/// knows it under [`crate::syntax::Options::v2_function_names`] only). The smoothing is the
/// same; the factors are checked as 2.x checked them: once a series is there to smooth (a
/// range vector without series is no error), and a NaN factor passes.
pub(super) fn holt_winters<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let at = arg(c, 0)?;
    let scalars = [
        ev.eval_scalar(arg(c, 1)?, t)?,
        ev.eval_scalar(arg(c, 2)?, t)?,
    ];
    let m = ev.eval_matrix_arg(at, t)?;
    if !m.series.is_empty() {
        let [sf, tf] = scalars;
        if sf <= 0.0 || sf >= 1.0 {
            return Err(EvalError::new(format!(
                "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
            )));
        }
        if tf <= 0.0 || tf >= 1.0 {
            return Err(EvalError::new(format!(
                "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
            )));
        }
    }
    let w = Window {
        matrix: &m,
        t,
        scalars: &scalars,
        at,
    };
    let mut out = Vec::with_capacity(m.series.len());
    for s in &m.series {
        out.extend(double_exponential_smoothing(ev, &w, s));
    }
    Ok(Val::Vector(out))
}

/// Slope and intercept (at `intercept_t`) of the least-squares line through `f`, with time
/// in seconds.
fn linear_regression(f: &[(i64, f64)], intercept_t: i64) -> (f64, f64) {
    let init = f[0].1;
    let const_y = f.iter().all(|(_, v)| *v == init);
    if const_y {
        if init.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init);
    }
    let (mut n, mut sx, mut cx, mut sy, mut cy, mut sxy, mut cxy, mut sx2, mut cx2) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (t, v) in f {
        n += 1.0;
        let x = (t - intercept_t) as f64 / 1000.0;
        (sx, cx) = kahan_inc(x, sx, cx);
        (sy, cy) = kahan_inc(*v, sy, cy);
        (sxy, cxy) = kahan_inc(x * v, sxy, cxy);
        (sx2, cx2) = kahan_inc(x * x, sx2, cx2);
    }
    sx += cx;
    sy += cy;
    sxy += cxy;
    sx2 += cx2;
    let cov = sxy - sx * sy / n;
    let var = sx2 - sx * sx / n;
    let slope = cov / var;
    (slope, sy / n - slope * sx / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression() {
        let f = [(0, 1.0), (1000, 2.0), (2000, 3.0)];
        let (s, i) = linear_regression(&f, 0);
        assert!((s - 1.0).abs() < 1e-12 && (i - 1.0).abs() < 1e-12);
    }
}
