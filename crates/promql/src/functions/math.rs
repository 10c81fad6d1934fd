//! Arithmetic: on the samples of an instant vector (`round`, `clamp`, `clamp_min`,
//! `clamp_max`, and the per-sample maps of the table: `abs`, `exp`, `sin`, `rad`, `sgn`, ...)
//! and on scalars (`pi`, `min_of`, `max_of`).

use crate::syntax::Call;

use super::{arg, map_floats};
use crate::engine::{ESample, Evaluator, Val};
use crate::value::EvalError;

pub(super) fn rad(v: f64) -> f64 {
    v * std::f64::consts::PI / 180.0
}

pub(super) fn deg(v: f64) -> f64 {
    v * 180.0 / std::f64::consts::PI
}

pub(super) fn sgn(v: f64) -> f64 {
    if v < 0.0 {
        -1.0
    } else if v > 0.0 {
        1.0
    } else {
        v
    }
}

pub(super) fn pi<'a>(_: &mut Evaluator<'a>, _: &Call, _: i64) -> Result<Val<'a>, EvalError> {
    Ok(Val::Scalar(std::f64::consts::PI))
}

pub(super) fn round<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let to_nearest = if c.args.len() > 1 {
        ev.eval_scalar(arg(c, 1)?, t)?
    } else {
        1.0
    };
    let inv = 1.0 / to_nearest;
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    Ok(Val::Vector(map_floats(v, t, |f| {
        (f * inv + 0.5).floor() / inv
    })))
}

pub(super) fn clamp<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    let lo = ev.eval_scalar(arg(c, 1)?, t)?;
    let hi = ev.eval_scalar(arg(c, 2)?, t)?;
    Ok(clamped(v, t, lo, hi))
}

pub(super) fn clamp_min<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    let lo = ev.eval_scalar(arg(c, 1)?, t)?;
    Ok(clamped(v, t, lo, f64::INFINITY))
}

pub(super) fn clamp_max<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    let hi = ev.eval_scalar(arg(c, 1)?, t)?;
    Ok(clamped(v, t, f64::NEG_INFINITY, hi))
}

fn clamped<'a>(v: Vec<ESample>, t: i64, lo: f64, hi: f64) -> Val<'a> {
    if hi < lo {
        return Val::Vector(Vec::new());
    }
    Val::Vector(map_floats(v, t, |f| go_max(lo, go_min(hi, f))))
}

/// Go's `math.Min`: NaN wins.
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Go's `math.Max`: NaN wins.
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

pub(super) fn min_of<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    of_two_scalars(ev, c, t, go_min)
}

pub(super) fn max_of<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    of_two_scalars(ev, c, t, go_max)
}

fn of_two_scalars<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
    f: fn(f64, f64) -> f64,
) -> Result<Val<'a>, EvalError> {
    let a = ev.eval_scalar(arg(c, 0)?, t)?;
    let b = ev.eval_scalar(arg(c, 1)?, t)?;
    Ok(Val::Scalar(f(a, b)))
}
