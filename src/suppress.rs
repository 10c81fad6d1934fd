//! Inline suppressions: `# alertlint: disable=<checks> <reason>` for one rule and
//! `# alertlint: disable-file=<checks> <reason>` for a whole file.

use crate::checks::is_check_id;
use crate::diagnostic::Diagnostic;
use crate::model::RuleFile;
use crate::source::Span;
use regex::Regex;
use std::sync::LazyLock;

static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#\s*alertlint:\s*(?P<kind>[a-z-]+)(?:=(?P<ids>\S*))?(?P<reason>.*)$")
        .expect("static regex")
});

#[derive(Debug)]
pub struct Suppression {
    /// The comment, for reporting it.
    pub span: Span,
    pub ids: Vec<String>,
    /// The rule's span, or `None` for the whole file.
    pub scope: Option<Span>,
    pub used: bool,
}

impl Suppression {
    pub fn covers(&self, check: &str) -> bool {
        self.ids.iter().any(|id| crate::checks::covers(id, check))
    }
}

/// Reads the suppression comments of a file; malformed ones become `suppression/invalid`.
pub fn read(file: &RuleFile, out: &mut Vec<Diagnostic>) -> Vec<Suppression> {
    let text = &file.source.text;
    let mut found = Vec::new();
    if !text.contains("alertlint:") {
        return found;
    }
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = line[hash..].trim_end();
        let Some(caps) = DIRECTIVE.captures(comment) else {
            continue;
        };
        let span = Span::new(start + hash, start + hash + comment.len());
        let bad = |msg: String| Diagnostic::new("suppression/invalid", &file.source, span, msg);
        let kind = &caps["kind"];
        let file_wide = match kind {
            "disable" => false,
            "disable-file" => true,
            other => {
                out.push(bad(format!(
                    "unknown directive `{other}`; expected `disable=` or `disable-file=`"
                )));
                continue;
            }
        };
        let ids: Vec<String> = caps
            .name("ids")
            .map_or("", |m| m.as_str())
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if ids.is_empty() {
            out.push(bad(format!(
                "`{kind}` names no check; write `{kind}=<check> <reason>`"
            )));
            continue;
        }
        let unknown: Vec<&String> = ids.iter().filter(|id| !is_check_id(id)).collect();
        if !unknown.is_empty() {
            let list: Vec<String> = unknown.iter().map(|s| format!("`{s}`")).collect();
            out.push(bad(format!(
                "unknown check {} (see `alertlint checks`)",
                list.join(", ")
            )));
            continue;
        }
        if caps["reason"].trim().is_empty() {
            out.push(bad(
                "suppression without a reason; say why after the check id".to_string(),
            ));
        }
        let scope = if file_wide {
            None
        } else {
            rule_scope(file, span.start)
        };
        if !file_wide && scope.is_none() {
            out.push(bad("`disable=` applies to a rule, but no rule follows this comment; use `disable-file=` for the whole file".to_string()));
            continue;
        }
        found.push(Suppression {
            span,
            ids,
            scope,
            used: false,
        });
    }
    found
}

/// Where a YAML comment starts on a line: `#` at the start or after a blank, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && prev.is_whitespace() => return Some(i),
            None if (c == '"' || c == '\'')
                && (prev.is_whitespace() || prev == ':' || prev == '-') =>
            {
                quote = Some(c)
            }
            None => {}
        }
        prev = c;
    }
    None
}

/// The rule a `disable=` comment at `at` belongs to: the rule containing it, else the first
/// rule after it if only blank lines and comments lie in between.
fn rule_scope(file: &RuleFile, at: usize) -> Option<Span> {
    let rules: Vec<Span> = file.rules().map(|(_, r)| r.span).collect();
    if let Some(inside) = rules
        .iter()
        .filter(|s| s.start <= at && at < s.end)
        .min_by_key(|s| s.len())
    {
        return Some(*inside);
    }
    let next = rules
        .iter()
        .filter(|s| s.start > at)
        .min_by_key(|s| s.start)?;
    let between = &file.source.text[at..next.start];
    let only_comments = between.lines().skip(1).all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "-"
    });
    only_comments.then_some(*next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Classified, read_rule_file};
    use crate::source::SourceFile;

    fn file(text: &str) -> RuleFile {
        match read_rule_file(SourceFile::new("t.yaml", text.to_string())) {
            Classified::Rules(f) => f,
            Classified::NotRules => panic!("not rules"),
        }
    }

    #[test]
    fn reads_rule_and_file_suppressions() {
        let f = file(
            "# alertlint: disable-file=alert/dashboard no dashboards here\ngroups:\n- name: g\n  rules:\n  # alertlint: disable=alert/runbook,alert/owner written in PAY-1\n  - alert: A\n    expr: up\n  - alert: B\n    expr: up\n",
        );
        let mut out = Vec::new();
        let sups = read(&f, &mut out);
        assert!(
            out.is_empty(),
            "{:?}",
            out.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        assert_eq!(sups.len(), 2);
        assert!(sups[0].scope.is_none());
        let rule_a = f.groups[0].rules[0].span;
        assert_eq!(sups[1].scope, Some(rule_a));
        assert!(sups[1].covers("alert/owner") && !sups[1].covers("alert/for"));
    }

    #[test]
    fn reports_unknown_ids_and_missing_reasons() {
        let f = file(
            "groups:\n- name: g\n  rules:\n  # alertlint: disable=alert/runbok x\n  - alert: A\n    expr: up\n  # alertlint: disable=alert/*\n  - alert: B\n    expr: up\n",
        );
        let mut out = Vec::new();
        let sups = read(&f, &mut out);
        assert_eq!(out.len(), 2);
        assert!(out[0].message.contains("unknown check `alert/runbok`"));
        assert!(out[1].message.contains("without a reason"));
        assert_eq!(sups.len(), 1);
    }
}
