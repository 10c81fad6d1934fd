//! Label manipulation: `label_replace` and `label_join`.

use crate::syntax::Call;

use super::{arg, string_arg};
use crate::engine::{ESample, Evaluator, Val};
use crate::labels::METRIC_NAME;
use crate::value::EvalError;

pub(super) fn replace<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let dst = string_arg(c, 1)?;
    let repl = string_arg(c, 2)?;
    let src = string_arg(c, 3)?;
    let re_s = string_arg(c, 4)?;
    let re =
        crate::syntax::matcher_regex(&re_s, !ev.semantics.dot_excludes_newline).map_err(|_| {
            EvalError::new(format!(
                "invalid regular expression in label_replace(): {re_s}"
            ))
        })?;
    if dst.is_empty() || dst.contains('\u{FFFD}') {
        return Err(EvalError::new(format!(
            "invalid destination label name in label_replace(): {dst}"
        )));
    }
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    let mut out = Vec::with_capacity(v.len());
    for mut s in v {
        let sv = s.labels.get_or_empty(&src).to_string();
        if let Some(caps) = re.captures(&sv) {
            let mut res = String::new();
            caps.expand(&repl, &mut res);
            set_label(&mut s, &dst, &res);
        }
        s.t = t;
        out.push(s);
    }
    check_unique(&out)?;
    Ok(Val::Vector(out))
}

pub(super) fn join<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let dst = string_arg(c, 1)?;
    let sep = string_arg(c, 2)?;
    let mut srcs = Vec::new();
    for i in 3..c.args.len() {
        let s = string_arg(c, i)?;
        if s.contains('\u{FFFD}') {
            return Err(EvalError::new(format!(
                "invalid source label name in label_join(): {s}"
            )));
        }
        srcs.push(s);
    }
    if dst.is_empty() || dst.contains('\u{FFFD}') {
        return Err(EvalError::new(format!(
            "invalid destination label name in label_join(): {dst}"
        )));
    }
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    let mut out = Vec::with_capacity(v.len());
    for mut s in v {
        let joined: Vec<&str> = srcs.iter().map(|n| s.labels.get_or_empty(n)).collect();
        let joined = joined.join(&sep);
        set_label(&mut s, &dst, &joined);
        s.t = t;
        out.push(s);
    }
    check_unique(&out)?;
    Ok(Val::Vector(out))
}

/// Sets a label as label_replace/label_join do: a sample whose name they set keeps it.
fn set_label(s: &mut ESample, dst: &str, value: &str) {
    s.labels = s.labels.with(dst, value);
    if dst == METRIC_NAME {
        s.drop_name = false;
    }
}

fn check_unique(v: &[ESample]) -> Result<(), EvalError> {
    if v.len() > 1 {
        let mut seen = std::collections::HashSet::with_capacity(v.len());
        for s in v {
            if !seen.insert(&s.labels) {
                return Err(EvalError::new(
                    "vector cannot contain metrics with the same labelset",
                ));
            }
        }
    }
    Ok(())
}
