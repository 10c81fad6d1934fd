//! The one entry point to the PromQL parser. Every caller (the rule loader, the unit-test
//! loader and rule evaluation, the template `query` function, promqltest files) parses through
//! [`parse`], which guards `promql-parser` against input it cannot survive or reads wrongly:
//!
//! 1. **Nesting**: an expression nested deeper than [`MAX_DEPTH`] levels is refused before it
//!    is parsed (the parser, every check walking the tree, the evaluator and dropping the tree
//!    all recurse once per level; 100,000 nested `sum(` used to overflow the stack).
//! 2. **Prometheus' own limits**, checked on the text (so they are positioned) where
//!    `promql-parser` panics on them or accepts them: durations are `int64` nanoseconds in
//!    Prometheus (at most ~292 years), so a duration literal or a number of seconds used as a
//!    range, subquery range or step, or offset beyond that is "duration out of range"; an `@`
//!    timestamp must fit `int64` (seconds); a number literal must fit a `float64` ("error
//!    parsing number: strconv.ParseFloat: parsing "1e999999999": value out of range"). The
//!    messages are Prometheus' (`promql/parser/parse.go`, `generated_parser.y`,
//!    `prometheus/common` `model.ParseDuration`), positioned where Prometheus puts them.
//! 3. **`catch_unwind`** as the last resort, should `promql-parser` still panic.
//!
//! After a successful parse the tree is walked once more for durations and timestamps that
//! do not fit (a safety net behind the text checks). Keeping all of this here means the parser
//! can be replaced without touching its callers.

use crate::syntax::literal;
use promql_parser::parser::{AtModifier, Expr, Offset};
use std::fmt;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, UNIX_EPOCH};

/// Deepest nesting [`parse`] accepts: the own front end's limit (see there).
pub use crate::syntax::MAX_DEPTH;

/// What [`parse`] says when `promql-parser` panics.
pub(crate) const PARSER_FAILED: &str = "the PromQL parser failed on this expression";

/// A PromQL syntax error: the message (Prometheus' words where alertlint checks the limit
/// itself, `promql-parser`'s otherwise) and, when known, the byte range of the text it is
/// about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Byte range in the parsed text; `None` for `promql-parser`'s own errors (see
    /// `promql_locate` for finding those).
    pub position: Option<Range<usize>>,
}

impl ParseError {
    fn at(position: Range<usize>, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            position: Some(position),
        }
    }

    fn unpositioned(message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            position: None,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for String {
    fn from(e: ParseError) -> String {
        e.message
    }
}

/// Parses a PromQL expression, guarded as the module documentation describes.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let tokens = lex(text);
    if let Some(e) = depth_error(text, &tokens.tokens) {
        return Err(e);
    }
    let limits = limit_errors(text, &tokens.tokens);
    let Some(first) = limits.first() else {
        let expr = unguarded(text).map_err(ParseError::unpositioned)?;
        return match tree_error(&expr) {
            Some(message) => Err(ParseError::unpositioned(message)),
            None => Ok(expr),
        };
    };
    // `promql-parser` must not see the offending literals (it panics on some of them): it
    // parses the text with each replaced by a harmless one, to find out whether a syntax
    // error comes first, as Prometheus reports errors in the order it meets them.
    let mut substituted = String::with_capacity(text.len());
    let mut last = 0;
    for l in &limits {
        if l.literal.start < last {
            continue;
        }
        substituted.push_str(&text[last..l.literal.start]);
        substituted.push_str(l.replacement);
        last = l.literal.end;
    }
    substituted.push_str(&text[last..]);
    let first_error = ParseError::at(first.position.clone(), first.message.clone());
    match unguarded(&substituted) {
        Err(message) if fails_before(&substituted, &message, first.literal.start) => {
            Err(ParseError::unpositioned(message))
        }
        _ => Err(first_error),
    }
}

/// `promql-parser` itself, with panics turned into an error.
fn unguarded(text: &str) -> Result<Expr, String> {
    catch_unwind(AssertUnwindSafe(|| promql_parser::parser::parse(text)))
        .unwrap_or_else(|_| Err(PARSER_FAILED.to_string()))
}

/// Whether the parser meets its error `message` before byte `at` of `text` (which is the
/// same as the original text up to `at`): some prefix ending there already fails with it.
/// Errors only the end of the text can raise (an unclosed bracket, unexpected end of input)
/// come after any error inside the text; `promql-parser`'s generic "invalid promql query" is
/// also what every incomplete prefix says, so it cannot be placed and the limit (which can)
/// is reported instead.
fn fails_before(text: &str, message: &str, at: usize) -> bool {
    if message.starts_with("unclosed")
        || message.contains("end of input")
        || message == "invalid promql query"
    {
        return false;
    }
    let fails = |end: usize| unguarded(&text[..end]).err().as_deref() == Some(message);
    let ends: Vec<usize> = text[..at]
        .char_indices()
        .filter(|&(_, c)| !c.is_whitespace())
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    // Each parse costs about the length of its prefix: every prefix is tried within
    // `SCAN_BUDGET` bytes (all of them for any ordinary expression), then only the longest
    // one (a sooner error than the limit usually shows in it too), so that a long text stays
    // linear.
    let mut spent = 0usize;
    for &end in &ends {
        if spent > SCAN_BUDGET {
            return ends.last().is_some_and(|&end| fails(end));
        }
        spent += end;
        if fails(end) {
            return true;
        }
    }
    false
}

/// Bytes of prefixes [`fails_before`] parses one by one (see there).
const SCAN_BUDGET: usize = 2 << 20;

// ---------------------------------------------------------------------------------------
// A lexer just good enough for the checks: Prometheus' token boundaries for numbers,
// durations, identifiers, strings, comments and brackets. It stops at the first thing it
// does not understand (the parser then reports it).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A number literal, including `Inf` and `NaN`.
    Number,
    Duration,
    Ident,
    Str,
    /// `{...}`, a label matcher list, as one token.
    Braces,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Colon,
    Comma,
    At,
    /// `+` or `-` (binary or unary).
    Sign,
    /// Any other operator.
    Op,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    range: Range<usize>,
}

struct Tokens {
    tokens: Vec<Token>,
}

fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_alnum(c: u8) -> bool {
    is_alpha(c) || c.is_ascii_digit()
}

fn lex(text: &str) -> Tokens {
    let b = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut in_brackets = false;
    let push = |tokens: &mut Vec<Token>, kind, start, end| {
        tokens.push(Token {
            kind,
            range: start..end,
        });
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' | b'\'' | b'`' => match skip_string(b, i) {
                Some(end) => {
                    push(&mut tokens, Kind::Str, start, end);
                    i = end;
                }
                None => break,
            },
            b'{' => {
                // Label matchers: names, operators and strings up to the closing brace.
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Tokens { tokens },
                        Some(b'}') => {
                            i += 1;
                            break;
                        }
                        Some(b'"' | b'\'' | b'`') => match skip_string(b, i) {
                            Some(end) => i = end,
                            None => return Tokens { tokens },
                        },
                        Some(_) => i += 1,
                    }
                }
                push(&mut tokens, Kind::Braces, start, i);
            }
            b'(' => {
                i += 1;
                push(&mut tokens, Kind::LParen, start, i);
            }
            b')' => {
                i += 1;
                push(&mut tokens, Kind::RParen, start, i);
            }
            b'[' => {
                i += 1;
                in_brackets = true;
                push(&mut tokens, Kind::LBracket, start, i);
            }
            b']' => {
                i += 1;
                in_brackets = false;
                push(&mut tokens, Kind::RBracket, start, i);
            }
            b',' => {
                i += 1;
                push(&mut tokens, Kind::Comma, start, i);
            }
            b'@' => {
                i += 1;
                push(&mut tokens, Kind::At, start, i);
            }
            b':' if in_brackets => {
                i += 1;
                push(&mut tokens, Kind::Colon, start, i);
            }
            b'+' | b'-' => {
                i += 1;
                push(&mut tokens, Kind::Sign, start, i);
            }
            b'*' | b'/' | b'%' | b'^' => {
                i += 1;
                push(&mut tokens, Kind::Op, start, i);
            }
            b'=' | b'!' | b'<' | b'>' => {
                i += 1;
                if matches!(b.get(i), Some(b'=' | b'/')) {
                    i += 1;
                }
                push(&mut tokens, Kind::Op, start, i);
            }
            b'0'..=b'9' | b'.' => match number_or_duration(b, i) {
                Some((kind, end)) => {
                    push(&mut tokens, kind, start, end);
                    i = end;
                }
                None => break,
            },
            c if is_alpha(c) || c == b':' => {
                while i < b.len() && (is_alnum(b[i]) || b[i] == b':') {
                    i += 1;
                }
                let word = &text[start..i];
                let kind = if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("nan") {
                    Kind::Number
                } else {
                    Kind::Ident
                };
                push(&mut tokens, kind, start, i);
            }
            _ => break,
        }
    }
    Tokens { tokens }
}

/// End of the string literal starting at `i` (after its closing quote), if it is closed.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let quote = b[i];
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            c if c == quote => return Some(j + 1),
            b'\\' if quote != b'`' => j += 2,
            b'\n' if quote != b'`' => return None,
            _ => j += 1,
        }
    }
    None
}

/// Prometheus' `lexNumberOrDuration`: a number (`scanNumber`) or else a duration
/// (`acceptRemainingDuration`), with its end.
fn number_or_duration(b: &[u8], start: usize) -> Option<(Kind, usize)> {
    if let Some(end) = scan_number(b, start) {
        return Some((Kind::Number, end));
    }
    // The digits of the first group, then units and further groups.
    let mut i = start;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == start || !matches!(b.get(i), Some(b's' | b'm' | b'h' | b'd' | b'w' | b'y')) {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b's') {
        i += 1;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if !matches!(b.get(i), Some(b's' | b'm' | b'h' | b'd' | b'w')) {
            return None;
        }
        i += 1;
        if b.get(i) == Some(&b's') {
            i += 1;
        }
    }
    if b.get(i).is_some_and(|&c| is_alnum(c)) {
        return None;
    }
    Some((Kind::Duration, i))
}

/// Prometheus' `scanNumber` (outside series descriptions): the end of the number starting at
/// `start`, or `None` when the text there is not a number.
fn scan_number(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    let accept = |i: &mut usize, set: &[u8]| -> bool {
        if b.get(*i).is_some_and(|c| set.contains(c)) {
            *i += 1;
            true
        } else {
            false
        }
    };
    let mut digits: &[u8] = b"0123456789";
    const HEX: &[u8] = b"0123456789abcdefABCDEF";
    if b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        accept(&mut i, b"_");
        digits = HEX;
    }
    accept(&mut i, b".");
    accept(&mut i, digits);
    let mut dot = false;
    let mut exponent = false;
    while let Some(&c) = b.get(i) {
        let is_digit = digits.contains(&c);
        if !(is_digit || c == b'.' || c == b'_' || c == b'e' || c == b'E') {
            break;
        }
        if c == b'.' {
            if dot {
                return None;
            }
            dot = true;
            i += 1;
            if accept(&mut i, b"_.") || digits.len() > 10 {
                return None;
            }
            continue;
        }
        if (c == b'e' || c == b'E') && !is_digit {
            if exponent {
                return None;
            }
            exponent = true;
            i += 1;
            accept(&mut i, b"+-");
            if accept(&mut i, b"._eE") || i >= b.len() {
                return None;
            }
            continue;
        }
        if c == b'_' {
            i += 1;
            if accept(&mut i, b"._eE") || i >= b.len() {
                return None;
            }
            continue;
        }
        while b.get(i).is_some_and(|c| digits.contains(c)) {
            i += 1;
        }
    }
    if i == start {
        return None;
    }
    if b.get(i).is_some_and(|&c| is_alnum(c)) {
        return None;
    }
    Some(i)
}

// ---------------------------------------------------------------------------------------
// Nesting.

fn depth_error(text: &str, tokens: &[Token]) -> Option<ParseError> {
    // Per open bracket (and the top level): the operators met in its current argument.
    let mut levels: Vec<usize> = vec![0];
    let mut depth = 1;
    for t in tokens {
        match t.kind {
            Kind::LParen | Kind::LBracket => {
                levels.push(0);
                depth += 1;
            }
            Kind::RParen | Kind::RBracket if levels.len() > 1 => {
                depth -= 1 + levels.pop().unwrap_or(0);
            }
            Kind::Comma => {
                let ops = levels.last_mut().expect("top level");
                depth -= *ops;
                *ops = 0;
            }
            Kind::Sign | Kind::Op => {
                *levels.last_mut().expect("top level") += 1;
                depth += 1;
            }
            Kind::Ident if is_binary_keyword(&text[t.range.clone()]) => {
                *levels.last_mut().expect("top level") += 1;
                depth += 1;
            }
            _ => {}
        }
        if depth > MAX_DEPTH {
            return Some(ParseError::at(
                t.range.clone(),
                format!("expression nested deeper than {MAX_DEPTH} levels"),
            ));
        }
    }
    None
}

/// The binary operators written as words.
fn is_binary_keyword(word: &str) -> bool {
    ["and", "or", "unless", "atan2"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

// ---------------------------------------------------------------------------------------
// Prometheus' limits on literals.

/// A literal Prometheus rejects: where the error is reported, what it says, and the literal
/// itself with something harmless of the same kind to parse in its place.
struct LimitError {
    position: Range<usize>,
    message: String,
    literal: Range<usize>,
    replacement: &'static str,
}

/// Nanoseconds in the largest Go `time.Duration`.
const MAX_DURATION_NS: u64 = i64::MAX as u64;

/// Prometheus' `durationLiteralOutOfRange`: seconds that overflow a `time.Duration`.
fn seconds_out_of_range(v: f64) -> bool {
    // Go: `val > 1<<63/1e9 || val < -(1<<63)/1e9`. NaN is outside too.
    let limit = (1u64 << 63) as f64 / 1e9;
    !(-limit..=limit).contains(&v)
}

/// `prometheus/common`'s `model.ParseDuration`, in nanoseconds, with its messages: the one
/// reading of durations, the own front end's (never negative: no sign is read).
pub(crate) fn parse_prometheus_duration(s: &str) -> Result<u64, String> {
    crate::syntax::literal::parse_duration(s).map(|ns| u64::try_from(ns).unwrap_or_default())
}

fn limit_errors(text: &str, tokens: &[Token]) -> Vec<LimitError> {
    let word = |t: &Token| &text[t.range.clone()];
    let mut out: Vec<LimitError> = Vec::new();
    let mut in_brackets = false;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match t.kind {
            Kind::LBracket => in_brackets = true,
            Kind::RBracket => in_brackets = false,
            Kind::Number => {
                if let Err(message) = literal::parse_number(word(t)) {
                    out.push(LimitError {
                        position: t.range.clone(),
                        message,
                        literal: t.range.clone(),
                        replacement: "1",
                    });
                } else if in_brackets
                    && seconds_out_of_range(literal::parse_number(word(t)).unwrap_or(0.0))
                {
                    out.push(LimitError {
                        position: t.range.clone(),
                        message: "duration out of range".to_string(),
                        literal: t.range.clone(),
                        replacement: "1",
                    });
                }
            }
            Kind::Duration => {
                if let Err(message) = parse_prometheus_duration(word(t)) {
                    out.push(LimitError {
                        position: t.range.clone(),
                        message,
                        literal: t.range.clone(),
                        replacement: "1s",
                    });
                }
            }
            Kind::Ident if word(t).eq_ignore_ascii_case("offset") && !in_brackets => {
                // `offset [+-] NUMBER`: the number is seconds; with a sign Prometheus reports
                // the sign's position.
                let (sign, at) = match tokens.get(i + 1) {
                    Some(s) if s.kind == Kind::Sign => (Some(s), i + 2),
                    _ => (None, i + 1),
                };
                if let Some(n) = tokens.get(at).filter(|n| n.kind == Kind::Number)
                    && let Ok(v) = literal::parse_number(word(n))
                {
                    let v = if sign.is_some_and(|s| word(s) == "-") {
                        -v
                    } else {
                        v
                    };
                    if seconds_out_of_range(v) {
                        out.push(LimitError {
                            position: sign.unwrap_or(n).range.clone(),
                            message: "duration out of range".to_string(),
                            literal: n.range.clone(),
                            replacement: "1",
                        });
                        i = at + 1;
                        continue;
                    }
                }
            }
            Kind::At => {
                let (sign, at) = match tokens.get(i + 1) {
                    Some(s) if s.kind == Kind::Sign => (Some(s), i + 2),
                    _ => (None, i + 1),
                };
                let value = tokens.get(at).and_then(|n| match n.kind {
                    Kind::Number => literal::parse_number(word(n)).ok().map(|v| (n, v)),
                    Kind::Duration => parse_prometheus_duration(word(n))
                        .ok()
                        .map(|ns| (n, ns as f64 / 1e9)),
                    _ => None,
                });
                if let Some((n, v)) = value {
                    let ts = if sign.is_some_and(|s| word(s) == "-") {
                        -v
                    } else {
                        v
                    };
                    if ts.is_nan() || ts >= i64::MAX as f64 || ts <= i64::MIN as f64 {
                        let start = modified_expression_start(text, tokens, i);
                        out.push(LimitError {
                            position: start..tokens[i].range.start.max(start + 1),
                            message: format!(
                                "timestamp out of bounds for @ modifier: {}",
                                literal::go_f(ts)
                            ),
                            literal: n.range.clone(),
                            replacement: "1",
                        });
                        i = at + 1;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Report in text order of their positions, as Prometheus meets them.
    out.sort_by_key(|l| l.literal.start);
    out
}

/// Start of the expression an `@` (token `at`) modifies: a selector, a range selector, a
/// subquery or a bracketed expression, with any `offset` between them.
fn modified_expression_start(text: &str, tokens: &[Token], at: usize) -> usize {
    let mut j = at;
    loop {
        let Some(prev) = j.checked_sub(1) else {
            return tokens.get(at).map_or(0, |t| t.range.start);
        };
        let t = &tokens[prev];
        match t.kind {
            // `x offset 5m @ ...`
            Kind::Number | Kind::Duration => {
                let mut k = prev;
                if k > 0 && tokens[k - 1].kind == Kind::Sign {
                    k -= 1;
                }
                if k > 0 && text[tokens[k - 1].range.clone()].eq_ignore_ascii_case("offset") {
                    j = k - 1;
                    continue;
                }
                return t.range.start;
            }
            Kind::RBracket => {
                let Some(open) = matching_open(tokens, prev, Kind::LBracket, Kind::RBracket) else {
                    return t.range.start;
                };
                j = open;
            }
            Kind::RParen => {
                let Some(open) = matching_open(tokens, prev, Kind::LParen, Kind::RParen) else {
                    return t.range.start;
                };
                // A function or aggregation call: start at its name.
                return match open.checked_sub(1).map(|p| &tokens[p]) {
                    Some(name) if name.kind == Kind::Ident => name.range.start,
                    _ => tokens[open].range.start,
                };
            }
            Kind::Braces => {
                return match prev.checked_sub(1).map(|p| &tokens[p]) {
                    Some(name) if name.kind == Kind::Ident && name.range.end == t.range.start => {
                        name.range.start
                    }
                    _ => t.range.start,
                };
            }
            _ => return t.range.start,
        }
    }
}

fn matching_open(tokens: &[Token], close: usize, open: Kind, closing: Kind) -> Option<usize> {
    let mut depth = 0usize;
    for k in (0..=close).rev() {
        if tokens[k].kind == closing {
            depth += 1;
        } else if tokens[k].kind == open {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// The parsed tree: what the text checks might have missed.

fn duration_fits(d: &Duration) -> bool {
    d.as_nanos() <= MAX_DURATION_NS as u128
}

fn tree_error(expr: &Expr) -> Option<String> {
    let out_of_range = || Some("duration out of range".to_string());
    let offset_fits = |o: &Option<Offset>| match o {
        None => true,
        Some(Offset::Pos(d) | Offset::Neg(d)) => duration_fits(d),
    };
    let at_fits = |a: &Option<AtModifier>| match a {
        Some(AtModifier::At(t)) => {
            let secs = match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_secs_f64(),
                Err(e) => -e.duration().as_secs_f64(),
            };
            (secs < i64::MAX as f64 && secs > i64::MIN as f64)
                .then_some(())
                .ok_or(secs)
        }
        _ => Ok(()),
    };
    let mut stack: Vec<&Expr> = vec![expr];
    while let Some(e) = stack.pop() {
        match e {
            Expr::VectorSelector(vs) => {
                if !offset_fits(&vs.offset) {
                    return out_of_range();
                }
                if let Err(ts) = at_fits(&vs.at) {
                    return Some(format!(
                        "timestamp out of bounds for @ modifier: {}",
                        literal::go_f(ts)
                    ));
                }
            }
            Expr::MatrixSelector(ms) => {
                if !duration_fits(&ms.range) || !offset_fits(&ms.vs.offset) {
                    return out_of_range();
                }
                if let Err(ts) = at_fits(&ms.vs.at) {
                    return Some(format!(
                        "timestamp out of bounds for @ modifier: {}",
                        literal::go_f(ts)
                    ));
                }
            }
            Expr::Subquery(sq) => {
                if !duration_fits(&sq.range)
                    || !sq.step.as_ref().is_none_or(duration_fits)
                    || !offset_fits(&sq.offset)
                {
                    return out_of_range();
                }
                if let Err(ts) = at_fits(&sq.at) {
                    return Some(format!(
                        "timestamp out of bounds for @ modifier: {}",
                        literal::go_f(ts)
                    ));
                }
                stack.push(&sq.expr);
            }
            Expr::Aggregate(a) => {
                stack.push(&a.expr);
                if let Some(p) = &a.param {
                    stack.push(p);
                }
            }
            Expr::Unary(u) => stack.push(&u.expr),
            Expr::Binary(b) => {
                stack.push(&b.lhs);
                stack.push(&b.rhs);
            }
            Expr::Paren(p) => stack.push(&p.expr),
            Expr::Call(c) => stack.extend(c.args.args.iter().map(|a| &**a)),
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
