//! Sorting an instant vector: by value (`sort`, `sort_desc`) or by label values
//! (`sort_by_label`, `sort_by_label_desc`). Only instant queries keep the order.

use std::cmp::Ordering;

use crate::syntax::Call;

use super::{arg, string_arg};
use crate::engine::{ESample, Evaluator, Val};
use crate::value::EvalError;

pub(super) fn sort<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    by_value(ev, c, t, false)
}

pub(super) fn sort_desc<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    by_value(ev, c, t, true)
}

pub(super) fn sort_by_label<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    by_labels(ev, c, t, false)
}

pub(super) fn sort_by_label_desc<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    by_labels(ev, c, t, true)
}

/// Float samples by value, NaN last either way; histogram samples are dropped.
fn by_value<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
    desc: bool,
) -> Result<Val<'a>, EvalError> {
    let mut v: Vec<ESample> = ev
        .eval_vector(arg(c, 0)?, t)?
        .into_iter()
        .filter(|s| s.h.is_none())
        .collect();
    v.sort_by(|a, b| match (a.f.is_nan(), b.f.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => {
            let o = a.f.partial_cmp(&b.f).unwrap_or(Ordering::Equal);
            if desc { o.reverse() } else { o }
        }
    });
    Ok(Val::Vector(v))
}

/// Samples by the values of the labels named in the string arguments (in natural order),
/// then by their whole label sets.
fn by_labels<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
    desc: bool,
) -> Result<Val<'a>, EvalError> {
    let mut v = ev.eval_vector(arg(c, 0)?, t)?;
    let mut names = Vec::new();
    for i in 1..c.args.len() {
        names.push(string_arg(c, i)?);
    }
    v.sort_by(|a, b| {
        for n in &names {
            let x = a.labels.get_or_empty(n);
            let y = b.labels.get_or_empty(n);
            if x == y {
                continue;
            }
            let o = if natural_less(x, y) {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            return if desc { o.reverse() } else { o };
        }
        let o = a.labels.cmp(&b.labels);
        if desc { o.reverse() } else { o }
    });
    Ok(Val::Vector(v))
}

/// Natural ordering of strings: digit runs compare numerically.
fn natural_less(a: &str, b: &str) -> bool {
    fn chunks(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut prev: Option<bool> = None;
        for (i, c) in s.char_indices() {
            let d = c.is_ascii_digit();
            if let Some(p) = prev
                && p != d
            {
                out.push(&s[start..i]);
                start = i;
            }
            prev = Some(d);
        }
        if start < s.len() {
            out.push(&s[start..]);
        }
        out
    }
    let ca = chunks(a);
    let cb = chunks(b);
    for (i, x) in ca.iter().enumerate() {
        if i >= cb.len() {
            return false;
        }
        let y = cb[i];
        let last_a = i == ca.len() - 1;
        let last_b = i == cb.len() - 1;
        if let (Ok(xi), Ok(yi)) = (x.parse::<i64>(), y.parse::<i64>()) {
            if xi == yi {
                if last_a {
                    return true;
                } else if last_b {
                    return false;
                }
                continue;
            }
            return xi < yi;
        }
        if *x == y {
            if last_a {
                return true;
            } else if last_b {
                return false;
            }
            continue;
        }
        return *x < y;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_sort() {
        assert!(natural_less("a2", "a10"));
        assert!(!natural_less("a10", "a2"));
        assert!(natural_less("abc", "abd"));
    }
}
