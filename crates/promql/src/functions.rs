//! PromQL functions.

use prometheus_time::calendar::{civil_from_days, day_of_year, days_in_month, weekday};
use std::collections::HashMap;

use promql_parser::label::MatchOp;
use promql_parser::parser::{Call, Expr};

use super::aggregate::{annotated_sum, kahan_inc, kahan_mean, quantile, variance};
use super::engine::{ESample, Evaluator, MatrixArg, RSeries, Val, unwrap_parens};
use super::histogram::{
    CounterResetHint, FloatHistogram, MIXED_SCHEMAS, reconciled_note, series_note, sum_histograms,
};
use super::hquantile;
use super::labels::{Labels, METRIC_NAME};
use super::value::EvalError;

fn arg(c: &Call, i: usize) -> Result<&Expr, EvalError> {
    c.args
        .args
        .get(i)
        .map(|b| b.as_ref())
        .ok_or_else(|| EvalError::new(format!("missing argument {} to {}", i + 1, c.func.name)))
}

fn string_arg(c: &Call, i: usize) -> Result<String, EvalError> {
    match unwrap_parens(arg(c, i)?) {
        Expr::StringLiteral(s) => Ok(s.val.clone()),
        _ => Err(EvalError::new(format!(
            "expected string argument {} to {}",
            i + 1,
            c.func.name
        ))),
    }
}

/// Applies `f` to every float sample; histograms are dropped.
fn map_floats(v: Vec<ESample>, t: i64, f: impl Fn(f64) -> f64) -> Vec<ESample> {
    v.into_iter()
        .filter(|s| s.h.is_none())
        .map(|mut s| {
            s.f = f(s.f);
            s.t = t;
            s.drop_name = true;
            s
        })
        .collect()
}

fn simple_math(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "rad" => |v| v * std::f64::consts::PI / 180.0,
        "deg" => |v| v * 180.0 / std::f64::consts::PI,
        "sgn" => |v| {
            if v < 0.0 {
                -1.0
            } else if v > 0.0 {
                1.0
            } else {
                v
            }
        },
        _ => return None,
    })
}

fn date_part(name: &str, secs: f64) -> f64 {
    if !secs.is_finite() {
        return f64::NAN;
    }
    let s = secs.trunc() as i64;
    let days = s.div_euclid(86_400);
    let sod = s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    match name {
        "year" => y as f64,
        "month" => m as f64,
        "day_of_month" => d as f64,
        "day_of_week" => weekday(days) as f64,
        "day_of_year" => day_of_year(y, days) as f64,
        "days_in_month" => f64::from(days_in_month(y, m)),
        "hour" => (sod / 3600) as f64,
        "minute" => ((sod % 3600) / 60) as f64,
        _ => f64::NAN,
    }
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
        match (x.parse::<i64>(), y.parse::<i64>()) {
            (Ok(xi), Ok(yi)) => {
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
            _ => {
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
        }
    }
    false
}

/// Labels for `absent`: those pinned by equality matchers, except when a
/// label is matched more than once.
fn absent_labels(e: &Expr) -> Labels {
    let vs = match unwrap_parens(e) {
        Expr::VectorSelector(vs) => vs,
        Expr::MatrixSelector(ms) => &ms.vs,
        _ => return Labels::new(),
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut seen: HashMap<&str, bool> = HashMap::new();
    for m in &vs.matchers.matchers {
        if m.name == METRIC_NAME {
            continue;
        }
        let first = !seen.contains_key(m.name.as_str());
        if matches!(m.op, MatchOp::Equal) && first {
            pairs.push((m.name.clone(), m.value.clone()));
            seen.insert(&m.name, true);
        } else {
            pairs.retain(|(n, _)| *n != m.name);
            seen.insert(&m.name, false);
        }
    }
    Labels::from_pairs(pairs)
}

fn metric_name(l: &Labels) -> &str {
    l.get_or_empty(METRIC_NAME)
}

/// Prometheus' extrapolated rate/increase/delta for float samples.
fn extrapolated_rate(
    s: &RSeries<'_>,
    m: &MatrixArg<'_>,
    is_counter: bool,
    is_rate: bool,
) -> Result<Option<f64>, EvalError> {
    let f = &s.floats;
    if f.len() < 2 || !s.hists.is_empty() {
        return Ok(None);
    }
    let (first_t, first_v) = f[0];
    let (last_t, last_v) = f[f.len() - 1];
    let mut result = last_v - first_v;
    if is_counter {
        for w in f.windows(2) {
            if w[1].1 < w[0].1 {
                result += w[0].1;
            }
        }
    }
    Ok(Some(
        result
            * extrapolation_factor(
                m,
                (first_t, last_t, f.len()),
                is_counter,
                is_rate,
                result,
                first_v,
            ),
    ))
}

/// Prometheus' extrapolation of a rate/increase/delta to the window
/// edges, given the first and last sample times and the sample count.
/// `result` and `first` are the raw increase and first value (for
/// histograms: their observation counts), which bound the extrapolation
/// of counters to where they would reach zero.
fn extrapolation_factor(
    m: &MatrixArg<'_>,
    (first_t, last_t, n): (i64, i64, usize),
    is_counter: bool,
    is_rate: bool,
    result: f64,
    first_v: f64,
) -> f64 {
    let f_len = n;
    let mut to_start = (first_t - m.range_start) as f64 / 1000.0;
    let mut to_end = (m.range_end - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let avg = sampled / (f_len - 1) as f64;
    let threshold = avg * 1.1;
    if to_start >= threshold {
        to_start = avg / 2.0;
    }
    if is_counter && result > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if is_rate {
        factor /= m.range_ms as f64 / 1000.0;
    }
    factor
}

/// Outcome of a range function over a series holding histograms.
enum HistRange {
    Histogram(FloatHistogram),
    /// No output element (annotations may have been added).
    Nothing,
    /// The samples that matter are floats: use the float path.
    Floats,
}

/// Prometheus' warnings about one series' native histograms; [`warn_hist`] adds its name.
const MIXED_FLOATS: &str = "encountered a mix of histograms and floats for metric name";
const NOT_COUNTER: &str = "this native histogram metric is not a counter:";
const NOT_GAUGE: &str = "this native histogram metric is not a gauge:";

fn warn_hist(ev: &mut Evaluator<'_>, what: &str, s: &RSeries<'_>, at: &Expr) {
    ev.warn_at(series_note(what, metric_name(&s.labels)), at);
}

/// rate, increase, delta, irate, idelta, sum_over_time and avg_over_time
/// of a series with histogram samples.
fn hist_range_fn(
    ev: &mut Evaluator<'_>,
    name: &str,
    s: &RSeries<'_>,
    m: &MatrixArg<'_>,
    at: &Expr,
) -> HistRange {
    let hs = &s.hists;
    match name {
        "irate" | "idelta" => {
            let pts = merged(s);
            if pts.len() < 2 {
                return HistRange::Nothing;
            }
            let (t0, p0) = &pts[pts.len() - 2];
            let (t1, p1) = &pts[pts.len() - 1];
            let (a, b) = match (p0, p1) {
                (Pt::H(a), Pt::H(b)) => (*a, *b),
                (Pt::F(_), Pt::F(_)) => return HistRange::Floats,
                _ => {
                    warn_hist(ev, MIXED_FLOATS, s, at);
                    return HistRange::Nothing;
                }
            };
            let is_rate = name == "irate";
            let mut r = if is_rate && b.detect_reset(a) {
                b.clone()
            } else {
                match b.combine(a, -1.0) {
                    Ok((h, reconciled)) => {
                        if reconciled {
                            ev.info_at(reconciled_note("subtraction"), at);
                        }
                        h
                    }
                    Err(_) => {
                        warn_hist(ev, MIXED_SCHEMAS, s, at);
                        return HistRange::Nothing;
                    }
                }
            };
            let gauge = |h: &FloatHistogram| h.counter_reset_hint == CounterResetHint::Gauge;
            if is_rate && (gauge(a) || gauge(b)) {
                warn_hist(ev, NOT_COUNTER, s, at);
            }
            if !is_rate && (!gauge(a) || !gauge(b)) {
                warn_hist(ev, NOT_GAUGE, s, at);
            }
            r.counter_reset_hint = CounterResetHint::Gauge;
            r.compact();
            if is_rate {
                let dt = t1 - t0;
                if dt == 0 {
                    return HistRange::Nothing;
                }
                r.divide(dt as f64 / 1000.0);
            }
            HistRange::Histogram(r)
        }
        "rate" | "increase" | "delta" => {
            if !s.floats.is_empty() {
                warn_hist(ev, MIXED_FLOATS, s, at);
                return HistRange::Nothing;
            }
            if hs.len() < 2 {
                return HistRange::Nothing;
            }
            let is_counter = name != "delta";
            let Some(mut h) = histogram_rate(ev, hs, is_counter, s, at) else {
                return HistRange::Nothing;
            };
            let first = &hs[0];
            let last = &hs[hs.len() - 1];
            let factor = extrapolation_factor(
                m,
                (first.0, last.0, hs.len()),
                is_counter,
                name == "rate",
                h.count,
                first.1.count,
            );
            h.scale(factor);
            HistRange::Histogram(h)
        }
        _ => {
            if !s.floats.is_empty() {
                warn_hist(ev, MIXED_FLOATS, s, at);
                return HistRange::Nothing;
            }
            let mean = name == "avg_over_time";
            // (The "reconciled" info is given even when a later histogram cannot be added.)
            match sum_histograms(hs.iter().map(|(_, h)| h), mean) {
                Ok(None) => HistRange::Nothing,
                Ok(Some(sum)) => HistRange::Histogram(annotated_sum(ev, sum, at)),
                Err(mixed) => {
                    if mixed.reconciled {
                        ev.info_at(reconciled_note("aggregation"), at);
                    }
                    warn_hist(ev, MIXED_SCHEMAS, s, at);
                    HistRange::Nothing
                }
            }
        }
    }
}

/// The raw increase (or delta) between the first and last histogram of a
/// window, corrected for counter resets (Prometheus' `histogramRate`).
fn histogram_rate(
    ev: &mut Evaluator<'_>,
    hs: &[(i64, FloatHistogram)],
    is_counter: bool,
    s: &RSeries<'_>,
    at: &Expr,
) -> Option<FloatHistogram> {
    let gauge = |h: &FloatHistogram| h.counter_reset_hint == CounterResetHint::Gauge;
    let first = &hs.first()?.1;
    let last = &hs.last()?.1;
    if is_counter && (gauge(first) || gauge(last)) {
        warn_hist(ev, NOT_COUNTER, s, at);
    }
    // A reset between the first two samples means the first one does not
    // matter, nor does its bucket layout: start from an empty histogram.
    let empty;
    let mut prev: &FloatHistogram = first;
    if is_counter && hs.len() > 1 && hs[1].1.detect_reset(first) {
        empty = FloatHistogram {
            schema: hs[1].1.schema,
            custom_values: hs[1].1.custom_values.clone(),
            ..Default::default()
        };
        prev = &empty;
    }
    let custom = prev.uses_custom_buckets();
    if last.uses_custom_buckets() != custom {
        warn_hist(ev, MIXED_SCHEMAS, s, at);
        return None;
    }
    let mut min_schema = prev.schema.min(last.schema);
    for (_, h) in &hs[1..hs.len() - 1] {
        if !is_counter {
            continue;
        }
        if gauge(h) {
            warn_hist(ev, NOT_COUNTER, s, at);
        }
        min_schema = min_schema.min(h.schema);
        if h.uses_custom_buckets() != custom {
            warn_hist(ev, MIXED_SCHEMAS, s, at);
            return None;
        }
    }
    let Ok((mut h, reconciled)) = last.to_schema(min_schema).combine(prev, -1.0) else {
        warn_hist(ev, MIXED_SCHEMAS, s, at);
        return None;
    };
    if reconciled {
        ev.info_at(reconciled_note("subtraction"), at);
    }
    if is_counter {
        let mut p = prev;
        for (_, cur) in &hs[1..] {
            if cur.detect_reset(p) {
                match h.combine(p, 1.0) {
                    Ok((r, _)) => h = r,
                    Err(_) => {
                        warn_hist(ev, MIXED_SCHEMAS, s, at);
                        return None;
                    }
                }
            }
            p = cur;
        }
    } else if !(gauge(first) && gauge(last)) {
        warn_hist(ev, NOT_GAUGE, s, at);
    }
    h.counter_reset_hint = CounterResetHint::Gauge;
    h.compact();
    Some(h)
}

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

/// Merged time-ordered samples of a range-vector series.
enum Pt<'h> {
    F(f64),
    H(&'h FloatHistogram),
}

fn merged<'h>(s: &'h RSeries<'_>) -> Vec<(i64, Pt<'h>)> {
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

fn out_sample(s: &RSeries<'_>, t: i64, f: f64, keep_name: bool) -> ESample {
    ESample {
        labels: s.labels.clone(),
        t,
        f,
        h: None,
        drop_name: if keep_name { s.drop_name } else { true },
    }
}

pub(crate) fn eval_call<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let name = c.func.name;
    if let Some(f) = simple_math(name) {
        let v = ev.eval_vector(arg(c, 0)?, t)?;
        return Ok(Val::Vector(map_floats(v, t, f)));
    }
    match name {
        "time" => Ok(Val::Scalar(t as f64 / 1000.0)),
        "pi" => Ok(Val::Scalar(std::f64::consts::PI)),
        "start" => Ok(Val::Scalar(ev.query_start as f64 / 1000.0)),
        "end" => Ok(Val::Scalar(ev.query_end as f64 / 1000.0)),
        "step" => Ok(Val::Scalar(ev.query_step as f64 / 1000.0)),
        "range" => Ok(Val::Scalar((ev.query_end - ev.query_start) as f64 / 1000.0)),
        "vector" => {
            let f = ev.eval_scalar(arg(c, 0)?, t)?;
            Ok(Val::Vector(vec![ESample {
                labels: Labels::new(),
                t,
                f,
                h: None,
                drop_name: false,
            }]))
        }
        "scalar" => {
            let v = ev.eval_vector(arg(c, 0)?, t)?;
            let floats: Vec<f64> = v.iter().filter(|s| s.h.is_none()).map(|s| s.f).collect();
            Ok(Val::Scalar(if floats.len() == 1 {
                floats[0]
            } else {
                f64::NAN
            }))
        }
        "round" => {
            let to_nearest = if c.args.args.len() > 1 {
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
        "clamp" | "clamp_min" | "clamp_max" => {
            let v = ev.eval_vector(arg(c, 0)?, t)?;
            let (lo, hi) = match name {
                "clamp" => (
                    ev.eval_scalar(arg(c, 1)?, t)?,
                    ev.eval_scalar(arg(c, 2)?, t)?,
                ),
                "clamp_min" => (ev.eval_scalar(arg(c, 1)?, t)?, f64::INFINITY),
                _ => (f64::NEG_INFINITY, ev.eval_scalar(arg(c, 1)?, t)?),
            };
            if hi < lo {
                return Ok(Val::Vector(Vec::new()));
            }
            // Go's math.Max/Min propagate NaN.
            let gmin = |a: f64, b: f64| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.min(b)
                }
            };
            let gmax = |a: f64, b: f64| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            };
            Ok(Val::Vector(map_floats(v, t, |f| gmax(lo, gmin(hi, f)))))
        }
        "timestamp" => {
            let v = ev.eval_vector(arg(c, 0)?, t)?;
            Ok(Val::Vector(
                v.into_iter()
                    .map(|mut s| {
                        s.f = s.t as f64 / 1000.0;
                        s.h = None;
                        s.t = t;
                        s.drop_name = true;
                        s
                    })
                    .collect(),
            ))
        }
        "year" | "month" | "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month"
        | "hour" | "minute" => {
            if c.args.args.is_empty() {
                return Ok(Val::Vector(vec![ESample {
                    labels: Labels::new(),
                    t,
                    f: date_part(name, t as f64 / 1000.0),
                    h: None,
                    drop_name: false,
                }]));
            }
            let v = ev.eval_vector(arg(c, 0)?, t)?;
            Ok(Val::Vector(map_floats(v, t, |f| date_part(name, f))))
        }
        "sort" | "sort_desc" => {
            let mut v: Vec<ESample> = ev
                .eval_vector(arg(c, 0)?, t)?
                .into_iter()
                .filter(|s| s.h.is_none())
                .collect();
            let desc = name == "sort_desc";
            v.sort_by(|a, b| {
                use std::cmp::Ordering::*;
                match (a.f.is_nan(), b.f.is_nan()) {
                    (true, true) => Equal,
                    (true, false) => Greater,
                    (false, true) => Less,
                    _ => {
                        let o = a.f.partial_cmp(&b.f).unwrap_or(Equal);
                        if desc { o.reverse() } else { o }
                    }
                }
            });
            Ok(Val::Vector(v))
        }
        "sort_by_label" | "sort_by_label_desc" => {
            let mut v = ev.eval_vector(arg(c, 0)?, t)?;
            let mut names = Vec::new();
            for i in 1..c.args.args.len() {
                names.push(string_arg(c, i)?);
            }
            let desc = name == "sort_by_label_desc";
            v.sort_by(|a, b| {
                use std::cmp::Ordering::*;
                for n in &names {
                    let x = a.labels.get_or_empty(n);
                    let y = b.labels.get_or_empty(n);
                    if x == y {
                        continue;
                    }
                    let o = if natural_less(x, y) { Less } else { Greater };
                    return if desc { o.reverse() } else { o };
                }
                let o = a.labels.cmp(&b.labels);
                if desc { o.reverse() } else { o }
            });
            Ok(Val::Vector(v))
        }
        "label_replace" => {
            let dst = string_arg(c, 1)?;
            let repl = string_arg(c, 2)?;
            let src = string_arg(c, 3)?;
            let re_s = string_arg(c, 4)?;
            let re = ev.storage.label_replace_regex(&re_s).map_err(|_| {
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
        "label_join" => {
            let dst = string_arg(c, 1)?;
            let sep = string_arg(c, 2)?;
            let mut srcs = Vec::new();
            for i in 3..c.args.args.len() {
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
        "absent" => {
            let present = !ev.eval_vector(arg(c, 0)?, t)?.is_empty();
            absent_result(c, t, present)
        }
        "absent_over_time" => {
            let present = !ev.eval_matrix_arg(arg(c, 0)?, t)?.series.is_empty();
            absent_result(c, t, present)
        }
        "histogram_quantile" => {
            let q = ev.eval_scalar(arg(c, 0)?, t)?;
            let v = ev.with_stats_decoding(false, |ev| ev.eval_vector(arg(c, 1)?, t))?;
            hquantile::histogram_quantile(ev, q, v, t, (arg(c, 0)?, arg(c, 1)?)).map(Val::Vector)
        }
        "histogram_quantiles" => {
            let v = ev.with_stats_decoding(false, |ev| ev.eval_vector(arg(c, 0)?, t))?;
            let label = string_arg(c, 1)?;
            let mut out = Vec::new();
            for i in 2..c.args.args.len() {
                let q_expr = arg(c, i)?;
                let q = ev.eval_scalar(q_expr, t)?;
                let value = open_metrics_float(q);
                for mut s in
                    hquantile::histogram_quantile(ev, q, v.clone(), t, (q_expr, arg(c, 0)?))?
                {
                    s.labels = s.labels.with(&label, &value);
                    out.push(s);
                }
            }
            Ok(Val::Vector(out))
        }
        "min_of" | "max_of" => {
            let a = ev.eval_scalar(arg(c, 0)?, t)?;
            let b = ev.eval_scalar(arg(c, 1)?, t)?;
            // Go's math.Min/Max: NaN wins.
            Ok(Val::Scalar(if a.is_nan() || b.is_nan() {
                f64::NAN
            } else if name == "min_of" {
                a.min(b)
            } else {
                a.max(b)
            }))
        }
        "histogram_fraction" => {
            let lo = ev.eval_scalar(arg(c, 0)?, t)?;
            let hi = ev.eval_scalar(arg(c, 1)?, t)?;
            let v = ev.with_stats_decoding(false, |ev| ev.eval_vector(arg(c, 2)?, t))?;
            hquantile::histogram_fraction(ev, lo, hi, v, t, arg(c, 2)?).map(Val::Vector)
        }
        "histogram_count" | "histogram_sum" | "histogram_avg" | "histogram_stddev"
        | "histogram_stdvar" => {
            // Counts and sums need no buckets: Prometheus then decodes
            // histograms with on-the-fly counter-reset hints.
            let stats = matches!(name, "histogram_count" | "histogram_sum" | "histogram_avg");
            let v = ev.with_stats_decoding(stats, |ev| ev.eval_vector(arg(c, 0)?, t))?;
            let mut out = Vec::new();
            for mut s in v {
                let Some(h) = s.h.take() else {
                    continue;
                };
                s.f = match name {
                    "histogram_count" => h.count,
                    "histogram_sum" => h.sum,
                    "histogram_avg" => h.sum / h.count,
                    _ => {
                        let var = hquantile::histogram_variance(&h);
                        if name == "histogram_stddev" {
                            var.sqrt()
                        } else {
                            var
                        }
                    }
                };
                s.t = t;
                s.drop_name = true;
                out.push(s);
            }
            Ok(Val::Vector(out))
        }
        _ => eval_range_function(ev, c, t),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: shortest representation,
/// exponent form for exponents below -4 or from 21 up.
pub(crate) fn go_format_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..21).contains(&exp) {
        return format!("{f}");
    }
    // Rust writes `1e-5`; Go writes `1e-05`.
    let e = format!("{f:e}");
    match e.split_once('e') {
        Some((mant, ex)) => {
            let (sign, digits) = match ex.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', ex),
            };
            let digits = if digits.len() < 2 {
                format!("0{digits}")
            } else {
                digits.to_string()
            };
            format!("{mant}e{sign}{digits}")
        }
        None => e,
    }
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

/// What absent() and absent_over_time() return: nothing when their argument has data, else one
/// sample of 1 labelled from the argument's equality matchers.
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

fn eval_range_function<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    let name = c.func.name;
    // Arguments besides the range vector are scalars, evaluated first.
    let (matrix_idx, scalars): (usize, Vec<f64>) = match name {
        "quantile_over_time" => (1, vec![ev.eval_scalar(arg(c, 0)?, t)?]),
        "predict_linear" => (0, vec![ev.eval_scalar(arg(c, 1)?, t)?]),
        "double_exponential_smoothing" | "holt_winters" => (
            0,
            vec![
                ev.eval_scalar(arg(c, 1)?, t)?,
                ev.eval_scalar(arg(c, 2)?, t)?,
            ],
        ),
        _ => (0, Vec::new()),
    };
    let known = matches!(
        name,
        "rate"
            | "increase"
            | "delta"
            | "irate"
            | "idelta"
            | "deriv"
            | "predict_linear"
            | "resets"
            | "changes"
            | "avg_over_time"
            | "sum_over_time"
            | "count_over_time"
            | "min_over_time"
            | "max_over_time"
            | "last_over_time"
            | "first_over_time"
            | "stddev_over_time"
            | "stdvar_over_time"
            | "quantile_over_time"
            | "mad_over_time"
            | "present_over_time"
            | "ts_of_min_over_time"
            | "ts_of_max_over_time"
            | "ts_of_first_over_time"
            | "ts_of_last_over_time"
            | "double_exponential_smoothing"
            | "holt_winters"
    );
    if !known {
        return Err(EvalError::unsupported(format!("function {name}()")));
    }
    if name == "double_exponential_smoothing" || name == "holt_winters" {
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
    }
    if name == "quantile_over_time" {
        super::hquantile::validate_quantile(ev, scalars[0], arg(c, 0)?);
    }
    let m = ev.eval_matrix_arg(arg(c, matrix_idx)?, t)?;
    let mut out = Vec::with_capacity(m.series.len());
    for s in &m.series {
        let f = &s.floats;
        let has_h = !s.hists.is_empty();
        let mixed = has_h && !f.is_empty();
        if mixed
            && matches!(
                name,
                "deriv" | "predict_linear" | "double_exponential_smoothing" | "holt_winters"
            )
        {
            hist_ignored(ev, s);
        }
        if has_h
            && matches!(
                name,
                "rate"
                    | "increase"
                    | "delta"
                    | "irate"
                    | "idelta"
                    | "sum_over_time"
                    | "avg_over_time"
            )
        {
            let at = arg(c, matrix_idx)?;
            match hist_range_fn(ev, name, s, &m, at) {
                HistRange::Histogram(h) => {
                    out.push(ESample {
                        labels: s.labels.clone(),
                        t,
                        f: 0.0,
                        h: Some(Box::new(h)),
                        drop_name: true,
                    });
                    continue;
                }
                HistRange::Nothing => continue,
                HistRange::Floats => {}
            }
        }
        let v: Option<f64> = match name {
            "rate" => extrapolated_rate(s, &m, true, true)?,
            "increase" => extrapolated_rate(s, &m, true, false)?,
            "delta" => extrapolated_rate(s, &m, false, false)?,
            "irate" | "idelta" => {
                if f.len() < 2 {
                    None
                } else {
                    let (t0, v0) = f[f.len() - 2];
                    let (t1, v1) = f[f.len() - 1];
                    let interval = t1 - t0;
                    if interval == 0 {
                        None
                    } else if name == "irate" {
                        let d = if v1 < v0 { v1 } else { v1 - v0 };
                        Some(d / (interval as f64 / 1000.0))
                    } else {
                        Some(v1 - v0)
                    }
                }
            }
            "deriv" => {
                if f.len() < 2 {
                    None
                } else {
                    Some(linear_regression(f, f[0].0).0)
                }
            }
            "predict_linear" => {
                if f.len() < 2 {
                    None
                } else {
                    let (slope, icpt) = linear_regression(f, t);
                    Some(slope * scalars[0] + icpt)
                }
            }
            "resets" | "changes" => {
                let pts = merged(s);
                let mut n = 0.0;
                for w in pts.windows(2) {
                    let hit = match (&w[0].1, &w[1].1) {
                        (Pt::F(a), Pt::F(b)) => {
                            if name == "resets" {
                                b < a
                            } else {
                                a != b && !(a.is_nan() && b.is_nan())
                            }
                        }
                        (Pt::H(a), Pt::H(b)) => {
                            if name == "resets" {
                                b.detect_reset(a)
                            } else {
                                a != b
                            }
                        }
                        _ => true,
                    };
                    if hit {
                        n += 1.0;
                    }
                }
                if pts.is_empty() { None } else { Some(n) }
            }
            "avg_over_time" | "sum_over_time" => {
                if f.is_empty() {
                    None
                } else if name == "avg_over_time" {
                    Some(kahan_mean(f.iter().map(|p| p.1)))
                } else {
                    let (mut sum, mut cc) = (0.0, 0.0);
                    for p in f.iter() {
                        (sum, cc) = kahan_inc(p.1, sum, cc);
                    }
                    Some(if sum.is_infinite() { sum } else { sum + cc })
                }
            }
            "count_over_time" => Some((f.len() + s.hists.len()) as f64),
            "present_over_time" => Some(1.0),
            "min_over_time" | "max_over_time" | "ts_of_min_over_time" | "ts_of_max_over_time" => {
                if f.is_empty() {
                    None
                } else {
                    if has_h {
                        hist_ignored(ev, s);
                    }
                    let is_max = name.contains("max");
                    let ts_of = name.starts_with("ts_of");
                    let (mut best, mut best_t) = (f[0].1, f[0].0);
                    for (pt, pv) in f.iter() {
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
                    Some(if ts_of { best_t as f64 / 1000.0 } else { best })
                }
            }
            "ts_of_first_over_time" => {
                let tf = f.first().map(|p| p.0).unwrap_or(i64::MAX);
                let th = s.hists.first().map(|p| p.0).unwrap_or(i64::MAX);
                Some(tf.min(th) as f64 / 1000.0)
            }
            "ts_of_last_over_time" => {
                let tf = f.last().map(|p| p.0).unwrap_or(i64::MIN);
                let th = s.hists.last().map(|p| p.0).unwrap_or(i64::MIN);
                Some(tf.max(th) as f64 / 1000.0)
            }
            "last_over_time" | "first_over_time" => {
                let last = name == "last_over_time";
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
                    if let Some((_, h)) = hp {
                        out.push(ESample {
                            labels: s.labels.clone(),
                            t,
                            f: 0.0,
                            h: Some(Box::new(h.clone())),
                            drop_name: s.drop_name,
                        });
                    }
                    continue;
                }
                if let Some(p) = fp {
                    out.push(out_sample(s, t, p.1, true));
                }
                continue;
            }
            "stddev_over_time" | "stdvar_over_time" => {
                if f.is_empty() {
                    None
                } else {
                    if has_h {
                        hist_ignored(ev, s);
                    }
                    let var = variance(f.iter().map(|p| p.1));
                    Some(if name == "stddev_over_time" {
                        var.sqrt()
                    } else {
                        var
                    })
                }
            }
            "quantile_over_time" => {
                if f.is_empty() {
                    None
                } else {
                    if has_h {
                        hist_ignored(ev, s);
                    }
                    let mut vals: Vec<f64> = f.iter().map(|p| p.1).collect();
                    Some(quantile(scalars[0], &mut vals))
                }
            }
            "mad_over_time" => {
                if f.is_empty() {
                    None
                } else {
                    if has_h {
                        hist_ignored(ev, s);
                    }
                    let mut vals: Vec<f64> = f.iter().map(|p| p.1).collect();
                    // A NaN sample makes the deviation undefined rather than
                    // being sorted to one end.
                    if vals.iter().any(|v| v.is_nan()) {
                        out.push(out_sample(s, t, f64::NAN, false));
                        continue;
                    }
                    let med = quantile(0.5, &mut vals);
                    let mut dev: Vec<f64> = f.iter().map(|p| (p.1 - med).abs()).collect();
                    Some(quantile(0.5, &mut dev))
                }
            }
            "double_exponential_smoothing" | "holt_winters" => {
                if f.len() < 2 {
                    None
                } else {
                    let (sf, tf) = (scalars[0], scalars[1]);
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
                    Some(s1)
                }
            }
            _ => None,
        };
        if let Some(v) = v {
            out.push(out_sample(s, t, v, false));
        }
    }
    Ok(Val::Vector(out))
}

fn hist_ignored(ev: &mut Evaluator<'_>, s: &RSeries<'_>) {
    ev.info(format!(
        "ignored histograms in a range containing both floats and histograms for metric name \"{}\"",
        metric_name(&s.labels)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        // 2021-03-01T12:34:00Z
        let t = 1_614_602_040.0;
        assert_eq!(date_part("year", t), 2021.0);
        assert_eq!(date_part("month", t), 3.0);
        assert_eq!(date_part("day_of_month", t), 1.0);
        assert_eq!(date_part("day_of_year", t), 60.0);
        assert_eq!(date_part("day_of_week", t), 1.0);
        assert_eq!(date_part("hour", t), 12.0);
        assert_eq!(date_part("minute", t), 34.0);
        assert_eq!(date_part("days_in_month", 0.0), 31.0);
    }

    #[test]
    fn go_float_formats() {
        assert_eq!(go_format_g(0.001), "0.001");
        assert_eq!(go_format_g(1e-5), "1e-05");
        assert_eq!(go_format_g(1e21), "1e+21");
        assert_eq!(go_format_g(f64::NEG_INFINITY), "-Inf");
        assert_eq!(open_metrics_float(0.0), "0.0");
        assert_eq!(open_metrics_float(0.25), "0.25");
        assert_eq!(open_metrics_float(f64::NAN), "NaN");
    }

    #[test]
    fn natural_sort() {
        assert!(natural_less("a2", "a10"));
        assert!(!natural_less("a10", "a2"));
        assert!(natural_less("abc", "abd"));
    }

    #[test]
    fn regression() {
        let f = [(0, 1.0), (1000, 2.0), (2000, 3.0)];
        let (s, i) = linear_regression(&f, 0);
        assert!((s - 1.0).abs() < 1e-12 && (i - 1.0).abs() < 1e-12);
    }
}
