//! `absent` and `absent_over_time`: nothing when their argument has data, else one sample of
//! 1 labelled from the argument's equality matchers.

use std::collections::HashMap;

use crate::syntax::{Call, Expr, MatchOp};

use super::arg;
use crate::engine::{ESample, Evaluator, Val, unwrap_parens};
use crate::labels::{Labels, METRIC_NAME};
use crate::value::EvalError;

pub(super) fn absent<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let present = !ev.eval_vector(arg(c, 0)?, t)?.is_empty();
    absent_result(c, t, present)
}

pub(super) fn absent_over_time<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let present = !ev.eval_matrix_arg(arg(c, 0)?, t)?.series.is_empty();
    absent_result(c, t, present)
}

fn absent_result<'a>(c: &Call, t: i64, present: bool) -> Result<Val<'a>, EvalError> {
    if present {
        return Ok(Val::Vector(Vec::new()));
    }
    Ok(Val::Vector(vec![ESample {
        labels: absent_labels(arg(c, 0)?),
        t,
        f: 1.0,
        h: None,
        drop_name: false,
    }]))
}

/// Labels for `absent`: those pinned by equality matchers, except when a
/// label is matched more than once.
fn absent_labels(e: &Expr) -> Labels {
    let vs = match unwrap_parens(e) {
        Expr::Selector(vs) => vs,
        Expr::Matrix(ms) => &ms.selector,
        _ => return Labels::new(),
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut seen: HashMap<&str, bool> = HashMap::new();
    for m in &vs.matchers {
        let name = m.name.name.as_str();
        if name == METRIC_NAME {
            continue;
        }
        let first = !seen.contains_key(name);
        if m.op == MatchOp::Equal && first {
            pairs.push((name.to_string(), m.value.value.to_string()));
            seen.insert(name, true);
        } else {
            pairs.retain(|(n, _)| n != name);
            seen.insert(name, false);
        }
    }
    Labels::from_pairs(pairs)
}
