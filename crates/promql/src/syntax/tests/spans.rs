//! Every token a diagnostic may name has its span.

use crate::syntax::*;

fn at(text: &str, span: Span) -> &str {
    &text[span.range()]
}

fn parsed(text: &str) -> Expr {
    parse_with(text, &Options::all()).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
}

#[test]
fn selector_matcher_and_modifier_spans() {
    let text = r#"http_requests_total{job="api", "my.label"!~"a.*"}[5m:30s] @ end() offset -1h"#;
    let Expr::Subquery(sq) = parsed(text) else {
        panic!("not a subquery")
    };
    assert_eq!(at(text, sq.span), text);
    assert_eq!(at(text, sq.brackets), "[5m:30s]");
    assert_eq!(at(text, sq.range.span()), "5m");
    assert_eq!(at(text, sq.step.as_ref().unwrap().span()), "30s");
    assert_eq!(at(text, sq.colon), ":");
    let at_mod = sq.modifiers.at.as_ref().unwrap();
    assert_eq!(at(text, at_mod.at_span), "@");
    assert_eq!(at(text, at_mod.value_span), "end()");
    let offset = sq.modifiers.offset.as_ref().unwrap();
    assert_eq!(at(text, offset.keyword), "offset");
    assert_eq!(at(text, offset.value.span()), "-1h");
    let Expr::Selector(vs) = &sq.expr else {
        panic!("not a selector")
    };
    assert_eq!(
        at(text, vs.name.as_ref().unwrap().span),
        "http_requests_total"
    );
    assert_eq!(
        at(text, vs.braces.unwrap()),
        r#"{job="api", "my.label"!~"a.*"}"#
    );
    let m = &vs.matchers[1];
    assert_eq!(m.name.name, "my.label");
    assert_eq!(at(text, m.name.span), r#""my.label""#);
    assert_eq!(at(text, m.op_span), "!~");
    assert_eq!(at(text, m.value.span), r#""a.*""#);
    assert_eq!(m.value.value, "a.*");
    assert_eq!(at(text, m.span()), r#""my.label"!~"a.*""#);
}

#[test]
fn call_aggregation_and_binary_spans() {
    let text = "sum without (instance, \"a.b\") (rate(x[5m] offset 1m)) > bool on (job) group_left (team) fill_left (0) count(y)";
    let Expr::Binary(b) = parsed(text) else {
        panic!("not binary")
    };
    assert_eq!(at(text, b.op_span), ">");
    assert_eq!(at(text, b.bool_span.unwrap()), "bool");
    let m = b.matching.as_ref().unwrap();
    assert_eq!(at(text, m.keyword), "on");
    assert_eq!(at(text, m.parens), "(job)");
    assert_eq!(at(text, m.labels[0].span), "job");
    let g = b.group.as_ref().unwrap();
    assert_eq!(at(text, g.keyword), "group_left");
    assert_eq!(at(text, g.labels[0].span), "team");
    let fill = b.fill.as_ref().unwrap().lhs.as_ref().unwrap();
    assert_eq!(at(text, fill.keyword), "fill_left");
    assert_eq!(at(text, fill.value.span), "0");
    assert_eq!(
        at(text, b.operator_span()),
        "> bool on (job) group_left (team) fill_left (0"
    );
    let Expr::Aggregate(a) = &b.lhs else {
        panic!("not an aggregation")
    };
    assert_eq!(at(text, a.op_span), "sum");
    let grouping = a.grouping.as_ref().unwrap();
    assert_eq!(at(text, grouping.keyword), "without");
    assert_eq!(at(text, grouping.labels[1].span), "\"a.b\"");
    assert_eq!(grouping.labels[1].name, "a.b");
    assert_eq!(at(text, a.parens), "(rate(x[5m] offset 1m))");
    assert_eq!(
        at(text, a.span),
        "sum without (instance, \"a.b\") (rate(x[5m] offset 1m))"
    );
    let Expr::Call(c) = &a.expr else {
        panic!("not a call")
    };
    assert_eq!(at(text, c.name_span), "rate");
    assert_eq!(at(text, c.args[0].span()), "x[5m] offset 1m");
    let Expr::Matrix(ms) = &c.args[0] else {
        panic!("not a matrix")
    };
    assert_eq!(at(text, ms.brackets), "[5m]");
    assert_eq!(at(text, ms.range.span()), "5m");
}

#[test]
fn literal_unary_paren_and_trailing_grouping_spans() {
    let text = "-(1 + -2) * topk(3, x) by (a)";
    let Expr::Binary(b) = parsed(text) else {
        panic!("not binary")
    };
    let Expr::Unary(u) = &b.lhs else {
        panic!("not unary")
    };
    assert_eq!(at(text, u.op_span), "-");
    let Expr::Paren(p) = &u.expr else {
        panic!("not paren")
    };
    assert_eq!(at(text, p.span), "(1 + -2)");
    let Expr::Binary(inner) = &p.expr else {
        panic!("not binary")
    };
    assert_eq!(at(text, inner.rhs.span()), "-2");
    let Expr::Aggregate(a) = &b.rhs else {
        panic!("not an aggregation")
    };
    assert_eq!(at(text, a.span), "topk(3, x) by (a)");
    assert_eq!(at(text, a.param.as_ref().unwrap().span()), "3");
    assert_eq!(at(text, a.grouping.as_ref().unwrap().keyword), "by");
}

#[test]
fn duration_expression_spans() {
    let text = "x[max_of(step(), 5m) * 2:(1m)] offset -range()";
    let Expr::Subquery(sq) = parsed(text) else {
        panic!("not a subquery")
    };
    let DurationExpr::Binary(b) = &sq.range else {
        panic!("not binary")
    };
    assert_eq!(at(text, b.op_span), "*");
    assert_eq!(at(text, b.lhs.span()), "max_of(step(), 5m)");
    let DurationExpr::MinMax(mm) = &b.lhs else {
        panic!("not max_of")
    };
    assert_eq!(at(text, mm.name_span), "max_of");
    assert_eq!(at(text, mm.lhs.span()), "step()");
    assert_eq!(at(text, sq.step.as_ref().unwrap().span()), "(1m)");
    assert_eq!(
        at(text, sq.modifiers.offset.as_ref().unwrap().value.span()),
        "-range()"
    );
}
