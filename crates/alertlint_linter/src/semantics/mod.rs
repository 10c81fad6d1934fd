//! What a rule's PromQL expression means, beyond its syntax: worked out once per rule (the
//! checks' `Context::semantics`) and asked by the checks, so that no check walks the syntax
//! tree itself for it. One module per kind of fact:
//!
//! - [`labels`]: which labels the series of the result carry.
//! - [`condition`]: what makes an alert fire (comparisons, filters, presence) and its fragile constructs.

mod condition;
mod labels;

pub(crate) use condition::{Comparison, Condition, Fragile};
pub(crate) use labels::{LabelFact, LabelFacts};
use promql::syntax::Expr;

/// What the analysis knows of one rule's expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Semantics {
    /// The labels of the result's series.
    pub(crate) result_labels: LabelFacts,
    /// What makes an alert of it fire, and its fragile constructs.
    pub(crate) condition: Condition,
}

impl Semantics {
    pub(crate) fn of(expr: &Expr) -> Semantics {
        Semantics {
            result_labels: labels::result_labels(expr),
            condition: condition::condition(expr),
        }
    }
}
