//! The input series a simulation writes ([`families`]): one family per thing the selectors
//! read (a counter, a gauge, or a classic histogram's `_bucket`/`_count`/`_sum` series), with
//! label sets that satisfy every matcher of the selectors reading them and that agree where
//! the expression groups or joins series; and the samples of a family over time, given the
//! level it is at ([`Timeline`]).

use crate::semantics::{MatcherFact, SelectorFact};
use promql::Labels;
use promql::syntax::MatchOp;
use std::collections::BTreeMap;

/// What a family's level means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A counter: the level is how fast it grows, per second.
    Counter,
    /// A gauge: the level is its value.
    Gauge,
    /// A classic histogram: the level is the value every observation has (one observation a
    /// second), so its quantiles are the level.
    Histogram,
}

impl Kind {
    /// What a level of this kind is, for reports.
    pub(crate) fn unit(self) -> &'static str {
        match self {
            Kind::Counter => "per second",
            Kind::Gauge => "",
            Kind::Histogram => "observed",
        }
    }
}

/// One series of a family and what its value is made of.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) labels: Labels,
    role: Role,
}

#[cfg(test)]
impl Member {
    /// A series that is its own value (a gauge, a counter, `up`).
    pub(crate) fn value(labels: Labels) -> Member {
        Member {
            labels,
            role: Role::Value,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// The counter or gauge itself.
    Value,
    /// A histogram bucket with this upper bound.
    Bucket(f64),
    Count,
    Sum,
}

/// A group of series whose values move together with one level.
#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub(crate) kind: Kind,
    pub(crate) members: Vec<Member>,
    /// The family as a selector, for reports (`http_requests_total{code="500"}`).
    pub(crate) text: String,
}

/// The upper bounds of a synthesized histogram's buckets: wide enough for thresholds in
/// seconds and in milliseconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0,
    100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

/// Observations a second in a synthesized histogram.
const OBSERVATIONS_PER_SECOND: f64 = 1.0;

/// Why no input series could be made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unsynthesizable(pub(crate) String);

/// Functions that only make sense of a counter: a selector they read is one.
const COUNTER_FUNCTIONS: &[&str] = &["rate", "irate", "increase", "resets"];

/// The families the `leaves` (selectors of raw series, in the order of the text) read.
/// `all` are every selector of the expressions evaluated (recorded series included: their
/// matchers say which label values the leaves must carry to reach them); `joined` the labels
/// the expressions group or join on.
pub(crate) fn families(
    leaves: &[&SelectorFact],
    all: &[&SelectorFact],
    joined: &[&str],
    counter_suffixes: &[String],
) -> Result<Vec<Family>, Unsynthesizable> {
    let shared = shared_values(all, joined);
    // The series each leaf selects, by family key: two leaves that would select the same
    // series read the same family.
    let mut out: Vec<Family> = Vec::new();
    let mut keys: Vec<(String, Labels)> = Vec::new();
    let bucket_bases: Vec<&str> = leaves
        .iter()
        .filter_map(|s| s.metric?.strip_suffix("_bucket"))
        .collect();
    for sel in leaves {
        let name = metric_name(sel)?;
        let labels = leaf_labels(sel, &shared)?;
        let histogram_part = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| {
                let base = name.strip_suffix(suffix)?;
                bucket_bases.contains(&base).then_some((base, *suffix))
            })
            .filter(|_| !sel.matchers.iter().any(|m| m.name == "__name__"));
        let (key, kind) = if let Some((base, _)) = histogram_part {
            (format!("{base}\u{0}histogram"), Kind::Histogram)
        } else {
            let counter = crate::semantics::surely_counter(&name, counter_suffixes)
                || sel.function.is_some_and(|f| COUNTER_FUNCTIONS.contains(&f));
            let kind = if counter { Kind::Counter } else { Kind::Gauge };
            (name.clone(), kind)
        };
        let family_labels = labels.filter(|n| n != "le" && n != "__name__");
        let known = keys
            .iter()
            .position(|k| *k == (key.clone(), family_labels.clone()));
        let index = known.unwrap_or_else(|| {
            keys.push((key.clone(), family_labels.clone()));
            out.push(Family {
                kind,
                members: Vec::new(),
                text: selector_text(&name, &family_labels),
            });
            out.len() - 1
        });
        let family = &mut out[index];
        if kind == Kind::Counter {
            // Read as a counter anywhere: it is one everywhere.
            family.kind = Kind::Counter;
        }
        match histogram_part {
            Some((base, "_bucket")) => {
                let mut bounds: Vec<f64> = BUCKETS.to_vec();
                // Bounds the matchers name (`le="0.3"`, `le=~"30(\\.0)?"`) are buckets too.
                bounds.extend(
                    named_bounds(sel).filter_map(|t| promql::notation::parse_float(&t).ok()),
                );
                bounds.push(f64::INFINITY);
                for le in bounds {
                    let text = le_text(le, sel);
                    let l = family_labels
                        .with("__name__", &format!("{base}_bucket"))
                        .with("le", &text);
                    family.push(l, Role::Bucket(le));
                }
                family.text = selector_text(&format!("{base}_bucket"), &family_labels);
            }
            Some((base, suffix)) => {
                let role = if suffix == "_count" {
                    Role::Count
                } else {
                    Role::Sum
                };
                family.push(
                    family_labels.with("__name__", &format!("{base}{suffix}")),
                    role,
                );
            }
            None => family.push(labels.with("__name__", &name), Role::Value),
        }
    }
    // Each leaf must select at least one series of what was made, or the simulation would
    // replay something other than the rule.
    for sel in leaves {
        let selected = out
            .iter()
            .flat_map(|f| &f.members)
            .any(|m| selects(sel, &m.labels));
        if !selected {
            return Err(Unsynthesizable(format!(
                "no series could be made that `{}` selects",
                selector_source(sel)
            )));
        }
    }
    Ok(out)
}

impl Family {
    fn push(&mut self, labels: Labels, role: Role) {
        if !self.members.iter().any(|m| m.labels == labels) {
            self.members.push(Member { labels, role });
        }
    }
}

/// The bucket bounds the `le` matchers of a selector ask for, as written (an example of
/// each regex).
fn named_bounds<'s>(sel: &'s SelectorFact) -> impl Iterator<Item = String> + 's {
    sel.matchers
        .iter()
        .filter(|m| m.name == "le")
        .filter_map(|m| match m.op {
            MatchOp::Equal => Some(m.value.to_string()),
            MatchOp::Regex => regex_example(m.value),
            _ => None,
        })
}

/// The text of a bucket bound: as a matcher wrote it when one names it, else Prometheus'
/// way of writing floats (`0.5`, `1`, `+Inf`).
fn le_text(le: f64, sel: &SelectorFact) -> String {
    if let Some(text) =
        named_bounds(sel).find(|t| promql::notation::parse_float(t).is_ok_and(|v| v == le))
    {
        return text;
    }
    if le.is_infinite() {
        "+Inf".to_string()
    } else {
        format!("{le}")
    }
}

/// A family as reports show it: its name and the labels the rule asked for (made-up values
/// of shared labels, `sim`, say nothing).
fn selector_text(name: &str, labels: &Labels) -> String {
    let inner: Vec<String> = labels
        .iter()
        .filter(|(n, v)| *n != "__name__" && !MADE_UP.contains(v))
        .map(|(n, v)| format!("{n}={v:?}"))
        .collect();
    if inner.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{}}}", inner.join(", "))
    }
}

fn selector_source(sel: &SelectorFact) -> String {
    let inner: Vec<String> = sel.matchers.iter().map(MatcherFact::text).collect();
    format!("{}{{{}}}", sel.metric.unwrap_or(""), inner.join(", "))
}

/// The metric name of a leaf's series: the one it names, or one its `__name__` matchers
/// accept.
fn metric_name(sel: &SelectorFact) -> Result<String, Unsynthesizable> {
    if let Some(m) = sel.metric {
        return Ok(m.to_string());
    }
    let constraints: Vec<(MatchOp, &str)> = sel
        .matchers
        .iter()
        .filter(|m| m.name == "__name__")
        .map(|m| (m.op, m.value))
        .collect();
    satisfying_value(&constraints, None)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            Unsynthesizable(format!(
                "no metric name satisfies the matchers of `{}`",
                selector_source(sel)
            ))
        })
}

/// The values given to labels no matcher asks a value of.
const MADE_UP: &[&str] = &["sim", "sim:9100"];

/// The value each shared label takes on every series that does not need another: the
/// labels of the target (`job`, `instance`, so that `up` and joins on them line up) and the
/// labels the expressions group or join on. Taken from the first matcher that asks for a
/// value, so that the series reach the selectors that name one.
fn shared_values(all: &[&SelectorFact], joined: &[&str]) -> BTreeMap<String, String> {
    let mut names: Vec<&str> = vec!["job", "instance"];
    names.extend(
        joined
            .iter()
            .copied()
            .filter(|n| *n != "le" && *n != "__name__"),
    );
    let mut out = BTreeMap::new();
    for name in names {
        if out.contains_key(name) {
            continue;
        }
        let mut value = None;
        for sel in all {
            let constraints: Vec<(MatchOp, &str)> = sel
                .matchers
                .iter()
                .filter(|m| m.name == name)
                .map(|m| (m.op, m.value))
                .collect();
            if constraints
                .iter()
                .any(|(op, _)| matches!(op, MatchOp::Equal | MatchOp::Regex))
            {
                value = satisfying_value(&constraints, None).filter(|v| !v.is_empty());
                if value.is_some() {
                    break;
                }
            }
        }
        let default = match name {
            "instance" => "sim:9100",
            _ => "sim",
        };
        out.insert(
            name.to_string(),
            value.unwrap_or_else(|| default.to_string()),
        );
    }
    out
}

/// The labels (without the name) of the series a leaf reads: every shared label (its own
/// value where its matchers reject the shared one) and every label its matchers need.
fn leaf_labels(
    sel: &SelectorFact,
    shared: &BTreeMap<String, String>,
) -> Result<Labels, Unsynthesizable> {
    let mut pairs: BTreeMap<String, String> = BTreeMap::new();
    let constraints_of = |name: &str| -> Vec<(MatchOp, &str)> {
        sel.matchers
            .iter()
            .filter(|m| m.name == name)
            .map(|m| (m.op, m.value))
            .collect()
    };
    for (name, value) in shared {
        let c = constraints_of(name);
        let v = satisfying_value(&c, Some(value)).ok_or_else(|| {
            Unsynthesizable(format!(
                "no value of `{name}` satisfies the matchers of `{}`",
                selector_source(sel)
            ))
        })?;
        pairs.insert(name.clone(), v);
    }
    for m in &sel.matchers {
        if m.name == "__name__" || pairs.contains_key(m.name) {
            continue;
        }
        let c = constraints_of(m.name);
        let v = satisfying_value(&c, None).ok_or_else(|| {
            Unsynthesizable(format!(
                "no value of `{}` satisfies the matchers of `{}`",
                m.name,
                selector_source(sel)
            ))
        })?;
        pairs.insert(m.name.to_string(), v);
    }
    Ok(Labels::from_pairs(
        pairs.into_iter().filter(|(_, v)| !v.is_empty()),
    ))
}

/// Whether `value` satisfies one matcher (an absent label is the empty value).
fn satisfies(op: MatchOp, pattern: &str, value: &str) -> bool {
    match op {
        MatchOp::Equal => value == pattern,
        MatchOp::NotEqual => value != pattern,
        MatchOp::Regex | MatchOp::NotRegex => {
            // Compiled once per pattern: every alert's selectors are matched against the
            // series of every other alert's gap.
            promql::syntax::matcher_regex_matches(pattern, value)
                .is_some_and(|m| m == (op == MatchOp::Regex))
        }
    }
}

/// A value satisfying every matcher of one label: `preferred` when it does, the empty
/// value (no label) when it does and nothing asks for one, else a value an equality or
/// regex matcher asks for, else a made-up one.
fn satisfying_value(constraints: &[(MatchOp, &str)], preferred: Option<&str>) -> Option<String> {
    let ok = |v: &str| constraints.iter().all(|(op, p)| satisfies(*op, p, v));
    let mut candidates: Vec<String> = Vec::new();
    if let Some(p) = preferred {
        candidates.push(p.to_string());
    } else {
        candidates.push(String::new());
    }
    for (op, p) in constraints {
        match op {
            MatchOp::Equal => candidates.push((*p).to_string()),
            MatchOp::Regex => candidates.extend(regex_example(p)),
            _ => {}
        }
    }
    candidates.extend(["sim", "sim-1", "x", "0"].map(String::from));
    candidates.into_iter().find(|v| ok(v))
}

/// A short string the (anchored) regex matches, made from its syntax: the first branch of
/// each alternation, each repetition at its minimum, a readable member of each class.
/// Checked by the caller against the compiled regex.
fn regex_example(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn class_char(c: &Class) -> Option<char> {
        match c {
            Class::Unicode(u) => {
                let contains =
                    |ch: char| u.ranges().iter().any(|r| r.start() <= ch && ch <= r.end());
                ['0', 'a', 'x', '1', '5', 'A', '_', '-', '.']
                    .into_iter()
                    .find(|&ch| contains(ch))
                    .or_else(|| {
                        u.ranges()
                            .first()
                            .map(regex_syntax::hir::ClassUnicodeRange::start)
                    })
            }
            Class::Bytes(b) => b
                .ranges()
                .first()
                .map(regex_syntax::hir::ClassBytesRange::start)
                .filter(u8::is_ascii)
                .map(char::from),
        }
    }
    fn walk(h: &Hir, out: &mut String, depth: usize) -> Option<()> {
        if depth > 100 || out.len() > 256 {
            return None;
        }
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(std::str::from_utf8(&l.0).ok()?),
            HirKind::Class(c) => out.push(class_char(c)?),
            HirKind::Repetition(r) => {
                for _ in 0..r.min.min(64) {
                    walk(&r.sub, out, depth + 1)?;
                }
            }
            HirKind::Capture(c) => walk(&c.sub, out, depth + 1)?,
            HirKind::Concat(parts) => {
                for p in parts {
                    walk(p, out, depth + 1)?;
                }
            }
            HirKind::Alternation(alts) => walk(alts.first()?, out, depth + 1)?,
        }
        Some(())
    }
    let hir = regex_syntax::ParserBuilder::new()
        .dot_matches_new_line(true)
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = String::new();
    walk(&hir, &mut out, 0)?;
    Some(out)
}

/// Whether a selector selects a series with these labels (its name and every matcher).
pub(crate) fn selects(sel: &SelectorFact, labels: &Labels) -> bool {
    if let Some(m) = sel.metric
        && labels.metric_name() != Some(m)
    {
        return false;
    }
    sel.matchers
        .iter()
        .all(|m| satisfies(m.op, m.value, labels.get_or_empty(m.name)))
}

/// One stretch of a family's timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Level {
    /// The family is scraped and at this level.
    At(f64),
    /// The target is not scraped: the series end with a staleness marker.
    Gone,
    /// A counter restarts from zero at the stretch's first scrape, then grows at the level.
    Reset(f64),
}

/// Where a family is over time: `(from_ms, level)` stretches in time order, the first from 0.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timeline(pub(crate) Vec<(i64, Level)>);

impl Timeline {
    pub(crate) fn constant(level: f64) -> Timeline {
        Timeline(vec![(0, Level::At(level))])
    }

    fn at(&self, t_ms: i64) -> Level {
        let i = self.0.partition_point(|(from, _)| *from <= t_ms);
        self.0[i.saturating_sub(1)].1
    }
}

/// One sample of a synthesized series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value {
    Float(f64),
    Stale,
}

/// The samples of each member of `family` from 0 to `end_ms`, scraped every `scrape_ms` at
/// half a scrape past each multiple of it (scrapes and rule evaluations are not in step in
/// a real Prometheus; a sample exactly at a window's edge would also make the answer depend
/// on whether windows include their start, which Prometheus 2 and 3 answer differently).
pub(crate) fn samples(
    family: &Family,
    timeline: &Timeline,
    scrape_ms: i64,
    end_ms: i64,
) -> Vec<Vec<(i64, Value)>> {
    family
        .members
        .iter()
        .map(|m| member_samples(family.kind, m.role, timeline, scrape_ms, end_ms))
        .collect()
}

/// One input series of a scenario and its samples.
pub(crate) type SeriesSamples = (Labels, Vec<(i64, Value)>);

/// Every series of a scenario: each family's along its timeline, and the target's `up`
/// along `up_timeline` when the scenario moves it (in place of a family's member that is
/// that `up`). The replay stores them; `--emit-tests` writes them.
pub(crate) fn scenario_series(
    families: &[Family],
    timelines: &[Timeline],
    up: &Labels,
    up_timeline: Option<&Timeline>,
    scrape_ms: i64,
    end_ms: i64,
) -> Vec<SeriesSamples> {
    let mut out = Vec::new();
    for (f, tl) in families.iter().zip(timelines) {
        for (m, s) in f.members.iter().zip(samples(f, tl, scrape_ms, end_ms)) {
            if up_timeline.is_none() || m.labels != *up {
                out.push((m.labels.clone(), s));
            }
        }
    }
    if let Some(tl) = up_timeline {
        out.push((
            up.clone(),
            member_samples(Kind::Gauge, Role::Value, tl, scrape_ms, end_ms),
        ));
    }
    out
}

/// The first scrape of a simulation, and each next one a scrape later.
pub(crate) fn scrape_phase(scrape_ms: i64) -> i64 {
    scrape_ms / 2
}

fn member_samples(
    kind: Kind,
    role: Role,
    timeline: &Timeline,
    scrape_ms: i64,
    end_ms: i64,
) -> Vec<(i64, Value)> {
    let mut out = Vec::new();
    let mut total = 0.0;
    let mut gone = false;
    let mut t = scrape_phase(scrape_ms);
    let seconds = scrape_ms as f64 / 1000.0;
    let mut stretch = usize::MAX;
    while t <= end_ms {
        let level = timeline.at(t);
        let index = timeline.0.partition_point(|(from, _)| *from <= t);
        let entered = index != stretch;
        stretch = index;
        match level {
            Level::Gone => {
                if !gone {
                    out.push((t, Value::Stale));
                    gone = true;
                }
            }
            Level::At(x) | Level::Reset(x) => {
                gone = false;
                if matches!(level, Level::Reset(_)) && entered {
                    total = 0.0;
                }
                let v = match (kind, role) {
                    (Kind::Gauge, _) => x,
                    (_, Role::Value) => {
                        total += x * seconds;
                        total
                    }
                    (_, Role::Bucket(le)) => {
                        if x <= le {
                            total += OBSERVATIONS_PER_SECOND * seconds;
                        }
                        total
                    }
                    (_, Role::Count) => {
                        total += OBSERVATIONS_PER_SECOND * seconds;
                        total
                    }
                    (_, Role::Sum) => {
                        total += OBSERVATIONS_PER_SECOND * seconds * x;
                        total
                    }
                };
                out.push((t, Value::Float(v)));
            }
        }
        t += scrape_ms;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_examples_match_their_regex() {
        for p in [
            "5..",
            "4..|5..",
            "(api|web)-.*",
            ".+",
            "prod",
            "[0-9]{3}",
            "a?b*c+",
        ] {
            let v = regex_example(p).expect(p);
            assert!(satisfies(MatchOp::Regex, p, &v), "{p}: {v:?}");
        }
        assert_eq!(regex_example("5..").as_deref(), Some("500"));
    }

    #[test]
    fn a_value_satisfies_every_matcher_or_none_is_found() {
        let c = [(MatchOp::Regex, "5.."), (MatchOp::NotEqual, "500")];
        let v = satisfying_value(&c, None);
        assert_eq!(v, None, "only made-up values beyond the examples");
        let c = [(MatchOp::NotEqual, "")];
        assert_eq!(satisfying_value(&c, None).as_deref(), Some("sim"));
        // A shared label the selector refuses the shared value of keeps a value of its own.
        let c = [(MatchOp::NotRegex, "sim")];
        assert_eq!(satisfying_value(&c, Some("sim")).as_deref(), Some("sim-1"));
        // Without a shared value, a label nothing asks for is left out.
        assert_eq!(satisfying_value(&c, None).as_deref(), Some(""));
    }

    #[test]
    fn counters_grow_at_their_level_and_restart_on_reset() {
        let f = Family {
            kind: Kind::Counter,
            members: vec![Member {
                labels: Labels::from_pairs([("__name__", "x_total")]),
                role: Role::Value,
            }],
            text: "x_total".into(),
        };
        let tl = Timeline(vec![
            (0, Level::At(1.0)),
            (60_000, Level::Reset(2.0)),
            (120_000, Level::Gone),
        ]);
        let s = &samples(&f, &tl, 30_000, 150_000)[0];
        assert_eq!(
            s,
            &vec![
                (15_000, Value::Float(30.0)),
                (45_000, Value::Float(60.0)),
                (75_000, Value::Float(60.0)),
                (105_000, Value::Float(120.0)),
                (135_000, Value::Stale),
            ]
        );
    }
}
