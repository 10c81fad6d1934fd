//! Which labels the series of a rule's result carry ([`result_labels`]). Every answer is
//! conservative: a label is [`LabelFact::Absent`] or [`LabelFact::Present`] only when
//! Prometheus' evaluation guarantees it, whatever the data; anything else is
//! [`LabelFact::Unknown`]. A bare selector may return series with any label.

use super::unparen;
use promql::syntax::{AggOp, BinOp, Call, Expr, MatchOp, Span, ValueType, VectorSelector};

/// A map from label names to `V`, sorted by name. Hand-written over a `Vec` rather than a
/// `BTreeMap`: an expression names a handful of labels, and a `BTreeMap` allocates a node of
/// eleven slots for each map, for every sub-expression of every rule.
#[derive(Debug, Clone, PartialEq, Default)]
struct LabelMap<'a, V> {
    entries: Vec<(&'a str, V)>,
}

impl<'a, V: Copy> LabelMap<'a, V> {
    fn new() -> Self {
        LabelMap {
            entries: Vec::new(),
        }
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(n, _)| (*n).cmp(name))
    }

    fn get(&self, name: &str) -> Option<V> {
        self.find(name).ok().map(|i| self.entries[i].1)
    }

    fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    fn insert(&mut self, name: &'a str, value: V) {
        match self.find(name) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (name, value)),
        }
    }

    fn remove(&mut self, name: &str) {
        if let Ok(i) = self.find(name) {
            self.entries.remove(i);
        }
    }

    fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.entries.iter().map(|(n, _)| *n)
    }

    fn iter(&self) -> impl Iterator<Item = (&'a str, V)> + '_ {
        self.entries.iter().copied()
    }
}

impl<'a, V: Copy> FromIterator<(&'a str, V)> for LabelMap<'a, V> {
    /// Later entries win over earlier ones with the same name.
    fn from_iter<I: IntoIterator<Item = (&'a str, V)>>(iter: I) -> Self {
        let mut map = LabelMap::new();
        for (n, v) in iter {
            map.insert(n, v);
        }
        map
    }
}

/// What is known of one label of every series of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelFact {
    /// Every series carries it (with a non-empty value).
    Present,
    /// No series carries it; the span (in the expression) is the clause that removes it.
    Absent(Span),
    /// It may or may not be there.
    Unknown,
}

impl LabelFact {
    /// What is known of a label that comes from either of two results (`or`).
    fn either(self, other: LabelFact) -> LabelFact {
        match (self, other) {
            (LabelFact::Present, LabelFact::Present) => LabelFact::Present,
            (LabelFact::Absent(s), LabelFact::Absent(_)) => LabelFact::Absent(s),
            _ => LabelFact::Unknown,
        }
    }
}

/// What is known of the labels of every series of a result: a fact per label named by the
/// expression, and one for every other label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LabelFacts<'a> {
    /// Names and values borrow from the syntax tree, which lives as long as the rules.
    named: LabelMap<'a, LabelFact>,
    /// Never [`LabelFact::Present`]: a label no clause names cannot be known to be there.
    others: LabelFact,
    /// The value of a [`LabelFact::Present`] label, where every series has the same one
    /// (`up{job="api"}`: `job` is `api`). Routing reads these as alert labels.
    values: LabelMap<'a, &'a str>,
}

impl<'a> LabelFacts<'a> {
    /// Nothing known: any label may be there.
    fn unknown() -> LabelFacts<'a> {
        LabelFacts {
            named: LabelMap::new(),
            others: LabelFact::Unknown,
            values: LabelMap::new(),
        }
    }

    /// No labels at all, because of the clause at `span`.
    fn none(span: Span) -> LabelFacts<'a> {
        LabelFacts {
            named: LabelMap::new(),
            others: LabelFact::Absent(span),
            values: LabelMap::new(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> LabelFact {
        self.named.get(name).unwrap_or(self.others)
    }

    /// The labels every series carries with one known value, with it.
    pub(crate) fn known_values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter()
    }

    /// Sets what is known of `name`; its value is no longer known.
    fn set(&mut self, name: &'a str, fact: LabelFact) {
        self.named.insert(name, fact);
        self.values.remove(name);
    }

    /// Every series carries `name` with this (non-empty) value.
    fn set_value(&mut self, name: &'a str, value: &'a str) {
        self.named.insert(name, LabelFact::Present);
        self.values.insert(name, value);
    }

    /// Only `names` kept, as they were; every other label removed by the clause at `span`.
    fn keep_only(&self, names: impl IntoIterator<Item = &'a str>, span: Span) -> LabelFacts<'a> {
        let named: LabelMap<'a, LabelFact> = names.into_iter().map(|n| (n, self.get(n))).collect();
        let values = self
            .values
            .iter()
            .filter(|(n, _)| named.contains_key(n))
            .collect();
        LabelFacts {
            named,
            others: LabelFact::Absent(span),
            values,
        }
    }

    /// The labels of series that come from either result.
    fn either(&self, other: &LabelFacts<'a>) -> LabelFacts<'a> {
        let named = self
            .named
            .keys()
            .chain(other.named.keys())
            .map(|n| (n, self.get(n).either(other.get(n))))
            .collect();
        let values = self
            .values
            .iter()
            .filter(|(n, v)| other.values.get(n) == Some(*v))
            .collect();
        LabelFacts {
            named,
            others: self.others.either(other.others),
            values,
        }
    }

    /// When the result can carry only a known list of labels: those labels (the ones not
    /// known to be absent), sorted. `None` when any other label may be there too.
    pub(crate) fn only_labels(&self) -> Option<Vec<&str>> {
        matches!(self.others, LabelFact::Absent(_)).then(|| {
            self.named
                .iter()
                .filter(|(_, f)| !matches!(f, LabelFact::Absent(_)))
                .map(|(n, _)| n)
                .collect()
        })
    }
}

/// The labels the series of an expression's result carry. `__name__` is not modelled.
pub(crate) fn result_labels(expr: &Expr) -> LabelFacts<'_> {
    match expr {
        Expr::Number(n) => LabelFacts::none(n.span),
        Expr::String(s) => LabelFacts::none(s.span),
        Expr::Selector(v) => selector_labels(v),
        Expr::Matrix(m) => selector_labels(&m.selector),
        Expr::Subquery(s) => result_labels(&s.expr),
        Expr::Paren(p) => result_labels(&p.expr),
        Expr::Unary(u) => result_labels(&u.expr),
        Expr::Call(c) => call_labels(c),
        Expr::Aggregate(a) => {
            let inner = || result_labels(&a.expr);
            if matches!(
                a.op,
                AggOp::Topk | AggOp::Bottomk | AggOp::Limitk | AggOp::LimitRatio
            ) {
                // These pick series; they keep every label.
                return inner();
            }
            let mut facts = match &a.grouping {
                None => LabelFacts::none(a.op_span),
                Some(g) => {
                    let span = g.keyword.to(g.parens);
                    if g.without {
                        let mut facts = inner();
                        for l in &g.labels {
                            facts.set(&l.name, LabelFact::Absent(span));
                        }
                        facts
                    } else {
                        inner().keep_only(g.labels.iter().map(|l| l.name.as_str()), span)
                    }
                }
            };
            if a.op == AggOp::CountValues {
                // Its label is set to each value (never empty) counted.
                match a.param.as_ref().map(unparen) {
                    Some(Expr::String(s)) => facts.set(&s.value, LabelFact::Present),
                    _ => return LabelFacts::unknown(),
                }
            }
            facts
        }
        Expr::Binary(b) => {
            let lhs_vector = is_vector(&b.lhs);
            let rhs_vector = is_vector(&b.rhs);
            if !rhs_vector {
                // Vector or scalar against a scalar: the lhs' series, or none.
                return result_labels(&b.lhs);
            }
            if !lhs_vector {
                return result_labels(&b.rhs);
            }
            match b.op {
                BinOp::And | BinOp::Unless => result_labels(&b.lhs),
                BinOp::Or => result_labels(&b.lhs).either(&result_labels(&b.rhs)),
                // `fill` (experimental) makes series of one side alone: not modelled.
                _ if b.fill.is_some() => LabelFacts::unknown(),
                _ => {
                    if let Some(g) = &b.group {
                        // Many-to-one: the "many" side's labels, and the `group_x` labels
                        // taken from the "one" side (removed where it does not have them).
                        let (many, one) = if g.left {
                            (&b.lhs, &b.rhs)
                        } else {
                            (&b.rhs, &b.lhs)
                        };
                        let mut facts = result_labels(many);
                        if !g.labels.is_empty() {
                            let one = result_labels(one);
                            for l in &g.labels {
                                match one.values.get(l.name.as_str()) {
                                    Some(v) => facts.set_value(&l.name, v),
                                    None => facts.set(&l.name, one.get(&l.name)),
                                }
                            }
                        }
                        return facts;
                    }
                    let lhs = result_labels(&b.lhs);
                    match &b.matching {
                        None => lhs,
                        Some(m) => {
                            let span = m.keyword.to(m.parens);
                            if m.on {
                                lhs.keep_only(m.labels.iter().map(|l| l.name.as_str()), span)
                            } else {
                                let mut facts = lhs;
                                for l in &m.labels {
                                    facts.set(&l.name, LabelFact::Absent(span));
                                }
                                facts
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A label of `on (...)` or `ignoring (...)` that neither side of the operation can carry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VainMatch<'a> {
    pub(crate) label: &'a str,
    /// `on`, or `ignoring` when false.
    pub(crate) on: bool,
    /// The label in the `on (...)` or `ignoring (...)` list.
    pub(crate) span: Span,
    /// The clauses that drop it on the left and on the right.
    pub(crate) dropped: (Span, Span),
}

/// Every `on (label)` of a vector-vector operation where neither side can carry the label (the
/// match groups every series together), and every `ignoring (label)` where neither side can
/// (it ignores nothing: the sides match only if every other label agrees).
pub(crate) fn vain_matches(expr: &Expr) -> Vec<VainMatch<'_>> {
    let mut out = Vec::new();
    vain_walk(expr, &mut out);
    out
}

fn vain_walk<'a>(e: &'a Expr, out: &mut Vec<VainMatch<'a>>) {
    match e {
        Expr::Number(_) | Expr::String(_) | Expr::Selector(_) | Expr::Matrix(_) => {}
        Expr::Subquery(s) => vain_walk(&s.expr, out),
        Expr::Paren(p) => vain_walk(&p.expr, out),
        Expr::Unary(u) => vain_walk(&u.expr, out),
        Expr::Call(c) => c.args.iter().for_each(|a| vain_walk(a, out)),
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                vain_walk(p, out);
            }
            vain_walk(&a.expr, out);
        }
        Expr::Binary(b) => {
            vain_walk(&b.lhs, out);
            vain_walk(&b.rhs, out);
            let Some(m) = b.matching.as_ref() else {
                return;
            };
            if !is_vector(&b.lhs) || !is_vector(&b.rhs) {
                return;
            }
            let (lhs, rhs) = (result_labels(&b.lhs), result_labels(&b.rhs));
            for l in &m.labels {
                if let (LabelFact::Absent(a), LabelFact::Absent(b)) =
                    (lhs.get(&l.name), rhs.get(&l.name))
                {
                    out.push(VainMatch {
                        label: &l.name,
                        on: m.on,
                        span: l.span,
                        dropped: (a, b),
                    });
                }
            }
        }
    }
}

fn is_vector(e: &Expr) -> bool {
    matches!(e.value_type(), ValueType::Vector | ValueType::Matrix)
}

/// A selector's series: those of its equality matchers are known.
fn selector_labels(v: &VectorSelector) -> LabelFacts<'_> {
    let mut facts = LabelFacts::unknown();
    for m in &v.matchers {
        if m.name.name == "__name__" || m.op != MatchOp::Equal {
            continue;
        }
        if m.value.value.is_empty() {
            // `a=""` matches only series without `a`.
            facts.set(&m.name.name, LabelFact::Absent(m.span()));
        } else {
            facts.set_value(&m.name.name, &m.value.value);
        }
    }
    facts
}

fn call_labels(c: &Call) -> LabelFacts<'_> {
    match c.func.name {
        "absent" | "absent_over_time" => absent_labels(c),
        "histogram_quantile" => {
            let mut facts = c
                .args
                .get(1)
                .map_or_else(LabelFacts::unknown, result_labels);
            facts.set("le", LabelFact::Absent(c.name_span));
            facts
        }
        "label_replace" | "label_join" => {
            let mut facts = c
                .args
                .first()
                .map_or_else(LabelFacts::unknown, result_labels);
            match c.args.get(1).map(unparen) {
                // The label may be set, or removed (an empty replacement): unknown either way.
                Some(Expr::String(dst)) => facts.set(&dst.value, LabelFact::Unknown),
                _ => return LabelFacts::unknown(),
            }
            facts
        }
        // Adds the labels of info metrics.
        "info" => LabelFacts::unknown(),
        _ if c.func.return_type != ValueType::Vector => LabelFacts::none(c.name_span),
        // Every other function returning a vector keeps the labels of its vector argument
        // (`rate`, `abs`, `sort_by_label`...), or has none (`vector(1)`).
        _ => c
            .args
            .iter()
            .find(|a| is_vector(a))
            .map_or_else(|| LabelFacts::none(c.name_span), result_labels),
    }
}

/// `absent(v{...})`: Prometheus' `createLabelsForAbsentFunction`. The labels of the first
/// equality matcher of each name, unless another matcher names it too; nothing else.
fn absent_labels(c: &Call) -> LabelFacts<'_> {
    let mut facts = LabelFacts::none(c.name_span);
    let selector = match c.args.first() {
        Some(Expr::Selector(v)) => &**v,
        Some(Expr::Matrix(m)) => &m.selector,
        // Prometheus reads the argument as written: parentheses are not looked through by
        // every version. Not modelled.
        Some(Expr::Paren(_)) => return LabelFacts::unknown(),
        _ => return facts,
    };
    let mut seen = std::collections::HashSet::new();
    for m in &selector.matchers {
        if m.name.name == "__name__" {
            continue;
        }
        if m.op == MatchOp::Equal && seen.insert(m.name.name.as_str()) && !m.value.value.is_empty()
        {
            facts.set_value(&m.name.name, &m.value.value);
        } else {
            facts.set(&m.name.name, LabelFact::Absent(m.span()));
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree lives for the rest of the test run, as the facts borrow from it.
    fn facts(src: &str) -> LabelFacts<'static> {
        result_labels(Box::leak(Box::new(
            promql::parse(src).expect("valid PromQL"),
        )))
    }

    /// The fact of a label, with an absent label's span as the text it covers.
    fn fact<'s>(src: &'s str, label: &str) -> Result<&'static str, &'s str> {
        match facts(src).get(label) {
            LabelFact::Present => Ok("present"),
            LabelFact::Unknown => Ok("unknown"),
            LabelFact::Absent(s) => Err(&src[s.start..s.end]),
        }
    }

    const PRESENT: Result<&str, &str> = Ok("present");
    const UNKNOWN: Result<&str, &str> = Ok("unknown");

    #[test]
    fn selectors_know_only_their_equality_matchers() {
        let e = r#"up{job="api", instance=~"a.*", env!="x", gone=""}"#;
        assert_eq!(fact(e, "job"), PRESENT);
        assert_eq!(fact(e, "instance"), UNKNOWN);
        assert_eq!(fact(e, "env"), UNKNOWN);
        assert_eq!(fact(e, "gone"), Err(r#"gone="""#));
        assert_eq!(fact(e, "anything"), UNKNOWN);
        assert_eq!(facts(e).only_labels(), None);
        assert_eq!(fact(r#"rate(x{job="a"}[5m])"#, "job"), PRESENT);
        assert_eq!(fact(r#"rate(x{job="a"}[5m])"#, "pod"), UNKNOWN);
        assert_eq!(fact("max_over_time(rate(x[5m])[1h:])", "pod"), UNKNOWN);
    }

    #[test]
    fn aggregations_keep_only_their_grouping() {
        let e = r#"sum by (namespace, service) (rate(x{namespace="a"}[5m]))"#;
        assert_eq!(fact(e, "namespace"), PRESENT);
        assert_eq!(fact(e, "service"), UNKNOWN);
        assert_eq!(fact(e, "job"), Err("by (namespace, service)"));
        assert_eq!(facts(e).only_labels(), Some(vec!["namespace", "service"]));
        assert_eq!(fact("sum(rate(x[5m]))", "job"), Err("sum"));
        assert_eq!(facts("count(x) > 3").only_labels(), Some(vec![]));
        assert_eq!(fact("count(x) > 3", "instance"), Err("count"));
        assert_eq!(fact("sum(x) by (job)", "pod"), Err("by (job)"));
        // A label the inner aggregation drops stays dropped.
        assert_eq!(fact("max by (job) (sum(x))", "job"), Err("sum"));
        let without = "avg without (instance, pod) (x)";
        assert_eq!(fact(without, "pod"), Err("without (instance, pod)"));
        assert_eq!(fact(without, "job"), UNKNOWN);
        assert_eq!(facts(without).only_labels(), None);
    }

    #[test]
    fn selecting_aggregations_keep_every_label() {
        assert_eq!(fact("topk(3, sum by (job) (x))", "job"), UNKNOWN);
        assert_eq!(fact("topk by (job) (3, x)", "pod"), UNKNOWN);
        assert_eq!(fact("bottomk(3, sum by (job) (x))", "pod"), Err("by (job)"));
    }

    #[test]
    fn count_values_adds_its_label() {
        let e = r#"count_values("version", build_info)"#;
        assert_eq!(fact(e, "version"), PRESENT);
        assert_eq!(fact(e, "job"), Err("count_values"));
        assert_eq!(facts(e).only_labels(), Some(vec!["version"]));
        let by = r#"count_values by (job) ("version", build_info)"#;
        assert_eq!(fact(by, "job"), UNKNOWN);
        assert_eq!(fact(by, "version"), PRESENT);
        assert_eq!(fact(by, "pod"), Err("by (job)"));
    }

    #[test]
    fn absent_carries_only_equality_matchers() {
        let e = r#"absent(up{job=~"api.*", env="prod"})"#;
        assert_eq!(fact(e, "job"), Err(r#"job=~"api.*""#));
        assert_eq!(fact(e, "env"), PRESENT);
        assert_eq!(fact(e, "instance"), Err("absent"));
        assert_eq!(facts(e).only_labels(), Some(vec!["env"]));
        // Two matchers of one name: Prometheus drops it.
        assert_eq!(
            fact(r#"absent(up{job="a", job!="b"})"#, "job"),
            Err(r#"job!="b""#)
        );
        let over_time = r#"absent_over_time(up{job="a"}[5m])"#;
        assert_eq!(fact(over_time, "job"), PRESENT);
        assert_eq!(fact(over_time, "pod"), Err("absent_over_time"));
        assert_eq!(fact("absent(sum by (job) (x))", "job"), Err("absent"));
        assert_eq!(fact(r#"absent((up{job="a"}))"#, "pod"), UNKNOWN);
    }

    #[test]
    fn scalars_carry_no_labels() {
        assert_eq!(fact("vector(1)", "job"), Err("vector"));
        assert_eq!(fact("vector(time())", "job"), Err("vector"));
        assert_eq!(fact("scalar(x)", "job"), Err("scalar"));
        assert_eq!(fact("time()", "job"), Err("time"));
        assert_eq!(fact("42", "job"), Err("42"));
        assert_eq!(fact("1 + 2", "job"), Err("1"));
    }

    #[test]
    fn histogram_quantile_drops_le() {
        let e = "histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))";
        assert_eq!(fact(e, "le"), Err("histogram_quantile"));
        assert_eq!(fact(e, "job"), UNKNOWN);
        assert_eq!(fact(e, "pod"), Err("by (le, job)"));
        assert_eq!(facts(e).only_labels(), Some(vec!["job"]));
        assert_eq!(
            fact("histogram_quantile(0.9, rate(x_bucket[5m]))", "pod"),
            UNKNOWN
        );
    }

    #[test]
    fn label_replace_and_join_may_set_their_label() {
        let e = r#"label_replace(sum by (job) (x), "svc", "$1", "job", "(.*)")"#;
        assert_eq!(fact(e, "svc"), UNKNOWN);
        assert_eq!(fact(e, "pod"), Err("by (job)"));
        let j = r#"label_join(sum(x), "id", "-", "a", "b")"#;
        assert_eq!(fact(j, "id"), UNKNOWN);
        assert_eq!(fact(j, "a"), Err("sum"));
        assert_eq!(facts(j).only_labels(), Some(vec!["id"]));
    }

    #[test]
    fn scalar_operands_keep_the_vector_side() {
        assert_eq!(fact("sum by (job) (x) > 3", "pod"), Err("by (job)"));
        assert_eq!(fact("3 < bool sum by (job) (x)", "pod"), Err("by (job)"));
        assert_eq!(fact("-sum(x) * 100", "job"), Err("sum"));
        assert_eq!(fact("x > 3", "job"), UNKNOWN);
    }

    #[test]
    fn set_operators() {
        let and = "sum by (job) (x) and on (job) y";
        assert_eq!(fact(and, "pod"), Err("by (job)"));
        assert_eq!(fact("sum by (job) (x) unless y", "pod"), Err("by (job)"));
        assert_eq!(fact("y unless sum by (job) (x)", "pod"), UNKNOWN);
        // `or`: absent only when absent on both sides.
        assert_eq!(fact("sum by (job) (x) or y", "pod"), UNKNOWN);
        let or = "sum by (job) (x) or sum by (job, pod) (y)";
        assert_eq!(fact(or, "pod"), UNKNOWN);
        assert_eq!(fact(or, "node"), Err("by (job)"));
        assert_eq!(facts(or).only_labels(), Some(vec!["job", "pod"]));
        let present = r#"x{job="a"} or y{job="b", pod="c"}"#;
        assert_eq!(fact(present, "job"), PRESENT);
        assert_eq!(fact(present, "pod"), UNKNOWN);
    }

    #[test]
    fn vector_matching() {
        assert_eq!(fact("x / y", "pod"), UNKNOWN);
        assert_eq!(fact(r#"x{job="a"} / y"#, "job"), PRESENT);
        let on = r#"x{pod="p"} / on (job, instance) y"#;
        assert_eq!(fact(on, "pod"), Err("on (job, instance)"));
        assert_eq!(fact(on, "job"), UNKNOWN);
        assert_eq!(facts(on).only_labels(), Some(vec!["instance", "job"]));
        let ignoring = "x / ignoring (pod) y";
        assert_eq!(fact(ignoring, "pod"), Err("ignoring (pod)"));
        assert_eq!(fact(ignoring, "job"), UNKNOWN);
        assert_eq!(fact("x == on () y", "job"), Err("on ()"));
    }

    #[test]
    fn group_modifiers_take_labels_from_the_one_side() {
        // Many-to-one matching keeps the many side's labels, `on` or not.
        let left = r#"sum by (job, pod) (x) * on (job) group_left (team) y{team="a"}"#;
        assert_eq!(fact(left, "pod"), UNKNOWN);
        assert_eq!(fact(left, "team"), PRESENT);
        assert_eq!(fact(left, "node"), Err("by (job, pod)"));
        let from_nothing = "x * on (job) group_left (team) sum by (job) (y)";
        assert_eq!(fact(from_nothing, "team"), Err("by (job)"));
        assert_eq!(fact("x * on (job) group_left (team) y", "team"), UNKNOWN);
        let right = "sum by (job) (y) * on (job) group_right sum by (job, pod) (x)";
        assert_eq!(fact(right, "pod"), UNKNOWN);
        assert_eq!(fact(right, "node"), Err("by (job, pod)"));
    }

    #[test]
    fn other_functions_keep_their_arguments_labels() {
        assert_eq!(fact("abs(sum by (job) (x))", "pod"), Err("by (job)"));
        assert_eq!(
            fact("clamp_max(sum by (job) (x), 3)", "job"),
            fact("sum by (job) (x)", "job")
        );
        assert_eq!(fact("sort_desc(sum by (job) (x))", "pod"), Err("by (job)"));
        assert_eq!(fact("timestamp(sum(x))", "job"), Err("sum"));
    }

    /// The values every series carries, for routing: kept through `by`, vector-scalar
    /// operations and functions; lost where the label is dropped or may differ.
    #[test]
    fn known_values_follow_the_labels() {
        let values = |src: &str| -> Vec<(String, String)> {
            facts(src)
                .known_values()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let kv = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect()
        };
        assert_eq!(
            values(r#"up{job="api", team="core", env=~"p.*"} == 0"#),
            kv(&[("job", "api"), ("team", "core")])
        );
        assert_eq!(
            values(r#"sum by (team) (rate(x{job="api", team="core"}[5m])) > 1"#),
            kv(&[("team", "core")])
        );
        assert_eq!(values(r#"sum(x{team="core"})"#), kv(&[]));
        assert_eq!(values(r#"absent(up{job="api", job="b"})"#), kv(&[]));
        assert_eq!(values(r#"absent(up{job="api"})"#), kv(&[("job", "api")]));
        assert_eq!(
            values(r#"x{team="a"} or y{team="a"}"#),
            kv(&[("team", "a")])
        );
        assert_eq!(values(r#"x{team="a"} or y{team="b"}"#), kv(&[]));
        assert_eq!(
            values(r#"label_replace(x{team="a"}, "team", "b", "", "")"#),
            kv(&[])
        );
        assert_eq!(
            values(r#"x{a="1"} * on (a) group_left (team) y{team="t"}"#),
            kv(&[("a", "1"), ("team", "t")])
        );
    }

    #[test]
    fn on_labels_that_neither_side_carries() {
        let src = "sum by (job) (a) / on (instance) sum by (job) (b)";
        let expr: &'static promql::Expr =
            Box::leak(Box::new(promql::parse(src).expect("valid PromQL")));
        let vain = vain_matches(expr);
        assert_eq!(vain.len(), 1);
        assert_eq!(vain[0].label, "instance");
        assert_eq!(&src[vain[0].dropped.0.range()], "by (job)");
        // One side may carry it: not vain.
        let ok: &'static promql::Expr = Box::leak(Box::new(
            promql::parse("sum by (job) (a) / on (instance) b").expect("valid PromQL"),
        ));
        assert!(vain_matches(ok).is_empty());
        let ok: &'static promql::Expr = Box::leak(Box::new(
            promql::parse("sum by (job) (a) / on (job) sum by (job) (b)").expect("valid PromQL"),
        ));
        assert!(vain_matches(ok).is_empty());
    }

    #[test]
    fn ignoring_labels_that_neither_side_carries() {
        let src = "sum by (job) (a) / ignoring (instance) sum without (instance) (b)";
        let expr: &'static promql::Expr =
            Box::leak(Box::new(promql::parse(src).expect("valid PromQL")));
        let vain = vain_matches(expr);
        assert_eq!(vain.len(), 1);
        assert!(!vain[0].on);
        assert_eq!(&src[vain[0].span.range()], "instance");
        assert_eq!(&src[vain[0].dropped.1.range()], "without (instance)");
        // The label a side may still carry is what `ignoring` is for.
        for ok in [
            "sum by (job, instance) (a) / ignoring (instance) sum by (job) (b)",
            "a / ignoring (instance) sum by (job) (b)",
            "sum by (job) (a) / ignoring (code) b",
        ] {
            let ok: &'static promql::Expr =
                Box::leak(Box::new(promql::parse(ok).expect("valid PromQL")));
            assert!(vain_matches(ok).is_empty(), "{ok}");
        }
    }
}
