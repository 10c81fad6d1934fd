//! Canonical PromQL from a tree, as Prometheus' `Expr.String()` (`promql/parser/printer.go`)
//! and `promtool promql format` write it on one line: matchers sorted, `__name__` folded
//! into the metric name, durations in Prometheus' units, numbers in Go's shortest form.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    AtModifier, AtValue, BinaryExpr, DurationExpr, Expr, MatchOp, Modifiers, Name, NumberLiteral,
    UnaryOp, ValueType, VectorSelector,
};
use super::literal::{format_duration_ns, format_float, go_v, quote, seconds_to_ns};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => f.write_str(&number(n)),
            Expr::String(s) => f.write_str(&quote(&s.value)),
            Expr::Selector(vs) => {
                write_selector(f, vs)?;
                write_at(f, &vs.modifiers)?;
                write_extended(f, &vs.modifiers)?;
                write_offset(f, &vs.modifiers)
            }
            Expr::Matrix(m) => {
                write_selector(f, &m.selector)?;
                f.write_char('[')?;
                write_top_duration(f, &m.range)?;
                f.write_char(']')?;
                write_extended(f, &m.modifiers)?;
                write_at(f, &m.modifiers)?;
                write_offset(f, &m.modifiers)
            }
            Expr::Subquery(s) => {
                write!(f, "{}[", s.expr)?;
                write_top_duration(f, &s.range)?;
                f.write_char(':')?;
                if let Some(step) = &s.step {
                    write_top_duration(f, step)?;
                }
                f.write_char(']')?;
                write_at(f, &s.modifiers)?;
                write_offset(f, &s.modifiers)
            }
            Expr::Call(c) => {
                write!(f, "{}(", c.func.name)?;
                write_args(f, &c.args)?;
                f.write_char(')')
            }
            Expr::Aggregate(a) => {
                f.write_str(a.op.as_str())?;
                if let Some(g) = &a.grouping
                    && (g.without || !g.labels.is_empty())
                {
                    f.write_str(if g.without { " without (" } else { " by (" })?;
                    write_labels(f, &g.labels)?;
                    f.write_str(") ")?;
                }
                f.write_char('(')?;
                if let Some(p) = &a.param {
                    write!(f, "{p}, ")?;
                }
                write!(f, "{})", a.expr)
            }
            Expr::Binary(b) => {
                write!(f, "{} {}", b.lhs, b.op.as_str())?;
                if b.bool_span.is_some() {
                    f.write_str(" bool")?;
                }
                write_matching(f, b)?;
                write!(f, " {}", b.rhs)
            }
            Expr::Unary(u) => {
                let op = if u.op == UnaryOp::Neg { '-' } else { '+' };
                write!(f, "{op}{}", u.expr)
            }
            Expr::Paren(p) => write!(f, "({})", p.expr),
        }
    }
}

fn number(n: &NumberLiteral) -> String {
    if n.duration {
        format_duration_ns(seconds_to_ns(n.value))
    } else {
        format_float(n.value)
    }
}

fn write_args(f: &mut Formatter<'_>, args: &[Expr]) -> fmt::Result {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{a}")?;
    }
    Ok(())
}

/// Whether a label name needs quotes (it is not `[a-zA-Z_][a-zA-Z0-9_]*`).
fn needs_quotes(name: &str) -> bool {
    let b = name.as_bytes();
    b.is_empty()
        || b[0].is_ascii_digit()
        || !b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

fn write_labels(f: &mut Formatter<'_>, labels: &[Name]) -> fmt::Result {
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        if needs_quotes(&l.name) {
            f.write_str(&quote(&l.name))?;
        } else {
            f.write_str(&l.name)?;
        }
    }
    Ok(())
}

fn write_matching(f: &mut Formatter<'_>, b: &BinaryExpr) -> fmt::Result {
    if b.matching.is_none() && b.group.is_none() && b.fill.is_none() {
        return Ok(());
    }
    // Prometheus drops vector matching where an operand is not an instant vector.
    let vectors =
        b.lhs.value_type() == ValueType::Vector && b.rhs.value_type() == ValueType::Vector;
    if !vectors {
        return Ok(());
    }
    if let Some(m) = &b.matching
        && (!m.labels.is_empty() || m.on || b.group.is_some())
    {
        f.write_str(if m.on { " on (" } else { " ignoring (" })?;
        write_labels(f, &m.labels)?;
        f.write_char(')')?;
    }
    if let Some(g) = &b.group {
        f.write_str(if g.left {
            " group_left ("
        } else {
            " group_right ("
        })?;
        write_labels(f, &g.labels)?;
        f.write_char(')')?;
    }
    if let Some(fill) = &b.fill {
        match (&fill.lhs, &fill.rhs) {
            (Some(l), Some(r)) if l.value.value.to_bits() == r.value.value.to_bits() => {
                write!(f, " fill ({})", go_v(l.value.value))?;
            }
            (l, r) => {
                if let Some(l) = l {
                    write!(f, " fill_left ({})", go_v(l.value.value))?;
                }
                if let Some(r) = r {
                    write!(f, " fill_right ({})", go_v(r.value.value))?;
                }
            }
        }
    }
    Ok(())
}

/// `name{matchers}`, matchers sorted as Prometheus sorts their printed forms.
fn write_selector(f: &mut Formatter<'_>, vs: &VectorSelector) -> fmt::Result {
    let name = vs.name.as_ref().map(|n| n.name.as_str());
    if let Some(n) = name {
        f.write_str(n)?;
    }
    let mut printed: Vec<String> = vs
        .matchers
        .iter()
        .filter(|m| {
            !(m.name.name == "__name__"
                && m.op == MatchOp::Equal
                && Some(m.value.value.as_str()) == name
                && !m.value.value.is_empty())
        })
        .map(|m| {
            let mut s = if needs_quotes(&m.name.name) {
                quote(&m.name.name)
            } else {
                m.name.name.to_string()
            };
            s.push_str(m.op.as_str());
            s.push_str(&quote(&m.value.value));
            s
        })
        .collect();
    if !printed.is_empty() {
        printed.sort();
        write!(f, "{{{}}}", printed.join(","))?;
    }
    Ok(())
}

fn write_at(f: &mut Formatter<'_>, m: &Modifiers) -> fmt::Result {
    match m.at.as_deref() {
        Some(AtModifier {
            value: AtValue::Timestamp(ms),
            ..
        }) => write!(f, " @ {:.3}", *ms as f64 / 1000.0),
        Some(AtModifier {
            value: AtValue::Start,
            ..
        }) => f.write_str(" @ start()"),
        Some(AtModifier {
            value: AtValue::End,
            ..
        }) => f.write_str(" @ end()"),
        None => Ok(()),
    }
}

fn write_extended(f: &mut Formatter<'_>, m: &Modifiers) -> fmt::Result {
    if m.anchored.is_some() {
        f.write_str(" anchored")
    } else if m.smoothed.is_some() {
        f.write_str(" smoothed")
    } else {
        Ok(())
    }
}

fn write_offset(f: &mut Formatter<'_>, m: &Modifiers) -> fmt::Result {
    match &m.offset {
        Some(o) => {
            if let Some(ns) = o.value.literal_ns() {
                if ns == 0 {
                    return Ok(());
                }
                write!(f, " offset {}", format_duration_ns(ns))
            } else {
                write!(f, " offset {}", o.value)
            }
        }
        None => Ok(()),
    }
}

/// A range or step: a literal as a Prometheus duration, an expression as written.
fn write_top_duration(f: &mut Formatter<'_>, d: &DurationExpr) -> fmt::Result {
    match d.literal_ns() {
        Some(ns) => f.write_str(&format_duration_ns(ns)),
        None => write!(f, "{d}"),
    }
}

impl Display for DurationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            DurationExpr::Number(n) => f.write_str(&number(n)),
            DurationExpr::Step(_) => f.write_str("step()"),
            DurationExpr::Range(_) => f.write_str("range()"),
            DurationExpr::MinMax(m) => {
                let name = if m.max { "max_of" } else { "min_of" };
                write!(f, "{name}({}, {})", m.lhs, m.rhs)
            }
            DurationExpr::Neg(n) => write!(f, "-{}", n.expr),
            DurationExpr::Binary(b) => write!(f, "{} {} {}", b.lhs, b.op.as_str(), b.rhs),
            DurationExpr::Paren(p) => write!(f, "({})", p.expr),
        }
    }
}
