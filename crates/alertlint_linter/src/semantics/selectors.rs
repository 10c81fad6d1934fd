//! Every selector of a rule's expression ([`selectors`]): what it selects (metric name,
//! matchers), over which range, and inside which function call, with the span of each part
//! in the expression, so that checks about selectors need not walk the syntax tree.

use promql::syntax::{Expr, MatchOp, Span, VectorSelector};

/// One label matcher of a selector, as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MatcherFact<'a> {
    pub(crate) name: &'a str,
    pub(crate) name_span: Span,
    pub(crate) op: MatchOp,
    pub(crate) op_span: Span,
    /// The value, unquoted.
    pub(crate) value: &'a str,
    /// The value's token, quotes included.
    pub(crate) value_span: Span,
}

impl MatcherFact<'_> {
    /// The whole matcher, `name op "value"`.
    pub(crate) fn span(&self) -> Span {
        self.name_span.to(self.value_span)
    }

    /// The matcher as written, `job=~"api"`.
    pub(crate) fn text(&self) -> String {
        format!("{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

/// The range of a range vector selector, `[5m]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RangeFact {
    /// In milliseconds, when the range is a literal duration.
    pub(crate) ms: Option<i64>,
    /// The brackets and what they hold.
    pub(crate) span: Span,
}

/// One vector or range vector selector of the expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SelectorFact<'a> {
    /// The metric name, before the braces or as a `__name__="..."` matcher.
    pub(crate) metric: Option<&'a str>,
    /// The matchers in the braces, in the order written (a name before the braces is not
    /// one of them). They borrow from the syntax tree, which lives as long as the rules.
    pub(crate) matchers: Vec<MatcherFact<'a>>,
    /// `Some` for a range vector selector.
    pub(crate) range: Option<RangeFact>,
    /// The innermost function call the selector is an argument of, at any depth
    /// (`rate` in `sum(rate(x[5m]))`, `absent` in `absent(sum(x))`).
    pub(crate) function: Option<&'static str>,
    /// The selector, without its range and modifiers.
    pub(crate) span: Span,
}

/// Every selector of `expr`, in the order of the text.
pub(crate) fn selectors(expr: &Expr) -> Vec<SelectorFact<'_>> {
    let mut out = Vec::new();
    walk(expr, None, &mut out);
    // Kept for every rule for the whole run: no spare capacity.
    out.shrink_to_fit();
    out
}

fn walk<'a>(expr: &'a Expr, function: Option<&'static str>, out: &mut Vec<SelectorFact<'a>>) {
    match expr {
        Expr::Number(_) | Expr::String(_) => {}
        Expr::Selector(v) => out.push(fact(v, None, function)),
        Expr::Matrix(m) => {
            let range = RangeFact {
                ms: m.range.literal_ns().map(|ns| ns / 1_000_000),
                span: m.brackets,
            };
            out.push(fact(&m.selector, Some(range), function));
        }
        Expr::Subquery(s) => walk(&s.expr, function, out),
        Expr::Paren(p) => walk(&p.expr, function, out),
        Expr::Unary(u) => walk(&u.expr, function, out),
        Expr::Call(c) => {
            for a in &c.args {
                walk(a, Some(c.func.name), out);
            }
        }
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                walk(p, function, out);
            }
            walk(&a.expr, function, out);
        }
        Expr::Binary(b) => {
            walk(&b.lhs, function, out);
            walk(&b.rhs, function, out);
        }
    }
}

fn fact<'a>(
    v: &'a VectorSelector,
    range: Option<RangeFact>,
    function: Option<&'static str>,
) -> SelectorFact<'a> {
    SelectorFact {
        metric: v.metric_name(),
        matchers: v
            .matchers
            .iter()
            .map(|m| MatcherFact {
                name: &m.name.name,
                name_span: m.name.span,
                op: m.op,
                op_span: m.op_span,
                value: &m.value.value,
                value_span: m.value.span,
            })
            .collect(),
        range,
        function,
        span: v.span,
    }
}

#[cfg(test)]
mod tests {
    use super::selectors;
    use promql::syntax::MatchOp;

    #[test]
    fn every_selector_with_its_matchers_range_and_function() {
        let text = r#"sum(rate(http_requests_total{job=~"api", code!="200"}[5m])) / on() absent(up{job="x"}) > scalar(foo)"#;
        let expr = promql::parse(text).expect("parses");
        let found = selectors(&expr);
        assert_eq!(found.len(), 3);
        let rate = &found[0];
        assert_eq!(rate.metric, Some("http_requests_total"));
        assert_eq!(rate.function, Some("rate"));
        assert_eq!(
            rate.range.map(|r| (r.ms, &text[r.span.range()])),
            Some((Some(300_000), "[5m]"))
        );
        let m: Vec<_> = rate
            .matchers
            .iter()
            .map(|m| {
                (
                    &text[m.name_span.range()],
                    m.op,
                    &text[m.value_span.range()],
                    &text[m.span().range()],
                )
            })
            .collect();
        assert_eq!(
            m,
            [
                ("job", MatchOp::Regex, r#""api""#, r#"job=~"api""#),
                ("code", MatchOp::NotEqual, r#""200""#, r#"code!="200""#),
            ]
        );
        assert_eq!(found[1].function, Some("absent"));
        assert_eq!(found[1].range, None);
        assert_eq!(&text[found[1].span.range()], r#"up{job="x"}"#);
        assert_eq!(found[2].function, Some("scalar"));
        assert_eq!(found[2].matchers, []);
        // A name given as a matcher is the metric name too.
        let expr = promql::parse(r#"{__name__="up", job="a"}"#).expect("parses");
        assert_eq!(selectors(&expr)[0].metric, Some("up"));
    }
}
