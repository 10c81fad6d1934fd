//! Conversions between scalars and instant vectors: `vector` and `scalar`.

use crate::syntax::Call;

use super::arg;
use crate::engine::{ESample, Evaluator, Val};
use crate::labels::Labels;
use crate::value::EvalError;

pub(super) fn vector<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let f = ev.eval_scalar(arg(c, 0)?, t)?;
    Ok(Val::Vector(vec![ESample {
        labels: Labels::new(),
        t,
        f,
        h: None,
        drop_name: false,
    }]))
}

/// The value of the one float sample of its argument; NaN when there is not exactly one.
pub(super) fn scalar<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    let floats: Vec<f64> = v.iter().filter(|s| s.h.is_none()).map(|s| s.f).collect();
    Ok(Val::Scalar(if floats.len() == 1 {
        floats[0]
    } else {
        f64::NAN
    }))
}
