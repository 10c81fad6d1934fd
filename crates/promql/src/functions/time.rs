//! Time: the evaluation time and the query's range (`time`, `start`, `end`, `step`,
//! `range`), sample timestamps (`timestamp`) and the calendar functions (`year`, `month`,
//! `day_of_month`, `day_of_week`, `day_of_year`, `days_in_month`, `hour`, `minute`), all UTC.

use crate::syntax::Call;
use prometheus_time::calendar::{self, civil_from_days, weekday};

use super::{arg, map_floats};
use crate::engine::{ESample, Evaluator, Val};
use crate::labels::Labels;
use crate::value::EvalError;

pub(super) fn time<'a>(_: &mut Evaluator<'a>, _: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    Ok(Val::Scalar(t as f64 / 1000.0))
}

pub(super) fn start<'a>(ev: &mut Evaluator<'a>, _: &Call, _: i64) -> Result<Val<'a>, EvalError> {
    Ok(Val::Scalar(ev.query_start as f64 / 1000.0))
}

pub(super) fn end<'a>(ev: &mut Evaluator<'a>, _: &Call, _: i64) -> Result<Val<'a>, EvalError> {
    Ok(Val::Scalar(ev.query_end as f64 / 1000.0))
}

pub(super) fn step<'a>(ev: &mut Evaluator<'a>, _: &Call, _: i64) -> Result<Val<'a>, EvalError> {
    Ok(Val::Scalar(ev.query_step as f64 / 1000.0))
}

pub(super) fn range<'a>(ev: &mut Evaluator<'a>, _: &Call, _: i64) -> Result<Val<'a>, EvalError> {
    Ok(Val::Scalar((ev.query_end - ev.query_start) as f64 / 1000.0))
}

pub(super) fn timestamp<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
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

/// A point in time split up as the calendar functions need it.
struct Date {
    /// Days since the Unix epoch.
    days: i64,
    year: i64,
    month: u32,
    day: u32,
    /// Seconds since midnight.
    second: i64,
}

impl Date {
    /// The date at `secs` seconds since the epoch (the fraction ignored); `None` if not finite.
    fn at(secs: f64) -> Option<Date> {
        if !secs.is_finite() {
            return None;
        }
        let s = secs.trunc() as i64;
        let days = s.div_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Some(Date {
            days,
            year,
            month,
            day,
            second: s.rem_euclid(86_400),
        })
    }
}

/// The part `part` of the date at `secs`: NaN when `secs` is not finite.
fn date_part(secs: f64, part: fn(&Date) -> f64) -> f64 {
    Date::at(secs).map_or(f64::NAN, |d| part(&d))
}

/// A calendar function: `part` of the date of every float sample's value, or of the
/// evaluation time when there is no argument.
fn on_date<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
    part: fn(&Date) -> f64,
) -> Result<Val<'a>, EvalError> {
    if c.args.is_empty() {
        return Ok(Val::Vector(vec![ESample {
            labels: Labels::new(),
            t,
            f: date_part(t as f64 / 1000.0, part),
            h: None,
            drop_name: false,
        }]));
    }
    let v = ev.eval_vector(arg(c, 0)?, t)?;
    Ok(Val::Vector(map_floats(v, t, |f| date_part(f, part))))
}

pub(super) fn year<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| d.year as f64)
}

pub(super) fn month<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| d.month as f64)
}

pub(super) fn day_of_month<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| d.day as f64)
}

pub(super) fn day_of_week<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| weekday(d.days) as f64)
}

pub(super) fn day_of_year<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| calendar::day_of_year(d.year, d.days) as f64)
}

pub(super) fn days_in_month<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| {
        f64::from(calendar::days_in_month(d.year, d.month))
    })
}

pub(super) fn hour<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| (d.second / 3600) as f64)
}

pub(super) fn minute<'a>(ev: &mut Evaluator<'a>, c: &Call, t: i64) -> Result<Val<'a>, EvalError> {
    on_date(ev, c, t, |d| ((d.second % 3600) / 60) as f64)
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Storage, Value, parse};

    fn at(q: &str, t_ms: i64) -> f64 {
        let st = Storage::new();
        match Engine::default().instant(&st, &parse(q).expect("parses"), t_ms) {
            Ok(Value::Vector(v)) if v.len() == 1 => v[0].f,
            other => panic!("{q}: {other:?}"),
        }
    }

    #[test]
    fn dates() {
        // 2021-03-01T12:34:00Z
        let t = "vector(1614602040)";
        assert_eq!(at(&format!("year({t})"), 0), 2021.0);
        assert_eq!(at(&format!("month({t})"), 0), 3.0);
        assert_eq!(at(&format!("day_of_month({t})"), 0), 1.0);
        assert_eq!(at(&format!("day_of_year({t})"), 0), 60.0);
        assert_eq!(at(&format!("day_of_week({t})"), 0), 1.0);
        assert_eq!(at(&format!("hour({t})"), 0), 12.0);
        assert_eq!(at(&format!("minute({t})"), 0), 34.0);
        assert_eq!(at("days_in_month()", 0), 31.0);
        assert_eq!(at("minute()", 1_614_602_040_000), 34.0);
        assert!(at("year(vector(NaN))", 0).is_nan());
    }
}
