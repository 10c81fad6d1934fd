//! What kind of value a rule's expression and its parts compute ([`value_facts`]): counters
//! (by metric name), rates, gauges, integral counts, constants. Kinds come from metric names
//! and functions only, so every answer is a guess that a naming convention backs; the
//! findings recorded here ([`RawCounter`], [`RateMisuse`]) are the cases where the guess is
//! safe enough to act on, and lean towards recording nothing.

use super::unparen;
use promql::syntax::{AggOp, BinOp, Call, Expr, Span, VectorSelector};

/// The kind of value an expression computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// A selector of a counter, by its name (`_total`, `_count`, `_sum`, `_bucket`,
    /// `_created`).
    Counter,
    /// A per-second or per-range change: `rate`, `irate`, `increase`, `deriv`, `delta`...
    Rate,
    /// A selector whose name is known and is not a counter's.
    Gauge,
    /// A whole number by construction: `count`, `count_values`, `absent`, `changes`,
    /// `resets`, `vector(3)`.
    Integral,
    /// A number that does not depend on any series.
    Constant,
    /// Anything else: a selector without a known name, a recording rule's output, mixes.
    Unknown,
}

/// How a counter reached its raw use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawUse {
    /// Compared with a constant threshold, by the operator at the span.
    Comparison(Span),
    /// Aggregated by the operator at the span, and the aggregate used as it is.
    Aggregation(Span),
}

/// A counter selector whose raw (ever-growing) value decides the result. Only sure counters
/// ([`surely_counter`]), and only comparisons that become true as the counter grows: greater
/// than (or equal to) a constant other than 0.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawCounter {
    /// The selector.
    pub(crate) selector: Span,
    pub(crate) name: String,
    pub(crate) used: RawUse,
}

/// Why a `rate`-class function's argument does not suit it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MisuseReason {
    /// The series is a gauge by its name (the name).
    Gauge(String),
    /// The argument is a subquery of an aggregation (the aggregation operator's span).
    AggregatedSubquery(Span),
}

/// A `rate`, `irate` or `increase` call whose argument is not a counter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateMisuse {
    /// The function's name as written.
    pub(crate) function: &'static str,
    pub(crate) function_span: Span,
    /// The argument.
    pub(crate) argument: Span,
    pub(crate) reason: MisuseReason,
}

/// What is known of the values of one rule's expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueFacts {
    /// The kind of the whole expression: of the value an alert's `$value` holds.
    kind: ValueKind,
    /// Counters used raw, once per selector.
    pub(crate) raw_counters: Vec<RawCounter>,
    /// `rate`-class functions over something else than a counter.
    pub(crate) rate_misuses: Vec<RateMisuse>,
}

impl ValueFacts {
    /// The kind of the whole expression: of the value an alert's `$value` holds.
    pub(crate) fn kind(&self) -> ValueKind {
        self.kind
    }
}

const COUNTER_SUFFIXES: &[&str] = &["_total", "_count", "_sum", "_bucket", "_created"];

/// Suffixes that name gauges by the Prometheus naming conventions, and that no counter
/// convention uses: what [`MisuseReason::Gauge`] requires besides the missing counter suffix.
/// `_seconds` and `_bytes` are left out: old exporters named counters so
/// (`node_network_receive_bytes`, `node_cpu_seconds`).
const GAUGE_SUFFIXES: &[&str] = &[
    "_ratio",
    "_percent",
    "_percentage",
    "_celsius",
    "_info",
    "_temperature",
    "_utilisation",
    "_utilization",
];

/// The kind of a series by its metric name: counter by suffix, unknown without a name or
/// for a recording rule's output (`job:x:rate5m`), gauge otherwise.
fn kind_of_name(name: Option<&str>) -> ValueKind {
    match name {
        None => ValueKind::Unknown,
        Some(n) if n.contains(':') => ValueKind::Unknown,
        Some(n) if COUNTER_SUFFIXES.iter().any(|s| n.ends_with(s)) => ValueKind::Counter,
        Some(_) => ValueKind::Gauge,
    }
}

/// Whether a series is certainly a counter: a name (without a colon) ending in one of
/// `suffixes`.
pub(crate) fn surely_counter(name: &str, suffixes: &[String]) -> bool {
    !name.contains(':') && suffixes.iter().any(|s| name.ends_with(s.as_str()))
}

/// Whether a series is certainly not a counter: a known gauge name (no counter suffix, and
/// `up` or a gauge suffix, see [`GAUGE_SUFFIXES`]).
pub(crate) fn surely_gauge(name: &str) -> bool {
    kind_of_name(Some(name)) == ValueKind::Gauge
        && (name == "up"
            || GAUGE_SUFFIXES
                .iter()
                .any(|s| name.len() > s.len() && name.to_ascii_lowercase().ends_with(s)))
}

/// The range functions that make a counter's value meaningful (or do not look at it): any
/// function of a range vector counts, to stay conservative.
fn takes_range(c: &Call) -> bool {
    c.func
        .arg_types
        .contains(&promql::syntax::ValueType::Matrix)
}

/// Functions whose result keeps the counter's growth as it is.
const PASS_THROUGH: &[&str] = &[
    "abs",
    "ceil",
    "floor",
    "round",
    "clamp",
    "clamp_min",
    "clamp_max",
    "label_replace",
    "label_join",
    "sort",
    "sort_desc",
    "sort_by_label",
    "sort_by_label_desc",
];

/// A counter on its way up the tree, not yet made meaningful.
#[derive(Debug, Clone)]
struct Pending {
    selector: Span,
    name: String,
    /// The aggregation it went through, if any.
    aggregated: Option<Span>,
}

/// What the walk knows of one sub-expression.
struct Val {
    kind: ValueKind,
    pending: Vec<Pending>,
}

impl Val {
    fn of(kind: ValueKind) -> Val {
        Val {
            kind,
            pending: Vec::new(),
        }
    }
}

struct Walk<'c> {
    facts: ValueFacts,
    /// Names ending so are certainly counters.
    counter_suffixes: &'c [String],
}

/// The value facts of an expression; `counter_suffixes` end the names of certain counters.
pub(crate) fn value_facts(expr: &Expr, counter_suffixes: &[String]) -> ValueFacts {
    let mut w = Walk {
        counter_suffixes,
        facts: ValueFacts {
            kind: ValueKind::Unknown,
            raw_counters: Vec::new(),
            rate_misuses: Vec::new(),
        },
    };
    let v = w.walk(expr);
    w.facts.kind = v.kind;
    // An aggregate of raw counters that is the result: it is there whatever the rate.
    for p in v.pending {
        if let Some(agg) = p.aggregated {
            w.record(p, RawUse::Aggregation(agg));
        }
    }
    w.facts
}

fn is_zero(e: &Expr) -> bool {
    matches!(unparen(e), Expr::Number(n) if n.value == 0.0)
}

fn is_time(e: &Expr) -> bool {
    matches!(unparen(e), Expr::Call(c) if c.func.name == "time")
}

impl Walk<'_> {
    fn record(&mut self, p: Pending, used: RawUse) {
        if self
            .facts
            .raw_counters
            .iter()
            .any(|r| r.selector == p.selector)
        {
            return;
        }
        self.facts.raw_counters.push(RawCounter {
            selector: p.selector,
            name: p.name,
            used,
        });
    }

    fn selector(&self, v: &VectorSelector) -> Val {
        let name = v.metric_name();
        let kind = kind_of_name(name);
        let pending = match name {
            Some(n) if surely_counter(n, self.counter_suffixes) => vec![Pending {
                selector: v.span,
                name: n.to_string(),
                aggregated: None,
            }],
            _ => Vec::new(),
        };
        Val { kind, pending }
    }

    fn walk(&mut self, expr: &Expr) -> Val {
        match expr {
            Expr::Number(_) => Val::of(ValueKind::Constant),
            Expr::String(_) => Val::of(ValueKind::Unknown),
            Expr::Selector(v) => self.selector(v),
            Expr::Matrix(m) => self.selector(&m.selector),
            Expr::Subquery(s) => {
                let inner = self.walk(&s.expr);
                Val {
                    kind: inner.kind,
                    pending: inner.pending,
                }
            }
            Expr::Paren(p) => self.walk(&p.expr),
            Expr::Unary(u) => self.walk(&u.expr),
            Expr::Call(c) => self.call(c),
            Expr::Aggregate(a) => {
                if let Some(p) = &a.param {
                    self.walk(p);
                }
                let inner = self.walk(&a.expr);
                match a.op {
                    AggOp::Count | AggOp::CountValues | AggOp::Group => {
                        Val::of(ValueKind::Integral)
                    }
                    AggOp::Limitk | AggOp::LimitRatio => inner,
                    AggOp::Sum
                    | AggOp::Avg
                    | AggOp::Min
                    | AggOp::Max
                    | AggOp::Stddev
                    | AggOp::Stdvar
                    | AggOp::Quantile
                    | AggOp::Topk
                    | AggOp::Bottomk => {
                        let kind = match (a.op, inner.kind) {
                            (
                                AggOp::Sum | AggOp::Min | AggOp::Max | AggOp::Topk | AggOp::Bottomk,
                                k,
                            ) => k,
                            (_, ValueKind::Constant) => ValueKind::Constant,
                            (_, ValueKind::Integral) => ValueKind::Unknown,
                            (_, k) => k,
                        };
                        let pending = inner
                            .pending
                            .into_iter()
                            .map(|mut p| {
                                p.aggregated.get_or_insert(a.op_span);
                                p
                            })
                            .collect();
                        Val { kind, pending }
                    }
                }
            }
            Expr::Binary(b) => self.binary(b),
        }
    }

    fn binary(&mut self, b: &promql::syntax::BinaryExpr) -> Val {
        let lhs = self.walk(&b.lhs);
        let rhs = self.walk(&b.rhs);
        if b.op.is_set() {
            return match b.op {
                BinOp::Or => {
                    let kind = if lhs.kind == rhs.kind {
                        lhs.kind
                    } else {
                        ValueKind::Unknown
                    };
                    let mut pending = lhs.pending;
                    pending.extend(rhs.pending);
                    Val { kind, pending }
                }
                // The right side only filters.
                _ => lhs,
            };
        }
        if b.op.is_comparison() {
            // Only a counter that grows past a constant threshold, other than 0: `> 0` and
            // `== 0` are the "has it ever happened" tests and the guards of divisions, and
            // `< 60` catches a restart.
            let threshold = |v: &Val, e: &Expr| {
                v.kind == ValueKind::Constant && v.pending.is_empty() && !is_zero(e)
            };
            // `bool` makes 0 or 1; a filter passes its vector side's values on (the left
            // one's when both are vectors).
            let kind = if b.bool_span.is_some() {
                ValueKind::Integral
            } else if b.lhs.value_type() == promql::syntax::ValueType::Vector {
                lhs.kind
            } else {
                rhs.kind
            };
            let grows_past = match b.op {
                BinOp::Gtr | BinOp::Gte => {
                    (!lhs.pending.is_empty() && threshold(&rhs, &b.rhs)).then_some(lhs)
                }
                BinOp::Lss | BinOp::Lte => {
                    (!rhs.pending.is_empty() && threshold(&lhs, &b.lhs)).then_some(rhs)
                }
                _ => None,
            };
            if let Some(counted) = grows_past {
                for p in counted.pending {
                    self.record(p, RawUse::Comparison(b.op_span));
                }
            }
            // Nothing is known to be raw any more.
            return Val::of(kind);
        }
        // Arithmetic.
        match (lhs.kind, rhs.kind) {
            (ValueKind::Constant, ValueKind::Constant) => Val::of(ValueKind::Constant),
            // Scaling a value keeps what it is.
            (k, ValueKind::Constant) | (ValueKind::Constant, k)
                if !is_time(&b.lhs) && !is_time(&b.rhs) =>
            {
                let kind = match (b.op, k) {
                    (BinOp::Add | BinOp::Sub | BinOp::Mul, ValueKind::Integral) => {
                        ValueKind::Integral
                    }
                    (_, ValueKind::Integral) => ValueKind::Unknown,
                    (_, k) => k,
                };
                let mut pending = lhs.pending;
                pending.extend(rhs.pending);
                Val { kind, pending }
            }
            // Two series (a counter minus itself an hour ago, a ratio of totals, an age
            // against `time()`): what the result means is not known.
            _ => Val::of(ValueKind::Unknown),
        }
    }

    fn call(&mut self, c: &Call) -> Val {
        let args: Vec<Val> = c.args.iter().map(|a| self.walk(a)).collect();
        let name = c.func.name;
        if matches!(name, "rate" | "irate" | "increase") {
            self.rate_argument(c);
        }
        if takes_range(c) {
            let kind = match name {
                "rate" | "irate" | "increase" | "deriv" | "delta" | "idelta" | "predict_linear" => {
                    ValueKind::Rate
                }
                "changes" | "resets" | "count_over_time" | "absent_over_time"
                | "present_over_time" => ValueKind::Integral,
                _ => ValueKind::Unknown,
            };
            return Val::of(kind);
        }
        match name {
            "absent" => Val::of(ValueKind::Integral),
            "vector" => {
                let kind = match c.args.first().map(unparen) {
                    Some(Expr::Number(n)) if n.value.fract() == 0.0 => ValueKind::Integral,
                    _ if args.first().is_some_and(|a| a.kind == ValueKind::Constant) => {
                        ValueKind::Constant
                    }
                    _ => ValueKind::Unknown,
                };
                Val::of(kind)
            }
            "pi" => Val::of(ValueKind::Constant),
            _ if PASS_THROUGH.contains(&name) => args
                .into_iter()
                .next()
                .unwrap_or(Val::of(ValueKind::Unknown)),
            _ => Val::of(ValueKind::Unknown),
        }
    }

    /// Records a `rate`, `irate` or `increase` whose argument is not a counter.
    fn rate_argument(&mut self, c: &Call) {
        let Some(arg) = c.args.first() else { return };
        let reason = match unparen(arg) {
            Expr::Matrix(m) => match m.selector.metric_name() {
                Some(n) if surely_gauge(n) && !surely_counter(n, self.counter_suffixes) => {
                    MisuseReason::Gauge(n.to_string())
                }
                _ => return,
            },
            Expr::Subquery(s) if c.func.name != "irate" => match unparen(&s.expr) {
                Expr::Aggregate(a)
                    if matches!(a.op, AggOp::Sum)
                        && kind_of_name_deep(&a.expr) == ValueKind::Counter =>
                {
                    MisuseReason::AggregatedSubquery(a.op_span)
                }
                _ => return,
            },
            _ => return,
        };
        self.facts.rate_misuses.push(RateMisuse {
            function: c.func.name,
            function_span: c.name_span,
            argument: arg.span(),
            reason,
        });
    }
}

/// The kind of what an aggregation sums, looking through parentheses, label functions and
/// scaling: a counter only when every selector in it is one.
fn kind_of_name_deep(e: &Expr) -> ValueKind {
    match unparen(e) {
        Expr::Selector(v) => kind_of_name(v.metric_name()),
        Expr::Call(c) if PASS_THROUGH.contains(&c.func.name) => {
            c.args.first().map_or(ValueKind::Unknown, kind_of_name_deep)
        }
        _ => ValueKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(src: &str) -> ValueFacts {
        let counters = ["_total".to_string(), "_bucket".to_string()];
        value_facts(&promql::syntax::parse(src).expect("parses"), &counters)
    }

    fn raw(src: &str) -> Vec<(String, &'static str)> {
        facts(src)
            .raw_counters
            .into_iter()
            .map(|r| {
                let how = match r.used {
                    RawUse::Comparison(_) => "comparison",
                    RawUse::Aggregation(_) => "aggregation",
                };
                (r.name, how)
            })
            .collect()
    }

    fn misuses(src: &str) -> Vec<String> {
        facts(src)
            .rate_misuses
            .into_iter()
            .map(|m| format!("{} {}", m.function, &src[m.argument.start..m.argument.end]))
            .collect()
    }

    #[test]
    fn kinds() {
        assert_eq!(facts("x_total").kind(), ValueKind::Counter);
        assert_eq!(facts(r#"{__name__="x_bucket"}"#).kind(), ValueKind::Counter);
        assert_eq!(facts(r#"{job="a"}"#).kind(), ValueKind::Unknown);
        assert_eq!(facts("job:x_total:rate5m").kind(), ValueKind::Unknown);
        assert_eq!(facts("up").kind(), ValueKind::Gauge);
        assert_eq!(facts("rate(x_total[5m])").kind(), ValueKind::Rate);
        assert_eq!(facts("count(up)").kind(), ValueKind::Integral);
        // A filter's value is its vector side's.
        assert_eq!(facts("count(up) > 3").kind(), ValueKind::Integral);
        assert_eq!(facts("3 < count(up)").kind(), ValueKind::Integral);
        assert_eq!(facts("up > bool 0.5").kind(), ValueKind::Integral);
        assert_eq!(facts("rate(x_total[5m]) > 1").kind(), ValueKind::Rate);
        assert_eq!(facts("vector(1)").kind(), ValueKind::Integral);
        assert_eq!(facts("changes(up[1h])").kind(), ValueKind::Integral);
        assert_eq!(facts("1 + 2").kind(), ValueKind::Constant);
        assert_eq!(facts("sum(rate(x_total[5m])) * 60").kind(), ValueKind::Rate);
    }

    #[test]
    fn raw_counters() {
        assert_eq!(raw("x_total > 10"), [("x_total".into(), "comparison")]);
        assert_eq!(
            raw("sum by (job) (x_total) / 1000 > 10"),
            [("x_total".into(), "comparison")]
        );
        assert_eq!(raw("sum(x_bucket)"), [("x_bucket".into(), "aggregation")]);
        assert_eq!(raw("5 <= x_total"), [("x_total".into(), "comparison")]);
        assert_eq!(raw("x_total == 0"), []);
        assert_eq!(raw("x_total > 0"), []);
        assert_eq!(raw("x_total != 3"), []);
        assert_eq!(raw("uptime_seconds_total / 60 < 1"), []);
        assert_eq!(raw("region_count > 5000"), []);
        assert_eq!(raw("sum(x_count)"), []);
        for handled in [
            "rate(x_total[5m]) > 1",
            "increase(x_total[1h]) > 10",
            "max_over_time(x_total[1h]) > 1",
            "count(x_total) > 1",
            "absent(x_total)",
            "time() - x_created > 3600",
            "x_total - x_total offset 1h > 10",
            "x_total / y_total > 0.5",
            "x_total",
            "job:x_total:sum > 10",
            "up == 1 and on() sum(x_total)",
            "timestamp(x_total) > 10",
            "rate(sum(x_total)[5m:])",
        ] {
            assert_eq!(raw(handled), [], "{handled}");
        }
    }

    #[test]
    fn rate_misuses() {
        assert_eq!(misuses("rate(up[5m]) > 0"), ["rate up[5m]"]);
        assert_eq!(
            misuses("increase(disk_used_ratio{a=\"b\"}[1h])"),
            ["increase disk_used_ratio{a=\"b\"}[1h]"]
        );
        assert_eq!(
            misuses("rate(sum(x_total)[5m:1m])"),
            ["rate sum(x_total)[5m:1m]"]
        );
        for fine in [
            "rate(x_total[5m])",
            "rate(node_memory_Active_bytes[5m])",
            "rate(job:up:ratio[5m])",
            "rate(x[5m])",
            "deriv(up[5m])",
            "rate(rate(x_total[1m])[5m:])",
            "irate(sum(x_total)[5m:])",
            "rate(sum(job:x:sum)[5m:])",
        ] {
            assert_eq!(misuses(fine), Vec::<String>::new(), "{fine}");
        }
    }
}
