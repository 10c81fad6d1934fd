//! Why a test group that fails passes with Prometheus 2.x semantics. Only a failing group is
//! re-run, and only with the [`Difference`]s that could change its result (a `rate` for the
//! zero clamp, a newline in a label value for the regex `.`, ...). First with every change to
//! evaluation undone at once: if the test still fails, no single one of them makes it pass
//! (each changes something else), and a test failing for reasons of its own costs one run
//! more. If it passes, each is tried alone, and if none does it alone, the ones not needed are
//! left out one by one. The interval default changes what is loaded, not how it is computed,
//! and is tried alone, then with the rest. At most 2n + 1 runs for n ≤ 5 such differences.

use super::compat::{Difference, Differences};
use super::model::{TestFile, TestGroup};
use super::rules::CompiledGroup;
use super::runner::run_group_as;
use promql::Expr;
use promql::syntax::AggOp;

/// The Prometheus 2.x behaviour a failing test passes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PassesWith {
    /// Any one of these differences switched back makes it pass.
    AnyOf(Vec<Difference>),
    /// These differences switched back together make it pass, and none can be left out.
    AllOf(Vec<Difference>),
}

impl PassesWith {
    pub(crate) fn differences(&self) -> &[Difference] {
        match self {
            PassesWith::AnyOf(d) | PassesWith::AllOf(d) => d,
        }
    }

    /// `any_of` or `all_of`, for the JSON report.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            PassesWith::AnyOf(_) => "any_of",
            PassesWith::AllOf(_) => "all_of",
        }
    }

    /// The hint a report prints: "passes with Prometheus 2 semantics: <why>".
    pub(crate) fn hint(&self) -> String {
        let reasons: Vec<&str> = self.differences().iter().map(|d| d.reason()).collect();
        match (self, reasons.as_slice()) {
            (_, [one]) => format!("passes with Prometheus 2 semantics: {one}"),
            (PassesWith::AnyOf(_), _) => format!(
                "passes with Prometheus 2 semantics, where any one of these is undone: {}",
                reasons.join("; ")
            ),
            (PassesWith::AllOf(_), _) => format!(
                "passes with Prometheus 2 semantics, where all of these are undone: {}",
                reasons.join("; ")
            ),
        }
    }
}

/// The differences beyond `base` that make `tg`, which fails with `base`, pass; `None` if
/// none do.
pub(crate) fn explain(
    file: &TestFile,
    groups: &[&CompiledGroup],
    tg: &TestGroup,
    base: Differences,
) -> Option<PassesWith> {
    let passes = |with: Differences| run_group_as(file, groups, tg, with).failures.is_empty();
    let candidates = Differences::of(
        Difference::ALL
            .into_iter()
            .filter(|d| !base.contains(*d) && could_matter(*d, groups, tg)),
    );
    let loading = Difference::IntervalDefault;
    let evaluation = candidates.without(loading);
    if evaluation != Differences::default() && passes(base.union(evaluation)) {
        let alone: Vec<Difference> = if evaluation.iter().count() == 1 {
            evaluation.iter().collect()
        } else {
            evaluation
                .iter()
                .filter(|d| passes(base.with(*d)))
                .collect()
        };
        if !alone.is_empty() {
            return Some(PassesWith::AnyOf(alone));
        }
        return Some(PassesWith::AllOf(fewest(evaluation, |d| {
            passes(base.union(d))
        })));
    }
    if !candidates.contains(loading) {
        return None;
    }
    if passes(base.with(loading)) {
        return Some(PassesWith::AnyOf(vec![loading]));
    }
    if evaluation == Differences::default() || !passes(base.union(candidates)) {
        return None;
    }
    Some(PassesWith::AllOf(fewest(candidates, |d| {
        passes(base.union(d))
    })))
}

/// `all`, which `passes`, less each difference it still passes without.
fn fewest(all: Differences, passes: impl Fn(Differences) -> bool) -> Vec<Difference> {
    let mut needed = all;
    for d in all.iter() {
        let fewer = needed.without(d);
        if passes(fewer) {
            needed = fewer;
        }
    }
    needed.iter().collect()
}

/// Whether switching `d` back could change what the group gives: what it changes appears in
/// the group's rules, expressions or input.
fn could_matter(d: Difference, groups: &[&CompiledGroup], tg: &TestGroup) -> bool {
    let exprs = || {
        groups
            .iter()
            .flat_map(|g| g.rules.iter().map(|r| &r.expr))
            .chain(tg.promql_tests.iter().map(|p| &p.expr))
    };
    match d {
        Difference::IntervalDefault => !tg.interval_given,
        Difference::LeftOpenWindows => true,
        Difference::ZeroClampAfterThreshold => exprs().any(|e| {
            any_node(e, &|n| {
                matches!(n, Expr::Call(c) if matches!(c.func.name, "rate" | "increase"))
            })
        }),
        Difference::NonFiniteDeviation => exprs().any(|e| {
            any_node(e, &|n| {
                matches!(n, Expr::Aggregate(a) if matches!(a.op, AggOp::Stddev | AggOp::Stdvar))
            })
        }),
        Difference::DotMatchesNewline => tg
            .input_series
            .iter()
            .any(|s| s.labels.iter().any(|(_, v)| v.contains('\n'))),
        // A file that loaded without it has no `holt_winters` to rename.
        Difference::HoltWintersRenamed => false,
    }
}

/// Whether `f` holds for `e` or any expression inside it.
fn any_node(e: &Expr, f: &impl Fn(&Expr) -> bool) -> bool {
    f(e) || match e {
        Expr::Number(_) | Expr::String(_) | Expr::Selector(_) | Expr::Matrix(_) => false,
        Expr::Subquery(s) => any_node(&s.expr, f),
        Expr::Call(c) => c.args.iter().any(|a| any_node(a, f)),
        Expr::Aggregate(a) => {
            a.param.as_ref().is_some_and(|p| any_node(p, f)) || any_node(&a.expr, f)
        }
        Expr::Binary(b) => any_node(&b.lhs, f) || any_node(&b.rhs, f),
        Expr::Unary(u) => any_node(&u.expr, f),
        Expr::Paren(p) => any_node(&p.expr, f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_reasons() {
        let one = PassesWith::AnyOf(vec![Difference::LeftOpenWindows]);
        assert_eq!(
            one.hint(),
            "passes with Prometheus 2 semantics: 3.0 made range selectors, subqueries and the \
             lookback delta left-open: a sample exactly at a window's start no longer counts \
             (prometheus#13904)"
        );
        let two = PassesWith::AllOf(vec![
            Difference::ZeroClampAfterThreshold,
            Difference::LeftOpenWindows,
        ]);
        assert!(two.hint().starts_with(
            "passes with Prometheus 2 semantics, where all of these are undone: 2.51"
        ));
        assert_eq!(two.kind(), "all_of");
    }

    fn group_outcome(text: &str) -> Option<PassesWith> {
        let source = alertlint_diagnostics::source::SourceFile::new("t.yml", text.to_string());
        let file = crate::model::parse_test_file(&source).expect("a valid test file");
        let tg = &file.tests[0];
        assert!(
            !run_group_as(&file, &[], tg, Differences::default())
                .failures
                .is_empty()
        );
        explain(&file, &[], tg, Differences::default())
    }

    /// One check needs the closed windows, another the zero deviation: neither alone makes
    /// the group pass, both do, and nothing else is needed.
    #[test]
    fn differences_needed_together_are_found_by_leaving_out_the_others() {
        let text = r"
tests:
  - interval: 1m
    input_series:
      - series: 'm'
        values: '0+1x5'
      - series: 'reading'
        values: 'Inf'
    promql_expr_test:
      - expr: count_over_time(m[2m])
        eval_time: 4m
        exp_samples: [{value: 3}]
      - expr: stddev(reading)
        eval_time: 0m
        exp_samples: [{value: 0}]
      - expr: increase(m[4m])
        eval_time: 4m
        exp_samples: [{value: 4}]
";
        assert_eq!(
            group_outcome(text),
            Some(PassesWith::AllOf(vec![
                Difference::LeftOpenWindows,
                Difference::NonFiniteDeviation
            ]))
        );
        // A check no 2.x semantics make pass.
        let wrong = text.replace("[{value: 4}]", "[{value: 5}]");
        assert_eq!(group_outcome(&wrong), None);
    }

    /// A group without `interval` that fails for a 3.x window: undoing the interval default
    /// as well would break it, and is not what it needs.
    #[test]
    fn the_interval_default_is_not_blamed_for_what_evaluation_changed() {
        let text = r"
tests:
  - input_series:
      - series: 'm'
        values: '0+1x5'
    promql_expr_test:
      - expr: count_over_time(m[2m])
        eval_time: 4m
        exp_samples: [{value: 3}]
";
        assert_eq!(
            group_outcome(text),
            Some(PassesWith::AnyOf(vec![Difference::LeftOpenWindows]))
        );
    }

    #[test]
    fn any_node_looks_inside_every_operand() {
        let e = promql::parse("sum(x) / on() group_left () -(max_over_time(rate(y[5m])[10m:]))")
            .expect("valid");
        let is_rate = |n: &Expr| matches!(n, Expr::Call(c) if c.func.name == "rate");
        assert!(any_node(&e, &is_rate));
        assert!(!any_node(
            &promql::parse("irate(y[5m])").expect("valid"),
            &is_rate
        ));
    }
}
