//! The condition of an alert's expression ([`condition`]): what decides which series the
//! result keeps (comparisons, `and`/`unless`, `absent()`), whether the expression is a
//! presence or constant one, and the constructs whose result is fragile (`topk` and its kin,
//! `scalar()` of what may be several series). An alerting rule fires for every series its
//! expression returns, whatever the value, so these are what makes an alert conditional.

use super::labels::result_labels;
use super::unparen;
use promql::syntax::{AggOp, BinOp, Call, Expr, Span};

/// One comparison operator of the expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Comparison {
    pub(crate) op: BinOp,
    /// With `bool`: it returns 0 or 1 for every pair of series and drops none.
    pub(crate) bool_modifier: bool,
    /// The number it compares with, when one operand is a literal.
    pub(crate) threshold: Option<f64>,
    /// The operator (and its modifiers).
    pub(crate) span: Span,
    /// What the other operand's values provably are, when the threshold is a literal and
    /// the other operand's function bounds them (`count(...)` is at least 1).
    pub(crate) operand: Option<ValueRange>,
    /// The literal is on the left (`0 > rate(x[5m])`).
    pub(crate) threshold_first: bool,
}

/// The values an expression can take whatever the data, and what says so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ValueRange {
    pub(crate) min: f64,
    pub(crate) max: f64,
    /// Whole numbers only.
    pub(crate) integral: bool,
    /// Why, in words: "count() returns at least 1 for every group it returns".
    pub(crate) why: &'static str,
    /// The expression that bounds the values.
    pub(crate) span: Span,
}

impl ValueRange {
    /// Whether `value op threshold` can hold for some value in the range (`threshold op
    /// value` when `threshold_first`). NaN never compares true but with `!=`, which this
    /// range excludes; a NaN threshold is not judged.
    pub(crate) fn can_hold(&self, op: BinOp, threshold: f64, threshold_first: bool) -> bool {
        if threshold.is_nan() {
            return true;
        }
        // `c > v` is `v < c`, and so on.
        let op = if threshold_first {
            match op {
                BinOp::Gtr => BinOp::Lss,
                BinOp::Lss => BinOp::Gtr,
                BinOp::Gte => BinOp::Lte,
                BinOp::Lte => BinOp::Gte,
                other => other,
            }
        } else {
            op
        };
        let (lo, hi, c) = (self.min, self.max, threshold);
        match op {
            BinOp::Lss => lo < c,
            BinOp::Lte => lo <= c,
            BinOp::Gtr => hi > c,
            BinOp::Gte => hi >= c,
            BinOp::Eql => lo <= c && c <= hi && (!self.integral || c.fract() == 0.0),
            BinOp::Neq => !(lo == hi && lo == c),
            _ => true,
        }
    }
}

/// The provable range of an expression's values: from the function or aggregation that
/// makes them, looking through parentheses; `None` when nothing bounds them.
fn value_range(e: &Expr) -> Option<ValueRange> {
    let span = e.span();
    let range = |min: f64, max: f64, integral: bool, why: &'static str| {
        Some(ValueRange {
            min,
            max,
            integral,
            why,
            span,
        })
    };
    match unparen(e) {
        Expr::Aggregate(a) => match a.op {
            AggOp::Count => range(
                1.0,
                f64::INFINITY,
                true,
                "count() is at least 1 for every group it returns",
            ),
            AggOp::CountValues => range(
                1.0,
                f64::INFINITY,
                true,
                "count_values() counts at least 1 for every value it returns",
            ),
            AggOp::Group => range(1.0, 1.0, true, "group() is always 1"),
            _ => None,
        },
        Expr::Call(c) => match c.func.name {
            "absent" | "absent_over_time" => {
                range(1.0, 1.0, true, "absent() is 1 whenever it returns anything")
            }
            "present_over_time" => range(1.0, 1.0, true, "present_over_time() is always 1"),
            "count_over_time" => range(
                1.0,
                f64::INFINITY,
                true,
                "count_over_time() is at least 1 for every series it returns",
            ),
            "rate" | "irate" | "increase" => range(
                0.0,
                f64::INFINITY,
                false,
                "rate(), irate() and increase() are never negative (a drop is read as a counter reset)",
            ),
            "changes" | "resets" => range(
                0.0,
                f64::INFINITY,
                true,
                "changes() and resets() count, so are never negative",
            ),
            "abs" => range(0.0, f64::INFINITY, false, "abs() is never negative"),
            _ => None,
        },
        _ => None,
    }
}

impl Comparison {
    /// Whether it drops the series for which it is false.
    pub(crate) fn filters(&self) -> bool {
        !self.bool_modifier
    }
}

/// Why the expression returns series whatever any value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// `absent()` or `absent_over_time()`, at the function name: returns a series only when
    /// its argument has none.
    Absent(Span),
    /// No selector at all (`vector(1)`, `time()`): the same series at every evaluation.
    Constant,
}

/// A construct whose result changes for reasons other than the values crossing a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fragile {
    /// `topk`, `bottomk`, `limitk` or `limit_ratio` whose series reach the result (not
    /// under an aggregation, `scalar()` or `absent()`), at the operator name.
    Selection {
        op: AggOp,
        span: Span,
        /// `topk by (...) (1, ...)` or `bottomk`/`limitk` likewise: one series per group,
        /// the idiom that removes duplicates (a target scraped twice).
        one_per_group: bool,
    },
    /// `scalar(...)` of an argument that may be several series.
    Scalar {
        /// The whole call.
        span: Span,
        /// The function name.
        name: Span,
        /// Its argument.
        argument: Span,
        /// When the argument is an aggregation with grouping: the `by (...)`/`without (...)`
        /// clause.
        grouping: Option<Span>,
        /// The comparison it is an operand of, directly or through arithmetic (which keeps
        /// a NaN a NaN).
        compared_by: Option<BinOp>,
    },
}

/// What decides which series of an expression fire.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Condition {
    /// Every comparison, `bool` ones included, in the order written.
    pub(crate) comparisons: Vec<Comparison>,
    /// The `and` and `unless` operators.
    pub(crate) set_filters: Vec<Span>,
    /// Whether the expression is a presence (`absent()`) or constant one.
    pub(crate) presence: Option<Presence>,
    /// The first construct that may drop series in a way not modelled here (a function not
    /// known to keep every series of its argument, `topk` and its kin): when set, nothing
    /// can be said of whether the expression filters.
    pub(crate) unmodelled: Option<Span>,
    /// The fragile constructs, in the order written.
    pub(crate) fragile: Vec<Fragile>,
}

impl Condition {
    /// Whether the expression certainly returns every series of its selectors (or a
    /// combination of them), whatever their values: no comparison that filters, no `and`
    /// or `unless`, no `absent()`, not constant, nothing unmodelled.
    pub(crate) fn never_filters(&self) -> bool {
        !self.comparisons.iter().any(Comparison::filters)
            && self.set_filters.is_empty()
            && self.presence.is_none()
            && self.unmodelled.is_none()
    }
}

/// Functions that return a sample for every series of their vector argument (or take no
/// vector): they never make an expression conditional.
const KEEPS_SERIES: &[&str] = &[
    "abs",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "count_over_time",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "delta",
    "deriv",
    "double_exponential_smoothing",
    "exp",
    "floor",
    "holt_winters",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sort",
    "sort_by_label",
    "sort_by_label_desc",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "time",
    "timestamp",
    "vector",
    "year",
];

/// The condition of an expression.
pub(crate) fn condition(expr: &Expr) -> Condition {
    let mut w = Walker {
        cond: Condition::default(),
        selectors: false,
    };
    w.walk(expr, Place::default());
    if w.cond.presence.is_none() && !w.selectors {
        w.cond.presence = Some(Presence::Constant);
    }
    let mut c = w.cond;
    c.comparisons.sort_by_key(|c| c.span.start);
    c.set_filters.sort_by_key(|s| s.start);
    c.fragile.sort_by_key(|f| match f {
        Fragile::Selection { span, .. } | Fragile::Scalar { span, .. } => span.start,
    });
    // Kept for every rule for the whole run: no spare capacity.
    c.comparisons.shrink_to_fit();
    c.set_filters.shrink_to_fit();
    c.fragile.shrink_to_fit();
    c
}

/// Where a node sits.
#[derive(Debug, Clone, Copy, Default)]
struct Place {
    /// Under something that makes one value of many series (an aggregation other than the
    /// selecting ones, `scalar()`, `absent()`): which series it had does not reach the result.
    collapsed: bool,
    /// An operand of this comparison, directly or through arithmetic.
    compared_by: Option<BinOp>,
}

struct Walker {
    cond: Condition,
    selectors: bool,
}

impl Walker {
    fn unmodelled(&mut self, span: Span) {
        self.cond.unmodelled.get_or_insert(span);
    }

    fn walk(&mut self, e: &Expr, place: Place) {
        let inner = Place {
            compared_by: None,
            ..place
        };
        match e {
            Expr::Number(_) | Expr::String(_) => {}
            Expr::Selector(_) | Expr::Matrix(_) => self.selectors = true,
            Expr::Subquery(s) => self.walk(&s.expr, inner),
            Expr::Paren(p) => self.walk(&p.expr, place),
            Expr::Unary(u) => self.walk(&u.expr, place),
            Expr::Call(c) => self.call(c, place),
            Expr::Aggregate(a) => {
                let selecting = matches!(
                    a.op,
                    AggOp::Topk | AggOp::Bottomk | AggOp::Limitk | AggOp::LimitRatio
                );
                if selecting {
                    self.unmodelled(a.op_span);
                    if !place.collapsed {
                        let one = a.param.as_ref().is_some_and(
                            |p| matches!(unparen(p), Expr::Number(n) if n.value == 1.0),
                        );
                        let by = a
                            .grouping
                            .as_ref()
                            .is_some_and(|g| !g.without && !g.labels.is_empty());
                        self.cond.fragile.push(Fragile::Selection {
                            op: a.op,
                            span: a.op_span,
                            one_per_group: one && by && a.op != AggOp::LimitRatio,
                        });
                    }
                }
                if let Some(p) = &a.param {
                    self.walk(
                        p,
                        Place {
                            collapsed: true,
                            compared_by: None,
                        },
                    );
                }
                self.walk(
                    &a.expr,
                    Place {
                        collapsed: place.collapsed || !selecting,
                        compared_by: None,
                    },
                );
            }
            Expr::Binary(b) => {
                if b.op.is_comparison() {
                    let (threshold, operand, threshold_first) =
                        match (unparen(&b.lhs), unparen(&b.rhs)) {
                            (_, Expr::Number(n)) => (Some(n.value), value_range(&b.lhs), false),
                            (Expr::Number(n), _) => (Some(n.value), value_range(&b.rhs), true),
                            _ => (None, None, false),
                        };
                    self.cond.comparisons.push(Comparison {
                        op: b.op,
                        bool_modifier: b.bool_span.is_some(),
                        threshold,
                        span: b.operator_span(),
                        operand,
                        threshold_first,
                    });
                } else if matches!(b.op, BinOp::And | BinOp::Unless) {
                    self.cond.set_filters.push(b.op_span);
                } else if matches!(b.op, BinOp::TrimUpper | BinOp::TrimLower) {
                    self.unmodelled(b.op_span);
                }
                let keeps_nan = matches!(
                    b.op,
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod
                );
                let operand = Place {
                    compared_by: if b.op.is_comparison() {
                        Some(b.op)
                    } else if keeps_nan {
                        place.compared_by
                    } else {
                        None
                    },
                    ..inner
                };
                self.walk(&b.lhs, operand);
                self.walk(&b.rhs, operand);
            }
        }
    }

    fn call(&mut self, c: &Call, place: Place) {
        let name = c.func.name;
        let collapsed = Place {
            collapsed: true,
            compared_by: None,
        };
        match name {
            "absent" | "absent_over_time" => {
                self.cond
                    .presence
                    .get_or_insert(Presence::Absent(c.name_span));
                for a in &c.args {
                    self.walk(a, collapsed);
                }
                return;
            }
            "scalar" => {
                if let Some(arg) = c.args.first() {
                    if !single_series(arg) {
                        let grouping = match unparen(arg) {
                            Expr::Aggregate(a) => {
                                a.grouping.as_ref().map(|g| g.keyword.to(g.parens))
                            }
                            _ => None,
                        };
                        self.cond.fragile.push(Fragile::Scalar {
                            span: c.span,
                            name: c.name_span,
                            argument: arg.span(),
                            grouping,
                            compared_by: place.compared_by,
                        });
                    }
                    self.walk(arg, collapsed);
                }
                return;
            }
            _ if !KEEPS_SERIES.contains(&name) => self.unmodelled(c.name_span),
            _ => {}
        }
        let inner = Place {
            compared_by: None,
            ..place
        };
        for a in &c.args {
            self.walk(a, inner);
        }
    }
}

/// Whether an expression returns at most one series: a scalar, or a vector whose series
/// carry no label at all (series are told apart by their labels).
fn single_series(e: &Expr) -> bool {
    use promql::syntax::ValueType;
    match e.value_type() {
        ValueType::Vector => result_labels(e).only_labels().is_some_and(|l| l.is_empty()),
        ValueType::Matrix => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(src: &str) -> Condition {
        condition(&promql::parse_with(src, &promql::Options::all()).expect("valid PromQL"))
    }

    fn text(src: &str, s: Span) -> &str {
        &src[s.start..s.end]
    }

    #[test]
    fn comparisons_with_their_thresholds() {
        let c = cond("rate(x[5m]) > 0.5");
        assert_eq!(c.comparisons.len(), 1);
        assert_eq!(c.comparisons[0].op, BinOp::Gtr);
        assert_eq!(c.comparisons[0].threshold, Some(0.5));
        assert!(c.comparisons[0].filters());
        assert!(!c.never_filters());
        let src = "(1) <= bool x";
        let c = cond(src);
        assert_eq!(c.comparisons[0].threshold, Some(1.0));
        assert_eq!(text(src, c.comparisons[0].span), "<= bool");
        assert!(c.never_filters());
        assert_eq!(cond("x > y").comparisons[0].threshold, None);
        // A comparison anywhere makes the expression conditional.
        assert!(!cond("sum(x > 5)").never_filters());
    }

    #[test]
    fn set_filters_presence_and_constants() {
        let src = "x and on (job) y unless z";
        let c = cond(src);
        let ops: Vec<_> = c.set_filters.iter().map(|s| text(src, *s)).collect();
        assert_eq!(ops, ["and", "unless"]);
        assert!(!c.never_filters());
        assert!(cond("x or y").never_filters());
        let src = r#"absent(up{job="a"}) == 1"#;
        let c = cond(src);
        assert!(matches!(c.presence, Some(Presence::Absent(s)) if text(src, s) == "absent"));
        assert!(matches!(
            cond("absent_over_time(x[5m])").presence,
            Some(Presence::Absent(_))
        ));
        for constant in ["vector(1)", "1", "vector(time())"] {
            assert_eq!(
                cond(constant).presence,
                Some(Presence::Constant),
                "{constant}"
            );
            assert!(!cond(constant).never_filters());
        }
        assert_eq!(cond("sum(x)").presence, None);
    }

    #[test]
    fn plain_expressions_never_filter() {
        for e in [
            "up",
            "sum by (job) (rate(x[5m]))",
            "x / on (job) group_left y",
            "changes(x[1h])",
            "max_over_time(x[10m:1m])",
            "-x",
        ] {
            assert!(cond(e).never_filters(), "{e}");
        }
        // Unknown effect: not said to never filter.
        for e in [
            "histogram_quantile(0.9, x)",
            "topk(3, x)",
            "info(x)",
            "x </ 5",
        ] {
            assert!(cond(e).unmodelled.is_some(), "{e}");
            assert!(!cond(e).never_filters(), "{e}");
        }
    }

    #[test]
    fn selections_whose_series_reach_the_result_are_fragile() {
        let src = "topk(3, rate(x[5m])) > 10 or bottomk by (job) (1, y)";
        let c = cond(src);
        let spans: Vec<_> = c
            .fragile
            .iter()
            .map(|f| match f {
                Fragile::Selection { span, .. } => text(src, *span),
                Fragile::Scalar { .. } => "scalar",
            })
            .collect();
        assert_eq!(spans, ["topk", "bottomk"]);
        assert!(cond("sum(topk(3, x)) > 1").fragile.is_empty());
        assert!(cond("absent(limitk(3, x))").fragile.is_empty());
        assert_eq!(cond("limit_ratio(0.5, x)").fragile.len(), 1);
        let one = |e| {
            matches!(
                cond(e).fragile.as_slice(),
                [Fragile::Selection {
                    one_per_group: true,
                    ..
                }]
            )
        };
        assert!(one("topk by (job, instance) (1, x) > 3"));
        assert!(!one("topk by (job) (2, x) > 3"));
        assert!(!one("topk(1, x) > 3"));
        assert!(!one("topk without (pod) (1, x) > 3"));
    }

    #[test]
    fn scalar_of_what_may_be_several_series() {
        let src = "x != scalar(quantile by (device) (0.9, y))";
        let c = cond(src);
        let [
            Fragile::Scalar {
                span,
                argument,
                name: _,
                grouping,
                compared_by,
            },
        ] = c.fragile.as_slice()
        else {
            panic!("{c:?}")
        };
        assert_eq!(text(src, *span), "scalar(quantile by (device) (0.9, y))");
        assert_eq!(text(src, *argument), "quantile by (device) (0.9, y)");
        assert_eq!(grouping.map(|g| text(src, g)), Some("by (device)"));
        assert_eq!(*compared_by, Some(BinOp::Neq));
        let bare = cond(r#"x > (scalar(y{job="a"}) * 2)"#);
        assert!(matches!(
            bare.fragile.as_slice(),
            [Fragile::Scalar {
                grouping: None,
                compared_by: Some(BinOp::Gtr),
                ..
            }]
        ));
        assert!(matches!(
            cond("x > scalar(y) ^ 2").fragile.as_slice(),
            [Fragile::Scalar {
                compared_by: None,
                ..
            }]
        ));
        for single in [
            "x > scalar(sum(y))",
            "x > scalar(sum by () (y))",
            "x > scalar(histogram_quantile(0.9, sum by (le) (rate(y[5m]))))",
            "x > scalar(vector(1))",
            "x > scalar(count(y) / count(z))",
        ] {
            assert!(cond(single).fragile.is_empty(), "{single}");
        }
    }

    #[test]
    fn comparisons_know_the_provable_range_of_what_they_compare() {
        let holds = |src: &str| {
            let c = &cond(src).comparisons[0];
            let range = c.operand.expect("a bounded operand");
            range.can_hold(c.op, c.threshold.expect("a threshold"), c.threshold_first)
        };
        assert!(!holds("count(up) == 0"));
        assert!(!holds("count(up) < 1"));
        assert!(!holds("0 >= count(up)"));
        assert!(holds("count(up) < 2"));
        assert!(!holds("count(up) == 1.5"));
        assert!(!holds("rate(x_total[5m]) < 0"));
        assert!(holds("rate(x_total[5m]) <= 0"));
        assert!(!holds("absent(up) != 1"));
        assert!(!holds("absent(up) > 1"));
        assert!(holds("absent(up) == 1"));
        assert!(holds("changes(x[1h]) > 3"));
        // Nothing provable: no range.
        assert!(
            cond("(count(up) or vector(0)) == 0").comparisons[0]
                .operand
                .is_none()
        );
        assert!(cond("sum(up) == 0").comparisons[0].operand.is_none());
    }
}
