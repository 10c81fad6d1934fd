//! What one evaluation of an expression reads besides the series its selectors name
//! ([`reads`]): how far back in time, which labels it groups or joins series on, and whether
//! the result depends on the clock. The simulator asks these to synthesize input series
//! that an evaluation sees whole and that line up where the expression joins them.

use promql::syntax::{DurationExpr, Expr, Modifiers};

/// What an evaluation reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reads<'a> {
    /// How far back from the evaluation time a sample can still change the result, in
    /// milliseconds: ranges, subquery ranges and offsets added along each path, plus the
    /// 5-minute lookback of instant selectors. `None` when a range or offset is not a
    /// literal duration (a duration expression).
    pub(crate) lookback_ms: Option<i64>,
    /// The labels named in `by`/`without`, `on`/`ignoring`, `group_left`/`group_right` and
    /// the label arguments of `label_replace`/`label_join`/`count_values`: where series of
    /// different selectors must carry the same value to meet. Sorted, without duplicates.
    pub(crate) joined_labels: Vec<&'a str>,
    /// The first function whose value is the evaluation time or a part of it (`time()`,
    /// `hour()`, `timestamp()`...): the result changes with the clock, not only with the data.
    pub(crate) clock: Option<&'static str>,
    /// An `@` modifier pins part of the expression to a fixed time.
    pub(crate) pinned: bool,
    /// The first function that reads how the input changes over its range (a slope, a count
    /// of changes): constant inputs say nothing of it.
    pub(crate) trend: Option<&'static str>,
}

/// Prometheus' default lookback delta: how far back an instant selector finds a sample.
const LOOKBACK_DELTA_MS: i64 = 5 * 60 * 1000;

/// Functions whose value comes from the evaluation time.
const CLOCK: &[&str] = &[
    "time",
    "timestamp",
    "minute",
    "hour",
    "day_of_week",
    "day_of_month",
    "day_of_year",
    "days_in_month",
    "month",
    "year",
];

/// Functions of a range whose value comes from how the samples change, not their level.
const TREND: &[&str] = &[
    "deriv",
    "predict_linear",
    "delta",
    "idelta",
    "changes",
    "resets",
    "holt_winters",
    "double_exponential_smoothing",
    "stddev_over_time",
    "stdvar_over_time",
    "mad_over_time",
];

/// What an evaluation of `expr` reads.
pub(crate) fn reads(expr: &Expr) -> Reads<'_> {
    let mut r = Reads {
        lookback_ms: lookback(expr),
        ..Reads::default()
    };
    walk(expr, &mut r);
    r.joined_labels.sort_unstable();
    r.joined_labels.dedup();
    r
}

fn literal_ms(d: &DurationExpr) -> Option<i64> {
    d.literal_ns().map(|ns| ns / 1_000_000)
}

/// The offset of some modifiers (0 without), `None` when it is not a literal. A negative
/// offset reads ahead, which adds nothing behind.
fn offset_ms(m: &Modifiers) -> Option<i64> {
    match &m.offset {
        None => Some(0),
        Some(o) => literal_ms(&o.value).map(|ms| ms.max(0)),
    }
}

fn lookback(e: &Expr) -> Option<i64> {
    match e {
        Expr::Number(_) | Expr::String(_) => Some(0),
        Expr::Selector(v) => Some(LOOKBACK_DELTA_MS + offset_ms(&v.modifiers)?),
        Expr::Matrix(m) => Some(
            literal_ms(&m.range)? + offset_ms(&m.modifiers)? + offset_ms(&m.selector.modifiers)?,
        ),
        Expr::Subquery(s) => {
            Some(literal_ms(&s.range)? + offset_ms(&s.modifiers)? + lookback(&s.expr)?)
        }
        Expr::Paren(p) => lookback(&p.expr),
        Expr::Unary(u) => lookback(&u.expr),
        Expr::Call(c) => c.args.iter().try_fold(0, |m, a| Some(m.max(lookback(a)?))),
        Expr::Aggregate(a) => {
            let p = a.param.as_ref().map_or(Some(0), lookback)?;
            Some(p.max(lookback(&a.expr)?))
        }
        Expr::Binary(b) => Some(lookback(&b.lhs)?.max(lookback(&b.rhs)?)),
    }
}

fn walk<'a>(e: &'a Expr, r: &mut Reads<'a>) {
    let modifiers = |m: &Modifiers, r: &mut Reads| {
        if m.at.is_some() {
            r.pinned = true;
        }
    };
    match e {
        Expr::Number(_) | Expr::String(_) => {}
        Expr::Selector(v) => modifiers(&v.modifiers, r),
        Expr::Matrix(m) => {
            modifiers(&m.modifiers, r);
            modifiers(&m.selector.modifiers, r);
        }
        Expr::Subquery(s) => {
            modifiers(&s.modifiers, r);
            walk(&s.expr, r);
        }
        Expr::Paren(p) => walk(&p.expr, r),
        Expr::Unary(u) => walk(&u.expr, r),
        Expr::Call(c) => {
            let name = c.func.name;
            if r.clock.is_none() && CLOCK.contains(&name) {
                r.clock = Some(name);
            }
            if r.trend.is_none() && TREND.contains(&name) {
                r.trend = Some(name);
            }
            // The label names among the arguments: `label_replace(v, dst, repl, src, re)`
            // writes `dst` from `src`; `label_join(v, dst, sep, src...)` likewise.
            let label_args: &[usize] = match name {
                "label_replace" => &[1, 3],
                "label_join" => &[1, 3, 4, 5, 6, 7, 8, 9],
                _ => &[],
            };
            for &i in label_args {
                if let Some(Expr::String(s)) = c.args.get(i) {
                    r.joined_labels.push(&s.value);
                }
            }
            for a in &c.args {
                walk(a, r);
            }
        }
        Expr::Aggregate(a) => {
            if let Some(g) = &a.grouping {
                r.joined_labels
                    .extend(g.labels.iter().map(|l| l.name.as_str()));
            }
            if let (promql::syntax::AggOp::CountValues, Some(Expr::String(s))) =
                (a.op, a.param.as_ref())
            {
                r.joined_labels.push(&s.value);
            }
            if let Some(p) = &a.param {
                walk(p, r);
            }
            walk(&a.expr, r);
        }
        Expr::Binary(b) => {
            if let Some(m) = &b.matching {
                r.joined_labels
                    .extend(m.labels.iter().map(|l| l.name.as_str()));
            }
            if let Some(g) = &b.group {
                r.joined_labels
                    .extend(g.labels.iter().map(|l| l.name.as_str()));
            }
            walk(&b.lhs, r);
            walk(&b.rhs, r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(q: &str) -> Reads<'static> {
        let e = Box::leak(Box::new(promql::parse(q).expect("parses")));
        reads(e)
    }

    #[test]
    fn lookback_adds_ranges_subqueries_and_offsets_along_a_path() {
        assert_eq!(of("x").lookback_ms, Some(300_000));
        assert_eq!(of("rate(x[10m])").lookback_ms, Some(600_000));
        assert_eq!(of("rate(x[10m] offset 1h)").lookback_ms, Some(4_200_000));
        assert_eq!(
            of("max_over_time(rate(x[5m])[1h:1m])").lookback_ms,
            Some(3_900_000)
        );
        // The longest path, not the sum of both sides.
        assert_eq!(of("rate(x[5m]) / y").lookback_ms, Some(300_000));
        assert_eq!(of("rate(x[1m]) > 0").lookback_ms, Some(60_000));
        assert_eq!(of("vector(1)").lookback_ms, Some(0));
    }

    #[test]
    fn joined_labels_clock_and_trend() {
        let r = of(
            "sum by (job, code) (rate(x[5m])) / on (job) group_left (team) label_replace(y, \"t\", \"$1\", \"team\", \"(.*)\")",
        );
        assert_eq!(r.joined_labels, vec!["code", "job", "t", "team"]);
        assert_eq!(r.clock, None);
        assert_eq!(of("time() - x > 3600").clock, Some("time"));
        assert_eq!(
            of("predict_linear(x[6h], 3600) < 0").trend,
            Some("predict_linear")
        );
        assert!(of("x @ 100").pinned);
        assert!(!of("x offset 5m").pinned);
    }
}
