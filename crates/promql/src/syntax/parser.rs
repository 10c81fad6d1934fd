//! Recursive descent with precedence climbing over the token stream. Binary operators
//! follow Prometheus' yacc precedence table; modifiers (`[...]`, `offset`, `@`, `anchored`,
//! `smoothed`) bind to the expression right before them, tighter than any operator; a
//! unary sign binds like `*` (so `-a ^ b` is `-(a ^ b)` and `-a * b` is `(-a) * b`).
//!
//! Errors are collected: inside a function's or aggregation's argument list and inside
//! braces the parser skips to the next `,` and goes on, so one pass can report several.

use super::ast::{
    AggregateExpr, AtModifier, AtValue, BinOp, BinaryExpr, Call, DurationBinary, DurationExpr,
    DurationMinMax, DurationNeg, DurationParen, Expr, Fill, FillValue, GroupModifier, Grouping,
    MatchOp, Matcher, MatrixSelector, Modifiers, Name, NumberLiteral, Offset, ParenExpr,
    StringLiteral, SubqueryExpr, UnaryExpr, UnaryOp, VectorMatching, VectorSelector,
};
use super::lexer::{Kw, Op, Tok, Token};
use super::literal;
use super::signatures::{self, Function};
use super::{Options, Span, SyntaxError};
use smol_str::SmolStr;

/// Parsing stopped at an error, which has been recorded.
pub(crate) struct Stop;

type PResult<T> = Result<T, Stop>;

pub(crate) struct Parser<'a> {
    text: &'a str,
    toks: &'a [Token],
    i: usize,
    pub(crate) errors: Vec<SyntaxError>,
    opts: &'a Options,
    lex_error: Option<&'a (Span, String)>,
    lex_error_reported: bool,
    /// The items of the lists being parsed, a nested list's above its enclosing one's. A
    /// list that ends is moved out into a `Vec` of exactly its length: one allocation, no
    /// spare capacity kept in the tree (trees live as long as their rules are checked), and
    /// no shrinking reallocation.
    pending_matchers: Vec<Matcher>,
    pending_args: Vec<Expr>,
    pending_names: Vec<Name>,
}

/// What the unexpected-token messages say about a place: its context and what would have
/// been fine.
struct Ctx {
    context: &'static str,
    expected: &'static str,
}

const fn ctx(context: &'static str, expected: &'static str) -> Ctx {
    Ctx { context, expected }
}

const NOWHERE: Ctx = ctx("", "");
const OFFSET_CTX: Ctx = ctx("offset", "number, duration, step(), or range()");
const RANGE_CTX: Ctx = ctx(
    "subquery or range selector",
    "number, duration, step(), or range()",
);
const STEP_CTX: Ctx = ctx(
    "subquery selector",
    "number, duration, step(), range(), or \"]\"",
);
const DURATION_CTX: Ctx = ctx(
    "duration expression",
    "number, duration, step(), range(), or \"(\"",
);

impl<'a> Parser<'a> {
    pub(crate) fn new(
        text: &'a str,
        toks: &'a [Token],
        lex_error: Option<&'a (Span, String)>,
        opts: &'a Options,
    ) -> Parser<'a> {
        Parser {
            text,
            toks,
            i: 0,
            errors: Vec::new(),
            opts,
            lex_error,
            lex_error_reported: false,
            pending_matchers: Vec::new(),
            pending_args: Vec::new(),
            pending_names: Vec::new(),
        }
    }

    // -----------------------------------------------------------------------------------
    // Tokens.

    fn peek(&self) -> Tok {
        self.toks[self.i].tok
    }

    fn peek_at(&self, n: usize) -> Tok {
        self.toks[(self.i + n).min(self.toks.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.toks[self.i].span
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.i];
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn text_of(&self, span: Span) -> &'a str {
        &self.text[span.start..span.end]
    }

    /// The name written at `span`.
    fn name_at(&self, span: Span) -> SmolStr {
        SmolStr::new(self.text_of(span))
    }

    /// The string literal at `span`, unquoted.
    fn unquoted(&self, span: Span) -> SmolStr {
        literal::unquote(self.text_of(span))
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            message: message.into(),
            span,
        });
    }

    /// Reports the current token as unexpected (or the lexical error it stands for).
    fn unexpected<T>(&mut self, c: &Ctx) -> PResult<T> {
        let t = self.toks[self.i];
        if t.tok == Tok::Error {
            if !self.lex_error_reported
                && let Some((span, message)) = self.lex_error
            {
                self.lex_error_reported = true;
                self.errors.push(SyntaxError {
                    message: message.clone(),
                    span: *span,
                });
            }
            return Err(Stop);
        }
        let mut message = format!("unexpected {}", self.describe(t));
        if !c.context.is_empty() {
            message.push_str(" in ");
            message.push_str(c.context);
        }
        if !c.expected.is_empty() {
            message.push_str(", expected ");
            message.push_str(c.expected);
        }
        self.error(t.span, message);
        Err(Stop)
    }

    fn expect(&mut self, tok: Tok, c: &Ctx) -> PResult<Token> {
        if self.peek() == tok {
            Ok(self.bump())
        } else {
            self.unexpected(c)
        }
    }

    /// Prometheus' description of a token in messages.
    fn describe(&self, t: Token) -> String {
        let text = self.text_of(t.span);
        match t.tok {
            Tok::Eof | Tok::Error => "end of input".to_string(),
            Tok::Ident => format!("identifier {}", literal::go_quote(text)),
            Tok::MetricIdent => format!("metric identifier {}", literal::go_quote(text)),
            Tok::Number => format!("number {}", short_quote(text)),
            Tok::Duration => format!("duration {}", short_quote(text)),
            Tok::Str => format!("string {}", short_quote(text)),
            Tok::Kw(Kw::Agg(_)) => format!("<aggr:{text}>"),
            Tok::Kw(Kw::And | Kw::Or | Kw::Unless | Kw::Atan2) | Tok::Op(_) | Tok::At => {
                format!("<op:{text}>")
            }
            Tok::Kw(_) => format!("<{text}>"),
            _ => literal::go_quote(text),
        }
    }

    // -----------------------------------------------------------------------------------
    // Expressions.

    /// The whole text: one expression, then the end.
    pub(crate) fn parse_top(&mut self) -> Option<Expr> {
        if self.peek() == Tok::Eof {
            self.error(Span::new(0, 0), "no expression found in input");
            return None;
        }
        let expr = self.parse_expr(0).ok()?;
        if self.peek() != Tok::Eof {
            let _: PResult<()> = self.unexpected(&NOWHERE);
            return None;
        }
        Some(expr)
    }

    fn binop(&self) -> Option<BinOp> {
        Some(match self.peek() {
            Tok::Op(op) => match op {
                Op::Add => BinOp::Add,
                Op::Sub => BinOp::Sub,
                Op::Mul => BinOp::Mul,
                Op::Div => BinOp::Div,
                Op::Mod => BinOp::Mod,
                Op::Pow => BinOp::Pow,
                Op::Eqlc => BinOp::Eql,
                Op::Neq => BinOp::Neq,
                Op::Lte => BinOp::Lte,
                Op::Lss => BinOp::Lss,
                Op::Gte => BinOp::Gte,
                Op::Gtr => BinOp::Gtr,
                Op::TrimUpper => BinOp::TrimUpper,
                Op::TrimLower => BinOp::TrimLower,
                Op::EqlRegex | Op::NeqRegex => return None,
            },
            Tok::Kw(Kw::And) => BinOp::And,
            Tok::Kw(Kw::Or) => BinOp::Or,
            Tok::Kw(Kw::Unless) => BinOp::Unless,
            Tok::Kw(Kw::Atan2) => BinOp::Atan2,
            _ => return None,
        })
    }

    // The functions on the recursion path of nested expressions (`parse_expr`,
    // `parse_binary`, `parse_unary`, `parse_primary`, `parse_paren`) keep their frames
    // small, the rest out of line: the deepest expression allowed must parse on a 2 MiB
    // stack in a debug build.

    fn parse_expr(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.parse_unary()?;
        while let Some(op) = self.binop() {
            if op.precedence() < min_prec {
                break;
            }
            lhs = self.parse_binary(lhs, op)?;
        }
        Ok(lhs)
    }

    /// The operator (current token), its modifiers and its right operand.
    #[inline(never)]
    fn parse_binary(&mut self, lhs: Expr, op: BinOp) -> PResult<Expr> {
        let op_span = self.bump().span;
        // The tree node is built in the heap before the right operand is parsed, so that
        // this frame, which is on the recursion path, stays small.
        let mut bin = self.binary_node(lhs, op, op_span);
        self.parse_bin_modifiers(&mut bin)?;
        let prec = op.precedence();
        let next_min = if op == BinOp::Pow { prec } else { prec + 1 };
        bin.rhs = self.parse_expr(next_min)?;
        bin.span = bin.lhs.span().to(bin.rhs.span());
        if bin.fill.is_some() && !self.opts.binop_fill_modifiers {
            self.fill_not_enabled(&bin);
        }
        Ok(Expr::Binary(bin))
    }

    #[inline(never)]
    fn binary_node(&self, lhs: Expr, op: BinOp, op_span: Span) -> Box<BinaryExpr> {
        Box::new(BinaryExpr {
            op,
            op_span,
            lhs,
            rhs: Expr::Number(NumberLiteral {
                value: 0.0,
                duration: false,
                span: Span::default(),
            }),
            bool_span: None,
            matching: None,
            group: None,
            fill: None,
            span: Span::default(),
        })
    }

    #[cold]
    #[inline(never)]
    fn fill_not_enabled(&mut self, bin: &BinaryExpr) {
        let span = bin.lhs.span().to(bin.rhs.span());
        self.error(
            span,
            "binop fill modifiers are experimental and not enabled",
        );
    }

    #[inline(never)]
    fn parse_bin_modifiers(&mut self, bin: &mut BinaryExpr) -> PResult<()> {
        if self.peek() == Tok::Kw(Kw::Bool) {
            bin.bool_span = Some(self.bump().span);
        }
        if let Tok::Kw(kw @ (Kw::On | Kw::Ignoring)) = self.peek() {
            let keyword = self.bump().span;
            let (labels, parens) = self.parse_label_list()?;
            bin.matching = Some(VectorMatching {
                on: kw == Kw::On,
                keyword,
                labels,
                parens,
            });
            if let Tok::Kw(g @ (Kw::GroupLeft | Kw::GroupRight)) = self.peek() {
                let keyword = self.bump().span;
                let (labels, parens) = if self.peek() == Tok::LParen {
                    let (l, p) = self.parse_label_list()?;
                    (l, Some(p))
                } else if !starts_operand(self.peek()) {
                    // Prometheus' grammar is still reading the optional label list here, so
                    // its message names the grouping options, not the operand.
                    return self.unexpected(&ctx("grouping opts", "\"(\""));
                } else {
                    (Vec::new(), None)
                };
                bin.group = Some(GroupModifier {
                    left: g == Kw::GroupLeft,
                    keyword,
                    labels,
                    parens,
                });
            }
        }
        // `fill (v)`, or `fill_left (v)` and `fill_right (v)`, each at most once.
        let mut fill = Fill {
            lhs: None,
            rhs: None,
        };
        match self.peek() {
            Tok::Kw(Kw::Fill) => {
                let keyword = self.bump().span;
                let value = self.parse_fill_value()?;
                fill.lhs = Some(FillValue {
                    keyword,
                    value: value.clone(),
                });
                fill.rhs = Some(FillValue { keyword, value });
            }
            Tok::Kw(first @ (Kw::FillLeft | Kw::FillRight)) => {
                let mut kw = first;
                loop {
                    let keyword = self.bump().span;
                    let value = Some(FillValue {
                        keyword,
                        value: self.parse_fill_value()?,
                    });
                    if kw == Kw::FillLeft {
                        fill.lhs = value;
                    } else {
                        fill.rhs = value;
                    }
                    let other = if kw == Kw::FillLeft {
                        Kw::FillRight
                    } else {
                        Kw::FillLeft
                    };
                    if kw != first || self.peek() != Tok::Kw(other) {
                        break;
                    }
                    kw = other;
                }
            }
            _ => {}
        }
        if fill.lhs.is_some() || fill.rhs.is_some() {
            bin.fill = Some(Box::new(fill));
        }
        Ok(())
    }

    fn parse_fill_value(&mut self) -> PResult<NumberLiteral> {
        const FILL: Ctx = ctx("fill modifier", "number");
        self.expect(Tok::LParen, &FILL)?;
        let sign = match self.peek() {
            Tok::Op(op @ (Op::Add | Op::Sub)) => Some((op, self.bump().span)),
            _ => None,
        };
        let mut n = match self.peek() {
            Tok::Number | Tok::Duration => self.number_literal(),
            _ => return self.unexpected(&FILL),
        };
        if let Some((op, span)) = sign {
            if op == Op::Sub {
                n.value = -n.value;
            }
            n.span = span.to(n.span);
        }
        self.expect(Tok::RParen, &ctx("fill modifier", "\")\""))?;
        Ok(n)
    }

    fn parse_unary(&mut self) -> PResult<Expr> {
        if let Tok::Op(op @ (Op::Add | Op::Sub)) = self.peek() {
            return self.parse_signed(op == Op::Sub);
        }
        let primary = self.parse_primary()?;
        self.parse_postfix(primary)
    }

    /// A unary `+` or `-` (the current token) and its operand, which binds like `^`.
    #[inline(never)]
    fn parse_signed(&mut self, neg: bool) -> PResult<Expr> {
        let op_span = self.bump().span;
        let operand = self.parse_expr(BinOp::Pow.precedence())?;
        Ok(match operand {
            Expr::Number(mut n) => {
                if neg {
                    n.value = -n.value;
                }
                n.span = op_span.to(n.span);
                Expr::Number(n)
            }
            expr => Expr::Unary(Box::new(UnaryExpr {
                op: if neg { UnaryOp::Neg } else { UnaryOp::Plus },
                op_span,
                span: op_span.to(expr.span()),
                expr,
            })),
        })
    }

    #[inline(never)]
    fn number_literal(&mut self) -> NumberLiteral {
        let t = self.bump();
        let text = self.text_of(t.span);
        if t.tok == Tok::Duration {
            let value = match literal::parse_duration(text) {
                Ok(ns) => literal::ns_to_seconds(ns),
                Err(message) => {
                    self.error(t.span, message);
                    0.0
                }
            };
            NumberLiteral {
                value,
                duration: true,
                span: t.span,
            }
        } else {
            let value = match literal::parse_number(text) {
                Ok(v) => v,
                Err(message) => {
                    self.error(t.span, message);
                    0.0
                }
            };
            NumberLiteral {
                value,
                duration: false,
                span: t.span,
            }
        }
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        // One call site for every kind of operand keeps this frame small in a debug build.
        let parse: fn(&mut Self) -> PResult<Expr> = match self.peek() {
            Tok::Number | Tok::Duration => |p| Ok(Expr::Number(p.number_literal())),
            Tok::Str => |p| Ok(p.string_literal()),
            Tok::LParen => Self::parse_paren,
            Tok::LBrace => |p| p.parse_selector(None),
            Tok::Kw(Kw::Agg(_))
                if matches!(self.peek_at(1), Tok::LParen | Tok::Kw(Kw::By | Kw::Without)) =>
            {
                Self::parse_aggregate
            }
            Tok::Ident
            | Tok::Kw(Kw::Start | Kw::End | Kw::Step | Kw::Range | Kw::MaxOf | Kw::MinOf)
                if self.peek_at(1) == Tok::LParen =>
            {
                Self::parse_call
            }
            Tok::Ident
            | Tok::MetricIdent
            | Tok::Kw(
                Kw::Agg(_)
                | Kw::By
                | Kw::Without
                | Kw::Offset
                | Kw::Anchored
                | Kw::Smoothed
                | Kw::And
                | Kw::Or
                | Kw::Unless
                | Kw::Fill
                | Kw::FillLeft
                | Kw::FillRight
                | Kw::Start
                | Kw::End
                | Kw::Step
                | Kw::Range
                | Kw::MaxOf
                | Kw::MinOf,
            ) => Self::parse_named_selector,
            _ => |p| p.unexpected(&NOWHERE),
        };
        parse(self)
    }

    #[inline(never)]
    fn string_literal(&mut self) -> Expr {
        let t = self.bump();
        Expr::String(StringLiteral {
            value: self.unquoted(t.span),
            span: t.span,
        })
    }

    #[inline(never)]
    fn parse_paren(&mut self) -> PResult<Expr> {
        let open = self.bump().span;
        let expr = self.parse_expr(0);
        self.close_paren(open, expr?)
    }

    #[inline(never)]
    fn close_paren(&mut self, open: Span, expr: Expr) -> PResult<Expr> {
        let close = self.expect(Tok::RParen, &ctx("", "\")\""))?.span;
        Ok(Expr::Paren(Box::new(ParenExpr {
            expr,
            span: open.to(close),
        })))
    }

    #[inline(never)]
    fn parse_named_selector(&mut self) -> PResult<Expr> {
        let t = self.bump();
        let name = Name {
            name: self.name_at(t.span),
            span: t.span,
        };
        self.parse_selector(Some(name))
    }

    // -----------------------------------------------------------------------------------
    // Selectors.

    #[inline(never)]
    fn parse_selector(&mut self, name: Option<Name>) -> PResult<Expr> {
        let mut span = name.as_ref().map_or_else(|| self.span(), |n| n.span);
        let mut matchers = Vec::new();
        let mut braces = None;
        if self.peek() == Tok::LBrace {
            let open = self.bump().span;
            let mark = self.pending_matchers.len();
            let close = self.parse_matchers();
            matchers = self.pending_matchers.drain(mark..).collect();
            let close = close?;
            braces = Some(open.to(close));
            span = span.to(close);
        }
        Ok(Expr::Selector(Box::new(VectorSelector {
            name,
            matchers,
            braces,
            modifiers: Modifiers::default(),
            span,
        })))
    }

    /// Matchers after `{`, through `}` (whose span is returned), onto `pending_matchers`.
    /// Recovers at `,` and `}`.
    fn parse_matchers(&mut self) -> PResult<Span> {
        let mut failed = false;
        loop {
            if self.peek() == Tok::RBrace {
                let close = self.bump().span;
                return if failed { Err(Stop) } else { Ok(close) };
            }
            let result = self.parse_matcher().and_then(|m| {
                self.pending_matchers.push(m);
                match self.peek() {
                    Tok::Comma => {
                        self.bump();
                        Ok(())
                    }
                    Tok::RBrace => Ok(()),
                    _ => self.unexpected(&ctx("label matching", "\",\" or \"}\"")),
                }
            });
            if result.is_err() {
                failed = true;
                // Skip to the next matcher or the closing brace (nothing nests in braces).
                loop {
                    match self.peek() {
                        Tok::Eof | Tok::Error => return Err(Stop),
                        Tok::Comma => {
                            self.bump();
                            break;
                        }
                        Tok::RBrace => break,
                        _ => {
                            self.bump();
                        }
                    }
                }
            }
        }
    }

    fn parse_matcher(&mut self) -> PResult<Matcher> {
        const OP_CTX: Ctx = ctx("label matching", "label matching operator");
        const VALUE_CTX: Ctx = ctx("label matching", "string");
        let (name, quoted) = match self.peek() {
            Tok::Ident => {
                let t = self.bump();
                (
                    Name {
                        name: self.name_at(t.span),
                        span: t.span,
                    },
                    false,
                )
            }
            Tok::Str => {
                let t = self.bump();
                (
                    Name {
                        name: self.unquoted(t.span),
                        span: t.span,
                    },
                    true,
                )
            }
            _ => return self.unexpected(&ctx("label matching", "identifier or \"}\"")),
        };
        let op = match self.peek() {
            Tok::Assign => MatchOp::Equal,
            Tok::Op(Op::Neq) => MatchOp::NotEqual,
            Tok::Op(Op::EqlRegex) => MatchOp::Regex,
            Tok::Op(Op::NeqRegex) => MatchOp::NotRegex,
            _ if quoted => {
                // A bare quoted metric name: `{"my.metric"}`.
                let end = Span::new(name.span.end, name.span.end);
                return Ok(Matcher {
                    value: StringLiteral {
                        value: name.name.clone(),
                        span: name.span,
                    },
                    name: Name {
                        name: SmolStr::new_static("__name__"),
                        span: name.span,
                    },
                    op: MatchOp::Equal,
                    op_span: end,
                });
            }
            _ => return self.unexpected(&OP_CTX),
        };
        let op_span = self.bump().span;
        if self.peek() != Tok::Str {
            return self.unexpected(&VALUE_CTX);
        }
        let t = self.bump();
        let value = StringLiteral {
            value: self.unquoted(t.span),
            span: t.span,
        };
        if matches!(op, MatchOp::Regex | MatchOp::NotRegex)
            && let Err(e) = super::check_matcher_regex(&value.value)
        {
            self.error(name.span.to(value.span), e);
        }
        Ok(Matcher {
            name,
            op,
            op_span,
            value,
        })
    }

    // -----------------------------------------------------------------------------------
    // Modifiers.

    #[inline(never)]
    fn parse_postfix(&mut self, mut expr: Expr) -> PResult<Expr> {
        loop {
            expr = match self.peek() {
                Tok::LBracket => self.parse_range(expr)?,
                Tok::Kw(Kw::Offset) => self.parse_offset(expr)?,
                Tok::At => self.parse_at(expr)?,
                Tok::Kw(kw @ (Kw::Anchored | Kw::Smoothed)) => {
                    let span = self.bump().span;
                    self.set_extended(expr, kw == Kw::Anchored, span)
                }
                _ => return Ok(expr),
            };
        }
    }

    fn parse_range(&mut self, expr: Expr) -> PResult<Expr> {
        let open = self.bump().span;
        if self.peek() == Tok::RBracket {
            return self.unexpected(&RANGE_CTX);
        }
        let range = self.parse_positive_duration(&RANGE_CTX)?;
        match self.peek() {
            Tok::Colon => {
                let colon = self.bump().span;
                let step = if self.peek() == Tok::RBracket {
                    None
                } else {
                    Some(self.parse_positive_duration(&STEP_CTX)?)
                };
                let close = self
                    .expect(Tok::RBracket, &ctx("subquery selector", "\"]\""))?
                    .span;
                let span = expr.span().to(close);
                Ok(Expr::Subquery(Box::new(SubqueryExpr {
                    expr,
                    range,
                    step,
                    colon,
                    brackets: open.to(close),
                    modifiers: Modifiers::default(),
                    span,
                })))
            }
            Tok::RBracket => {
                let close = self.bump().span;
                let brackets = open.to(close);
                let span = expr.span().to(close);
                let selector = if let Expr::Selector(vs) = expr {
                    let mut vs = *vs;
                    if vs.modifiers.offset.is_some() {
                        self.error(brackets, "no offset modifiers allowed before range");
                    } else if vs.modifiers.at.is_some() {
                        self.error(brackets, "no @ modifiers allowed before range");
                    }
                    // `foo anchored [5m]` is `foo[5m] anchored`.
                    let modifiers = Modifiers {
                        anchored: vs.modifiers.anchored.take(),
                        smoothed: vs.modifiers.smoothed.take(),
                        ..Modifiers::default()
                    };
                    return Ok(Expr::Matrix(Box::new(MatrixSelector {
                        selector: vs,
                        range,
                        brackets,
                        modifiers,
                        span,
                    })));
                } else {
                    self.error(brackets, "ranges only allowed for vector selectors");
                    VectorSelector {
                        name: None,
                        matchers: Vec::new(),
                        braces: None,
                        modifiers: Modifiers::default(),
                        span: expr.span(),
                    }
                };
                Ok(Expr::Matrix(Box::new(MatrixSelector {
                    selector,
                    range,
                    brackets,
                    modifiers: Modifiers::default(),
                    span,
                })))
            }
            _ => self.unexpected(&ctx("subquery or range", "\":\" or \"]\"")),
        }
    }

    /// A range or step: a duration expression whose literal value must be positive.
    fn parse_positive_duration(&mut self, c: &Ctx) -> PResult<DurationExpr> {
        let d = self.parse_duration_expr(0, c)?;
        // A literal already refused (out of range) is not refused twice.
        if let DurationExpr::Number(n) = &d
            && n.value <= 0.0
            && !self.errors.iter().any(|e| e.span == n.span)
        {
            self.error(n.span, "duration must be greater than 0");
        }
        self.experimental_duration(&d);
        Ok(d)
    }

    fn experimental_duration(&mut self, d: &DurationExpr) {
        if !matches!(d, DurationExpr::Number(_)) && !self.opts.duration_expressions {
            self.error(d.span(), "experimental duration expression is not enabled");
        }
    }

    fn duration_binop(&self) -> Option<BinOp> {
        Some(match self.peek() {
            Tok::Op(Op::Add) => BinOp::Add,
            Tok::Op(Op::Sub) => BinOp::Sub,
            Tok::Op(Op::Mul) => BinOp::Mul,
            Tok::Op(Op::Div) => BinOp::Div,
            Tok::Op(Op::Mod) => BinOp::Mod,
            Tok::Op(Op::Pow) => BinOp::Pow,
            _ => return None,
        })
    }

    /// A duration expression, with the same precedence as other arithmetic.
    fn parse_duration_expr(&mut self, min_prec: u8, c: &Ctx) -> PResult<DurationExpr> {
        let mut lhs = self.parse_duration_unary(c)?;
        while let Some(op) = self.duration_binop() {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let op_span = self.bump().span;
            let next_min = if op == BinOp::Pow { prec } else { prec + 1 };
            let rhs = self.parse_duration_expr(next_min, &DURATION_CTX)?;
            if let DurationExpr::Number(n) = &rhs
                && n.value == 0.0
            {
                match op {
                    BinOp::Div => self.error(op_span, "division by zero"),
                    BinOp::Mod => self.error(op_span, "modulo by zero"),
                    _ => {}
                }
            }
            lhs = DurationExpr::Binary(Box::new(DurationBinary {
                op,
                op_span,
                lhs,
                rhs,
            }));
        }
        Ok(lhs)
    }

    fn parse_duration_unary(&mut self, c: &Ctx) -> PResult<DurationExpr> {
        if let Tok::Op(op @ (Op::Add | Op::Sub)) = self.peek() {
            let op_span = self.bump().span;
            let operand = self.parse_duration_expr(BinOp::Pow.precedence(), &DURATION_CTX)?;
            return Ok(self.apply_duration_sign(op == Op::Sub, op_span, operand));
        }
        self.parse_duration_primary(c)
    }

    fn apply_duration_sign(&mut self, neg: bool, op_span: Span, d: DurationExpr) -> DurationExpr {
        match d {
            DurationExpr::Number(mut n) => {
                if neg {
                    n.value = -n.value;
                }
                n.span = op_span.to(n.span);
                DurationExpr::Number(n)
            }
            d if neg => DurationExpr::Neg(Box::new(DurationNeg { op_span, expr: d })),
            d => d,
        }
    }

    fn parse_duration_primary(&mut self, c: &Ctx) -> PResult<DurationExpr> {
        match self.peek() {
            Tok::Number | Tok::Duration => {
                let n = self.number_literal();
                if literal::seconds_out_of_range(n.value) {
                    self.error(n.span, "duration out of range");
                }
                Ok(DurationExpr::Number(n))
            }
            Tok::Kw(kw @ (Kw::Step | Kw::Range)) => {
                let name = self.bump().span;
                self.expect(Tok::LParen, &ctx(c.context, "\"(\""))?;
                let close = self.expect(Tok::RParen, &ctx(c.context, "\")\""))?.span;
                let span = name.to(close);
                Ok(if kw == Kw::Step {
                    DurationExpr::Step(span)
                } else {
                    DurationExpr::Range(span)
                })
            }
            Tok::Kw(kw @ (Kw::MaxOf | Kw::MinOf)) => {
                let name_span = self.bump().span;
                self.expect(Tok::LParen, &ctx(c.context, "\"(\""))?;
                let lhs = self.parse_duration_expr(0, &DURATION_CTX)?;
                self.expect(Tok::Comma, &ctx(c.context, "\",\""))?;
                let rhs = self.parse_duration_expr(0, &DURATION_CTX)?;
                let close = self.expect(Tok::RParen, &ctx(c.context, "\")\""))?.span;
                Ok(DurationExpr::MinMax(Box::new(DurationMinMax {
                    max: kw == Kw::MaxOf,
                    name_span,
                    lhs,
                    rhs,
                    span: name_span.to(close),
                })))
            }
            Tok::LParen => {
                let open = self.bump().span;
                let expr = self.parse_duration_expr(0, &DURATION_CTX)?;
                let close = self.expect(Tok::RParen, &ctx(c.context, "\")\""))?.span;
                Ok(DurationExpr::Paren(Box::new(DurationParen {
                    expr,
                    span: open.to(close),
                })))
            }
            _ => self.unexpected(c),
        }
    }

    /// The modifiers of `expr`, when it can have them; an error (and `None`) otherwise.
    fn modifiers_of<'e>(
        &mut self,
        expr: &'e mut Expr,
        what: &'static str,
    ) -> Option<&'e mut Modifiers> {
        match expr {
            Expr::Selector(vs) => Some(&mut vs.modifiers),
            Expr::Matrix(m) => Some(&mut m.modifiers),
            Expr::Subquery(s) => Some(&mut s.modifiers),
            other => {
                let span = other.span();
                self.error(
                    span,
                    format!(
                        "{what} modifier must be preceded by an instant vector selector or range vector selector or a subquery"
                    ),
                );
                None
            }
        }
    }

    fn parse_offset(&mut self, mut expr: Expr) -> PResult<Expr> {
        let keyword = self.bump().span;
        let value = self.parse_offset_value()?;
        self.experimental_duration(&value);
        let end = value.span();
        let expr_span = expr.span();
        if let Some(m) = self.modifiers_of(&mut expr, "offset") {
            if m.offset.is_some() {
                self.error(expr_span, "offset may not be set multiple times");
            } else {
                m.offset = Some(Box::new(Offset { keyword, value }));
            }
        }
        extend(&mut expr, end);
        Ok(expr)
    }

    /// What may follow `offset`: a signed literal, `step()`, `range()`, `min_of`/`max_of`
    /// or a parenthesised duration expression, but no operator (`foo offset 5m * 2` is
    /// `(foo offset 5m) * 2`).
    fn parse_offset_value(&mut self) -> PResult<DurationExpr> {
        let sign = match self.peek() {
            Tok::Op(op @ (Op::Add | Op::Sub)) => Some((op == Op::Sub, self.bump().span)),
            _ => None,
        };
        let d = self.parse_duration_primary(&OFFSET_CTX)?;
        Ok(match sign {
            Some((neg, span)) => self.apply_duration_sign(neg, span, d),
            None => d,
        })
    }

    fn parse_at(&mut self, mut expr: Expr) -> PResult<Expr> {
        const AT_CTX: Ctx = ctx("@", "timestamp");
        let at_span = self.bump().span;
        let (value, value_span) = if let Tok::Kw(kw @ (Kw::Start | Kw::End)) = self.peek() {
            let name = self.bump().span;
            self.expect(Tok::LParen, &ctx("@", "\"(\""))?;
            let close = self.expect(Tok::RParen, &ctx("@", "\")\""))?.span;
            let v = if kw == Kw::Start {
                AtValue::Start
            } else {
                AtValue::End
            };
            (v, name.to(close))
        } else {
            let sign = match self.peek() {
                Tok::Op(op @ (Op::Add | Op::Sub)) => Some((op, self.bump().span)),
                _ => None,
            };
            if !matches!(self.peek(), Tok::Number | Tok::Duration) {
                return self.unexpected(&AT_CTX);
            }
            let n = self.number_literal();
            let mut ts = n.value;
            let mut span = n.span;
            if let Some((op, s)) = sign {
                if op == Op::Sub {
                    ts = -ts;
                }
                span = s.to(span);
            }
            if !ts.is_finite() || ts >= i64::MAX as f64 || ts <= i64::MIN as f64 {
                let at = expr.span();
                self.error(
                    at,
                    format!(
                        "timestamp out of bounds for @ modifier: {}",
                        literal::go_f(ts)
                    ),
                );
            }
            let ms = (ts * 1000.0).round();
            let ms = if ms.is_finite() { ms as i64 } else { 0 };
            (AtValue::Timestamp(ms), span)
        };
        let expr_span = expr.span();
        if let Some(m) = self.modifiers_of(&mut expr, "@") {
            if m.at.is_some() {
                self.error(expr_span, "@ <timestamp> may not be set multiple times");
            } else {
                m.at = Some(Box::new(AtModifier {
                    at_span,
                    value,
                    value_span,
                }));
            }
        }
        extend(&mut expr, value_span);
        Ok(expr)
    }

    fn set_extended(&mut self, mut expr: Expr, anchored: bool, span: Span) -> Expr {
        let word = if anchored { "anchored" } else { "smoothed" };
        let expr_span = expr.span();
        if !self.opts.extended_range_selectors {
            self.error(
                expr_span,
                format!("{word} modifier is experimental and not enabled"),
            );
            return expr;
        }
        let m = match &mut expr {
            Expr::Selector(vs) => &mut vs.modifiers,
            Expr::Matrix(m) => &mut m.modifiers,
            Expr::Subquery(_) => {
                self.error(
                    expr_span,
                    format!("{word} modifier is not supported for subqueries"),
                );
                return expr;
            }
            _ => {
                self.error(expr_span, format!("{word} modifier not implemented"));
                return expr;
            }
        };
        if anchored {
            m.anchored = Some(span);
        } else {
            m.smoothed = Some(span);
        }
        if m.anchored.is_some() && m.smoothed.is_some() {
            self.error(
                expr_span,
                "anchored and smoothed modifiers cannot be used together",
            );
        }
        extend(&mut expr, span);
        expr
    }

    // -----------------------------------------------------------------------------------
    // Calls and aggregations.

    #[inline(never)]
    fn parse_call(&mut self) -> PResult<Expr> {
        let name_tok = self.bump();
        let name = self.text_of(name_tok.span);
        let known = if self.opts.v2_function_names {
            signatures::v2_function(name)
        } else {
            signatures::function(name)
        };
        let func: &'static Function = if let Some(f) = known {
            if f.experimental && !self.opts.experimental_functions {
                self.error(name_tok.span, format!("function {name:?} is not enabled"));
            }
            f
        } else {
            self.error(
                name_tok.span,
                format!("unknown function with name {}", literal::go_quote(name)),
            );
            &signatures::UNKNOWN
        };
        let (args, parens) = self.parse_args("function call")?;
        Ok(Expr::Call(Box::new(Call {
            func,
            name_span: name_tok.span,
            args,
            parens,
            span: name_tok.span.to(parens),
        })))
    }

    /// `( expr, ... )`, recovering at commas.
    fn parse_args(&mut self, what: &'static str) -> PResult<(Vec<Expr>, Span)> {
        let mark = self.pending_args.len();
        let parens = self.parse_args_pending(what);
        let args = self.pending_args.drain(mark..).collect();
        parens.map(|parens| (args, parens))
    }

    /// [`Self::parse_args`]' work: the arguments onto `pending_args`, the parentheses'
    /// span returned.
    fn parse_args_pending(&mut self, what: &'static str) -> PResult<Span> {
        let open = self.expect(Tok::LParen, &ctx(what, "\"(\""))?.span;
        let mut failed = false;
        if self.peek() == Tok::RParen {
            let close = self.bump().span;
            return Ok(open.to(close));
        }
        loop {
            let arg = self.parse_expr(0).and_then(|e| match self.peek() {
                Tok::Comma | Tok::RParen => Ok(e),
                _ => self.unexpected(&ctx(what, "\",\" or \")\"")),
            });
            if let Ok(e) = arg {
                self.pending_args.push(e);
            } else {
                failed = true;
                self.skip_to_comma_or_close()?;
            }
            if self.peek() == Tok::Comma {
                let comma = self.bump().span;
                if self.peek() == Tok::RParen {
                    self.error(comma, "trailing commas not allowed in function call args");
                    let close = self.bump().span;
                    return if failed {
                        Err(Stop)
                    } else {
                        Ok(open.to(close))
                    };
                }
                continue;
            }
            let close = self.bump().span;
            return if failed {
                Err(Stop)
            } else {
                Ok(open.to(close))
            };
        }
    }

    /// Skips to the `,` or `)` that ends the current argument (not consumed).
    fn skip_to_comma_or_close(&mut self) -> PResult<()> {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Tok::Eof | Tok::Error => return Err(Stop),
                Tok::Comma | Tok::RParen if depth == 0 => return Ok(()),
                Tok::LParen | Tok::LBracket | Tok::LBrace => depth += 1,
                Tok::RParen | Tok::RBracket | Tok::RBrace => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.bump();
        }
    }

    #[inline(never)]
    fn parse_aggregate(&mut self) -> PResult<Expr> {
        let Tok::Kw(Kw::Agg(op)) = self.peek() else {
            return self.unexpected(&NOWHERE);
        };
        let op_span = self.bump().span;
        let mut grouping = None;
        if let Tok::Kw(kw @ (Kw::By | Kw::Without)) = self.peek() {
            grouping = Some(self.parse_grouping(kw == Kw::Without)?);
        }
        if self.peek() != Tok::LParen {
            return self.unexpected(&ctx("aggregation", ""));
        }
        let (mut args, parens) = self.parse_args("aggregation")?;
        if grouping.is_none()
            && let Tok::Kw(kw @ (Kw::By | Kw::Without)) = self.peek()
        {
            grouping = Some(self.parse_grouping(kw == Kw::Without)?);
        }
        let span = op_span.to(grouping.as_ref().map_or(parens, |g| g.parens.to(parens)));
        let placeholder = || {
            Expr::Number(NumberLiteral {
                value: 0.0,
                duration: false,
                span,
            })
        };
        let mut param = None;
        if args.is_empty() {
            self.error(span, "no arguments for aggregate expression provided");
            args.push(placeholder());
        } else {
            let wanted = if op.has_param() { 2 } else { 1 };
            if op.is_experimental() && !self.opts.experimental_functions {
                self.error(
                    span,
                    format!(
                        "{}() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
                        op.as_str()
                    ),
                );
            } else if args.len() != wanted {
                self.error(
                    span,
                    format!(
                        "wrong number of arguments for aggregate expression provided, expected {wanted}, got {}",
                        args.len()
                    ),
                );
            }
            if op.has_param() && args.len() >= 2 {
                param = Some(args.remove(0));
            }
        }
        let expr = args.swap_remove(0);
        Ok(Expr::Aggregate(Box::new(AggregateExpr {
            op,
            op_span,
            grouping,
            param,
            expr,
            parens,
            span,
        })))
    }

    fn parse_grouping(&mut self, without: bool) -> PResult<Grouping> {
        let keyword = self.bump().span;
        let (labels, parens) = self.parse_label_list()?;
        Ok(Grouping {
            without,
            keyword,
            labels,
            parens,
        })
    }

    /// `( label, ... )` after `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`.
    fn parse_label_list(&mut self) -> PResult<(Vec<Name>, Span)> {
        let mark = self.pending_names.len();
        let parens = self.parse_label_list_pending();
        let labels = self.pending_names.drain(mark..).collect();
        parens.map(|parens| (labels, parens))
    }

    /// [`Self::parse_label_list`]' work: the names onto `pending_names`, the parentheses'
    /// span returned.
    fn parse_label_list_pending(&mut self) -> PResult<Span> {
        const LIST: Ctx = ctx("grouping opts", "label");
        let open = self
            .expect(Tok::LParen, &ctx("grouping opts", "\"(\""))?
            .span;
        loop {
            if self.peek() == Tok::RParen {
                let close = self.bump().span;
                return Ok(open.to(close));
            }
            let t = self.toks[self.i];
            let label = match t.tok {
                Tok::Ident | Tok::MetricIdent | Tok::Kw(_) if t.tok != Tok::Kw(Kw::Without) => {
                    Name {
                        name: self.name_at(t.span),
                        span: t.span,
                    }
                }
                Tok::Str => {
                    let name = self.unquoted(t.span);
                    if name.is_empty() {
                        self.error(
                            t.span,
                            format!(
                                "invalid label name for grouping: {}",
                                literal::go_quote(&name)
                            ),
                        );
                    }
                    Name { name, span: t.span }
                }
                _ => return self.unexpected(&LIST),
            };
            self.bump();
            self.pending_names.push(label);
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {}
                _ => return self.unexpected(&ctx("grouping opts", "\",\" or \")\"")),
            }
        }
    }
}

/// Whether an operand can begin with `tok`: the tokens [`Parser::parse_primary`] takes first,
/// and a sign (test: `starts_operand_is_what_parse_primary_takes`).
pub(super) fn starts_operand(tok: Tok) -> bool {
    match tok {
        Tok::Number
        | Tok::Duration
        | Tok::Str
        | Tok::LParen
        | Tok::LBrace
        | Tok::Ident
        | Tok::MetricIdent
        | Tok::Op(Op::Add | Op::Sub) => true,
        Tok::Kw(kw) => !matches!(
            kw,
            Kw::Atan2 | Kw::On | Kw::Ignoring | Kw::GroupLeft | Kw::GroupRight | Kw::Bool
        ),
        _ => false,
    }
}

/// Extends an expression's span to cover a modifier written after it.
fn extend(expr: &mut Expr, end: Span) {
    match expr {
        Expr::Selector(vs) => vs.span = vs.span.to(end),
        Expr::Matrix(m) => m.span = m.span.to(end),
        Expr::Subquery(s) => s.span = s.span.to(end),
        _ => {}
    }
}

/// Go's `%q`, cut to ten characters with `...` as Prometheus describes long tokens.
fn short_quote(text: &str) -> String {
    if text.chars().count() > 10 {
        let cut: String = text.chars().take(10).collect();
        format!("{}...", literal::go_quote(&cut))
    } else {
        literal::go_quote(text)
    }
}
