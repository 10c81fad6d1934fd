//! Aggregation operators (`sum`, `topk`, `count_values`, ...).

use std::collections::HashMap;

use crate::syntax::{AggOp, AggregateExpr, Expr, Grouping};

use super::engine::{ESample, Evaluator, Val};
use super::histogram::{self, FloatHistogram};
use super::labels::{Labels, METRIC_NAME};
use super::value::EvalError;

/// Neumaier-compensated addition: returns the new sum and compensation.
pub(crate) fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    if t.is_infinite() {
        (t, 0.0)
    } else if sum.abs() >= inc.abs() {
        (t, c + ((sum - t) + inc))
    } else {
        (t, c + ((inc - t) + sum))
    }
}

/// Mean with compensated summation, switching to an incremental mean if
/// the plain sum would overflow.
pub(crate) fn kahan_mean(values: impl Iterator<Item = f64>) -> f64 {
    let mut it = values;
    let Some(first) = it.next() else {
        return f64::NAN;
    };
    let (mut sum, mut c, mut count) = (first, 0.0, 1.0);
    let mut mean = 0.0;
    let mut incremental = false;
    for f in it {
        count += 1.0;
        if !incremental {
            let (ns, nc) = kahan_inc(f, sum, c);
            if !ns.is_infinite() {
                sum = ns;
                c = nc;
                continue;
            }
            incremental = true;
            mean = sum / (count - 1.0);
            c /= count - 1.0;
        }
        let q = (count - 1.0) / count;
        let (m, nc) = kahan_inc(f / count, q * mean, q * c);
        mean = m;
        c = nc;
    }
    if incremental {
        mean + c
    } else {
        sum / count + c / count
    }
}

/// Variance (population) with Welford's method and compensated sums.
pub(crate) fn variance(values: impl Iterator<Item = f64>) -> f64 {
    let (mut count, mut mean, mut cmean, mut aux, mut caux) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for f in values {
        count += 1.0;
        let delta = f - (mean + cmean);
        let (m, cm) = kahan_inc(delta / count, mean, cmean);
        mean = m;
        cmean = cm;
        let (a, ca) = kahan_inc(delta * (f - (mean + cmean)), aux, caux);
        aux = a;
        caux = ca;
    }
    (aux + caux) / count
}

/// Quantile of a set of values with linear interpolation (Prometheus'
/// `quantile`): NaN for no values or NaN q, ±Inf outside [0, 1].
pub(crate) fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    if values.iter().any(|v| v.is_nan()) {
        // Prometheus' "less" puts NaN first but is not a total order; Go's
        // sort of small slices is an insertion sort, reproduced here so
        // results with NaN inputs agree.
        let less = |a: f64, b: f64| a.is_nan() || a < b;
        for i in 1..values.len() {
            let mut j = i;
            while j > 0 && less(values[j], values[j - 1]) {
                values.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    }
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// Formats a float as Go's `strconv.FormatFloat(f, 'f', -1, 64)`.
pub(crate) fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f == f64::INFINITY {
        "+Inf".into()
    } else if f == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{f}")
    }
}

fn group_labels(labels: &Labels, grouping: Option<&Grouping>) -> Labels {
    match grouping {
        None => Labels::new(),
        Some(g) if !g.without => labels.filter(|n| g.labels.iter().any(|x| x.name == n)),
        Some(g) => labels.filter(|n| n != METRIC_NAME && !g.labels.iter().any(|x| x.name == n)),
    }
}

fn k_param(ev: &mut Evaluator<'_>, a: &AggregateExpr, t: i64) -> Result<f64, EvalError> {
    let p = a
        .param
        .as_ref()
        .ok_or_else(|| EvalError::new("missing aggregation parameter"))?;
    ev.eval_scalar(p, t)
}

fn int_param(v: f64) -> Result<i64, EvalError> {
    if v.is_nan() {
        return Err(EvalError::new("Parameter value is NaN"));
    }
    if v >= 9.223372036854776e18 {
        return Err(EvalError::new(format!("Scalar value {v} overflows int64")));
    }
    if v <= -9.223372036854776e18 {
        return Ok(i64::MIN);
    }
    Ok(v as i64)
}

/// Sum (or mean) of the histograms of a group; `None`, with a warning,
/// when exponential and custom buckets are mixed. (The "reconciled" info is
/// only given for a sum that succeeds.)
fn sum_histograms(
    ev: &mut Evaluator<'_>,
    a: &AggregateExpr,
    members: &[ESample],
    mean: bool,
) -> Option<FloatHistogram> {
    match histogram::sum_histograms(members.iter().filter_map(|s| s.h.as_deref()), mean) {
        Ok(sum) => Some(annotated_sum(ev, sum?, &a.expr)),
        Err(mixed) => {
            let metric = members
                .iter()
                .filter(|s| s.h.is_some())
                .nth(mixed.at)
                .map_or("", |s| s.labels.get_or_empty(METRIC_NAME));
            ev.warn_at(histogram::mixed_schemas_note(metric), &a.expr);
            None
        }
    }
}

/// A histogram sum that succeeded, its annotations given at `at`: that custom buckets were
/// reconciled, that counter-reset hints collided.
pub(crate) fn annotated_sum(
    ev: &mut Evaluator<'_>,
    sum: histogram::HistogramSum,
    at: &Expr,
) -> FloatHistogram {
    if sum.reconciled {
        ev.info_at(histogram::reconciled_note("aggregation"), at);
    }
    if sum.collision {
        ev.warn_at(histogram::COLLISION.into(), at);
    }
    sum.h
}

pub(crate) fn eval_aggregate<'a>(
    ev: &mut Evaluator<'a>,
    a: &AggregateExpr,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let op = a.op;
    // Parameters first: Prometheus reports a bad parameter even for an
    // empty input.
    let mut kparam = 0.0;
    let mut label_param = String::new();
    match op {
        AggOp::Topk | AggOp::Bottomk | AggOp::Limitk | AggOp::Quantile | AggOp::LimitRatio => {
            kparam = k_param(ev, a, t)?;
        }
        AggOp::CountValues => {
            let p = a
                .param
                .as_ref()
                .ok_or_else(|| EvalError::new("missing count_values label"))?;
            match ev.eval(p, t)? {
                Val::Str(s) => label_param = s,
                other => {
                    return Err(EvalError::new(format!(
                        "expected string parameter, got {}",
                        other.type_name()
                    )));
                }
            }
        }
        _ => {}
    }
    let input = ev.eval_vector(&a.expr, t)?;

    // Group samples, keeping first-appearance order of groups.
    let mut group_idx: HashMap<Labels, usize> = HashMap::new();
    let mut groups: Vec<(Labels, Vec<ESample>)> = Vec::new();
    for s in input {
        let g = group_labels(&s.labels, a.grouping.as_ref());
        let i = *group_idx.entry(g.clone()).or_insert_with(|| {
            groups.push((g, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(s);
    }

    if matches!(
        op,
        AggOp::Min
            | AggOp::Max
            | AggOp::Stddev
            | AggOp::Stdvar
            | AggOp::Quantile
            | AggOp::Topk
            | AggOp::Bottomk
    ) && groups.iter().any(|g| g.1.iter().any(|s| s.h.is_some()))
    {
        ev.info(format!("ignored histogram in {} aggregation", op.as_str()));
    }
    let mut out: Vec<ESample> = Vec::new();
    let mk = |labels: Labels, f: f64, members: &[ESample]| ESample {
        drop_name: labels.get(METRIC_NAME).is_some() && members.iter().any(|s| s.drop_name),
        labels,
        t,
        f,
        h: None,
    };
    match op {
        AggOp::Topk | AggOp::Bottomk => {
            let k = int_param(kparam)?;
            if k < 1 {
                return Ok(Val::Vector(Vec::new()));
            }
            let top = op == AggOp::Topk;
            for (_, members) in groups {
                let mut floats: Vec<ESample> =
                    members.into_iter().filter(|s| s.h.is_none()).collect();
                // Stable sort, NaN always last.
                floats.sort_by(|x, y| {
                    use std::cmp::Ordering::{Equal, Greater, Less};
                    match (x.f.is_nan(), y.f.is_nan()) {
                        (true, true) => Equal,
                        (true, false) => Greater,
                        (false, true) => Less,
                        _ => {
                            let o = x.f.partial_cmp(&y.f).unwrap_or(Equal);
                            if top { o.reverse() } else { o }
                        }
                    }
                });
                floats.truncate(usize::try_from(k).unwrap_or(usize::MAX));
                for mut s in floats {
                    s.t = t;
                    out.push(s);
                }
            }
        }
        AggOp::Limitk => {
            let k = int_param(kparam)?;
            if k < 1 {
                return Ok(Val::Vector(Vec::new()));
            }
            for (_, mut members) in groups {
                members.truncate(usize::try_from(k).unwrap_or(usize::MAX));
                for mut s in members {
                    s.t = t;
                    out.push(s);
                }
            }
        }
        AggOp::LimitRatio => {
            if kparam.is_nan() {
                return Err(EvalError::new("Ratio value is NaN"));
            }
            let mut r = kparam;
            if !(-1.0..=1.0).contains(&r) {
                let capped = r.clamp(-1.0, 1.0);
                let msg = format!(
                    "ratio value should be between -1 and 1, got {}, capping to {}",
                    format_float(r),
                    format_float(capped)
                );
                match &a.param {
                    Some(p) => ev.warn_at(msg, p),
                    None => ev.warn(msg),
                }
                r = capped;
            }
            for (_, members) in groups {
                for mut s in members {
                    let offset = s.labels.prom_hash() as f64 / u64::MAX as f64;
                    let keep = (r >= 0.0 && offset < r) || (r < 0.0 && offset >= 1.0 + r);
                    if keep {
                        s.t = t;
                        out.push(s);
                    }
                }
            }
        }
        AggOp::CountValues => {
            if label_param.is_empty() || label_param.contains('\u{FFFD}') {
                return Err(EvalError::new(format!(
                    "invalid label name {label_param:?}"
                )));
            }
            // The value label may overwrite a grouping label, so counts are
            // keyed by the final label set.
            let mut idx: HashMap<Labels, usize> = HashMap::new();
            let mut counts: Vec<(Labels, f64, Vec<ESample>)> = Vec::new();
            for (g, members) in groups {
                for s in members {
                    let value = match s.h.as_deref() {
                        Some(h) => h.prom_string(),
                        None => format_float(s.f),
                    };
                    let key = g.with(&label_param, &value);
                    let i = *idx.entry(key.clone()).or_insert_with(|| {
                        counts.push((key, 0.0, Vec::new()));
                        counts.len() - 1
                    });
                    counts[i].1 += 1.0;
                    counts[i].2.push(s);
                }
            }
            for (l, c, members) in counts {
                out.push(mk(l, c, &members));
            }
        }
        _ => {
            for (g, members) in groups {
                let n_hist = members.iter().filter(|s| s.h.is_some()).count();
                let n_float = members.len() - n_hist;
                let floats = || members.iter().filter(|s| s.h.is_none()).map(|s| s.f);
                let value = match op {
                    AggOp::Count => Some(members.len() as f64),
                    AggOp::Group => Some(1.0),
                    AggOp::Sum | AggOp::Avg => {
                        if n_hist > 0 && n_float > 0 {
                            ev.warn(format!(
                                "encountered a mix of histograms and floats for aggregation{}",
                                ""
                            ));
                            None
                        } else if n_hist > 0 {
                            if let Some(h) = sum_histograms(ev, a, &members, op == AggOp::Avg) {
                                let mut s = mk(g.clone(), 0.0, &members);
                                s.h = Some(Box::new(h));
                                out.push(s);
                            }
                            None
                        } else if op == AggOp::Sum {
                            let (mut sum, mut c) = (0.0, 0.0);
                            for f in floats() {
                                (sum, c) = kahan_inc(f, sum, c);
                            }
                            Some(if sum.is_infinite() { sum } else { sum + c })
                        } else {
                            Some(kahan_mean(floats()))
                        }
                    }
                    AggOp::Min | AggOp::Max => {
                        let max = op == AggOp::Max;
                        let mut acc: Option<f64> = None;
                        for f in floats() {
                            acc = Some(match acc {
                                None => f,
                                Some(a) if a.is_nan() => f,
                                Some(a) if (max && f > a) || (!max && f < a) => f,
                                Some(a) => a,
                            });
                        }
                        acc
                    }
                    AggOp::Stddev | AggOp::Stdvar => {
                        if n_float == 0 {
                            None
                        } else if n_float == 1
                            && ev.semantics.lone_non_finite_deviation_is_zero
                            && floats().all(|f| !f.is_finite())
                        {
                            // Prometheus 2.x started the running variance at 0 with the
                            // group's first value, without computing anything from it.
                            Some(0.0)
                        } else {
                            let v = variance(floats());
                            Some(if op == AggOp::Stddev { v.sqrt() } else { v })
                        }
                    }
                    AggOp::Quantile => {
                        if n_float == 0 {
                            None
                        } else {
                            let mut vals: Vec<f64> = floats().collect();
                            Some(quantile(kparam, &mut vals))
                        }
                    }
                    other => {
                        return Err(EvalError::unsupported(format!(
                            "aggregation {}",
                            other.as_str()
                        )));
                    }
                };
                if let Some(v) = value {
                    out.push(mk(g, v, &members));
                }
            }
            // (The parser gives `quantile` its parameter always.)
            if op == AggOp::Quantile
                && let Some(p) = &a.param
            {
                super::hquantile::validate_quantile(ev, kparam, p);
            }
        }
    }
    Ok(Val::Vector(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(quantile(0.5, &mut [1.0, 3.0, 2.0]), 2.0);
        assert_eq!(quantile(0.25, &mut [1.0, 2.0]), 1.25);
        assert!(quantile(0.5, &mut []).is_nan());
        assert_eq!(kahan_mean([1.0, 2.0, 3.0].into_iter()), 2.0);
        assert_eq!(kahan_mean([f64::MAX, f64::MAX].into_iter()), f64::MAX);
        assert_eq!(variance([1.0, 3.0].into_iter()), 1.0);
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(f64::INFINITY), "+Inf");
        assert_eq!(format_float(1e21), "1000000000000000000000");
    }
}
