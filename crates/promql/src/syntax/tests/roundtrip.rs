//! Generated trees: printing one and parsing the text gives the same tree back (spans
//! aside), and no text, however broken, makes the parser panic or point outside it.
//!
//! The generator builds well-typed trees in canonical form, the form the printer's output
//! parses back to: parentheses wherever precedence needs them, matchers in printed order,
//! durations in whole milliseconds written as durations, no negative literal where a sign
//! would be read as a unary operator.

use crate::syntax::literal::ns_to_seconds;
use crate::syntax::*;
use proptest::prelude::*;
use smol_str::SmolStr;

/// A small deterministic generator (xorshift), driven by proptest's seed.
pub(super) struct Gen {
    state: u64,
    /// Only what `promql-parser` 0.11 reads the way Prometheus does: no experimental
    /// duration expressions, `anchored`/`smoothed`, trim operators, unary plus, negative
    /// `@` timestamps or U+FFFD.
    pub(super) compat: bool,
}

const Z: Span = Span { start: 0, end: 0 };

impl Gen {
    pub(super) fn new(seed: u64) -> Gen {
        Gen {
            state: seed.max(1),
            compat: false,
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn number(&mut self) -> Expr {
        let value = match self.below(8) {
            0 => f64::INFINITY,
            1 => f64::NAN,
            2 => self.below(1000) as f64 / 8.0,
            3 => 1e-7 * self.below(100) as f64,
            4 => 1e300,
            _ => self.below(100) as f64,
        };
        Expr::Number(NumberLiteral {
            value,
            duration: false,
            span: Z,
        })
    }

    fn duration_literal(&mut self, negative: bool) -> NumberLiteral {
        let ms: i64 = match self.below(4) {
            0 => 1 + self.below(999) as i64,
            1 => 1000 * (1 + self.below(3600) as i64),
            2 => 60_000 * (1 + self.below(10_000) as i64),
            _ => 86_400_000 * (1 + self.below(800) as i64) + self.below(1000) as i64,
        };
        let seconds = ns_to_seconds(ms * 1_000_000);
        NumberLiteral {
            value: if negative { -seconds } else { seconds },
            duration: true,
            span: Z,
        }
    }

    fn string(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "job", " ", "\"", "'", "\\", "`", "\n", "\t", "é", "☺", "𐄑", "{", "}", ",", "=",
            "~", "\u{1}", "\u{7f}", "\u{200b}", "$1", ".*", "\u{fffd}",
        ];
        let n = self.below(5);
        let pieces = if self.compat {
            &PIECES[..PIECES.len() - 3]
        } else {
            PIECES
        };
        (0..n).map(|_| *self.pick(pieces)).collect()
    }

    fn label_name(&mut self) -> String {
        self.pick(&[
            "job",
            "instance",
            "le",
            "a",
            "_b9",
            "my.label",
            "with space",
            "ünï",
            "bool",
            "on",
            "by",
            "offset",
            "group_left",
            "sum",
            "a:b",
        ])
        .to_string()
    }

    fn labels(&mut self, min: usize) -> Vec<Name> {
        let n = min + self.below(3);
        let mut out: Vec<Name> = Vec::new();
        while out.len() < n {
            let name = self.label_name();
            if !out.iter().any(|l| l.name == name) {
                out.push(Name {
                    name: name.into(),
                    span: Z,
                });
            }
        }
        out
    }

    fn selector(&mut self) -> VectorSelector {
        let name = if self.chance(4) {
            None
        } else {
            Some(Name {
                name: SmolStr::new(self.pick(&[
                    "up",
                    "foo",
                    "http_requests_total",
                    "job:rate5m",
                    "a_b:c",
                ])),
                span: Z,
            })
        };
        let mut matchers = Vec::new();
        let n = if name.is_none() {
            1 + self.below(3)
        } else {
            self.below(3)
        };
        for i in 0..n {
            let (op, value) = match self.below(4) {
                0 => (MatchOp::NotEqual, self.string()),
                1 => (
                    MatchOp::Regex,
                    self.pick(&["a.*", "", "(x|y)+", "[a-z]{2,3}", "\\d+", "é?"])
                        .to_string(),
                ),
                2 => (
                    MatchOp::NotRegex,
                    self.pick(&["a.*", "foo|bar", "x"]).to_string(),
                ),
                _ => (MatchOp::Equal, self.string()),
            };
            let mut label = if name.is_none() && i == 0 {
                "job".to_string()
            } else {
                self.label_name()
            };
            let (op, value) = if name.is_none() && i == 0 {
                (MatchOp::Equal, format!("x{value}"))
            } else {
                (op, value)
            };
            if name.is_none() && i == 1 && self.chance(2) {
                label = "__name__".to_string();
            }
            matchers.push(Matcher {
                name: Name {
                    name: label.into(),
                    span: Z,
                },
                op,
                op_span: Z,
                value: StringLiteral {
                    value: value.into(),
                    span: Z,
                },
            });
        }
        // The printer sorts matchers by their printed form; generate them in that order.
        let printed = |m: &Matcher| {
            let probe = VectorSelector {
                name: None,
                matchers: vec![m.clone()],
                braces: Some(Z),
                modifiers: Modifiers::default(),
                span: Z,
            };
            Expr::Selector(Box::new(probe)).to_string()
        };
        matchers.sort_by_cached_key(printed);
        VectorSelector {
            name,
            braces: if matchers.is_empty() { None } else { Some(Z) },
            matchers,
            modifiers: Modifiers::default(),
            span: Z,
        }
    }

    fn at(&mut self) -> Option<AtModifier> {
        let value = match self.below(6) {
            0 => AtValue::Start,
            1 => AtValue::End,
            2 if !self.compat => AtValue::Timestamp(-(self.below(1 << 30) as i64)),
            2 => AtValue::Timestamp(self.below(1 << 30) as i64),
            _ if self.compat => AtValue::Timestamp((self.next() % 1_000_000_000_000) as i64),
            _ => AtValue::Timestamp(self.next() as i64 % 1_000_000_000_000),
        };
        Some(AtModifier {
            at_span: Z,
            value,
            value_span: Z,
        })
    }

    /// A duration expression (experimental) or literal; `top`: a range or step (a literal
    /// must be positive, and is printed as a duration).
    fn duration_expr(&mut self, depth: u32) -> DurationExpr {
        if depth == 0 || self.compat || self.chance(2) {
            return DurationExpr::Number(self.duration_literal(false));
        }
        match self.below(7) {
            0 => DurationExpr::Step(Z),
            1 => DurationExpr::Range(Z),
            2 => DurationExpr::MinMax(Box::new(DurationMinMax {
                max: self.chance(2),
                name_span: Z,
                lhs: self.duration_expr(depth - 1),
                rhs: self.duration_expr(depth - 1),
                span: Z,
            })),
            3 => DurationExpr::Neg(Box::new(DurationNeg {
                op_span: Z,
                // A minus on a literal is part of the literal.
                expr: match self.duration_operand(depth - 1) {
                    DurationExpr::Number(_) => DurationExpr::Range(Z),
                    d => d,
                },
            })),
            4 => DurationExpr::Paren(Box::new(DurationParen {
                expr: self.duration_expr(depth - 1),
                span: Z,
            })),
            _ => {
                let op = *self.pick(&[
                    BinOp::Add,
                    BinOp::Sub,
                    BinOp::Mul,
                    BinOp::Div,
                    BinOp::Mod,
                    BinOp::Pow,
                ]);
                let lhs = self.duration_expr(depth - 1);
                let rhs = self.duration_expr(depth - 1);
                DurationExpr::Binary(Box::new(DurationBinary {
                    op,
                    op_span: Z,
                    lhs: wrap_duration(lhs, op, true),
                    rhs: wrap_duration(rhs, op, false),
                }))
            }
        }
    }

    /// What may follow `offset` or a unary minus: no bare binary operation.
    fn duration_operand(&mut self, depth: u32) -> DurationExpr {
        match self.duration_expr(depth) {
            d @ DurationExpr::Binary(_) => {
                DurationExpr::Paren(Box::new(DurationParen { expr: d, span: Z }))
            }
            DurationExpr::Neg(n) => n.expr,
            d => d,
        }
    }

    fn offset(&mut self, depth: u32) -> Option<Offset> {
        let value = if !self.compat && self.chance(3) {
            match self.duration_operand(depth.min(2)) {
                DurationExpr::Number(_) => DurationExpr::Step(Z),
                d if self.chance(3) => DurationExpr::Neg(Box::new(DurationNeg {
                    op_span: Z,
                    expr: d,
                })),
                d => d,
            }
        } else {
            let negative = self.chance(3);
            DurationExpr::Number(self.duration_literal(negative))
        };
        Some(Offset { keyword: Z, value })
    }

    fn modifiers(&mut self, depth: u32, extended: bool) -> Modifiers {
        let mut m = Modifiers::default();
        if self.chance(4) {
            m.at = self.at().map(Box::new);
        }
        if self.chance(4) {
            m.offset = self.offset(depth).map(Box::new);
        }
        if extended && !self.compat && self.chance(6) {
            if self.chance(2) {
                m.anchored = Some(Z);
            } else {
                m.smoothed = Some(Z);
            }
        }
        m
    }

    fn range(&mut self, depth: u32) -> DurationExpr {
        if !self.compat && self.chance(4) {
            self.duration_expr(depth.min(2))
        } else {
            DurationExpr::Number(self.duration_literal(false))
        }
    }

    fn matrix(&mut self, depth: u32) -> Expr {
        if depth > 0 && self.chance(3) {
            let step = if self.chance(3) {
                None
            } else {
                Some(self.range(depth))
            };
            return Expr::Subquery(Box::new(SubqueryExpr {
                expr: self.primary(ValueType::Vector, depth - 1),
                range: self.range(depth),
                step,
                colon: Z,
                brackets: Z,
                modifiers: self.modifiers(depth, false),
                span: Z,
            }));
        }
        Expr::Matrix(Box::new(MatrixSelector {
            selector: self.selector(),
            range: self.range(depth),
            brackets: Z,
            modifiers: self.modifiers(depth, true),
            span: Z,
        }))
    }

    /// A call to a function returning `want` whose arguments can be generated.
    fn call(&mut self, want: ValueType, depth: u32) -> Option<Expr> {
        let candidates: Vec<&'static Function> = FUNCTIONS
            .iter()
            .filter(|f| f.return_type == want && f.name != "info")
            .collect();
        let f = *self.pick(&candidates);
        let mut types: Vec<ValueType> = f.arg_types.to_vec();
        // A variadic function's last argument is optional, and repeatable when it may be
        // given more than once.
        if f.variadic != 0 && !types.is_empty() && self.chance(2) {
            types.pop();
        } else if (f.variadic == -1 || f.variadic > 1) && self.chance(2) {
            types.push(*types.last()?);
        }
        let args = types
            .into_iter()
            .map(|t| self.expr(t, depth.saturating_sub(1)))
            .collect();
        Some(Expr::Call(Box::new(Call {
            func: f,
            name_span: Z,
            args,
            parens: Z,
            span: Z,
        })))
    }

    fn aggregate(&mut self, depth: u32) -> Expr {
        let op = *self.pick(&AggOp::ALL);
        let param = match op {
            AggOp::CountValues => Some(Expr::String(StringLiteral {
                value: self.string().into(),
                span: Z,
            })),
            op if op.has_param() => Some(self.expr(ValueType::Scalar, depth - 1)),
            _ => None,
        };
        let grouping = match self.below(3) {
            0 => None,
            1 => Some(Grouping {
                without: false,
                keyword: Z,
                labels: self.labels(1),
                parens: Z,
            }),
            _ => Some(Grouping {
                without: true,
                keyword: Z,
                labels: self.labels(0),
                parens: Z,
            }),
        };
        Expr::Aggregate(Box::new(AggregateExpr {
            op,
            op_span: Z,
            grouping,
            param,
            expr: self.expr(ValueType::Vector, depth - 1),
            parens: Z,
            span: Z,
        }))
    }

    /// An expression that prints as one operand: nothing an operator could split.
    fn primary(&mut self, want: ValueType, depth: u32) -> Expr {
        if depth == 0 {
            return match want {
                ValueType::Scalar => self.number(),
                ValueType::Matrix => self.matrix(0),
                ValueType::String => Expr::String(StringLiteral {
                    value: self.string().into(),
                    span: Z,
                }),
                _ => {
                    let mut vs = self.selector();
                    vs.modifiers = self.modifiers(0, true);
                    Expr::Selector(Box::new(vs))
                }
            };
        }
        match want {
            ValueType::Matrix => self.matrix(depth),
            ValueType::String => Expr::String(StringLiteral {
                value: self.string().into(),
                span: Z,
            }),
            ValueType::Scalar => match self.below(4) {
                0 => self.number(),
                1 => self
                    .call(ValueType::Scalar, depth)
                    .unwrap_or_else(|| self.number()),
                2 => self.paren(ValueType::Scalar, depth),
                _ => self.number(),
            },
            _ => match self.below(5) {
                0 => self.aggregate(depth),
                1 => self
                    .call(ValueType::Vector, depth)
                    .unwrap_or_else(|| self.aggregate(depth)),
                2 => self.paren(ValueType::Vector, depth),
                _ => {
                    let mut vs = self.selector();
                    vs.modifiers = self.modifiers(depth, true);
                    Expr::Selector(Box::new(vs))
                }
            },
        }
    }

    fn paren(&mut self, want: ValueType, depth: u32) -> Expr {
        Expr::Paren(Box::new(ParenExpr {
            expr: self.expr(want, depth - 1),
            span: Z,
        }))
    }

    pub(super) fn expr(&mut self, want: ValueType, depth: u32) -> Expr {
        if depth == 0 || !matches!(want, ValueType::Scalar | ValueType::Vector) {
            return self.primary(want, depth);
        }
        match self.below(6) {
            0 | 1 => self.binary(want, depth),
            2 => Expr::Unary(Box::new(UnaryExpr {
                op: if !self.compat && self.chance(4) {
                    UnaryOp::Plus
                } else {
                    UnaryOp::Neg
                },
                op_span: Z,
                span: Z,
                expr: match self.primary(want, depth - 1) {
                    Expr::Number(_) => self.paren(want, depth),
                    e => e,
                },
            })),
            _ => self.primary(want, depth),
        }
    }

    fn binary(&mut self, want: ValueType, depth: u32) -> Expr {
        let vectors = want == ValueType::Vector && !self.chance(3);
        let (lt, rt) = match (want, vectors) {
            (ValueType::Scalar, _) => (ValueType::Scalar, ValueType::Scalar),
            (_, true) => (ValueType::Vector, ValueType::Vector),
            _ if self.chance(2) => (ValueType::Scalar, ValueType::Vector),
            _ => (ValueType::Vector, ValueType::Scalar),
        };
        let ops: Vec<BinOp> = BinOp::ALL
            .iter()
            .copied()
            .filter(|op| vectors || !op.is_set())
            .filter(|op| !self.compat || !matches!(op, BinOp::TrimUpper | BinOp::TrimLower))
            .collect();
        let op = *self.pick(&ops);
        let lhs = self.expr(lt, depth - 1);
        let rhs = self.expr(rt, depth - 1);
        let mut b = BinaryExpr {
            op,
            op_span: Z,
            lhs: wrap(lhs, op, true),
            rhs: wrap(rhs, op, false),
            bool_span: None,
            matching: None,
            group: None,
            fill: None,
            span: Z,
        };
        if op.is_comparison() && (want == ValueType::Scalar || self.chance(3)) {
            b.bool_span = Some(Z);
        }
        if vectors && self.chance(2) {
            let on = self.chance(2);
            let labels = self.labels(usize::from(!on));
            if !op.is_set() && self.chance(2) {
                let mut group = self.labels(0);
                if on {
                    group.retain(|g| !labels.iter().any(|l| l.name == g.name));
                }
                b.group = Some(GroupModifier {
                    left: self.chance(2),
                    keyword: Z,
                    labels: group,
                    parens: Some(Z),
                });
            }
            b.matching = Some(VectorMatching {
                on,
                keyword: Z,
                labels,
                parens: Z,
            });
        }
        if vectors && !op.is_set() && self.chance(5) {
            let value = |g: &mut Gen| FillValue {
                keyword: Z,
                value: NumberLiteral {
                    value: *g.pick(&[0.0, 1.0, -1.0, 1e6, 0.5, f64::NAN, f64::NEG_INFINITY]),
                    duration: false,
                    span: Z,
                },
            };
            let fill = match self.below(3) {
                0 => {
                    let v = value(self);
                    Fill {
                        lhs: Some(v.clone()),
                        rhs: Some(v),
                    }
                }
                1 => Fill {
                    lhs: Some(value(self)),
                    rhs: None,
                },
                _ => Fill {
                    lhs: None,
                    rhs: Some(value(self)),
                },
            };
            b.fill = Some(Box::new(fill));
        }
        Expr::Binary(Box::new(b))
    }
}

fn paren(expr: Expr) -> Expr {
    Expr::Paren(Box::new(ParenExpr { expr, span: Z }))
}

/// Parenthesises an operand of `op` where the printed text would otherwise group
/// differently.
fn wrap(e: Expr, op: BinOp, left: bool) -> Expr {
    let prec = op.precedence();
    let right_assoc = op == BinOp::Pow;
    match &e {
        Expr::Binary(b) => {
            let p = b.op.precedence();
            let needs = if left {
                p < prec || (p == prec && right_assoc)
            } else {
                p < prec || (p == prec && !right_assoc)
            };
            if needs { paren(e) } else { e }
        }
        // `-a ^ b` reads as `-(a ^ b)`; a unary operand binds tighter than anything else.
        Expr::Unary(_) if left && right_assoc => paren(e),
        // So does a literal printed with a sign (`-1`, `+Inf`), as in Prometheus.
        Expr::Number(n)
            if left && right_assoc && (n.value.is_sign_negative() || n.value == f64::INFINITY) =>
        {
            paren(e)
        }
        _ => e,
    }
}

fn wrap_duration(d: DurationExpr, op: BinOp, left: bool) -> DurationExpr {
    let prec = op.precedence();
    let right_assoc = op == BinOp::Pow;
    let needs = match &d {
        DurationExpr::Binary(b) => {
            let p = b.op.precedence();
            if left {
                p < prec || (p == prec && right_assoc)
            } else {
                p < prec || (p == prec && !right_assoc)
            }
        }
        DurationExpr::Neg(_) => left && right_assoc,
        _ => false,
    };
    if needs {
        DurationExpr::Paren(Box::new(DurationParen { expr: d, span: Z }))
    } else {
        d
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn printed_trees_parse_back_to_themselves(seed in 1u64.., depth in 0u32..6) {
        let mut g = Gen::new(seed);
        let want = if g.chance(4) { ValueType::Scalar } else { ValueType::Vector };
        let tree = g.expr(want, depth);
        let text = tree.to_string();
        match parse_with(&text, &Options::all()) {
            Ok(parsed) => {
                let parsed = parsed.without_spans();
                if parsed != tree {
                    let (a, b) = (format!("{parsed:?}"), format!("{tree:?}"));
                    let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
                    let from = at.saturating_sub(150);
                    prop_assert!(
                        false,
                        "{text}\nparsed:    ...{}\ngenerated: ...{}",
                        &a[from..(at + 150).min(a.len())],
                        &b[from..(at + 150).min(b.len())]
                    );
                }
            }
            Err(e) => prop_assert!(false, "{text:?} refused: {e:?}"),
        }
    }

    #[test]
    fn no_text_makes_the_parser_panic(text in "[-+*/%^<>=!~(){}\\[\\],:@#\"'`a-z0-9_ .\\\\\n]{0,40}") {
        check_no_panic(&text);
    }

    #[test]
    fn no_mangled_expression_makes_the_parser_panic(
        seed in 1u64..,
        cut in any::<prop::sample::Index>(),
        insert in any::<prop::sample::Index>(),
        piece in prop::sample::select(vec![
            "(", ")", "[", "]", "{", "}", ",", ":", "\"", "'", "`", "\\", "-", "@", "offset",
            "by", "on", "bool", "5m", "1e999", "#", "\n", "", "é",
        ]),
    ) {
        let mut g = Gen::new(seed);
        let text = g.expr(ValueType::Vector, 3).to_string();
        let mut chars: Vec<char> = text.chars().collect();
        if !chars.is_empty() {
            chars.remove(cut.index(chars.len()));
        }
        let at = insert.index(chars.len() + 1);
        let mut mangled: String = chars[..at].iter().collect();
        mangled.push_str(piece);
        mangled.extend(&chars[at..]);
        check_no_panic(&mangled);
    }
}

fn check_no_panic(text: &str) {
    for opts in [Options::default(), Options::all()] {
        match parse_with(text, &opts) {
            Ok(e) => {
                // Whatever parses prints to something that parses to the same print.
                let printed = e.to_string();
                let again = parse_with(&printed, &opts)
                    .unwrap_or_else(|err| panic!("{text:?} printed as {printed:?}: {err:?}"));
                assert_eq!(again.to_string(), printed, "{text:?}");
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                for e in errors {
                    assert!(
                        e.span.start <= e.span.end && e.span.end <= text.len(),
                        "{text:?}: {e:?}"
                    );
                    assert!(
                        text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end)
                    );
                }
            }
        }
    }
}
