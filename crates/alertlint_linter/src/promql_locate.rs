//! Where in an expression a PromQL parse error is.
//!
//! The errors alertlint checks itself (Prometheus' limits, nesting; see [`promql::parse`])
//! come with their position. `promql-parser` reports its errors as bare messages without
//! positions (its AST has none either), so for those the position is recovered here: a few
//! messages name the culprit (a function, a regex) or imply it (an unclosed parenthesis), and
//! for the rest the error is located as the end of the shortest prefix of the expression that
//! already fails with the same message.

use promql_parser::parser::Expr;
use std::ops::Range;

/// Parses through the guarded entry point ([`promql::parse`]), with the error as text.
pub fn parse(expr: &str) -> Result<Expr, String> {
    promql::parse(expr).map_err(String::from)
}

/// The parser's message for syntax errors it has no words for.
const GENERIC: &str = "invalid promql query";

/// Byte range to highlight for a parse error, and the message to show: the parser's own, or
/// for its generic "invalid promql query" one that says where the text stops making sense.
pub fn explain(expr: &str, message: &str) -> (Range<usize>, String) {
    if let Err(e) = promql::parse(expr)
        && e.message == message
        && let Some(at) = e.position
    {
        return (at, e.message);
    }
    let range = locate(expr, message);
    if message != GENERIC {
        return (range, message.to_string());
    }
    // At the end when the text without its last character does not already fail this way.
    let trimmed = expr.trim_end();
    let shorter = trimmed
        .char_indices()
        .next_back()
        .map_or("", |(i, _)| &trimmed[..i]);
    let at_end = parse(shorter).err().as_deref() != Some(message);
    let text = if at_end {
        format!("unexpected end of input after `{}`", &expr[range.clone()])
    } else {
        format!("syntax error at `{}`", &expr[range.clone()])
    };
    (range, text)
}

/// Byte range of `expr` to highlight for the parse error `message`.
pub fn locate(expr: &str, message: &str) -> Range<usize> {
    if let Some(name) = quoted_after(message, "unknown function with name '")
        && let Some(r) = find_word_before_paren(expr, name)
    {
        return r;
    }
    if let Some(name) = quoted_after(message, "call to function '")
        && let Some(r) = find_word_before_paren(expr, name)
    {
        let end = matching_paren(expr, r.end).map_or(r.end, |p| p + 1);
        return r.start..end;
    }
    if message.starts_with("unclosed left parenthesis")
        && let Some(p) = unbalanced(expr, '(', ')')
    {
        return p..p + 1;
    }
    if let Some(pattern) = message.strip_prefix("illegal regex for ")
        && let Some(at) = expr.find(pattern)
    {
        return at..at + pattern.len();
    }
    shortest_failing_prefix(expr, message)
}

fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let start = message.find(prefix)? + prefix.len();
    let rest = &message[start..];
    Some(&rest[..rest.find('\'')?])
}

/// `name` as a whole word followed (after blanks) by `(`.
fn find_word_before_paren(expr: &str, name: &str) -> Option<Range<usize>> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let mut from = 0;
    while let Some(i) = expr[from..].find(name) {
        let start = from + i;
        let end = start + name.len();
        let before_ok = !expr[..start].chars().next_back().is_some_and(is_word);
        let after = expr[end..].trim_start();
        if before_ok && after.starts_with('(') {
            return Some(start..end);
        }
        from = end;
    }
    None
}

/// Offset of the `)` closing the first `(` at or after `from`.
fn matching_paren(expr: &str, from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in code_chars(expr) {
        if i < from {
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' if depth == 1 => return Some(i),
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The first opening bracket that is never closed.
fn unbalanced(expr: &str, open: char, close: char) -> Option<usize> {
    let mut stack = Vec::new();
    for (i, c) in code_chars(expr) {
        if c == open {
            stack.push(i);
        } else if c == close {
            stack.pop();
        }
    }
    stack.first().copied()
}

/// Characters outside string literals and comments, with their offsets.
fn code_chars(expr: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    expr.char_indices().filter(move |&(_, c)| {
        if comment {
            comment = c != '\n';
            return false;
        }
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            return false;
        }
        match c {
            '"' | '\'' | '`' => {
                quote = Some(c);
                false
            }
            '#' => {
                comment = true;
                false
            }
            _ => true,
        }
    })
}

/// Bytes of prefixes [`shortest_failing_prefix`] parses one by one (each parse costs about its
/// length, so a scan of every prefix is quadratic): enough for every prefix of an expression
/// of about 2 KB. Beyond it, the rest is bisected, in a logarithmic number of parses.
const SCAN_BUDGET: usize = 2 << 20;

/// The end of the shortest prefix (ending in no blank) of `expr` that fails with `message`,
/// found by parsing prefixes in order within [`SCAN_BUDGET`]; past it, by bisecting between
/// the longest prefix scanned and the whole text (a prefix that fails this way, though not
/// necessarily the shortest). `None` when none does within the scan and the whole text does
/// not either.
fn failing_prefix_end(expr: &str, message: &str) -> Option<usize> {
    let fails = |end: usize| parse(&expr[..end]).err().as_deref() == Some(message);
    let ends: Vec<usize> = expr
        .char_indices()
        .filter(|&(_, c)| !c.is_whitespace())
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    let mut spent = 0usize;
    let mut scanned = 0;
    for &end in &ends {
        if spent > SCAN_BUDGET {
            break;
        }
        spent += end;
        if fails(end) {
            return Some(end);
        }
        scanned += 1;
    }
    if scanned == ends.len() {
        return None;
    }
    // `ends[scanned - 1]` (if any) does not fail this way; find one that does after it.
    let (mut lo, mut hi) = (scanned, ends.len() - 1);
    if !fails(ends[hi]) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(ends[mid]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(ends[hi])
}

fn shortest_failing_prefix(expr: &str, message: &str) -> Range<usize> {
    let Some(end) = failing_prefix_end(expr, message) else {
        // The message only appears for the whole text (an error at the very end).
        let end = expr.trim_end().len();
        let start = expr[..end].char_indices().next_back().map_or(0, |(i, _)| i);
        return start..end;
    };
    let last = expr[..end].chars().next_back().unwrap_or(' ');
    // Highlight the word the prefix ends in, not only its last character.
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == ':' || c == '.';
    if !is_word(last) {
        return end - last.len_utf8()..end;
    }
    let start = expr[..end]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(end - last.len_utf8(), |(i, _)| i);
    // ... and to the end of that word in the whole text.
    let word_end = expr[end..]
        .find(|c: char| !is_word(c))
        .map_or(expr.len(), |i| end + i);
    start..word_end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlighted(expr: &str) -> String {
        let msg = parse(expr).expect_err("should fail");
        let r = locate(expr, &msg);
        expr[r].to_string()
    }

    #[test]
    fn locates_the_culprit_of_common_errors() {
        assert_eq!(highlighted("sum(rate(foo[5m]) by (job)"), "(");
        assert_eq!(highlighted("unknownfn(x) > 1"), "unknownfn");
        assert_eq!(highlighted("sum(rate(foo)) > 1"), "rate(foo)");
        assert_eq!(highlighted("foo{a=~\"(\"}"), "(");
        assert_eq!(highlighted("foo > > 1"), ">");
        assert_eq!(highlighted("ab cd"), "cd");
        assert_eq!(highlighted("foo[5m] offset"), "offset");
    }

    #[test]
    fn generic_errors_get_a_message_that_says_where() {
        let e = "test +";
        assert_eq!(explain(e, GENERIC).1, "unexpected end of input after `+`");
        let e = "ab cd";
        assert_eq!(explain(e, GENERIC).1, "syntax error at `cd`");
    }

    #[test]
    fn range_is_always_inside_the_text() {
        for e in [
            "(",
            ")",
            "\"",
            "{",
            "foo{",
            "1 +",
            "rate(",
            "#",
            "@",
            "foo[5m:1m:1m]",
            "é(",
        ] {
            if let Err(m) = parse(e) {
                let r = locate(e, &m);
                assert!(r.start <= r.end && r.end <= e.len(), "{e:?} {r:?}");
                assert!(e.is_char_boundary(r.start) && e.is_char_boundary(r.end));
            }
        }
    }
}
