//! The PromQL syntax tree. Every node, and every token of it a diagnostic may want to point
//! at (a matcher's name, operator and value, a function's name, an aggregation's `by`, a
//! binary operator and its `bool`, `on`, `group_left`...), carries its [`Span`] in the text
//! it was parsed from. Values are kept as written where Prometheus' printer needs it (a
//! number written as a duration prints as one) and otherwise as Prometheus reads them.

use super::Span;
use super::signatures::Function;
use smol_str::SmolStr;

/// The type of an expression's value, as Prometheus' type checker sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    None,
    Scalar,
    Vector,
    Matrix,
    String,
}

impl ValueType {
    /// The name Prometheus' documentation (and its error messages) use.
    pub fn documented(self) -> &'static str {
        match self {
            ValueType::None => "none",
            ValueType::Scalar => "scalar",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        }
    }

    /// Prometheus' `ValueType.String()` (used by a few messages).
    pub fn name(self) -> &'static str {
        match self {
            ValueType::None => "none",
            ValueType::Scalar => "scalar",
            ValueType::Vector => "vector",
            ValueType::Matrix => "matrix",
            ValueType::String => "string",
        }
    }
}

/// A PromQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(NumberLiteral),
    String(StringLiteral),
    Selector(Box<VectorSelector>),
    Matrix(Box<MatrixSelector>),
    Subquery(Box<SubqueryExpr>),
    Call(Box<Call>),
    Aggregate(Box<AggregateExpr>),
    Binary(Box<BinaryExpr>),
    Unary(Box<UnaryExpr>),
    Paren(Box<ParenExpr>),
}

/// A number, possibly written as a duration (`5m` is 300 seconds), with its sign folded in
/// (`-1` is one literal, as in Prometheus).
#[derive(Debug, Clone)]
pub struct NumberLiteral {
    pub value: f64,
    /// Written as a duration (`1h30m`); printed as one.
    pub duration: bool,
    pub span: Span,
}

impl PartialEq for NumberLiteral {
    /// Bitwise on the value, so that `NaN` equals itself.
    fn eq(&self, other: &NumberLiteral) -> bool {
        self.value.to_bits() == other.value.to_bits()
            && self.duration == other.duration
            && self.span == other.span
    }
}

/// A quoted string, unquoted. Bytes that are not UTF-8 (from `\x` escapes) are U+FFFD.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLiteral {
    pub value: SmolStr,
    /// The whole token, quotes included.
    pub span: Span,
}

/// A name as written: a metric name, a label name in a matcher or a grouping list.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub name: SmolStr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One label matcher. A bare quoted metric name inside braces (`{"my.metric"}`) is a
/// `__name__` equality matcher whose name and value spans are the string's and whose
/// operator span is empty (at the string's end).
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    pub name: Name,
    pub op: MatchOp,
    pub op_span: Span,
    pub value: StringLiteral,
}

impl Matcher {
    /// Whether this is a bare quoted metric name (`{"my.metric"}`).
    pub fn is_bare_name(&self) -> bool {
        self.op_span.is_empty()
    }

    pub fn span(&self) -> Span {
        self.name.span.to(self.value.span)
    }
}

/// The value of an `@` modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtValue {
    /// Milliseconds since the epoch.
    Timestamp(i64),
    Start,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AtModifier {
    /// The `@` sign.
    pub at_span: Span,
    pub value: AtValue,
    /// The timestamp (with its sign) or `start()`/`end()`.
    pub value_span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Offset {
    /// The `offset` keyword.
    pub keyword: Span,
    /// The offset; a [`DurationExpr::Number`] unless a duration expression was written.
    pub value: DurationExpr,
}

/// The modifiers that follow a selector or subquery. `@` and `offset` are boxed: rare, and a
/// tree is kept for as long as its rule is checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modifiers {
    pub at: Option<Box<AtModifier>>,
    pub offset: Option<Box<Offset>>,
    /// The `anchored` keyword (experimental).
    pub anchored: Option<Span>,
    /// The `smoothed` keyword (experimental).
    pub smoothed: Option<Span>,
}

impl Modifiers {
    pub fn is_empty(&self) -> bool {
        self.at.is_none()
            && self.offset.is_none()
            && self.anchored.is_none()
            && self.smoothed.is_none()
    }
}

/// An instant vector selector: `name{matchers} @ t offset d`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorSelector {
    /// The metric name before the braces.
    pub name: Option<Name>,
    pub matchers: Vec<Matcher>,
    /// The braces, when written.
    pub braces: Option<Span>,
    pub modifiers: Modifiers,
    pub span: Span,
}

impl VectorSelector {
    /// The metric name, whether before the braces or as a `__name__` equality matcher.
    pub fn metric_name(&self) -> Option<&str> {
        if let Some(n) = &self.name {
            return Some(&n.name);
        }
        self.matchers
            .iter()
            .find(|m| m.name.name == "__name__" && m.op == MatchOp::Equal)
            .map(|m| m.value.value.as_str())
    }
}

/// A range vector selector: `selector[range]` and its modifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSelector {
    /// The selector (without modifiers: those come after the range).
    pub selector: VectorSelector,
    pub range: DurationExpr,
    /// `[` to `]`.
    pub brackets: Span,
    pub modifiers: Modifiers,
    pub span: Span,
}

/// A subquery: `expr[range:step]` and its modifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct SubqueryExpr {
    pub expr: Expr,
    pub range: DurationExpr,
    /// The resolution; `None` for the default (`[5m:]`).
    pub step: Option<DurationExpr>,
    pub colon: Span,
    /// `[` to `]`.
    pub brackets: Span,
    pub modifiers: Modifiers,
    pub span: Span,
}

/// A function call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub func: &'static Function,
    /// The name as written.
    pub name_span: Span,
    pub args: Vec<Expr>,
    /// `(` to `)`.
    pub parens: Span,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggOp {
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    CountValues,
    Quantile,
    Limitk,
    LimitRatio,
}

impl AggOp {
    pub const ALL: [AggOp; 14] = [
        AggOp::Sum,
        AggOp::Avg,
        AggOp::Count,
        AggOp::Min,
        AggOp::Max,
        AggOp::Group,
        AggOp::Stddev,
        AggOp::Stdvar,
        AggOp::Topk,
        AggOp::Bottomk,
        AggOp::CountValues,
        AggOp::Quantile,
        AggOp::Limitk,
        AggOp::LimitRatio,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Avg => "avg",
            AggOp::Count => "count",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::Group => "group",
            AggOp::Stddev => "stddev",
            AggOp::Stdvar => "stdvar",
            AggOp::Topk => "topk",
            AggOp::Bottomk => "bottomk",
            AggOp::CountValues => "count_values",
            AggOp::Quantile => "quantile",
            AggOp::Limitk => "limitk",
            AggOp::LimitRatio => "limit_ratio",
        }
    }

    /// Whether the aggregation takes a parameter before the vector (`topk(5, x)`).
    pub fn has_param(self) -> bool {
        matches!(
            self,
            AggOp::Topk
                | AggOp::Bottomk
                | AggOp::CountValues
                | AggOp::Quantile
                | AggOp::Limitk
                | AggOp::LimitRatio
        )
    }

    /// Experimental in Prometheus 3.x (`--enable-feature=promql-experimental-functions`).
    pub fn is_experimental(self) -> bool {
        matches!(self, AggOp::Limitk | AggOp::LimitRatio)
    }
}

/// `by (...)` or `without (...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    pub without: bool,
    /// The `by` or `without` keyword.
    pub keyword: Span,
    pub labels: Vec<Name>,
    /// `(` to `)`.
    pub parens: Span,
}

/// An aggregation: `sum by (job) (x)`, `topk(5, x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateExpr {
    pub op: AggOp,
    pub op_span: Span,
    pub grouping: Option<Grouping>,
    pub param: Option<Expr>,
    pub expr: Expr,
    /// The argument list's `(` to `)`.
    pub parens: Span,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Lte,
    Lss,
    Gte,
    Gtr,
    /// `</` (experimental, native histograms).
    TrimUpper,
    /// `>/` (experimental, native histograms).
    TrimLower,
    And,
    Or,
    Unless,
}

impl BinOp {
    pub const ALL: [BinOp; 18] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Mod,
        BinOp::Pow,
        BinOp::Atan2,
        BinOp::Eql,
        BinOp::Neq,
        BinOp::Lte,
        BinOp::Lss,
        BinOp::Gte,
        BinOp::Gtr,
        BinOp::TrimUpper,
        BinOp::TrimLower,
        BinOp::And,
        BinOp::Or,
        BinOp::Unless,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Atan2 => "atan2",
            BinOp::Eql => "==",
            BinOp::Neq => "!=",
            BinOp::Lte => "<=",
            BinOp::Lss => "<",
            BinOp::Gte => ">=",
            BinOp::Gtr => ">",
            BinOp::TrimUpper => "</",
            BinOp::TrimLower => ">/",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Unless => "unless",
        }
    }

    /// Binding strength, higher binds tighter (Prometheus' yacc precedence table).
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And | BinOp::Unless => 2,
            BinOp::Eql
            | BinOp::Neq
            | BinOp::Lte
            | BinOp::Lss
            | BinOp::Gte
            | BinOp::Gtr
            | BinOp::TrimUpper
            | BinOp::TrimLower => 3,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Atan2 => 5,
            BinOp::Pow => 6,
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eql | BinOp::Neq | BinOp::Lte | BinOp::Lss | BinOp::Gte | BinOp::Gtr
        )
    }

    pub fn is_set(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Unless)
    }
}

/// `on (...)` or `ignoring (...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorMatching {
    pub on: bool,
    pub keyword: Span,
    pub labels: Vec<Name>,
    pub parens: Span,
}

/// `group_left (...)` or `group_right (...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupModifier {
    /// `group_right` when false.
    pub left: bool,
    pub keyword: Span,
    pub labels: Vec<Name>,
    /// The label list's parentheses, when written.
    pub parens: Option<Span>,
}

/// One side's value of a `fill`, `fill_left` or `fill_right` modifier (experimental).
#[derive(Debug, Clone, PartialEq)]
pub struct FillValue {
    pub keyword: Span,
    pub value: NumberLiteral,
}

/// `fill (v)` sets both sides; `fill_left`/`fill_right` one each.
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    pub lhs: Option<FillValue>,
    pub rhs: Option<FillValue>,
}

/// A binary operation and its modifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryExpr {
    pub op: BinOp,
    pub op_span: Span,
    pub lhs: Expr,
    pub rhs: Expr,
    /// The `bool` keyword.
    pub bool_span: Option<Span>,
    pub matching: Option<VectorMatching>,
    pub group: Option<GroupModifier>,
    /// Boxed: rare, and experimental.
    pub fill: Option<Box<Fill>>,
    /// The whole operation, operands included.
    pub span: Span,
}

impl BinaryExpr {
    /// The operator and its modifiers (Prometheus points at this for operator errors).
    pub fn operator_span(&self) -> Span {
        let mut s = self.op_span;
        if let Some(b) = self.bool_span {
            s = s.to(b);
        }
        if let Some(m) = &self.matching {
            s = s.to(m.parens);
        }
        if let Some(g) = &self.group {
            s = s.to(g.parens.unwrap_or(g.keyword));
        }
        if let Some(f) = &self.fill {
            for v in [&f.lhs, &f.rhs].into_iter().flatten() {
                s = s.to(v.value.span);
            }
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Plus,
}

/// `-expr` or `+expr` on anything but a number literal (which takes the sign itself).
#[derive(Debug, Clone, PartialEq)]
pub struct UnaryExpr {
    pub op: UnaryOp,
    pub op_span: Span,
    pub expr: Expr,
    /// The operator and its operand.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParenExpr {
    pub expr: Expr,
    pub span: Span,
}

/// A range, subquery step or offset: a duration literal or (experimental) a duration
/// expression.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationExpr {
    /// A number of seconds or a duration, sign folded in.
    Number(NumberLiteral),
    /// `step()`.
    Step(Span),
    /// `range()`.
    Range(Span),
    /// `min_of(a, b)` or `max_of(a, b)`.
    MinMax(Box<DurationMinMax>),
    /// `-d` on anything but a literal (`+` is dropped, as in Prometheus).
    Neg(Box<DurationNeg>),
    Binary(Box<DurationBinary>),
    Paren(Box<DurationParen>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationMinMax {
    /// `max_of` when true.
    pub max: bool,
    pub name_span: Span,
    pub lhs: DurationExpr,
    pub rhs: DurationExpr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationNeg {
    pub op_span: Span,
    pub expr: DurationExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationBinary {
    /// One of `+ - * / % ^`.
    pub op: BinOp,
    pub op_span: Span,
    pub lhs: DurationExpr,
    pub rhs: DurationExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationParen {
    pub expr: DurationExpr,
    pub span: Span,
}

impl DurationExpr {
    pub fn span(&self) -> Span {
        match self {
            DurationExpr::Number(n) => n.span,
            DurationExpr::Step(s) | DurationExpr::Range(s) => *s,
            DurationExpr::MinMax(m) => m.span,
            DurationExpr::Neg(n) => n.op_span.to(n.expr.span()),
            DurationExpr::Binary(b) => b.lhs.span().to(b.rhs.span()),
            DurationExpr::Paren(p) => p.span,
        }
    }

    /// The value in nanoseconds when this is a literal (`time.Duration(math.Round(v*1e9))`).
    pub fn literal_ns(&self) -> Option<i64> {
        match self {
            DurationExpr::Number(n) => Some(super::literal::seconds_to_ns(n.value)),
            _ => None,
        }
    }
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Number(n) => n.span,
            Expr::String(s) => s.span,
            Expr::Selector(v) => v.span,
            Expr::Matrix(m) => m.span,
            Expr::Subquery(s) => s.span,
            Expr::Call(c) => c.span,
            Expr::Aggregate(a) => a.span,
            Expr::Binary(b) => b.span,
            Expr::Unary(u) => u.span,
            Expr::Paren(p) => p.span,
        }
    }

    /// The type of the expression's value (Prometheus' `Expr.Type()`; it looks through
    /// operators and parentheses to the operands).
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::Selector(_) | Expr::Aggregate(_) => ValueType::Vector,
            Expr::Matrix(_) | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Call(c) => c.func.return_type,
            Expr::Binary(b) => {
                if b.lhs.value_type() == ValueType::Scalar
                    && b.rhs.value_type() == ValueType::Scalar
                {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Unary(u) => u.expr.value_type(),
            Expr::Paren(p) => p.expr.value_type(),
        }
    }

    /// Whether the expression uses syntax that Prometheus accepts only behind a feature flag
    /// (see [`super::Options`]): an experimental function or aggregation, a duration
    /// expression, `anchored`/`smoothed`, a `fill` modifier.
    pub fn uses_experimental(&self) -> bool {
        fn duration(d: &DurationExpr) -> bool {
            !matches!(d, DurationExpr::Number(_))
        }
        fn modifiers(m: &Modifiers) -> bool {
            m.anchored.is_some()
                || m.smoothed.is_some()
                || m.offset.as_ref().is_some_and(|o| duration(&o.value))
        }
        match self {
            Expr::Number(_) | Expr::String(_) => false,
            Expr::Selector(v) => modifiers(&v.modifiers),
            Expr::Matrix(m) => {
                modifiers(&m.modifiers) || modifiers(&m.selector.modifiers) || duration(&m.range)
            }
            Expr::Subquery(s) => {
                modifiers(&s.modifiers)
                    || duration(&s.range)
                    || s.step.as_ref().is_some_and(duration)
                    || s.expr.uses_experimental()
            }
            Expr::Call(c) => c.func.experimental || c.args.iter().any(Expr::uses_experimental),
            Expr::Aggregate(a) => {
                a.op.is_experimental()
                    || a.param.as_ref().is_some_and(Expr::uses_experimental)
                    || a.expr.uses_experimental()
            }
            Expr::Binary(b) => {
                b.fill.is_some() || b.lhs.uses_experimental() || b.rhs.uses_experimental()
            }
            Expr::Unary(u) => u.expr.uses_experimental(),
            Expr::Paren(p) => p.expr.uses_experimental(),
        }
    }

    /// A copy with every span set to `0..0`, for comparing trees parsed from different text.
    pub fn without_spans(&self) -> Expr {
        let mut e = self.clone();
        e.clear_spans();
        e
    }

    fn clear_spans(&mut self) {
        let z = Span::default();
        match self {
            Expr::Number(n) => n.span = z,
            Expr::String(s) => s.span = z,
            Expr::Selector(v) => v.clear_spans(),
            Expr::Matrix(m) => {
                m.selector.clear_spans();
                m.range.clear_spans();
                m.brackets = z;
                m.modifiers.clear_spans();
                m.span = z;
            }
            Expr::Subquery(s) => {
                s.expr.clear_spans();
                s.range.clear_spans();
                if let Some(step) = &mut s.step {
                    step.clear_spans();
                }
                s.colon = z;
                s.brackets = z;
                s.modifiers.clear_spans();
                s.span = z;
            }
            Expr::Call(c) => {
                c.name_span = z;
                c.parens = z;
                c.span = z;
                c.args.iter_mut().for_each(Expr::clear_spans);
            }
            Expr::Aggregate(a) => {
                a.op_span = z;
                if let Some(g) = &mut a.grouping {
                    g.keyword = z;
                    g.parens = z;
                    g.labels.iter_mut().for_each(|l| l.span = z);
                }
                if let Some(p) = &mut a.param {
                    p.clear_spans();
                }
                a.expr.clear_spans();
                a.parens = z;
                a.span = z;
            }
            Expr::Binary(b) => {
                b.op_span = z;
                b.span = z;
                b.lhs.clear_spans();
                b.rhs.clear_spans();
                if b.bool_span.is_some() {
                    b.bool_span = Some(z);
                }
                if let Some(m) = &mut b.matching {
                    m.keyword = z;
                    m.parens = z;
                    m.labels.iter_mut().for_each(|l| l.span = z);
                }
                if let Some(g) = &mut b.group {
                    g.keyword = z;
                    if g.parens.is_some() {
                        g.parens = Some(z);
                    }
                    g.labels.iter_mut().for_each(|l| l.span = z);
                }
                if let Some(f) = &mut b.fill {
                    for v in [&mut f.lhs, &mut f.rhs].into_iter().flatten() {
                        v.keyword = z;
                        v.value.span = z;
                    }
                }
            }
            Expr::Unary(u) => {
                u.op_span = z;
                u.span = z;
                u.expr.clear_spans();
            }
            Expr::Paren(p) => {
                p.span = z;
                p.expr.clear_spans();
            }
        }
    }
}

impl VectorSelector {
    fn clear_spans(&mut self) {
        let z = Span::default();
        if let Some(n) = &mut self.name {
            n.span = z;
        }
        for m in &mut self.matchers {
            m.name.span = z;
            m.op_span = z;
            m.value.span = z;
        }
        if self.braces.is_some() {
            self.braces = Some(z);
        }
        self.modifiers.clear_spans();
        self.span = z;
    }
}

impl Modifiers {
    fn clear_spans(&mut self) {
        let z = Span::default();
        if let Some(a) = &mut self.at {
            a.at_span = z;
            a.value_span = z;
        }
        if let Some(o) = &mut self.offset {
            o.keyword = z;
            o.value.clear_spans();
        }
        if self.anchored.is_some() {
            self.anchored = Some(z);
        }
        if self.smoothed.is_some() {
            self.smoothed = Some(z);
        }
    }
}

impl DurationExpr {
    fn clear_spans(&mut self) {
        let z = Span::default();
        match self {
            DurationExpr::Number(n) => n.span = z,
            DurationExpr::Step(s) | DurationExpr::Range(s) => *s = z,
            DurationExpr::MinMax(m) => {
                m.name_span = z;
                m.span = z;
                m.lhs.clear_spans();
                m.rhs.clear_spans();
            }
            DurationExpr::Neg(n) => {
                n.op_span = z;
                n.expr.clear_spans();
            }
            DurationExpr::Binary(b) => {
                b.op_span = z;
                b.lhs.clear_spans();
                b.rhs.clear_spans();
            }
            DurationExpr::Paren(p) => {
                p.span = z;
                p.expr.clear_spans();
            }
        }
    }
}
