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
use crate::diagnostic::{Diagnostic, Severity};

pub const CHECK: Check = Check {
    id: "route/shadowed",
    summary: "a route that an earlier sibling always catches first",
    category: Category::Routing,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("route_shadowed.rs"),
    run: Some(run),
};

/// Whether every label set matching `later` surely matches `earlier` (sound, not complete).
fn implies(later: &[Matcher], earlier: &[Matcher]) -> bool {
    earlier.iter().all(|e| {
        if e.op == MatchType::Regexp && matches!(e.value.as_str(), ".*" | "(.*)") {
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

fn span_of(route: &Route) -> crate::source::Span {
    route.matchers.first().map_or(route.span, |m| m.span)
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(am) = ctx.alertmanager else {
        return;
    };
    am.route.walk(&mut Vec::new(), &mut |path, route| {
        for (j, later) in route.routes.iter().enumerate() {
            let shadow = route.routes[..j]
                .iter()
                .enumerate()
                .find(|(_, e)| !e.continue_ && implies(&later.matchers, &e.matchers));
            let Some((i, earlier)) = shadow else {
                continue;
            };
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
