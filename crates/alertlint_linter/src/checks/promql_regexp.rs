//! ## What it does
//! Reports regex matchers that say more, or less, than they seem to:
//!
//! - a regex without any regex syntax (`job=~"api"`, `env!~"dev"`): it is an equality, write
//!   `job="api"` (`env!="dev"`);
//! - anchors (`job=~"^api$"`): Prometheus anchors every matcher regex at both ends already;
//! - `label=~".*"`: it matches every series, also those without the label (whose value
//!   reads as empty), so it selects nothing out. `label=~".+"` is different (the series
//!   must have the label) and is not reported.
//!
//! ## Why is this bad?
//! A reader takes `=~"api"` for "contains api" or `=~".*"` for "has the label"; neither is
//! what Prometheus does, and the rule does not do what its author meant. Equality matchers
//! are also cheaper for Prometheus to look up than regexes.
//!
//! ## Example
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job=~"^api$", zone=~".*"} == 0
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: ApiDown
//!   expr: up{job="api"} == 0
//! ```

use super::{Category, Check, Context, rules};
use crate::semantics::MatcherFact;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use promql::syntax::{MatchOp, matcher_regex_matches, regex_matches_everything};

pub(super) const CHECK: Check = Check {
    id: "promql/regexp",
    summary: "a regex matcher that is an equality, has redundant anchors, or matches everything",
    category: Category::Semantics,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("promql_regexp.rs"),
    run: Some(run),
};

/// Whether a regex has nothing but literal characters.
fn is_literal(re: &str) -> bool {
    !re.contains(|c| r"\.+*?()|[]{}^$".contains(c))
}

/// The regex without a leading `^` and a trailing unescaped `$`, when it has either and is
/// still a valid regex without them.
fn without_anchors(re: &str) -> Option<&str> {
    let mut s = re.strip_prefix('^').unwrap_or(re);
    if let Some(rest) = s.strip_suffix('$') {
        let backslashes = rest.chars().rev().take_while(|&c| c == '\\').count();
        if backslashes % 2 == 0 {
            s = rest;
        }
    }
    (s.len() < re.len() && matcher_regex_matches(s, "").is_some()).then_some(s)
}

fn written(m: &MatcherFact, op: MatchOp, value: &str) -> String {
    format!("{}{}{value:?}", m.name, op.as_str())
}

/// What is wrong with a regex matcher: (message, label, help).
fn finding(m: &MatcherFact) -> Option<(String, String, String)> {
    let eq = match m.op {
        MatchOp::Regex => MatchOp::Equal,
        MatchOp::NotRegex => MatchOp::NotEqual,
        _ => return None,
    };
    let text = m.text();
    if m.op == MatchOp::Regex && regex_matches_everything(m.value) {
        return Some((
            format!(
                "`{text}` matches every series, those without `{}` too: it selects nothing out",
                m.name
            ),
            "matches every value, the empty one too".to_string(),
            format!(
                "remove `{text}`; to select series that have `{0}`, write `{0}=~\".+\"`",
                m.name
            ),
        ));
    }
    if is_literal(m.value) {
        return Some((
            format!("`{text}` is an equality written as a regex"),
            "no regex syntax".to_string(),
            format!("write `{}`", written(m, eq, m.value)),
        ));
    }
    let bare = without_anchors(m.value)?;
    let rewritten = if is_literal(bare) {
        written(m, eq, bare)
    } else {
        written(m, m.op, bare)
    };
    Some((
        format!("`{text}` has anchors Prometheus adds itself"),
        "every matcher regex is anchored at both ends".to_string(),
        format!("write `{rewritten}`"),
    ))
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (file, _, rule) in rules(ctx) {
        let (Some(expr), Some(sem)) = (&rule.expr, ctx.semantics(rule)) else {
            continue;
        };
        for m in sem.selectors.iter().flat_map(|s| &s.matchers) {
            let Some((message, label, help)) = finding(m) else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    &file.source,
                    expr.sub_span(&file.source, m.value_span.start, m.value_span.end),
                    message,
                )
                .with_label(label)
                .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::finding;
    use crate::semantics::MatcherFact;
    use promql::syntax::{MatchOp, Span};

    fn help(op: MatchOp, value: &str) -> Option<String> {
        let m = MatcherFact {
            name: "job",
            name_span: Span::default(),
            op,
            op_span: Span::default(),
            value,
            value_span: Span::default(),
        };
        finding(&m).map(|(_, _, help)| help)
    }

    #[test]
    fn rewrites() {
        use MatchOp::{Equal, NotRegex, Regex};
        assert_eq!(help(Regex, "api").as_deref(), Some(r#"write `job="api"`"#));
        assert_eq!(help(NotRegex, "api").as_deref(), Some(r#"write `job!="api"`"#));
        assert_eq!(help(Regex, "^api$").as_deref(), Some(r#"write `job="api"`"#));
        assert_eq!(help(Regex, "^api|web$").as_deref(), Some(r#"write `job=~"api|web"`"#));
        assert!(help(Regex, ".*").is_some_and(|h| h.starts_with("remove")));
        // Not reported: real regexes, `.+`, an escaped dollar, `!~".*"` (promql/impossible's).
        for (op, re) in [
            (Regex, ".+"),
            (Regex, "api|web"),
            (Regex, r"cost\$"),
            (NotRegex, ".*"),
            (Equal, "api"),
        ] {
            assert_eq!(help(op, re), None, "{re}");
        }
    }
}
