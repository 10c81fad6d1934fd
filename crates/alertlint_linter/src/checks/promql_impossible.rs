//! ## What it does
//! Reports a selector that can select no series whatever the data, because of its matchers:
//! `label!~".*"` (the regex matches every value, so the negation matches none), two `=`
//! matchers giving one label different values, `label=""` with a matcher that needs a
//! value (`label=~".+"`, `label!=""`), `label=~""` with `label!=""`, `label="a"` with a
//! regex that cannot match `a`... And a comparison with a number that can never hold on
//! the values the other side can take: `count(...) == 0` or `< 1` (`count()` returns
//! nothing rather than 0, and at least 1 for every group it returns), `rate(...) < 0`,
//! `absent(...) != 1`. And vector matching `on (x)` or `ignoring (x)` where neither side
//! can carry `x` after its aggregation: `on (x)` then matches every series with every other,
//! and `ignoring (x)` ignores nothing, so the label the author meant to ignore still keeps
//! the sides apart.
//!
//! Prometheus reads a label a series does not have as the empty string, and anchors every
//! regex at both ends: `.*` matches every value, the empty one included, so `!~".*"` leaves
//! out even the series without the label.
//!
//! ## Why is this bad?
//! The selector returns nothing, so the alert can never fire (or, under `absent()`, always
//! fires), and the rule looks fine: no error, no warning, just silence on the day it was
//! written for. The usual cause is a matcher meant to say "without this label".
//!
//! ## Example
//! ```yaml
//! - alert: DeliveryFailing
//!   expr: rate(delivery_failures_total{integration!~".*"}[5m]) > 0
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: DeliveryFailing
//!   # Series without an `integration` label:
//!   expr: rate(delivery_failures_total{integration=""}[5m]) > 0
//! ```

use super::{Category, Check, Context, rules};
use crate::semantics::MatcherFact;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use promql::syntax::{
    MatchOp, matcher_regex_matches, regex_matches_empty, regex_matches_everything,
    regex_matches_only_empty,
};

pub(super) const CHECK: Check = Check {
    id: "promql/impossible",
    summary: "a selector no series can satisfy, or a comparison that can never hold",
    category: Category::Semantics,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("promql_impossible.rs"),
    run: Some(run),
};

/// What a matcher asks of the label's value, as far as emptiness goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// The series must not have the label.
    Empty,
    /// The series must have the label.
    Value,
}

fn needs(m: &MatcherFact) -> Option<Needs> {
    let v = m.value;
    match m.op {
        MatchOp::Equal if v.is_empty() => Some(Needs::Empty),
        MatchOp::Equal => Some(Needs::Value),
        MatchOp::NotEqual if v.is_empty() => Some(Needs::Value),
        MatchOp::NotEqual => None,
        MatchOp::Regex if regex_matches_only_empty(v) => Some(Needs::Empty),
        MatchOp::Regex if !regex_matches_empty(v) => Some(Needs::Value),
        MatchOp::Regex => None,
        MatchOp::NotRegex if regex_matches_empty(v) => Some(Needs::Value),
        MatchOp::NotRegex => None,
    }
}

/// Why no value satisfies both matchers (of the same label), if none does.
fn conflict(a: &MatcherFact, b: &MatcherFact) -> Option<String> {
    let name = &a.name;
    let value = |v: &str| {
        if v.is_empty() {
            format!("the empty value (of series without `{name}`)")
        } else {
            format!("{v:?}")
        }
    };
    // An equality against the other matcher: decided exactly.
    let (eq, other) = match (a.op, b.op) {
        (MatchOp::Equal, _) => (Some(a), b),
        (_, MatchOp::Equal) => (Some(b), a),
        _ => (None, b),
    };
    if let Some(eq) = eq {
        let x = eq.value;
        let y = other.value;
        let reason = match other.op {
            MatchOp::Equal if x != y => Some(format!(
                "`{name}` cannot be both {} and {}",
                value(x),
                value(y)
            )),
            MatchOp::NotEqual if x == y => {
                Some(format!("`{name}` cannot be and not be {}", value(x)))
            }
            MatchOp::Regex if matcher_regex_matches(y, x) == Some(false) => Some(format!(
                "`{name}` must be {}, which the regex `{y}` does not match",
                value(x)
            )),
            MatchOp::NotRegex if matcher_regex_matches(y, x) == Some(true) => Some(format!(
                "`{name}` must be {}, which `!~\"{y}\"` excludes",
                value(x)
            )),
            _ => None,
        };
        return reason;
    }
    match (needs(a), needs(b)) {
        (Some(Needs::Empty), Some(Needs::Value)) | (Some(Needs::Value), Some(Needs::Empty)) => {
            let (empty, valued) = if needs(a) == Some(Needs::Empty) {
                (a, b)
            } else {
                (b, a)
            };
            Some(format!(
                "`{}` selects only series without `{name}`, `{}` only series with it",
                empty.text(),
                valued.text()
            ))
        }
        _ => None,
    }
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let (Some(expr), Some(sem)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        let at = |s: promql::syntax::Span| expr.sub_span(&file.source, s.start, s.end);
        for sel in &sem.selectors {
            for (j, m) in sel.matchers.iter().enumerate() {
                if m.op == MatchOp::NotRegex && regex_matches_everything(m.value) {
                    out.push(
                        Diagnostic::new(
                            CHECK.id,
                            &file.source,
                            at(m.span()),
                            format!(
                                "`{}` matches no series: the regex `{}` matches every value of \
                                 `{}`, the empty value of series without it too, so its negation \
                                 matches none",
                                m.text(),
                                m.value,
                                m.name
                            ),
                        )
                        .with_label("excludes every series")
                        .with_help(format!(
                            "for series without `{0}`, write `{0}=\"\"`; for series with it, \
                             `{0}!=\"\"`",
                            m.name
                        )),
                    );
                    continue;
                }
                let earlier = sel.matchers[..j]
                    .iter()
                    .filter(|e| e.name == m.name)
                    .find_map(|e| conflict(e, m).map(|why| (e, why)));
                if let Some((first, why)) = earlier {
                    out.push(
                        Diagnostic::new(
                            CHECK.id,
                            &file.source,
                            at(m.span()),
                            format!(
                                "`{}` and `{}` together match no series: {why}",
                                first.text(),
                                m.text()
                            ),
                        )
                        .with_label("contradicts the earlier matcher")
                        .with_related(
                            &file.source,
                            at(first.span()),
                            format!("`{}` is matched here", first.name),
                        )
                        .with_help("keep the one matcher that says what the alert is about"),
                    );
                }
            }
        }
        for v in &sem.vain_matches {
            let (message, help) = if v.on {
                (
                    format!(
                        "`on ({0})` in `{1}` matches on a label neither side has: every series \
                         of one side matches every series of the other",
                        v.label,
                        rule.name()
                    ),
                    format!(
                        "keep `{}` in both sides' grouping, or match on a label they keep",
                        v.label
                    ),
                )
            } else {
                (
                    format!(
                        "`ignoring ({0})` in `{1}` ignores a label neither side has: it changes \
                         nothing, and the sides match only where all their other labels agree",
                        v.label,
                        rule.name()
                    ),
                    format!(
                        "ignore the label that tells the sides apart, or keep `{}` in both \
                         sides' grouping; without either, drop `ignoring ({})`",
                        v.label, v.label
                    ),
                )
            };
            out.push(
                Diagnostic::new(CHECK.id, &file.source, at(v.span), message)
                    .with_label("no side carries it")
                    .with_related(
                        &file.source,
                        at(v.dropped.0),
                        format!("`{}` is dropped here", v.label),
                    )
                    .with_related(&file.source, at(v.dropped.1), "and here")
                    .with_help(help),
            );
        }
        for c in &sem.condition.comparisons {
            let (Some(range), Some(threshold)) = (c.operand, c.threshold) else {
                continue;
            };
            if c.bool_modifier || range.can_hold(c.op, threshold, c.threshold_first) {
                continue;
            }
            let help = if threshold == 0.0 && matches!(range.min, 1.0) {
                "to alert when there is nothing to count, use `absent(...)`, or \
                 `(count(...) or vector(0)) == 0`"
            } else {
                "compare with a value the expression can take"
            };
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    at(c.span),
                    format!(
                        "this comparison with {} can never hold in `{}`: {}",
                        number(threshold),
                        rule.name(),
                        range.why
                    ),
                )
                .with_label("never true")
                .with_related(&file.source, at(range.span), "the values compared")
                .with_help(help),
            );
        }
    }
}

/// A threshold as written in PromQL (`1`, `0.5`).
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::conflict;
    use crate::semantics::MatcherFact;
    use promql::syntax::{MatchOp, Span};

    fn m(op: MatchOp, value: &str) -> MatcherFact<'_> {
        MatcherFact {
            name: "env",
            name_span: Span::default(),
            op,
            op_span: Span::default(),
            value,
            value_span: Span::default(),
        }
    }

    #[test]
    fn pairs_no_value_satisfies() {
        use MatchOp::{Equal as Eq, NotEqual as Ne, NotRegex as Nre, Regex as Re};
        let contradictory = [
            (m(Eq, "a"), m(Eq, "b")),
            (m(Eq, "a"), m(Ne, "a")),
            (m(Eq, ""), m(Re, ".+")),
            (m(Re, ".+"), m(Eq, "")),
            (m(Eq, "prod"), m(Re, "dev|staging")),
            (m(Eq, "prod"), m(Nre, "prod|dev")),
            (m(Re, ""), m(Ne, "")),
            (m(Eq, ""), m(Ne, "")),
            (m(Re, "()"), m(Nre, "a*")),
        ];
        for (a, b) in &contradictory {
            assert!(conflict(a, b).is_some(), "{} {}", a.text(), b.text());
        }
        let satisfiable = [
            (m(Eq, "a"), m(Eq, "a")),
            (m(Eq, "a"), m(Ne, "b")),
            (m(Eq, "prod"), m(Re, "prod|dev")),
            (m(Eq, ""), m(Re, ".*")),
            (m(Re, "a.*"), m(Re, "b.*")),
            (m(Ne, ""), m(Nre, "a")),
            (m(Re, ""), m(Nre, "a")),
        ];
        for (a, b) in &satisfiable {
            assert!(conflict(a, b).is_none(), "{} {}", a.text(), b.text());
        }
    }
}
