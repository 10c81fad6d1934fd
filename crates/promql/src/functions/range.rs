//! The range-vector functions' evaluation: their scalar arguments, then the range vector,
//! then one output sample (or none) per series; and what their per-series functions share.

use crate::syntax::{Call, Expr};

use super::{Arg, CheckFn, SeriesFn, arg};
use crate::engine::{ESample, Evaluator, MatrixArg, RSeries, Val};
use crate::histogram::{FloatHistogram, series_note};
use crate::labels::{Labels, METRIC_NAME};
use crate::value::EvalError;

/// What a range-vector function's per-series function sees besides the series.
pub(crate) struct Window<'w> {
    /// The range vector and the window it was selected for.
    pub(super) matrix: &'w MatrixArg<'w>,
    /// The evaluation time, the output samples'.
    pub(super) t: i64,
    /// The function's scalar arguments, in order.
    pub(super) scalars: &'w [f64],
    /// The range-vector argument (annotations about its histograms point at it).
    pub(super) at: &'w Expr,
}

/// Evaluates a call of a range-vector function taking `args`: its scalar arguments first
/// (checked by `check`), then the range vector, then `series` on each of its series.
pub(super) fn eval<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
    args: &[Arg],
    check: Option<CheckFn>,
    series: SeriesFn,
) -> Result<Val<'a>, EvalError> {
    let mut scalars = Vec::new();
    for (i, kind) in args.iter().enumerate() {
        if *kind == Arg::Scalar {
            scalars.push(ev.eval_scalar(arg(c, i)?, t)?);
        }
    }
    if let Some(check) = check {
        check(ev, c, &scalars)?;
    }
    let at = arg(c, args.iter().position(|a| *a == Arg::Range).unwrap_or(0))?;
    let m = ev.eval_matrix_arg(at, t)?;
    let w = Window {
        matrix: &m,
        t,
        scalars: &scalars,
        at,
    };
    let mut out = Vec::with_capacity(m.series.len());
    for s in &m.series {
        out.extend(series(ev, &w, s));
    }
    Ok(Val::Vector(out))
}

/// A float output sample of series `s`; it keeps its name only if `keep_name` (and `s` had
/// it).
pub(super) fn float_sample(s: &RSeries<'_>, t: i64, f: f64, keep_name: bool) -> ESample {
    ESample {
        labels: s.labels.clone(),
        t,
        f,
        h: None,
        drop_name: if keep_name { s.drop_name } else { true },
    }
}

/// A histogram output sample of series `s`, without its name.
pub(super) fn histogram_sample(s: &RSeries<'_>, t: i64, h: FloatHistogram) -> ESample {
    ESample {
        labels: s.labels.clone(),
        t,
        f: 0.0,
        h: Some(Box::new(h)),
        drop_name: true,
    }
}

/// A sample of a range-vector series, float or histogram.
pub(super) enum Pt<'h> {
    F(f64),
    H(&'h FloatHistogram),
}

/// The samples of a range-vector series, floats and histograms merged in time order.
pub(super) fn merged<'h>(s: &'h RSeries<'_>) -> Vec<(i64, Pt<'h>)> {
    let mut out: Vec<(i64, Pt<'h>)> = Vec::with_capacity(s.floats.len() + s.hists.len());
    let (mut i, mut j) = (0, 0);
    while i < s.floats.len() || j < s.hists.len() {
        let take_f = j >= s.hists.len() || (i < s.floats.len() && s.floats[i].0 < s.hists[j].0);
        if take_f {
            out.push((s.floats[i].0, Pt::F(s.floats[i].1)));
            i += 1;
        } else {
            out.push((s.hists[j].0, Pt::H(&s.hists[j].1)));
            j += 1;
        }
    }
    out
}

fn metric_name(l: &Labels) -> &str {
    l.get_or_empty(METRIC_NAME)
}

/// Prometheus' warnings about one series' native histograms; [`warn_hist`] adds its name.
pub(super) const MIXED_FLOATS: &str = "encountered a mix of histograms and floats for metric name";
pub(super) const NOT_COUNTER: &str = "this native histogram metric is not a counter:";
pub(super) const NOT_GAUGE: &str = "this native histogram metric is not a gauge:";

pub(super) fn warn_hist(ev: &mut Evaluator<'_>, what: &str, s: &RSeries<'_>, at: &Expr) {
    ev.warn_at(series_note(what, metric_name(&s.labels)), at);
}

/// The float samples of `s`, if there are at least `at_least`. Histograms beside floats are
/// ignored, which is noted.
pub(super) fn float_samples<'s>(
    ev: &mut Evaluator<'_>,
    s: &'s RSeries<'_>,
    at_least: usize,
) -> Option<&'s [(i64, f64)]> {
    if !s.hists.is_empty() && !s.floats.is_empty() {
        ev.info(format!(
            "ignored histograms in a range containing both floats and histograms for metric name \"{}\"",
            metric_name(&s.labels)
        ));
    }
    (s.floats.len() >= at_least).then_some(&s.floats[..])
}
