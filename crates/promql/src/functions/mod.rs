//! PromQL functions: [`FUNCTIONS`], the one table from a function's name to what it takes and
//! the Rust function that implements it (Prometheus' `FunctionCalls` in
//! `promql/functions.go`), and one Rust function per PromQL function (or per family sharing
//! all but a parameter), grouped by family:
//!
//! - [`math`]: arithmetic on samples (`abs`, `round`, `clamp`, ...) and on scalars (`pi`,
//!   `min_of`, `max_of`);
//! - [`time`]: the evaluation time and query range (`time`, `start`, ...), `timestamp` and
//!   the calendar functions (`year`, `hour`, ...);
//! - [`types`]: conversions between scalars and vectors (`vector`, `scalar`);
//! - [`absent`]: `absent` and `absent_over_time`;
//! - [`label`]: `label_replace` and `label_join`;
//! - [`sort`]: `sort`, `sort_desc`, `sort_by_label` and `sort_by_label_desc`;
//! - [`histogram`]: the `histogram_*` functions of an instant vector;
//! - range-vector functions, each series of the range vector at a time ([`range`] evaluates
//!   their arguments): [`rate`] (`rate`, `increase`, `delta`, `irate`, `idelta`, `resets`,
//!   `changes`), [`trend`] (`deriv`, `predict_linear`, `double_exponential_smoothing` and its
//!   Prometheus 2.x name `holt_winters`) and
//!   [`over_time`] (the `*_over_time` functions).
//!
//! A function the parser knows but the table does not (`info`, `integral`,
//! `start_timestamp`) is reported as unsupported when evaluated.

mod absent;
mod histogram;
mod label;
mod math;
mod over_time;
mod range;
mod rate;
mod sort;
mod time;
mod trend;
mod types;

use crate::syntax::{Call, Expr};

use super::engine::{ESample, Evaluator, RSeries, Val, unwrap_parens};
use super::value::EvalError;

use range::Window;

/// The kind of value an argument is (Prometheus' `ArgTypes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    Scalar,
    /// An instant vector.
    Vector,
    /// A range vector: a matrix selector or a subquery.
    Range,
    String,
}

/// A function that evaluates its own arguments.
pub(crate) type CallFn = for<'a> fn(&mut Evaluator<'a>, &Call, i64) -> Result<Val<'a>, EvalError>;

/// A range-vector function's output for one series of its range vector, if any.
pub(crate) type SeriesFn = fn(&mut Evaluator<'_>, &Window<'_>, &RSeries<'_>) -> Option<ESample>;

/// A check of a range-vector function's scalar arguments, before the range vector is
/// evaluated (an error, or an annotation).
pub(crate) type CheckFn = fn(&mut Evaluator<'_>, &Call, &[f64]) -> Result<(), EvalError>;

/// How a function is evaluated.
#[derive(Clone, Copy)]
pub(crate) enum Eval {
    /// Maps the value of every float sample of its one instant-vector argument; histogram
    /// samples are dropped, and so is the metric name (Prometheus' `simpleFloatFunc`).
    Map(fn(f64) -> f64),
    /// Evaluates its arguments itself.
    Call(CallFn),
    /// A function of one range vector, computed series by series: the scalar arguments are
    /// evaluated first (in order) and given to `check`, then the range vector; `series`
    /// makes each series' output sample (see [`range::eval`]).
    Range {
        check: Option<CheckFn>,
        series: SeriesFn,
    },
}

/// A PromQL function.
#[derive(Clone, Copy)]
pub(crate) struct Function {
    pub(crate) name: &'static str,
    /// The kinds of its arguments, as Prometheus declares them (its `ArgTypes`; how many of
    /// the last ones may be left out or repeated, the parser knows).
    pub(crate) args: &'static [Arg],
    /// It orders its result (the sort functions), which a range query does not keep.
    pub(crate) orders: bool,
    pub(crate) eval: Eval,
}

impl Function {
    const fn new(name: &'static str, args: &'static [Arg], eval: Eval) -> Function {
        Function {
            name,
            args,
            orders: false,
            eval,
        }
    }

    const fn ordering(self) -> Function {
        Function {
            orders: true,
            ..self
        }
    }
}

use Arg::{Range as R, Scalar as S, String as Str, Vector as V};

const fn call(name: &'static str, args: &'static [Arg], f: CallFn) -> Function {
    Function::new(name, args, Eval::Call(f))
}

const fn map(name: &'static str, f: fn(f64) -> f64) -> Function {
    Function::new(name, &[V], Eval::Map(f))
}

const fn series(name: &'static str, args: &'static [Arg], f: SeriesFn) -> Function {
    Function::new(
        name,
        args,
        Eval::Range {
            check: None,
            series: f,
        },
    )
}

const fn checked_series(
    name: &'static str,
    args: &'static [Arg],
    check: CheckFn,
    f: SeriesFn,
) -> Function {
    Function::new(
        name,
        args,
        Eval::Range {
            check: Some(check),
            series: f,
        },
    )
}

/// Every function the evaluator implements, sorted by name.
pub(crate) static FUNCTIONS: &[Function] = &[
    map("abs", f64::abs),
    call("absent", &[V], absent::absent),
    call("absent_over_time", &[R], absent::absent_over_time),
    map("acos", f64::acos),
    map("acosh", f64::acosh),
    map("asin", f64::asin),
    map("asinh", f64::asinh),
    map("atan", f64::atan),
    map("atanh", f64::atanh),
    series("avg_over_time", &[R], over_time::avg),
    map("ceil", f64::ceil),
    series("changes", &[R], rate::changes),
    call("clamp", &[V, S, S], math::clamp),
    call("clamp_max", &[V, S], math::clamp_max),
    call("clamp_min", &[V, S], math::clamp_min),
    map("cos", f64::cos),
    map("cosh", f64::cosh),
    series("count_over_time", &[R], over_time::count),
    call("day_of_month", &[V], time::day_of_month),
    call("day_of_week", &[V], time::day_of_week),
    call("day_of_year", &[V], time::day_of_year),
    call("days_in_month", &[V], time::days_in_month),
    map("deg", math::deg),
    series("delta", &[R], rate::delta),
    series("deriv", &[R], trend::deriv),
    checked_series(
        "double_exponential_smoothing",
        &[R, S, S],
        trend::check_smoothing_factors,
        trend::double_exponential_smoothing,
    ),
    call("end", &[], time::end),
    map("exp", f64::exp),
    series("first_over_time", &[R], over_time::first),
    map("floor", f64::floor),
    call("histogram_avg", &[V], histogram::avg),
    call("histogram_count", &[V], histogram::count),
    call("histogram_fraction", &[S, S, V], histogram::fraction),
    call("histogram_quantile", &[S, V], histogram::quantile),
    call("histogram_quantiles", &[V, Str, S, S], histogram::quantiles),
    call("histogram_stddev", &[V], histogram::stddev),
    call("histogram_stdvar", &[V], histogram::stdvar),
    call("histogram_sum", &[V], histogram::sum),
    call("holt_winters", &[R, S, S], trend::holt_winters),
    call("hour", &[V], time::hour),
    series("idelta", &[R], rate::idelta),
    series("increase", &[R], rate::increase),
    series("irate", &[R], rate::irate),
    call("label_join", &[V, Str, Str, Str], label::join),
    call("label_replace", &[V, Str, Str, Str, Str], label::replace),
    series("last_over_time", &[R], over_time::last),
    map("ln", f64::ln),
    map("log10", f64::log10),
    map("log2", f64::log2),
    series("mad_over_time", &[R], over_time::mad),
    call("max_of", &[S, S], math::max_of),
    series("max_over_time", &[R], over_time::max),
    call("min_of", &[S, S], math::min_of),
    series("min_over_time", &[R], over_time::min),
    call("minute", &[V], time::minute),
    call("month", &[V], time::month),
    call("pi", &[], math::pi),
    series("predict_linear", &[R, S], trend::predict_linear),
    series("present_over_time", &[R], over_time::present),
    checked_series(
        "quantile_over_time",
        &[S, R],
        over_time::check_quantile,
        over_time::quantile,
    ),
    map("rad", math::rad),
    call("range", &[], time::range),
    series("rate", &[R], rate::rate),
    series("resets", &[R], rate::resets),
    call("round", &[V, S], math::round),
    call("scalar", &[V], types::scalar),
    map("sgn", math::sgn),
    map("sin", f64::sin),
    map("sinh", f64::sinh),
    call("sort", &[V], sort::sort).ordering(),
    call("sort_by_label", &[V, Str], sort::sort_by_label).ordering(),
    call("sort_by_label_desc", &[V, Str], sort::sort_by_label_desc).ordering(),
    call("sort_desc", &[V], sort::sort_desc).ordering(),
    map("sqrt", f64::sqrt),
    call("start", &[], time::start),
    series("stddev_over_time", &[R], over_time::stddev),
    series("stdvar_over_time", &[R], over_time::stdvar),
    call("step", &[], time::step),
    series("sum_over_time", &[R], over_time::sum),
    map("tan", f64::tan),
    map("tanh", f64::tanh),
    call("time", &[], time::time),
    call("timestamp", &[V], time::timestamp),
    series("ts_of_first_over_time", &[R], over_time::ts_of_first),
    series("ts_of_last_over_time", &[R], over_time::ts_of_last),
    series("ts_of_max_over_time", &[R], over_time::ts_of_max),
    series("ts_of_min_over_time", &[R], over_time::ts_of_min),
    call("vector", &[S], types::vector),
    call("year", &[V], time::year),
];

/// The function named `name`, if the evaluator implements it.
pub(crate) fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &FUNCTIONS[i])
}

/// Evaluates a function call at `t` as [`FUNCTIONS`] says.
pub(crate) fn eval_call<'a>(
    ev: &mut Evaluator<'a>,
    c: &Call,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let Some(f) = function(c.func.name) else {
        return Err(EvalError::unsupported(format!(
            "function {}()",
            c.func.name
        )));
    };
    match f.eval {
        Eval::Map(op) => {
            let v = ev.eval_vector(arg(c, 0)?, t)?;
            Ok(Val::Vector(map_floats(v, t, op)))
        }
        Eval::Call(imp) => imp(ev, c, t),
        Eval::Range { check, series } => range::eval(ev, c, t, f.args, check, series),
    }
}

fn arg(c: &Call, i: usize) -> Result<&Expr, EvalError> {
    c.args
        .get(i)
        .ok_or_else(|| EvalError::new(format!("missing argument {} to {}", i + 1, c.func.name)))
}

fn string_arg(c: &Call, i: usize) -> Result<String, EvalError> {
    match unwrap_parens(arg(c, i)?) {
        Expr::String(s) => Ok(s.value.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ValueType;

    #[test]
    fn the_table_is_sorted_without_duplicates() {
        for w in FUNCTIONS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for f in FUNCTIONS {
            assert_eq!(function(f.name).map(|g| g.name), Some(f.name));
        }
        assert!(function("info").is_none());
    }

    /// Each function's arguments are those the parser checks calls against, and a
    /// range-vector function has exactly one range vector among them.
    #[test]
    fn argument_kinds_agree_with_the_parser() {
        for f in FUNCTIONS {
            let args: Vec<&str> = f
                .args
                .iter()
                .map(|a| match a {
                    Arg::Scalar => "1",
                    Arg::Vector => "m",
                    Arg::Range => "m[1m]",
                    Arg::String => "\"a\"",
                })
                .collect();
            let text = format!("{}({})", f.name, args.join(", "));
            let opts = crate::syntax::Options {
                v2_function_names: f.name == "holt_winters",
                ..crate::syntax::Options::all()
            };
            let Ok(Expr::Call(c)) = crate::syntax::parse_with(&text, &opts) else {
                panic!("{text} does not parse to a call");
            };
            let parsed: Vec<Arg> = c
                .func
                .arg_types
                .iter()
                .map(|t| match t {
                    ValueType::Scalar => Arg::Scalar,
                    ValueType::Vector => Arg::Vector,
                    ValueType::Matrix => Arg::Range,
                    ValueType::String => Arg::String,
                    ValueType::None => panic!("{}: an argument of no type", f.name),
                })
                .collect();
            assert_eq!(parsed, f.args, "{}", f.name);
            let ranges = f.args.iter().filter(|a| **a == Arg::Range).count();
            if let Eval::Range { .. } = f.eval {
                assert_eq!(ranges, 1, "{}", f.name);
            }
        }
    }

    #[test]
    fn functions_the_parser_knows_but_the_table_does_not_are_unsupported() {
        let st = crate::Storage::new();
        let all = crate::syntax::Options::all();
        for q in ["info(m)", "start_timestamp(m)"] {
            let e = crate::syntax::parse_with(q, &all).expect("parses");
            let err = crate::Engine::default().instant(&st, &e, 0).unwrap_err();
            assert!(err.is_unsupported(), "{q}: {err}");
        }
    }
}
