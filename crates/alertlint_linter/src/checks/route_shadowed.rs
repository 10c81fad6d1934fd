//! ## What it does
//! Reports routes that can never match because an earlier sibling without `continue: true`
//! matches every alert they would: Alertmanager stops at the first matching child.
//!
//! ## Why is this bad?
//! The shadowed route looks like it sends alerts somewhere (a pager, a team channel), and
//! reviewers trust it, but no alert ever reaches it. Typical causes are a broad route placed
//! before a narrow one, or a forgotten `continue: true`.
//!
//! ## Example
//! ```yaml
//! routes:
//!   - matchers: [team="fraud-ml"]
//!     receiver: fraud-ml-slack
//!   - matchers: [team="fraud-ml", severity="critical"]   # never reached
//!     receiver: fraud-ml-pager
//! ```
//!
//! ## Use instead
//! ```yaml
//! routes:
//!   - matchers: [team="fraud-ml", severity="critical"]
//!     receiver: fraud-ml-pager
//!   - matchers: [team="fraud-ml"]
//!     receiver: fraud-ml-slack
//! ```

use super::{Category, Check, Context};
use crate::alertmanager::{MatchType, Matcher, Route, path_name};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use std::collections::HashMap;

pub(super) const CHECK: Check = Check {
    id: "route/shadowed",
    summary: "a route that an earlier sibling always catches first",
    category: Category::Routing,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("route_shadowed.rs"),
    run: Some(run),
};

/// A matcher that accepts every value (`=~".*"`): it never narrows a route.
fn accepts_all(m: &Matcher) -> bool {
    m.op == MatchType::Regexp && matches!(m.value.as_str(), ".*" | "(.*)")
}

/// Whether every label set matching `later` surely matches `earlier` (sound, not complete).
fn implies(later: &[Matcher], earlier: &[Matcher]) -> bool {
    earlier.iter().all(|e| {
        if accepts_all(e) {
            return true;
        }
        later.iter().any(|l| {
            l.name == e.name
                && ((l.op == e.op && l.value == e.value)
                    || l.finite_values()
                        .is_some_and(|vs| vs.iter().all(|v| e.matches_value(v))))
        })
    })
}

/// The siblings that may shadow others (those without `continue`), indexed so that a route is
/// compared only with the earlier siblings that can imply it, not with all of them (20,000
/// sibling routes made 200 million comparisons).
///
/// `implies(later, earlier)` needs, for each matcher `e` of `earlier` that does not accept
/// everything, a matcher `l` of `later` on the same label that is the same as `e` or accepts
/// only values that `e` accepts. So each earlier route is filed under one such matcher, its
/// *key*, and found through it:
/// - a key accepting a finite set of values (`team="a"`, `team=~"a|b"`, which accepts exactly
///   `a` and `b`) is filed under each of them: any `l` that qualifies accepts only values of
///   the set (the same matcher accepts the same set), so its first value finds the route;
/// - any other key (`!=`, `!~`, a pattern) is filed under its exact form, found by the same
///   matcher, and under its label, found by every matcher with finite values on that label;
/// - a route without a key catches every later sibling.
///
/// The candidates found are a superset of the routes that imply the later one; each is then
/// checked with [`implies`], earliest first, so the finding is the one the plain scan of all
/// earlier siblings makes (the tests hold the two to it on random trees).
struct Siblings<'r> {
    routes: &'r [Route],
    /// The finite values each matcher of each route accepts, if it is obviously finite.
    finite: &'r [Vec<Option<Vec<String>>>],
    catch_all: Vec<usize>,
    by_value: HashMap<(&'r str, &'r str), Vec<usize>>,
    open_by_name: HashMap<&'r str, Vec<usize>>,
    open_exact: HashMap<(&'r str, MatchType, &'r str), Vec<usize>>,
}

impl<'r> Siblings<'r> {
    /// The finite values of each matcher of each route, for [`Siblings::new`].
    fn finite_values(routes: &[Route]) -> Vec<Vec<Option<Vec<String>>>> {
        routes
            .iter()
            .map(|r| r.matchers.iter().map(Matcher::finite_values).collect())
            .collect()
    }

    fn new(routes: &'r [Route], finite: &'r [Vec<Option<Vec<String>>>]) -> Self {
        // How often each bucket would be looked into, over all siblings as later routes: a
        // route is filed under the key that puts it in the least visited buckets.
        let mut value_hits: HashMap<(&str, &str), usize> = HashMap::new();
        let mut name_hits: HashMap<&str, usize> = HashMap::new();
        let mut exact_hits: HashMap<(&str, MatchType, &str), usize> = HashMap::new();
        for (r, fs) in routes.iter().zip(finite) {
            for (m, f) in r.matchers.iter().zip(fs) {
                if let Some(first) = f.as_ref().and_then(|vs| vs.first()) {
                    *value_hits.entry((&m.name, first)).or_default() += 1;
                    *name_hits.entry(&m.name).or_default() += 1;
                }
                *exact_hits.entry((&m.name, m.op, &m.value)).or_default() += 1;
            }
        }
        let mut s = Siblings {
            routes,
            finite,
            catch_all: Vec::new(),
            by_value: HashMap::new(),
            open_by_name: HashMap::new(),
            open_exact: HashMap::new(),
        };
        for (i, (r, fs)) in routes.iter().zip(finite).enumerate() {
            if r.continue_ {
                continue;
            }
            let cost = |m: &Matcher, f: &Option<Vec<String>>| -> usize {
                match f {
                    Some(vs) => vs
                        .iter()
                        .map(|v| {
                            value_hits
                                .get(&(m.name.as_str(), v.as_str()))
                                .copied()
                                .unwrap_or(0)
                        })
                        .sum(),
                    None => {
                        name_hits.get(m.name.as_str()).copied().unwrap_or(0)
                            + exact_hits
                                .get(&(m.name.as_str(), m.op, m.value.as_str()))
                                .copied()
                                .unwrap_or(0)
                    }
                }
            };
            let key = r
                .matchers
                .iter()
                .zip(fs)
                .filter(|(m, _)| !accepts_all(m))
                .min_by_key(|&(m, f)| cost(m, f));
            match key {
                None => s.catch_all.push(i),
                Some((m, Some(vs))) => {
                    for v in vs {
                        let bucket = s.by_value.entry((&m.name, v)).or_default();
                        if bucket.last() != Some(&i) {
                            bucket.push(i);
                        }
                    }
                }
                Some((m, None)) => {
                    s.open_by_name.entry(&m.name).or_default().push(i);
                    s.open_exact
                        .entry((&m.name, m.op, &m.value))
                        .or_default()
                        .push(i);
                }
            }
        }
        s
    }

    /// The first earlier sibling without `continue` that catches every alert route `j` would.
    fn shadow_of(&self, j: usize, candidates: &mut Vec<usize>) -> Option<usize> {
        let later = &self.routes[j];
        candidates.clear();
        let mut add = |list: Option<&Vec<usize>>| {
            if let Some(list) = list {
                // Filed in order: the earlier ones are a prefix.
                candidates.extend_from_slice(&list[..list.partition_point(|&i| i < j)]);
            }
        };
        add(Some(&self.catch_all));
        for (l, f) in later.matchers.iter().zip(&self.finite[j]) {
            if let Some(first) = f.as_ref().and_then(|vs| vs.first()) {
                add(self.by_value.get(&(l.name.as_str(), first.as_str())));
                add(self.open_by_name.get(l.name.as_str()));
            }
            add(self
                .open_exact
                .get(&(l.name.as_str(), l.op, l.value.as_str())));
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .iter()
            .copied()
            .find(|&i| implies(&later.matchers, &self.routes[i].matchers))
    }
}

fn span_of(route: &Route) -> alertlint_diagnostics::source::Span {
    route.matchers.first().map_or(route.span, |m| m.span)
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    let mut candidates = Vec::new();
    am.route.walk(&mut Vec::new(), &mut |path, route| {
        if route.routes.len() < 2 {
            return;
        }
        let finite = Siblings::finite_values(&route.routes);
        let siblings = Siblings::new(&route.routes, &finite);
        for (j, later) in route.routes.iter().enumerate() {
            let Some(i) = siblings.shadow_of(j, &mut candidates) else {
                continue;
            };
            let earlier = &route.routes[i];
            let mut p = path.to_vec();
            p.push(i);
            let earlier_name = path_name(&p);
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &am.file,
                    span_of(later),
                    format!(
                        "this route can never match: `{earlier_name}` before it catches every alert it would"
                    ),
                )
                .with_help(
                    "move this route before the broader one, or give the broader one `continue: true`",
                )
                .with_related(&am.file, span_of(earlier), "the earlier, broader route"),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The check before the index: every later sibling against every earlier one.
    fn by_scan(route: &Route, path: &mut Vec<usize>, out: &mut Vec<(Vec<usize>, usize)>) {
        for (j, later) in route.routes.iter().enumerate() {
            let shadow = route.routes[..j]
                .iter()
                .position(|e| !e.continue_ && implies(&later.matchers, &e.matchers));
            if let Some(i) = shadow {
                let mut p = path.clone();
                p.push(j);
                out.push((p, i));
            }
        }
        for (j, child) in route.routes.iter().enumerate() {
            path.push(j);
            by_scan(child, path, out);
            path.pop();
        }
    }

    fn by_index(route: &Route) -> Vec<(Vec<usize>, usize)> {
        let mut out = Vec::new();
        let mut candidates = Vec::new();
        route.walk(&mut Vec::new(), &mut |path, r| {
            let finite = Siblings::finite_values(&r.routes);
            let siblings = Siblings::new(&r.routes, &finite);
            for j in 0..r.routes.len() {
                if let Some(i) = siblings.shadow_of(j, &mut candidates) {
                    let mut p = path.to_vec();
                    p.push(j);
                    out.push((p, i));
                }
            }
        });
        out
    }

    /// Matchers over few labels and values, so that routes often imply one another: equal
    /// and different values, finite alternations (with and without parentheses), patterns,
    /// `.*`, negations.
    fn matcher() -> impl Strategy<Value = Matcher> {
        let ops = prop_oneof![
            4 => Just(MatchType::Equal),
            1 => Just(MatchType::NotEqual),
            3 => Just(MatchType::Regexp),
            1 => Just(MatchType::NotRegexp),
        ];
        let names = prop_oneof![Just("team"), Just("severity"), Just("env")];
        let values = prop_oneof![
            Just("a"),
            Just("b"),
            Just("c"),
            Just(""),
            Just("a|b"),
            Just("(a|b)"),
            Just("b|c|a"),
            Just("a|a"),
            Just(".*"),
            Just("(.*)"),
            Just("a.*"),
            Just("[ab]"),
            Just("a|"),
        ];
        (ops, names, values).prop_map(|(op, name, value)| {
            Matcher::new(
                op,
                name,
                value,
                alertlint_diagnostics::source::Span::default(),
            )
            .expect("valid")
        })
    }

    fn tree(depth: u32) -> BoxedStrategy<Route> {
        let leaf = (
            prop::collection::vec(matcher(), 0..3),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(matchers, continue_)| Route {
                continue_,
                matchers,
                ..Route::default()
            });
        if depth == 0 {
            return leaf.boxed();
        }
        (leaf, prop::collection::vec(tree(depth - 1), 0..12))
            .prop_map(|(mut route, routes)| {
                route.routes = routes;
                route
            })
            .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The index finds exactly what comparing every pair of siblings finds.
        #[test]
        fn the_index_finds_what_the_scan_of_all_pairs_finds(root in tree(2)) {
            let mut want = Vec::new();
            by_scan(&root, &mut Vec::new(), &mut want);
            want.sort();
            let mut got = by_index(&root);
            got.sort();
            prop_assert_eq!(got, want);
        }
    }

    /// The case that was quadratic: 20,000 siblings, each with its own team, finds the one
    /// shadowed route by looking at a handful of candidates each.
    #[test]
    fn many_siblings_are_compared_with_few_candidates() {
        let m = |s: &str| crate::alertmanager::matcher::parse_matchers(s, alertlint_diagnostics::source::Span::default());
        let mut routes: Vec<Route> = (0..20_000)
            .map(|i| Route {
                matchers: m(&format!("team=\"t{i}\",severity=\"critical\"")).expect("valid"),
                ..Route::default()
            })
            .collect();
        routes.push(Route {
            matchers: m("team=\"t7\",severity=\"critical\",env=\"prod\"").expect("valid"),
            ..Route::default()
        });
        let finite = Siblings::finite_values(&routes);
        let siblings = Siblings::new(&routes, &finite);
        let mut candidates = Vec::new();
        let mut most = 0;
        let mut found = Vec::new();
        for j in 0..routes.len() {
            if let Some(i) = siblings.shadow_of(j, &mut candidates) {
                found.push((j, i));
            }
            most = most.max(candidates.len());
        }
        assert_eq!(found, [(20_000, 7)]);
        assert!(most <= 2, "{most} candidates for one route");
    }
}
