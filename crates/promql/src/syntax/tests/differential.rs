//! The new front end against `promql-parser` 0.11 (the parser alertlint used so far): same
//! verdict, and the same printed form where both accept, on every `expr:` of the
//! repository's YAML files and every `eval` query of its promqltest files, on generated
//! expressions, on near misses of the real ones (which go down the error paths), and (oracle
//! tier) on the third-party corpora.
//!
//! Where the two disagree and Prometheus 3.x is on our side, the case is listed below with
//! the reason; any other disagreement fails the test.

use super::roundtrip::Gen;
use crate::syntax::*;
use std::path::{Path, PathBuf};

/// A parser's verdict on a text: the canonical form of what it read, or a refusal.
#[derive(Debug, PartialEq)]
enum Verdict {
    Accepted(String),
    Refused,
}

fn ours(text: &str) -> Verdict {
    match parse_with(text, &Options::all()) {
        Ok(e) => Verdict::Accepted(e.to_string()),
        Err(_) => Verdict::Refused,
    }
}

/// `promql-parser`'s verdict, its printed form normalized by reading it with the new parser
/// and printing that: differences of spelling only (`Inf` for `+Inf`, characters Go's
/// `strconv.Quote` escapes written raw, `677d` for `1y44w2d`) vanish, differences of tree
/// remain.
fn theirs(text: &str) -> Verdict {
    let parsed = std::panic::catch_unwind(|| promql_parser::parser::parse(text))
        .unwrap_or(Err(String::new()));
    match parsed {
        Ok(e) => {
            let printed = e.to_string();
            match parse_with(&printed, &Options::all()) {
                Ok(again) => Verdict::Accepted(again.to_string()),
                Err(_) => Verdict::Accepted(format!("(unreadable) {printed}")),
            }
        }
        Err(_) => Verdict::Refused,
    }
}

/// Where `promql-parser` 0.11 and the new parser disagree and Prometheus 3.x is on the new
/// parser's side: an example, and why. Each is checked to still disagree, with the new
/// parser's verdict the one given (Prometheus'), so that the list stays true.
const KNOWN_DIFFERENCES: &[(&str, Option<&str>, &str)] = &[
    (
        "+foo",
        Some("+foo"),
        "promql-parser drops a unary plus; Prometheus keeps it (UnaryExpr{ADD}) and prints it",
    ),
    (
        "up @ -100",
        Some("up @ -100.000"),
        "promql-parser keeps an @ timestamp as a SystemTime and turns one before 1970 into 0",
    ),
    (
        "1e999",
        None,
        "Prometheus refuses a number literal out of float64 range (strconv.ParseFloat: value out of range); promql-parser reads it as Inf",
    ),
    (
        "foo @ 1e100",
        None,
        "Prometheus refuses an @ timestamp beyond int64 (timestamp out of bounds); promql-parser saturates it",
    ),
    (
        "foo offset 0s",
        Some("foo"),
        "Prometheus takes a zero offset (only ranges and steps must be positive); promql-parser refuses it",
    ),
    (
        "foo offset -0s",
        Some("foo"),
        "Prometheus takes a zero offset (only ranges and steps must be positive); promql-parser refuses it",
    ),
    (
        "integral(x[5m])",
        None,
        "integral is not a Prometheus function (promql-parser has it for GreptimeDB)",
    ),
    (
        r#"x{a="\xff"}"#,
        Some(r#"x{a="\ufffd"}"#),
        "\\xff is the byte 0xff in Prometheus (not UTF-8; kept as U+FFFD here); promql-parser reads it as U+00FF",
    ),
    (
        "foo anchored",
        Some("foo anchored"),
        "anchored/smoothed (promql-extended-range-selectors) are unknown to promql-parser",
    ),
    (
        "rate(foo[5m] smoothed)",
        Some("rate(foo[5m] smoothed)"),
        "anchored/smoothed (promql-extended-range-selectors) are unknown to promql-parser",
    ),
    (
        "foo[5m + 1m]",
        Some("foo[5m + 1m]"),
        "duration expressions (promql-duration-expr) are unknown to promql-parser",
    ),
    (
        "foo offset step()",
        Some("foo offset step()"),
        "duration expressions (promql-duration-expr) are unknown to promql-parser",
    ),
    (
        "foo[max_of(step(), 1m):]",
        Some("foo[max_of(step(), 1m):]"),
        "duration expressions (promql-duration-expr) are unknown to promql-parser",
    ),
    (
        "a </ b",
        Some("a </ b"),
        "the trim operators </ and >/ (native histograms) are unknown to promql-parser",
    ),
    (
        "a >/ b",
        Some("a >/ b"),
        "the trim operators </ and >/ (native histograms) are unknown to promql-parser",
    ),
    (
        "predict_linear(x[1h], 1h)",
        Some("predict_linear(x[1h], 1h)"),
        "a number written as a duration prints as one in Prometheus 3.x (NumberLiteral.Duration); promql-parser prints its seconds",
    ),
    (
        "limitk(foo, x)",
        None,
        "Prometheus requires a scalar parameter of limitk and limit_ratio (expected type scalar in aggregation parameter); promql-parser takes a vector",
    ),
    (
        "ln(-10)",
        None,
        "Prometheus wants an instant vector in ln, log2 and log10 (expected type instant vector in call to function \"ln\", got scalar); promql-parser takes a negative number",
    ),
    (
        "sum by (a:b) (x)",
        Some("sum by (\"a:b\") (x)"),
        "Prometheus 3.x reads a name with a colon as a grouping label (any UTF-8 label name); promql-parser refuses it",
    ),
    (
        "a / ignoring () group_left b",
        Some("a / ignoring () group_left () b"),
        "promql-parser prints `ignoring ()` with a group modifier as `group_left ()` alone, which no parser reads",
    ),
    (
        r#"x{a=~"\\Qa.b\\E"}"#,
        Some(r#"x{a=~"\\Qa.b\\E"}"#),
        "Go's regexp (RE2) quotes with \\Q...\\E; promql-parser's regex crate does not",
    ),
];

/// A refusal by the new parser alone that is a known difference: one listed above, a vector
/// where limitk or limit_ratio needs its scalar parameter, a number given to ln, log2 or log10.
fn known_refusal(text: &str, errors: &[SyntaxError]) -> Option<&'static str> {
    let all = |f: &dyn Fn(&str) -> bool| errors.iter().all(|e| f(&e.message));
    if (text.contains("limitk") || text.contains("limit_ratio"))
        && all(&|m| m.starts_with("expected type scalar in aggregation parameter, got"))
    {
        return Some(reason("limitk(foo, x)"));
    }
    let log_of_number = |m: &str| {
        ["ln", "log2", "log10"].iter().any(|f| {
            m == format!("expected type instant vector in call to function \"{f}\", got scalar")
        })
    };
    if all(&log_of_number) {
        return Some(reason("ln(-10)"));
    }
    KNOWN_DIFFERENCES
        .iter()
        .find(|(example, want, _)| want.is_none() && *example == text)
        .map(|(_, _, why)| *why)
}

/// Which of the known differences a corpus expression shows, by what its tree holds.
fn known(text: &str) -> Option<&'static str> {
    let e = match parse_with(text, &Options::all()) {
        Ok(e) => e,
        Err(errors) => return known_refusal(text, &errors),
    };
    let mut found = None;
    visit(&e, &mut |e| {
        let why = match e {
            Expr::Unary(u) if u.op == UnaryOp::Plus => "+foo",
            Expr::Number(n) if n.duration => "predict_linear(x[1h], 1h)",
            Expr::String(s) if s.value.contains('\u{fffd}') => r#"x{a="\xff"}"#,
            Expr::Selector(vs)
                if vs
                    .matchers
                    .iter()
                    .any(|m| m.value.value.contains('\u{fffd}')) =>
            {
                r#"x{a="\xff"}"#
            }
            Expr::Binary(b) if matches!(b.op, BinOp::TrimUpper | BinOp::TrimLower) => "a </ b",
            _ if listed_labels(e).any(|l| l.name.contains(':')) => "sum by (a:b) (x)",
            Expr::Binary(b)
                if b.group.is_some()
                    && b.matching
                        .as_ref()
                        .is_some_and(|m| !m.on && m.labels.is_empty()) =>
            {
                "a / ignoring () group_left b"
            }
            _ => match modifiers(e) {
                Some(m) if m.anchored.is_some() || m.smoothed.is_some() => "foo anchored",
                Some(m)
                    if m.at
                        .as_ref()
                        .is_some_and(|a| matches!(a.value, AtValue::Timestamp(t) if t < 0)) =>
                {
                    "up @ -100"
                }
                Some(m)
                    if m.offset
                        .as_ref()
                        .is_some_and(|o| !matches!(o.value, DurationExpr::Number(_))) =>
                {
                    "foo[5m + 1m]"
                }
                _ => match e {
                    Expr::Matrix(m) if !matches!(m.range, DurationExpr::Number(_)) => {
                        "foo[5m + 1m]"
                    }
                    Expr::Subquery(s)
                        if !matches!(s.range, DurationExpr::Number(_))
                            || s.step
                                .as_ref()
                                .is_some_and(|d| !matches!(d, DurationExpr::Number(_))) =>
                    {
                        "foo[5m + 1m]"
                    }
                    _ => return,
                },
            },
        };
        found.get_or_insert(reason(why));
    });
    found
}

/// The reason given for a known difference, by its example.
fn reason(example: &str) -> &'static str {
    KNOWN_DIFFERENCES
        .iter()
        .find(|(e, _, _)| *e == example)
        .map_or("?", |(_, _, why)| *why)
}

/// The label names an expression lists itself: `by`/`without`, `on`/`ignoring`,
/// `group_left`/`group_right`.
fn listed_labels(e: &Expr) -> Box<dyn Iterator<Item = &Name> + '_> {
    match e {
        Expr::Aggregate(a) => Box::new(a.grouping.iter().flat_map(|g| &g.labels)),
        Expr::Binary(b) => Box::new(
            b.matching
                .iter()
                .flat_map(|m| &m.labels)
                .chain(b.group.iter().flat_map(|g| &g.labels)),
        ),
        _ => Box::new(std::iter::empty()),
    }
}

fn modifiers(e: &Expr) -> Option<&Modifiers> {
    match e {
        Expr::Selector(vs) => Some(&vs.modifiers),
        Expr::Matrix(m) => Some(&m.modifiers),
        Expr::Subquery(s) => Some(&s.modifiers),
        _ => None,
    }
}

/// Calls `f` on `e` and every expression in it.
fn visit(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Number(_) | Expr::String(_) | Expr::Selector(_) => {}
        Expr::Matrix(m) => visit(&Expr::Selector(Box::new(m.selector.clone())), f),
        Expr::Subquery(s) => visit(&s.expr, f),
        Expr::Call(c) => c.args.iter().for_each(|a| visit(a, f)),
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                visit(p, f);
            }
            visit(&a.expr, f);
        }
        Expr::Binary(b) => {
            visit(&b.lhs, f);
            visit(&b.rhs, f);
        }
        Expr::Unary(u) => visit(&u.expr, f),
        Expr::Paren(p) => visit(&p.expr, f),
    }
}

#[test]
fn known_differences_with_promql_parser_are_still_true() {
    let mut stale = Vec::new();
    for &(text, want, why) in KNOWN_DIFFERENCES {
        let want = match want {
            Some(p) => Verdict::Accepted(p.to_string()),
            None => Verdict::Refused,
        };
        let (a, b) = (ours(text), theirs(text));
        if a != want || a == b {
            stale.push(format!("{text:?} ({why}): ours {a:?}, theirs {b:?}"));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// Agreements, known differences and unexplained disagreements over a set of expressions.
#[derive(Default)]
struct Tally {
    agree_accept: usize,
    agree_refuse: usize,
    known: Vec<(String, &'static str)>,
    unexplained: Vec<String>,
}

/// The first 40 of `unexplained`, a line each: enough to see what went wrong.
fn first_of(unexplained: &[String]) -> String {
    unexplained
        .iter()
        .take(40)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

impl Tally {
    fn add(&mut self, text: &str) {
        let (a, b) = (ours(text), theirs(text));
        match (&a, &b) {
            (Verdict::Accepted(x), Verdict::Accepted(y)) if x == y => self.agree_accept += 1,
            (Verdict::Refused, Verdict::Refused) => self.agree_refuse += 1,
            _ => match known(text) {
                Some(why) => self.known.push((text.to_string(), why)),
                None => self
                    .unexplained
                    .push(format!("{text:?}\n    ours:   {a:?}\n    theirs: {b:?}")),
            },
        }
    }

    /// Prints the report and fails, listing the first disagreements, unless every one is a
    /// known difference.
    fn assert_explained(&self, what: &str) {
        eprintln!("{}", self.report(what));
        assert!(
            self.unexplained.is_empty(),
            "{}\n{}",
            self.report(what),
            first_of(&self.unexplained)
        );
    }

    fn report(&self, what: &str) -> String {
        let mut reasons: Vec<&str> = self.known.iter().map(|(_, why)| *why).collect();
        reasons.sort_unstable();
        reasons.dedup();
        let mut s = format!(
            "{what}: {} accepted by both with the same printed form, {} refused by both, {} known differences, {} unexplained",
            self.agree_accept,
            self.agree_refuse,
            self.known.len(),
            self.unexplained.len()
        );
        for why in reasons {
            let n = self.known.iter().filter(|(_, w)| *w == why).count();
            s.push_str(&format!("\n  {n} × {why}"));
        }
        s
    }
}

// ---------------------------------------------------------------------------------------
// Reading expressions out of files.

/// The value of every `expr:` key of a YAML text, read simply: plain, quoted and block
/// scalars.
pub(crate) fn yaml_exprs(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let body = trimmed.strip_prefix("- ").map_or(trimmed, str::trim_start);
        let Some(rest) = ["expr:", "\"expr\":", "'expr':"]
            .iter()
            .find_map(|key| body.strip_prefix(key))
        else {
            i += 1;
            continue;
        };
        // The key's column: a value's lines are indented further.
        let indent = line.len() - body.len();
        let rest = rest.trim();
        i += 1;
        // The lines that belong to the value: more indented than the key (or blank).
        let mut more: Vec<&str> = Vec::new();
        while i < lines.len() {
            let l = lines[i];
            let ind = l.len() - l.trim_start().len();
            if !l.trim().is_empty() && ind <= indent {
                break;
            }
            more.push(l);
            i += 1;
        }
        while more.last().is_some_and(|l| l.trim().is_empty()) {
            more.pop();
        }
        let value = if rest.starts_with('|') || rest.starts_with('>') {
            let block_indent = more
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            let body: Vec<&str> = more
                .iter()
                .map(|l| {
                    if l.len() >= block_indent {
                        &l[block_indent..]
                    } else {
                        ""
                    }
                })
                .collect();
            if rest.starts_with('|') {
                body.join("\n")
            } else {
                body.join(" ")
            }
        } else {
            let mut whole = rest.to_string();
            for l in &more {
                whole.push(' ');
                whole.push_str(l.trim());
            }
            if let Some(q) = whole.strip_prefix('\'') {
                let end = q.rfind('\'').unwrap_or(q.len());
                q[..end].replace("''", "'")
            } else if let Some(q) = whole.strip_prefix('"') {
                let end = q.rfind('"').unwrap_or(q.len());
                unescape_yaml_double(&q[..end])
            } else {
                match whole.find(" #") {
                    Some(c) => whole[..c].trim_end().to_string(),
                    None => whole,
                }
            }
        };
        if !value.trim().is_empty() {
            out.push(value);
        }
    }
    out
}

fn unescape_yaml_double(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The query of every `eval` line of a promqltest file.
pub(crate) fn promqltest_queries(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let skip = match words.as_slice() {
            [eval, "instant", "at", _, ..] if eval.starts_with("eval") => 4,
            [eval, "range", "from", _, "to", _, "step", _, ..] if eval.starts_with("eval") => 8,
            _ => continue,
        };
        // The query is the rest of the line after the first `skip` words.
        let mut rest = line.trim_start();
        for _ in 0..skip {
            rest = rest.trim_start();
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = &rest[end..];
        }
        let q = rest.trim();
        if !q.is_empty() {
            out.push(q.to_string());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every expression in the YAML and promqltest files under `dir`.
fn expressions_under(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut out = Vec::new();
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        match ext {
            "yaml" | "yml" => out.extend(yaml_exprs(&text)),
            "test" => out.extend(promqltest_queries(&text)),
            _ => {}
        }
    }
    out
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_yaml_reader_reads_each_kind_of_scalar() {
    let text = "groups:\n- rules:\n  - \"expr\": up == 0\n  - expr: 'a{x=''y''}' # c\n  - expr: \"b\\\"\"\n  - expr: |\n      sum(\n        x)\n    for: 5m\n  - expr: >-\n      c\n      + d\n";
    assert_eq!(
        yaml_exprs(text),
        ["up == 0", "a{x='y'}", "b\"", "sum(\n  x)", "c + d"]
    );
    let t = "eval instant at 5m sum(x)\neval range from 0 to 1m step 10s rate(y[5m])\n";
    assert_eq!(promqltest_queries(t), ["sum(x)", "rate(y[5m])"]);
}

#[test]
fn agrees_with_promql_parser_on_the_repository_fixtures() {
    let exprs = expressions_under(&repo_root());
    assert!(exprs.len() > 300, "only {} expressions found", exprs.len());
    let mut tally = Tally::default();
    for e in &exprs {
        tally.add(e);
    }
    tally.assert_explained("repository fixtures");
}

#[test]
fn agrees_with_promql_parser_on_generated_expressions() {
    agree_on_generated(1..=3000);
}

/// The oracle tier's longer run: 200,000 more generated expressions.
#[cfg(feature = "oracle")]
#[test]
fn agrees_with_promql_parser_on_200_000_generated_expressions() {
    agree_on_generated(3001..=203_000);
}

fn agree_on_generated(seeds: std::ops::RangeInclusive<u64>) {
    let mut tally = Tally::default();
    for seed in seeds {
        // Only the syntax promql-parser knows (see KNOWN_DIFFERENCES for the rest).
        let mut g = Gen::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        g.compat = true;
        tally.add(&g.expr(ValueType::Vector, (seed % 5) as u32).to_string());
    }
    tally.assert_explained("generated");
}

/// The corpora directory: `ALERTLINT_CORPORA`, else `shared/corpora` beside the repository.
#[cfg(feature = "oracle")]
fn corpora() -> PathBuf {
    std::env::var_os("ALERTLINT_CORPORA")
        .map_or_else(|| repo_root().join("../shared/corpora"), PathBuf::from)
}

/// Every expression of each corpus, by corpus. Each must hold at least as many as when this
/// was written (12,912 in all): a corpus that went missing or unreadable cannot pass by having
/// nothing to compare. The oracle tier (`cargo test --features oracle` at the repository root
/// turns on this crate's `oracle` feature) fails, never skips, without the corpora.
#[cfg(feature = "oracle")]
fn corpus_expressions() -> Vec<(&'static str, Vec<String>)> {
    let dir = corpora();
    assert!(dir.is_dir(), "no corpora at {}", dir.display());
    [
        ("promqltest", 1500),
        ("kubernetes-mixin", 150),
        ("awesome-prometheus-alerts", 900),
        ("promtool-unittest", 10_000),
    ]
    .into_iter()
    .map(|(sub, at_least)| {
        let exprs = expressions_under(&dir.join(sub));
        assert!(
            exprs.len() >= at_least,
            "{sub}: {} expressions, expected at least {at_least}",
            exprs.len()
        );
        (sub, exprs)
    })
    .collect()
}

/// One tally per corpus, `add` putting in what to compare for each expression: each report
/// printed, and a failure listing the first disagreements unless every one is known.
#[cfg(feature = "oracle")]
fn tally_corpora(what: &str, add: impl Fn(&mut Tally, &str)) -> Vec<(String, Tally)> {
    let mut tallies = Vec::new();
    for (sub, exprs) in corpus_expressions() {
        let mut tally = Tally::default();
        for e in &exprs {
            add(&mut tally, e);
        }
        let what = format!("{what}{sub}");
        eprintln!("{}", tally.report(&what));
        tallies.push((what, tally));
    }
    let unexplained: Vec<String> = tallies
        .iter()
        .flat_map(|(_, t)| t.unexplained.iter().cloned())
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained:\n{}",
        unexplained.len(),
        first_of(&unexplained)
    );
    tallies
}

#[cfg(feature = "oracle")]
#[test]
fn agrees_with_promql_parser_on_the_corpora() {
    tally_corpora("", Tally::add);
}

/// Near misses of `text`, cut at its tokens: each token dropped, doubled, and swapped with
/// the next. They take both parsers down their error paths, which well-formed corpus
/// expressions never do.
fn near_misses(text: &str) -> Vec<String> {
    let lexed = crate::syntax::lexer::lex(text);
    let spans: Vec<(usize, usize)> = lexed
        .tokens
        .iter()
        .filter(|t| !matches!(t.tok, lexer::Tok::Eof | lexer::Tok::Error))
        .map(|t| (t.span.start, t.span.end))
        .collect();
    let mut out = Vec::new();
    for (i, &(s, e)) in spans.iter().enumerate() {
        out.push(format!("{}{}", &text[..s], &text[e..]));
        out.push(format!("{} {}", &text[..e], &text[s..]));
        if let Some(&(s2, e2)) = spans.get(i + 1) {
            out.push(format!(
                "{}{}{}{}{}",
                &text[..s],
                &text[s2..e2],
                &text[e..s2],
                &text[s..e],
                &text[e2..]
            ));
        }
    }
    out
}

#[test]
fn agrees_with_promql_parser_on_near_misses_of_the_repository_fixtures() {
    let exprs = expressions_under(&repo_root());
    let mut tally = Tally::default();
    for e in &exprs {
        for m in near_misses(e) {
            tally.add(&m);
        }
    }
    tally.assert_explained("near misses of the repository fixtures");
}

/// The oracle tier: near misses of every expression of the corpora.
#[cfg(feature = "oracle")]
#[test]
fn agrees_with_promql_parser_on_near_misses_of_the_corpora() {
    let tallies = tally_corpora("near misses of ", |tally, e| {
        for m in near_misses(e) {
            tally.add(&m);
        }
    });
    for (what, tally) in tallies {
        assert!(
            tally.agree_refuse > 1000,
            "{what}: only {} refused by both",
            tally.agree_refuse
        );
    }
}
