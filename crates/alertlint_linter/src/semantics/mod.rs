//! What a rule's PromQL expression means, beyond its syntax: worked out once per rule (the
//! checks' `Context::semantics`) and asked by the checks, so that no check walks the syntax
//! tree itself for it. One module per kind of fact:
//!
//! - [`labels`]: which labels the series of the result carry.
//! - [`values`]: what kind of value (counter, rate, gauge...) the expression and its parts
//!   compute.
//! - [`selectors`]: every selector, its matchers, range and enclosing function.
//! - [`condition`]: what makes an alert fire (comparisons, filters, presence), and its
//!   fragile constructs.
//! - [`reads`]: how far back an evaluation reads, which labels it joins on, the clock (asked
//!   by the simulation only, so not part of [`Semantics`]).

mod condition;
mod labels;
mod reads;
mod selectors;
mod values;

pub(crate) use condition::{Comparison, Condition, Fragile, Presence};
pub(crate) use labels::{LabelFact, LabelFacts, VainMatch};
use promql::syntax::Expr;
pub(crate) use reads::reads;
pub(crate) use selectors::{MatcherFact, SelectorFact};
pub(crate) use values::{MisuseReason, RawUse, ValueFacts, ValueKind, surely_counter};

/// What the analysis knows of one rule's expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Semantics<'a> {
    /// The labels of the result's series.
    pub(crate) result_labels: LabelFacts<'a>,
    /// `on (label)` matches on a label neither side carries.
    pub(crate) vain_matches: Vec<VainMatch<'a>>,
    /// The kinds of value computed, and counters and rates used wrongly.
    pub(crate) values: ValueFacts,
    /// Every selector of the expression, in the order of the text.
    pub(crate) selectors: Vec<SelectorFact<'a>>,
    /// What makes an alert of it fire, and its fragile constructs.
    pub(crate) condition: Condition,
}

impl<'a> Semantics<'a> {
    /// `counter_suffixes` end the names of series that are certainly counters.
    pub(crate) fn of(expr: &'a Expr, counter_suffixes: &[String]) -> Semantics<'a> {
        Semantics {
            result_labels: labels::result_labels(expr),
            vain_matches: labels::vain_matches(expr),
            values: values::value_facts(expr, counter_suffixes),
            selectors: selectors::selectors(expr),
            condition: condition::condition(expr),
        }
    }
}

/// The expression inside any parentheses around it.
fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}
