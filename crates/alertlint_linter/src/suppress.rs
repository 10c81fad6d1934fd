//! Inline suppressions: `# alertlint: disable=<checks> <reason>` for one rule and
//! `# alertlint: disable-file=<checks> <reason>` for a whole file.

use crate::check_id::{CheckId, CheckSet};
use crate::model::RuleFile;
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::Span;
use regex::Regex;
use std::sync::LazyLock;

static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#\s*alertlint:\s*(?P<kind>[a-z-]+)(?:=(?P<ids>\S*))?(?P<reason>.*)$")
        .expect("static regex")
});

#[derive(Debug)]
pub(crate) struct Suppression {
    /// The comment, for reporting it.
    pub span: Span,
    /// The checks and families as written, for messages.
    pub ids: Vec<String>,
    /// The checks they name, resolved when the comment is read.
    pub checks: CheckSet,
    /// The rule's span, or `None` for the whole file.
    pub scope: Option<Span>,
    pub used: bool,
}

impl Suppression {
    pub(crate) fn covers(&self, check: CheckId) -> bool {
        self.checks.contains(check)
    }
}

/// Finds, for a diagnostic, the suppression that silences it without looking at every
/// suppression of the file: the same one as the first of the list that covers the check and
/// whose scope holds the diagnostic's start (20,000 suppressions made that scan, once per
/// diagnostic, take most of a minute). Built over the list [`read`] returns, which must not
/// change while the index is used (only `used` may).
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// The file-wide suppressions, by position in the list.
    file_wide: Vec<usize>,
    /// The distinct rule scopes, by start, each with its suppressions by position in the list.
    scopes: Vec<(Span, Vec<usize>)>,
    /// `reach[k]`: the furthest end of `scopes[..=k]`, to stop looking back for scopes that
    /// hold an offset once none can.
    reach: Vec<usize>,
    /// The first suppression covering a check, among the file-wide ones (`None` scope) or in
    /// one scope: worked out once per check and scope.
    first:
        std::collections::HashMap<CheckId, std::collections::HashMap<Option<usize>, Option<usize>>>,
}

impl Index {
    pub(crate) fn new(list: &[Suppression]) -> Index {
        let mut index = Index::default();
        let mut by_scope: std::collections::BTreeMap<(usize, usize), Vec<usize>> =
            std::collections::BTreeMap::new();
        for (i, s) in list.iter().enumerate() {
            match s.scope {
                None => index.file_wide.push(i),
                Some(scope) => by_scope
                    .entry((scope.start, scope.end))
                    .or_default()
                    .push(i),
            }
        }
        let mut reach = 0;
        for ((start, end), members) in by_scope {
            reach = reach.max(end);
            index.scopes.push((Span::new(start, end), members));
            index.reach.push(reach);
        }
        index
    }

    /// The position in `list` of the suppression that silences `check` at offset `at`, if
    /// any: the first one covering the check whose scope holds `at`.
    pub(crate) fn find(
        &mut self,
        list: &[Suppression],
        check: CheckId,
        at: usize,
    ) -> Option<usize> {
        let mut best = self.first_in(list, None, check);
        // The scopes starting at or before `at`, looked at backwards while one may still reach
        // past it (rules do not overlap, so nearly always just the one holding `at`).
        let mut k = self.scopes.partition_point(|(s, _)| s.start <= at);
        while k > 0 && self.reach[k - 1] > at {
            k -= 1;
            let scope = self.scopes[k].0;
            if scope.start <= at && at < scope.end {
                let found = self.first_in(list, Some(k), check);
                best = match (best, found) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        best
    }

    fn first_in(
        &mut self,
        list: &[Suppression],
        scope: Option<usize>,
        check: CheckId,
    ) -> Option<usize> {
        let members = match scope {
            None => &self.file_wide,
            Some(k) => &self.scopes[k].1,
        };
        if members.is_empty() {
            return None;
        }
        *self
            .first
            .entry(check)
            .or_default()
            .entry(scope)
            .or_insert_with(|| members.iter().copied().find(|&i| list[i].covers(check)))
    }
}

/// Reads the suppression comments of a file; malformed ones become `suppression/invalid`.
pub(crate) fn read(file: &RuleFile, out: &mut Vec<Diagnostic>) -> Vec<Suppression> {
    let text = &file.source.text;
    let mut found = Vec::new();
    if !text.contains("alertlint:") {
        return found;
    }
    let mut scopes = Scopes::new(file);
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
        let bad = |msg: String| {
            Diagnostic::new(CheckId::SuppressionInvalid.id(), &file.source, span, msg)
        };
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
        let mut checks = CheckSet::default();
        let mut unknown = Vec::new();
        for id in &ids {
            match CheckSet::parse(id) {
                Some(set) => checks = checks.union(set),
                None => unknown.push(id.as_str()),
            }
        }
        if !unknown.is_empty() {
            let list: Vec<String> = unknown.iter().map(|s| format!("`{s}`")).collect();
            let hint = match unknown[..] {
                [one] => crate::check_id::unknown_pattern_hint(one),
                _ => " (see `alertlint checks`)".to_string(),
            };
            out.push(bad(format!("unknown check {}{hint}", list.join(", "))));
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
            scopes.of(span.start)
        };
        if !file_wide && scope.is_none() {
            out.push(bad("`disable=` applies to a rule, but no rule follows this comment; use `disable-file=` for the whole file".to_string()));
            continue;
        }
        found.push(Suppression {
            span,
            ids,
            checks,
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
                quote = Some(c);
            }
            None => {}
        }
        prev = c;
    }
    None
}

/// Finds the rule each `disable=` comment belongs to: the innermost rule containing it, else
/// the first rule after it if only blank lines and comments lie in between. Comments are
/// asked in file order, and each rule enters and leaves the set of rules around the comment
/// once, so a file of n rules and m comments costs O((n + m) log n), not O(n m).
struct Scopes<'f> {
    text: &'f str,
    /// The rules' spans, in the order the file's rules are listed.
    rules: Vec<Span>,
    /// Indices into `rules` by start (then by list order, which breaks ties as a scan would).
    by_start: Vec<usize>,
    /// How many of `by_start` start at or before the last comment asked about.
    entered: usize,
    /// The rules entered that still contain the comment: by length, then list order (the
    /// first is the innermost, as the shortest one first listed).
    around: std::collections::BTreeSet<(usize, usize)>,
    /// The same rules by where they end, to leave `around` once passed.
    ends: std::collections::BinaryHeap<std::cmp::Reverse<(usize, usize)>>,
    last_at: usize,
    /// Starts of the lines that are not blank, a comment or a lone `-`, in order.
    content_lines: Vec<usize>,
    /// The last rule whose start was checked for content before it on its own line.
    partial: Option<(usize, bool)>,
}

impl<'f> Scopes<'f> {
    fn new(file: &'f RuleFile) -> Self {
        let text = file.source.text.as_str();
        let rules: Vec<Span> = file.rules().map(|(_, r)| r.span).collect();
        let mut by_start: Vec<usize> = (0..rules.len()).collect();
        by_start.sort_by_key(|&i| (rules[i].start, i));
        let mut content_lines = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            if !only_comment(line) {
                content_lines.push(start);
            }
            start += line.len();
        }
        Scopes {
            text,
            rules,
            by_start,
            entered: 0,
            around: std::collections::BTreeSet::new(),
            ends: std::collections::BinaryHeap::new(),
            last_at: 0,
            content_lines,
            partial: None,
        }
    }

    fn of(&mut self, at: usize) -> Option<Span> {
        if at < self.last_at {
            // Comments come in file order; anything else starts over.
            self.entered = 0;
            self.around.clear();
            self.ends.clear();
        }
        self.last_at = at;
        while let Some(&i) = self.by_start.get(self.entered) {
            let rule = self.rules[i];
            if rule.start > at {
                break;
            }
            self.around.insert((rule.len(), i));
            self.ends.push(std::cmp::Reverse((rule.end, i)));
            self.entered += 1;
        }
        while let Some(&std::cmp::Reverse((end, i))) = self.ends.peek() {
            if end > at {
                break;
            }
            self.around.remove(&(self.rules[i].len(), i));
            self.ends.pop();
        }
        if let Some(&(_, inside)) = self.around.first() {
            return Some(self.rules[inside]);
        }
        let next = self.rules[*self.by_start.get(self.entered)?];
        self.only_comments_between(at, next.start).then_some(next)
    }

    /// Whether the lines after the one holding `at`, up to `to`, are all blank, comments or
    /// a lone `-` (the line `to` is on counts up to `to`).
    fn only_comments_between(&mut self, at: usize, to: usize) -> bool {
        let between = &self.text[at..to];
        let Some(first_break) = between.find('\n') else {
            return true;
        };
        let full_from = at + first_break + 1;
        // The start of the line `to` is on, unless that is where the full lines start.
        let last_from = self.text[..to]
            .rfind('\n')
            .map_or(0, |i| i + 1)
            .max(full_from);
        // A whole line of content in between?
        let i = self.content_lines.partition_point(|&s| s < full_from);
        if self.content_lines.get(i).is_some_and(|&s| s < last_from) {
            return false;
        }
        // The line `to` is on, up to `to`: the same for every comment before that rule.
        match self.partial {
            Some((rule, ok)) if rule == to => ok,
            _ => {
                let ok = only_comment(&self.text[last_from..to]);
                self.partial = Some((to, ok));
                ok
            }
        }
    }
}

/// A line (or the start of one) that is blank, a comment or a lone `-`.
fn only_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t == "-"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Classified, read_rule_file};
    use alertlint_diagnostics::source::SourceFile;

    fn file(text: &str) -> RuleFile {
        match read_rule_file(
            SourceFile::new("t.yaml", text.to_string()),
            crate::model::Dialect::Prometheus,
        ) {
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
        assert!(sups[1].covers(CheckId::AlertOwner) && !sups[1].covers(CheckId::AlertFor));
    }

    #[test]
    fn reports_unknown_ids_and_missing_reasons() {
        let f = file(
            "groups:\n- name: g\n  rules:\n  # alertlint: disable=alert/runbok x\n  - alert: A\n    expr: up\n  # alertlint: disable=alert/*\n  - alert: B\n    expr: up\n",
        );
        let mut out = Vec::new();
        let sups = read(&f, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].message,
            "unknown check `alert/runbok`; did you mean `alert/runbook`?"
        );
        assert!(out[1].message.contains("without a reason"));
        assert_eq!(sups.len(), 1);
    }

    /// The scope of a comment as it was found before [`Scopes`]: every rule looked at for
    /// every comment.
    fn rule_scope_by_scan(file: &RuleFile, at: usize) -> Option<Span> {
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

    /// Pieces of rule files: rules in block and flow style, comments, blank lines, lone
    /// dashes, content that is no comment, new groups, CRLF line ends, a second document.
    fn rule_file_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("  - alert: A\n    expr: up\n"),
            Just("  - record: r\n    expr: up\n    labels: {a: b}\n"),
            Just("  - {alert: B, expr: up}\n"),
            Just("  # alertlint: disable=alert/for x\n"),
            Just("  # note\n"),
            Just("\n"),
            Just("  -\n"),
            Just("    # indented\r\n"),
            Just("- name: h\n  rules:\n"),
            Just("---\ngroups:\n- name: k\n  rules:\n"),
        ];
        prop::collection::vec(piece, 0..14)
            .prop_map(|pieces| format!("groups:\n- name: g\n  rules:\n{}", pieces.concat()))
    }

    proptest::proptest! {
        /// At every offset of every file, in order (as comments are met), the sweep finds
        /// the scope the scan of all rules found.
        #[test]
        fn scopes_are_what_scanning_every_rule_finds(text in rule_file_text()) {
            let f = match read_rule_file(SourceFile::new("t.yaml", text.clone()), crate::model::Dialect::Prometheus) {
                Classified::Rules(f) => f,
                Classified::NotRules => return Ok(()),
            };
            let mut scopes = Scopes::new(&f);
            for at in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
                proptest::prop_assert_eq!(scopes.of(at), rule_scope_by_scan(&f, at), "at {}", at);
            }
        }

        /// The index finds the suppression the scan of the list finds, overlapping and nested
        /// scopes, families and file-wide suppressions included.
        #[test]
        fn the_index_finds_what_scanning_the_list_finds(
            list in proptest::collection::vec(
                (
                    proptest::collection::vec(0usize..4, 1..3),
                    proptest::option::weighted(0.8, (0usize..40, 0usize..20)),
                ),
                0..25,
            ),
            queries in proptest::collection::vec((0usize..4, 0usize..70), 1..40),
        ) {
            const IDS: [&str; 4] = ["alert/for", "alert/owner", "alert/*", "rule/expr"];
            let list: Vec<Suppression> = list
                .into_iter()
                .map(|(ids, scope)| {
                    let ids: Vec<String> = ids.into_iter().map(|i| IDS[i].to_string()).collect();
                    let checks = ids
                        .iter()
                        .filter_map(|id| CheckSet::parse(id))
                        .fold(CheckSet::default(), CheckSet::union);
                    Suppression {
                        span: Span::default(),
                        ids,
                        checks,
                        scope: scope.map(|(start, len)| Span::new(start, start + len)),
                        used: false,
                    }
                })
                .collect();
            let mut index = Index::new(&list);
            for (check, at) in queries {
                let check = [CheckId::AlertFor, CheckId::AlertOwner, CheckId::RuleExpr, CheckId::RuleName][check];
                let want = list.iter().position(|s| {
                    s.covers(check) && s.scope.is_none_or(|scope| scope.start <= at && at < scope.end)
                });
                proptest::prop_assert_eq!(index.find(&list, check, at), want);
            }
        }
    }
}
