//! The semantic checks Prometheus runs on a tree that parsed (`checkAST` in
//! `promql/parser/parse.go`): operand and argument types, argument counts, `bool` and
//! vector matching only where they mean something, a selector that cannot select every
//! series. Messages are Prometheus'.

use super::ast::{AggOp, BinaryExpr, Call, Expr, MatchOp, Matcher, ValueType, VectorSelector};
use super::{Span, SyntaxError};

pub(crate) fn check(expr: &Expr, errors: &mut Vec<SyntaxError>) {
    Checker { errors }.check(expr, false);
}

struct Checker<'e> {
    errors: &'e mut Vec<SyntaxError>,
}

impl Checker<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            message: message.into(),
            span,
        });
    }

    fn expect_type(&mut self, expr: &Expr, want: ValueType, context: &str) {
        let got = self.check(expr, false);
        if got != want {
            self.error(
                expr.span(),
                format!(
                    "expected type {} in {context}, got {}",
                    want.documented(),
                    got.documented()
                ),
            );
        }
    }

    /// Checks `expr` and returns its type. `label_selector_only`: the selector is `info`'s
    /// second argument, which may match every series.
    fn check(&mut self, expr: &Expr, label_selector_only: bool) -> ValueType {
        // The type is worked out from the operands' as they are checked (asking each node
        // for its type would walk operator chains again and again).
        let mut typ = match expr {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::Selector(_) | Expr::Aggregate(_) => ValueType::Vector,
            Expr::Matrix(_) | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Call(c) => c.func.return_type,
            Expr::Binary(_) | Expr::Unary(_) | Expr::Paren(_) => ValueType::None,
        };
        match expr {
            Expr::Number(_) | Expr::String(_) => {}
            Expr::Paren(p) => {
                typ = self.check(&p.expr, false);
            }
            Expr::Aggregate(a) => {
                self.expect_type(&a.expr, ValueType::Vector, "aggregation expression");
                if let Some(param) = &a.param {
                    let want = if a.op == AggOp::CountValues {
                        ValueType::String
                    } else {
                        ValueType::Scalar
                    };
                    self.expect_type(param, want, "aggregation parameter");
                }
            }
            Expr::Binary(b) => typ = self.check_binary(b, expr.span()),
            Expr::Call(c) => self.check_call(c),
            Expr::Unary(u) => {
                let t = self.check(&u.expr, false);
                typ = t;
                if t != ValueType::Scalar && t != ValueType::Vector {
                    self.error(
                        expr.span(),
                        format!(
                            "unary expression only allowed on expressions of type scalar or instant vector, got {:?}",
                            t.documented()
                        ),
                    );
                }
            }
            Expr::Subquery(s) => {
                let t = self.check(&s.expr, false);
                if t != ValueType::Vector {
                    self.error(
                        expr.span(),
                        format!(
                            "subquery is only allowed on instant vector, got {} instead",
                            t.name()
                        ),
                    );
                }
            }
            Expr::Matrix(m) => self.check_selector(&m.selector, false),
            Expr::Selector(vs) => self.check_selector(vs, label_selector_only),
        }
        typ
    }

    /// Checks a binary operation and returns its type.
    fn check_binary(&mut self, b: &BinaryExpr, span: Span) -> ValueType {
        let lt = self.check(&b.lhs, false);
        let rt = self.check(&b.rhs, false);
        let op_range = b.operator_span();
        if b.bool_span.is_some() && !b.op.is_comparison() {
            self.error(
                op_range,
                "bool modifier can only be used on comparison operators",
            );
        }
        if b.op.is_comparison()
            && b.bool_span.is_none()
            && lt == ValueType::Scalar
            && rt == ValueType::Scalar
        {
            self.error(
                op_range,
                "comparisons between scalars must use BOOL modifier",
            );
        }
        if let (Some(m), Some(g)) = (&b.matching, &b.group)
            && m.on
        {
            for l1 in &m.labels {
                if g.labels.iter().any(|l2| l2.name == l1.name) {
                    self.error(
                        op_range,
                        format!(
                            "label {:?} must not occur in ON and GROUP clause at once",
                            l1.name
                        ),
                    );
                }
            }
        }
        if lt != ValueType::Scalar && lt != ValueType::Vector {
            self.error(
                b.lhs.span(),
                "binary expression must contain only scalar and instant vector types",
            );
        }
        if rt != ValueType::Scalar && rt != ValueType::Vector {
            self.error(
                b.rhs.span(),
                "binary expression must contain only scalar and instant vector types",
            );
        }
        if lt != ValueType::Vector || rt != ValueType::Vector {
            if b.matching.as_ref().is_some_and(|m| !m.labels.is_empty()) {
                self.error(span, "vector matching only allowed between instant vectors");
            }
            if b.fill.is_some() {
                self.error(
                    span,
                    "filling in missing series only allowed between instant vectors",
                );
            }
        } else if b.op.is_set() {
            if b.group.is_some() {
                self.error(
                    span,
                    format!("no grouping allowed for {:?} operation", b.op.as_str()),
                );
                self.error(span, "set operations must always be many-to-many");
            }
            if b.fill.is_some() {
                self.error(
                    span,
                    "filling in missing series not allowed for set operators",
                );
            }
        }
        if (lt == ValueType::Scalar || rt == ValueType::Scalar) && b.op.is_set() {
            self.error(
                span,
                format!(
                    "set operator {:?} not allowed in binary scalar expression",
                    b.op.as_str()
                ),
            );
        }
        if lt == ValueType::Scalar && rt == ValueType::Scalar {
            ValueType::Scalar
        } else {
            ValueType::Vector
        }
    }

    fn check_call(&mut self, c: &Call) {
        let f = c.func;
        let nargs = f.arg_types.len();
        let got = c.args.len();
        if f.variadic == 0 {
            if nargs != got {
                self.error(
                    c.span,
                    format!(
                        "expected {nargs} argument(s) in call to {:?}, got {got}",
                        f.name
                    ),
                );
            }
        } else {
            let min = nargs - 1;
            if min > got {
                self.error(
                    c.span,
                    format!(
                        "expected at least {min} argument(s) in call to {:?}, got {got}",
                        f.name
                    ),
                );
            } else if f.variadic > 0 && min + (f.variadic as usize) < got {
                self.error(
                    c.span,
                    format!(
                        "expected at most {} argument(s) in call to {:?}, got {got}",
                        min + f.variadic as usize,
                        f.name
                    ),
                );
            }
        }
        let info = f.name == "info" && got > 1;
        if info {
            let arg = &c.args[1];
            if arg.value_type() != ValueType::Vector {
                self.error(
                    c.span,
                    format!(
                        "expected type {} in call to function \"info\", got {}",
                        ValueType::Vector.documented(),
                        arg.value_type().documented()
                    ),
                );
            }
            match arg {
                Expr::Selector(vs) if vs.name.is_some() => self.error(
                    arg.span(),
                    "expected label selectors only, got vector selector instead",
                ),
                Expr::Selector(_) => {}
                _ => self.error(arg.span(), "expected label selectors only"),
            }
        }
        for (i, arg) in c.args.iter().enumerate() {
            let i = if i >= nargs {
                if f.variadic == 0 || nargs == 0 {
                    break;
                }
                nargs - 1
            } else {
                i
            };
            let t = self.check(arg, info && i == 1);
            if t != f.arg_types[i] {
                self.error(
                    arg.span(),
                    format!(
                        "expected type {} in call to function {:?}, got {}",
                        f.arg_types[i].documented(),
                        f.name,
                        t.documented()
                    ),
                );
            }
        }
    }

    fn check_selector(&mut self, vs: &VectorSelector, label_selector_only: bool) {
        if let Some(name) = &vs.name {
            for m in &vs.matchers {
                if m.name.name == "__name__" {
                    self.error(
                        vs.span,
                        format!(
                            "metric name must not be set twice: {:?} or {:?}",
                            name.name, m.value.value
                        ),
                    );
                }
            }
            return;
        }
        if label_selector_only {
            return;
        }
        if !vs.matchers.iter().any(|m| !matches_empty(m)) {
            self.error(
                vs.span,
                "vector selector must contain at least one non-empty matcher",
            );
        }
    }
}

/// Whether a matcher matches the empty label value (and so every series lacking it).
fn matches_empty(m: &Matcher) -> bool {
    match m.op {
        MatchOp::Equal => m.value.value.is_empty(),
        MatchOp::NotEqual => !m.value.value.is_empty(),
        MatchOp::Regex | MatchOp::NotRegex => {
            super::regex_matches_empty(&m.value.value) == (m.op == MatchOp::Regex)
        }
    }
}
